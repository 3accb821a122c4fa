"""YouTube: videos and Shorts on a channel, through the YouTube Data API v3 and the
YouTube Analytics API v2.

Connected with Google sign-in (OAuth 2 authorization code with PKCE, offline access so
Google returns a refresh token). Access tokens live an hour: the worker renews them 25
minutes ahead, and a call that meets an expired one renews it and tries again once. A
refresh token Google no longer takes (``invalid_grant``: revoked, password changed, or
an app in "Testing" whose tokens last seven days) marks the channel for reconnecting.

A post is one video (``uploads``: resumable upload, chunk by chunk from disk); its text
is the description, its title the ``title`` option or the text's first line. A second
file, an image, becomes the custom thumbnail; the ``playlist_id`` option adds the video
to a playlist. A Short (format REEL) is a vertical or square video of at most three
minutes; YouTube decides by the video itself, and #Shorts is added to the description.

Every call costs the server's Google Cloud project quota units out of 10,000 a day (an
upload 1,600), so metrics are read sparingly and a spent quota waits for midnight
Pacific time for every channel at once.

References (contract fixtures in ``tests/connectors/fixtures/youtube/``):
https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol ,
https://developers.google.com/youtube/v3/docs/videos/insert ,
https://developers.google.com/youtube/v3/docs/thumbnails/set ,
https://developers.google.com/youtube/v3/docs/playlistItems ,
https://developers.google.com/youtube/v3/docs/commentThreads/list ,
https://developers.google.com/youtube/v3/docs/comments ,
https://developers.google.com/youtube/v3/docs/errors ,
https://developers.google.com/youtube/analytics/reference/reports/query ,
https://developers.google.com/identity/protocols/oauth2/web-server .
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smmdesk.connectors import oauth
from smmdesk.connectors.base import (
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
    MediaKind,
    PermanentError,
    PublishRequest,
    PublishResult,
    RateLimit,
    RemoteComment,
    TransientError,
    content_hash,
)
from smmdesk.connectors.youtube import community, uploads
from smmdesk.connectors.youtube.common import (
    ANALYTICS_API,
    API,
    AUTHORIZE_URL,
    DAILY_UNITS,
    PAGE,
    SCOPES,
    SHORTS_URL,
    TOKEN_URL,
    UPLOAD_UNITS,
    WATCH_URL,
    api_time,
    as_int,
    json_body,
)
from smmdesk.connectors.youtube.errors import api_error, token_invalid
from smmdesk.connectors.youtube.videos import (
    the_thumbnail,
    the_video,
    video_description,
    video_issues,
    video_resource,
    video_title,
)
from smmdesk.lib.http import HttpClient

MB = 2**20
GB = 2**30

YOUTUBE_OAUTH = oauth.OAuthSpec(
    authorize_url=AUTHORIZE_URL,
    token_url=TOKEN_URL,
    scopes=SCOPES,
    env_prefix="SMMDESK_YOUTUBE",
    # offline: a refresh token comes back; consent: it comes back on every sign-in,
    # not only the first one.
    authorize_params={"access_type": "offline", "prompt": "consent",
                      "include_granted_scopes": "true"},
)
_ANALYTICS_METRICS = ("views", "estimatedMinutesWatched", "likes", "shares",
                      "subscribersGained")
_ANALYTICS_NAMES = {"shares": "reposts", "estimatedMinutesWatched": "watch_minutes",
                    "subscribersGained": "subscribers_gained"}
_FIND_SLACK = timedelta(minutes=5)  # clocks differ; a match must be this recent at least


class YouTubeConnector(Connector):
    kind = "youtube"
    label = "YouTube"
    secret_keys = ("access_token", "refresh_token")
    # videos resource: description "maximum length of 5000 bytes" (checked in bytes by
    # ``validate``; text_max is what the composer counts), title 100 characters.
    # Uploads: "Maximum file size: 256GB"; thumbnails.set: "Maximum file size: 2MB",
    # image/jpeg or image/png. One video per post; one image, taken as its thumbnail.
    limits = Limits(
        text_max=5000,
        media_max=2,
        media_kinds=frozenset({MediaKind.VIDEO, MediaKind.IMAGE}),
        image_max_bytes=2 * MB,
        video_max_bytes=256 * GB,
        mixed_media=True,
        formats=frozenset({Format.FEED, Format.REEL}),
        media_required_formats=frozenset({Format.FEED, Format.REEL}),
        counts="chars",
    )
    # Editing (videos.update) is left out: it replaces the whole snippet, 50 units a time.
    capabilities = Capabilities(delete=True, comments=True, reply=True, hide_comment=True,
                                delete_comment=True, post_metrics=True, account_metrics=True,
                                find_published=True, reply_to_post=True)
    # The Data API quota is 10,000 units a day per Google Cloud project (all channels of
    # this server together), reset at midnight Pacific time; an upload costs 1,600
    # units, so at most 6 uploads a day, reads (1 unit) sharing what is left.
    rate_limits = (RateLimit(DAILY_UNITS // UPLOAD_UNITS, 86400, "app"),)
    oauth = YOUTUBE_OAUTH
    # Access tokens live 3600 s and the worker looks every 10 minutes: 25 minutes ahead
    # gives it two chances before one runs out.
    refresh_ahead = timedelta(minutes=25)
    # Each metrics read is a quota unit (plus an Analytics report): keep it small.
    metrics_reads_per_run = 10
    connect_help = gettext_lazy(
        "Sign in with the Google account that owns the YouTube channel (for a brand "
        "channel, pick it on Google's screen) and allow every permission asked for.")
    variant_options = (
        ("title", gettext_lazy("Title (up to 100 characters; empty: the first line of the "
                               "text)"), "text"),
        ("privacy", gettext_lazy("Visibility"), (("public", gettext_lazy("Public")),
                                                 ("unlisted", gettext_lazy("Unlisted")),
                                                 ("private", gettext_lazy("Private")))),
        ("publish_at", gettext_lazy("Make public at (e.g. 2026-12-24T18:00:00+02:00; the "
                                    "video stays private until then)"), "text"),
        ("tags", gettext_lazy("Tags, separated by commas"), "text"),
        ("playlist_id", gettext_lazy("Add to playlist (its ID, e.g. PLxxxx)"), "text"),
        ("category_id", gettext_lazy("Category number (22: People & Blogs)"), "text"),
        ("made_for_kids", gettext_lazy("Made for kids"), (("no", gettext_lazy("No")),
                                                          ("yes", gettext_lazy("Yes")))),
    )

    def __init__(self, channel: ChannelContext, http: HttpClient | None = None):
        super().__init__(channel, http)
        self._creds = dict(channel.credentials)

    # -- connect --------------------------------------------------------------

    @classmethod
    def oauth_accounts(cls, token: dict, http: HttpClient, *, instance: str = ""
                       ) -> list[ConnectResult]:
        """channels.list mine=true: the channel of the identity that signed in (a brand
        channel is chosen on Google's screen), stored with the user's tokens."""
        if not token.get("refresh_token"):
            raise PermanentError(_(
                "YouTube: Google did not give smmdesk lasting access. Remove smmdesk under "
                "“Third-party apps with account access” in your Google account, then connect "
                "again."), code="no_refresh_token")
        creds = {k: token[k] for k in ("access_token", "refresh_token")}
        api = cls(ChannelContext(None, "", "", credentials=creds), http)
        body = api.call("GET", f"{API}/channels", params={
            "part": "snippet,contentDetails", "mine": "true", "maxResults": 50})
        items = body.get("items") or []
        if not items:
            raise PermanentError(_(
                "YouTube: this Google account has no YouTube channel. Create one on "
                "youtube.com (or pick the brand account that has it when signing in), then "
                "connect again."), code="no_channel")
        expires = oauth.expires_at(token)
        return [_account(item, creds, expires) for item in items]

    def refresh_credentials(self) -> ConnectResult | None:
        """Trade the refresh token for a new access token (Google keeps the refresh
        token; it does not send a new one). None without one: reconnect."""
        if not self._creds.get("refresh_token"):
            return None
        return self._refreshed()

    # -- publishing -------------------------------------------------------------

    @classmethod
    def validate(cls, req: PublishRequest, *, settings: dict | None = None) -> list[Issue]:
        """The shared limits, then YouTube's: one video, at most one image (the
        thumbnail), the description in bytes, title, tags, visibility and schedule,
        Shorts vertical."""
        issues = [i for i in super().validate(req, settings=settings)
                  if i.code not in ("text_too_long", "too_many_media")]
        return issues + video_issues(req)

    def publish(self, req: PublishRequest) -> PublishResult:
        """Upload the video; then, each on its own (a failure is reported in ``raw``,
        never as a failed publish: the video exists), the thumbnail, the playlist and
        the first comment."""
        body = uploads.upload_video(self, the_video(req), video_resource(req), "snippet,status")
        video_id = str(body["id"])
        status = body.get("status") or {}
        raw: dict[str, Any] = {"video_id": video_id,
                               "privacy": status.get("privacyStatus", ""),
                               "upload_status": status.get("uploadStatus", "")}
        thumbnail = the_thumbnail(req)
        if thumbnail is not None:
            raw["thumbnail"] = _afterwards(
                lambda: uploads.set_thumbnail(self, video_id, thumbnail))
        playlist = str(req.options.get("playlist_id") or "").strip()
        if playlist:
            raw["playlist"] = _afterwards(lambda: self._add_to_playlist(video_id, playlist))
        if req.first_comment.strip():
            raw["first_comment"] = _afterwards(
                lambda: self._first_comment(video_id, req.first_comment))
        return PublishResult(video_id, _video_url(video_id, req.format), raw=raw)

    def find_published(self, req: PublishRequest, *, since: datetime) -> FindResult:
        """The channel's uploads playlist (newest first), matched by title and the hash
        of the description. YouTube adds a video to that list with a delay, so not
        finding it proves nothing: UNKNOWN, never NOT_FOUND."""
        body = self.call("GET", f"{API}/playlistItems", params={
            "part": "snippet", "playlistId": self._uploads_playlist(), "maxResults": PAGE})
        want, title = content_hash(video_description(req)), video_title(req)
        for item in body.get("items") or []:
            s = item.get("snippet") or {}
            video_id = str((s.get("resourceId") or {}).get("videoId") or "")
            if (video_id and api_time(s.get("publishedAt")) >= since - _FIND_SLACK
                    and s.get("title") == title
                    and content_hash(s.get("description") or "") == want):
                return FindResult(Found.FOUND, PublishResult(
                    video_id, _video_url(video_id, req.format), raw={"video_id": video_id}))
        return FindResult(Found.UNKNOWN, note=_(
            "YouTube lists new uploads with a delay; look in YouTube Studio whether the "
            "video is there."))

    def delete(self, external_id: str, extra_ids: tuple[str, ...] = ()) -> None:
        """videos.delete; a video already gone counts as deleted."""
        try:
            self.call("DELETE", f"{API}/videos", params={"id": external_id})
        except PermanentError as exc:
            if exc.code != "not_found":
                raise

    # -- community --------------------------------------------------------------

    def fetch_comments(self, external_id: str, *, since: datetime | None = None
                       ) -> list[RemoteComment]:
        return community.comments_fetch(self, external_id, since)

    def reply(self, comment: RemoteComment, text: str) -> RemoteComment:
        return community.comment_reply(self, comment, text)

    def reply_to_post(self, ref: str, text: str) -> RemoteComment:
        """Answer what listening found. A video (``ref`` a video id, from search and
        account items) gets a new top-level comment (commentThreads.insert); a comment
        (``ref`` its thread's id) an answer in its thread (comments.insert, as ``reply``
        answers a comment there)."""
        ref = (ref or "").strip()
        if _VIDEO_ID.fullmatch(ref):
            return self._comment_on_video(ref, text)
        if not _COMMENT_ID.fullmatch(ref):
            raise PermanentError(_("YouTube: smmdesk cannot tell which video or comment this "
                                   "mention is (its reference is missing or damaged). Open "
                                   "it on YouTube and answer there."), code="bad_ref",
                                 raw={"reply_ref": ref[:500]})
        thread = ref.split(".", 1)[0]  # a reply's id is "<thread id>.<its own>"
        made = self.reply(RemoteComment(
            external_id=ref, post_external_id="", author_id="", author_name="", text="",
            created_at=datetime.now(UTC), parent_external_id=thread), text)
        video = str(((made.raw or {}).get("snippet") or {}).get("videoId") or "")
        return replace(made, post_external_id=video) if video else made

    def hide_comment(self, comment_external_id: str, hidden: bool = True) -> None:
        community.comment_moderate(self, comment_external_id,
                                   "heldForReview" if hidden else "published")

    def delete_comment(self, comment_external_id: str) -> None:
        community.comment_delete(self, comment_external_id)

    # -- metrics ---------------------------------------------------------------

    def fetch_post_metrics(self, external_id: str) -> dict[str, int]:
        """Views, likes and comments from videos.list statistics (current), with shares,
        watch time and subscribers gained from a YouTube Analytics report (a day or two
        behind; skipped when it fails)."""
        body = self.call("GET", f"{API}/videos", params={"part": "statistics",
                                                         "id": external_id})
        items = body.get("items") or []
        if not items:
            raise PermanentError(_("YouTube: this video no longer exists."), code="not_found")
        stats = items[0].get("statistics") or {}
        found = {name: as_int(stats.get(key)) for name, key in (
            ("views", "viewCount"), ("likes", "likeCount"), ("comments", "commentCount"))}
        metrics = {k: v for k, v in found.items() if v is not None}
        report = self._analytics(external_id)
        metrics.update({_ANALYTICS_NAMES[k]: v for k, v in report.items()
                        if k in _ANALYTICS_NAMES})
        return metrics

    def fetch_account_metrics(self) -> dict[str, int]:
        """channels.list statistics: subscribers (unless the channel hides them), videos
        and all-time views."""
        body = self.call("GET", f"{API}/channels", params={
            "part": "statistics", "id": self.channel.external_id})
        items = body.get("items") or []
        stats = (items[0].get("statistics") or {}) if items else {}
        found = {"posts": as_int(stats.get("videoCount")),
                 "views": as_int(stats.get("viewCount"))}
        if not stats.get("hiddenSubscriberCount"):
            found["followers"] = as_int(stats.get("subscriberCount"))
        return {k: v for k, v in found.items() if v is not None}

    # -- calls -----------------------------------------------------------------

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._creds.get('access_token', '')}"}

    def request(self, method: str, url: str, *, create: bool = False,
                **kwargs: Any) -> httpx.Response:
        """One API call with the access token; an expired token (401) is renewed once
        and the call repeated. A refusal becomes the matching connector error."""
        extra = kwargs.pop("headers", {})
        for attempt in (1, 2):
            response = self.send(method, url, headers={**extra, **self.auth_headers()},
                                 **kwargs)
            if response.status_code == 401 and attempt == 1 and self._creds.get(
                    "refresh_token"):
                self.renew()
                continue
            if response.status_code >= 400:
                raise api_error(response, create=create, channel=self.channel.name)
            return response
        raise AssertionError("unreachable")

    def call(self, method: str, url: str, **kwargs: Any) -> dict:
        return json_body(self.request(method, url, **kwargs))

    def renew(self) -> None:
        """A new access token in the middle of a call, once for all workers."""
        if not self._creds.get("refresh_token"):
            raise token_invalid({"reason": "no refresh token"}, {"channel": self.channel.name})
        fresh = self.renew_in_call(self._refreshed)
        self._creds.update({k: v for k, v in fresh.credentials.items() if v})
        self.http.add_secret(self._creds.get("access_token", ""))

    def _refreshed(self) -> ConnectResult:
        try:
            client = oauth.deployment_client(YOUTUBE_OAUTH)
        except oauth.OAuthNotConfigured as exc:
            raise PermanentError(_("YouTube: this server has no Google app (%(var)s is not "
                                   "set), so the sign-in cannot be renewed.")
                                 % {"var": str(exc)}, code="oauth_not_configured") from exc
        self.http.add_secret(client.client_secret)
        data = {"grant_type": "refresh_token", "refresh_token": self._creds["refresh_token"],
                "client_id": client.client_id, "client_secret": client.client_secret}
        # Google does not rotate refresh tokens: asking twice is harmless.
        response = self.send("POST", TOKEN_URL, data=data, idempotent=True)
        body = json_body(response)
        if response.status_code != 200 or not body.get("access_token"):
            raise _refresh_error(response, body, self.channel.name)
        self.http.add_secret(body["access_token"])
        fresh = {**self._creds, "access_token": body["access_token"]}
        if body.get("refresh_token"):
            fresh["refresh_token"] = body["refresh_token"]
        return ConnectResult(external_id=self.channel.external_id, name=self.channel.name,
                             credentials=fresh, settings=dict(self.channel.settings),
                             url=_channel_url(self.channel.external_id),
                             token_expires_at=oauth.expires_at(body))

    def _uploads_playlist(self) -> str:
        """Stored when connecting; otherwise YouTube's rule: UC… → UU…."""
        stored = self.channel.settings.get("uploads_playlist")
        return stored or "UU" + self.channel.external_id[2:]

    def _add_to_playlist(self, video_id: str, playlist_id: str) -> dict:
        body = self.call("POST", f"{API}/playlistItems", params={"part": "snippet"},
                         json={"snippet": {"playlistId": playlist_id, "resourceId": {
                             "kind": "youtube#video", "videoId": video_id}}})
        return {"id": body.get("id", "")}

    def _first_comment(self, video_id: str, text: str) -> dict:
        body = self.call("POST", f"{API}/commentThreads", params={"part": "snippet"},
                         json={"snippet": {"videoId": video_id, "topLevelComment": {
                             "snippet": {"textOriginal": text}}}})
        return {"id": body.get("id", "")}

    def _comment_on_video(self, video_id: str, text: str) -> RemoteComment:
        """commentThreads.insert: a new top-level comment by our channel."""
        body = self.call("POST", f"{API}/commentThreads", params={"part": "snippet"},
                         json={"snippet": {"videoId": video_id, "topLevelComment": {
                             "snippet": {"textOriginal": text}}}})
        top = (body.get("snippet") or {}).get("topLevelComment") or {}
        made = community.comment_from(self, {**top, "id": top.get("id") or body.get("id")},
                                      video_id)
        published = (top.get("snippet") or {}).get("publishedAt")
        return replace(made, author_id=made.author_id or self.channel.external_id,
                       author_name=made.author_name or self.channel.name, text=text,
                       created_at=made.created_at if published else datetime.now(UTC),
                       by_us=True, raw=body)

    def _analytics(self, video_id: str) -> dict[str, int]:
        """reports.query for one video over its whole life; {} when the report cannot
        be read (an old grant without the Analytics permission, a video too new)."""
        params = {"ids": "channel==MINE", "startDate": "2005-04-23",
                  "endDate": datetime.now(UTC).date().isoformat(),
                  "metrics": ",".join(_ANALYTICS_METRICS), "filters": f"video=={video_id}"}
        try:
            body = self.call("GET", ANALYTICS_API, params=params)
        except PermanentError as exc:
            if exc.code == "token_invalid":
                raise
            return {}
        except ConnectorError:
            return {}
        names = [h.get("name") for h in body.get("columnHeaders") or []]
        rows = body.get("rows") or []
        values = dict(zip(names, rows[0], strict=False)) if rows else {}
        return {k: int(v) for k, v in values.items() if isinstance(v, int | float)}


