"""Bluesky as a listening source: post search, and one account's posts for competitor
benchmarking, through the AppView's ``app.bsky.*`` queries.

What needs what (https://docs.bsky.app/docs/advanced-guides/api-directory):

- ``account`` with ``{"handle": "zerno.bsky.social"}``: app.bsky.actor.getProfile
  (followers, posts) and app.bsky.feed.getAuthorFeed (``filter=posts_no_replies``, likes,
  reposts, replies, quotes) on the public AppView, https://public.api.bsky.app. Both
  "do not require auth" (their lexicons say so), so nothing is asked of the person.
- ``search`` with ``{"q": ...}``: app.bsky.feed.searchPosts. Its lexicon allows visitors,
  but Bluesky has turned search off for them on the public AppView since January 2025
  ("we had to temporarily disable this public API endpoint", bluesky-social/atproto#3423;
  its ``cursor`` is refused to visitors altogether, #2838, bsky-docs#296). So search signs
  in: the handle of any Bluesky account (``login``) and an app password of it (the
  ``secret``; Settings → Privacy and security → App passwords), with
  com.atproto.server.createSession on ``service`` (https://bsky.social unless the account
  lives on another PDS); the query then goes to the account's PDS, which passes it to the
  AppView. Without a password the public AppView is tried once, and its refusal becomes a
  clear "add an app password". For following a brand across the whole network without a
  search index, the ``jetstream`` source reads every new post instead.

Incremental reads: a search asks ``since`` the newest post already seen, less ten
minutes: ``since`` counts by ``sortAt`` (the earlier of createdAt and indexedAt), and a
post the index takes in late may carry an earlier time than posts already read. Repeats
carry the same ``external_id`` (the post's at:// URI) and are stored once. ``account``
re-reads the newest posts on every fetch so that their counts stay current.

``reply_ref`` is JSON, ``{"ref": {"uri", "cid"}, "root": {"uri", "cid"}}``: exactly the
``raw`` that ``BlueskyConnector.reply`` reads from a comment to answer it (the post, and
the first post of its thread).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from smmdesk.connectors.base import PermanentError
from smmdesk.connectors.bluesky.common import APP, SERVICE, _parse_time
from smmdesk.connectors.bluesky.errors import _AUTH_ERRORS, _INACTIVE, _json
from smmdesk.connectors.bluesky.session import _jwt_expiry, _pds_endpoint, _service_url
from smmdesk.lib.http import HttpClient, HttpFailure, retry_after_seconds
from smmdesk.sources.base import ACCOUNT, SEARCH, Account, Batch, Field, Item, Source, SourceError

APPVIEW = "https://public.api.bsky.app"
PAGE = 100  # searchPosts and getAuthorFeed: "maximum": 100
SEARCH_PAGES = 3
ACCOUNT_PAGES = 3
OVERLAP = timedelta(minutes=10)
Q_MAX = 500
# https://atproto.com/specs/handle and https://atproto.com/specs/did
_HANDLE = re.compile(r"([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?")
_DID = re.compile(r"did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]")
_POST_URI = re.compile(r"at://([^/]+)/app\.bsky\.feed\.post/([^/]+)")

# Sessions by (service, login, password digest): a worker signs in once per access token
# (about two hours), not on every fetch; createSession is limited to 30 per 5 minutes.
_sessions: dict[tuple[str, str, str], tuple[str, str, datetime | None]] = {}
_sessions_lock = threading.Lock()


class BlueskySource(Source):
    kind = "bluesky"
    title = gettext_lazy("Bluesky")
    modes = frozenset({SEARCH, ACCOUNT})
    needs_key = False
    key_modes: ClassVar[frozenset[str]] = frozenset({SEARCH})
    key_help = gettext_lazy(
        "Bluesky lets only signed-in accounts search posts. In Bluesky open Settings → "
        "Privacy and security → App passwords, add one for smmdesk, and enter it here with "
        "the account's handle. Following an account needs nothing.")
    fields = (
        Field("q", gettext_lazy("Search words"), required=False),
        Field("handle", gettext_lazy("Account to follow"),
              gettext_lazy("For example zerno.bsky.social"), required=False),
        Field("login", gettext_lazy("Your Bluesky handle (for search)"), required=False),
        Field("service", gettext_lazy("Server address (leave empty for bsky.social)"),
              required=False),
        Field("app_password", gettext_lazy("App password (for search)"), required=False,
              secret=True),
    )

    # -- validate and probe -------------------------------------------------------

    def validate(self, config: dict) -> dict:
        return _config(config, resolve=True)

    def probe(self, config: dict, secret: str = "") -> str:
        config = self.validate(config)
        batch = self.fetch(config=config, secret=secret, cursor="", since=None)
        count = len(batch.items)
        if batch.account:
            return ngettext("Bluesky: %(handle)s, %(count)d recent post",
                            "Bluesky: %(handle)s, %(count)d recent posts", count) % {
                "handle": batch.account.handle, "count": count}
        return ngettext("Bluesky search: %(count)d post", "Bluesky search: %(count)d posts",
                        count) % {"count": count}

    # -- fetch ------------------------------------------------------------------------

    def fetch(self, *, config: dict, secret: str, cursor: str, since: datetime | None,
              wanted: Callable[[str], bool] | None = None) -> Batch:
        config = _config(config, resolve=False)
        with HttpClient(secrets=[secret], retries=0) as http:
            if config["mode"] == ACCOUNT:
                return _account(http, config["handle"], cursor, since)
            return _search(http, config, secret, cursor, since)


# -- the modes ------------------------------------------------------------------------


def _search(http: HttpClient, config: dict, password: str, cursor: str,
            since: datetime | None) -> Batch:
    params: dict[str, Any] = {"q": config["q"], "sort": "latest", "limit": PAGE}
    start = _parse_time(cursor) if cursor else None
    if start:
        params["since"] = _iso(start - OVERLAP)
    elif since:
        params["since"] = _iso(since)
    posts: list[dict] = []
    if not password:
        # A visitor gets one page at most: the AppView refuses their cursor.
        posts = _list(_xrpc(http, APPVIEW, "app.bsky.feed.searchPosts", params, visitor=True),
                      "posts")
        return _batch(posts, cursor, since)
    session = _Session(http, config, password)
    for _page in range(SEARCH_PAGES):
        data = session.call("app.bsky.feed.searchPosts", params)
        page = _list(data, "posts")
        posts += page
        if len(page) < PAGE or not data.get("cursor"):
            break
        params = {**params, "cursor": str(data["cursor"])}
    return _batch(posts, cursor, since)


def _account(http: HttpClient, actor: str, cursor: str, since: datetime | None) -> Batch:
    profile = _xrpc(http, APPVIEW, "app.bsky.actor.getProfile", {"actor": actor},
                    missing=_("Bluesky has no account %(handle)s.") % {"handle": "@" + actor})
    did, handle = str(profile.get("did") or ""), str(profile.get("handle") or actor)
    followers = _int(profile.get("followersCount"))
    params: dict[str, Any] = {"actor": did or actor, "filter": "posts_no_replies",
                              "limit": PAGE}
    seen_until = _parse_time(cursor) if cursor else None
    posts: list[dict] = []
    for _page in range(ACCOUNT_PAGES if seen_until else 1):
        data = _xrpc(http, APPVIEW, "app.bsky.feed.getAuthorFeed", params)
        entries = _list(data, "feed")
        # Reposts of others' posts (a "reason") are not the account's own.
        posts += [e["post"] for e in entries if isinstance(e.get("post"), dict)
                  and not e.get("reason")
                  and (not did or (e["post"].get("author") or {}).get("did") == did)]
        times = [_sort_time(e["post"]) for e in entries if isinstance(e.get("post"), dict)]
        oldest = min((t for t in times if t), default=None)
        if (len(entries) < PAGE or not data.get("cursor") or not oldest
                or oldest <= seen_until):
            break
        params = {**params, "cursor": str(data["cursor"])}
    batch = _batch(posts, "", since, followers=followers)
    batch.account = Account(
        handle="@" + handle, name=str(profile.get("displayName") or ""),
        url=f"{APP}/profile/{handle}", followers=followers,
        posts=_int(profile.get("postsCount")))
    return batch


def _batch(posts: list[dict], cursor: str, since: datetime | None, *,
           followers: int | None = None) -> Batch:
    """Items oldest first; the cursor is the newest sort time seen (kept when older)."""
    items, seen, newest = [], set(), _parse_time(cursor) if cursor else None
    for post in sorted(posts, key=lambda p: _sort_time(p) or datetime.min.replace(tzinfo=UTC)):
        when = _sort_time(post)
        if when and (newest is None or when > newest):
            newest = when
        item = post_item(post, followers=followers)
        if item is None or item.external_id in seen:
            continue
        if since and item.published_at and item.published_at < since:
            continue
        seen.add(item.external_id)
        items.append(item)
    return Batch(items=items, cursor=_iso(newest) if newest else cursor)


# -- posts as items (jetstream.py reads records with the same functions) -------------------


def post_item(post: dict, *, followers: int | None = None) -> Item | None:
    """An app.bsky.feed.defs#postView as an Item."""
    author = post.get("author") if isinstance(post.get("author"), dict) else {}
    item = record_item(uri=str(post.get("uri") or ""), cid=str(post.get("cid") or ""),
                       record=post.get("record"), handle=str(author.get("handle") or ""),
                       name=str(author.get("displayName") or ""), embed=post.get("embed"),
                       indexed=post.get("indexedAt"))
    if item is None:
        return None
    return replace(item, author_followers=followers, likes=_int(post.get("likeCount")),
                    comments=_int(post.get("replyCount")),
                    shares=_sum(post.get("repostCount"), post.get("quoteCount")))


