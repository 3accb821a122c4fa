"""Public Telegram channels as a listening source, read from Telegram's web preview.

A public channel (one with an @username) shows its posts on the web without an account:
``https://t.me/s/<username>`` is the newest page of about twenty posts, and
``?before=<id>`` the page before a post. This is the same markup the Post widget uses
(https://core.telegram.org/widgets/post), which ``connectors/telegram/preview.py``
reads for view counts; its number reader (``count``: "1.2K" -> 1200) is shared::

    <div class="tgme_channel_info_header_title"><span>Zerno Coffee</span></div>
    <div class="tgme_channel_info_counter"><span class="counter_value">12.3K</span>
      <span class="counter_type">subscribers</span></div>
    ...
    <a class="tme_messages_more" data-before="99" href="/s/zerno_coffee?before=99"></a>
    <div class="tgme_widget_message" data-post="zerno_coffee/101">
      <div class="tgme_widget_message_text js-message_text">Text<br/>more text</div>
      <span class="tgme_widget_message_views">1.2K</span>
      <a class="tgme_widget_message_date" href="https://t.me/zerno_coffee/101">
        <time datetime="2026-11-20T09:00:00+00:00">09:00</time></a>

Modes: ``feed`` (every new post) and ``account`` (the same posts with their views, and
the channel's title and subscriber count in ``Batch.account``, for competitor
benchmarking; there the newest page always comes back whole, so views keep growing).
The cursor is the newest post id seen; a fetch reads older pages with ``before`` until
it reaches the cursor (at most five pages; a first fetch reads one page, or back to
``since``).

A channel that is private, does not exist or has its preview turned off has no such
page: Telegram redirects ``t.me/s/<name>`` to ``t.me/<name>``, or shows a page without
the channel's header and posts. Views are as rounded as the page shows them ("1.2K");
the page shows no likes, comments or forwards, so those stay unknown (None).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin, urlsplit

import httpx
import lxml.html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from lxml import etree

from smmdesk.connectors.telegram.preview import count, post_url
from smmdesk.lib.http import HttpClient, HttpFailure, retry_after_seconds
from smmdesk.sources.base import ACCOUNT, FEED, Account, Batch, Field, Item, Source, SourceError
from smmdesk.sources.webpage import MAX_BODY, UNREACHABLE, answer_error, http_client, lazy_format

BASE = "https://t.me"
MAX_PAGES = 5
_HOSTS = frozenset({"t.me", "www.t.me", "telegram.me", "www.telegram.me", "telegram.dog"})
USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")
_HASHTAG = re.compile(r"(?<![\w#])#(\w{1,100})")
# The first class found in a post names its format, in this order.
_MEDIA = (("tgme_widget_message_grouped_wrap", "album"),
          ("tgme_widget_message_video_player", "video"),
          ("tgme_widget_message_roundvideo_player", "video"),
          ("tgme_widget_message_video_wrap", "video"),
          ("tgme_widget_message_photo_wrap", "image"),
          ("tgme_widget_message_link_preview", "link"))


def _class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _first(element, name: str):
    found = element.xpath(f".//*[{_class(name)}]")
    return found[0] if found else None


def _text(element) -> str:
    """Text of an element with <br> as line breaks, each line's spaces collapsed."""
    if element is None:
        return ""
    for br in element.iter("br"):
        br.tail = "\n" + (br.tail or "")
    lines = (" ".join(line.split()) for line in element.text_content().splitlines())
    return "\n".join(line for line in lines if line)


# --- the person's input ----------------------------------------------------------------

def private_error(username: str) -> SourceError:
    return SourceError(lazy_format(_(
        "Telegram shows no public posts for @%(name)s: the channel is private, does not "
        "exist, or has its web preview turned off. smmdesk can follow public channels "
        "only."), name=username))


def username_from(value: object) -> str:
    """"@name", "name", "t.me/name", "https://t.me/s/name", "https://t.me/name/123" ->
    "name"; SourceError with the reason otherwise."""
    raw = value.strip() if isinstance(value, str) else ""
    if not raw:
        raise SourceError(_("Enter the channel's @username or its t.me address."))
    if raw.startswith("@"):
        name = raw[1:]
    elif "/" in raw:
        name = _name_in_address(raw if "://" in raw else "https://" + raw)
    else:
        name = raw
    if not USERNAME.fullmatch(name):
        raise SourceError(_("A Telegram channel's username has 5 to 32 characters: Latin "
                            "letters, digits and underscores, starting with a letter."))
    return name


