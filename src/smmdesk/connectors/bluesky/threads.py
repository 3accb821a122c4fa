"""How much text one post holds, counted as Bluesky counts it, and splitting a thread
into posts."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from smmdesk.connectors.base import Format, Issue, PublishRequest
from smmdesk.connectors.bluesky.common import TEXT_MAX_BYTES, TEXT_MAX_GRAPHEMES
from smmdesk.lib.text import graphemes


def _text_issues(text: str, field: str) -> list[Issue]:
    length, size = len(graphemes(text)), len(text.encode())
    if length > TEXT_MAX_GRAPHEMES:
        return [Issue("text_too_long", _(
            "Bluesky allows at most %(limit)d characters in a post (an emoji counts as one); "
            "this text has %(length)d. Shorten it, or choose the Thread format to split it "
            "into several posts.") % {"limit": TEXT_MAX_GRAPHEMES, "length": length}, field)]
    if size > TEXT_MAX_BYTES:
        return [Issue("text_too_long", _(
            "Bluesky allows at most %(limit)d bytes of text in a post (emoji and non-Latin "
            "letters take 2–4 bytes each); this text has %(size)d. Shorten it, or choose the "
            "Thread format.") % {"limit": TEXT_MAX_BYTES, "size": size}, field)]
    return []


_SEPARATOR = re.compile(r"^[ \t]*-{3,}[ \t]*$", re.M)


def _parts(req: PublishRequest) -> list[str]:
    """The posts to create: the text, or for a thread its parts — split where a line
    holds only "---", and further at paragraph, sentence or word ends where a part is
    longer than one post may be."""
    if req.format != Format.THREAD:
        return [req.text]
    chunks = [c.strip() for c in _SEPARATOR.split(req.text)]
    parts = [p for c in chunks if c for p in _fit(c)]
    return parts or [req.text.strip()]


def _fit(text: str) -> list[str]:
    clusters = graphemes(text)
    out = []
    while clusters:
        room, size = 0, 0
        while room < min(len(clusters), TEXT_MAX_GRAPHEMES):
            size += len(clusters[room].encode())
            if size > TEXT_MAX_BYTES:
                break
            room += 1
        cut = room if room == len(clusters) else _cut_at(clusters, room)
        out.append("".join(clusters[:cut]).strip())
        clusters = clusters[cut:]
        while clusters and clusters[0].isspace():
            clusters.pop(0)
    return [p for p in out if p]


def _cut_at(clusters: list[str], room: int) -> int:
    """Where to end a part of at most ``room`` clusters: after a paragraph, else a
    sentence (in the second half of the room), else a word; mid-word only if one word
    fills the room."""
    def last(test) -> int:
        return next((i for i in range(room, 0, -1) if test(i)), 0)

    paragraph = last(lambda i: clusters[i - 1] == "\n" and i > 1 and clusters[i - 2] == "\n")
    if paragraph > room // 2:
        return paragraph
    sentence = last(lambda i: clusters[i].isspace() and clusters[i - 1] in ".!?…")
    if sentence > room // 2:
        return sentence
    return last(lambda i: clusters[i].isspace()) or room