def record_item(*, uri: str, cid: str, record: Any, handle: str = "", name: str = "",
                embed: Any = None, indexed: Any = None) -> Item | None:
    """An app.bsky.feed.post record (from a postView or a Jetstream commit) as an Item;
    None for anything that is not a post."""
    match = _POST_URI.fullmatch(uri)
    if not match or not isinstance(record, dict):
        return None
    did, rkey = match.groups()
    who = handle if handle and handle != "handle.invalid" else did
    ref = {"uri": uri, "cid": cid}
    reply = record.get("reply") if isinstance(record.get("reply"), dict) else {}
    root = reply.get("root") if isinstance(reply.get("root"), dict) else None
    langs = record.get("langs") if isinstance(record.get("langs"), list) else []
    return Item(
        external_id=uri, url=f"{APP}/profile/{who}/post/{rkey}",
        text=str(record.get("text") or ""),
        published_at=_parse_time(record.get("createdAt")) or _parse_time(indexed),
        author=name, author_id="@" + handle if handle and who == handle else did,
        author_url=f"{APP}/profile/{who}", language=str(langs[0]) if langs else "",
        kind="reply" if reply else "post",
        media=embed_media(embed if isinstance(embed, dict) else record.get("embed")),
        network="bluesky",
        reply_ref=json.dumps({"ref": ref, "root": {"uri": str(root.get("uri", "")),
                                                   "cid": str(root.get("cid", ""))}
                              if root else ref}, separators=(",", ":")),
        hashtags=hashtags(record))


