"""What networks push to us: requests in, verified events out.

A connector that receives webhooks implements ``Connector.webhook_receive(request)``
and returns a ``WebhookAnswer``: the HTTP answer to give (a handshake challenge, "ok",
or a refusal) and the verified events. The view stores accepted events and logs refused
requests (``channels.WebhookDelivery``); the inbox turns events into messages.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class WebhookRequest:
    method: str
    headers: dict[str, str]  # lower-cased names
    query: dict[str, str]
    body: bytes
    # The channel the URL names (per-channel webhooks), with its secrets; None for
    # network-wide endpoints (one Meta app for every page).
    channel: Any = None


@dataclass(frozen=True)
class WebhookEvent:
    kind: str  # "comment", "message", "mention", "post", "reaction", "other"
    account_id: str  # the channel's external id on the network
    data: dict
    external_id: str = ""


@dataclass(frozen=True)
class WebhookAnswer:
    status: int = 200
    body: str = "ok"
    content_type: str = "text/plain"
    events: list[WebhookEvent] = field(default_factory=list)
    rejected: str = ""  # why, when the request was refused


def hmac_sha256_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(expected_hex: str, given: str) -> bool:
    return bool(given) and hmac.compare_digest(expected_hex.encode(), given.encode())


def refuse(reason: str, status: int = 403) -> WebhookAnswer:
    return WebhookAnswer(status=status, body="forbidden", rejected=reason)


# ---------------------------------------------------------------- checking events on arrival
#
# An event is checked when it arrives, not when the inbox reads it: one that cannot be
# read (a time of 1e30, an author id that is not a number) is refused with 400 and never
# stored, so it cannot fail later on every worker round. Each network's parser calls these
# for the fields it will use.

EARLIEST = 946684800  # 2000-01-01: no network we read is older
FUTURE_SLACK = 2 * 86400  # clocks differ; a day or two ahead is still a real event
BIGGEST_ID = 2**63 - 1  # ids go into 64-bit columns and into URLs of the network's API
_SURROGATE = re.compile("[\ud800-\udfff]")


class MalformedEvent(ValueError):
    """An event that does not have the shape its network documents."""


def event_dict(value: Any, what: str) -> dict:
    if not isinstance(value, dict):
        raise MalformedEvent(f"{what} is not an object")
    return value


def event_list(value: Any, what: str) -> list:
    """A list (missing: empty)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedEvent(f"{what} is not a list")
    return value


def event_int(value: Any, what: str, *, signed: bool = True, required: bool = True,
              ) -> int | None:
    """A numeric id: an integer (or its digits as text), within 64 bits."""
    if value is None or value == "":
        if required:
            raise MalformedEvent(f"{what} is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise MalformedEvent(f"{what} is not a number")
    text = str(value).strip()
    if not re.fullmatch(r"-?\d{1,19}" if signed else r"\d{1,19}", text):
        raise MalformedEvent(f"{what} is not a number")
    number = int(text)
    if abs(number) > BIGGEST_ID:
        raise MalformedEvent(f"{what} is out of range")
    return number


def event_timestamp(value: Any, what: str, *, millis: bool = False,
                    now: float | None = None) -> int | None:
    """Epoch seconds (or milliseconds) within a sane window; None when missing."""
    if value is None or value == "" or value == 0:
        return None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)  # 1e30 arrives as a float
    text = str(value).strip() if isinstance(value, int | str) else ""
    if isinstance(value, bool) or not re.fullmatch(r"-?\d{1,40}", text):
        raise MalformedEvent(f"{what} is not a number")
    seconds = int(text) // 1000 if millis else int(text)
    latest = (now if now is not None else time.time()) + FUTURE_SLACK
    if not EARLIEST <= seconds <= latest:
        raise MalformedEvent(f"{what} is not a plausible time")
    return int(text)


def event_text(value: Any, what: str) -> str:
    """Text (missing: empty); not a number, an object or a list."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MalformedEvent(f"{what} is not text")
    return value


def storable(value: Any) -> Any:
    """``value`` with NUL removed and lone surrogates replaced, everywhere inside: no
    database column (nor PostgreSQL's jsonb) holds them, and a network resends a refused
    delivery, so such a character is cleaned rather than refused."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value.replace("\x00", ""))
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value
