"""Unsuccessful XRPC answers as the errors the engine acts on, in the person's words."""

from __future__ import annotations

from typing import Any

import httpx
from django.utils.translation import gettext as _

from smmdesk.connectors.base import (
    AmbiguousError,
    ConnectorError,
    PermanentError,
    TransientError,
    budget_wait,
)
from smmdesk.lib.http import retry_after_seconds

_AUTH_ERRORS = frozenset({"ExpiredToken", "InvalidToken", "AuthRequired", "AuthMissing",
                          "AuthenticationRequired", "BadJwt"})
_INACTIVE = frozenset({"AccountTakedown", "AccountDeactivated", "AccountSuspended",
                       "RepoTakendown", "RepoDeactivated", "RepoSuspended"})


def _json(response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _auth_failed(response: httpx.Response, data: dict) -> bool:
    return response.status_code == 401 or (response.status_code == 400
                                           and data.get("error") in _AUTH_ERRORS)


def _api_error(nsid: str, response: httpx.Response, data: dict, kind: str,
               who: dict[str, str]) -> ConnectorError:
    """One unsuccessful XRPC answer -> the error the engine acts on. XRPC errors are
    {"error": "InvalidRequest", "message": "..."} (https://atproto.com/specs/xrpc)."""
    status, error = response.status_code, str(data.get("error") or "")
    message = str(data.get("message") or error or f"HTTP {status}")
    raw = {"nsid": nsid, "status": status, "body": data or response.text[:500]}
    if status == 429 or error == "RateLimitExceeded":
        return _rate_limited(response, raw)
    if error in _INACTIVE:
        return PermanentError(_("Bluesky: the account %(account)s is suspended, deactivated "
                                "or taken down (%(reason)s); smmdesk cannot act for it.")
                              % {**who, "reason": message}, code=error, raw=raw,
                              channel_broken=True)
    if status == 401 or error in _AUTH_ERRORS:
        return PermanentError(_("Bluesky does not accept smmdesk's session for %(account)s "
                                "(%(reason)s). Reconnect the channel with a new app password.")
                              % {**who, "reason": message}, code=error or "AuthRequired",
                              raw=raw, channel_broken=True)
    if status >= 500 or status in (408, 425):
        return _server_error(kind, raw)
    if not data:  # not an XRPC answer: a wrong address, or a proxy in the way
        return PermanentError(_("Bluesky: the server did not answer like a Bluesky server "
                                "(HTTP %(status)d). Check the server address of the channel.")
                              % {"status": status}, code="not_xrpc", raw=raw)
    if error == "InvalidSwap":
        return TransientError(_("Bluesky: the record changed meanwhile; smmdesk will try "
                                "again."), code=error, raw=raw, retry_after=5)
    if error == "NotFound":
        return PermanentError(_gone().message, code="not_found", raw=raw)
    if error == "RecordNotFound":
        return PermanentError(message, code=error, raw=raw)
    if status == 413 or error == "BlobTooLarge":
        return PermanentError(_("Bluesky refused a file as too large: %(reason)s")
                              % {"reason": message}, code="too_large", raw=raw)
    return PermanentError(_("Bluesky refused: %(reason)s") % {"reason": message},
                          code=error or "bad_request", raw=raw)


def _rate_limited(response: httpx.Response, raw: dict) -> TransientError:
    wait = (budget_wait(response, remaining="RateLimit-Remaining", reset="RateLimit-Reset")
            or retry_after_seconds(response) or 60.0)
    # The per-IP limit (3000 requests in 300 s) holds for every account on this server.
    policy = response.headers.get("RateLimit-Policy", "").replace(" ", "")
    scope = "app" if policy.startswith("3000;w=300") else "channel"
    return TransientError(_("Bluesky asks to slow down; smmdesk will try again in "
                            "%(seconds)d seconds.") % {"seconds": round(wait)},
                          code="rate_limited", raw=raw, retry_after=wait, scope=scope)


def _server_error(kind: str, raw: dict) -> ConnectorError:
    if kind == "write":
        return AmbiguousError(_("Bluesky had a problem on its side; the post may or may not "
                                "have been created. smmdesk will check before sending it "
                                "again."), code="server_error", raw=raw)
    return TransientError(_("Bluesky had a problem on its side. smmdesk will try again."),
                          code="server_error", raw=raw)


def _sign_in_error(exc: PermanentError, connecting: bool, who: dict[str, str]
                   ) -> PermanentError:
    if exc.code == "AuthFactorTokenRequired":
        return PermanentError(_(
            "Bluesky asks for a code from your email: this is your account password, not an "
            "app password. In Bluesky open Settings → Privacy and security → App passwords, "
            "add one for smmdesk and paste it here."), code="account_password", raw=exc.raw)
    if exc.code not in _AUTH_ERRORS:
        return exc
    if connecting:
        return PermanentError(_(
            "Bluesky did not accept this handle and app password. Check the handle (e.g. "
            "zerno.bsky.social) and create an app password in Bluesky: Settings → Privacy "
            "and security → App passwords → Add App Password; then paste it here."),
            code="login_failed", raw=exc.raw)
    return _session_ended(who, exc.raw)


def _session_ended(who: dict[str, str], raw: Any) -> PermanentError:
    return PermanentError(_(
        "Bluesky ended smmdesk's session for %(account)s and the app password no longer "
        "works (revoked?). Create a new app password in Bluesky (Settings → Privacy and "
        "security → App passwords), then reconnect the channel with it.") % who,
        code="session_ended", raw=raw, channel_broken=True)


def _gone() -> PermanentError:
    return PermanentError(_("Bluesky: that post no longer exists (deleted?)."),
                          code="not_found")
