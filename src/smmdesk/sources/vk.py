"""VK as a listening source: a community's wall, VK's public post search, and a
competitor community's posts with their counts.

Every mode needs a token: VK answers no anonymous call. The one to give is the *service
token* of a VK app (its settings in VK ID for business): it reads public walls, searches
public posts (``newsfeed.search`` takes only a user or a service token; a community token
gets error 27) and reads communities. It is sent as ``access_token`` in the POST body, so
it never appears in an address, and the HTTP client masks it in every trace.

- ``feed``    ``wall.get`` of one wall (``domain`` or ``owner_id``), every post on it;
- ``search``  ``newsfeed.search`` for ``q``: public posts newest first, paged with
              ``start_from``/``next_from``; VK's index lags behind publishing, so each
              sweep starts an hour before the newest post the last one saw and the
              listening app drops what it already has (by ``external_id``);
- ``account`` ``groups.getById`` (``members_count``: the followers) and the community's
              own posts (``wall.get filter=owner``) with likes, comments, reposts and
              views. The newest page is read on every fetch so counts stay current.

Walls are read newest first by offset; post ids on a wall only grow, so the cursor keeps
the highest id seen and a sweep stops at the first older post (a pinned post, which can
be old, is read but does not stop it). The cursor is a small JSON object the source
alone reads; an unreadable one starts over from ``since``.

Errors (https://dev.vk.com/ru/reference/errors): 5 (and 27/28, a token of the wrong kind)
ask the person for a new token; 6/9/29 wait as long as ``connectors/vk/errors`` waits
for them; 15/18/30 say the wall is closed, deleted or private; 100/113/125 say the
address or the query is wrong.

References (contract fixtures in ``tests/sources/fixtures/vk/``):
https://dev.vk.com/ru/method/wall.get , https://dev.vk.com/ru/method/newsfeed.search ,
https://dev.vk.com/ru/method/groups.getById , https://dev.vk.com/ru/reference/objects/post .
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smmdesk.connectors.vk import API, API_VERSION
from smmdesk.connectors.vk.common import WALL_PAGE, _json
from smmdesk.connectors.vk.errors import _WAITS
from smmdesk.lib.http import HttpClient, HttpFailure
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
    cursor_dump,
    cursor_load,
)

SEARCH_PAGE = 100  # newsfeed.search count (VK serves at most the first 1000 results)
SEARCH_LAG = 3600  # seconds: a sweep starts this long before the newest post seen
AUTHOR_FIELDS = "screen_name,followers_count,members_count"
_HOSTS = ("vk.com", "vk.ru", "m.vk.com", "m.vk.ru", "www.vk.com", "www.vk.ru")
_SCREEN_NAME = re.compile(r"[A-Za-z0-9_.]{2,64}")
_HASHTAG = re.compile(r"#(\w+)")


class VkSource(Source):
    kind = "vk"
    title = gettext_lazy("VK")
    modes = frozenset({FEED, SEARCH, ACCOUNT})
    fields = (
        Field("wall", gettext_lazy("Community or page"), required=False,
              help=gettext_lazy("Its address, such as vk.com/zerno_coffee, or its short "
                                "name (for following a wall or a competitor).")),
        Field("q", gettext_lazy("Search words"), required=False,
              help=gettext_lazy("What VK's post search looks for, such as Зерно кофе.")),
    )
    needs_key = True
    key_help = gettext_lazy(
        "VK answers only with a token. Use your VK app's service token: open the app in VK "
        "ID for business (id.vk.com/about/business/go), and copy the service access key "
        "from its settings. A community token cannot search posts.")

    def validate(self, config: dict) -> dict:
        mode = _mode(config)
        if mode == SEARCH:
            q = " ".join(str(config.get("q") or "").split())
            if not q:
                raise SourceError(gettext_lazy("Enter the words VK should search for."))
            if len(q) > 500:
                raise SourceError(gettext_lazy("The search words are too long for VK."))
            return {"mode": mode, "q": q}
        wall = _wall(config)
        if mode == ACCOUNT and wall.get("owner_id", -1) > 0:
            raise SourceError(gettext_lazy(
                "Competitor figures are read for VK communities only; this address is a "
                "person's page."))
        return {"mode": mode, **wall}

    def fetch(self, *, config: dict, secret: str, cursor: str, since: datetime | None,
              wanted: Callable[[str], bool] | None = None) -> Batch:
        if not secret:
            raise SourceError(_("VK needs the app's service token to read anything. Add it "
                                "to this source."), auth=True)
        config = self.validate(config)
        state = cursor_load(cursor)
        with HttpClient(secrets=[secret]) as http:
            api = _Api(http, secret)
            if config["mode"] == SEARCH:
                return _search(api, config["q"], state, since)
            return _wall_page(api, config, state, since)


# ---------------------------------------------------------------- modes


def _search(api: _Api, q: str, state: dict, since: datetime | None) -> Batch:
    """One page of ``newsfeed.search``. A sweep keeps the ``start_time`` it began with
    while it follows ``next_from``; the next sweep starts ``SEARCH_LAG`` before its top."""
    start = state.get("start")
    if start is None and since is not None:
        start = int(since.timestamp())
    params = {"q": q, "extended": 1, "count": SEARCH_PAGE, "fields": AUTHOR_FIELDS}
    if start is not None:
        params["start_time"] = start
    if state.get("from"):
        params["start_from"] = state["from"]
    body = api.call("newsfeed.search", params)
    items = _items(body)
    top = max([state.get("top") or 0] + [i.published_ts for i in items]) or None
    nxt = str(body.get("next_from") or "")
    if nxt and items:
        cursor = {"start": start, "from": nxt, "top": top}
        return Batch([i.item for i in items], cursor=cursor_dump(cursor), more=True)
    done = {"start": max(top - SEARCH_LAG, start or 0) if top else start}
    return Batch([i.item for i in items], cursor=cursor_dump(done))


def _wall_page(api: _Api, config: dict, state: dict, since: datetime | None) -> Batch:
    """One page of a wall, newest first. ``last``: the highest post id an earlier sweep
    saw; ``offset``/``top``: where this sweep is and the highest id it met."""
    account_mode = config["mode"] == ACCOUNT
    offset = int(state.get("offset") or 0)
    account = None
    if account_mode and offset == 0:
        account = _community(api, config)
    params = {**_owner(config), "filter": "owner" if account_mode else "all",
              "count": WALL_PAGE, "offset": offset, "extended": 1, "fields": AUTHOR_FIELDS}
    body = api.call("wall.get", params)
    posts = _items(body)
    if account is not None:
        account = replace(account, posts=_int(body.get("count")))
    last, floor = state.get("last"), state.get("floor")
    if floor is None and last is None and offset == 0 and since is not None:
        floor = int(since.timestamp())

    def new(p: _Post) -> bool:
        if last is not None:
            return p.post_id > last
        return floor is None or p.published_ts >= floor

    keep = [p for p in posts if new(p) or (account_mode and offset == 0)]
    top = max([state.get("top") or last or 0] + [p.post_id for p in posts]) or None
    reached_old = any(not p.pinned and not new(p) for p in posts)
    total = _int(body.get("count")) or 0
    has_more = offset + len(posts) < total and bool(posts)
    if has_more and not reached_old and (last is not None or floor is not None):
        cursor = {"last": last, "floor": floor, "offset": offset + len(posts), "top": top}
        return Batch([p.item for p in keep], cursor=cursor_dump(cursor), more=True, account=account)
    return Batch([p.item for p in keep], cursor=cursor_dump({"last": top}), account=account)


def _community(api: _Api, config: dict) -> Account:
    ref = config.get("domain") or str(abs(int(config["owner_id"])))
    body = api.call("groups.getById", {"group_id": ref, "fields": "members_count"})
    groups = body.get("groups") if isinstance(body, dict) else body  # 5.194+: an object
    group = groups[0] if isinstance(groups, list) and groups else {}
    if not isinstance(group, dict) or not group.get("id"):
        raise SourceError(_("VK has no community at this address."))
    if group.get("deactivated"):
        raise SourceError(_("This VK community was deleted or blocked."))
    handle = str(group.get("screen_name") or f"club{group['id']}")
    return Account(handle=handle, name=str(group.get("name") or ""),
                   url=f"https://vk.com/{handle}", followers=_int(group.get("members_count")))


# ---------------------------------------------------------------- posts


class _Post:
    """A post as an ``Item``, with what the paging needs beside it."""

    def __init__(self, post: dict, authors: dict[int, dict]):
        owner, pid = _int(post.get("owner_id")) or 0, _int(post.get("id")) or 0
        self.post_id = pid
        self.published_ts = _int(post.get("date")) or 0
        self.pinned = bool(post.get("is_pinned"))
        text = _text(post)
        name, handle, url, followers = _author(_int(post.get("from_id")) or owner, authors)
        self.item = Item(
            external_id=f"{owner}_{pid}", url=f"https://vk.com/wall{owner}_{pid}",
            text=text, published_at=datetime.fromtimestamp(self.published_ts, UTC),
            author=name, author_id=handle, author_url=url, author_followers=followers,
            kind="post", media=_media(post), likes=_count(post, "likes"),
            comments=_count(post, "comments"), shares=_count(post, "reposts"),
            views=_count(post, "views"), network="vk", reply_ref=f"{owner}_{pid}",
            hashtags=tuple(dict.fromkeys(t.split("@")[0] for t in _HASHTAG.findall(text))))


def _items(body: dict) -> list[_Post]:
    authors = {}
    for profile in body.get("profiles") or []:
        authors[_int(profile.get("id")) or 0] = profile
    for group in body.get("groups") or []:
        authors[-(_int(group.get("id")) or 0)] = group
    return [_Post(p, authors) for p in body.get("items") or [] if isinstance(p, dict)
            and p.get("id") and p.get("owner_id")]


def _text(post: dict) -> str:
    """The post's text, and the text of the post it shares (a repost spreads a mention)."""
    parts = [str(post.get("text") or "")]
    for shared in post.get("copy_history") or []:
        if isinstance(shared, dict) and shared.get("text"):
            parts.append(str(shared["text"]))
    return "\n\n".join(p for p in parts if p)


