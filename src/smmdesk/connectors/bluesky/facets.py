"""Rich-text facets: links, mentions and hashtags found in a post's text, marked by
UTF-8 byte offsets (https://docs.bsky.app/docs/advanced-guides/post-richtext)."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from smmdesk.connectors.base import PermanentError
from smmdesk.connectors.bluesky.common import TAG_MAX_GRAPHEMES
from smmdesk.lib.text import graphemes

if TYPE_CHECKING:
    from smmdesk.connectors.bluesky import BlueskyConnector

_URL = re.compile(r"(?<![^\s(])https?://\S+", re.I)
_MENTION = re.compile(r"(?<![^\s(])@([a-zA-Z0-9.-]+)")
_HANDLE = re.compile(r"([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?")
_TAG = re.compile(r"(?<!\S)[#＃]([^\s\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2]+)")


def _facets(api: BlueskyConnector, text: str) -> list[dict]:
    """Links, resolvable mentions and hashtags, sorted, none overlapping."""
    spans = _link_spans(text) + _tag_spans(text)
    for start, end, handle in _mention_spans(text):
        did = _resolve(api, handle)
        if did:
            spans.append((start, end, {"$type": "app.bsky.richtext.facet#mention",
                                       "did": did}))
    facets, reached = [], -1
    for start, end, feature in sorted(spans, key=lambda s: s[0]):
        if start >= reached:
            facets.append({"index": {"byteStart": _utf8_at(text, start),
                                     "byteEnd": _utf8_at(text, end)},
                           "features": [feature]})
            reached = end
    return facets


def _resolve(api: BlueskyConnector, handle: str) -> str | None:
    """@handle -> DID (resolveHandle); None when it names nobody."""
    if handle not in api._dids:
        try:
            data = api._xrpc("com.atproto.identity.resolveHandle",
                             params={"handle": handle})
            api._dids[handle] = data.get("did") or None
        except PermanentError:
            api._dids[handle] = None
    return api._dids[handle]


def _link_spans(text: str) -> list[tuple[int, int, dict]]:
    """http(s) addresses, without a closing punctuation mark or an unmatched ")" (the
    rules of Bluesky's own client, @atproto/api detectFacets)."""
    spans = []
    for m in _URL.finditer(text):
        uri = m.group()
        if uri[-1] in ".,;:!?":
            uri = uri[:-1]
        if uri.endswith(")") and "(" not in uri:
            uri = uri[:-1]
        spans.append((m.start(), m.start() + len(uri),
                      {"$type": "app.bsky.richtext.facet#link", "uri": uri}))
    return spans


def _mention_spans(text: str) -> list[tuple[int, int, str]]:
    spans = []
    for m in _MENTION.finditer(text):
        handle = m.group(1).rstrip(".-").lower()
        if _HANDLE.fullmatch(handle):
            spans.append((m.start(), m.start() + 1 + len(handle), handle))
    return spans


def _tag_spans(text: str) -> list[tuple[int, int, dict]]:
    """#tags: not only digits and punctuation, trailing punctuation left out, at most 64
    graphemes."""
    spans = []
    for m in _TAG.finditer(text):
        tag = m.group(1)
        while tag and unicodedata.category(tag[-1]).startswith("P"):
            tag = tag[:-1]
        wordy = any(not (c.isdigit() or unicodedata.category(c).startswith("P")) for c in tag)
        if (not wordy or tag.startswith("\ufe0f") or len(graphemes(tag)) > TAG_MAX_GRAPHEMES
                or len(tag.encode()) > 640):
            continue
        spans.append((m.start(), m.start() + 1 + len(tag),
                      {"$type": "app.bsky.richtext.facet#tag", "tag": tag}))
    return spans


def _utf8_at(text: str, index: int) -> int:
    return len(text[:index].encode())
