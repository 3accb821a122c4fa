"""VK (VKontakte): posts on the wall of a community (a group or a public page).

Two ways in. The form: the person creates a *community access token* in the community
(Manage → API usage → Access tokens) with the "wall" and "photos" rights and gives it
with the community's link. Or VK ID sign-in (OAuth 2.1 with PKCE): a *user token* of an
admin or editor; each community the user manages becomes a channel. Every API call is
``POST https://api.vk.com/method/<method>`` with ``v=5.199`` and the token in an
``Authorization: Bearer`` header, so the token never appears in a URL or a trace.

What the reference says and what VK does differ; the connector follows the reference
and turns each refusal into words a person can act on:

- dev.vk.com lists wall.post/edit/delete, photos.getWallUploadServer, video.save and
  stats.getPostReach as *user-token* methods; VK grants a VK ID app the "wall" right
  only on request (devsupport@corp.vk.com). A token without it gets error 1051.
- Community tokens with the newer "wall" right are reported to post text, while the
  wall photo upload answers error 27 ("method is unavailable with group auth").

Reference: https://dev.vk.com/ru/method and https://github.com/VKCOM/vk-api-schema
(5.199); contract fixtures in ``tests/connectors/fixtures/vk/`` record each call.

The connector is here; ``communities`` reads the community a person names and checks its
token, ``uploads`` sends a post's media, ``comments`` reads threads and Callback API
events, ``errors`` maps VK's errors, and ``common`` holds what they share.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
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
    Found,
    Limits,
    MediaKind,
    PermanentError,
    PublishRequest,
    PublishResult,
    RateLimit,
    RemoteComment,
    content_hash,
)
from smmdesk.connectors.vk.comments import _callback_comment, _callback_event, _comment_pages
from smmdesk.connectors.vk.common import _READS, _REPEATABLE, WALL_PAGE, _json
from smmdesk.connectors.vk.communities import (
    _community_ref,
    _community_result,
    _group_settings,
    _group_url,
    _require_rights,
    _require_same_community,
    _user_credentials,
)
from smmdesk.connectors.vk.errors import (
    _api_error,
    _bad_community_token,
    _server_error,
    _unreachable,
)
from smmdesk.connectors.vk.uploads import _upload_all
from smmdesk.connectors.webhooks import (
    MalformedEvent,
    WebhookAnswer,
    WebhookEvent,
    WebhookRequest,
    refuse,
)
from smmdesk.lib.http import HttpClient

API = "https://api.vk.com/method"
API_VERSION = "5.199"
MB = 2**20

# VK ID (id.vk.com), OAuth 2.1 with PKCE. Not switched on (``oauth`` stays None): its
# code exchange needs the ``device_id`` VK adds to the redirect, which the shared
# callback does not pass on yet. ``oauth_accounts`` and ``refresh_credentials`` are ready.
VK_ID_OAUTH = oauth.OAuthSpec(
    authorize_url="https://id.vk.com/authorize",
    token_url="https://id.vk.com/oauth2/auth",
    scopes=("wall", "photos", "video", "groups", "stats"),
    env_prefix="SMMDESK_VK",
)


class VKConnector(Connector):
    kind = "vk"
    label = "VK"
    secret_keys = ("access_token", "refresh_token", "callback_secret")
    # Text: dev.vk.com publishes no length for wall.post; 16384 is the figure VK
    # integrations enforce, counted here in code points (how VK counts is not documented;
    # not checked against the live API). Media: "no more than
    # 10 media (photos, videos)" (dev.vk.com/ru/method/wall.post). Photos: JPG, PNG, GIF up
    # to 50 MB (dev.vk.com/ru/api/upload/wall-photo); a GIF sent there loses its
    # animation, so GIFs are refused rather than silently frozen.
    limits = Limits(
        text_max=16384,
        media_max=10,
        media_kinds=frozenset({MediaKind.IMAGE, MediaKind.VIDEO}),
        image_max_bytes=50 * MB,
        mixed_media=True,
        counts="chars",
    )
    # wall.get shows a community's own post at once; a minute of margin for its caches.
    listing_lag = timedelta(minutes=1)
    capabilities = Capabilities(delete=True, edit=True, comments=True, reply=True,
                                delete_comment=True, post_metrics=True, account_metrics=True,
                                webhooks=True, find_published=True, reply_to_post=True)
    # At most 50 posts a day from a community (VK's announcement on its "community
    # administration" page, reported by lenta.ru); the API itself sends no budget headers.
    rate_limits = (RateLimit(50, 86400, "channel"),)
    oauth = None  # = VK_ID_OAUTH once the OAuth callback forwards device_id (see above)
    connect_help = gettext_lazy(
        "In your VK community open Manage → API usage → Access tokens, create a token with "
        "the “Wall” and “Photos” rights, and paste it here with the community's link. For "
        "comments and messages, add smmdesk's webhook address under Callback API and copy "
        "its confirmation string and secret key here too.")
    connect_fields = (
        ("access_token", gettext_lazy("Community access token"), "secret"),
        ("community", gettext_lazy("Community link or short name (vk.com/…)"), "text"),
        ("callback_confirmation", gettext_lazy("Callback API confirmation string (optional)"),
         "text"),
        ("callback_secret", gettext_lazy("Callback API secret key (optional)"), "secret"),
    )

    # -- connect --------------------------------------------------------------

    @classmethod
    def connect(cls, data: dict, http: HttpClient) -> ConnectResult:
        """Ask VK whose token this is (groups.getById without an id answers with the
        token's own community), check it is the community the person named, and that
        the token has the rights to post (groups.getTokenPermissions)."""
        token = str(data.get("access_token") or "").strip()
        if len(token) < 20 or " " in token:
            raise _bad_community_token()
        wanted = _community_ref(str(data.get("community") or ""))
        api = cls(ChannelContext(None, "", "", credentials={"access_token": token},
                                 settings={"token_type": "community"}), http)
        try:
            groups = api._call("groups.getById", {"fields": "members_count"})["groups"]
        except PermanentError as exc:
            if exc.code == "token_invalid":
                raise _bad_community_token() from exc
            raise
        group = groups[0]
        _require_same_community(group, wanted)
        _require_rights(api, group)
        return _community_result(token, group, data)

    @classmethod
    def oauth_accounts(cls, token: dict, http: HttpClient, *, instance: str = ""
                       ) -> list[ConnectResult]:
        """The communities the signed-in user administers or edits (groups.get
        filter=editor includes admins), each a channel sharing the user's token."""
        credentials = _user_credentials(token)
        api = cls(ChannelContext(None, "", "", credentials=credentials,
                                 settings={"token_type": "user"}), http)
        found = api._call("groups.get", {"filter": "editor", "extended": 1,
                                         "fields": "members_count", "count": 1000})
        expires = oauth.expires_at(token)
        return [ConnectResult(
            external_id=str(g["id"]), name=g.get("name") or g.get("screen_name", ""),
            credentials=dict(credentials), settings=_group_settings(g, "user"),
            url=_group_url(g), token_expires_at=expires) for g in found.get("items", [])]

    def refresh_credentials(self) -> ConnectResult | None:
        """VK ID access tokens live an hour; trade the refresh token for new ones at
        id.vk.com/oauth2/auth (with the device_id of the sign-in). Community tokens do
        not expire: nothing to do."""
        creds = self.channel.credentials
        if not self._user_token() or not creds.get("refresh_token"):
            return None
        body = self._vk_id_refresh(creds)
        fresh = {**creds, "access_token": body["access_token"]}
        if body.get("refresh_token"):
            fresh["refresh_token"] = body["refresh_token"]
        # The whole record, not a delta: channel_fresh_connector stores it as it is.
        return ConnectResult(external_id=self.channel.external_id, name=self.channel.name,
                             credentials=fresh, settings=dict(self.channel.settings),
                             url=self._community_url(),
                             token_expires_at=oauth.expires_at(body))

    # -- publishing -------------------------------------------------------------

    def publish(self, req: PublishRequest) -> PublishResult:
        """Upload the media (wall photo server; video.save), then wall.post as the
        community with them attached. A link in the text is enough: VK builds its
        snippet. The marker goes as ``guid``, VK's key against repeated posts. Then the
        first comment; its failure is reported in ``raw``, never as a failed publish."""
        attachments = _upload_all(self, req.media)
        params = {"owner_id": self._owner_id(), "from_group": 1, "message": req.text or None,
                  "attachments": ",".join(attachments) or None, "guid": req.marker or None}
        post_id = int(self._call("wall.post", params)["post_id"])
        raw: dict[str, Any] = {"post_id": post_id, "attachments": attachments}
        if req.first_comment.strip():
            raw["first_comment"] = self._first_comment(post_id, req.first_comment)
        return PublishResult(str(post_id), self._post_url(post_id), raw=raw)

    def find_published(self, req: PublishRequest, *, since: datetime) -> FindResult:
        """The community's latest posts (wall.get filter=owner, newest first) matched by
        content hash. NOT_FOUND only when the page reaches back past ``since``."""
        page = self._call("wall.get", {"owner_id": self._owner_id(), "filter": "owner",
                                       "count": WALL_PAGE})
        items = [p for p in page.get("items", []) if not p.get("is_pinned")]
        cutoff = since.timestamp()
        for post in items:
            if post.get("date", 0) >= cutoff and _same_content(post, req):
                post_id = int(post["id"])
                return FindResult(Found.FOUND, PublishResult(
                    str(post_id), self._post_url(post_id), raw={"post_id": post_id}))
        total = int(page.get("count") or 0)
        reaches_back = any(p.get("date", 0) < cutoff for p in items)
        if reaches_back or len(page.get("items", [])) >= total:
            return FindResult(Found.NOT_FOUND)
        return FindResult(Found.UNKNOWN, note=_(
            "VK: more than %(n)d posts were made on the wall since then; smmdesk cannot "
            "tell whether this one is among them.") % {"n": WALL_PAGE})

    def edit(self, external_id: str, req: PublishRequest) -> PublishResult:
        """wall.edit replaces text *and* attachments, so for a post with media the
        current attachments are read first (wall.getById) and sent back unchanged."""
        post_id = int(external_id)
        params: dict[str, Any] = {"owner_id": self._owner_id(), "post_id": post_id,
                                  "message": req.text}
        if req.media:
            params["attachments"] = ",".join(self._current_attachments(post_id)) or None
        self._call("wall.edit", params)
        return PublishResult(external_id, self._post_url(post_id),
                             raw={"post_id": post_id, "edited": True})

    def delete(self, external_id: str, extra_ids: tuple[str, ...] = ()) -> None:
        """wall.delete; a post already gone ("Not found") counts as deleted."""
        try:
            self._call("wall.delete", {"owner_id": self._owner_id(),
                                       "post_id": int(external_id)})
        except PermanentError as exc:
            if exc.code != "not_found":
                raise

    # -- community --------------------------------------------------------------

    def fetch_comments(self, external_id: str, *, since: datetime | None = None
                       ) -> list[RemoteComment]:
        """wall.getComments, oldest first, with up to 10 replies per thread (a longer
        thread is read on its own) and author names (extended=1). Comments closed on the
        post (error 212) mean no comments."""
        post_id = int(external_id)
        try:
            found = _comment_pages(self, post_id)
        except PermanentError as exc:
            if exc.code == "comments_closed":
                return []
            raise
        cutoff = since.timestamp() if since else 0
        return [c for c in found if c.created_at.timestamp() >= cutoff]

    def reply(self, comment: RemoteComment, text: str) -> RemoteComment:
        """wall.createComment in the thread, written as the community (from_group)."""
        made = self._call("wall.createComment", {
            "owner_id": self._owner_id(), "post_id": int(comment.post_external_id),
            "from_group": self._group_id(), "message": text,
            "reply_to_comment": int(comment.external_id)})
        return RemoteComment(
            external_id=str(made["comment_id"]), post_external_id=comment.post_external_id,
            author_id=str(self._owner_id()), author_name=self.channel.name, text=text,
            created_at=datetime.now(UTC), parent_external_id=comment.external_id,
            by_us=True, raw=made)

    def reply_to_post(self, ref: str, text: str) -> RemoteComment:
        """wall.createComment under a post listening found, written as the community.
        ``ref`` is "<owner_id>_<post_id>" (a negative owner is a community). ``guid``,
        VK's key "to avoid repeated comments", is made of the post and the text, so a
        retry after a lost answer does not comment twice."""
        match = re.fullmatch(r"(-?\d+)_(\d+)", (ref or "").strip())
        if not match:
            raise PermanentError(_("VK: smmdesk cannot tell which post this mention is (its "
                                   "reference is missing or damaged). Open the post on VK "
                                   "and answer it there."), code="bad_ref",
                                 raw={"reply_ref": str(ref)[:500]})
        owner_id, post_id = int(match[1]), int(match[2])
        guid = hashlib.sha256(f"{owner_id}_{post_id}\n{text}".encode()).hexdigest()[:32]
        try:
            made = self._call("wall.createComment", {
                "owner_id": owner_id, "post_id": post_id, "from_group": self._group_id(),
                "message": text, "guid": guid})
        except PermanentError as exc:
            if exc.code not in ("comments_closed", "not_found"):
                raise
            raise PermanentError(_(
                "VK does not let %(community)s comment on this post: its comments are "
                "closed, it was deleted, or its author allows comments only from some "
                "people. Answer its author on VK another way.") % self._who(),
                code=exc.code, raw=exc.raw) from exc
        return RemoteComment(
            external_id=str(made["comment_id"]), post_external_id=f"{owner_id}_{post_id}",
            author_id=str(self._owner_id()), author_name=self.channel.name, text=text,
            created_at=datetime.now(UTC), by_us=True, raw=made)

    def delete_comment(self, comment_external_id: str) -> None:
        """wall.deleteComment; a comment already gone counts as deleted. (VK has no way
        to hide a comment through the API, so ``hide_comment`` is not offered.)"""
        try:
            self._call("wall.deleteComment", {"owner_id": self._owner_id(),
                                              "comment_id": int(comment_external_id)})
        except PermanentError as exc:
            if exc.code != "not_found":
                raise

    # -- metrics ---------------------------------------------------------------

    def fetch_post_metrics(self, external_id: str) -> dict[str, int]:
        """Likes, reposts, comments and views from wall.getById; reach and link clicks
        from stats.getPostReach when the token may read statistics."""
        post_id = int(external_id)
        posts = self._call("wall.getById", {"posts": f"{self._owner_id()}_{post_id}"})
        items = posts.get("items", []) if isinstance(posts, dict) else posts
        if not items:
            raise PermanentError(_("VK: this post is no longer on the wall of %(community)s.")
                                 % self._who(), code="not_found")
        post = items[0]
        metrics = {name: int((post.get(name) or {}).get("count") or 0)
                   for name in ("likes", "reposts", "comments", "views")}
        return metrics | self._reach(post_id)

    def fetch_account_metrics(self) -> dict[str, int]:
        """Members of the community (groups.getById fields=members_count)."""
        groups = self._call("groups.getById", {"group_id": self._group_id(),
                                               "fields": "members_count"})["groups"]
        return {"followers": int(groups[0].get("members_count") or 0)}

    # -- webhooks ---------------------------------------------------------------

    @classmethod
    def webhook_receive(cls, request: WebhookRequest) -> WebhookAnswer:
        """Callback API, one URL per channel. "confirmation" is answered with the
        channel's confirmation string; every other event must carry the channel's secret
        key in ``secret``. New comments, messages and wall posts become events; other
        types are acknowledged ("ok", or VK keeps resending) without one."""
        channel = request.channel
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            return refuse("body is not JSON", status=400)
        if channel is None or not isinstance(body, dict):
            return refuse("not a Callback API request for a channel", status=400)
        if str(body.get("group_id", "")) != str(channel.external_id):
            return refuse("group_id does not match the channel")
        if body.get("type") == "confirmation":
            code = str(channel.settings.get("callback_confirmation") or "")
            return WebhookAnswer(body=code) if code else refuse(
                "no confirmation string is set for this channel", status=400)
        secret = str(channel.credentials.get("callback_secret")
                     or channel.settings.get("callback_secret") or "")
        given = str(body.get("secret") or "")
        if not secret or not hmac.compare_digest(secret.encode(), given.encode()):
            return refuse("wrong or missing secret")
        try:
            event = _callback_event(body)
        except MalformedEvent as exc:
            return refuse(f"malformed event: {exc}", status=400)
        return WebhookAnswer(events=[event] if event else [])

    @classmethod
    def event_comment(cls, event: WebhookEvent) -> RemoteComment | None:
        """A new wall comment (wall_reply_new) with the ids wall.getComments gives it and
        the wall post's id as ``publish`` returned it; a new community message
        (message_new) without a post. New wall posts and other events give None."""
        return _callback_comment(event)

    # -- calling the API ------------------------------------------------------------

    def _call(self, method: str, params: dict | None = None) -> Any:
        fields = {"v": API_VERSION}
        fields |= {k: _form_value(v) for k, v in (params or {}).items() if v is not None}
        token = self.channel.credentials.get("access_token", "")
        try:  # multipart: dev.vk.com asks for it above 2 KB, and a post can be 16 KB
            response = self.send("POST", f"{API}/{method}", idempotent=method in _READS,
                                 headers={"Authorization": f"Bearer {token}"},
                                 files={k: (None, v) for k, v in fields.items()})
        except AmbiguousError as exc:
            if method not in _REPEATABLE:
                raise
            raise _unreachable(exc) from exc
        body = _json(response)
        if response.status_code == 200 and "response" in body:
            return body["response"]
        raise self._error(method, response, body)

    def _first_comment(self, post_id: int, text: str) -> dict:
        try:
            made = self._call("wall.createComment", {
                "owner_id": self._owner_id(), "post_id": post_id,
                "from_group": self._group_id(), "message": text})
        except ConnectorError as exc:
            return {"ok": False, "code": exc.code, "error": exc.message}
        return {"ok": True, "comment_id": int(made["comment_id"])}

    def _current_attachments(self, post_id: int) -> list[str]:
        posts = self._call("wall.getById", {"posts": f"{self._owner_id()}_{post_id}"})
        items = posts.get("items", []) if isinstance(posts, dict) else posts
        return [ref for a in (items[0].get("attachments") or []) if (ref := _attachment_ref(a))
                ] if items else []

    def _reach(self, post_id: int) -> dict[str, int]:
        try:
            stats = self._call("stats.getPostReach", {"owner_id": self._owner_id(),
                                                      "post_ids": post_id})
        except ConnectorError:  # statistics need rights many tokens lack: leave them out
            return {}
        if not stats:
            return {}
        row = stats[0]
        names = {"reach_total": "reach", "reach_subscribers": "reach_subscribers",
                 "links": "clicks", "join_group": "joins", "hide": "hides",
                 "unsubscribe": "unsubscribes", "report": "reports"}
        return {ours: int(row.get(theirs) or 0) for theirs, ours in names.items()}

    def _vk_id_refresh(self, creds: dict) -> dict:
        try:
            client = oauth.deployment_client(VK_ID_OAUTH)
        except oauth.OAuthNotConfigured as exc:
            raise PermanentError(_("VK: this server has no VK ID app (%(var)s is not set), so "
                                   "the sign-in cannot be renewed. Reconnect the community "
                                   "with a community token.") % {"var": str(exc)},
                                 code="oauth_not_configured", channel_broken=True) from exc
        data = {"grant_type": "refresh_token", "refresh_token": creds["refresh_token"],
                "client_id": client.client_id, "device_id": creds.get("device_id", ""),
                "state": secrets.token_urlsafe(16)}
        try:  # not repeated: a refresh token may be spent by a request whose answer was lost
            response = self.send("POST", VK_ID_OAUTH.token_url, data=data, idempotent=False)
        except AmbiguousError as exc:
            raise _unreachable(exc) from exc
        body = _json(response)
        if response.status_code != 200 or "access_token" not in body:
            raise PermanentError(_(
                "VK: the sign-in of %(community)s can no longer be renewed (%(reason)s). "
                "Reconnect the community.") % {**self._who(), "reason": body.get(
                    "error_description") or body.get("error") or response.status_code},
                code="refresh_failed", raw=body, channel_broken=True)
        self.http.add_secret(body["access_token"])
        self.http.add_secret(body.get("refresh_token", ""))
        return body

    # -- channel facts ----------------------------------------------------------------

    def _group_id(self) -> int:
        return int(self.channel.settings.get("group_id") or self.channel.external_id)

    def _owner_id(self) -> int:
        return -self._group_id()

    def _post_url(self, post_id: int) -> str:
        return f"https://vk.com/wall{self._owner_id()}_{post_id}"

    def _community_url(self) -> str:
        name = self.channel.settings.get("screen_name")
        return f"https://vk.com/{name}" if name else f"https://vk.com/club{self._group_id()}"

    def _user_token(self) -> bool:
        return self.channel.settings.get("token_type") == "user"

    def _who(self) -> dict[str, str]:
        name = self.channel.name or self.channel.settings.get("screen_name")
        return {"community": f"“{name}”" if name else _("the community")}

    def _error(self, method: str, response: httpx.Response, body: dict) -> ConnectorError:
        error = body.get("error") if isinstance(body.get("error"), dict) else {}
        raw = {"method": method, "status": response.status_code,
               "error": {k: v for k, v in error.items() if k != "request_params"}
               or response.text[:500]}
        if not error:  # a proxy's HTML, a 5xx, or an answer without "response"
            return _server_error(method, raw)
        return _api_error(self, method, int(error.get("error_code") or 0),
                          str(error.get("error_msg") or ""), raw)

# ---------------------------------------------------------------- helpers


def _form_value(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _same_content(post: dict, req: PublishRequest) -> bool:
    text = post.get("text") or ""
    if not req.text.strip():  # nothing to compare but the number of attachments
        return not text.strip() and len(post.get("attachments") or []) == len(req.media)
    # VK has escaped HTML entities in text in some API versions: accept either form.
    return req.content_hash() in (content_hash(text), content_hash(html.unescape(text)))


def _attachment_ref(attachment: dict) -> str:
    kind = attachment.get("type", "")
    item = attachment.get(kind) or {}
    if kind == "link":
        return item.get("url", "")
    if "owner_id" not in item or "id" not in item:
        return ""
    ref = f"{kind}{item['owner_id']}_{item['id']}"
    return f"{ref}_{item['access_key']}" if item.get("access_key") else ref