def _author(from_id: int, authors: dict[int, dict]) -> tuple[str, str, str, int | None]:
    who = authors.get(from_id) or {}
    if from_id > 0:
        name = " ".join(str(who.get(k) or "") for k in ("first_name", "last_name")).strip()
        handle = str(who.get("screen_name") or f"id{from_id}")
        followers = _int(who.get("followers_count"))
    else:
        name = str(who.get("name") or "")
        handle = str(who.get("screen_name") or f"club{-from_id}")
        followers = _int(who.get("members_count"))
    return name, handle, f"https://vk.com/{handle}", followers


def _media(post: dict) -> str:
    """The format of a post by its attachments: several photos or videos make an album.
    A repost without attachments of its own has the format of the post it shares."""
    attachments = post.get("attachments") or []
    shared = post.get("copy_history") or []
    if not attachments and shared and isinstance(shared[0], dict):
        attachments = shared[0].get("attachments") or []
    kinds = [a.get("type") for a in attachments if isinstance(a, dict)]
    visual = [k for k in kinds if k in ("photo", "video", "clip")]
    if len(visual) > 1:
        return "album"
    if visual:
        return "image" if visual[0] == "photo" else "video"
    if "link" in kinds:
        return "link"
    return "text"


def _count(post: dict, name: str) -> int | None:
    part = post.get(name)
    return _int(part.get("count")) if isinstance(part, dict) else None