def embed_media(embed: Any) -> str:
    """An embed (a record's ``app.bsky.embed.*`` or a view's ``...#view``) as a format."""
    if not isinstance(embed, dict):
        return "text"
    kind = str(embed.get("$type") or "").removesuffix("#view")
    if kind == "app.bsky.embed.recordWithMedia":
        return embed_media(embed.get("media"))
    if kind in ("app.bsky.embed.images", "app.bsky.embed.gallery"):
        files = embed.get("images") if kind.endswith("images") else embed.get("items")
        return "album" if isinstance(files, list) and len(files) > 1 else "image"
    if kind == "app.bsky.embed.video":
        return "video"
    if kind == "app.bsky.embed.external":
        return "link"
    return "text"  # a quoted post, or an embed we do not know


def hashtags(record: dict) -> tuple[str, ...]:
    """Tags marked in the text (facets, app.bsky.richtext.facet#tag) and the record's
    own ``tags``, once each, in order."""
    tags: list[str] = []
    for facet in record.get("facets") or []:
        for feature in (facet.get("features") or []) if isinstance(facet, dict) else []:
            if isinstance(feature, dict) and feature.get("$type") == \
                    "app.bsky.richtext.facet#tag" and feature.get("tag"):
                tags.append(str(feature["tag"]))
    tags += [str(t) for t in record.get("tags") or [] if isinstance(t, str)]
    return tuple(dict.fromkeys(tags))


