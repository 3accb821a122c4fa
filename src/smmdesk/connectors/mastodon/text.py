"""Text, Mastodon's way: a status's length as the server counts it, a thread cut into
statuses, and a status read back (its HTML as the text that was posted, what identifies
it, its address and time)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

from smmdesk.connectors.base import content_hash
from smmdesk.connectors.mastodon.common import DEFAULT_URL_CHARACTERS
from smmdesk.lib.text import grapheme_count

# A link as twitter-text finds it (scheme required, as Mastodon asks for): punctuation
# at its end is left out of it.
_URL = re.compile(r"https?://[^\s<>\"]+", re.I)
_URL_TAIL = re.compile(r"[.,:;!?'\")\]]+$")
# Account::MENTION_RE: @user@server counts (and shows) as @user.
_MENTION = re.compile(r"(?<![=/\w])@(\w+(?:[\w.-]*\w)?)@[\w.-]+\w", re.U)
_BREAK = re.compile(r"^[ \t]*-{3,}[ \t]*$", re.M)


def status_length(text: str, spoiler: str = "", url_chars: int = DEFAULT_URL_CHARACTERS,
                  counting: str = "mastodon") -> int:
    """Mastodon's count: grapheme clusters of the content warning plus the text, with
    each http(s) link counted as ``url_chars`` and @user@server as @user. Other servers
    count the raw text (``counting``, see flavour.py): "graphemes" (Pleroma, Akkoma) or
    "codepoints" (GoToSocial, and any server we do not know: the strictest count)."""
    if counting == "graphemes":
        return grapheme_count(spoiler + text)
    if counting == "codepoints":
        return len(spoiler + text)
    def placeholder(match: re.Match) -> str:
        tail = _URL_TAIL.search(match.group(0))
        return "x" * url_chars + (tail.group(0) if tail else "")

    countable = _MENTION.sub(r"@\1", _URL.sub(placeholder, text)) if text.strip() else ""
    return grapheme_count(spoiler + countable)


def thread_parts(text: str, limit: int, spoiler: str = "",
                 url_chars: int = DEFAULT_URL_CHARACTERS, counting: str = "mastodon"
                 ) -> list[str]:
    """A thread's statuses: the text cut at lines of three or more dashes, and any piece
    still over ``limit`` (with the content warning, which each status repeats) cut at
    the last space that fits."""
    parts: list[str] = []
    for chunk in _BREAK.split(text):
        chunk = chunk.strip()
        if chunk:
            parts += _fit(chunk, limit,
                          lambda s: status_length(s, spoiler, url_chars, counting))
    return parts or [""]


def _fit(chunk: str, limit: int, length: Callable[[str], int]) -> list[str]:
    if length(chunk) <= limit:
        return [chunk]
    out, current = [], ""
    for token in re.findall(r"\S+\s*", chunk):
        if current and length((current + token).rstrip()) > limit:
            out.append(current.rstrip())
            current = token
        else:
            current += token
    return [*out, current.rstrip()]


class _PlainText(HTMLParser):
    """A status's HTML ``content`` as the text that was posted: paragraphs and line
    breaks become newlines; a link's hidden spans hold the rest of its address."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag == "p":
            self.parts.append("\n\n")

    def handle_data(self, data):
        self.parts.append(data)


def plain_text(html: str) -> str:
    parser = _PlainText()
    parser.feed(html or "")
    parser.close()
    return "".join(parser.parts).strip()


def _spoiled(status: dict) -> str:
    text = plain_text(status.get("content", ""))
    cw = status.get("spoiler_text") or ""
    return f"[{cw}] {text}" if cw else text


def _fingerprint(text: str, spoiler: str, media: int) -> tuple[str, str, int]:
    return content_hash(_MENTION.sub(r"@\1", text)), content_hash(spoiler), media


def _status_fingerprint(status: dict) -> tuple[str, str, int]:
    return _fingerprint(plain_text(status.get("content", "")), status.get("spoiler_text") or "",
                        len(status.get("media_attachments") or []))


def _status_url(status: dict) -> str:
    return str(status.get("url") or status.get("uri") or "")


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _id_order(value: Any) -> tuple[int, str]:
    """Mastodon ids are numbers as strings: longer is newer, then by digits."""
    text = str(value)
    return len(text), text
