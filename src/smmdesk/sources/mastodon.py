"""Mastodon as a listening source: a hashtag, a server's public timeline, post search, and
one account's posts for competitor benchmarking.

Every call goes to the server the person named (``config["server"]``), through the
Mastodon REST API (https://docs.joinmastodon.org/methods/). What needs what:

- ``feed`` with ``{"tag": "кофе"}`` (GET /api/v1/timelines/tag/:hashtag) or
  ``{"timeline": "public" | "local"}`` (GET /api/v1/timelines/public): public; a server
  that closed its live feeds to visitors (4.5's access settings) answers 401 or an empty
  list, and then an access token of an account there is needed.
- ``search`` with ``{"q": ...}`` (GET /api/v2/search?type=statuses): without a user token
  Mastodon searches accounts and hashtags but answers no posts at all (and 401 to the
  options a visitor may not use), so this mode needs an access token (``secret``, scope
  ``read:search``); we say so before asking. Full-text search also needs the server to run
  Elasticsearch/OpenSearch, and finds only posts whose authors allowed indexing
  ("indexable") or that the token's account interacted with.
- ``account`` with ``{"acct": "zerno@mastodon.social"}`` (GET /api/v1/accounts/lookup,
  then GET /api/v1/accounts/:id/statuses without replies and boosts): public. Asked on the
  account's own server unless the person named another: only the home server knows all of
  its posts and its real follower count.

Why the cursor overlaps: Mastodon ids are snowflakes of the post's time, and a post that
federates late gets the id of its *published* time (``Mastodon::Snowflake.id_at``), i.e.
older than posts we have already read. Asking strictly for ids above the last one seen
would lose such posts, so each fetch asks again for the last ten minutes' worth of ids
(``since_id``), newest first, following the ``Link`` header's next page down to it. The
repeats carry the same ``external_id`` (the status's ActivityPub ``uri``) and are stored
once. ``account`` mode reads the newest posts again on every fetch on purpose: their
favourites and boosts keep growing after they are posted, and benchmarking needs the
figures of today, not of the first sighting.

``reply_ref`` is the status's ``uri``. To answer it from one of our Mastodon channels, the
channel's server must know the status: GET /api/v2/search?q=<uri>&resolve=true&type=statuses
with the channel's token gives its id there, which ``MastodonConnector.reply`` needs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

import httpx
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from smmdesk.connectors.mastodon.text import _id_order, _spoiled, _when
from smmdesk.lib import netguard
from smmdesk.lib.http import HttpClient, HttpFailure, retry_after_seconds
from smmdesk.lib.links import safe_http_url
from smmdesk.sources.base import (
    ACCOUNT,
    FEED,
    SEARCH,
    Account,
    Batch,
    Field,
    Item,
    Source,
    SourceError,
)

PAGE = 40  # "Defaults to 20 statuses. Max 40 statuses." (timelines, account statuses, search)
MAX_PAGES = 5  # a feed fetch reads at most 200 statuses
ACCOUNT_PAGES = 3  # an account fetch re-reads at most its 120 newest posts
OVERLAP = timedelta(minutes=10)  # see the module: late federation keeps old ids
Q_MAX = 500
_HOST = re.compile(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
                   r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# Account::USERNAME_RE: letters, digits and underscores, dots and dashes inside.
_USERNAME = re.compile(r"[a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?", re.I)
# Tag::HASHTAG_NAME_RE, loosely: word characters, "_" and the middle dot.
_TAG = re.compile(r"[\w·]+")
_NEXT = re.compile(r"<([^>]+)>\s*;\s*rel=\"?next\"?")


class MastodonSource(Source):
    kind = "mastodon"
    title = gettext_lazy("Mastodon")
    modes = frozenset({FEED, SEARCH, ACCOUNT})
    # Only ``search`` needs a token (see the module); the others work without one.
    needs_key = False
    key_modes: ClassVar[frozenset[str]] = frozenset({SEARCH})
    key_help = gettext_lazy(
        "Post search on Mastodon works only for signed-in users. On your server open "
        "Preferences → Development → New application, allow “read:search” and "
        "“read:statuses”, save, and paste “Your access token” here. Hashtags, timelines "
        "and accounts need no token.")
    fields = (
        Field("server", gettext_lazy("Server"),
              gettext_lazy("For example mastodon.social. For an account, its own server is "
                           "used when this is empty."), required=False),
        Field("tag", gettext_lazy("Hashtag"), gettext_lazy("Without the #, e.g. кофе"),
              required=False),
        Field("timeline", gettext_lazy("Timeline"),
              gettext_lazy("“public” (everything the server sees) or “local” (its own "
                           "users)"), required=False),
        Field("q", gettext_lazy("Search words"), required=False),
        Field("acct", gettext_lazy("Account"), gettext_lazy("For example zerno@mastodon.social"),
              required=False),
        Field("token", gettext_lazy("Access token"), gettext_lazy("Needed for search only"),
              required=False, secret=True),
    )

    # -- validate and probe -------------------------------------------------------

    def validate(self, config: dict) -> dict:
        return _config(config, resolve=True)

    def probe(self, config: dict, secret: str = "") -> str:
        """The server's instance document (GET /api/v2/instance, or /api/v1/instance on
        servers older than 4.0), then one fetch."""
        config = self.validate(config)
        with HttpClient(secrets=[secret], retries=0) as http:
            response = _get(http, config["server"], "/api/v2/instance", token=secret,
                            ok=(200, 404))
            if response.status_code == 404:
                response = _get(http, config["server"], "/api/v1/instance", token=secret,
                                ok=(200, 404))
            instance = _json(response, config["server"]) if response.status_code == 200 else {}
            if not isinstance(instance, dict) or not (instance.get("version")
                                                      or instance.get("title")):
                raise SourceError(_("Mastodon: %(server)s does not look like a Mastodon "
                                    "server. Check the address.") % {"server": config["server"]})
        batch = self.fetch(config=config, secret=secret, cursor="", since=None)
        count = len(batch.items)
        return ngettext("%(software)s %(version)s at %(server)s: %(count)d post",
                        "%(software)s %(version)s at %(server)s: %(count)d posts", count) % {
            "software": instance.get("title") or "Mastodon",
            "version": str(instance.get("version") or "").split(" ")[0],
            "server": config["server"], "count": count}

    # -- fetch ------------------------------------------------------------------------

    def fetch(self, *, config: dict, secret: str, cursor: str, since: datetime | None,
              wanted: Callable[[str], bool] | None = None) -> Batch:
        config = _config(config, resolve=False)
        mode, server = config["mode"], config["server"]
        if mode == SEARCH and not secret:
            raise SourceError(_("Mastodon shows search results for posts only to signed-in "
                                "users. Add an access token of an account on %(server)s to "
                                "this source.") % {"server": server}, auth=True)
        with HttpClient(secrets=[secret], retries=0) as http:
            if mode == ACCOUNT:
                return _account(http, config, secret, cursor, since)
            if mode == SEARCH:
                statuses = _search(http, config, secret, cursor)
            else:
                statuses = _feed(http, config, secret, cursor)
        return _batch(statuses, server, cursor, since)


# -- the modes ------------------------------------------------------------------------


def _feed(http: HttpClient, config: dict, token: str, cursor: str) -> list[dict]:
    """Newest first, down to ``cursor`` less the overlap (``since_id``)."""
    if "tag" in config:
        path, params = f"/api/v1/timelines/tag/{quote(config['tag'], safe='')}", {}
    else:
        path = "/api/v1/timelines/public"
        params = {"local": "true"} if config["timeline"] == "local" else {}
    if cursor:
        params["since_id"] = _overlap(cursor)
    missing = _("Mastodon: %(server)s has no such hashtag.") % {"server": config["server"]}
    return _pages(http, config["server"], path, params, token, cursor, missing=missing)


def _search(http: HttpClient, config: dict, token: str, cursor: str) -> list[dict]:
    """Statuses matching ``q``. Since 4.2 the results come newest first and ``min_id``
    is a lower bound on them, so it serves as ``since_id`` does for timelines."""
    params: dict[str, Any] = {"q": config["q"], "type": "statuses"}
    if cursor:
        params["min_id"] = _overlap(cursor)
    return _pages(http, config["server"], "/api/v2/search", params, token, cursor,
                  key="statuses")


def _pages(http: HttpClient, server: str, path: str, params: dict, token: str, cursor: str,
           *, key: str = "", missing: str = "") -> list[dict]:
    """A first fetch reads one page; later ones go back page by page (the Link header's
    next page, else max_id = the oldest id read) until a page is not full."""
    params = {**params, "limit": PAGE}
    statuses: list[dict] = []
    for _page in range(MAX_PAGES if cursor else 1):
        response = _get(http, server, path, params=params, token=token, missing=missing)
        page = _list(response, server, key)
        statuses += page
        older = _next_max_id(response, page)
        if len(page) < PAGE or not older:
            break
        params = {**params, "max_id": older}
    return statuses


def _account(http: HttpClient, config: dict, token: str, cursor: str,
             since: datetime | None) -> Batch:
    server = config["server"]
    gone = _("Mastodon: %(server)s has no account %(acct)s.") % {"server": server,
                                                               "acct": config["acct"]}
    username, _at, domain = config["acct"].partition("@")
    local = not domain or domain == server  # the server's own account: by its local name
    response = _get(http, server, "/api/v1/accounts/lookup",
                    params={"acct": username if local else config["acct"]}, token=token,
                    missing=gone)
    account = _json(response, server)
    if not isinstance(account, dict) or not account.get("id"):
        raise SourceError(gone)
    params: dict[str, Any] = {"exclude_replies": "true", "exclude_reblogs": "true",
                              "limit": PAGE}
    statuses: list[dict] = []
    for _page in range(ACCOUNT_PAGES if cursor else 1):
        response = _get(http, server, f"/api/v1/accounts/{quote(str(account['id']))}/statuses",
                        params=params, token=token, missing=gone)
        page = _list(response, server)
        statuses += page
        older = _next_max_id(response, page)
        # Further back only while this page has not reached what the last fetch saw.
        if len(page) < PAGE or not older or _id_order(older) <= _id_order(cursor):
            break
        params = {**params, "max_id": older}
    batch = _batch(statuses, server, "", since)
    acct = str(account.get("acct") or config["acct"])
    batch.account = Account(
        handle=_handle(acct, server), name=str(account.get("display_name") or ""),
        url=safe_http_url(account.get("url")), followers=_int(account.get("followers_count")),
        posts=_int(account.get("statuses_count")))
    return batch


def _batch(statuses: list[dict], server: str, cursor: str, since: datetime | None) -> Batch:
    """Items oldest first; the cursor is the newest id seen (kept when none came)."""
    ordered = sorted((s for s in statuses if s.get("id")), key=lambda s: _id_order(s["id"]))
    newest = str(ordered[-1]["id"]) if ordered else cursor
    if cursor and newest and _id_order(newest) < _id_order(cursor):
        newest = cursor
    items, seen = [], set()
    for status in ordered:
        item = _item(status, server)
        if item is None or item.external_id in seen:
            continue
        if since and item.published_at and item.published_at < since:
            continue
        seen.add(item.external_id)
        items.append(item)
    return Batch(items=items, cursor=newest)


# -- a status as an item --------------------------------------------------------------


def _item(status: dict, server: str) -> Item | None:
    """A public status as an Item; boosts and followers-only or direct posts (which a
    token may let us see) are not listening material."""
    if status.get("reblog") or status.get("visibility") in ("private", "direct"):
        return None
    account = status.get("account") if isinstance(status.get("account"), dict) else {}
    uri = str(status.get("uri") or "")
    tags = status.get("tags") if isinstance(status.get("tags"), list) else []
    return Item(
        external_id=uri or f"https://{server}/statuses/{status['id']}",
        url=safe_http_url(status.get("url")) or safe_http_url(uri),
        text=_spoiled(status),
        published_at=_time(status.get("created_at")),
        author=str(account.get("display_name") or account.get("username") or ""),
        author_id=_handle(str(account.get("acct") or ""), server),
        author_url=safe_http_url(account.get("url")),
        author_followers=_int(account.get("followers_count")),
        language=str(status.get("language") or ""),
        kind="reply" if status.get("in_reply_to_id") else "post",
        media=_media(status),
        likes=_int(status.get("favourites_count")),
        comments=_int(status.get("replies_count")),
        shares=_int(status.get("reblogs_count")),
        network="mastodon",
        reply_ref=uri or safe_http_url(status.get("url")),
        hashtags=tuple(str(t.get("name")) for t in tags if isinstance(t, dict) and t.get("name")),
    )


def _media(status: dict) -> str:
    files = [m for m in status.get("media_attachments") or [] if isinstance(m, dict)]
    kinds = [m.get("type") for m in files]
    if "video" in kinds or "gifv" in kinds:
        return "video"
    images = kinds.count("image")
    if images:
        return "album" if images > 1 else "image"
    return "link" if status.get("card") else "text"


def _handle(acct: str, server: str) -> str:
    """@user@server, whether the server wrote the account as local or remote."""
    if not acct:
        return ""
    return f"@{acct}" if "@" in acct else f"@{acct}@{server}"


def _time(value: Any) -> datetime | None:
    try:
        when = _when(str(value))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


# -- config ---------------------------------------------------------------------------


def _config(config: dict, *, resolve: bool) -> dict:
    """The normalised config; ``resolve`` also checks the server's addresses (when the
    person saves the source: a fetch leaves that to the address guard of each call, so
    that a passing DNS failure is a transient one)."""
    mode = _mode(config)
    out: dict[str, Any] = {"mode": mode}
    if mode == FEED:
        if str(config.get("tag") or "").strip():
            out["tag"] = _tag(config["tag"])
        else:
            timeline = str(config.get("timeline") or "").strip().lower()
            if timeline not in ("public", "local"):
                raise SourceError(_("Mastodon: give a hashtag, or the timeline “public” "
                                    "or “local”."))
            out["timeline"] = timeline
    elif mode == SEARCH:
        q = " ".join(str(config.get("q") or "").split())
        if not q or len(q) > Q_MAX:
            raise SourceError(_("Mastodon: enter the words to search for (at most "
                                "%(max)d characters).") % {"max": Q_MAX})
        out["q"] = q
    else:
        username, domain = _acct(config.get("acct"))
        out["acct"] = f"{username}@{domain}" if domain else username
        config = {**config, "server": config.get("server") or domain}
    out["server"] = _server(config.get("server"), resolve=resolve)
    return out


def _mode(config: dict) -> str:
    mode = str(config.get("mode") or "").strip().lower()
    if not mode:
        mode = (ACCOUNT if config.get("acct") else SEARCH if config.get("q") else FEED)
    if mode not in MastodonSource.modes:
        raise SourceError(_("Mastodon: unknown mode “%(mode)s”.") % {"mode": mode})
    return mode


def _server(value: Any, *, resolve: bool = True) -> str:
    """A host name (IDN to punycode) with only public addresses; https is implied."""
    text = str(value or "").strip().lower().removeprefix("https://").rstrip("/")
    try:
        host = text.encode("idna").decode("ascii")
    except UnicodeError:
        host = ""
    if not host or not _HOST.fullmatch(host):
        raise SourceError(_("Mastodon: “%(server)s” is not a server name. Enter the server's "
                            "address, for example mastodon.social.") % {"server": text})
    if not resolve:
        return host
    try:
        netguard.checked_addresses(host, 443)
    except netguard.BlockedAddress as exc:
        # Refused and unreachable read the same (lib/netguard.py); the log says which.
        raise SourceError(_("Mastodon: could not reach the server “%(server)s”. Check the "
                            "address, for example mastodon.social.") % {"server": host}) from exc
    return host


def _tag(value: Any) -> str:
    tag = str(value or "").strip().lstrip("#").strip()
    if not tag or len(tag) > 100 or not _TAG.fullmatch(tag):
        raise SourceError(_("Mastodon: “%(tag)s” is not a hashtag. Use letters, digits and "
                            "underscores, without spaces, e.g. кофе.") % {"tag": tag})
    return tag


def _acct(value: Any) -> tuple[str, str]:
    """"@zerno@mastodon.social", "zerno@mastodon.social", "zerno" or a profile link
    (https://mastodon.social/@zerno) -> ("zerno", "mastodon.social")."""
    text = str(value or "").strip()
    if text.lower().startswith("https://"):
        parts = urlsplit(text)
        path = parts.path.strip("/")
        text = f"{path}@{parts.hostname}" if path.startswith("@") and "/" not in path else ""
    username, _at, domain = text.lstrip("@").partition("@")
    if not _USERNAME.fullmatch(username) or (_at and not domain):
        raise SourceError(_("Mastodon: “%(acct)s” is not an account address. Write it as "
                            "name@server, e.g. zerno@mastodon.social.") % {"acct": text})
    return username, domain.lower()


# -- calling the API ------------------------------------------------------------------


def _get(http: HttpClient, server: str, path: str, *, params: dict | None = None,
         token: str = "", ok: tuple[int, ...] = (200,), missing: str = "") -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = http.request("GET", f"https://{server}{path}", params=params,
                                headers=headers)
    except HttpFailure as exc:
        raise SourceError(_("Mastodon: %(server)s could not be reached. smmdesk will try "
                            "again later.") % {"server": server}, transient=True) from exc
    if response.status_code in ok:
        return response
    raise _error(response, server, token, missing)


def _error(response: httpx.Response, server: str, token: str, missing: str) -> SourceError:
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = {}
    reason = str((body.get("error") if isinstance(body, dict) else "") or f"HTTP {status}")
    if status == 401:
        if token:
            return SourceError(_("Mastodon: %(server)s no longer accepts this source's access "
                                 "token (%(reason)s). Create a new one and save it here.")
                               % {"server": server, "reason": reason}, auth=True)
        return SourceError(_("Mastodon: %(server)s shows this only to signed-in users. Add an "
                             "access token of an account on %(server)s to this source.")
                           % {"server": server}, auth=True)
    if status == 429:
        wait = _reset_wait(response)
        return SourceError(_("Mastodon: %(server)s asks to slow down; smmdesk will try again "
                             "in %(seconds)d seconds.") % {"server": server,
                                                           "seconds": round(wait)},
                           transient=True, retry_after=wait)
    if status in (404, 410) and missing:
        return SourceError(missing)
    if status >= 500:
        return SourceError(_("Mastodon: %(server)s had a problem on its side. smmdesk will try "
                             "again later.") % {"server": server}, transient=True)
    return SourceError(_("Mastodon: %(server)s refused: %(reason)s")
                       % {"server": server, "reason": reason})


def _reset_wait(response: httpx.Response) -> float:
    """Seconds until X-RateLimit-Reset (an ISO time), counted on the server's clock
    (its Date header) so that our clock's drift does not matter; else Retry-After."""
    try:
        reset = datetime.fromisoformat(response.headers.get("x-ratelimit-reset", "")
                                       .replace("Z", "+00:00"))
    except ValueError:
        return retry_after_seconds(response) or 300.0
    try:
        now = parsedate_to_datetime(response.headers.get("date", ""))
    except (TypeError, ValueError):
        now = datetime.now(UTC)
    return max(1.0, (reset - now).total_seconds())


def _json(response: httpx.Response, server: str) -> Any:
    try:
        return response.json()
    except ValueError:  # a proxy's page instead of the API's JSON
        raise SourceError(_("Mastodon: %(server)s did not answer like a Mastodon server. "
                            "smmdesk will try again later.") % {"server": server},
                          transient=True) from None


def _list(response: httpx.Response, server: str, key: str = "") -> list[dict]:
    data = _json(response, server)
    if key:
        data = data.get(key) if isinstance(data, dict) else None
    return [s for s in data if isinstance(s, dict)] if isinstance(data, list) else []


def _next_max_id(response: httpx.Response, page: list[dict]) -> str:
    """The next (older) page's max_id from the Link header, else the oldest id here.
    Only the id is taken: the page is asked for on our server, whatever the link says."""
    match = _NEXT.search(response.headers.get("link", ""))
    if match:
        value = httpx.URL(match.group(1)).params.get("max_id")
        if value:
            return value
    ids = [str(s["id"]) for s in page if s.get("id")]
    return min(ids, key=_id_order) if ids else ""


def _overlap(cursor: str) -> str:
    """``cursor`` less ten minutes of snowflake ids (milliseconds << 16). Ids that are
    not numbers (GoToSocial's ULIDs, Akkoma's flake ids) are used as they are."""
    if not cursor.isdigit():
        return cursor
    return str(max(0, int(cursor) - (int(OVERLAP.total_seconds() * 1000) << 16)))