def _sort_time(post: dict) -> datetime | None:
    """The AppView's sortAt: the earlier of createdAt and indexedAt."""
    record = post.get("record") if isinstance(post.get("record"), dict) else {}
    times = [t for t in (_parse_time(record.get("createdAt")),
                         _parse_time(post.get("indexedAt"))) if t]
    return min(times) if times else None


# -- config ---------------------------------------------------------------------------


def _config(config: dict, *, resolve: bool) -> dict:
    """The normalised config; ``resolve`` also checks the server address (when the person
    saves the source; a fetch leaves that to the address guard of each call)."""
    mode = str(config.get("mode") or "").strip().lower() or (
        ACCOUNT if config.get("handle") else SEARCH)
    if mode not in BlueskySource.modes:
        raise SourceError(_("Bluesky: unknown mode “%(mode)s”.") % {"mode": mode})
    if mode == ACCOUNT:
        return {"mode": mode, "handle": _actor(config.get("handle"))}
    q = " ".join(str(config.get("q") or "").split())
    if not q or len(q) > Q_MAX:
        raise SourceError(_("Bluesky: enter the words to search for (at most %(max)d "
                            "characters).") % {"max": Q_MAX})
    out = {"mode": mode, "q": q}
    if str(config.get("login") or "").strip():
        out["login"] = _actor(config["login"])
    service = str(config.get("service") or "").strip()
    if service and not resolve:  # saved normalised; each call's address guard checks it
        out["service"] = service
    elif service:
        try:
            out["service"] = _service_url(service)
        except PermanentError as exc:
            raise SourceError(exc.message) from exc
    return out


def _actor(value: Any) -> str:
    """A handle ("@zerno.bsky.social", a bsky.app profile link) or a DID, normalised."""
    text = str(value or "").strip()
    if text.lower().startswith("https://bsky.app/profile/"):
        text = urlsplit(text).path.split("/")[2] if text.count("/") >= 4 else ""
    text = text.lstrip("@")
    if _DID.fullmatch(text):
        return text
    if _HANDLE.fullmatch(text.lower()) and len(text) <= 253:
        return text.lower()
    raise SourceError(_("Bluesky: “%(handle)s” is not a handle. Write it like "
                        "zerno.bsky.social.") % {"handle": text})


# -- calling XRPC ---------------------------------------------------------------------


class _Session:
    """An access token for ``login`` on ``service`` (cached, see ``_sessions``) and the
    PDS its DID document names, where the queries go."""

    def __init__(self, http: HttpClient, config: dict, password: str):
        if not config.get("login"):
            raise SourceError(_("Bluesky: enter the handle of the account the app password "
                                "belongs to."), auth=True)
        self.http, self.password = http, password
        self.service = config.get("service") or SERVICE
        self.key = (self.service, config["login"],
                    hashlib.sha256(password.encode()).hexdigest())
        self.login = config["login"]

    def call(self, nsid: str, params: dict) -> dict:
        for attempt in (1, 2):
            token, pds = self._token(fresh=attempt == 2)
            try:
                return _xrpc(self.http, pds, nsid, params, token=token)
            except _Expired:
                with _sessions_lock:
                    _sessions.pop(self.key, None)
        raise SourceError(_("Bluesky does not accept the app password of %(handle)s any "
                            "more. Create a new one and save it here.")
                          % {"handle": "@" + self.login}, auth=True)

    def _token(self, *, fresh: bool) -> tuple[str, str]:
        with _sessions_lock:
            cached = _sessions.get(self.key)
        if cached and not fresh and (cached[2] is None
                                     or cached[2] > datetime.now(UTC) + timedelta(minutes=1)):
            self.http.add_secret(cached[0])
            return cached[0], cached[1]
        data = _xrpc(self.http, self.service, "com.atproto.server.createSession",
                     body={"identifier": self.login, "password": self.password}, login=True)
        token = str(data.get("accessJwt") or "")
        if not token:
            raise SourceError(_("Bluesky: the server did not open a session. Check the "
                                "server address."))
        self.http.add_secret(token)
        pds = _pds_endpoint(data.get("didDoc")) or self.service
        with _sessions_lock:
            _sessions[self.key] = (token, pds, _jwt_expiry(token))
        return token, pds


