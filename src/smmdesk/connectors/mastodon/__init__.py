"""Mastodon: one account on one server, through the Mastodon REST API.

The person names their server. smmdesk registers an app there once per server and
redirect address (``POST /api/v1/apps``; ``channels.OAuthApp`` keeps it), sends the
person to sign in (OAuth 2 authorization code; PKCE, which servers check since 4.3 and
older ones ignore) and asks only for the granular scopes it uses. Mastodon access
tokens do not expire, so there is nothing to refresh: a revoked token answers 401 and
the channel asks to be reconnected.

Every call is ``https://<server>/api/...`` with ``Authorization: Bearer <token>``. The
server's own limits (characters per post, files per post, file sizes and types, alt
text length) are read from ``GET /api/v2/instance`` when connecting and kept in the
channel's settings; ``validate`` uses them when it is given those settings.

Reference: https://docs.joinmastodon.org/methods/ (contract fixtures in
``tests/connectors/fixtures/mastodon/`` record each request and answer used here).

Servers that speak this API without being Mastodon (GoToSocial, Akkoma, Pleroma) are
told apart once, at connect (``flavour``: NodeInfo, else the instance's version), and
what differs is kept in the channel's settings: coarse scopes where granular ones are
refused, whether ``Idempotency-Key`` is honoured, how the length is counted, which
visibilities the owner's own listing hides. See docs/CONNECTORS.md, "Mastodon-compatible
servers".

The connector is here; ``flavour`` says how a server differs from Mastodon; ``text``
counts and splits text as the server does, ``limits`` reads
a server's limits and checks a post against them, ``community`` turns replies and
mentions into comments and events, ``errors`` maps refusals, and ``common`` holds what
they share.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
    RemoteComment,
    TransientError,
    validate_against_limits,
)
from smmdesk.connectors.mastodon.common import (
    COARSE_SCOPES,
    DEFAULT_MAX_CHARACTERS,
    DEFAULT_MAX_MEDIA,
    IMAGE_MAX_BYTES,
    RESEND_LOOKBACK_S,
    SCOPES,
    VIDEO_MAX_BYTES,
    VISIBILITIES,
)
from smmdesk.connectors.mastodon.community import _comment, _event, _roots
from smmdesk.connectors.mastodon.errors import (
    _api_error,
    _body,
    _not_mastodon,
    _require_scopes,
    _scopes_refused,
    _thread_stopped,
    _unreachable,
    _unsure_thread,
)
from smmdesk.connectors.mastodon.flavour import (
    counting,
    honours_keys,
    listing_shows,
    server_flavour,
)
from smmdesk.connectors.mastodon.limits import (
    _cw,
    _length_issues,
    _limits,
    _max_characters,
    _media_rules,
    _option_issues,
    _server_limits,
    _status_options,
    _url_chars,
    _visibility,
)
from smmdesk.connectors.mastodon.text import (
    _fingerprint,
    _id_order,
    _status_fingerprint,
    _status_url,
    _when,
    plain_text,
    status_length,
    thread_parts,
)
from smmdesk.connectors.oauth import OAuthSpec, expires_at
from smmdesk.connectors.webhooks import WebhookEvent
from smmdesk.lib import netguard
from smmdesk.lib.http import HttpClient
from smmdesk.lib.links import safe_http_url
from smmdesk.lib.text import grapheme_count

# What is imported from here (the tests import the text helpers).
__all__ = ["MastodonConnector", "grapheme_count", "plain_text", "status_length", "thread_parts"]

APP_NAME = "smmdesk"  # shown under each post as the app it was posted with
# GET /api/v1/accounts/:id/statuses: "Defaults to 20 statuses. Max 40 statuses."
FIND_PAGE_SIZE = 40
FIND_PAGES = 5
# Waits between looks at a file the server is still processing (about 3 minutes).
MEDIA_PAUSES = (1, 2, 3, 4, 5, 5, 10, 10, 10, 15, 15, 20, 20, 30, 30)
SOFTWARE_NAMES = {"mastodon": "Mastodon", "gotosocial": "GoToSocial", "akkoma": "Akkoma",
                  "pleroma": "Pleroma"}


class MastodonConnector(Connector):
    kind = "mastodon"
    label = "Mastodon"
    # Text is counted as the server does (StatusLengthValidator): grapheme clusters of
    # the content warning plus the text, each http(s) link as 23 and a mention of a
    # remote account as its local part only; ``validate`` does that counting. Media:
    # "If provided, status becomes optional" (POST /api/v1/statuses); up to 4 files,
    # and a video (or audio) only on its own (UpdateStatusService#validate_media!:
    # "images_and_video"). GIFs are images until the server turns them into gifv.
    limits = Limits(
        text_max=DEFAULT_MAX_CHARACTERS,
        media_max=DEFAULT_MAX_MEDIA,
        media_kinds=frozenset({MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.GIF}),
        image_max_bytes=IMAGE_MAX_BYTES,
        video_max_bytes=VIDEO_MAX_BYTES,
        mixed_media=True,  # images and GIFs mix; the video rule is in validate
        formats=frozenset({Format.FEED, Format.THREAD}),
    )
    capabilities = Capabilities(delete=True, edit=True, comments=True, reply=True,
                                post_metrics=True, account_metrics=True, find_published=True,
                                reply_to_post=True)
    # https://docs.joinmastodon.org/api/rate-limits/ : every endpoint 300 times in 5
    # minutes per account; creating statuses 300 in 3 hours (app/lib/rate_limiter.rb,
    # "statuses" family). Uploads (30 in 30 minutes) and deletes (30 in 30 minutes) are
    # per call, not per post: their 429s carry X-RateLimit-Reset, which we honour.
    rate_limits = (RateLimit(300, 300, "channel"), RateLimit(300, 3 * 3600, "channel"))
    # The owner's GET /api/v1/accounts/:id/statuses reads the database (no cache, no
    # search index), so a status is listed as soon as its POST answered; half a minute
    # covers a server reading from a lagging replica. Where the listing cannot show the
    # post (a visibility the server hides from it) find_published answers UNKNOWN.
    listing_lag: ClassVar[timedelta | None] = timedelta(seconds=30)
    # What oauth_register falls back to on a server that refuses granular scopes; an app
    # stored with these is not stale, and the sign-in asks for them (channels/connecting).
    oauth_fallback_scopes: ClassVar[tuple[str, ...]] = COARSE_SCOPES
    oauth = OAuthSpec(
        authorize_url="{origin}/oauth/authorize",
        token_url="{origin}/oauth/token",
        scopes=SCOPES,
        pkce=True,
        env_prefix="SMMDESK_MASTODON",
        per_instance=True,
        # "Forces the user to re-login, which is necessary for authorizing with
        # multiple accounts from the same instance" — an agency connects several.
        authorize_params={"force_login": "true"},
    )
    connect_help = gettext_lazy("Enter your server's address (for example mastodon.social). "
                                "You will sign in there and allow smmdesk to read your "
                                "account and post for it.")
    variant_options = (
        ("content_warning", gettext_lazy("Content warning"), "text"),
        ("visibility", gettext_lazy("Visibility"), (
            ("public", gettext_lazy("Public")),
            ("unlisted", gettext_lazy("Quiet public (unlisted)")),
            ("private", gettext_lazy("Followers only")),
        )),
    )

    # -- connect --------------------------------------------------------------

    @classmethod
    def oauth_register(cls, instance: str, redirect_uri: str, http: HttpClient) -> dict:
        """POST /api/v1/apps on ``instance`` with our name, redirect address and scopes.
        A server that cannot be reached or refuses is a PermanentError in plain words:
        the person is in front of the form and can fix the address or try again."""
        api = cls._for(instance, "", http)
        scopes = " ".join(SCOPES)
        try:
            try:
                app = api._register(redirect_uri, scopes)
            except PermanentError as exc:
                if not _scopes_refused(exc):
                    raise
                scopes = " ".join(COARSE_SCOPES)  # a server without granular scopes
                app = api._register(redirect_uri, scopes)
        except PermanentError as exc:
            if exc.code == "not_found":
                raise _not_mastodon(instance, exc.raw) from exc
            raise PermanentError(_(
                "Mastodon: %(instance)s did not register smmdesk (%(reason)s). Check the "
                "server's address; if it is right, the server does not accept new apps.")
                % {"instance": instance, "reason": exc.raw["error"]}, code="register_refused",
                raw=exc.raw) from exc
        except ConnectorError as exc:
            raise _unreachable(instance) from exc
        if not isinstance(app, dict) or not app.get("client_id") or not app.get("client_secret"):
            raise _not_mastodon(instance, app)
        http.add_secret(app["client_secret"])
        registered = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
        if scopes != " ".join(SCOPES):
            registered["scopes"] = scopes  # what the sign-in page must ask for, too
        return registered

    def _register(self, redirect_uri: str, scopes: str) -> Any:
        payload = {"client_name": APP_NAME, "redirect_uris": redirect_uri, "scopes": scopes}
        return self._json("POST", "/api/v1/apps", json=payload)

    @classmethod
    def oauth_accounts(cls, token: dict, http: HttpClient, *, instance: str = ""
                       ) -> list[ConnectResult]:
        """The one account that signed in (GET /api/v1/accounts/verify_credentials),
        with the server's limits (GET /api/v2/instance) in its settings."""
        _require_scopes(token, instance)
        access = str(token.get("access_token") or "")
        api = cls._for(instance, access, http)
        instance = instance.removeprefix("http://")  # a development server's host
        try:
            account = api._json("GET", "/api/v1/accounts/verify_credentials")
        except PermanentError as exc:
            raise PermanentError(_("Mastodon: %(instance)s did not accept the sign-in "
                                   "(%(reason)s). Start the connection again.")
                                 % {"instance": instance, "reason": exc.raw["error"]},
                                 code=exc.code, raw=exc.raw) from exc
        except ConnectorError as exc:
            raise _unreachable(instance) from exc
        limits = _server_limits(api)
        settings = {"instance": instance, "account_id": str(account["id"]),
                    "username": account.get("username", ""),
                    "display_name": account.get("display_name", ""),
                    "default_visibility": (account.get("source") or {}).get("privacy", ""),
                    **limits, **server_flavour(api, str(limits.get("server_version") or "")),
                    **api._scheme_setting()}
        username = settings["username"]
        return [ConnectResult(external_id=f"{account['id']}@{instance}",
                              name=f"@{username}@{instance}",
                              credentials={"access_token": access}, settings=settings,
                              url=account.get("url") or f"https://{instance}/@{username}",
                              token_expires_at=expires_at(token))]

    # -- publishing -------------------------------------------------------------

    @classmethod
    def validate(cls, req: PublishRequest, *, settings: dict | None = None) -> list[Issue]:
        """The shared checks against this server's limits (the channel's ``settings``
        when the caller gives them; a stock server's otherwise), with the text counted
        the way Mastodon counts it, a video only on its own, the server's file types,
        alt text length and the visibility choice."""
        settings = settings or {}
        lim = _limits(cls.limits, settings)
        shared = validate_against_limits(cls, req, limits=lim)
        issues = [i for i in shared if i.code != "text_too_long"]
        return issues + _length_issues(req, settings) + _media_rules(req, settings) \
            + _option_issues(req)

    def publish(self, req: PublishRequest) -> PublishResult:
        """Upload the files (POST /api/v2/media, alt text as ``description``; waiting on
        GET /api/v1/media/:id while the server processes them), then POST
        /api/v1/statuses. A thread is a chain of statuses, each in reply to the one
        before (``external_id`` is the first, ``extra_ids`` the rest); the files go on
        the first. The first comment is a reply to the last status we posted.

        Each status carries ``Idempotency-Key: <marker>`` (``<marker>-<n>`` for the n-th
        part, ``<marker>-comment``). For an hour after making a status Mastodon answers
        a repeat of its key with that status instead of a new one; other servers
        (GoToSocial) ignore the key, and a part resent after the hour is new on Mastodon
        too. So before a thread (on any server) or any post (where the key is not
        honoured, ``idempotency_keys`` read at connect) the parts a previous attempt
        already posted are looked for (``_already_out``) and only the rest is posted.
        Where the owner's listing cannot show the post (a hidden visibility) a thread
        broken off midway is Ambiguous, never resent by itself. A lost answer stays
        ambiguous and the engine asks ``find_published``."""
        settings = self.channel.settings
        opts = _status_options(req, settings)
        parts = self._parts(req)
        checkable = listing_shows(settings, opts.get("visibility", ""))
        out = self._already_out(req, parts) if checkable and req.marker and (
            len(parts) > 1 or not honours_keys(settings)) else []
        if out:
            first = out[0]
        else:
            media_ids = [self._upload(m) for m in req.media]
            first = self._post(parts[0], opts, key=req.marker, media_ids=media_ids)
        chain = [first] + self._continue_thread(parts, out or [first], opts, req.marker,
                                                resend_safe=checkable)
        raw: dict[str, Any] = {"ids": [s["id"] for s in chain],
                               "created_at": first.get("created_at")}
        if out:
            raw["already_out"] = len(out)
        extra = [s["id"] for s in chain[1:]]
        if req.first_comment.strip():
            comment = raw["first_comment"] = self._first_comment(req, chain[-1], opts,
                                                                 checked=bool(out))
            if comment["ok"]:  # so that deleting the post deletes our comment too
                extra.append(comment["id"])
        return PublishResult(external_id=first["id"], url=_status_url(first), raw=raw,
                             extra_ids=tuple(extra))

    def find_published(self, req: PublishRequest, *, since: datetime) -> FindResult:
        """Walk GET /api/v1/accounts/:id/statuses (newest first, boosts left out) back to
        ``since`` and compare each top-level status's text — HTML on the way back, so
        turned into plain text — with the post's (its first part for a thread), plus
        the content warning and the number of files. On Mastodon the listing holds every
        status of the account, whatever its visibility, so reaching ``since`` without a
        match means it was not created. Servers that leave followers-only or direct
        posts out of it (``listing_hides``, read at connect) cannot say that for such a
        post: UNKNOWN, and a person looks."""
        visibility = _visibility(req, self.channel.settings)
        if not listing_shows(self.channel.settings, visibility):
            return FindResult(Found.UNKNOWN, note=_(
                "%(software)s does not show followers-only and direct posts in their "
                "author's own list, so smmdesk cannot tell whether this one was created. "
                "Look at the account on its server.") % {"software": self._software()})
        wanted = _fingerprint(self._parts(req)[0], _cw(req), len(req.media))
        max_id = ""
        for _page in range(FIND_PAGES):
            params = {"limit": FIND_PAGE_SIZE, "exclude_reblogs": "true"}
            if max_id:
                params["max_id"] = max_id
            statuses = self._json("GET", f"/api/v1/accounts/{self._account_id()}/statuses",
                                  params=params)
            for status in statuses:
                if _when(status["created_at"]) < since:
                    return FindResult(Found.NOT_FOUND)
                if not status.get("in_reply_to_id") and _status_fingerprint(status) == wanted:
                    return FindResult(Found.FOUND, PublishResult(
                        status["id"], _status_url(status), raw={"found_by": "content"}))
            if len(statuses) < FIND_PAGE_SIZE:
                return FindResult(Found.NOT_FOUND)  # the account's whole history
            max_id = statuses[-1]["id"]
        return FindResult(Found.UNKNOWN, note=_(
            "Mastodon: more than %(count)d posts were made since then; smmdesk did not look "
            "further.") % {"count": FIND_PAGES * FIND_PAGE_SIZE})

    def edit(self, external_id: str, req: PublishRequest) -> PublishResult:
        """PUT /api/v1/statuses/:id with the new text and content warning. The server
        treats every field left out as emptied — ``media_ids`` missing removes the files,
        ``sensitive`` missing clears the flag — so we read the status first and send
        back its files (with the alt texts of ``req.media`` when the count matches) and
        its sensitive flag. Visibility cannot be changed by an edit on Mastodon; of a
        thread only the first status is edited. Sending the same edit twice leaves the
        same post, so a 5xx here is "try again", not "maybe"."""
        current = self._json("GET", f"/api/v1/statuses/{external_id}")
        attached = current.get("media_attachments") or []
        cw = _cw(req)
        payload: dict[str, Any] = {"status": self._parts(req)[0], "spoiler_text": cw,
                                   "sensitive": bool(current.get("sensitive")) or bool(cw),
                                   "media_ids": [m["id"] for m in attached]}
        if attached and len(attached) == len(req.media):
            payload["media_attributes"] = [{"id": m["id"], "description": f.alt_text}
                                           for m, f in zip(attached, req.media, strict=True)
                                           if f.alt_text]
        status = self._json("PUT", f"/api/v1/statuses/{external_id}", json=payload)
        return PublishResult(status["id"], _status_url(status),
                             raw={"edited_at": status.get("edited_at")})

    def delete(self, external_id: str, extra_ids: tuple[str, ...] = ()) -> None:
        """DELETE /api/v1/statuses/:id for the rest of a thread and our first comment
        (last first), then the post. A status already gone (404) counts as deleted,
        so a delete interrupted by the 30-per-30-minutes limit can simply run again."""
        for status_id in (*reversed(extra_ids), external_id):
            try:
                self._call("DELETE", f"/api/v1/statuses/{status_id}")
            except PermanentError as exc:
                if exc.code != "not_found":
                    raise

    # -- community --------------------------------------------------------------

    def fetch_comments(self, external_id: str, *, since: datetime | None = None
                       ) -> list[RemoteComment]:
        """The replies below the post: ``descendants`` of GET /api/v1/statuses/:id/context
        (with our token: all of them, not the 60 an anonymous caller gets). Our own
        replies and the rest of our threads come back with ``by_us``."""
        context = self._json("GET", f"/api/v1/statuses/{external_id}/context")
        comments = [_comment(self, s, external_id) for s in context.get("descendants") or []]
        return [c for c in comments if since is None or c.created_at > since]

    def reply(self, comment: RemoteComment, text: str) -> RemoteComment:
        """POST /api/v1/statuses in reply to the comment, starting with @their-handle
        (as Mastodon's own apps do: without the mention they are not notified), with
        the comment's visibility so a followers-only or private reply stays so. The
        Idempotency-Key is the comment and the text, so a double click posts once."""
        status = comment.raw if isinstance(comment.raw, dict) and comment.raw.get("account") \
            else self._json("GET", f"/api/v1/statuses/{comment.external_id}")
        author = status["account"]
        mention = f"@{author['acct']}"
        body = text if str(author["id"]) == self._account_id() or mention in text \
            else f"{mention} {text}"
        visibility = status.get("visibility")
        opts = {"visibility": visibility} if visibility in (*VISIBILITIES, "direct") else {}
        key = hashlib.sha256(f"{comment.external_id}\n{text}".encode()).hexdigest()[:32]
        new = None if honours_keys(self.channel.settings) \
            else self._reply_out(comment.external_id, body)
        new = new or self._post(body, opts, key=key, reply_to=comment.external_id)
        return _comment(self, new, comment.post_external_id)

    def reply_to_post(self, ref: str, text: str) -> RemoteComment:
        """Answer a post listening found. ``ref`` is the status's URI on its author's
        server, which our server may never have seen: it is resolved there first (GET
        /api/v2/search with resolve=true and our token), and the status it gives is
        answered by its id here as ``reply`` answers a comment: mentioning the author,
        in the status's visibility, with an Idempotency-Key."""
        status = self._resolve_status(ref)
        return self.reply(_comment(self, status, str(status["id"])), text)

    def hide_comment(self, comment_external_id: str, hidden: bool = True) -> None:
        """Mastodon has no way to hide replies under your post."""
        raise PermanentError(_(
            "Mastodon does not let an account hide other people's replies to its posts. "
            "You can mute or block the author, or report the reply to your server's "
            "moderators, on Mastodon itself."), code="not_supported")

    def delete_comment(self, comment_external_id: str) -> None:
        """Only the author (or a server's moderators) can delete a reply."""
        raise PermanentError(_(
            "Mastodon does not let an account delete other people's replies to its posts; "
            "only their author or the moderators of their server can. Block the author or "
            "report the reply on Mastodon itself."), code="not_supported")

    def poll_events(self, cursor: str) -> tuple[list[WebhookEvent], str]:
        """Mentions after ``cursor`` (GET /api/v1/notifications, types[]=mention,
        min_id=cursor, oldest first); the first call takes the latest page. A mention
        in reply to one of our statuses is a "comment", a private mention a "message",
        any other a "mention". A notification does not say which post a reply is under,
        so the thread of each public reply is looked up (``_roots``): the default
        ``event_comment`` then files it under the post as ``fetch_comments`` does."""
        params: dict[str, Any] = {"types[]": "mention", "limit": 40}
        if cursor:
            params["min_id"] = cursor
        notes = self._json("GET", "/api/v1/notifications", params=params)
        notes = sorted(notes, key=lambda n: _id_order(n["id"]))
        roots = _roots(self, [n["status"] for n in notes if n.get("status")])
        events = [_event(self, n, roots) for n in notes if n.get("status")]
        return events, (str(notes[-1]["id"]) if notes else cursor)

    # -- metrics ---------------------------------------------------------------

    def fetch_post_metrics(self, external_id: str) -> dict[str, int]:
        """favourites, boosts, replies (and quotes, 4.5+) of GET /api/v1/statuses/:id."""
        status = self._json("GET", f"/api/v1/statuses/{external_id}")
        metrics = {"likes": status.get("favourites_count"), "reposts": status.get("reblogs_count"),
                   "comments": status.get("replies_count"), "quotes": status.get("quotes_count")}
        return {k: int(v) for k, v in metrics.items() if v is not None}

    def fetch_account_metrics(self) -> dict[str, int]:
        """followers, following and posts of GET /api/v1/accounts/:id."""
        account = self._json("GET", f"/api/v1/accounts/{self._account_id()}")
        return {"followers": int(account.get("followers_count") or 0),
                "following": int(account.get("following_count") or 0),
                "posts": int(account.get("statuses_count") or 0)}

    # -- the pieces of a publish -------------------------------------------------

    def _parts(self, req: PublishRequest) -> list[str]:
        if req.format != Format.THREAD:
            return [req.text]
        settings = self.channel.settings
        return thread_parts(req.text, _max_characters(settings), _cw(req), _url_chars(settings),
                            counting(settings))

    def _post(self, text: str, opts: dict, *, key: str = "", reply_to: str = "",
              media_ids: list[str] | tuple[str, ...] = ()) -> dict:
        payload: dict[str, Any] = {"status": text, **opts}
        if media_ids:
            payload["media_ids"] = list(media_ids)
        if reply_to:
            payload["in_reply_to_id"] = reply_to
        headers = {"Idempotency-Key": key} if key else {}
        return self._json("POST", "/api/v1/statuses", creates=True, json=payload,
                          headers=headers)

    def _continue_thread(self, parts: list[str], out: list[dict], opts: dict, marker: str,
                         *, resend_safe: bool = True) -> list[dict]:
        """Post the parts after those already ``out``. When one fails, a resend is left to
        the engine only where the next publish can find what is out (``resend_safe``:
        the owner's listing shows this visibility); elsewhere it is Ambiguous."""
        chain = list(out)
        for n, text in enumerate(parts[len(chain):], start=len(chain) + 1):
            try:
                chain.append(self._post(text, opts, key=f"{marker}-{n}" if marker else "",
                                        reply_to=chain[-1]["id"]))
            except ConnectorError as exc:
                url = _status_url(chain[0])
                if not resend_safe and not isinstance(exc, PermanentError):
                    raise _unsure_thread(n - 1, len(parts), url, exc) from exc
                raise _thread_stopped(exc, n - 1, len(parts), url) from exc
        return chain[1:]

    def _already_out(self, req: PublishRequest, parts: list[str]) -> list[dict]:
        """The statuses of this publication a previous attempt already posted, first
        part first; [] when there are none. Asked before a resend can post twice: a
        thread on any server (Mastodon keeps an Idempotency-Key an hour; a part retried
        later would be new) and every post on a server that ignores the key. The first
        part is looked for in the owner's latest statuses (same text, content warning
        and file count, made by smmdesk in the last day), the rest among its replies."""
        since = _now() - timedelta(seconds=RESEND_LOOKBACK_S)
        wanted = _fingerprint(parts[0], _cw(req), len(req.media))
        statuses = self._json("GET", f"/api/v1/accounts/{self._account_id()}/statuses",
                              params={"limit": FIND_PAGE_SIZE, "exclude_reblogs": "true"})
        first = next((s for s in statuses if not s.get("in_reply_to_id")
                      and _when(s["created_at"]) >= since and _ours(s)
                      and _status_fingerprint(s) == wanted), None)
        if first is None:
            return []
        chain = [first]
        if len(parts) > 1:
            replies = self._replies(first["id"])
            for text in parts[1:]:
                found = _reply_in(replies, chain[-1]["id"], text, _cw(req))
                if found is None:
                    break
                chain.append(found)
        return chain

    def _replies(self, status_id: str) -> list[dict]:
        context = self._json("GET", f"/api/v1/statuses/{status_id}/context")
        mine = self._account_id()
        return [s for s in (context.get("descendants") or [])
                if str((s.get("account") or {}).get("id")) == mine]

    def _reply_out(self, parent_id: str, text: str, spoiler: str = "") -> dict | None:
        """Our reply with this text below ``parent_id``, if a previous attempt made it."""
        return _reply_in(self._replies(parent_id), parent_id, text, spoiler)

    def _first_comment(self, req: PublishRequest, parent: dict, opts: dict, *,
                       checked: bool = False) -> dict:
        """Never fails the publish: the post is out; the outcome goes into ``raw``.
        After a resend found the post out (``checked``) the comment may be out too."""
        try:
            done = self._reply_out(parent["id"], req.first_comment, opts.get(
                "spoiler_text", "")) if checked else None
            if done:
                return {"ok": True, "id": done["id"], "url": _status_url(done)}
            status = self._post(req.first_comment, opts, reply_to=parent["id"],
                                key=f"{req.marker}-comment" if req.marker else "")
        except ConnectorError as exc:
            return {"ok": False, "error": exc.message, "error_class": exc.error_class,
                    "code": exc.code}
        return {"ok": True, "id": status["id"], "url": _status_url(status)}

    def _resolve_status(self, uri: str) -> dict:
        """Our server's copy of a status given by its URI (or web address): a search
        that fetches it from its home server when needed ("resolve", which needs the
        read:search permission). Nothing found: deleted, private, or a server that
        refuses ours."""
        if not safe_http_url(uri):
            raise PermanentError(_("Mastodon: smmdesk cannot tell which post this mention is "
                                   "(it has no address). Open the post on Mastodon and "
                                   "answer it there."), code="bad_ref",
                                 raw={"reply_ref": str(uri)[:500]})
        try:
            found = self._json("GET", "/api/v2/search", params={
                "q": uri, "resolve": "true", "type": "statuses", "limit": 1})
        except PermanentError as exc:
            if exc.code != "scope_missing":
                raise
            raise PermanentError(_(
                "Mastodon: to answer posts from other servers smmdesk must look them up "
                "from %(account)s, and the channel was connected without permission to "
                "search. Reconnect the channel and allow it.") % self._who(),
                code="scope_missing", raw=exc.raw) from exc
        statuses = found.get("statuses") if isinstance(found, dict) else None
        status = statuses[0] if isinstance(statuses, list) and statuses else None
        if not isinstance(status, dict) or not status.get("id") or not isinstance(
                status.get("account"), dict):
            raise PermanentError(_("Mastodon could not find that post from your server; it "
                                   "may be deleted or private."), code="not_found",
                                 raw={"reply_ref": uri})
        return status

    def _upload(self, media: MediaFile) -> str:
        data = {"description": media.alt_text} if media.alt_text else {}
        name = media.name or media.path.name
        try:
            with media.path.open("rb") as fh:
                response = self._call("POST", "/api/v2/media", ok=(200, 202), data=data,
                                      files={"file": (name, fh, media.mime)})
            attachment = _body(response, creates=False)
            if attachment.get("url"):
                return str(attachment["id"])
            return self._wait_for(str(attachment["id"]), name)
        except PermanentError as exc:
            if exc.code != "refused":
                raise
            raise PermanentError(_("Mastodon refused the file %(name)s: %(reason)s")
                                 % {"name": name, "reason": exc.raw.get("error")},
                                 code="media_refused", raw=exc.raw) from exc

    def _wait_for(self, media_id: str, name: str) -> str:
        """GET /api/v1/media/:id answers 206 while processing, 200 with ``url`` when
        ready, 422 when processing failed."""
        for pause in MEDIA_PAUSES:
            time.sleep(pause)
            response = self._call("GET", f"/api/v1/media/{media_id}", ok=(200, 206))
            if response.status_code == 200 and _body(response, creates=False).get("url"):
                return media_id
        raise TransientError(_("Mastodon is still processing %(name)s after %(seconds)d "
                               "seconds; smmdesk will try again in a few minutes.")
                             % {"name": name, "seconds": sum(MEDIA_PAUSES)},
                             code="media_processing", retry_after=300)

    # -- calling the API -------------------------------------------------------

    @classmethod
    def _for(cls, instance: str, token: str, http: HttpClient) -> MastodonConnector:
        """``instance`` is a host; ``http://host`` only for a development server at a
        private address, where the deployment allows it (lib/netguard.py)."""
        scheme = {"scheme": "http"} if instance.startswith("http://") else {}
        host = instance.removeprefix("http://")
        return cls(ChannelContext(None, "", host, credentials={"access_token": token},
                                  settings={"instance": host, **scheme}), http)

    def _scheme_setting(self) -> dict:
        return {"scheme": "http"} if self._scheme() == "http" else {}

    def _scheme(self) -> str:
        """https, except a development server where plain http is allowed."""
        wants_http = self.channel.settings.get("scheme") == "http"
        return "http" if wants_http and netguard.plain_http_allowed() else "https"

    def _software(self) -> str:
        software = str(self.channel.settings.get("software") or "")
        return SOFTWARE_NAMES.get(software) or software.capitalize() or _("This server")

    def _call(self, method: str, path: str, *, creates: bool = False,
              ok: tuple[int, ...] = (200,), **kwargs: Any) -> httpx.Response:
        """One request. ``creates``: the call may make a status (POST /api/v1/statuses),
        so an answer we did not get is "maybe"; anything else is simply tried again
        (an upload that may have happened only leaves a file the server discards)."""
        headers = dict(kwargs.pop("headers", {}))
        token = self.channel.credentials.get("access_token")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        idempotent = method in ("GET", "PUT", "DELETE")
        try:
            response = self.send(method, f"{self._scheme()}://{self._instance()}{path}",
                                 headers=headers, idempotent=idempotent, **kwargs)
        except AmbiguousError as exc:
            if creates:
                raise
            raise TransientError(_("%(network)s could not be reached. smmdesk will try again.")
                                 % {"network": self.label}, code="unreachable",
                                 raw=exc.raw) from exc
        if response.status_code in ok:
            return response
        own_status = method in ("PUT", "DELETE") and path.startswith("/api/v1/statuses/")
        raise _api_error(response, creates=creates, who=self._who(), own_status=own_status)

    def _json(self, method: str, path: str, *, creates: bool = False, **kwargs: Any) -> Any:
        return _body(self._call(method, path, creates=creates, **kwargs), creates=creates)

    def _instance(self) -> str:
        return str(self.channel.settings.get("instance") or "")

    def _account_id(self) -> str:
        return str(self.channel.settings.get("account_id") or "")

    def _who(self) -> dict[str, str]:
        username = self.channel.settings.get("username")
        instance = self._instance()
        return {"instance": instance,
                "account": f"@{username}@{instance}" if username else self.channel.name}


def _now() -> datetime:
    """The clock, in one place the tests can set."""
    return datetime.now(UTC)


def _ours(status: dict) -> bool:
    """Made through smmdesk, where the server says (``application`` is shown to the
    author; a server that leaves it out is trusted on the text alone)."""
    app = status.get("application")
    return not isinstance(app, dict) or app.get("name") in (None, APP_NAME)


def _reply_in(replies: list[dict], parent_id: str, text: str, spoiler: str) -> dict | None:
    wanted = _fingerprint(text, spoiler, 0)
    return next((s for s in replies if str(s.get("in_reply_to_id")) == str(parent_id)
                 and _status_fingerprint(s) == wanted), None)
