"""Facebook Pages: posts, photos and videos on a Page, its comments and its metrics.

Connected with Facebook Login (see ``connectors/meta.py``): every Page the person manages
and may create content on becomes a channel whose credentials hold the Page token. Posts
are published as the Page with the Pages API; comments arrive by the Page ``feed``
webhook (network-wide endpoint ``/hooks/facebook/``) and by reading each post's comments.

References (contract fixtures in ``tests/connectors/fixtures/facebook/``):
https://developers.facebook.com/docs/pages-api/posts ,
https://developers.facebook.com/docs/graph-api/reference/page/photos ,
https://developers.facebook.com/docs/video-api/guides/publishing ,
https://developers.facebook.com/docs/pages-api/comments-mentions ,
https://developers.facebook.com/docs/graph-api/reference/page-post/insights ,
https://developers.facebook.com/docs/pages-api/webhooks-for-pages .
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smmdesk.connectors.base import (
    Capabilities,
    ConnectorError,
    ConnectResult,
    FindResult,
    Found,
    Issue,
    Limits,
    MediaFile,
    MediaKind,
    PermanentError,
    PublishRequest,
    PublishResult,
    RemoteComment,
    content_hash,
)
from smmdesk.connectors.meta import (
    MetaConnector,
    graph_time,
    insight_values,
    webhook_time,
)
from smmdesk.connectors.webhooks import WebhookEvent
from smmdesk.lib.http import HttpClient

MB = 2**20
# Page feed changes (webhook "feed" field, value.item) → our event kinds.
_FEED_KINDS = {"comment": "comment", "reaction": "reaction", "like": "reaction",
               "status": "post", "post": "post", "photo": "post", "video": "post",
               "share": "post", "link": "post"}
_COMMENT_FIELDS = "id,from{id,name},message,created_time,parent{id},is_hidden"
# Post insights: "views" and "viewers" (post_media_view, post_total_media_view_unique)
# replaced post_impressions / post_impressions_unique, deprecated for all versions in
# 2025 (https://developers.facebook.com/docs/platforminsights/page/deprecated-metrics).
_POST_INSIGHTS = {"post_media_view": "views", "post_total_media_view_unique": "reach",
                  "post_clicks": "clicks"}


class FacebookConnector(MetaConnector):
    kind = "facebook"
    label = "Facebook"
    webhook_object = "page"
    # A Page post's message may hold 63,206 characters (Facebook's documented post
    # length). Photos: "Files can not exceed 10MB" (JPEG, BMP, PNG, GIF, TIFF; Page
    # Stories API media requirements, the same uploads). Videos go up in one
    # multipart request ("non-resumable"), which Meta allows up to 1 GB. Up to 10 photos
    # make one post (published=false uploads attached to a feed post); a video is
    # always alone, and links get a preview only on posts without media.
    limits = Limits(
        text_max=63206,
        media_max=10,
        media_kinds=frozenset({MediaKind.IMAGE, MediaKind.GIF, MediaKind.VIDEO}),
        image_max_bytes=10 * MB,
        video_max_bytes=1024 * MB,
        mixed_media=True,  # photos and GIFs share an album; a video stays alone (validate)
        counts="chars",
    )
    # Graph lists a page's new post within seconds, but its feeds are eventually
    # consistent: trust "not there" only after ten minutes.
    listing_lag = timedelta(minutes=10)
    metrics_reads_per_run = 10  # Meta: calls per app and account per hour
    capabilities = Capabilities(
        delete=True, edit=True, comments=True, reply=True, hide_comment=True,
        delete_comment=True, post_metrics=True, account_metrics=True, webhooks=True,
        find_published=True)
    # Pages API calls with a Page token count against Business Use Case limits that Meta
    # sizes per Page and reports in X-Business-Use-Case-Usage (honoured on every refusal);
    # there is no fixed number to declare.
    rate_limits = ()
    connect_help = gettext_lazy(
        "Sign in with Facebook and allow smmdesk to manage your Pages: each Page you can "
        "create content on becomes a channel.")
    variant_options = (
        ("link", gettext_lazy("Link to share (Facebook shows a preview card)"), "text"),
    )

    # -- connect --------------------------------------------------------------

    @classmethod
    def oauth_accounts(cls, token: dict, http: HttpClient, *, instance: str = ""
                       ) -> list[ConnectResult]:
        """One channel per Page the person may publish to (the CREATE_CONTENT task), with
        the Page's non-expiring token."""
        return [ConnectResult(
            external_id=str(page["id"]), name=page.get("name") or str(page["id"]),
            credentials={"access_token": page["access_token"]},
            settings={"page_id": str(page["id"])},
            url=f"https://www.facebook.com/{page['id']}")
            for page in cls.managed_pages(token, http)
            if "tasks" not in page or "CREATE_CONTENT" in page["tasks"]]

    # -- publishing -------------------------------------------------------------

    @classmethod
    def validate(cls, req: PublishRequest, *, settings: dict | None = None) -> list[Issue]:
        """The shared limits; one video per post, alone; a link only without media."""
        issues = super().validate(req, settings=settings)
        if len(req.media) > 1 and any(m.kind == MediaKind.VIDEO for m in req.media):
            issues.append(Issue("video_alone", _(
                "Facebook posts a video on its own: make one post for the video and another "
                "for the photos."), "media"))
        if req.options.get("link") and req.media:
            issues.append(Issue("link_with_media", _(
                "Facebook shows a link preview only on posts without photos or video: remove "
                "the media or the link (you can still put the address in the text)."),
                "options"))
        return issues

    def publish(self, req: PublishRequest) -> PublishResult:
        """Text (and link): POST /{page}/feed. One photo: POST /{page}/photos with the file
        as ``source`` and the text as ``message``. Several: each uploaded with
        published=false, then one /feed post with ``attached_media``. A video: POST
        /{page}/videos with the text as ``description``. Then the first comment."""
        if not req.media:
            data = {"message": req.text}
            if req.options.get("link"):
                data["link"] = str(req.options["link"])
            post_id, extra = self._call("POST", f"{self._page()}/feed", data=data,
                                        create=True)["id"], ()
        elif req.media[0].kind == MediaKind.VIDEO:
            video = self._upload("videos", req.media[0], {"description": req.text}, True)
            post_id, extra = f"{self._page()}_{video['id']}", (str(video["id"]),)
        elif len(req.media) == 1:
            photo = self._upload("photos", req.media[0], {"message": req.text}, True)
            post_id, extra = photo.get("post_id") or photo["id"], ()
        else:
            post_id, extra = self._album(req), ()
        raw = {"post_id": post_id, **self._first_comment(post_id, req.first_comment)}
        return PublishResult(external_id=str(post_id), url=_post_url(post_id), raw=raw,
                             extra_ids=extra)

    def find_published(self, req: PublishRequest, *, since: datetime) -> FindResult:
        """The Page's own posts since ``since`` (GET /{page}/posts, newest first), matched
        by the hash of their message. A video can take minutes to appear, and media-only
        posts have no text to match, so those end UNKNOWN rather than NOT_FOUND."""
        cutoff = since.timestamp()
        posts, complete = self._list(f"{self._page()}/posts", {
            "fields": "id,message,created_time", "since": int(cutoff), "limit": 100},
            stop=lambda p: graph_time(p.get("created_time")).timestamp() < cutoff)
        wanted = req.content_hash()
        matches = [p for p in posts if content_hash(p.get("message", "")) == wanted]
        if matches and req.text.strip():
            first = min(matches, key=lambda p: p.get("created_time", ""))
            return FindResult(Found.FOUND, PublishResult(str(first["id"]),
                                                         _post_url(first["id"])))
        if matches:
            return FindResult(Found.UNKNOWN, note=_(
                "Facebook lists posts without text that smmdesk cannot tell apart."))
        if not complete:
            return FindResult(Found.UNKNOWN, note=_(
                "Facebook has more recent posts than smmdesk could read."))
        if any(m.kind == MediaKind.VIDEO for m in req.media):
            return FindResult(Found.UNKNOWN, note=_(
                "Facebook may still be processing the video."))
        return FindResult(Found.NOT_FOUND)

    def edit(self, external_id: str, req: PublishRequest) -> PublishResult:
        """POST /{post} with the new ``message``."""
        self._call("POST", external_id, data={"message": req.text})
        return PublishResult(external_id, _post_url(external_id), raw={"edited": True})

    def delete(self, external_id: str, extra_ids: tuple[str, ...] = ()) -> None:
        """DELETE /{post}; for a video post, DELETE /{video} (``extra_ids``), which takes
        its post with it. Already gone counts as deleted."""
        for object_id in extra_ids or (external_id,):
            self._delete(object_id)

    # -- community --------------------------------------------------------------

    def fetch_comments(self, external_id: str, *, since: datetime | None = None
                       ) -> list[RemoteComment]:
        """GET /{post}/comments with filter=stream (replies included, each naming its
        parent), newest first, until ``since``."""
        cutoff = since.timestamp() if since else 0.0
        items, _complete = self._list(f"{external_id}/comments", {
            "fields": _COMMENT_FIELDS, "filter": "stream", "order": "reverse_chronological",
            "limit": 100}, pages=10,
            stop=lambda c: graph_time(c.get("created_time")).timestamp() < cutoff)
        return [self._comment(c, external_id) for c in items]

    def reply(self, comment: RemoteComment, text: str) -> RemoteComment:
        """POST /{comment}/comments. Facebook threads go one level deep, so a reply to a
        reply goes to the thread's top comment, as in the Facebook app."""
        target = comment.parent_external_id or comment.external_id
        body = self._call("POST", f"{target}/comments", data={"message": text}, create=True)
        return RemoteComment(
            external_id=str(body["id"]), post_external_id=comment.post_external_id,
            author_id=self._page(), author_name=self.channel.name, text=text,
            created_at=timezone.now(), parent_external_id=target, by_us=True, raw=body)

    def hide_comment(self, comment_external_id: str, hidden: bool = True) -> None:
        """POST /{comment} is_hidden=true|false: hidden from everyone but its author and
        their friends."""
        self._call("POST", comment_external_id,
                   data={"is_hidden": "true" if hidden else "false"})

    def delete_comment(self, comment_external_id: str) -> None:
        """DELETE /{comment}; already gone counts as deleted."""
        self._delete(comment_external_id)

    # -- metrics ---------------------------------------------------------------

    def fetch_post_metrics(self, external_id: str) -> dict[str, int]:
        """Reactions, comments and shares from the post's fields; views, reach (unique
        viewers) and clicks from its insights, when Meta gives them (Pages with fewer
        than 100 likes and some post types have none)."""
        body = self._call("GET", external_id, params={
            "fields": "shares,reactions.limit(0).summary(total_count),"
                      "comments.limit(0).summary(total_count)"})
        metrics = {
            "likes": int(((body.get("reactions") or {}).get("summary") or {})
                         .get("total_count") or 0),
            "comments": int(((body.get("comments") or {}).get("summary") or {})
                            .get("total_count") or 0),
            "reposts": int((body.get("shares") or {}).get("count") or 0),
        }
        insights = self._insights(external_id, tuple(_POST_INSIGHTS))
        for name, value in insight_values(insights).items():
            metrics[_POST_INSIGHTS.get(name, name)] = value
        return metrics

    def fetch_account_metrics(self) -> dict[str, int]:
        """GET /{page}?fields=followers_count,fan_count."""
        body = self._call("GET", self._page(), params={"fields": "followers_count,fan_count"})
        return {"followers": int(body.get("followers_count") or 0),
                "fans": int(body.get("fan_count") or 0)}

    # -- webhooks ---------------------------------------------------------------

    @classmethod
    def entry_events(cls, entry: dict) -> list[WebhookEvent]:
        """``feed`` changes (comments, posts, reactions), ``mention`` and Messenger
        ``messaging`` items of one Page."""
        page_id = str(entry.get("id") or "")
        events = [_feed_event(page_id, change) for change in entry.get("changes") or []
                  if isinstance(change, dict)]
        events += [WebhookEvent("message", page_id, item,
                                str((item.get("message") or {}).get("mid") or ""))
                   for item in entry.get("messaging") or []
                   if isinstance(item, dict) and "message" in item
                   and not item["message"].get("is_echo")]
        return events

    @classmethod
    def change_comment(cls, event: WebhookEvent) -> RemoteComment | None:
        """A ``feed`` comment with the ids ``fetch_comments`` gives it (its comment id,
        the "{page}_{post}" id ``publish`` returned, the comment it answers), or a
        ``mention`` of the Page in someone's post or comment. Removed, hidden and
        unhidden comments, reactions and posts give None."""
        return _feed_comment(event)

    # -- helpers ----------------------------------------------------------------

    def _page(self) -> str:
        return str(self.channel.settings.get("page_id") or self.channel.external_id)

    def _upload(self, edge: str, media: MediaFile, fields: dict, create: bool) -> dict:
        if media.alt_text and edge == "photos":
            fields = {**fields, "alt_text_custom": media.alt_text}
        with ExitStack() as stack:
            part = (media.name or media.path.name, stack.enter_context(media.path.open("rb")),
                    media.mime)
            return self._call("POST", f"{self._page()}/{edge}", data=fields,
                              files={"source": part}, create=create)

    def _album(self, req: PublishRequest) -> str:
        """Several photos: unpublished uploads (nobody sees them, so a failure there is
        simply retried), then the post that shows them together."""
        ids = [self._upload("photos", m, {"published": "false"}, False)["id"]
               for m in req.media]
        data = {"message": req.text}
        for n, photo_id in enumerate(ids):
            data[f"attached_media[{n}]"] = json.dumps({"media_fbid": str(photo_id)})
        return self._call("POST", f"{self._page()}/feed", data=data, create=True)["id"]

    def _first_comment(self, post_id: str, text: str) -> dict:
        if not text:
            return {}
        try:
            body = self._call("POST", f"{post_id}/comments", data={"message": text},
                              create=True)
        except ConnectorError as exc:
            return {"first_comment": {"error": exc.message, "code": exc.code}}
        return {"first_comment": {"id": body.get("id")}}

    def _delete(self, object_id: str) -> None:
        try:
            self._call("DELETE", object_id)
        except PermanentError as exc:
            if exc.code != "not_found":
                raise

    def _comment(self, item: dict, post_id: str) -> RemoteComment:
        author = item.get("from") or {}
        return RemoteComment(
            external_id=str(item["id"]), post_external_id=post_id,
            author_id=str(author.get("id") or ""), author_name=author.get("name") or "",
            text=item.get("message") or "", created_at=graph_time(item.get("created_time")),
            parent_external_id=str((item.get("parent") or {}).get("id") or ""),
            by_us=str(author.get("id") or "") == self._page(),
            hidden=bool(item.get("is_hidden")), raw=item)


