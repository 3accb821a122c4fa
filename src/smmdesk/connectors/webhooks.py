"""What networks push to us: requests in, verified events out.

A connector that receives webhooks implements ``Connector.webhook_receive(request)``
and returns a ``WebhookAnswer``: the HTTP answer to give (a handshake challenge, "ok",
or a refusal) and the verified events. The view stores accepted events and logs refused
requests (``channels.WebhookDelivery``); the inbox turns events into messages.
"""

from __future__ import annotations

import hashlib
import hmac
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
