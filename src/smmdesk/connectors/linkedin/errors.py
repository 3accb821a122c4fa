"""LinkedIn's refusals as the errors the engine acts on.

LinkedIn answers errors as ``{"status": 403, "serviceErrorCode": 100, "code":
"ACCESS_DENIED", "message": "Not enough permissions to access: ..."}``
(https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling).
Throttling (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/
rate-limits) is a 429 without Retry-After; the limits are per day and reset at
midnight UTC, so smmdesk waits an hour before it tries again.
"""

from __future__ import annotations

import re

import httpx
from django.utils.translation import gettext as _

from smmdesk.connectors.base import (
    AmbiguousError,
    ConnectorError,
    PermanentError,
    TransientError,
)
from smmdesk.connectors.linkedin.common import json_body
from smmdesk.lib.http import retry_after_seconds

THROTTLE_WAIT = 3600.0  # LinkedIn sends no Retry-After; its budgets are daily
_DUPLICATE = re.compile(r"duplicate", re.IGNORECASE)
_DUPLICATE_OF = re.compile(r"(urn:li:(?:share|ugcPost):\d+)")
# serviceErrorCode of a 401: what happened to the token.
_TOKEN_REASONS = {
    65600: "invalid",
    65601: "revoked",
    65602: "expired",
    65604: "missing",
}


def linkedin_error(response: httpx.Response, *, account: str, create: bool,
                   permission: str = "") -> ConnectorError:
    """One unsuccessful answer. ``permission``: the scope the call needs, named in the
    message when LinkedIn refuses for lack of it. ``create``: the call makes a post or a
    comment, so a server error after sending is ambiguous."""
    body = json_body(response)
    status = response.status_code
    reason = str(body.get("message") or f"HTTP {status}")
    raw = {"status": status, "error": body or response.text[:500],
           "path": response.request.url.path}
    who = {"account": account, "reason": reason}
    if status == 401:
        return _token_error(body, who, raw)
    if status == 403:
        return _permission_error(permission, who, raw)
    if status == 429:
        return _throttled(response, reason, who, raw)
    if status == 422 and _DUPLICATE.search(reason):
        found = _DUPLICATE_OF.search(reason)
        raw["duplicate_of"] = found.group(1) if found else ""
        return PermanentError(_("LinkedIn refused the post as a duplicate of a recent one "
                                "(%(reason)s). Change the text, or check that it was not "
                                "already published.") % who, code="duplicate", raw=raw)
    if status == 404:
        return PermanentError(_("LinkedIn: this no longer exists (%(reason)s).") % who,
                              code="not_found", raw=raw)
    if status >= 500:
        return _server_error(create, who, raw)
    return PermanentError(_("LinkedIn refused: %(reason)s") % who, code="refused", raw=raw)


def _token_error(body: dict, who: dict, raw: dict) -> PermanentError:
    why = _TOKEN_REASONS.get(int(body.get("serviceErrorCode") or 0), "invalid")
    messages = {
        "expired": _("LinkedIn: the sign-in of %(account)s expired. Reconnect the channel "
                     "and sign in with LinkedIn again."),
        "revoked": _("LinkedIn: smmdesk's access to %(account)s was revoked. Reconnect the "
                     "channel and sign in with LinkedIn again."),
    }
    msg = messages.get(why) or _("LinkedIn: smmdesk's access to %(account)s is no longer "
                                 "valid (%(reason)s). Reconnect the channel and sign in "
                                 "with LinkedIn again.")
    return PermanentError(msg % who, code=f"token_{why}", raw=raw, channel_broken=True)


def _permission_error(permission: str, who: dict, raw: dict) -> PermanentError:
    if permission:
        msg = _("LinkedIn: smmdesk lacks the permission “%(permission)s” for %(account)s "
                "(%(reason)s). Reconnect the channel and allow everything LinkedIn asks for; "
                "for a Page you must be one of its administrators.")
        return PermanentError(msg % {**who, "permission": permission},
                              code="missing_permission", raw=raw, channel_broken=True)
    return PermanentError(_("LinkedIn refused for lack of permission (%(reason)s). Reconnect "
                            "%(account)s and allow everything LinkedIn asks for.") % who,
                          code="missing_permission", raw=raw, channel_broken=True)


def _throttled(response: httpx.Response, reason: str, who: dict,
               raw: dict) -> TransientError:
    wait = retry_after_seconds(response) or THROTTLE_WAIT
    scope = "app" if "APPLICATION" in reason.upper() else "channel"
    return TransientError(_("LinkedIn asks smmdesk to slow down (%(reason)s); it will try "
                            "again in an hour.") % who if wait >= THROTTLE_WAIT else
                          _("LinkedIn asks smmdesk to slow down (%(reason)s); it will try "
                            "again shortly.") % who,
                          code="rate_limited", raw=raw, retry_after=wait, scope=scope)


def _server_error(create: bool, who: dict, raw: dict) -> ConnectorError:
    if create:
        return AmbiguousError(_("LinkedIn had a problem on its side (%(reason)s); the post may "
                                "or may not have been created. smmdesk will check before "
                                "sending it again.") % who, code="server_error", raw=raw)
    return TransientError(_("LinkedIn had a temporary problem (%(reason)s); smmdesk will try "
                            "again.") % who, code="server_error", raw=raw)