class _Expired(Exception):
    """The access token ran out or was refused: sign in again once."""


def _xrpc(http: HttpClient, base: str, nsid: str, params: dict | None = None, *,
          body: dict | None = None, token: str = "", visitor: bool = False,
          login: bool = False, missing: str = "") -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        if body is not None:
            response = http.request("POST", f"{base}/xrpc/{nsid}", json=body, headers=headers,
                                    idempotent=True)
        else:
            response = http.request("GET", f"{base}/xrpc/{nsid}", params=params,
                                    headers=headers)
    except HttpFailure as exc:
        raise SourceError(_("Bluesky could not be reached. smmdesk will try again later."),
                          transient=True) from exc
    data = _json(response)
    if response.status_code == 200 and data:
        return data
    raise _error(response, data, token=token, visitor=visitor, login=login, missing=missing)


def _error(response: httpx.Response, data: dict, *, token: str, visitor: bool, login: bool,
           missing: str) -> Exception:
    """An unsuccessful XRPC answer ({"error": ..., "message": ...},
    https://atproto.com/specs/xrpc) as a SourceError for the person."""
    status, error = response.status_code, str(data.get("error") or "")
    reason = str(data.get("message") or error or f"HTTP {status}")
    if status == 429 or error == "RateLimitExceeded":
        wait = _reset_wait(response)
        return SourceError(_("Bluesky asks to slow down; smmdesk will try again in "
                             "%(seconds)d seconds.") % {"seconds": round(wait)},
                           transient=True, retry_after=wait)
    if status >= 500:
        return SourceError(_("Bluesky had a problem on its side. smmdesk will try again "
                             "later."), transient=True)
    if visitor and status in (401, 403):
        return SourceError(_("Bluesky lets only signed-in accounts search posts. Add the "
                             "handle of a Bluesky account and an app password of it to this "
                             "source (Bluesky: Settings → Privacy and security → App "
                             "passwords)."), auth=True)
    if login and error == "AuthFactorTokenRequired":
        return SourceError(_("Bluesky asks for a code from your email: this is the account "
                             "password, not an app password. Create an app password in "
                             "Bluesky (Settings → Privacy and security → App passwords) and "
                             "save it here."), auth=True)
    if login and (status == 401 or error in _AUTH_ERRORS):
        return SourceError(_("Bluesky did not accept this handle and app password. Check the "
                             "handle and create a new app password if needed."), auth=True)
    if token and (status == 401 or error in _AUTH_ERRORS):
        return _Expired()
    if error in _INACTIVE:
        return SourceError(_("Bluesky: the account is suspended, deactivated or taken down "
                             "(%(reason)s).") % {"reason": reason})
    if missing and (status == 404 or error in ("NotFound", "InvalidRequest")
                    and "not found" in reason.lower()):
        return SourceError(missing)
    if not data:
        return SourceError(_("Bluesky: the server did not answer like a Bluesky server (HTTP "
                             "%(status)d). smmdesk will try again later.") % {"status": status},
                           transient=True)
    return SourceError(_("Bluesky refused: %(reason)s") % {"reason": reason})


def _reset_wait(response: httpx.Response) -> float:
    """Seconds until RateLimit-Reset (epoch seconds), on the server's clock (its Date
    header) so that our clock's drift does not matter; else Retry-After."""
    reset = response.headers.get("ratelimit-reset", "").strip()
    if not reset.isdigit():
        return retry_after_seconds(response) or 60.0
    try:
        now = parsedate_to_datetime(response.headers.get("date", "")).timestamp()
    except (TypeError, ValueError):
        now = datetime.now(UTC).timestamp()
    return max(1.0, int(reset) - now)


def _list(data: dict, key: str) -> list[dict]:
    value = data.get(key)
    return [x for x in value if isinstance(x, dict)] if isinstance(value, list) else []


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _sum(*values: Any) -> int | None:
    numbers = [n for n in (_int(v) for v in values) if n is not None]
    return sum(numbers) if numbers else None