# ---------------------------------------------------------------- config


def _mode(config: dict) -> str:
    mode = str(config.get("mode") or (SEARCH if config.get("q") else FEED))
    if mode not in VkSource.modes:
        raise SourceError(gettext_lazy("VK sources follow a wall, search posts or read a "
                                       "competitor's community."))
    return mode


def _wall(config: dict) -> dict:
    """{"domain": "zerno_coffee"} or {"owner_id": -218765432} from what a person typed:
    a link (vk.com/…, https://m.vk.com/…), @name, name, club123/public123, id123, -123."""
    if config.get("owner_id") not in (None, ""):
        return _wall_ref(str(config["owner_id"]))
    raw = str(config.get("wall") or config.get("domain") or "").strip()
    if not raw:
        raise SourceError(gettext_lazy("Enter the VK community or page, such as "
                                       "vk.com/zerno_coffee."))
    if "/" in raw or raw.lower().startswith(_HOSTS):
        parts = urlsplit(raw if "//" in raw else f"https://{raw}")
        if (parts.hostname or "").lower() not in _HOSTS:
            raise SourceError(gettext_lazy("This is not a VK address. Enter one such as "
                                           "vk.com/zerno_coffee."))
        raw = parts.path.strip("/").split("/")[0] if parts.path.strip("/") else ""
    return _wall_ref(raw.removeprefix("@"))


