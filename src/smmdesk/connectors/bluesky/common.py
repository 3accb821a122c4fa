"""What the Bluesky modules share: record types and Bluesky's limits, and the values a
record carries (times, strong references, languages, image sizes)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _

from smmdesk.connectors.base import MediaFile, content_hash

SERVICE = "https://bsky.social"
APP = "https://bsky.app"
POST = "app.bsky.feed.post"
THREADGATE = "app.bsky.feed.threadgate"
# app.bsky.feed.post: text "maxLength": 3000 (UTF-8 bytes), "maxGraphemes": 300.
TEXT_MAX_GRAPHEMES = 300
TEXT_MAX_BYTES = 3000
# app.bsky.embed.images#image: "maxSize": 1000000 in the lexicon PDS 0.4 validates records
# with (the newest lexicon says 2 MB, but servers running older code still refuse above
# 1 MB, and a refused record is a failed post).
IMAGE_MAX_BYTES = 1_000_000
TAG_MAX_GRAPHEMES = 64  # app.bsky.richtext.facet#tag: maxGraphemes 64, maxLength 640
HIDDEN_REPLIES_MAX = 300  # app.bsky.feed.threadgate: hiddenReplies maxLength 300
_EVENT_KINDS = {"reply": "comment", "mention": "mention", "quote": "mention"}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_time(value: Any) -> datetime | None:
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _created(record: dict, view: dict | None = None) -> datetime:
    return (_parse_time(record.get("createdAt"))
            or _parse_time((view or {}).get("indexedAt")) or datetime.now(UTC))


_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def _record_time(record: dict) -> datetime:
    """When the PDS made the record: its key is a TID, microseconds since 1970 in
    base32-sortable (https://atproto.com/specs/tid); else the record's createdAt."""
    rkey = str(record.get("uri", "")).rsplit("/", 1)[-1]
    if len(rkey) == 13 and all(c in _TID_ALPHABET for c in rkey):
        value = 0
        for c in rkey:
            value = value * 32 + _TID_ALPHABET.index(c)
        return datetime.fromtimestamp((value >> 10) / 1e6, UTC)
    return _created(record.get("value") or {})


def _hash(record: dict) -> str:
    return content_hash(str(record["value"].get("text", "")))


def _strong(ref: dict) -> dict:
    return {"uri": ref["uri"], "cid": ref["cid"]}


def _reply_ref(root: dict, parent: dict) -> dict:
    return {"root": _strong(root), "parent": _strong(parent)}


def _aspect_ratio(media: MediaFile) -> dict | None:
    width, height = media.width, media.height
    if not (width and height):
        try:
            from PIL import Image

            with Image.open(media.path) as image:
                width, height = image.size
        except (OSError, ValueError):
            return None
    return {"width": int(width), "height": int(height)}


def _langs(options: dict) -> list[str]:
    """The "langs" option ("uk, en") -> ["uk", "en"]; ValueError in the person's words."""
    langs = [x for x in re.split(r"[\s,;]+", str(options.get("langs") or "")) if x]
    bad = [x for x in langs if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", x)]
    if bad or len(langs) > 3:
        raise ValueError(_("Bluesky: the languages must be up to 3 language codes such as "
                           "“uk” or “en-US”, separated by commas."))
    return langs
