"""TikTok: videos and photo posts through the Content Posting API.

Connected with TikTok Login Kit (OAuth 2 with PKCE; TikTok calls the client id
``client_key``). The access token lives 24 hours and the refresh token 365 days (both
read from ``expires_in`` / ``refresh_expires_in``, which TikTok may shorten): the worker
refreshes an hour ahead, and a call that finds the token refused renews it once and
goes on. After 365 days the person must sign in again; the channels page says when.

Publishing, for each post:

1. ``creator_info/query``: the account's allowed privacy levels, longest video, and
   whether comments, duets and stitches are off. The post's "Who can watch" must be one
   of those levels (TikTok's UX rules forbid a default); a video longer than allowed is
   refused before upload.
2. ``video/init`` (direct post) or ``inbox/video/init`` (a draft the creator finishes in
   the app: option "mode"), with the video as FILE_UPLOAD (chunks PUT to the upload URL,
   streamed from disk, see ``uploads``) or PULL_FROM_URL when smmdesk's public address
   is given (TikTok must have it verified; otherwise the file is uploaded). Photos go to
   ``content/init`` and are always pulled from smmdesk (``needs_public_media``).
3. ``status/fetch`` until PUBLISH_COMPLETE (SEND_TO_USER_INBOX for drafts); TikTok names
   the video id only for public posts (``publicaly_available_post_id``), so a private
   post keeps its publish id.

Apps TikTok has not audited may only publish private ("Only me") posts. The public API
has no way to read or answer comments on organic posts, nor to delete or edit posts.

References (contract fixtures in ``tests/connectors/fixtures/tiktok/``):
https://developers.tiktok.com/doc/oauth-user-access-token-management ,
https://developers.tiktok.com/doc/content-posting-api-reference-query-creator-info ,
https://developers.tiktok.com/doc/content-posting-api-reference-direct-post ,
https://developers.tiktok.com/doc/content-posting-api-reference-upload-video ,
https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide ,
https://developers.tiktok.com/doc/content-posting-api-reference-photo-post ,
https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status ,
https://developers.tiktok.com/doc/tiktok-api-v2-video-query ,
https://developers.tiktok.com/doc/tiktok-api-v2-video-list ,
https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info ,
https://developers.tiktok.com/doc/tiktok-api-v2-error-handling ,
https://developers.tiktok.com/doc/tiktok-api-v2-rate-limit .
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import httpx
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smmdesk.connectors import oauth
from smmdesk.connectors.base import (
    AmbiguousError,
    Capabilities,
    ChannelContext,
    Connector,
    ConnectorError,
    ConnectResult,
    FindResult,
    Format,
    Found,
    Issue,
    Limits,
    MediaFile,
    MediaKind,
    PermanentError,
    PublishRequest,
    PublishResult,
    RateLimit,
    TransientError,
    content_hash,
    text_length,
)
from smmdesk.connectors.oauth import OAuthSpec
from smmdesk.connectors.tiktok import uploads
from smmdesk.connectors.tiktok.errors import api_error, failed
from smmdesk.lib import netguard
from smmdesk.lib.containers import mp4_duration
from smmdesk.lib.http import HttpClient

API = "https://open.tiktokapis.com"
TOKEN_URL = f"{API}/v2/oauth/token/"
MB = 2**20
SCOPES = ("user.info.basic", "user.info.stats", "video.publish", "video.upload",
          "video.list")
OAUTH = OAuthSpec(
    authorize_url="https://www.tiktok.com/v2/auth/authorize/",
    token_url=TOKEN_URL,
    scopes=SCOPES,
    pkce=True,
    scope_separator=",",  # "scope: A comma-separated list"
    env_prefix="SMMDESK_TIKTOK",
    client_id_param="client_key",  # TikTok's name for the app's id
)
PRIVACY = ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY")
PRIVACY_LABELS = {
    "PUBLIC_TO_EVERYONE": gettext_lazy("Everyone"),
    "MUTUAL_FOLLOW_FRIENDS": gettext_lazy("Friends (followers you follow back)"),
    "FOLLOWER_OF_CREATOR": gettext_lazy("Followers"),
    "SELF_ONLY": gettext_lazy("Only me"),
}
PHOTO_TITLE_MAX = 90  # "The maximum length for photo posts is 90 in UTF-16 runes"
PHOTO_TEXT_MAX = 4000  # photo description: 4000 UTF-16 runes
PHOTO_MIMES = ("image/jpeg", "image/jpg", "image/webp")
RENEW_WARNING = timedelta(days=14)  # warn this long before the refresh token runs out
_YES = ("yes", "true", "1", "on")
_OFF = (("", gettext_lazy("Allowed")), ("yes", gettext_lazy("Turned off")))
_NO_YES = (("", gettext_lazy("No")), ("yes", gettext_lazy("Yes")))
_USER_FIELDS = "open_id,union_id,avatar_url,display_name"
_STATS_FIELDS = "follower_count,following_count,likes_count,video_count"
_LIST_FIELDS = "id,create_time,title,video_description,share_url"


def _pause(seconds: float) -> None:
    """The wait between status checks (tests replace it)."""
    time.sleep(seconds)


class TikTokConnector(Connector):
    kind = "tiktok"
    label = "TikTok"
    oauth = OAUTH
    # Video captions ("title"): 2200 UTF-16 runes; photo posts: title 90, description
    # 4000, up to 35 photos (JPEG or WebP, 20 MB each); one video per post, up to 4 GB.
    limits = Limits(
        text_max=2200,
        media_max=35,
        media_kinds=frozenset({MediaKind.IMAGE, MediaKind.VIDEO}),
        image_max_bytes=20 * MB,
        video_max_bytes=4 * 2**30,
        mixed_media=False,
        formats=frozenset({Format.FEED, Format.REEL}),
        media_required_formats=frozenset({Format.FEED, Format.REEL}),
        counts="utf16",
    )
    # No comments (the public API cannot read or answer comments on organic posts), no
    # delete or edit: the Content Posting API only creates.
    capabilities = Capabilities(post_metrics=True, account_metrics=True,
                                find_published=True)
    # "Each user access_token is limited to 6 requests per minute" (every init endpoint);
    # the daily cap per creator (spam_risk_too_many_posts) is not published: integrators
    # report about 15 posts a day.
    rate_limits = (RateLimit(6, 60, "channel"), RateLimit(15, 86400, "channel"))
    refresh_ahead = timedelta(hours=1)
    needs_public_media = True  # photos are always pulled from a URL
    # /v2/video/query/ allows 600 requests a minute per app; one read per post.
    metrics_reads_per_run = 40
    connect_help = gettext_lazy(
        "Sign in with TikTok and allow every permission. Until TikTok has audited "
        "smmdesk's app, it can publish only private (“Only me”) posts; photo posts also "
        "need smmdesk's address verified in the TikTok developer portal.")
    variant_options = (
        ("mode", gettext_lazy("How to send"), (
            ("direct", gettext_lazy("Publish directly")),
            ("inbox", gettext_lazy("Send to the TikTok inbox to finish in the app")))),
        ("privacy_level", gettext_lazy("Who can watch"),
         tuple((value, PRIVACY_LABELS[value]) for value in PRIVACY)),
        ("disable_comment", gettext_lazy("Comments"), _OFF),
        ("disable_duet", gettext_lazy("Duets"), _OFF),
        ("disable_stitch", gettext_lazy("Stitches"), _OFF),
        ("brand_organic_toggle", gettext_lazy("Promotes your own business (“Your brand”)"),
         _NO_YES),
        ("brand_content_toggle",
         gettext_lazy("Paid partnership with a brand (“Branded content”)"), _NO_YES),
        ("title", gettext_lazy("Photo post title (up to 90 characters)"), "text"),
        ("photo_cover_index", gettext_lazy("Cover photo number (1 is the first)"), "text"),
    )
    status_waits: tuple[float, ...] = (2, 3, 5, 5, 10, 10, 15, 15, 30, 30, 30, 60, 60)

    def __init__(self, channel: ChannelContext, http: HttpClient | None = None):
        super().__init__(channel, http)
        self._token = str(channel.credentials.get("access_token") or "")

    # -- connect --------------------------------------------------------------

    @classmethod
    def oauth_accounts(cls, token: dict, http: HttpClient, *, instance: str = ""
                       ) -> list[ConnectResult]:
        """The one account that signed in: /v2/user/info/ names it; creator_info gives
        its @username for the profile link when the person granted video.publish."""
        api = cls(ChannelContext(None, str(token.get("open_id") or ""), "",
                                 credentials=_credentials(token, {})), http)
        user = api._call("GET", "/v2/user/info/", params={"fields": _USER_FIELDS})["user"]
        scopes = _scopes(token)
        username = ""
        if "video.publish" in scopes:
            try:
                username = str(api._creator().get("creator_username") or "")
            except PermanentError as exc:
                if exc.channel_broken:
                    raise
            except ConnectorError:
                pass
        return [ConnectResult(
            external_id=str(user.get("open_id") or token.get("open_id") or ""),
            name=str(user.get("display_name") or (f"@{username}" if username else "TikTok")),
            credentials=_credentials(token, {}),
            settings={"username": username, "scopes": sorted(scopes),
                      **_refresh_until(token)},
            url=f"https://www.tiktok.com/@{username}" if username else "",
            token_expires_at=oauth.expires_at(token))]

    def refresh_credentials(self) -> ConnectResult | None:
        """POST /v2/oauth/token/ grant_type=refresh_token with client_key: a new access
        token and the refresh token TikTok returns (it may be a new one)."""
        if not self.channel.credentials.get("refresh_token"):
            return None
        body = self._token_refresh()
        return ConnectResult(
            external_id=self.channel.external_id, name=self.channel.name,
            credentials=_credentials(body, self.channel.credentials),
            settings={**self.channel.settings, **_refresh_until(body),
                      **({"scopes": sorted(_scopes(body))} if body.get("scope") else {})},
            token_expires_at=oauth.expires_at(body))

    @classmethod
    def channel_notes(cls, settings: dict) -> list[str]:
        """Permissions the person did not grant, and when the sign-in itself ends."""
        notes = []
        granted = settings.get("scopes")
        missing = [s for s in SCOPES if granted is not None and s not in granted]
        if missing:
            notes.append(_("TikTok: these permissions were not granted: %(scopes)s. Reconnect "
                           "the channel and leave them switched on.")
                         % {"scopes": ", ".join(missing)})
        until = parse_datetime(str(settings.get("refresh_expires_at") or ""))
        if until and until < timezone.now() + RENEW_WARNING:
            notes.append(_("TikTok ends this sign-in on %(date)s: reconnect the channel "
                           "before then.") % {"date": date_format(until, "DATE_FORMAT")})
        return notes

    # -- publishing -------------------------------------------------------------

    @classmethod
    def validate(cls, req: PublishRequest, *, settings: dict | None = None) -> list[Issue]:
        """The shared limits, then TikTok's: one video or 1–35 photos (JPEG/WebP, their
        own text lengths), a "Who can watch" chosen for direct posts, branded content
        never private."""
        photos = _is_photo(req)
        issues = [i for i in super().validate(req, settings=settings)
                  if not (photos and i.code == "text_too_long")]
        videos = [m for m in req.media if m.kind == MediaKind.VIDEO]
        if len(videos) > 1 or (req.format == Format.REEL and req.media and photos):
            issues.append(Issue("one_video", _("A TikTok post holds exactly one video, or "
                                               "only photos."), "media"))
        if photos:
            issues += _photo_issues(req)
        issues += _option_issues(req.options)
        return issues

    def publish(self, req: PublishRequest) -> PublishResult:
        """Creator info (direct posts), the init call for the media, the upload, then
        the status until TikTok has published it (or put it in the inbox)."""
        if not req.media:  # validate() says so first; TikTok has no text-only posts
            raise PermanentError(_("A TikTok post needs a video or photos."),
                                 code="media_required")
        opts = req.options or {}
        inbox = _mode(opts) == "inbox"
        creator = {} if inbox else self._creator()
        if _is_photo(req):
            publish_id, source = self._photo_init(req, creator, inbox), "PULL_FROM_URL"
        else:
            publish_id, source = self._video_init(req, creator, inbox)
        data = self._wait(publish_id, inbox=inbox)
        return self._result(publish_id, data, photo=_is_photo(req),
                            raw={"publish_id": publish_id, "mode": "inbox" if inbox
                                 else "direct", "source": source,
                                 "status": data.get("status")})

    def find_published(self, req: PublishRequest, *, since: datetime) -> FindResult:
        """The account's public videos since ``since`` (/v2/video/list/, newest first),
        matched by the hash of the caption. TikTok lists only public posts, after
        moderation and with a delay, never drafts or private ones: UNKNOWN when absent."""
        if _mode(req.options or {}) == "inbox":
            return FindResult(Found.UNKNOWN, note=_(
                "TikTok drafts sent to the inbox are not listed until the creator posts "
                "them in the app."))
        wanted = req.content_hash()
        for video in self._recent(since):
            texts = (video.get("video_description"), video.get("title"))
            if req.text.strip() and any(content_hash(t or "") == wanted for t in texts):
                return FindResult(Found.FOUND, PublishResult(
                    str(video["id"]), str(video.get("share_url") or ""), raw=video))
        return FindResult(Found.UNKNOWN, note=_(
            "TikTok lists only public posts, some time after moderation; a private post or "
            "one still under review cannot be seen. Look in the TikTok app."))

    def edit(self, external_id: str, req: PublishRequest) -> PublishResult:
        raise PermanentError(_("TikTok does not let apps edit a published post. Edit it in "
                               "the TikTok app."), code="not_supported")

    def delete(self, external_id: str, extra_ids: tuple[str, ...] = ()) -> None:
        raise PermanentError(_("TikTok does not let apps delete posts. Delete it in the "
                               "TikTok app."), code="not_supported")

    # -- metrics ---------------------------------------------------------------

    def fetch_post_metrics(self, external_id: str) -> dict[str, int]:
        """POST /v2/video/query/ for one video: views, likes, comments, shares. A post
        kept under its publish id (private) has no figures."""
        if not external_id.isdigit():
            return {}
        data = self._call("POST", "/v2/video/query/", params={
            "fields": "id,view_count,like_count,comment_count,share_count"},
            json={"filters": {"video_ids": [external_id]}})
        video = next((v for v in data.get("videos") or [] if str(v.get("id")) == external_id),
                     None)
        if video is None:
            return {}
        return {"views": int(video.get("view_count") or 0),
                "likes": int(video.get("like_count") or 0),
                "comments": int(video.get("comment_count") or 0),
                "reposts": int(video.get("share_count") or 0)}

    def fetch_account_metrics(self) -> dict[str, int]:
        """GET /v2/user/info/ with the user.info.stats fields."""
        user = self._call("GET", "/v2/user/info/", params={"fields": _STATS_FIELDS})["user"]
        return {"followers": int(user.get("follower_count") or 0),
                "following": int(user.get("following_count") or 0),
                "posts": int(user.get("video_count") or 0)}

    # -- publishing steps -------------------------------------------------------

    def _creator(self) -> dict:
        return self._call("POST", "/v2/post/publish/creator_info/query/", json={})

    def _video_init(self, req: PublishRequest, creator: dict, inbox: bool
                    ) -> tuple[str, str]:
        """PULL_FROM_URL when the video has a public address; an address TikTok has not
        verified (refused at init, nothing created) falls back to uploading the file."""
        video = req.media[0]
        body = {} if inbox else {"post_info": self._video_info(req, creator, video)}
        path = ("/v2/post/publish/inbox/video/init/" if inbox
                else "/v2/post/publish/video/init/")
        if netguard.public_url(video.url):
            try:
                data = self._call("POST", path, create=True, json={**body, "source_info": {
                    "source": "PULL_FROM_URL", "video_url": video.url}})
                return str(data["publish_id"]), "PULL_FROM_URL"
            except PermanentError as exc:
                if exc.code != "url_unverified":
                    raise
        chunk, count = uploads.chunk_plan(video.size)
        data = self._call("POST", path, json={**body, "source_info": {
            "source": "FILE_UPLOAD", "video_size": video.size, "chunk_size": chunk,
            "total_chunk_count": count}})
        self._upload(str(data["upload_url"]), video)
        return str(data["publish_id"]), "FILE_UPLOAD"

    def _video_info(self, req: PublishRequest, creator: dict, video: MediaFile) -> dict:
        limit = creator.get("max_video_post_duration_sec")
        seconds = mp4_duration(video.path)
        if isinstance(limit, int) and seconds is not None and seconds > limit:
            raise PermanentError(_(
                "TikTok lets %(account)s post videos up to %(limit)d seconds; %(name)s lasts "
                "%(seconds)d seconds. Shorten it and attach it again.")
                % {"account": self.channel.name, "limit": limit, "seconds": round(seconds),
                   "name": video.name or video.path.name}, code="video_too_long")
        info = self._post_info(req.options or {}, creator)
        for name in ("disable_duet", "disable_stitch"):
            info[name] = _yes(req.options, name) or bool(creator.get(name.replace(
                "disable_", "") + "_disabled"))
        return {"title": req.text, **info}

    def _post_info(self, opts: dict, creator: dict) -> dict:
        """What every direct post carries, checked against the creator's settings."""
        privacy = str(opts.get("privacy_level") or "")
        offered = [p for p in creator.get("privacy_level_options") or [] if p in PRIVACY]
        if privacy not in offered:
            names = ", ".join(f"“{PRIVACY_LABELS[p]}”" for p in offered) or "—"
            raise PermanentError(_(
                "TikTok: %(account)s can post only to %(offered)s. Choose one of these under "
                "“Who can watch” and publish again.")
                % {"account": self.channel.name, "offered": names},
                code="privacy_not_offered", raw={"offered": offered, "chosen": privacy})
        return {"privacy_level": privacy,
                "disable_comment": _yes(opts, "disable_comment")
                or bool(creator.get("comment_disabled")),
                "brand_content_toggle": _yes(opts, "brand_content_toggle"),
                "brand_organic_toggle": _yes(opts, "brand_organic_toggle")}

    def _photo_init(self, req: PublishRequest, creator: dict, inbox: bool) -> str:
        for photo in req.media:
            if not netguard.public_url(photo.url):
                raise PermanentError(_(
                    "TikTok downloads photos from this smmdesk server, but “%(url)s” cannot "
                    "be reached from the internet. Set SMMDESK_SITE_URL to the server's "
                    "public https address, then publish again.")
                    % {"url": photo.url or "—"}, code="media_not_public")
        opts = req.options or {}
        info = {"title": str(opts.get("title") or ""), "description": req.text}
        if not inbox:
            info.update(self._post_info(opts, creator))
        data = self._call("POST", "/v2/post/publish/content/init/", create=True, json={
            "media_type": "PHOTO", "post_mode": "MEDIA_UPLOAD" if inbox else "DIRECT_POST",
            "post_info": info, "source_info": {
                "source": "PULL_FROM_URL", "photo_cover_index": _cover(opts, len(req.media)),
                "photo_images": [p.url for p in req.media]}})
        return str(data["publish_id"])

    def _upload(self, url: str, video: MediaFile) -> None:
        """PUT each chunk in order with its Content-Range. Until the last chunk nothing
        can be published, so a failure is simply retried; after the last one TikTok may
        be publishing: ambiguous."""
        for secret in dict(parse_qsl(urlsplit(url).query)).values():
            self.http.add_secret(secret)
        ranges = uploads.chunk_ranges(video.size)
        for n, (start, end) in enumerate(ranges):
            last = n == len(ranges) - 1
            headers = {"Content-Type": video.mime, "Content-Length": str(end - start),
                       "Content-Range": f"bytes {start}-{end - 1}/{video.size}"}
            try:
                response = self.send("PUT", url, headers=headers, idempotent=False,
                                     content=uploads.pieces(video.path, start, end))
            except AmbiguousError as exc:
                if last:
                    raise
                raise TransientError(exc.message, code="upload_interrupted",
                                     raw=exc.raw) from exc
            if response.status_code not in (200, 201, 206):
                raise api_error(response, _json(response), account=self.channel.name,
                                create=last)

    def _wait(self, publish_id: str, *, inbox: bool) -> dict:
        """Poll /v2/post/publish/status/fetch/ (30 a minute allowed) with growing pauses.
        TikTok has the post by now: a refused or failed check never means "send again",
        and a post still in moderation at the end is left to ``find_published``."""
        done = ("PUBLISH_COMPLETE", "SEND_TO_USER_INBOX") if inbox else ("PUBLISH_COMPLETE",)
        status = ""
        for pause in (0, *self.status_waits):
            if pause:
                _pause(pause)
            try:
                data = self._call("POST", "/v2/post/publish/status/fetch/",
                                  json={"publish_id": publish_id})
            except TransientError:
                continue
            except ConnectorError as exc:
                raise self._unconfirmed(publish_id, exc.message) from exc
            status = str(data.get("status") or "")
            if status in done:
                return data
            if status == "FAILED":
                raise failed(data, account=self.channel.name)
        raise self._unconfirmed(publish_id, status or "?")

    def _unconfirmed(self, publish_id: str, reason: str) -> AmbiguousError:
        return AmbiguousError(_(
            "TikTok received the post but has not confirmed it yet (%(reason)s); TikTok may "
            "still be checking it. smmdesk will look for it before sending it again.")
            % {"reason": reason}, code="not_confirmed", raw={"publish_id": publish_id})

    def _result(self, publish_id: str, data: dict, *, photo: bool, raw: dict
                ) -> PublishResult:
        ids = [str(i) for i in data.get("publicaly_available_post_id") or [] if i]
        username = self.channel.settings.get("username") or ""
        if not ids:  # private, or a draft in the inbox: TikTok names no post
            return PublishResult(external_id=publish_id, raw=raw)
        kind = "photo" if photo else "video"
        url = f"https://www.tiktok.com/@{username}/{kind}/{ids[0]}" if username else ""
        return PublishResult(external_id=ids[0], url=url, raw=raw, extra_ids=tuple(ids[1:]))

    def _recent(self, since: datetime, pages: int = 3) -> list[dict]:
        cutoff, videos, body = since.timestamp(), [], {"max_count": 20}
        for _n in range(pages):
            data = self._call("POST", "/v2/video/list/", params={"fields": _LIST_FIELDS},
                              json=body)
            for video in data.get("videos") or []:
                if int(video.get("create_time") or 0) < cutoff:
                    return videos
                videos.append(video)
            if not data.get("has_more"):
                break
            body = {"max_count": 20, "cursor": data.get("cursor")}
        return videos

    # -- calling the API --------------------------------------------------------

    def _call(self, method: str, path: str, *, params: dict | None = None,
              json: dict | None = None, create: bool = False, renewed: bool = False) -> dict:
        """One API call with the bearer token; the answer's ``data``. A refused token is
        renewed once (for all workers) and the call repeated. ``create``: the call may
        publish, so a failure after sending is ambiguous."""
        headers = {"Authorization": f"Bearer {self._token}"}
        try:
            # Only GETs are repeated by the HTTP client: TikTok counts every init call
            # against 6 a minute, and a repeated upload init would orphan the first.
            response = self.send(method, f"{API}{path}", params=params, json=json,
                                 headers=headers, idempotent=method == "GET")
        except AmbiguousError as exc:
            if create:
                raise
            raise TransientError(_("TikTok could not be reached. smmdesk will try again."),
                                 code="unreachable", raw=exc.raw) from exc
        body = _json(response)
        err = body.get("error") if isinstance(body.get("error"), dict) else {}
        if response.status_code < 300 and err.get("code", "ok") == "ok":
            return body.get("data") or {}
        if err.get("code") == "access_token_invalid" and not renewed \
                and self.channel.credentials.get("refresh_token"):
            self._renew()
            return self._call(method, path, params=params, json=json, create=create,
                              renewed=True)
        raise api_error(response, body, account=self.channel.name, create=create)

    def _renew(self) -> None:
        fresh = self.renew_in_call(lambda: self.refresh_credentials() or ConnectResult(
            self.channel.external_id, self.channel.name, dict(self.channel.credentials)))
        self._token = str(fresh.credentials.get("access_token") or "")
        self.http.add_secret(self._token)

    def _token_refresh(self) -> dict:
        try:
            client = oauth.deployment_client(OAUTH)
        except oauth.OAuthNotConfigured as exc:
            raise TransientError(_("TikTok: SMMDESK_TIKTOK_CLIENT_ID is not set, so smmdesk "
                                   "cannot renew the sign-in."), code="app_not_configured",
                                 retry_after=3600.0) from exc
        self.http.add_secret(client.client_secret)
        response = self.send("POST", TOKEN_URL, idempotent=True, data={
            "client_key": client.client_id, "client_secret": client.client_secret,
            "grant_type": "refresh_token",
            "refresh_token": self.channel.credentials["refresh_token"]})
        body = _json(response)
        if response.status_code < 300 and body.get("access_token"):
            for name in ("access_token", "refresh_token"):
                self.http.add_secret(str(body.get(name) or ""))
            return body
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientError(_("TikTok had a temporary problem renewing the sign-in; "
                                   "smmdesk will try again."), code="refresh_failed",
                                 raw=body, retry_after=60.0)
        raise PermanentError(_(
            "TikTok no longer renews smmdesk's access to %(account)s (%(reason)s). Reconnect "
            "the channel and sign in with TikTok again.")
            % {"account": self.channel.name,
               "reason": body.get("error_description") or body.get("error")
               or response.status_code},
            code="refresh_invalid", raw=body, channel_broken=True)


