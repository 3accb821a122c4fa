"""Webhook: publish to an HTTP endpoint of your own (a site, a CMS, an automation).

Each publication is one ``POST`` to the configured URL: ``multipart/form-data`` with a
``payload`` field (JSON: marker, text, format, first comment, media descriptions) and the
media files. The body is signed: ``X-Smmdesk-Signature: sha256=<HMAC of the payload
field with the channel's secret>``; the receiver should check it. The ``marker`` is an
idempotency key: a receiver that has seen it should answer 200 with the same id.

A 2xx answer may carry ``{"id": ..., "url": ...}``. 408 and 429 mean "not taken, try
later" (Retry-After honoured), other 4xx "refused", 5xx or no answer "maybe taken".
If a lookup URL is configured, ``GET <lookup_url>?marker=...`` answering 200 (with the
id) or 404 lets smmdesk settle a publication that got no clear answer.

Both URLs must be public https addresses (``lib/netguard.py``); redirects are not
followed. The person sees the status code of an answer, never its body (that stays in
the attempt record), and one message for an address that is refused, closed, silent or
slow, so the connector cannot be used to map what answers where.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smmdesk.connectors.base import (
    AmbiguousError,
    Capabilities,
    Connector,
    ConnectResult,
    FindResult,
    Format,
    Found,
    Limits,
    MediaKind,
    PermanentError,
    PublishRequest,
    PublishResult,
    RemoteComment,
    TransientError,
)
from smmdesk.connectors.webhooks import WebhookEvent
from smmdesk.lib import netguard
from smmdesk.lib.http import retry_after_seconds


def sign(secret: str, payload: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def _unreachable() -> str:
    return _("Webhook: could not reach the address. Check that it is a public https address.")


def _check_url(url: str, field: str) -> str:
    url = (url or "").strip()
    if not url.startswith(("http://", "https://")):
        raise PermanentError(_("Webhook: the %(field)s must start with https://.")
                             % {"field": field}, code="invalid_url")
    try:
        netguard.check_url(url)
    except netguard.BlockedAddress as exc:
        raise PermanentError(_unreachable(), code="unreachable", raw=str(exc)) from exc
    return url


class WebhookConnector(Connector):
    kind = "webhook"
    label = "Webhook"
    limits = Limits(
        text_max=100_000,
        media_max=20,
        media_kinds=frozenset(MediaKind),
        formats=frozenset(Format),
    )
    # The endpoint answers lookups itself; the contract says the answer is current.
    listing_lag = timedelta(0)
    capabilities = Capabilities(find_published=True)
    connect_help = gettext_lazy("smmdesk POSTs each post to your URL, signed with the secret "
                                "you give here so your endpoint can check it came from here. "
                                "The README describes the format.")
    connect_fields = (
        ("name", gettext_lazy("Name"), "text"),
        ("url", gettext_lazy("URL that receives posts"), "url"),
        ("lookup_url", gettext_lazy("Lookup URL (optional)"), "url"),
        ("secret", gettext_lazy("Signing secret (the same on your endpoint)"), "secret"),
    )

    @classmethod
    def connect(cls, data: dict, http) -> ConnectResult:
        url = _check_url(data.get("url"), _("URL"))
        lookup = data.get("lookup_url") or ""
        if lookup:
            lookup = _check_url(lookup, _("lookup URL"))
        secret = (data.get("secret") or "").strip() or secrets.token_urlsafe(32)
        if len(secret) < 16:
            raise PermanentError(_("Webhook: the signing secret needs at least 16 characters."),
                                 code="weak_secret")
        name = (data.get("name") or "").strip() or url
        return ConnectResult(external_id=hashlib.sha256(url.encode()).hexdigest()[:16],
                             name=name, credentials={"secret": secret},
                             settings={"url": url, "lookup_url": lookup})

    def publish(self, req: PublishRequest) -> PublishResult:
        payload = json.dumps({
            "marker": req.marker, "text": req.text, "format": req.format,
            "first_comment": req.first_comment,
            "media": [{"name": m.name, "kind": m.kind, "mime": m.mime, "size": m.size,
                       "alt_text": m.alt_text} for m in req.media],
        }, ensure_ascii=False).encode()
        files = [(f"media{i}", (m.name or f"media{i}", m.path.read_bytes(), m.mime))
                 for i, m in enumerate(req.media)]
        response = self.send(
            "POST", self.channel.settings["url"], data={"payload": payload.decode()},
            files=files or None,
            headers={"X-Smmdesk-Signature": sign(self.channel.credentials["secret"], payload),
                     "Idempotency-Key": req.marker})
        self._raise_for(response)
        body = _json(response)
        return PublishResult(external_id=str(body.get("id") or req.marker),
                             url=str(body.get("url") or ""), raw={"status": response.status_code})

    def send(self, method: str, url: str, **kwargs):
        """``Connector.send`` with one message for every way of not getting an answer:
        a refused address, a closed port, no route and a timeout read the same (the error
        class still tells the engine whether the post may have been taken)."""
        try:
            return super().send(method, url, **kwargs)
        except (TransientError, AmbiguousError) as exc:
            raise type(exc)(_unreachable(), code=exc.code, raw=exc.raw) from exc

    def _raise_for(self, response) -> None:
        status = response.status_code
        if status < 300:
            return
        detail = response.text[:300]  # for the attempt record only, never for the person
        if status < 400:  # redirects are not followed: the address is not the endpoint
            raise PermanentError(_unreachable(), code=f"http_{status}",
                                 raw=response.headers.get("location", ""), channel_broken=True)
        if status in (408, 429):
            raise TransientError(_("Webhook: the receiver asked to try later (HTTP %(status)d).")
                                 % {"status": status}, code=f"http_{status}", raw=detail,
                                 retry_after=retry_after_seconds(response))
        if status >= 500:
            raise AmbiguousError(_("Webhook: the receiver failed (HTTP %(status)d) and may or "
                                   "may not have taken the post.") % {"status": status},
                                 code=f"http_{status}", raw=detail)
        raise PermanentError(_("Webhook: the receiver refused the post (HTTP %(status)d).")
                             % {"status": status},
                             code=f"http_{status}", raw=detail,
                             channel_broken=status in (401, 403, 404, 410))

    @classmethod
    def event_comment(cls, event: WebhookEvent) -> RemoteComment | None:
        """Always None: this connector only sends; nothing comes back from the endpoint."""
        return None

    def find_published(self, req: PublishRequest, *, since: datetime) -> FindResult:
        lookup = self.channel.settings.get("lookup_url")
        if not lookup:
            return FindResult(Found.UNKNOWN, note=_("this webhook has no lookup URL"))
        response = self.send("GET", lookup, params={"marker": req.marker})
        if response.status_code == 404:
            return FindResult(Found.NOT_FOUND)
        if response.status_code != 200:
            return FindResult(Found.UNKNOWN, note=f"HTTP {response.status_code}")
        body = _json(response)
        return FindResult(Found.FOUND, PublishResult(str(body.get("id") or req.marker),
                                                     str(body.get("url") or "")))


def _json(response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