def _name_in_address(url: str) -> str:
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        host, parts = "", None
    if parts is None or parts.scheme.lower() not in ("http", "https") or host not in _HOSTS:
        raise SourceError(_("This is not a Telegram channel's address (t.me/…)."))
    segments = [s for s in parts.path.split("/") if s]
    if segments and segments[0] == "s":
        segments = segments[1:]
    if segments and (segments[0].startswith("+") or segments[0] == "joinchat"):
        raise SourceError(_("This is an invitation to a private channel. smmdesk can follow "
                            "public channels only (those with an @username)."))
    return segments[0] if segments else ""


# --- the page --------------------------------------------------------------------------

@dataclass(frozen=True)
class Post:
    id: int
    username: str
    text: str
    published_at: datetime | None
    views: int | None
    media: str
    service: bool = False


@dataclass(frozen=True)
class ChannelPage:
    username: str
    title: str
    subscribers: int | None
    posts: tuple[Post, ...]
    before: int | None  # the id to ask for the older page, None when there is none
    has_channel: bool   # the channel's header is there: the channel is public


def _post(element) -> Post | None:
    name, _sep, number = (element.get("data-post") or "").partition("/")
    if not number.isdigit():
        return None
    classes = (element.get("class") or "").split()
    text = next((t for t in element.xpath(f".//*[{_class('tgme_widget_message_text')}]")
                 if "js-message_reply_text" not in (t.get("class") or "").split()
                 and not t.xpath(f"ancestor::*[{_class('tgme_widget_message_reply')}]")), None)
    stamp = element.xpath(f".//*[{_class('tgme_widget_message_date')}]//time/@datetime") \
        or element.xpath(".//time/@datetime")
    views = _first(element, "tgme_widget_message_views")
    media = next((kind for cls, kind in _MEDIA if _first(element, cls) is not None), "text")
    return Post(id=int(number), username=name, text=_text(text), published_at=_when(stamp),
                views=count(views.text_content()) if views is not None else None, media=media,
                service="service_message" in classes)


def _when(stamps: list) -> datetime | None:
    try:
        value = datetime.fromisoformat(str(stamps[0])) if stamps else None
    except ValueError:
        return None
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def _subscribers(tree) -> int | None:
    for counter in tree.xpath(f"//*[{_class('tgme_channel_info_counter')}]"):
        kind = _text(_first(counter, "counter_type")).lower()
        if kind.startswith(("subscriber", "member")):
            return count(_text(_first(counter, "counter_value")))
    return None


def _before(tree) -> int | None:
    more = tree.xpath(f"//a[{_class('tme_messages_more')}]/@data-before")
    return int(more[0]) if more and str(more[0]).isdigit() else None


def read_channel_page(html: str | bytes, username: str) -> ChannelPage:
    """The channel's header and posts on one t.me/s/ page (oldest first, as shown)."""
    try:
        tree = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return ChannelPage(username, "", None, (), None, False)
    posts = [p for p in map(_post, tree.xpath(f"//*[{_class('tgme_widget_message')}]"
                                              "[@data-post]")) if p]
    info = tree.xpath(f"//*[{_class('tgme_channel_info')}]")
    title = _text(_first(info[0], "tgme_channel_info_header_title")) if info else ""
    canonical = posts[0].username if posts else username
    return ChannelPage(username=canonical if USERNAME.fullmatch(canonical) else username,
                       title=title, subscribers=_subscribers(tree) if info else None,
                       posts=tuple(posts), before=_before(tree), has_channel=bool(info))


# --- the source ------------------------------------------------------------------------

