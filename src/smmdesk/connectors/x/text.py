"""Text as X counts it (twitter-text 3, "weighted length") and a thread cut into posts.

X counts characters by weight (https://docs.x.com/fundamentals/counting-characters and
twitter-text's config/v3.json): a post holds 280 "weighted" characters; Latin-1 and
general punctuation weigh 1 (so do Cyrillic, Greek, Hebrew, Arabic: code points up to
U+10FF), everything else (CJK, Hangul, most symbols) weighs 2; an
emoji weighs 2 however many code points make it (skin tones, ZWJ families); every link
weighs 23, its t.co length, however long it is. Text is NFC-normalised first.
"""

from __future__ import annotations

import re
import unicodedata

from smmdesk.connectors.base import Format, PublishRequest
from smmdesk.connectors.x.common import TEXT_MAX, URL_WEIGHT
from smmdesk.lib.text import graphemes

# twitter-text v3 "ranges" of weight 100 (one character); the default weight is 200.
_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
# Links with a scheme, and bare domains with the common top-level domains (twitter-text
# knows every TLD; a link it would miss here is counted by its letters, so never less).
_URL = re.compile(
    r"https?://[^\s<>\"]+|\b(?:[a-z0-9-]+\.)+(?:com|net|org|io|co|me|dev|app|info|biz|"
    r"ua|ru|by|pl|de|uk|eu|us|ly|gl|tv|shop|coffee|store|online|site|blog|news)"
    r"(?![a-z0-9-])(?:/[^\s<>\"]*)?", re.I)
_TRAILING = ".,;:!?)]}'\""
_SEPARATOR = re.compile(r"^[ \t]*-{3,}[ \t]*$", re.M)


def weighted_length(text: str) -> int:
    """The length X gives ``text``, in its own units (a post holds 280)."""
    text = unicodedata.normalize("NFC", text or "")
    total, pos = 0, 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        total += _plain_weight(text[pos:match.start()]) + URL_WEIGHT
        pos = match.start() + len(url)
    return total + _plain_weight(text[pos:])


def _plain_weight(text: str) -> int:
    return sum(2 if _is_emoji(cluster) else sum(_weight(c) for c in cluster)
               for cluster in graphemes(text))


def _weight(char: str) -> int:
    code = ord(char)
    return 1 if any(lo <= code <= hi for lo, hi in _LIGHT) else 2


def _is_emoji(cluster: str) -> bool:
    """A pictograph, a flag, a keycap or a ZWJ sequence: one emoji, weight 2."""
    return any(ord(c) >= 0x1F000 or 0x2600 <= ord(c) <= 0x27BF or c in "\u200d\ufe0f\u20e3"
               for c in cluster) and not cluster.isascii()


def thread_parts(req: PublishRequest) -> list[str]:
    """The posts to create: the text, or for a thread its parts, cut where a line holds
    only "---" (the composer's separator, as for Mastodon and Bluesky) and further at the
    last space that fits where a part is longer than one post."""
    if req.format != Format.THREAD:
        return [req.text]
    parts: list[str] = []
    for chunk in _SEPARATOR.split(req.text):
        if chunk.strip():
            parts += _fit(chunk.strip())
    return parts or [req.text.strip()]


def _fit(chunk: str) -> list[str]:
    if weighted_length(chunk) <= TEXT_MAX:
        return [chunk]
    out, current = [], ""
    for token in re.findall(r"\S+\s*", chunk):
        if current and weighted_length((current + token).rstrip()) > TEXT_MAX:
            out.append(current.rstrip())
            current = token
        else:
            current += token
    return [*out, current.rstrip()]