# A video id is 11 characters of the URL-safe alphabet; a comment (thread) id is
# longer ("UgzDE2tasfmrYLyNkGt4AaABAg"), a reply's "<thread id>.<its own>".
_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_COMMENT_ID = re.compile(r"[A-Za-z0-9_-]{12,}(?:\.[A-Za-z0-9_-]+)?")


def _account(item: dict, creds: dict, expires: datetime | None) -> ConnectResult:
    snippet = item.get("snippet") or {}
    uploads_list = ((item.get("contentDetails") or {}).get("relatedPlaylists") or {}).get(
        "uploads", "")
    settings = {"uploads_playlist": uploads_list, "custom_url": snippet.get("customUrl", "")}
    return ConnectResult(external_id=str(item["id"]), name=snippet.get("title") or item["id"],
                         credentials=dict(creds), settings=settings,
                         url=_channel_url(str(item["id"])), token_expires_at=expires)


def _refresh_error(response: httpx.Response, body: dict, channel: str) -> ConnectorError:
    error = str(body.get("error") or "")
    raw = {"status": response.status_code, "error": error,
           "description": str(body.get("error_description") or "")[:300]}
    if error == "invalid_grant":
        return token_invalid(raw, {"channel": channel})
    if response.status_code >= 500 or response.status_code == 429:
        return TransientError(_("Google could not renew the sign-in just now; smmdesk will "
                                "try again."), code="refresh_failed", raw=raw)
    return PermanentError(_("Google refused to renew the sign-in (%(reason)s). The server's "
                            "Google app settings (client ID and secret) may be wrong.")
                          % {"reason": error or response.status_code},
                          code="oauth_client", raw=raw)


def _afterwards(call) -> dict:
    """A step after the upload: its result, or what went wrong, for ``raw``."""
    try:
        return {"ok": True, **call()}
    except ConnectorError as exc:
        return {"ok": False, "error": exc.message, "class": exc.error_class, "code": exc.code}


def _video_url(video_id: str, fmt: Format) -> str:
    return (SHORTS_URL if fmt == Format.REEL else WATCH_URL).format(id=video_id)


def _channel_url(channel_id: str) -> str:
    return f"https://www.youtube.com/channel/{channel_id}"
