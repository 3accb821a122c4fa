"""Unsuccessful X API answers as the errors the engine acts on, in the person's words.

X answers errors as RFC 7807 problems, {"title", "detail", "type", "status"}, sometimes
with an ``errors`` list (https://docs.x.com/x-api/fundamentals/response-codes-and-errors).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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

DUPLICATE = "duplicate content"
DEFAULT_WAIT = 900.0  # X's windows are 15 minutes; a 429 without headers waits one


def json_of(response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def reason_of(data: dict) -> str:
    """The most telling sentence of a problem: its detail, or the first error's."""
    errors = data.get("errors") if isinstance(data.get("errors"), list) else []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    return str(data.get("detail") or first.get("message") or first.get("detail")
               or data.get("title") or "")


def is_duplicate(data: dict) -> bool:
    return DUPLICATE in reason_of(data).lower()


def is_usage_capped(data: dict) -> bool:
    return (data.get("title") == "UsageCapExceeded"
            or "usage-capped" in str(data.get("type") or ""))


def api_error(response: httpx.Response, data: dict, kind: str,
              who: dict[str, str]) -> ConnectorError:
    """``kind``: "read", "repeatable" (deletes, hiding, uploads), "write" (a new post)
    or "reply" (a comment or answer). A 5xx to a write may have created the post."""
    status = response.status_code
    reason = reason_of(data) or f"HTTP {status}"
    raw: dict[str, Any] = {"status": status, "body": data or response.text[:500]}
    note = {**who, "reason": reason}
    if is_usage_capped(data):
        return _usage_capped(response, data, raw)
    if status == 429:
        return rate_limited(response, raw)
    if status == 401:
        return PermanentError(_(
            "X no longer accepts smmdesk's access to %(account)s (%(reason)s). Reconnect "
            "the channel.") % note, code="unauthorized", raw=raw, channel_broken=True)
    if status == 403:
        return _forbidden(data, kind, note, raw)
    if status == 404:
        return PermanentError(_("X: the post was not found; it may have been deleted "
                                "(%(reason)s).") % note, code="not_found", raw=raw)
    if status >= 500:
        if kind in ("write", "reply"):
            return AmbiguousError(_(
                "X had a problem on its side (%(reason)s); the post may or may not have been "
                "created. smmdesk will check before sending it again.") % note,
                code="server_error", raw=raw)
        return TransientError(_("X had a problem on its side (%(reason)s). smmdesk will "
                                "try again.") % note, code="server_error", raw=raw,
                              retry_after=60)
    return PermanentError(_("X refused the request: %(reason)s") % note, code="refused",
                          raw=raw)


def _forbidden(data: dict, kind: str, note: dict, raw: dict) -> PermanentError:
    if is_duplicate(data):
        return PermanentError(_(
            "X refuses to post the same text twice in a row on %(account)s. Change the text "
            "a little, or check the profile: if an earlier attempt timed out, this post may "
            "already be there.") % note, code="duplicate_content", raw=raw)
    if "client-forbidden" in str(data.get("type") or "") or data.get("reason") == (
            "client-not-enrolled"):
        return PermanentError(_(
            "X refused smmdesk's developer app (%(reason)s). The administrator must attach "
            "the app to a Project in the X developer console.") % note,
            code="client_forbidden", raw=raw)
    if kind == "reply":
        return PermanentError(_(
            "X does not let %(account)s answer there (%(reason)s): the author may limit "
            "who can reply.") % note, code="forbidden", raw=raw)
    return PermanentError(_(
        "X does not let smmdesk act for %(account)s (%(reason)s). The account may be locked "
        "or suspended, or the access was granted without permission to post: reconnect "
        "the channel and allow everything on X's page.") % note, code="forbidden", raw=raw,
        channel_broken=kind == "write")


def rate_limited(response: httpx.Response, raw: Any) -> TransientError:
    """429: wait until the spent window resets — the 24-hour posting limit of the
    account (x-user-limit-24hour-*), else the endpoint's 15-minute window
    (x-rate-limit-*) — or as Retry-After says; fifteen minutes when nothing is said."""
    waits = [budget_wait(response, remaining="x-user-limit-24hour-remaining",
                         reset="x-user-limit-24hour-reset"),
             budget_wait(response, remaining="x-rate-limit-remaining",
                         reset="x-rate-limit-reset"),
             retry_after_seconds(response)]
    wait = max((w for w in waits if w is not None), default=DEFAULT_WAIT)
    return TransientError(_("X: too many requests for now; smmdesk will try again in "
                            "%(minutes)d min.") % {"minutes": max(1, round(wait / 60))},
                          code="rate_limited", raw=raw, retry_after=wait)


def _usage_capped(response: httpx.Response, data: dict, raw: Any) -> TransientError:
    """The developer app spent its tier's monthly (or daily) cap: nothing on this app
    works until it resets, whichever channel asks."""
    wait = (budget_wait(response, remaining="x-rate-limit-remaining",
                        reset="x-rate-limit-reset") or retry_after_seconds(response)
            or _until_period_end(str(data.get("period") or "Monthly")))
    return TransientError(_(
        "X: smmdesk's developer app has used up its API tier's allowance (%(reason)s). "
        "Publishing to X resumes when it resets, or sooner on a higher tier.")
        % {"reason": reason_of(data)}, code="usage_capped", raw=raw, retry_after=wait,
        scope="app")


def _until_period_end(period: str, now: datetime | None = None) -> float:
    now = now or datetime.now(UTC)
    if period.lower() == "daily":
        end = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        end = (first + timedelta(days=32)).replace(day=1)
    return max(60.0, (end - now).total_seconds())


def thread_stopped(exc: ConnectorError, posted: list[str], total: int,
                   url: str) -> ConnectorError:
    """A later part of a thread failed after the first ones were posted. ``raw`` names
    the posts already out (``thread_posted``) so that the next try goes on from the next
    part instead of posting them again (see ``XConnector.publish``)."""
    note = {"done": len(posted), "total": total, "url": url, "reason": exc.message}
    raw = {"thread_posted": list(posted), "parts": total, "error": exc.raw}
    if isinstance(exc, PermanentError):
        return PermanentError(_(
            "X published %(done)d of the %(total)d posts of this thread (%(url)s), then "
            "refused the next one: %(reason)s Delete what was posted or finish the thread "
            "on X.") % note, code="thread_incomplete", raw=raw,
            channel_broken=exc.channel_broken)
    if isinstance(exc, AmbiguousError):  # the next part may be out: never sent blindly
        return AmbiguousError(_(
            "X published %(done)d of the %(total)d posts of this thread (%(url)s); the next "
            "one may or may not have been posted (%(reason)s). smmdesk will check before "
            "going on.") % note, code="thread_incomplete", raw=raw)
    return TransientError(_(
        "X published %(done)d of the %(total)d posts of this thread (%(url)s), then: "
        "%(reason)s smmdesk will post the rest; the posts already out are not sent again.")
        % note, code="thread_incomplete", raw=raw,
        retry_after=getattr(exc, "retry_after", None) or 60,
        scope=getattr(exc, "scope", "channel"))
