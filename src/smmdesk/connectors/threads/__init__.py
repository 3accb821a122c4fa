"""Threads (Meta): posts, carousels, threads of replies, replies and insights through
the Threads API at ``https://graph.threads.net/v1.0``.

Connecting: Threads' own OAuth (not Facebook Login; an app with the Threads use case,
``SMMDESK_THREADS_CLIENT_ID`` / ``SMMDESK_THREADS_CLIENT_SECRET``). The code is
exchanged for a short-lived token (an hour), at once for a long-lived one
(``GET /access_token?grant_type=th_exchange_token``, 60 days), which the worker renews
ahead of expiry (``GET /refresh_access_token?grant_type=th_refresh_token``; only tokens
at least a day old and not yet expired can be renewed: one left to expire needs a new
sign-in).

Threads does not take uploads: it downloads every photo and video itself from a public
address (``MediaFile.url``), so **the smmdesk server must be reachable from the
internet at SMMDESK_SITE_URL for posts with media**.

A thread (Format.THREAD) is a chain of posts, each a reply to the one before. If a
part fails, the ids posted so far are in the error's ``raw`` and the next try finds
them on Threads (our posts of the last 24 hours, then the conversation under the first)
and goes on from the next part. The first comment is a reply to the last part.

Here: connecting, publishing, finding, deleting, replies and metrics; ``posts`` makes
and publishes containers, ``errors`` maps Threads' errors, ``common`` holds the rest.

References (contract fixtures in ``tests/connectors/fixtures/threads/``):
https://developers.facebook.com/docs/threads/get-started/get-access-tokens-and-permissions ,
https://developers.facebook.com/docs/threads/get-started/long-lived-tokens ,
https://developers.facebook.com/docs/threads/posts ,
https://developers.facebook.com/docs/threads/posts/delete-posts ,
https://developers.facebook.com/docs/threads/overview (rate limits),
https://developers.facebook.com/docs/threads/troubleshooting ,
https://developers.facebook.com/docs/threads/reply-management ,
https://developers.facebook.com/docs/threads/insights .
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
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
    MediaKind,
    PermanentError,
    PublishRequest,
    PublishResult,
    RateLimit,
    RemoteComment,
    TransientError,
)
from smmdesk.connectors.meta import best_effort, graph_time
from smmdesk.connectors.threads import posts
from smmdesk.connectors.threads.common import (
    API,
    CAROUSEL_MAX,
    GRAPH,
    LINKS_MAX,
    MB,
    OAUTH,
    REPLY_CONTROLS,
    TEXT_MAX,
    json_body,
    link_count,
    split_parts,
    text_length,
)
from smmdesk.connectors.threads.errors import thread_stopped, threads_error
from smmdesk.lib.http import HttpClient

__all__ = ["ThreadsConnector", "split_parts", "text_length"]

_REPLY_FIELDS = ("id,text,username,timestamp,hide_status,replied_to,root_post,"
                 "is_reply_owned_by_me")
_POST_METRICS = ("views", "likes", "replies", "reposts", "quotes", "shares")
_USER_METRICS = ("views", "likes", "replies", "reposts", "quotes", "followers_count")
_HIDDEN = frozenset({"HIDDEN", "COVERED"})


class ThreadsConnector(Connector):
    kind = "threads"
    label = "Threads"
    oauth = OAUTH
    needs_public_media = True
    # docs/threads/posts: text "limited to 500 characters" (emoji by UTF-8 bytes,
    # checked in validate), carousels "up to 20 images, videos, or a mix", images JPEG
    # or PNG up to 8 MB, videos MOV or MP4 up to 1 GB and 5 minutes.
    limits = Limits(
        text_max=TEXT_MAX,
        media_max=CAROUSEL_MAX,
        media_kinds=frozenset({MediaKind.IMAGE, MediaKind.VIDEO}),
        image_max_bytes=8 * MB,
        video_max_bytes=1024 * MB,
        mixed_media=True,
        formats=frozenset({Format.FEED, Format.THREAD}),
    )
    # Editing is not in the API; deleting own posts is (threads_delete, 100 a day).
    capabilities = Capabilities(
        delete=True, comments=True, reply=True, hide_comment=True, post_metrics=True,
        account_metrics=True, find_published=True)
    # "Threads profiles are limited to 250 API-published posts within a 24-hour moving
    # period" (replies: 1000), checked with threads_publishing_limit before each post.
    rate_limits = (RateLimit(250, 86400, "channel"),)
    refresh_ahead = timedelta(days=3)
    # Calls allowed per app and user: 4800 × impressions (at least 10) a day; one read
    # per post, so this is far below it.
    metrics_reads_per_run = 50
    connect_help = gettext_lazy(
        "Sign in with Threads and allow everything it asks for. smmdesk must be reachable "
        "from the internet (SMMDESK_SITE_URL), because Threads downloads the media from it.")
    variant_options = (
        ("reply_control", gettext_lazy("Who can reply"), (
            ("everyone", gettext_lazy("Everyone")),
            ("accounts_you_follow", gettext_lazy("Accounts you follow")),
            ("mentioned_only", gettext_lazy("Only accounts mentioned")))),
        ("quote_post_id", gettext_lazy("Quote the Threads post with this id"), "text"),
        ("link_attachment", gettext_lazy("Link preview (text-only posts)"), "text"),
    )
    # Container waits: Meta suggests a look once a minute for at most 5 minutes for
    # videos; photos are usually ready at once.
    image_waits: tuple[float, ...] = (1, 2, 3, 5, 5, 10)
    video_waits: tuple[float, ...] = (10, 20, 30, 60, 60, 60, 60)

    # -- calling the API ----------------------------------------------------------

    def _call(self, method: str, path: str, *, params: dict | None = None,
              data: dict | None = None, create: bool = False, auth: bool = True) -> dict:
        """One call. ``create``: it makes something people see (threads_publish), so a
        failure after sending is ambiguous; anything else is simply tried again."""
        url = path if path.startswith("https://") else f"{GRAPH}/{path.lstrip('/')}"
        token = self.channel.credentials.get("access_token", "")
        query = {**(params or {}), **({"access_token": token} if auth else {})}
        try:
            response = self.send(method, url, params=query, data=data, idempotent=not create)
        except AmbiguousError as exc:
            if create:
                raise
            raise TransientError(_("Threads could not be reached. smmdesk will try again."),
                                 code="unreachable", raw=exc.raw) from exc
        body = json_body(response)
        if response.status_code < 300 and body is not None and "error" not in body:
            return body
        raise threads_error(response, body, account=self.channel.name, create=create)

    def _list(self, path: str, params: dict, *, pages: int = 5) -> tuple[list[dict], bool]:
        """Items of a paged edge and whether its last page was reached."""
        items: list[dict] = []
        query = dict(params)
        for _n in range(pages):
            body = self._call("GET", path, params=query)
            items += [i for i in body.get("data") or [] if isinstance(i, dict)]
            paging = body.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                return items, True
            query = {**params, "after": after}
        return items, False

    def _user(self) -> str:
        return str(self.channel.external_id or "me")

    # -- connect ------------------------------------------------------------------

    @classmethod
    def oauth_accounts(cls, token: dict, http: HttpClient, *, instance: str = ""
                       ) -> list[ConnectResult]:
        """The short-lived token becomes a long-lived one, then GET /me names the
        profile: one Threads profile per sign-in."""
        client = oauth.deployment_client(OAUTH)
        http.add_secret(client.client_secret)
        short = str(token.get("access_token") or "")
        api = cls(_token_context(short), http)
        body = api._call("GET", f"{API}/access_token", params={
            "grant_type": "th_exchange_token", "client_secret": client.client_secret,
            "access_token": short}, auth=False)
        long_lived = str(body.get("access_token") or "")
        if not long_lived:
            raise PermanentError(_("Threads did not grant lasting access. Start the "
                                   "connection again."), code="oauth_denied", raw=body)
        http.add_secret(long_lived)
        me = cls(_token_context(long_lived), http)._call("GET", "me", params={
            "fields": "id,username,name,threads_profile_picture_url"})
        return [_account(me, long_lived, oauth.expires_at(body))]

    def refresh_credentials(self) -> ConnectResult | None:
        """GET /refresh_access_token: another 60 days for a long-lived token."""
        token = self.channel.credentials.get("access_token", "")
        if not token:
            return None
        body = self._call("GET", f"{API}/refresh_access_token", params={
            "grant_type": "th_refresh_token", "access_token": token}, auth=False)
        fresh = str(body.get("access_token") or "")
        if not fresh:
            raise PermanentError(_("Threads did not renew the sign-in. Reconnect the "
                                   "channel."), code="token_invalid", raw=body,
                                 channel_broken=True)
        self.http.add_secret(fresh)
        return ConnectResult(
            external_id=self.channel.external_id, name=self.channel.name,
            credentials={**self.channel.credentials, "access_token": fresh},
            settings=dict(self.channel.settings), url=_profile_url(
                self.channel.settings.get("username", "")),
            token_expires_at=oauth.expires_at(body))

    # -- publishing -----------------------------------------------------------------

    @classmethod
    def validate(cls, req: PublishRequest, *, settings: dict | None = None) -> list[Issue]:
        """The shared limits, with Threads' counting (emoji by UTF-8 bytes) per post or
        per part of a thread, at most 5 links, up to 20 files (two or more make a
        carousel), and the per-post options."""
        issues = [i for i in super().validate(req, settings=settings)
                  if i.code != "text_too_long"]
        parts = split_parts(req.text) if req.format == Format.THREAD else [req.text]
        link = str(req.options.get("link_attachment") or "").strip()
        for n, part in enumerate(parts):
            issues += _part_issues(part, link if n == 0 else "")
        if req.first_comment.strip():
            issues += _part_issues(req.first_comment, "", "first_comment")
        issues += _option_issues(req)
        issues += [_format_issue(m) for m in req.media if m.kind == MediaKind.IMAGE
                   and m.mime not in ("image/jpeg", "image/jpg", "image/png")]
        return issues

    def publish(self, req: PublishRequest) -> PublishResult:
        """The first post (text, photo, video or carousel), then each further part of a
        thread as a reply to the part before, then the first comment as a reply. Parts
        a previous try already posted are not posted again: the engine hands their ids
        back (``req.resume``), or they are found on Threads."""
        posts.require_public(req.media)
        parts = split_parts(req.text) if req.format == Format.THREAD else [req.text]
        chain = (list(req.resume)[:len(parts)] or posts.thread_so_far(self, parts)
                 if len(parts) > 1 else [])
        replies = len(parts) - max(1, len(chain)) + bool(req.first_comment.strip())
        posts.check_quota(self, posts=0 if chain else 1, replies=replies)
        if not chain:
            chain = [posts.publish_container(self, posts.post_container(self, req, parts[0]))]
        url = best_effort(lambda: self._permalink(chain[0]), "")
        for part in parts[len(chain):]:
            try:
                chain.append(posts.publish_container(
                    self, posts.reply_container(self, part, chain[-1])))
            except ConnectorError as exc:
                raise thread_stopped(exc, chain, len(parts), url or chain[0]) from exc
        raw: dict[str, Any] = {"ids": list(chain)}
        extra = list(chain[1:])
        if req.first_comment.strip():
            raw["first_comment"] = self._first_comment(chain[-1], req.first_comment)
            extra += [raw["first_comment"]["id"]] if "id" in raw["first_comment"] else []
        return PublishResult(chain[0], url, raw=raw, extra_ids=tuple(extra))

    def find_published(self, req: PublishRequest, *, since: datetime) -> FindResult:
        """Our posts since ``since`` (GET /{user}/threads), matched by text: Threads has
        no place for a hidden marker. The listing may lag behind a post just made, so
        not finding it is UNKNOWN, never NOT_FOUND; a thread found with only some of its
        parts is UNKNOWN too (the next try posts the rest)."""
        parts = split_parts(req.text) if req.format == Format.THREAD else [req.text]
        if not parts[0].strip():
            return FindResult(Found.UNKNOWN, note=_(
                "Threads posts without text cannot be told apart; look at the profile."))
        items, _complete = posts.recent_posts(self, since)
        root = posts.find_root(items, parts[0])
        if root is None:
            return FindResult(Found.UNKNOWN, note=_(
                "Threads does not list it (yet); its listing can lag behind new posts."))
        chain = posts.chain_on_network(self, str(root["id"]), parts) if len(parts) > 1 \
            else [str(root["id"])]
        if len(chain) < len(parts):
            return FindResult(Found.UNKNOWN, note=_(
                "Threads shows %(done)d of the %(total)d posts of this thread.")
                % {"done": len(chain), "total": len(parts)})
        return FindResult(Found.FOUND, PublishResult(
            chain[0], root.get("permalink", ""), extra_ids=tuple(chain[1:])))

    def delete(self, external_id: str, extra_ids: tuple[str, ...] = ()) -> None:
        """DELETE /{media} for the later parts and our first comment (last first), then
        the post; one already gone counts as deleted."""
        for media_id in (*reversed(extra_ids), external_id):
            try:
                self._call("DELETE", media_id)
            except PermanentError as exc:
                if exc.code != "not_found":
                    raise

    def edit(self, external_id: str, req: PublishRequest) -> PublishResult:
        raise PermanentError(_("Threads does not let apps edit a published post. Edit it in "
                               "the Threads app."), code="not_supported")

    # -- community --------------------------------------------------------------------

    def fetch_comments(self, external_id: str, *, since: datetime | None = None
                       ) -> list[RemoteComment]:
        """Every reply under the post at any depth (GET /{media}/conversation, oldest
        first), each with the post or reply it answers."""
        items, _complete = self._list(f"{external_id}/conversation", {
            "fields": _REPLY_FIELDS, "reverse": "false", "limit": 100}, pages=10)
        comments = [self._comment(i, external_id) for i in items]
        return [c for c in comments if since is None or c.created_at > since]

    def reply(self, comment: RemoteComment, text: str) -> RemoteComment:
        """A text post with ``reply_to_id`` = the reply, then threads_publish."""
        reply_id = posts.publish_container(
            self, posts.reply_container(self, text, comment.external_id))
        username = self.channel.settings.get("username", "")
        return RemoteComment(
            external_id=reply_id, post_external_id=comment.post_external_id,
            author_id=username, author_name=username, text=text, created_at=timezone.now(),
            parent_external_id=comment.external_id, by_us=True)

    def hide_comment(self, comment_external_id: str, hidden: bool = True) -> None:
        """POST /{reply}/manage_reply hide=true|false (top-level replies; the replies
        under one follow it)."""
        self._call("POST", f"{comment_external_id}/manage_reply",
                   data={"hide": "true" if hidden else "false"})

    # -- metrics ----------------------------------------------------------------------

    def fetch_post_metrics(self, external_id: str) -> dict[str, int]:
        """GET /{media}/insights: views, likes, replies (also as comments), reposts,
        quotes and shares. Refused insights give {} (a broken channel and a rate limit
        still raise)."""
        values = self._insights(f"{external_id}/insights", _POST_METRICS)
        if "replies" in values:
            values["comments"] = values["replies"]
        return values

    def fetch_account_metrics(self) -> dict[str, int]:
        """GET /{user}/threads_insights: followers, and the profile's views, likes,
        replies, reposts and quotes of the default period (yesterday and today)."""
        values = self._insights(f"{self._user()}/threads_insights", _USER_METRICS)
        if "followers_count" in values:
            values["followers"] = values.pop("followers_count")
        return values

    def _insights(self, path: str, metrics: tuple[str, ...]) -> dict[str, int]:
        try:
            body = self._call("GET", path, params={"metric": ",".join(metrics)})
        except PermanentError as exc:
            if exc.channel_broken:
                raise
            return {}
        except TransientError as exc:
            if exc.code == "rate_limited":
                raise
            return {}
        return _insight_values(body)

    # -- helpers ------------------------------------------------------------------------

    def _permalink(self, media_id: str) -> str:
        return str(self._call("GET", media_id, params={"fields": "permalink"})
                   .get("permalink") or "")

    def _first_comment(self, parent: str, text: str) -> dict:
        """A reply to the last part; its failure is reported, never a failed publish."""
        try:
            return {"id": posts.publish_container(self, posts.reply_container(self, text,
                                                                              parent))}
        except ConnectorError as exc:
            return {"error": exc.message, "code": exc.code}

    def _comment(self, item: dict, media_id: str) -> RemoteComment:
        username = str(item.get("username") or "")
        return RemoteComment(
            external_id=str(item["id"]), post_external_id=media_id, author_id=username,
            author_name=username, text=item.get("text") or "",
            created_at=graph_time(item.get("timestamp")),
            parent_external_id=str((item.get("replied_to") or {}).get("id") or ""),
            by_us=bool(item.get("is_reply_owned_by_me")),
            hidden=item.get("hide_status") in _HIDDEN, raw=item)


# ---------------------------------------------------------------- helpers


def _token_context(token: str) -> ChannelContext:
    return ChannelContext(None, "me", "", credentials={"access_token": token})


def _profile_url(username: str) -> str:
    return f"https://www.threads.net/@{username}" if username else ""


def _account(me: dict, token: str, expires: datetime | None) -> ConnectResult:
    username = str(me.get("username") or "")
    return ConnectResult(
        external_id=str(me["id"]), name=f"@{username}" if username else me.get("name", ""),
        credentials={"access_token": token},
        settings={"username": username,
                  "picture": str(me.get("threads_profile_picture_url") or "")},
        url=_profile_url(username), token_expires_at=expires)


def _part_issues(text: str, link: str, field: str = "text") -> list[Issue]:
    issues = []
    length = text_length(text)
    if length > TEXT_MAX:
        issues.append(Issue("text_too_long", _(
            "Threads allows at most %(limit)d characters in a post (an emoji counts as 2–4); "
            "this text has %(length)d. Shorten it, or choose the Thread format to split it "
            "into several posts.") % {"limit": TEXT_MAX, "length": length}, field))
    links = link_count(text, link)
    if links > LINKS_MAX:
        issues.append(Issue("too_many_links", _(
            "Threads allows at most %(limit)d links in a post; this one has %(count)d.")
            % {"limit": LINKS_MAX, "count": links}, field))
    return issues


def _option_issues(req: PublishRequest) -> list[Issue]:
    issues = []
    control = str(req.options.get("reply_control") or "").strip()
    if control and control not in REPLY_CONTROLS:
        issues.append(Issue("reply_control", _("Threads does not know the reply setting "
                                               "“%(value)s”.") % {"value": control},
                            "options"))
    quote = str(req.options.get("quote_post_id") or "").strip()
    if quote and not quote.isdigit():
        issues.append(Issue("quote_post_id", _(
            "The post to quote must be given by its Threads id (digits only)."), "options"))
    link = str(req.options.get("link_attachment") or "").strip()
    if link and not link.lower().startswith(("https://", "http://")):
        issues.append(Issue("link_attachment", _(
            "The link preview needs a full web address starting with https://."), "options"))
    if link and req.media:
        issues.append(Issue("link_attachment", _(
            "Threads shows a link preview only on posts without photos or videos."),
            "options"))
    return issues


def _format_issue(media) -> Issue:
    kind = media.mime.split("/")[-1].upper() or "?"
    return Issue("image_format", _(
        "Threads accepts only JPEG and PNG photos, and %(name)s is %(kind)s: save it as JPEG "
        "or PNG and attach it again.") % {"name": media.name or media.path.name, "kind": kind},
        "media")


def _insight_values(body: dict) -> dict[str, int]:
    """``{"data": [{"name": "likes", "values": [{"value": 12}]}]}`` → {"likes": 12};
    ``total_value`` where Threads gives one, and the sum of a daily series (views)."""
    found = {}
    for metric in body.get("data") or []:
        if not isinstance(metric, dict) or not metric.get("name"):
            continue
        total = (metric.get("total_value") or {}).get("value")
        series = [v.get("value") for v in metric.get("values") or [] if isinstance(v, dict)]
        value = total if isinstance(total, int) else sum(v for v in series
                                                         if isinstance(v, int))
        if isinstance(total, int) or any(isinstance(v, int) for v in series):
            found[metric["name"]] = value
    return found
