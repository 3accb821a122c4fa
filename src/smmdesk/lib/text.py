"""Counting text the way networks count it."""

from __future__ import annotations

import regex

_GRAPHEME = regex.compile(r"\X")


def grapheme_count(text: str) -> int:
    """User-perceived characters (Unicode extended grapheme clusters): a flag, a family
    emoji or a letter with combining accents is one. Bluesky and Mastodon count this way."""
    return len(_GRAPHEME.findall(text))


def graphemes(text: str) -> list[str]:
    return _GRAPHEME.findall(text)