def _post_url(post_id: str) -> str:
    return f"https://www.facebook.com/{post_id}"


def _feed_comment(event: WebhookEvent) -> RemoteComment | None:
    d = event.data if isinstance(event.data, dict) else {}
    if event.kind not in ("comment", "mention") or not event.external_id \
            or str(d.get("verb") or "add") not in ("add", "edited"):
        return None
    # feed changes name the author in "from"; mentions (and older feed payloads) in
    # sender_id / sender_name.
    author = d.get("from") if isinstance(d.get("from"), dict) else {
        "id": d.get("sender_id"), "name": d.get("sender_name")}
    author_id = str(author.get("id") or "")
    # A mention in a post is that post: it sits under none.
    post = "" if event.kind == "mention" and d.get("item") != "comment" \
        else str(d.get("post_id") or "")
    parent = str(d.get("parent_id") or "")  # the post itself for a top-level comment
    return RemoteComment(
        external_id=event.external_id, post_external_id=post, author_id=author_id,
        author_name=str(author.get("name") or ""), text=str(d.get("message") or ""),
        created_at=webhook_time(d.get("created_time")),
        parent_external_id="" if parent == post else parent,
        by_us=bool(author_id) and author_id == event.account_id, raw=d)


def _feed_event(page_id: str, change: dict) -> WebhookEvent:
    value = change.get("value") if isinstance(change.get("value"), dict) else {}
    field = change.get("field")
    data = {"field": field, **value}
    if field == "mention":
        return WebhookEvent("mention", page_id, data,
                            str(value.get("comment_id") or value.get("post_id") or ""))
    if field != "feed":
        return WebhookEvent("other", page_id, data)
    kind = _FEED_KINDS.get(str(value.get("item")), "other")
    ref = value.get("comment_id") if kind == "comment" else value.get("post_id")
    if not ref:  # e.g. "like" of the Page itself, not of a post
        kind = "other"
    return WebhookEvent(kind, page_id, data, str(ref or ""))
