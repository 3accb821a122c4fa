"""YouTube's refusals as smmdesk's three kinds of error.

Google APIs answer ``{"error": {"code": 403, "message": ..., "errors": [{"domain":
"youtube.quota", "reason": "quotaExceeded", ...}]}}``; the ``reason`` decides
(developers.google.com/youtube/v3/docs/errors).
"""

from __future__ import annotations

import httpx
from django.utils.translation import gettext as _

from smmdesk.connectors.base import (
    AmbiguousError,
    ConnectorError,
    PermanentError,
    TransientError,
)
from smmdesk.connectors.youtube.common import json_body, seconds_to_pacific_midnight
from smmdesk.lib.http import retry_after_seconds

_QUOTA = frozenset({"quotaExceeded", "dailyLimitExceeded"})
_SLOW_DOWN = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "backendError"})
_NO_PERMISSION = frozenset({"forbidden", "insufficientPermissions", "channelClosed",
                            "channelSuspended", "accountDelegationForbidden",
                            "ACCESS_TOKEN_SCOPE_INSUFFICIENT"})
_NOT_FOUND = frozenset({"videoNotFound", "commentNotFound", "playlistNotFound",
                        "channelNotFound", "playlistItemNotFound", "notFound"})
_DEFAULT_WAIT = 60.0
UPLOAD_LIMIT_WAIT = 6 * 3600.0  # YouTube does not say when a channel may upload again


def reason_of(body: dict) -> tuple[str, str]:
    """(reason, message) of a Google API error body."""
    err = body.get("error") if isinstance(body.get("error"), dict) else {}
    items = err.get("errors") if isinstance(err.get("errors"), list) else []
    reason = next((str(e.get("reason")) for e in items if isinstance(e, dict)
                   and e.get("reason")), "")
    if not reason:
        details = err.get("details") if isinstance(err.get("details"), list) else []
        reason = next((str(d.get("reason")) for d in details if isinstance(d, dict)
                       and d.get("reason")), "")
    return reason, str(err.get("message") or "")


def api_error(response: httpx.Response, *, create: bool, channel: str) -> ConnectorError:
    """The error for a YouTube answer that is not a success. ``create``: the request may
    have made a video, so a server error is ambiguous rather than transient."""
    body = json_body(response)
    status = response.status_code
    reason, message = reason_of(body)
    raw = {"status": status, "reason": reason, "message": message[:500],
           "path": response.request.url.path if response.request else ""}
    who = {"channel": channel, "reason": message or reason or f"HTTP {status}"}
    if reason in _QUOTA:
        return quota_exceeded(raw)
    if reason in _SLOW_DOWN or status == 429:
        wait = retry_after_seconds(response) or _DEFAULT_WAIT
        return TransientError(_("YouTube asks smmdesk to slow down (%(reason)s); it will try "
                                "again shortly.") % who,
                              code="rate_limited", raw=raw, retry_after=wait)
    if reason == "uploadLimitExceeded":
        return TransientError(_("YouTube: %(channel)s has uploaded as many videos as YouTube "
                                "allows for now. smmdesk will try again in a few hours.") % who,
                              code="upload_limit", raw=raw, retry_after=UPLOAD_LIMIT_WAIT)
    if status == 401:
        return token_invalid(raw, who)
    if reason == "youtubeSignupRequired":
        return PermanentError(_("YouTube: the Google account of %(channel)s has no YouTube "
                                "channel. Create the channel on youtube.com, then reconnect.")
                              % who, code="no_channel", raw=raw, channel_broken=True)
    if reason == "accessNotConfigured":
        return PermanentError(_("YouTube: the YouTube Data API is not switched on for this "
                                "server's Google Cloud project (%(reason)s). The administrator "
                                "must enable it in the Google Cloud console.") % who,
                              code="api_disabled", raw=raw)
    if reason in _NOT_FOUND or status == 404:
        return PermanentError(_("YouTube: this no longer exists (%(reason)s).") % who,
                              code="not_found", raw=raw)
    if reason == "commentsDisabled":
        return PermanentError(_("YouTube: comments are turned off for this video."),
                              code="comments_disabled", raw=raw)
    if reason in _NO_PERMISSION or status == 403:
        return missing_permission(reason, raw, who)
    if status >= 500:
        return server_error(create, raw, who)
    return PermanentError(_("YouTube refused: %(reason)s") % who,
                          code=reason or "refused", raw=raw)


def quota_exceeded(raw: dict) -> TransientError:
    """The project's 10,000 daily units are spent: every channel waits for midnight in
    California, when Google resets them."""
    return TransientError(_("YouTube: smmdesk has used up today's YouTube API quota for this "
                            "server. It will try again after midnight Pacific time, when "
                            "the quota is reset."),
                          code="quota_exceeded", raw=raw,
                          retry_after=seconds_to_pacific_midnight(), scope="app")


def token_invalid(raw: dict, who: dict) -> PermanentError:
    return PermanentError(_("YouTube: smmdesk's access to %(channel)s is no longer valid (the "
                            "sign-in expired or was revoked). Reconnect the channel and sign "
                            "in with Google again.") % who,
                          code="token_invalid", raw=raw, channel_broken=True)


def missing_permission(reason: str, raw: dict, who: dict) -> PermanentError:
    return PermanentError(_("YouTube refused for lack of permission (%(reason)s). Reconnect "
                            "%(channel)s, sign in with the Google account that owns the "
                            "channel and tick every box on Google's permission screen.") % who,
                          code=reason or "forbidden", raw=raw, channel_broken=True)


def server_error(create: bool, raw: dict, who: dict) -> ConnectorError:
    if create:
        return AmbiguousError(_("YouTube had a problem on its side (%(reason)s); the video may "
                                "or may not have been created. smmdesk will check before "
                                "sending it again.") % who, code="server_error", raw=raw)
    return TransientError(_("YouTube had a temporary problem (%(reason)s); smmdesk will try "
                            "again.") % who, code="server_error", raw=raw)
