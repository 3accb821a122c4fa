"""Views of a public channel's posts, read from Telegram's public web preview.

A bot cannot read view counts: the Bot API has no method for them. A public channel
(one with an @username) shows each post on the web, without signing in, with the
number of views under it. smmdesk reads the page of the Post widget,
``https://t.me/<username>/<id>?embed=1&mode=tme`` (https://core.telegram.org/widgets/post),
which holds one post in the same markup as the channel's feed ``t.me/s/<username>``::

    <div class="tgme_widget_message ..." data-post="zerno_coffee/101" ...>
      ...
      <div class="tgme_widget_message_info short js-message_info">
        <span class="tgme_widget_message_views">1.2K</span><span class="copyonly"> views</span>
        ...

A post Telegram cannot show (deleted, or the channel is private) has
``<div class="tgme_widget_message_error">Post not found</div>`` (or "Channel is
private") instead; a channel that no longer exists or is private answers with a
redirect to its t.me page. Large numbers are rounded on the page ("1.2K", "2.19M"), so
views above a thousand are as precise as Telegram shows them there. The page shows no
count of forwards, so no "reposts" come from it. A private channel (no @username) has
no public page at all: an admin user session (MTProto statistics) would be needed,
which smmdesk does not support yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser

PREVIEW = "https://t.me"
# Telegram's abbreviations: "1.2K", "3.4M"; "B" for completeness.
_SUFFIX = {"k": 1_000, "m": 1_000_000, "b": 1_000_000_000}
_NUMBER = re.compile(r"(?P<value>\d+(?:[.,]\d+)*)(?P<suffix>[kmb]?)", re.I)
# Spaces used as thousands separators: ordinary, no-break, narrow no-break, thin.
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")


def post_url(username: str, message_id: int) -> str:
    return f"{PREVIEW}/{username}/{message_id}"


def preview_url(username: str) -> str:
    """The channel's public feed, for people: t.me/s/<username>."""
    return f"{PREVIEW}/s/{username}"


def count(text: str) -> int | None:
    """"1.2K" -> 1200, "3.4M" -> 3400000, "1 234" -> 1234, "987" -> 987; None when the
    text is not a count. A comma before K/M is a decimal comma ("1,2K"); without a
    suffix, commas, dots and spaces are thousands separators."""
    match = _NUMBER.fullmatch(_SPACES.sub("", text or ""))
    if not match:
        return None
    value, suffix = match.group("value"), match.group("suffix").lower()
    if not suffix:
        return int(re.sub(r"[.,]", "", value))
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation:
        return None
    return int(number * _SUFFIX[suffix])


@dataclass(frozen=True)
class PreviewPost:
    post: str  # data-post: "<username>/<id>"
    views: str | None  # as shown: "1.2K"; None when the post shows no views


@dataclass(frozen=True)
class PreviewPage:
    posts: tuple[PreviewPost, ...]
    error: str = ""  # Telegram's words: "Post not found", "Channel is private"

    def views_of(self, username: str, message_id: int) -> int | None:
        """Views of one post, or None when the page does not show that post's views."""
        wanted = f"{username}/{message_id}".lower()
        for p in self.posts:
            if p.post.lower() == wanted and p.views is not None:
                return count(p.views)
        return None


# Elements without an end tag: they never close what the reader is inside of.
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "source", "track", "wbr"})


class _Reader(HTMLParser):
    """Collects each message block's data-post and its views, and the error text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.posts: list[list] = []  # [data-post, views text or None]
        self.errors: list[str] = []
        self._capture: str | None = None  # "views" or "error"
        self._depth = 0
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if self._capture:
            self._depth += tag not in _VOID
            return
        attr = dict(attrs)
        classes = set((attr.get("class") or "").split())
        if "tgme_widget_message" in classes and attr.get("data-post"):
            self.posts.append([attr["data-post"], None])
        elif "tgme_widget_message_views" in classes and self.posts:
            self._start("views")
        elif "tgme_widget_message_error" in classes:
            self._start("error")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)  # as browsers read it: "/>" closes nothing

    def handle_endtag(self, tag):
        if not self._capture:
            return
        if self._depth:
            self._depth -= 1
            return
        text = " ".join("".join(self._text).split())
        if self._capture == "views":
            self.posts[-1][1] = text
        else:
            self.errors.append(text)
        self._capture = None

    def handle_data(self, data):
        if self._capture:
            self._text.append(data)

    def _start(self, what: str) -> None:
        self._capture, self._depth, self._text = what, 0, []


def read_page(html: str) -> PreviewPage:
    """The posts (and their views) of a Post widget page or of a t.me/s/ feed page."""
    reader = _Reader()
    reader.feed(html or "")
    reader.close()
    return PreviewPage(posts=tuple(PreviewPost(p, v) for p, v in reader.posts),
                       error="; ".join(e for e in reader.errors if e))
