"""The one way smmdesk talks to the outside world.

``HttpClient`` wraps httpx with timeouts, retries for idempotent requests on 429/5xx
(honouring Retry-After), request logging with secrets masked, and a trace of every
call that the publishing log stores. Transport failures are reported as
``HttpFailure`` with ``maybe_sent`` telling whether the server may have acted on
the request: the difference between "retry" and "go and check" for a publish.

Every request passes the address guard (``lib/netguard.py``): https only, public
addresses only. The URL is checked before it is handed to the transport, so a refused
address fails at once with the same ``HttpFailure`` as a closed port, and the real
transport checks again when it connects, to the address it then uses. Redirects are
never followed: a 3xx comes back to the caller, and a caller that follows one requests
the new address, which the guard checks like any other.

Tests replace the transport with ``set_transport_factory`` so nothing leaves the box;
the check before the transport still runs, with the resolver tests install. With
``SMMDESK_RECORD_FIXTURES`` set, every exchange is also written as a contract fixture
(``lib/recorder.py``), so a developer with a real account records what tests replay.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from django.conf import settings

from smmdesk.lib import netguard, recorder

log = logging.getLogger("smmdesk.http")

_transport_factory: Callable[[], httpx.BaseTransport | None] = lambda: None
USER_AGENT = "smmdesk/0.1 (+https://github.com/smmdesk/smmdesk)"


def set_transport_factory(factory: Callable[[], httpx.BaseTransport | None]) -> None:
    global _transport_factory
    _transport_factory = factory


class HttpFailure(Exception):
    """The request did not produce a response."""

    def __init__(self, message: str, *, maybe_sent: bool):
        super().__init__(message)
        self.maybe_sent = maybe_sent


@dataclass
class TraceEntry:
    method: str
    url: str
    status: int | None
    ms: int
    error: str = ""

    def as_dict(self) -> dict:
        d = {"method": self.method, "url": self.url, "status": self.status, "ms": self.ms}
        if self.error:
            d["error"] = self.error
        return d


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError):
        return None


_shared: httpx.Client | None = None
_shared_lock = threading.Lock()


def _httpx_client() -> tuple[httpx.Client, bool]:
    """(client, owned). One pooled client serves the whole process: building one costs
    tens of milliseconds (TLS context) and pooling keeps connections to each network
    open. A test transport gets a client of its own."""
    global _shared
    transport = _transport_factory()
    if transport is not None:
        return httpx.Client(transport=transport, headers={"User-Agent": USER_AGENT}), True
    with _shared_lock:
        if _shared is None:
            _shared = httpx.Client(headers={"User-Agent": USER_AGENT}, follow_redirects=False,
                                   transport=netguard.guarded_transport(
                                       max_connections=100, max_keepalive_connections=20))
    return _shared, False


@dataclass
class HttpClient:
    secrets: Iterable[str] = ()
    timeout: float | None = None
    retries: int = 2
    trace: list[TraceEntry] = field(default_factory=list)

    def __post_init__(self):
        self._secrets = [s for s in self.secrets if s and len(s) >= 4]
        t = self.timeout or settings.SMMDESK_HTTP_TIMEOUT
        self._timeout = httpx.Timeout(t, connect=min(10.0, t))
        self._client, self._owned = _httpx_client()

    def add_secret(self, secret: str) -> None:
        if secret and len(secret) >= 4 and secret not in self._secrets:
            self._secrets.append(secret)

    def mask(self, text: str) -> str:
        for s in self._secrets:
            text = text.replace(s, "***")
        return text

    def close(self) -> None:
        if self._owned:
            self._client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def request(self, method: str, url: str, *, idempotent: bool | None = None,
                **kwargs: Any) -> httpx.Response:
        """Send one request. Idempotent requests (GET by default) are retried on
        connection failures, 429 and 5xx; others are sent exactly once."""
        if idempotent is None:
            idempotent = method.upper() in {"GET", "HEAD", "OPTIONS"}
        attempts = 1 + (self.retries if idempotent else 0)
        for n in range(attempts):
            last = n == attempts - 1
            try:
                response = self._send(method, url, **kwargs)
            except HttpFailure:
                if last:
                    raise
                time.sleep(min(2.0, 0.2 * 2**n))
                continue
            if last or response.status_code not in {429, 500, 502, 503, 504}:
                return response
            wait = retry_after_seconds(response)
            if wait is not None and wait > 10:
                return response  # a long wait is the scheduler's job, not a blocking sleep
            time.sleep(wait if wait is not None else min(2.0, 0.2 * 2**n))
        raise AssertionError("unreachable")

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        started = time.monotonic()
        shown = self.mask(str(url))
        if kwargs.pop("follow_redirects", False):
            raise ValueError("HttpClient does not follow redirects: request the new address, "
                             "so that the address guard checks it")
        if kwargs.get("timeout") is None:  # no call may wait forever, even if asked to
            kwargs["timeout"] = self._timeout
        try:
            netguard.check_url(url)
        except netguard.BlockedAddress as exc:
            log.warning("refused %s %s: %s", method.upper(), shown, exc)
            self._record(method, shown, None, started, "ConnectError")
            raise HttpFailure("could not connect: ConnectError", maybe_sent=False) from exc
        try:
            response = self._client.request(method, url, follow_redirects=False, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout,
                httpx.UnsupportedProtocol, httpx.LocalProtocolError) as exc:
            self._record(method, shown, None, started, type(exc).__name__)
            raise HttpFailure(f"could not connect: {type(exc).__name__}", maybe_sent=False) from exc
        except httpx.TransportError as exc:  # timeouts after sending, broken connections
            self._record(method, shown, None, started, type(exc).__name__)
            raise HttpFailure(f"no answer: {type(exc).__name__}", maybe_sent=True) from exc
        self._record(method, shown, response.status_code, started)
        if settings.SMMDESK_RECORD_FIXTURES:
            recorder.record(settings.SMMDESK_RECORD_FIXTURES, response, self.mask)
        return response

    def _record(self, method, url, status, started, error="") -> None:
        ms = int((time.monotonic() - started) * 1000)
        self.trace.append(TraceEntry(method.upper(), url, status, ms, error))
        log.debug("%s %s -> %s (%d ms) %s", method.upper(), url, status, ms, error)
