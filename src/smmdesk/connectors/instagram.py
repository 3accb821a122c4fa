"""Instagram professional accounts (business or creator) through Meta's Graph API.

Connected with Facebook Login (see ``connectors/meta.py``): every Instagram professional
account linked to a Page the person manages becomes a channel; its credentials hold that
Page's token, which reaches the account without expiring.

Instagram does not take uploads: it downloads every photo and video itself from a public
address (``MediaFile.url``, a signed link to ``/m/<token>/`` on this server, valid for a
week). So **the smmdesk server must be reachable from the internet at SMMDESK_SITE_URL
for Instagram publishing to work**; a post whose media point to localhost or a private
network is refused before anything is sent, with that explanation.

Publishing is in three steps: create a container (POST /{ig-user}/media) for each file,
wait until its ``status_code`` is FINISHED, then POST /{ig-user}/media_publish. Apps may
not edit captions or delete posts through the API.

References (contract fixtures in ``tests/connectors/fixtures/instagram/``):
https://developers.facebook.com/docs/instagram-platform/content-publishing ,
https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media
https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-container ,
https://developers.facebook.com/docs/instagram-platform/comment-moderation ,
https://developers.facebook.com/docs/instagram-platform/insights ,
https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes ,
https://developers.facebook.com/docs/instagram-platform/webhooks/examples .
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smmdesk.connectors.base import (
    Capabilities,
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
    RemoteComment,
    TransientError,
    content_hash,
)
from smmdesk.connectors.meta import (
    MetaConnector,
    best_effort,
    graph_time,
    insight_values,
    token_context,
    webhook_time,
)
from smmdesk.connectors.webhooks import WebhookEvent
from smmdesk.lib import netguard
from smmdesk.lib.http import HttpClient

MB = 2**20
HASHTAGS_MAX = 30  # "maximum of 30 hashtags" per caption
MENTIONS_MAX = 20  # "maximum of 20 @ tags" per caption
STORY_VIDEO_MAX_BYTES = 100 * MB  # story videos: 100 MB, reels: 300 MB
FEED_RATIO = (4 / 5, 1.91)  # feed images: "within a 4:5 to 1.91:1 range"
_HASHTAG = re.compile(r"(?<![\w#])#\w+")
_MENTION = re.compile(r"(?<![\w.@])@[\w.]+")
_SUBCODE = re.compile(r"\b(22\d{5})\b")
_RETRY_SUBCODES = frozenset({2207001, 2207003, 2207020, 2207032, 2207053})
_COMMENT = "id,text,username,timestamp,from{id,username},parent_id,hidden"
# Media insights per product type (metrics not offered for a type make the whole call
# fail): "views" replaced impressions/plays in 2025; stories have no "saved".
_INSIGHTS = {"STORY": ("reach", "shares", "views", "replies")}
_FEED_INSIGHTS = ("reach", "saved", "shares", "views")
_METRIC_NAMES = {"saved": "saves", "shares": "reposts"}


class InstagramConnector(MetaConnector):
    kind = "instagram"
    label = "Instagram"
    webhook_object = "instagram"
    needs_public_media = True
    # Content publishing reference (ig-user/media): captions "2200 character maximum,
    # 30 hashtags, and 20 @ tags"; images "JPEG is the only image format supported",
    # "8MB maximum"; carousels "limited to 10 images, videos, or a mix"; reels video
    # "300MB maximum"; story video "100MB maximum". Meta does not say how it counts
    # characters; UTF-16 units (emoji count twice) never let a too-long caption through.
    limits = Limits(
        text_max=2200,
        media_max=10,
        media_kinds=frozenset({MediaKind.IMAGE, MediaKind.VIDEO}),
        image_max_bytes=8 * MB,
        video_max_bytes=300 * MB,
        mixed_media=True,  # a carousel may mix photos and videos
        formats=frozenset({Format.FEED, Format.REEL, Format.STORY}),
        media_required_formats=frozenset({Format.FEED, Format.REEL, Format.STORY}),
        counts="utf16",
    )
    # Instagram does not let apps delete or edit published posts: both stay False.
    # /media lists a published post at once; ten minutes of margin, as for Facebook.
    listing_lag = timedelta(minutes=10)
    metrics_reads_per_run = 10  # Meta: calls per app and account per hour
    capabilities = Capabilities(
        comments=True, reply=True, hide_comment=True, delete_comment=True,
        post_metrics=True, account_metrics=True, webhooks=True, find_published=True)
    # "Instagram accounts are limited to 100 API-published posts within a 24-hour moving
    # period" (carousels count as one); checked with content_publishing_limit too.
    rate_limits = (RateLimit(100, 86400, "channel"),)
    connect_help = gettext_lazy(
        "Sign in with Facebook: every Instagram business or creator account linked to a "
        "Facebook Page you manage becomes a channel. smmdesk must be reachable from the "
        "internet (SMMDESK_SITE_URL), because Instagram downloads the media from it.")
    # Container polling: Meta suggests checking about once a minute for at most five
    # minutes; photos are usually ready at once.
    image_waits: tuple[float, ...] = (1, 2, 3, 5, 5, 10, 10, 15)
    video_waits: tuple[float, ...] = (5, 10, 15, 30, 30, 30, 60, 60, 60)

    # -- connect --------------------------------------------------------------

    @classmethod
    def oauth_accounts(cls, token: dict, http: HttpClient, *, instance: str = ""
                       ) -> list[ConnectResult]:
        """For each managed Page, its ``instagram_business_account``: one channel per
        Instagram account, reached with the Page's token."""
        pages = cls.managed_pages(token, http)
        accounts = []
        for page in pages:
            api = cls(token_context(page["access_token"]), http)
            linked = api._call("GET", str(page["id"]), params={
                "fields": "instagram_business_account{id,username,name}"})
            account = _account(page, linked)
            if account is not None:
                accounts.append(account)
        if pages and not accounts:
            raise PermanentError(_(
                "Instagram: none of the Facebook Pages you allowed has an Instagram "
                "professional account linked. In the Instagram app switch to a business or "
                "creator account and link it to your Page (Page settings → Linked accounts), "
                "then connect again and select that Page."), code="no_instagram_account")
        return accounts

    # -- publishing -------------------------------------------------------------

    @classmethod
    def validate(cls, req: PublishRequest, *, settings: dict | None = None) -> list[Issue]:
        """The shared limits, hashtags and @mentions, JPEG only, and what each format
        holds: feed a photo or a 2–10 item carousel, reel one video, story one file."""
        issues = super().validate(req, settings=settings)
        issues += _caption_issues(req.text)
        issues += _format_issues(req)
        for media in req.media:
            issues += _media_issues(media, req.format)
        return issues

    def publish(self, req: PublishRequest) -> PublishResult:
        """Containers (children first for a carousel), each waited for until FINISHED,
        then media_publish; the permalink and the first comment after that."""
        self._require_public(req.media)
        self._check_quota()
        container = self._container(req)
        media_id = str(self._call("POST", f"{self._ig()}/media_publish",
                                  data={"creation_id": container}, create=True)["id"])
        url = best_effort(lambda: self._call("GET", media_id, params={
            "fields": "permalink"}).get("permalink", ""), "")
        raw = {"media_id": media_id, "container_id": container}
        if req.format != Format.STORY:
            raw.update(self._first_comment(media_id, req.first_comment))
        return PublishResult(external_id=media_id, url=url, raw=raw)

    def find_published(self, req: PublishRequest, *, since: datetime) -> FindResult:
        """The account's media since ``since`` (GET /{ig-user}/media, newest first),
        matched by the hash of the caption. Stories carry no caption: UNKNOWN."""
        if req.format == Format.STORY:
            return FindResult(Found.UNKNOWN, note=_(
                "Instagram stories have no caption smmdesk could recognise."))
        cutoff = since.timestamp()
        items, complete = self._list(f"{self._ig()}/media", {
            "fields": "id,caption,timestamp,permalink,media_product_type", "limit": 50},
            stop=lambda m: graph_time(m.get("timestamp")).timestamp() < cutoff)
        matches = [m for m in items if content_hash(m.get("caption", "")) == req.content_hash()]
        if matches and req.text.strip():
            first = min(matches, key=lambda m: m.get("timestamp", ""))
            return FindResult(Found.FOUND, PublishResult(str(first["id"]),
                                                         first.get("permalink", "")))
        if matches:
            return FindResult(Found.UNKNOWN, note=_(
                "Instagram lists posts without a caption that smmdesk cannot tell apart."))
        if not complete:
            return FindResult(Found.UNKNOWN, note=_(
                "Instagram has more recent posts than smmdesk could read."))
        return FindResult(Found.NOT_FOUND)

    def edit(self, external_id: str, req: PublishRequest) -> PublishResult:
        """Not possible: the Instagram API does not let apps change a caption."""
        raise PermanentError(_("Instagram does not let apps edit a published post's caption. "
                               "Edit it in the Instagram app."), code="not_supported")

    def delete(self, external_id: str, extra_ids: tuple[str, ...] = ()) -> None:
        """Not possible: the Instagram API does not let apps delete posts."""
        raise PermanentError(_("Instagram does not let apps delete posts. Delete it in the "
                               "Instagram app."), code="not_supported")

    # -- community --------------------------------------------------------------

    def fetch_comments(self, external_id: str, *, since: datetime | None = None
                       ) -> list[RemoteComment]:
        """GET /{media}/comments with each comment's replies (``parent_id`` names the
        comment they answer); only those after ``since``."""
        items, _complete = self._list(f"{external_id}/comments", {
            "fields": f"{_COMMENT},replies{{{_COMMENT}}}", "limit": 50}, pages=10)
        flat = [c for item in items
                for c in (item, *((item.get("replies") or {}).get("data") or []))]
        comments = [self._comment(c, external_id) for c in flat]
        return [c for c in comments if since is None or c.created_at > since]

    def reply(self, comment: RemoteComment, text: str) -> RemoteComment:
        """POST /{comment}/replies (a reply to a reply joins the top comment's thread)."""
        body = self._call("POST", f"{comment.external_id}/replies", data={"message": text},
                          create=True)
        return RemoteComment(
            external_id=str(body["id"]), post_external_id=comment.post_external_id,
            author_id=self._ig(), author_name=self.channel.settings.get("username", ""),
            text=text, created_at=timezone.now(),
            parent_external_id=comment.parent_external_id or comment.external_id,
            by_us=True, raw=body)

    def hide_comment(self, comment_external_id: str, hidden: bool = True) -> None:
        """POST /{comment} hide=true|false."""
        self._call("POST", comment_external_id, data={"hide": "true" if hidden else "false"})

    def delete_comment(self, comment_external_id: str) -> None:
        """DELETE /{comment}; already gone counts as deleted."""
        try:
            self._call("DELETE", comment_external_id)
        except PermanentError as exc:
            if exc.code != "not_found":
                raise

    # -- metrics ---------------------------------------------------------------

    def fetch_post_metrics(self, external_id: str) -> dict[str, int]:
        """Likes and comments from the media's fields; reach, saves, shares and views
        (replies for stories) from its insights when Meta offers them."""
        body = self._call("GET", external_id, params={
            "fields": "like_count,comments_count,media_product_type"})
        metrics = {"likes": int(body.get("like_count") or 0),
                   "comments": int(body.get("comments_count") or 0)}
        wanted = _INSIGHTS.get(body.get("media_product_type"), _FEED_INSIGHTS)
        insights = self._insights(external_id, wanted)
        for name, value in insight_values(insights).items():
            metrics[_METRIC_NAMES.get(name, name)] = value
        return metrics

    def fetch_account_metrics(self) -> dict[str, int]:
        """GET /{ig-user}?fields=followers_count,media_count."""
        body = self._call("GET", self._ig(), params={"fields": "followers_count,media_count"})
        return {"followers": int(body.get("followers_count") or 0),
                "posts": int(body.get("media_count") or 0)}

    # -- webhooks ---------------------------------------------------------------

    @classmethod
    def entry_events(cls, entry: dict) -> list[WebhookEvent]:
        """``comments`` / ``live_comments``, ``mentions`` and direct ``messaging`` of one
        Instagram account."""
        account = str(entry.get("id") or "")
        events = [_change_event(account, c, entry.get("time")) for c in entry.get("changes")
                  or [] if isinstance(c, dict)]
        events += [WebhookEvent("message", account, item,
                                str((item.get("message") or {}).get("mid") or ""))
                   for item in entry.get("messaging") or []
                   if isinstance(item, dict) and "message" in item
                   and not item["message"].get("is_echo")]
        return events

    @classmethod
    def change_comment(cls, event: WebhookEvent) -> RemoteComment | None:
        """A ``comments`` / ``live_comments`` change with the ids ``fetch_comments`` gives
        the comment: its id, the media id ``publish`` returned, the comment it answers.
        Mentions give None: their payload holds only ids (no text, no author), which a
        Graph API call would have to fill in."""
        return _change_comment(event)

    # -- publishing steps -------------------------------------------------------

    def _ig(self) -> str:
        return str(self.channel.external_id)

    def _require_public(self, media: tuple[MediaFile, ...]) -> None:
        for item in media:
            if not netguard.public_url(item.url):
                raise PermanentError(_(
                    "Instagram downloads photos and videos from this smmdesk server, but "
                    "“%(url)s” cannot be reached from the internet. Set SMMDESK_SITE_URL to "
                    "the server's public https address (see the README), then publish "
                    "again.") % {"url": item.url or _("(no address)")},
                    code="media_not_public")

    def _check_quota(self) -> None:
        body = best_effort(lambda: self._call(
            "GET", f"{self._ig()}/content_publishing_limit",
            params={"fields": "config,quota_usage"}), {})
        usage = (body.get("data") or [{}])[0]
        total = (usage.get("config") or {}).get("quota_total")
        if isinstance(total, int) and int(usage.get("quota_usage") or 0) >= total:
            raise TransientError(_(
                "Instagram: %(account)s already published %(total)d posts through apps in "
                "the last 24 hours, the most Instagram allows; smmdesk will try again in an "
                "hour.") % {"account": self.channel.name, "total": total},
                code="publishing_limit", retry_after=3600.0, raw=body)

    def _container(self, req: PublishRequest) -> str:
        if not req.media:  # validate() says so first; never send an empty container
            raise PermanentError(_("Instagram needs a photo or a video in every post."),
                                 code="media_required")
        if req.format == Format.STORY:
            media = req.media[0]
            return self._ready({"media_type": "STORIES", **_source(media)}, media)
        if req.format == Format.REEL:
            return self._ready({"media_type": "REELS", "video_url": req.media[0].url,
                                "caption": req.text, "share_to_feed": "true"}, req.media[0])
        if len(req.media) == 1:
            fields = {"image_url": req.media[0].url, "caption": req.text}
            if req.media[0].alt_text:
                fields["alt_text"] = req.media[0].alt_text
            return self._ready(fields, req.media[0])
        children = [self._ready({"is_carousel_item": "true", **_source(m)}, m)
                    for m in req.media]
        slowest = next((m for m in req.media if m.kind == MediaKind.VIDEO), req.media[0])
        return self._ready({"media_type": "CAROUSEL", "children": ",".join(children),
                            "caption": req.text}, slowest)

    def _ready(self, fields: dict, media: MediaFile) -> str:
        """Create a container (nobody sees it, so a failure is simply retried) and wait
        until Instagram has fetched and processed the file."""
        container = str(self._call("POST", f"{self._ig()}/media", data=fields)["id"])
        waits = self.video_waits if media.kind == MediaKind.VIDEO else self.image_waits
        for pause in (0, *waits):
            if pause:
                time.sleep(pause)
            body = self._call("GET", container, params={"fields": "status_code,status"})
            status = body.get("status_code")
            if status in ("FINISHED", "PUBLISHED"):
                return container
            if status in ("ERROR", "EXPIRED"):
                raise _container_failed(body, media)
        raise TransientError(_(
            "Instagram is still processing %(name)s after %(seconds)d seconds; smmdesk will "
            "try again later.") % {"name": media.name or media.path.name,
                                   "seconds": sum(waits)},
            code="still_processing", raw={"container": container})

    def _first_comment(self, media_id: str, text: str) -> dict:
        if not text:
            return {}
        try:
            body = self._call("POST", f"{media_id}/comments", data={"message": text},
                              create=True)
        except ConnectorError as exc:
            return {"first_comment": {"error": exc.message, "code": exc.code}}
        return {"first_comment": {"id": body.get("id")}}

    def _comment(self, item: dict, media_id: str) -> RemoteComment:
        author = item.get("from") or {}
        username = author.get("username") or item.get("username") or ""
        return RemoteComment(
            external_id=str(item["id"]), post_external_id=media_id,
            author_id=str(author.get("id") or ""), author_name=username,
            text=item.get("text") or "", created_at=graph_time(item.get("timestamp")),
            parent_external_id=str(item.get("parent_id") or ""),
            by_us=bool(username) and username == self.channel.settings.get("username"),
            hidden=bool(item.get("hidden")), raw=item)


