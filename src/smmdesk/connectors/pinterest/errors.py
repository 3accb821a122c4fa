"""Pinterest's refusals as the errors the engine acts on, in the person's words.

Every v5 error has the shape ``{"code": 29, "message": "..."}``; the HTTP status says
more than the code, so it decides: 401 a token that no longer works, 403 a missing scope
(or Trial access, which may not create pins in production), 404 something gone, 429 a
rate limit (per user and app), 5xx a problem on Pinterest's side.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import httpx
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from smmdesk.connectors.base import (
    AmbiguousError,
    ConnectorError,
    PermanentError,
    TransientError,
)
from smmdesk.lib.http import retry_after_seconds

DEFAULT_WAIT = 60.0  # a 429 without Retry-After or X-RateLimit-Reset: a minute


def api_error(response: httpx.Response, body: dict, *, scope: str, create: bool,
              account: str) -> ConnectorError:
    """One refused call. ``scope`` is the OAuth scope the call needs (named in a 403),
    ``create`` whether it creates a pin (a 5xx then may have created it)."""
    status = response.status_code
    reason = str(body.get("message") or f"HTTP {status}")
    raw = {"status": status, "code": body.get("code"), "message": body.get("message")
           or response.text[:500], "path": urlsplit(str(response.request.url)).path}
    who = {"account": account, "reason": reason, "scope": scope}
    if status == 401:
        return PermanentError(_(
            "Reconnect the channel: Pinterest no longer accepts smmdesk's access to "
            "%(account)s (%(reason)s). The sign-in expired or was revoked.") % who,
            code="token_invalid", raw=raw, channel_broken=True)
    if status == 403:
        return _forbidden(reason, who, raw)
    if status == 429:
        return rate_limited(response, who, raw)
    if status == 404:
        return PermanentError(_("Pinterest: this no longer exists (%(reason)s).") % who,
                              code="not_found", raw=raw)
    if status >= 500 or not body:
        return server_error(who, raw, create=create)
    return PermanentError(_("Pinterest refused: %(reason)s") % who, code="refused", raw=raw)


def _forbidden(reason: str, who: dict, raw: dict) -> PermanentError:
    if "trial access" in reason.lower():
        return PermanentError(_(
            "Pinterest: this server's Pinterest app has only Trial access, which may not "
            "create pins others can see (%(reason)s). The administrator must apply for "
            "Standard access in the Pinterest developer portal.") % who,
            code="trial_access", raw=raw)
    broken = "scope" in reason.lower()
    return PermanentError(_(
        "Pinterest refused for lack of the permission “%(scope)s” (%(reason)s). Reconnect "
        "%(account)s and allow everything smmdesk asks for.") % who,
        code="missing_permission", raw=raw, channel_broken=broken)


def rate_limited(response: httpx.Response, who: dict, raw: dict) -> TransientError:
    wait = rate_wait(response)
    minutes = max(1, round(wait / 60))
    return TransientError(ngettext(
        "Pinterest asks smmdesk to slow down (%(reason)s); it will try again in "
        "%(minutes)d minute.",
        "Pinterest asks smmdesk to slow down (%(reason)s); it will try again in "
        "%(minutes)d minutes.", minutes) % {**who, "minutes": minutes},
        code="rate_limited", raw=raw, retry_after=wait, scope="channel")


def rate_wait(response: httpx.Response) -> float:
    """Retry-After when sent; else X-RateLimit-Reset, read as epoch seconds when it
    looks like a time and as seconds to wait otherwise; else a minute."""
    wait = retry_after_seconds(response)
    if wait is not None:
        return max(1.0, wait)
    value = (response.headers.get("x-ratelimit-reset") or "").strip()
    if value.isdigit():
        seconds = int(value)
        if seconds > 10**9:
            seconds = int(seconds - time.time())
        return max(1.0, float(seconds))
    return DEFAULT_WAIT


def server_error(who: dict, raw: dict, *, create: bool) -> ConnectorError:
    if create:
        return AmbiguousError(_(
            "Pinterest had a problem on its side (%(reason)s); the pin may or may not have "
            "been created. smmdesk will check before sending it again.") % who,
            code="server_error", raw=raw)
    return TransientError(_("Pinterest had a temporary problem (%(reason)s); smmdesk will "
                            "try again.") % who, code="server_error", raw=raw)
