"""What the Pinterest modules share: the API's address, its documented limits, and reading
an answer's JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

API = "https://api.pinterest.com/v5"
MB = 2**20

# PinCreate in https://github.com/pinterest/api-description (v5/openapi.yaml): title
# "maxLength: 100", description "maxLength: 800", alt_text "maxLength: 500", link
# "maxLength: 2048"; carousels (multiple_image_*) "minItems: 2", "maxItems: 5"; images
# sent as data must be image/jpeg or image/png (ContentType).
TITLE_MAX = 100
DESCRIPTION_MAX = 800
ALT_TEXT_MAX = 500
LINK_MAX = 2048
CAROUSEL_MIN, CAROUSEL_MAX = 2, 5
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
# Pinterest's product specs: images up to 20 MB, videos up to 2 GB. Images travel inside
# the JSON body as base64 (the API has no image upload), so 20 MB is also what we allow.
IMAGE_MAX_BYTES = 20 * MB
VIDEO_MAX_BYTES = 2048 * MB

PAGE_SIZE = 250  # Pinterest.Lib.BookmarkParams.page_size "maximum: 250"
LIST_PAGES = 8  # boards / sections read at most 2,000 entries
PINS_PAGE, PINS_PAGES = 100, 3  # find_published reads the newest 300 pins at most


def json_body(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {"items": body}


def pin_url(pin_id: str) -> str:
    return f"https://www.pinterest.com/pin/{pin_id}/"


def same_name(a: str, b: str) -> bool:
    """Board and section names compared as a person reads them: case and spacing aside."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def pin_time(value: Any) -> datetime:
    """"2020-01-01T20:10:40-00:00" → an aware datetime (the epoch when unreadable)."""
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return datetime.fromtimestamp(0, UTC)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def number(value: Any) -> int:
    try:
        return int(round(float(value)))
    except (TypeError, ValueError):
        return 0