# ---------------------------------------------------------------- helpers


def _account(page: dict, body: dict) -> ConnectResult | None:
    ig = body.get("instagram_business_account")
    if not isinstance(ig, dict) or not ig.get("id"):
        return None
    username = ig.get("username") or ""
    return ConnectResult(
        external_id=str(ig["id"]), name=f"@{username}" if username else ig.get("name", ""),
        credentials={"access_token": page["access_token"]},
        settings={"page_id": str(page["id"]), "page_name": page.get("name", ""),
                  "username": username},
        url=f"https://www.instagram.com/{username}/" if username else "")


def _source(media: MediaFile) -> dict:
    if media.kind == MediaKind.VIDEO:
        return {"media_type": "VIDEO", "video_url": media.url}
    return {"image_url": media.url}


def _caption_issues(text: str) -> list[Issue]:
    issues = []
    tags, mentions = len(_HASHTAG.findall(text)), len(_MENTION.findall(text))
    if tags > HASHTAGS_MAX:
        issues.append(Issue("too_many_hashtags", _(
            "Instagram allows at most %(limit)d hashtags in a caption; this one has "
            "%(count)d.") % {"limit": HASHTAGS_MAX, "count": tags}))
    if mentions > MENTIONS_MAX:
        issues.append(Issue("too_many_mentions", _(
            "Instagram allows at most %(limit)d @mentions in a caption; this one has "
            "%(count)d.") % {"limit": MENTIONS_MAX, "count": mentions}))
    return issues