# ---------------------------------------------------------------- helpers


def _credentials(token: dict, old: dict) -> dict:
    fresh = {"access_token": token.get("access_token"),
             "refresh_token": token.get("refresh_token"), "open_id": token.get("open_id")}
    return {**old, **{k: str(v) for k, v in fresh.items() if v}}


def _scopes(token: dict) -> set[str]:
    return {s.strip() for s in str(token.get("scope") or "").split(",") if s.strip()}


def _refresh_until(token: dict) -> dict:
    seconds = token.get("refresh_expires_in")
    if not seconds:
        return {}
    return {"refresh_expires_at": (timezone.now() + timedelta(seconds=int(seconds)))
            .astimezone(UTC).isoformat()}


def _mode(opts: dict) -> str:
    return str(opts.get("mode") or "direct")


def _yes(opts: dict | None, name: str) -> bool:
    value = (opts or {}).get(name)
    return value is True or str(value or "").strip().lower() in _YES


def _is_photo(req: PublishRequest) -> bool:
    return bool(req.media) and all(m.kind == MediaKind.IMAGE for m in req.media)


def _cover(opts: dict, count: int) -> int:
    """The person's cover number (1-based) as TikTok's 0-based index."""
    value = str(opts.get("photo_cover_index") or "1").strip()
    number = int(value) if value.isdigit() else 1
    return min(max(number, 1), count) - 1