def _wall_ref(ref: str) -> dict:
    if re.fullmatch(r"-?\d{1,19}", ref) and int(ref) != 0:
        return {"owner_id": int(ref)}
    community = re.fullmatch(r"(?:club|public|event)(\d{1,19})", ref)
    if community:
        return {"owner_id": -int(community.group(1))}
    person = re.fullmatch(r"id(\d{1,19})", ref)
    if person:
        return {"owner_id": int(person.group(1))}
    if ref.startswith("wall"):
        raise SourceError(gettext_lazy("This is a link to one post. Enter the address of "
                                       "the community or page instead."))
    if not _SCREEN_NAME.fullmatch(ref):
        raise SourceError(gettext_lazy("This does not look like a VK community or page. "
                                       "Enter an address such as vk.com/zerno_coffee."))
    return {"domain": ref.lower()}


def _owner(config: dict) -> dict:
    if config.get("owner_id") is not None:
        return {"owner_id": config["owner_id"]}
    return {"domain": config["domain"]}


# ---------------------------------------------------------------- calling VK


class _Api:
    def __init__(self, http: HttpClient, token: str):
        self.http = http
        self.token = token

    def call(self, method: str, params: dict) -> dict:
        """POST https://api.vk.com/method/<method>; the answer's ``response``."""
        form = {"v": API_VERSION, "access_token": self.token}
        form |= {k: str(v) for k, v in params.items() if v is not None}
        try:
            response = self.http.request("POST", f"{API}/{method}", data=form,
                                         idempotent=True)
        except HttpFailure as exc:
            raise SourceError(_("VK could not be reached. smmdesk will try again."),
                              transient=True) from exc
        body = _json(response)
        err = body.get("error")
        if isinstance(err, dict):
            raise _error(_int(err.get("error_code")) or 0, str(err.get("error_msg") or ""))
        if response.status_code >= 500 or "response" not in body:
            raise SourceError(_("VK had a problem on its side. smmdesk will try again."),
                              transient=True)
        result = body["response"]
        return result if isinstance(result, dict) else {"groups": result}


def _error(code: int, msg: str) -> SourceError:
    """One VK error (https://dev.vk.com/ru/reference/errors) as the person reads it."""
    reason = {"reason": msg or f"error {code}", "code": code}
    if code == 5:
        return SourceError(_("VK did not accept the token (%(reason)s). Copy the service "
                             "token of your VK app again and save it in this source.")
                           % reason, auth=True)
    if code in (27, 28):
        return SourceError(_("VK does not let this kind of token read posts (%(reason)s). "
                             "Use your VK app's service token instead.") % reason, auth=True)
    if code in (6, 9, 29):
        return SourceError(_("VK asks smmdesk to slow down (%(reason)s); it will try again "
                             "later.") % reason, transient=True, retry_after=_WAITS[code][1])
    if code in (1, 10):
        return SourceError(_("VK had a problem on its side. smmdesk will try again."),
                           transient=True)
    texts = {
        15: _("VK refused access to this wall (%(reason)s): the community is closed or "
              "its wall is hidden. smmdesk reads open walls only."),
        18: _("This VK page was deleted or blocked (%(reason)s)."),
        30: _("This VK profile is private (%(reason)s). smmdesk reads public pages only."),
        100: _("VK refused the request (%(reason)s). Check the address or the search words "
               "of this source."),
        113: _("VK has no page at this address (%(reason)s)."),
        125: _("VK has no community at this address (%(reason)s)."),
    }
    text = texts.get(code) or _("VK refused: %(reason)s (error %(code)d).")
    return SourceError(text % reason)


# ---------------------------------------------------------------- helpers




def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