def _format_issues(req: PublishRequest) -> list[Issue]:
    kinds = [m.kind for m in req.media]
    if req.format == Format.FEED and kinds == [MediaKind.VIDEO]:
        return [Issue("video_is_reel", _(
            "Instagram publishes a single video as a Reel: choose the Reel format."),
            "format")]
    if req.format == Format.REEL and kinds != [MediaKind.VIDEO]:
        return [Issue("reel_needs_video", _("An Instagram Reel is exactly one video."),
                      "media")]
    if req.format == Format.STORY:
        issues = []
        if len(kinds) > 1:
            issues.append(Issue("story_one_file", _(
                "An Instagram story holds one photo or one video; make one story per file."),
                "media"))
        if req.text.strip():
            issues.append(Issue("story_text", _(
                "Instagram stories published by apps carry no caption, so this text would be "
                "lost: remove it, or put it on the image.")))
        return issues
    return []


def _media_issues(media: MediaFile, fmt: Format) -> list[Issue]:
    name = media.name or media.path.name
    if media.kind == MediaKind.IMAGE and media.mime not in ("image/jpeg", "image/jpg"):
        kind = media.mime.split("/")[-1].upper() or "?"
        return [Issue("jpeg_only", _(
            "Instagram accepts only JPEG photos from apps, and %(name)s is %(kind)s: save it "
            "as JPEG (.jpg) and attach it again.") % {"name": name, "kind": kind}, "media")]
    if media.kind == MediaKind.VIDEO and fmt == Format.STORY \
            and media.size > STORY_VIDEO_MAX_BYTES:
        return [Issue("media_too_large", _(
            "Instagram accepts story videos up to %(limit)d MB; %(name)s is %(size).1f MB.")
            % {"limit": STORY_VIDEO_MAX_BYTES // MB, "name": name, "size": media.size / MB},
            "media")]
    if media.kind == MediaKind.IMAGE and fmt == Format.FEED and media.width \
            and media.height and not FEED_RATIO[0] - 0.005 <= media.width / media.height \
            <= FEED_RATIO[1] + 0.005:
        return [Issue("aspect_ratio", _(
            "Instagram feed photos must be between 4:5 (portrait) and 1.91:1 (landscape); "
            "%(name)s is %(width)d×%(height)d. Crop it and attach it again.")
            % {"name": name, "width": media.width, "height": media.height}, "media")]
    return []


def _container_failed(body: dict, media: MediaFile) -> ConnectorError:
    reason = str(body.get("status") or body.get("status_code"))
    found = _SUBCODE.search(reason)
    who = {"name": media.name or media.path.name, "reason": reason}
    if body.get("status_code") == "ERROR" and found \
            and int(found.group(1)) in _RETRY_SUBCODES:
        return TransientError(_("Instagram could not process %(name)s this time (%(reason)s); "
                                "smmdesk will try again.") % who, code="container_retry",
                              raw=body)
    return PermanentError(_("Instagram could not process %(name)s: %(reason)s") % who,
                          code="container_error", raw=body)



def _change_event(account: str, change: dict, sent_at: Any = None) -> WebhookEvent:
    """One change; ``entry_time`` is when the entry was sent (comments carry no time)."""
    value = change.get("value") if isinstance(change.get("value"), dict) else {}
    field = change.get("field")
    data = {"field": field, **value, "entry_time": sent_at}
    if field in ("comments", "live_comments"):
        return WebhookEvent("comment", account, data, str(value.get("id") or ""))
    if field == "mentions":
        return WebhookEvent("mention", account, data,
                            str(value.get("comment_id") or value.get("media_id") or ""))
    return WebhookEvent("other", account, data)


def _change_comment(event: WebhookEvent) -> RemoteComment | None:
    d = event.data if isinstance(event.data, dict) else {}
    if event.kind != "comment" or not event.external_id:
        return None
    author = d.get("from") if isinstance(d.get("from"), dict) else {}
    media = d.get("media") if isinstance(d.get("media"), dict) else {}
    author_id = str(author.get("id") or "")
    return RemoteComment(
        external_id=event.external_id, post_external_id=str(media.get("id") or ""),
        author_id=author_id, author_name=str(author.get("username") or ""),
        text=str(d.get("text") or ""), created_at=webhook_time(d.get("entry_time")),
        parent_external_id=str(d.get("parent_id") or ""),
        by_us=bool(author_id) and author_id == event.account_id, raw=d)
