"""Bluesky: posts go to the account's repository on its PDS through the AT Protocol.

The person gives their handle, an app password (Settings → Privacy and security → App
passwords) and, for a self-hosted server, its address. ``com.atproto.server.createSession``
turns them into an access token (about two hours) and a refresh token (about 90 days);
``refreshSession`` renews both, and the app password signs in again if the refresh token
died. Session calls go to the server the person named (bsky.social is an "entryway");
everything else goes to the account's own PDS, named in the DID document the session
returns. ``app.bsky.*`` reads go through the PDS too, which forwards them to the AppView.

A post is an ``app.bsky.feed.post`` record (``com.atproto.repo.createRecord``): plain text
(at most 300 graphemes and 3,000 bytes), facets marking links, mentions and hashtags by
UTF-8 byte offsets, up to four images uploaded first as blobs. A thread is a chain of posts,
each a reply to the one before. The repository lists every record, so ``find_published``
can say for sure that a post is not there.

References: https://docs.bsky.app/docs/advanced-guides/posts ,
https://docs.bsky.app/docs/advanced-guides/post-richtext ,
https://docs.bsky.app/docs/advanced-guides/rate-limits and the lexicons in
https://github.com/bluesky-social/atproto/tree/main/lexicons (contract fixtures in
``tests/connectors/fixtures/bluesky/`` record each request and answer used here).

The connector is here; ``session`` signs in and renews the session, ``facets`` marks
links, mentions and hashtags, ``threads`` counts a post's text and splits a thread,
``community`` turns replies and notifications into comments and events, ``errors`` maps
refusals, and ``common`` holds what they share.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
from smmdesk.connectors.bluesky.common import (
    _EVENT_KINDS,
    APP,
    HIDDEN_REPLIES_MAX,
    IMAGE_MAX_BYTES,
    POST,
    SERVICE,
    TEXT_MAX_GRAPHEMES,
    THREADGATE,
    _aspect_ratio,
    _created,
    _hash,
    _langs,
    _now,
    _record_time,
    _reply_ref,
    _strong,
)
from smmdesk.connectors.bluesky.community import _comment, _event, _event_comment
from smmdesk.connectors.bluesky.errors import _api_error, _auth_failed, _gone, _json
from smmdesk.connectors.bluesky.facets import _facets
from smmdesk.connectors.bluesky.session import (
    _jwt_claims,
    _jwt_expiry,
    _refresh_session,
    _renew_in_call,
    _service_url,
    _sign_in,
    _sign_out,
)
from smmdesk.connectors.bluesky.threads import _parts, _text_issues
from smmdesk.connectors.webhooks import WebhookEvent
from smmdesk.lib.http import HttpClient

LIST_LIMIT = 100  # records per listRecords page (the lexicon's maximum)
LIST_PAGES = 10  # find_published reads at most 1,000 recent posts


class BlueskyConnector(Connector):
    kind = "bluesky"
    label = "Bluesky"
    secret_keys = ("accessJwt", "refreshJwt", "appPassword")
    # Graphemes, not code points: ``validate`` counts them (``text_max`` is what the
    # composer shows; it counts code points, which is never fewer).
    limits = Limits(
        text_max=TEXT_MAX_GRAPHEMES,
        media_max=4,  # app.bsky.embed.images: images "maxLength": 4
        media_kinds=frozenset({MediaKind.IMAGE}),
        image_max_bytes=IMAGE_MAX_BYTES,
        formats=frozenset({Format.FEED, Format.THREAD}),
        counts="graphemes",
    )
    # No edit: a changed post record would keep its likes and replies under new words,
    # which Bluesky's app does not allow, so we do not either. Deleting others' replies
    # is not possible; hiding them is (threadgate "hiddenReplies").
    # find_published reads the PDS repository itself (listRecords): complete and
    # immediate, unlike the AppView.
    listing_lag = timedelta(0)
    metrics_reads_per_run = 30  # Bluesky allows 3,000 calls per 5 minutes.
    capabilities = Capabilities(delete=True, comments=True, reply=True, hide_comment=True,
                                post_metrics=True, account_metrics=True, find_published=True,
                                reply_to_post=True)
    # https://docs.bsky.app/docs/advanced-guides/rate-limits : 5,000 points an hour and
    # 35,000 a day per account, a created record costing 3 ("at most 1,666 records per
    # hour and 11,666 records per day"). The per-IP 3,000 requests / 5 min come back as
    # 429 with RateLimit-* headers, which we honour.
    rate_limits = (RateLimit(1666, 3600, "channel"), RateLimit(11666, 86400, "channel"))
    # Access tokens live about two hours; the worker renews them when 30 minutes are left.
    refresh_ahead = timedelta(minutes=30)
    connect_help = gettext_lazy(
        "In Bluesky, open Settings → Privacy and security → App passwords and add one for "
        "smmdesk; enter your handle and that app password (never your account password).")
    connect_fields = (
        ("handle", gettext_lazy("Handle, e.g. zerno.bsky.social"), "text"),
        ("app_password", gettext_lazy("App password"), "secret"),
        ("service", gettext_lazy("Server address (leave empty for bsky.social)"), "url"),
    )
    variant_options = (
        ("langs", gettext_lazy("Languages of the post, up to 3 (e.g. “uk” or “uk, en”)"),
         "text"),
    )

    def __init__(self, channel: ChannelContext, http: HttpClient | None = None):
        super().__init__(channel, http)
        self._creds = dict(channel.credentials)
        # The freshest session facts: a refresh stores credentials only (a changed handle,
        # a moved PDS), so they win over the settings stored when connecting.
        self._settings = {**channel.settings, **{k: self._creds[k] for k in ("did", "handle",
                                                                          "pds")
                                                 if self._creds.get(k)}}
        self._dids: dict[str, str | None] = {}  # handle -> DID, per connector

    # -- connect --------------------------------------------------------------

    @classmethod
    def connect(cls, data: dict, http: HttpClient) -> ConnectResult:
        """Sign in (createSession) with the handle and app password, refuse an account
        password, and name the channel after the profile (getProfile)."""
        identifier = str(data.get("handle") or "").strip().removeprefix("@").lower()
        password = str(data.get("app_password") or "").strip()
        if not identifier or not password:
            raise PermanentError(_("Bluesky: enter your handle (e.g. zerno.bsky.social) and "
                                   "an app password."), code="missing_fields")
        service = _service_url(str(data.get("service") or ""))
        api = cls(ChannelContext(None, "", identifier, credentials={"appPassword": password},
                                 settings={"service": service}), http)
        _sign_in(api, identifier, connecting=True)
        if _jwt_claims(api._creds["accessJwt"]).get("scope") == "com.atproto.access":
            _sign_out(api)
            raise PermanentError(_(
                "Bluesky: this is your account password. smmdesk signs in with an app "
                "password so it never holds your main password: in Bluesky open Settings → "
                "Privacy and security → App passwords, add one for smmdesk and paste it "
                "here."), code="account_password")
        try:
            profile = api._xrpc("app.bsky.actor.getProfile", params={"actor": api._did()})
        except ConnectorError:
            profile = {}  # the AppView did not answer: the handle names the channel
        return api._connect_result(profile.get("displayName") or "@" + api._handle())

    def refresh_credentials(self) -> ConnectResult | None:
        """refreshSession with the refresh token; when Bluesky no longer takes it, a new
        session with the app password. Returns every credential and setting."""
        _refresh_session(self)
        return self._connect_result(self.channel.name)

    # -- publishing -------------------------------------------------------------

    @classmethod
    def validate(cls, req: PublishRequest, *, settings: dict | None = None) -> list[Issue]:
        """The shared limits with Bluesky's own counting: graphemes and UTF-8 bytes per
        post (each part of a thread), image sizes in bytes, languages."""
        issues = [i for i in super().validate(req, settings=settings)
                  if i.code not in ("text_too_long", "media_too_large")]
        if req.format == Format.FEED:
            issues += _text_issues(req.text, "text")
        if req.first_comment.strip():
            issues += _text_issues(req.first_comment, "first_comment")
        for m in req.media:
            if m.kind == MediaKind.IMAGE and m.size > IMAGE_MAX_BYTES:
                issues.append(Issue("media_too_large", _(
                    "Bluesky accepts images up to 1,000,000 bytes (about 976 KB); %(name)s is "
                    "%(size)d KB. Save it smaller (e.g. as a JPEG, 2000 px wide at most).")
                    % {"name": m.name or m.path.name, "size": m.size // 1024}, "media"))
        try:
            _langs(req.options)
        except ValueError as exc:
            issues.append(Issue("invalid_langs", str(exc), "options"))
        return issues

    def publish(self, req: PublishRequest) -> PublishResult:
        """Upload the images (uploadBlob), create the post (createRecord) and, for a
        thread, each next part as a reply to the one before. Once the first post exists,
        a failing later part or first comment is reported in ``raw``, not raised: the
        post is out and must not be sent again."""
        parts = _parts(req)
        langs = _langs(req.options)
        embed = self._images(req.media) if req.media else None
        created = [self._create_post(parts[0], embed=embed, langs=langs)]
        raw: dict[str, Any] = {}
        for part in parts[1:]:
            try:
                created.append(self._create_post(part, langs=langs,
                                                 reply=_reply_ref(created[0], created[-1])))
            except ConnectorError as exc:
                raw["thread_incomplete"] = {"posted": len(created), "of": len(parts),
                                            "error": exc.message, "class": exc.error_class}
                break
        extra = [c["uri"] for c in created[1:]]
        if req.first_comment.strip():
            raw["first_comment"] = self._first_comment(req.first_comment, created, langs)
            extra += [raw["first_comment"]["uri"]] if "uri" in raw["first_comment"] else []
        raw["uris"] = [c["uri"] for c in created]
        return PublishResult(created[0]["uri"], self._post_url(created[0]["uri"]), raw=raw,
                             extra_ids=tuple(extra))

    def find_published(self, req: PublishRequest, *, since: datetime) -> FindResult:
        """Our repository's posts (listRecords, newest first) back to ``since``: a post
        that is not a reply, created since then, with the same text (whitespace and
        Unicode form aside). The listing is complete, so not seeing it means it is not
        there; thread parts and the first comment come back as extra ids."""
        records, complete = self._recent_posts(since)
        parts = _parts(req)
        roots = [r for r in records if not r["value"].get("reply")
                 and _hash(r) == content_hash(parts[0]) and _created(r["value"]) >= since]
        if roots:
            root = roots[-1]["uri"]  # the oldest, should there be two
            ours = {content_hash(t) for t in [*parts[1:], req.first_comment] if t.strip()}
            extra = tuple(r["uri"] for r in reversed(records) if _hash(r) in ours
                          and ((r["value"].get("reply") or {}).get("root") or {}).get("uri")
                          == root)
            return FindResult(Found.FOUND, PublishResult(root, self._post_url(root),
                                                         extra_ids=extra))
        if not complete:
            return FindResult(Found.UNKNOWN, note=_(
                "more than %(count)d posts since then; look at the profile")
                % {"count": LIST_PAGES * LIST_LIMIT})
        return FindResult(Found.NOT_FOUND)

    def delete(self, external_id: str, extra_ids: tuple[str, ...] = ()) -> None:
        """deleteRecord for the post and every part publish returned (later parts
        first). Deleting a record that is gone is not an error on Bluesky."""
        for uri in (*reversed(extra_ids), external_id):
            self._xrpc("com.atproto.repo.deleteRecord", kind="repeatable",
                       body={"repo": self._did(), "collection": POST,
                             "rkey": self._own_rkey(uri)})

    # -- community --------------------------------------------------------------

    def fetch_comments(self, external_id: str, *, since: datetime | None = None
                       ) -> list[RemoteComment]:
        """Every reply under the post, at any depth (getPostThread), with its parent;
        ours marked ``by_us``, those hidden with the threadgate marked ``hidden``."""
        try:
            data = self._xrpc("app.bsky.feed.getPostThread",
                              params={"uri": external_id, "depth": 1000, "parentHeight": 0})
        except PermanentError as exc:
            if exc.code != "not_found":
                raise
            data = {}
        thread = data.get("thread") or {}
        if "post" not in thread:
            raise self._not_yet_or_gone(external_id)
        gate = (data.get("threadgate") or thread["post"].get("threadgate") or {})
        hidden = set((gate.get("record") or {}).get("hiddenReplies") or [])
        comments: list[RemoteComment] = []
        stack = list(reversed(thread.get("replies") or []))
        while stack:
            node = stack.pop()
            if "post" not in node:  # notFoundPost, blockedPost
                continue
            comment = _comment(self, node["post"], external_id, hidden)
            if since is None or comment.created_at >= since:
                comments.append(comment)
            stack += reversed(node.get("replies") or [])
        return comments

    def reply(self, comment: RemoteComment, text: str) -> RemoteComment:
        """A post replying to the comment: parent = the comment, root = its thread's root
        (both with their CIDs, from the comment or getPosts)."""
        raw = comment.raw if isinstance(comment.raw, dict) else {}
        parent, root = raw.get("ref"), raw.get("root")
        if not (parent and root):
            post = self._post_view(comment.external_id)
            parent = {"uri": post["uri"], "cid": post["cid"]}
            root = (post["record"].get("reply") or {}).get("root") or parent
        ref = {"root": _strong(root), "parent": _strong(parent)}
        created = self._create_post(text, reply=ref)
        return RemoteComment(
            external_id=created["uri"], post_external_id=comment.post_external_id,
            author_id=self._handle(), author_name=self.channel.name, text=text,
            created_at=datetime.now(UTC), parent_external_id=comment.external_id,
            by_us=True, raw={"ref": created, "root": ref["root"]})

    def reply_to_post(self, ref: str, text: str) -> RemoteComment:
        """Answer a post listening found. ``ref`` is the listening source's JSON,
        {"ref": {"uri", "cid"}, "root": {"uri", "cid"}}: the ``raw`` that ``reply`` reads
        from a comment, so the answer goes out exactly as an answer to a comment does.
        Without both CIDs ``reply`` looks the post up first (getPosts), which also tells
        a deleted post apart."""
        parent, root = _listened_refs(ref)
        post = RemoteComment(
            external_id=parent["uri"], post_external_id=root["uri"],
            author_id=parent["uri"].removeprefix("at://").split("/")[0], author_name="",
            text="", created_at=datetime.now(UTC),
            raw={"ref": parent, "root": root} if parent["cid"] and root["cid"] else None)
        return self.reply(post, text)

    def hide_comment(self, comment_external_id: str, hidden: bool = True) -> None:
        """Add the reply to (or take it from) ``hiddenReplies`` of the threadgate of the
        thread's root post, which must be ours. Other threadgate rules are kept."""
        post = self._post_view(comment_external_id)
        root = ((post["record"].get("reply") or {}).get("root") or {}).get("uri", "")
        rkey = self._own_rkey(root, gone_message=_(
            "Bluesky lets you hide replies only in threads that start with your post."))
        gate, cid = self._threadgate(rkey)
        gate.setdefault("post", root)
        replies = [u for u in gate.get("hiddenReplies") or [] if u != comment_external_id]
        replies += [comment_external_id] if hidden else []
        if len(replies) > HIDDEN_REPLIES_MAX:
            raise PermanentError(_("Bluesky hides at most %(count)d replies in one thread.")
                                 % {"count": HIDDEN_REPLIES_MAX}, code="too_many_hidden")
        gate["hiddenReplies"] = replies
        body = {"repo": self._did(), "collection": THREADGATE, "rkey": rkey, "record": gate}
        if cid:
            body["swapRecord"] = cid  # someone changed it meanwhile: InvalidSwap, try again
        self._xrpc("com.atproto.repo.putRecord", kind="repeatable", body=body)

    # -- metrics ---------------------------------------------------------------

    def fetch_post_metrics(self, external_id: str) -> dict[str, int]:
        """Counts the AppView keeps for the post (getPosts); "comments" is replyCount,
        the direct replies (answers to replies are not in it)."""
        post = self._post_view(external_id)
        metrics = {"likes": post.get("likeCount", 0), "reposts": post.get("repostCount", 0),
                   "comments": post.get("replyCount", 0), "quotes": post.get("quoteCount", 0)}
        if "bookmarkCount" in post:
            metrics["saves"] = post["bookmarkCount"]
        return {k: int(v or 0) for k, v in metrics.items()}

    def fetch_account_metrics(self) -> dict[str, int]:
        """Followers, follows and posts of the profile (getProfile)."""
        profile = self._xrpc("app.bsky.actor.getProfile", params={"actor": self._did()})
        return {"followers": int(profile.get("followersCount") or 0),
                "following": int(profile.get("followsCount") or 0),
                "posts": int(profile.get("postsCount") or 0)}

    def poll_events(self, cursor: str) -> tuple[list[WebhookEvent], str]:
        """Replies, mentions and quotes from listNotifications (newest first) that arrived
        after ``cursor`` (an indexedAt time), oldest first; the first poll takes the
        latest page. Does not mark notifications as seen: the person's app still shows
        them as new."""
        found: list[dict] = []
        page_cursor = None
        for _page in range(5):
            params: dict[str, Any] = {"limit": 50}
            if page_cursor:
                params["cursor"] = page_cursor
            data = self._xrpc("app.bsky.notification.listNotifications", params=params)
            items = data.get("notifications") or []
            fresh = [n for n in items if str(n.get("indexedAt", "")) > cursor]
            found += fresh
            page_cursor = data.get("cursor")
            if not cursor or len(fresh) < len(items) or not page_cursor or not items:
                break
        events = [_event(self, n) for n in reversed(found) if n.get("reason") in _EVENT_KINDS]
        newest = max([str(n.get("indexedAt", "")) for n in found] + [cursor])
        return events, newest

    @classmethod
    def event_comment(cls, event: WebhookEvent) -> RemoteComment | None:
        """A reply, mention or quote from ``poll_events`` with the ids ``fetch_comments``
        gives the same post: its at:// URI, under the thread's root (the URI ``publish``
        returned, when the thread is ours; for a quote, the post quoted), answering its
        parent post (the root itself for a direct reply, as ``fetch_comments`` says), its
        author named by handle. Likes, reposts and follows never become events."""
        return _event_comment(event)

    # -- helpers: publishing ----------------------------------------------------

    def _create_post(self, text: str, *, embed: dict | None = None, reply: dict | None = None,
                     langs: list[str] | None = None) -> dict:
        record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": _now()}
        facets = _facets(self, text)
        if facets:
            record["facets"] = facets
        if langs:
            record["langs"] = langs
        if reply:
            record["reply"] = reply
        if embed:
            record["embed"] = embed
        data = self._xrpc("com.atproto.repo.createRecord", kind="write",
                          body={"repo": self._did(), "collection": POST, "record": record})
        return {"uri": data["uri"], "cid": data["cid"]}

    def _first_comment(self, text: str, created: list[dict], langs: list[str]) -> dict:
        """A reply to our post (to the last part of a thread): its URI, or the error."""
        try:
            made = self._create_post(text, langs=langs, reply=_reply_ref(created[0],
                                                                         created[-1]))
        except ConnectorError as exc:
            return {"error": exc.message, "class": exc.error_class, "code": exc.code}
        return {"uri": made["uri"]}

    def _images(self, media: tuple[MediaFile, ...]) -> dict:
        images = []
        for m in media:
            data = self._xrpc("com.atproto.repo.uploadBlob", kind="repeatable",
                              content=m.path.read_bytes(), mime=m.mime)
            image: dict[str, Any] = {"alt": m.alt_text or "", "image": data["blob"]}
            ratio = _aspect_ratio(m)
            if ratio:
                image["aspectRatio"] = ratio
            images.append(image)
        return {"$type": "app.bsky.embed.images", "images": images}

    def _recent_posts(self, since: datetime) -> tuple[list[dict], bool]:
        """Our posts created after ``since`` (and a few before), newest first, and
        whether that covers the whole window."""
        records: list[dict] = []
        cursor = None
        for _page in range(LIST_PAGES):
            params: dict[str, Any] = {"repo": self._did(), "collection": POST,
                                      "limit": LIST_LIMIT}
            if cursor:
                params["cursor"] = cursor
            data = self._xrpc("com.atproto.repo.listRecords", params=params)
            page = data.get("records") or []
            records += page
            cursor = data.get("cursor")
            if len(page) < LIST_LIMIT or not cursor or _record_time(page[-1]) < since:
                return records, True
        return records, False

    # -- helpers: comments ------------------------------------------------------

    def _post_view(self, uri: str) -> dict:
        """The AppView's view of a post. It lags the PDS by a moment: one of our posts
        still in our repository (getRecord) is "not yet", not "gone"."""
        posts = self._xrpc("app.bsky.feed.getPosts", params={"uris": [uri]}).get("posts")
        if posts:
            return posts[0]
        raise self._not_yet_or_gone(uri)

    def _not_yet_or_gone(self, uri: str) -> ConnectorError:
        """The error for a post the AppView does not show. Our own post still in our
        repository (getRecord, read from the PDS that wrote it) is "not indexed yet", a
        transient wait; only a post missing there too is gone."""
        parts = uri.removeprefix("at://").split("/")
        if len(parts) != 3 or parts[0] != self._did():
            return _gone()
        try:
            self._xrpc("com.atproto.repo.getRecord", params={
                "repo": parts[0], "collection": parts[1], "rkey": parts[2]})
        except PermanentError as exc:
            if exc.code in ("RecordNotFound", "not_found"):
                return _gone()
            raise
        return TransientError(_("Bluesky has not shown this post yet; smmdesk will look "
                                "again in a minute."), code="not_indexed", retry_after=60)

    def _threadgate(self, rkey: str) -> tuple[dict, str]:
        """The root post's threadgate record and its CID, or a new one."""
        try:
            data = self._xrpc("com.atproto.repo.getRecord", params={
                "repo": self._did(), "collection": THREADGATE, "rkey": rkey})
        except PermanentError as exc:
            if exc.code != "RecordNotFound":
                raise
            return {"$type": THREADGATE, "createdAt": _now()}, ""
        return dict(data.get("value") or {}), str(data.get("cid") or "")

    # -- the session -------------------------------------------------------------

    def _connect_result(self, name: str) -> ConnectResult:
        creds = {**self._creds, "did": self._did(), "handle": self._handle()}
        if self._settings.get("pds"):
            creds["pds"] = self._settings["pds"]
        return ConnectResult(external_id=self._did(), name=name, credentials=creds,
                             settings=dict(self._settings),
                             url=f"{APP}/profile/{self._handle()}",
                             token_expires_at=_jwt_expiry(self._creds["accessJwt"]))

    # -- calling XRPC ----------------------------------------------------------------

    def _xrpc(self, nsid: str, *, params: dict | None = None, body: dict | None = None,
              content: bytes | None = None, mime: str = "", kind: str = "read") -> dict:
        """One call to the PDS. ``kind``: "read" (GET), "write" (a create: never sent twice
        blindly) or "repeatable" (a POST that may be repeated: delete, put, upload). An
        expired or refused access token is refreshed once and the call made again."""
        expiry = _jwt_expiry(self._creds.get("accessJwt", ""))
        if expiry and expiry < datetime.now(UTC) + timedelta(seconds=30):
            _renew_in_call(self)
        for attempt in (1, 2):
            response = self._send_xrpc(nsid, params, body, content, mime, kind)
            data = _json(response)
            if response.status_code == 200:
                return data
            if attempt == 1 and _auth_failed(response, data):
                _renew_in_call(self)
                continue
            raise _api_error(nsid, response, data, kind, self._who())
        raise AssertionError("unreachable")

    def _send_xrpc(self, nsid, params, body, content, mime, kind) -> httpx.Response:
        pds = self._settings.get("pds") or self._settings.get("service") or SERVICE
        headers = {"Authorization": f"Bearer {self._creds.get('accessJwt', '')}"}
        if kind == "read":
            return self.send("GET", f"{pds}/xrpc/{nsid}", params=params, headers=headers)
        if content is not None:
            headers["Content-Type"] = mime or "application/octet-stream"
            return self.send("POST", f"{pds}/xrpc/{nsid}", content=content, headers=headers,
                             idempotent=True)
        return self.send("POST", f"{pds}/xrpc/{nsid}", json=body, headers=headers,
                         idempotent=kind == "repeatable")

    def _did(self) -> str:
        return self._settings.get("did") or self.channel.external_id

    def _handle(self) -> str:
        return self._settings.get("handle") or self._did()

    def _who(self) -> dict[str, str]:
        return {"account": "@" + self._handle() if self._handle() else self.channel.name}

    def _post_url(self, uri: str) -> str:
        return f"{APP}/profile/{self._handle()}/post/{uri.rsplit('/', 1)[-1]}"

    def _own_rkey(self, uri: str, gone_message: str = "") -> str:
        """The record key of one of our posts' at:// URI."""
        match = re.fullmatch(r"at://([^/]+)/([^/]+)/([^/]+)", uri or "")
        if not match or match[1] != self._did() or match[2] != POST:
            raise PermanentError(gone_message or _(
                "Bluesky: %(uri)s is not a post of this account.") % {"uri": uri},
                code="not_ours")
        return match[3]


_POST_URI = re.compile(rf"at://[^/\s]+/{re.escape(POST)}/[^/\s]+")


def _listened_refs(ref: str) -> tuple[dict, dict]:
    """The post and its thread's root from a listening ``reply_ref``, each {"uri",
    "cid"} (a CID may be empty); a PermanentError when it does not name a post."""
    try:
        data = json.loads(ref or "")
    except ValueError:
        data = None
    found = []
    for key in ("ref", "root"):
        part = data.get(key) if isinstance(data, dict) else None
        uri = str(part.get("uri") or "") if isinstance(part, dict) else ""
        if not _POST_URI.fullmatch(uri):
            raise PermanentError(_(
                "Bluesky: smmdesk cannot tell which post this mention is (its reference is "
                "missing or damaged). Open the post on Bluesky and answer it there."),
                code="bad_ref", raw={"reply_ref": str(ref)[:500]})
        found.append({"uri": uri, "cid": str(part.get("cid") or "")})
    return found[0], found[1]
