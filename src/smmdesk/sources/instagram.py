"""Instagram as a competitor source: another professional account's follower count and
posts with their likes and comments, through Business Discovery.

Meta offers no public search or feed of foreign accounts; Business Discovery is the one
door: our own connected Instagram professional account asks about another one by
username (``GET /{our-ig-user-id}?fields=business_discovery.username(theirs){...}``).
So this source has no key of its own: the ``secret`` is the access token of the
connected Instagram channel whose id is ``config["ig_user_id"]`` (the competitors app
looks it up), sent as ``access_token`` with the ``appsecret_proof`` the Meta connector
adds when the deployment has the app secret. The Graph API version is the connectors'
(``connectors/meta.GRAPH``).

Only ``account`` mode: the account's figures and its newest 25 media on every fetch (so
counts stay current), older pages with ``media.after(cursor)`` only while a sweep goes
back to the last one's newest post (or ``since``). Likes are missing (None) where the
owner hid them.

Business Discovery answers only for business and creator accounts: a personal account
and a username nobody has get the same error (code 110, subcode 2207013), said so to the
person. Other Graph API errors are classified by ``connectors/meta.graph_error``.

References (contract fixtures in ``tests/sources/fixtures/instagram/``), under
https://developers.facebook.com/docs/instagram-platform/ :
instagram-graph-api/reference/ig-user/business_discovery ,
instagram-api-with-facebook-login/business-discovery ,
instagram-graph-api/reference/error-codes .
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smmdesk.connectors.base import PermanentError, TransientError
from smmdesk.connectors.meta import (
    _DEFAULT_THROTTLE_WAIT,
    GRAPH,
    _int,
    _json,
    app_secret,
    graph_error,
    graph_time,
)
from smmdesk.lib.http import HttpClient, HttpFailure
from smmdesk.sources.base import (
    ACCOUNT,
    Account,
    Batch,
    Field,
    Item,
    Source,
    SourceError,
    cursor_dump,
    cursor_load,
    epoch,
)

MEDIA_PAGE = 25
MEDIA_FIELDS = ("id,caption,like_count,comments_count,media_type,media_product_type,"
                "permalink,timestamp")
_USERNAME = re.compile(r"[a-z0-9._]{1,30}")
_HOSTS = ("instagram.com", "www.instagram.com", "m.instagram.com")
_HASHTAG = re.compile(r"#(\w+)")
_NOT_DISCOVERABLE = frozenset({110, 24})
_MEDIA = {"IMAGE": "image", "VIDEO": "video", "CAROUSEL_ALBUM": "album"}


class InstagramSource(Source):
    kind = "instagram"
    title = gettext_lazy("Instagram")
    modes = frozenset({ACCOUNT})
    fields = (
        Field("username", gettext_lazy("Competitor's Instagram account"),
              help=gettext_lazy("Its username or link, such as @zerno or "
                                "instagram.com/zerno. It must be a business or creator "
                                "account.")),
        Field("ig_user_id", gettext_lazy("Your Instagram account that asks"),
              help=gettext_lazy("One of your connected Instagram professional accounts: "
                                "Instagram shows other accounts' figures only through one.")),
    )
    needs_key = False  # the connected channel's token is the secret
    # Business Discovery counts against our account's hourly Graph API budget, and a
    # competitor's figures change slowly: once an hour is enough.
    every = timedelta(hours=1)
    key_help = gettext_lazy("Uses the access of a connected Instagram professional account; "
                            "connect one under Channels first.")

    def validate(self, config: dict) -> dict:
        if str(config.get("mode") or ACCOUNT) != ACCOUNT:
            raise SourceError(gettext_lazy("Instagram can only be followed as a competitor's "
                                           "account."))
        ours = str(config.get("ig_user_id") or "").strip()
        if not ours.isdigit():
            raise SourceError(gettext_lazy("Choose which of your connected Instagram accounts "
                                           "asks Instagram for the figures."))
        return {"mode": ACCOUNT, "ig_user_id": ours,
                "username": _username(str(config.get("username") or ""))}

    def fetch(self, *, config: dict, secret: str, cursor: str, since: datetime | None,
              wanted: Callable[[str], bool] | None = None) -> Batch:
        if not secret:
            raise SourceError(_("Instagram figures are read through a connected Instagram "
                                "account, and this source has none. Connect the account "
                                "again under Channels."), auth=True)
        config = self.validate(config)
        state = cursor_load(cursor)
        with HttpClient(secrets=[secret]) as http:
            found = _discover(http, secret, config, state.get("after"))
        return _batch(found, state, since)


def _discover(http: HttpClient, token: str, config: dict, after: str | None) -> dict:
    media = "media" + (f".after({after})" if after else "") + f".limit({MEDIA_PAGE})"
    fields = (f"business_discovery.username({config['username']})"
              f"{{username,name,followers_count,media_count,{media}{{{MEDIA_FIELDS}}}}}")
    params = {"fields": fields, "access_token": token}
    secret = app_secret()
    if secret:
        params["appsecret_proof"] = hmac.new(secret.encode(), token.encode(),
                                             hashlib.sha256).hexdigest()
    try:
        response = http.request("GET", f"{GRAPH}/{config['ig_user_id']}", params=params)
    except HttpFailure as exc:
        raise SourceError(_("Instagram could not be reached. smmdesk will try again."),
                          transient=True) from exc
    body = _json(response)
    if response.status_code < 300 and body and isinstance(body.get("business_discovery"),
                                                          dict):
        return body["business_discovery"]
    raise _error(response, body, config["username"], config["ig_user_id"])


def _batch(found: dict, state: dict, since: datetime | None) -> Batch:
    """The account's figures and one page of its media. The first page of a sweep comes
    back whole; a page after it only as far as the bound the cursor carries."""
    account = _account(found)
    media = found.get("media") or {}
    posts = [_item(m, account) for m in media.get("data") or [] if m.get("id")]
    first = not state.get("after")
    last = state.get("last")
    floor = last if last is not None else (int(since.timestamp()) if since else None)
    older = {p.external_id for p in posts
             if floor is not None and epoch(p.published_at) <= floor}
    keep = posts if first else [p for p in posts if p.external_id not in older]
    top = max([state.get("top") or last or 0] + [epoch(p.published_at) for p in posts]) or None
    paging = media.get("paging") or {}
    after = (paging.get("cursors") or {}).get("after")
    # a nested edge carries cursors and not always a "next" link: a full page may have more
    more = bool(after) and (bool(paging.get("next")) or len(posts) >= MEDIA_PAGE) \
        and not older and floor is not None
    if more:
        cursor = {"last": floor, "after": after, "top": top}
        return Batch(keep, cursor=cursor_dump(cursor), more=True, account=account)
    return Batch(keep, cursor=cursor_dump({"last": top}), account=account)


def _account(found: dict) -> Account:
    username = str(found.get("username") or "")
    return Account(handle=f"@{username}", name=str(found.get("name") or ""),
                   url=f"https://www.instagram.com/{username}/",
                   followers=_number(found.get("followers_count")),
                   posts=_number(found.get("media_count")))


def _item(media: dict, account: Account) -> Item:
    caption = str(media.get("caption") or "")
    kind = str(media.get("media_type") or "")
    link = str(media.get("permalink") or "")
    return Item(
        external_id=str(media["id"]), url=link if link.startswith("https://") else "",
        text=caption, published_at=_time(media.get("timestamp")),
        author=account.name or account.handle, author_id=account.handle,
        author_url=account.url, author_followers=account.followers,
        kind="video" if media.get("media_product_type") == "REELS" else "post",
        media=_MEDIA.get(kind, "image"), likes=_number(media.get("like_count")),
        comments=_number(media.get("comments_count")),
        hashtags=tuple(dict.fromkeys(_HASHTAG.findall(caption))))


def _error(response, body: dict | None, username: str, ours: str) -> SourceError:
    """Business Discovery's own refusal first, then ``meta.graph_error``'s classes."""
    err = (body or {}).get("error") if isinstance((body or {}).get("error"), dict) else {}
    if _int(err.get("code")) in _NOT_DISCOVERABLE or _int(err.get("error_subcode")) == 2207013:
        return SourceError(_("Instagram has no business or creator account @%(username)s. "
                             "Instagram shows figures only for business and creator accounts; "
                             "check the username, or follow this account another way.")
                           % {"username": username})
    mapped = graph_error(response, body, network="Instagram", account=ours, create=False)
    if isinstance(mapped, TransientError):
        return SourceError(mapped.message, transient=True,
                           retry_after=mapped.retry_after or _DEFAULT_THROTTLE_WAIT)
    if isinstance(mapped, PermanentError) and mapped.channel_broken:  # token or permission
        reason = str(err.get("error_user_msg") or err.get("message") or mapped.code)
        return SourceError(_("The connected Instagram account can no longer ask Instagram "
                             "for figures (%(reason)s). Reconnect it under Channels and keep "
                             "every permission switched on.") % {"reason": reason}, auth=True)
    return SourceError(mapped.message)


# ---------------------------------------------------------------- helpers


def _username(raw: str) -> str:
    """zerno from @zerno, zerno, instagram.com/zerno or https://www.instagram.com/zerno/."""
    raw = raw.strip()
    if "/" in raw or raw.lower().startswith(_HOSTS):
        parts = urlsplit(raw if "//" in raw else f"https://{raw}")
        path = [p for p in parts.path.split("/") if p]
        if (parts.hostname or "").lower() not in _HOSTS or not path:
            raise SourceError(gettext_lazy("This is not an Instagram account's address. "
                                           "Enter one such as instagram.com/zerno."))
        if path[0] in ("p", "reel", "reels", "stories", "explore", "tv"):
            raise SourceError(gettext_lazy("This is a link to a post. Enter the account's "
                                           "username or its profile link instead."))
        raw = path[0]
    name = raw.removeprefix("@").lower()
    if not name:
        raise SourceError(gettext_lazy("Enter the competitor's Instagram username."))
    if not _USERNAME.fullmatch(name):
        raise SourceError(gettext_lazy("An Instagram username has up to 30 letters, digits, "
                                       "dots and underscores."))
    return name


def _number(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _time(value) -> datetime | None:
    when = graph_time(str(value or ""))  # "2026-02-03T09:12:44+0000"; epoch 0 if unreadable
    return when if when.timestamp() else None



