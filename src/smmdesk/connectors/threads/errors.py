"""Threads' Graph-style errors, turned into what the engine acts on.

Errors come as ``{"error": {"message", "type", "code", "error_subcode", "is_transient",
"error_user_title", "error_user_msg", "fbtrace_id"}}`` like the rest of Meta's Graph API
(https://developers.facebook.com/docs/graph-api/guides/error-handling); failed media
containers say why in ``error_message`` (FAILED_DOWNLOADING_VIDEO, INVALID_ASPEC_RATIO...:
https://developers.facebook.com/docs/threads/troubleshooting).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from smmdesk.connectors.base import (
    AmbiguousError,
    ConnectorError,
    PermanentError,
    TransientError,
)
from smmdesk.connectors.meta import usage_wait
from smmdesk.connectors.threads.common import as_int

_APP_THROTTLE = frozenset({4})
_THROTTLE = frozenset({17, 32, 613}) | _APP_THROTTLE
_QUOTA_SUBCODE = 2207042  # code 9: the 24-hour publishing limit (shared with Instagram)
_FETCH_SUBCODE = 2207052  # the media could not be fetched from its URL
_DEFAULT_WAIT = 600.0
_PERMISSION = re.compile(r"\b(threads_[a-z_]+)\b")
_FETCH_WORDS = re.compile(r"fetch|download|retriev", re.IGNORECASE)

# Container ``error_message`` values, in words a person can act on.
CONTAINER_REASONS = {
    "FAILED_DOWNLOADING_VIDEO": gettext_lazy(
        "Threads could not download the video from smmdesk; the server must be reachable "
        "from the internet at SMMDESK_SITE_URL"),
    "FAILED_PROCESSING_AUDIO": gettext_lazy("Threads could not process the video's sound"),
    "FAILED_PROCESSING_VIDEO": gettext_lazy("Threads could not process the video"),
    "INVALID_ASPEC_RATIO": gettext_lazy("the picture's proportions are not accepted"),
    "INVALID_ASPECT_RATIO": gettext_lazy("the picture's proportions are not accepted"),
    "INVALID_BIT_RATE": gettext_lazy("the video's bit rate is not accepted"),
    "INVALID_DURATION": gettext_lazy("the video is too long or too short (up to 5 minutes)"),
    "INVALID_FRAME_RATE": gettext_lazy("the video's frame rate is not accepted (23–60 FPS)"),
    "INVALID_AUDIO_CHANNELS": gettext_lazy("the video's sound channels are not accepted"),
    "INVALID_AUDIO_CHANNEL_LAYOUT": gettext_lazy(
        "the video's sound channel layout is not accepted"),
}


def threads_error(response: httpx.Response, body: dict | None, *, account: str,
                  create: bool) -> ConnectorError:
    """One unsuccessful answer of the Threads API as the error the engine acts on. An
    answer that is not Graph JSON (a proxy's page) is judged by its status alone."""
    body = body or {}
    err = body.get("error") if isinstance(body.get("error"), dict) else {}
    status = response.status_code
    code, sub = as_int(err.get("code")), as_int(err.get("error_subcode"))
    reason = str(err.get("error_user_msg") or err.get("message") or f"HTTP {status}")
    raw = {"status": status, "error": err or response.text[:500],
           "path": urlsplit(str(response.request.url)).path}
    who = {"account": account, "reason": reason}
    if code in (190, 102):
        return PermanentError(_(
            "Threads: smmdesk's access to %(account)s is no longer valid (the sign-in expired "
            "or was revoked). Reconnect the channel and sign in with Threads again.") % who,
            code="token_invalid", raw=raw, channel_broken=True)
    if sub == _QUOTA_SUBCODE:
        return TransientError(_(
            "Threads: %(account)s reached the limit of posts apps may publish in 24 hours; "
            "smmdesk will try again in an hour.") % who, code="publishing_limit", raw=raw,
            retry_after=3600.0)
    if code in _THROTTLE or status == 429:
        return _throttled(response, code, who, raw)
    if code == 10 or 200 <= code <= 299:
        return _permission_error(reason, who, raw)
    if sub == _FETCH_SUBCODE or (code in (100, 9004) and _FETCH_WORDS.search(reason)):
        return PermanentError(_(
            "Threads could not download the media from smmdesk (%(reason)s). The server must "
            "be reachable from the internet at SMMDESK_SITE_URL.") % who,
            code="media_unreachable", raw=raw)
    if code == 100 and sub == 33:
        return PermanentError(_("Threads: this no longer exists (%(reason)s).") % who,
                              code="not_found", raw=raw)
    if status >= 500 or err.get("is_transient") or code in (1, 2) or not err:
        return _server_error(status, create, bool(err.get("is_transient")), who, raw)
    return PermanentError(_("Threads refused: %(reason)s") % who,
                          code="invalid_parameter" if code == 100 else "refused", raw=raw)


def _permission_error(reason: str, who: dict, raw: dict) -> PermanentError:
    found = _PERMISSION.search(reason)
    if found:
        return PermanentError(_(
            "Threads: smmdesk lacks the permission “%(permission)s” for %(account)s. Reconnect "
            "the channel and allow everything Threads asks for.")
            % {**who, "permission": found.group(1)}, code="missing_permission", raw=raw,
            channel_broken=True)
    return PermanentError(_(
        "Threads refused for lack of permission (%(reason)s). Reconnect %(account)s and allow "
        "everything Threads asks for.") % who, code="missing_permission", raw=raw,
        channel_broken=True)


def _throttled(response: httpx.Response, code: int, who: dict, raw: dict) -> TransientError:
    wait = usage_wait(response) or _DEFAULT_WAIT
    minutes = max(1, round(wait / 60))
    return TransientError(ngettext(
        "Threads asks smmdesk to slow down (%(reason)s); it will try again in %(minutes)d "
        "minute.",
        "Threads asks smmdesk to slow down (%(reason)s); it will try again in %(minutes)d "
        "minutes.", minutes) % {**who, "minutes": minutes},
        code="rate_limited", raw=raw, retry_after=wait,
        scope="app" if code in _APP_THROTTLE else "channel")


def _server_error(status: int, create: bool, transient: bool, who: dict,
                  raw: dict) -> ConnectorError:
    if create and not transient:
        return AmbiguousError(_(
            "Threads had a problem on its side (%(reason)s); the post may or may not have "
            "been created. smmdesk will check before sending it again.") % who,
            code="server_error", raw=raw)
    return TransientError(_("Threads had a temporary problem (%(reason)s); smmdesk will try "
                            "again.") % who, code="server_error", raw=raw)


def container_failed(body: dict, name: str) -> ConnectorError:
    """A container that ended in ERROR (the reason in plain words) or EXPIRED (not
    published within 24 hours: made again on the next try)."""
    if body.get("status") == "EXPIRED":
        return TransientError(_(
            "Threads let the prepared post for %(name)s expire; smmdesk will prepare it "
            "again.") % {"name": name}, code="container_expired", raw=body)
    message = str(body.get("error_message") or "UNKNOWN")
    reason = CONTAINER_REASONS.get(message.strip().upper())
    reason = str(reason) if reason else _("Threads gave no reason (%(code)s)") % {
        "code": message}
    return PermanentError(_("Threads could not use %(name)s: %(reason)s. Change the file and "
                            "publish again.") % {"name": name, "reason": reason},
                          code="container_error", raw=body)


def thread_stopped(exc: ConnectorError, done: list[str], total: int,
                   url: str) -> ConnectorError:
    """A later part of a thread failed after the first ones were posted. The ids made so
    far go in ``raw["thread_posted"]``; the engine hands them back to the next publish
    (``req.resume``), which goes on from the next part, so "try again" never posts a
    part twice."""
    note = {"done": len(done), "total": total, "url": url, "reason": exc.message}
    raw = {"thread_posted": list(done), "error": exc.raw}
    if isinstance(exc, PermanentError):
        return PermanentError(_(
            "Threads published %(done)d of the %(total)d posts of this thread (%(url)s), then "
            "refused the next one: %(reason)s Delete what was posted or finish the thread in "
            "the Threads app.") % note, code="thread_incomplete", raw=raw,
            channel_broken=exc.channel_broken)
    if isinstance(exc, AmbiguousError):
        return AmbiguousError(_(
            "Threads published %(done)d of the %(total)d posts of this thread (%(url)s); the "
            "next one may or may not have been posted: %(reason)s") % note,
            code="thread_incomplete", raw=raw)
    return TransientError(_(
        "Threads published %(done)d of the %(total)d posts of this thread, then: %(reason)s "
        "smmdesk will post the rest; the posts already out will not be posted twice.") % note,
        code="thread_incomplete", raw=raw, retry_after=getattr(exc, "retry_after", None))