def _photo_issues(req: PublishRequest) -> list[Issue]:
    issues = []
    if text_length(req.text, "utf16") > PHOTO_TEXT_MAX:
        issues.append(Issue("text_too_long", _(
            "TikTok allows at most %(limit)d characters under a photo post.")
            % {"limit": PHOTO_TEXT_MAX}))
    title = str((req.options or {}).get("title") or "")
    if text_length(title, "utf16") > PHOTO_TITLE_MAX:
        issues.append(Issue("title_too_long", _(
            "TikTok allows at most %(limit)d characters in a photo post's title.")
            % {"limit": PHOTO_TITLE_MAX}, "options"))
    for m in req.media:
        if m.mime not in PHOTO_MIMES:
            issues.append(Issue("photo_format", _(
                "TikTok accepts only JPEG and WebP photos; save %(name)s as JPEG and attach "
                "it again.") % {"name": m.name or m.path.name}, "media"))
    return issues


def _option_issues(opts: dict | None) -> list[Issue]:
    opts = opts or {}
    if _mode(opts) not in ("direct", "inbox"):
        return [Issue("mode", _("Choose how to send the post to TikTok."), "options")]
    if _mode(opts) == "inbox":
        return []
    privacy = str(opts.get("privacy_level") or "")
    if privacy not in PRIVACY:
        return [Issue("privacy_required", _(
            "TikTok: choose who can watch this post (TikTok does not allow a default)."),
            "options")]
    if privacy == "SELF_ONLY" and _yes(opts, "brand_content_toggle"):
        return [Issue("branded_private", _(
            "TikTok does not allow branded content to be private: choose another “Who can "
            "watch”, or untick “Branded content”."), "options")]
    return []



def _json(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