class TelegramSource(Source):
    kind = "telegram"
    title = _("Telegram channel")
    modes = frozenset({FEED, ACCOUNT})
    fields = (Field("channel", _("Channel"),
                    help=_("A public channel's @username or its t.me address.")),)
    every = timedelta(minutes=15)

    def validate(self, config: dict) -> dict:
        config = config or {}
        mode = config.get("mode") or FEED
        if mode not in self.modes:
            raise SourceError(_("Telegram channels can be followed or compared, not "
                                "searched."))
        return {"channel": username_from(config.get("channel")), "mode": mode}

    def probe(self, config: dict, secret: str = "") -> str:
        name = self.validate(config)["channel"]
        with http_client() as client:
            page = self._page(client, name, None)
        if page.subscribers is None:
            return str(lazy_format(_("Telegram channel “%(title)s”"),
                                   title=page.title or name))
        return ngettext("Telegram channel “%(title)s”, %(count)s subscriber",
                        "Telegram channel “%(title)s”, %(count)s subscribers",
                        page.subscribers) % {"title": page.title or name,
                                             "count": page.subscribers}

    def fetch(self, *, config: dict, secret: str, cursor: str, since: datetime | None,
              wanted: Callable[[str], bool] | None = None) -> Batch:
        name = config["channel"]
        last = int(cursor) if cursor.isdigit() else 0
        with http_client() as client:
            pages = self._pages(client, name, last, since)
        first = pages[0]
        keep_first = config.get("mode") == ACCOUNT  # counts of the newest posts refresh
        posts = {p.id: p for page in pages for p in page.posts if not p.service
                 and (p.id > last or (keep_first and page is first))
                 and not (not last and since and p.published_at and p.published_at < since)}
        newest = max([last] + [p.id for page in pages for p in page.posts])
        account = Account(handle=f"@{first.username}", name=first.title,
                          url=f"{BASE}/{first.username}", followers=first.subscribers)
        items = [self._item(posts[i], first) for i in sorted(posts)]
        return Batch(items=items, cursor=str(newest) if newest > last else "", account=account)

    def _pages(self, client: HttpClient, name: str, last: int, since: datetime | None
               ) -> list[ChannelPage]:
        """The newest page, then older ones until the cursor (or ``since`` on a first
        fetch) is reached."""
        pages = [self._page(client, name, None)]
        while len(pages) < MAX_PAGES and pages[-1].before and pages[-1].posts:
            oldest = min(p.id for p in pages[-1].posts)
            if last and oldest <= last + 1:
                break
            if not last and (since is None or _older(pages[-1], since)):
                break
            pages.append(self._page(client, name, pages[-1].before))
        return pages

    def _page(self, client: HttpClient, name: str, before: int | None) -> ChannelPage:
        url = f"{BASE}/s/{name}"
        params = {"before": str(before)} if before else None
        response = self._get(client, url, params)
        page = read_channel_page(response.content, name)
        if not page.has_channel and not page.posts:
            raise private_error(name)
        return page

    def _get(self, client: HttpClient, url: str, params: dict | None) -> httpx.Response:
        """t.me/s/<name>, following redirects only while they stay on t.me/s/: one to
        t.me/<name> means there is no public preview."""
        name = url.rsplit("/", 1)[-1]
        for _hop in range(3):
            try:
                response = client.request("GET", url, params=params,
                                          headers={"Accept-Language": "en"})
            except HttpFailure as exc:
                raise SourceError(UNREACHABLE, transient=True) from exc
            if response.status_code not in (301, 302, 303, 307, 308):
                break
            target = urljoin(url, response.headers.get("location", ""))
            parts = urlsplit(target)
            if parts.hostname not in _HOSTS or not parts.path.startswith("/s/"):
                raise private_error(name)
            url = f"{BASE}{parts.path}"
        else:
            raise private_error(name)
        return self._checked(response, name)

    @staticmethod
    def _checked(response: httpx.Response, name: str) -> httpx.Response:
        if response.status_code == 429:
            raise SourceError(_("Telegram asks to slow down; smmdesk will try again later."),
                              transient=True, retry_after=retry_after_seconds(response))
        if response.status_code == 404:
            raise private_error(name)
        error = answer_error(response)
        if error:
            raise error
        if len(response.content) > MAX_BODY:
            raise SourceError(_("This page is too large for smmdesk to read."))
        return response

    @staticmethod
    def _item(post: Post, page: ChannelPage) -> Item:
        return Item(external_id=f"{post.username}/{post.id}",
                    url=post_url(post.username, post.id), text=post.text,
                    published_at=post.published_at, title="", author=page.title or post.username,
                    author_id=f"@{page.username}", author_url=f"{BASE}/{page.username}",
                    author_followers=page.subscribers, kind="post", media=post.media,
                    views=post.views, hashtags=tuple(dict.fromkeys(_HASHTAG.findall(post.text))))


def _older(page: ChannelPage, since: datetime) -> bool:
    """The page reaches back before ``since``: no older page is needed."""
    dates = [p.published_at for p in page.posts if p.published_at]
    return bool(dates) and min(dates) < since
