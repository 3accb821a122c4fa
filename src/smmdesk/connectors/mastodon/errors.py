"""Unsuccessful Mastodon answers as the errors the engine acts on, in the person's words."""

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
from smmdesk.connectors.mastodon.common import SCOPES
from smmdesk.lib.http import retry_after_seconds


def _body(response: httpx.Response, *, creates: bool) -> Any:
    try:
        return response.json()
    except ValueError:  # a proxy's HTML page instead of the API's JSON
        raw = {"status": response.status_code, "body": response.text[:500]}
        raise _server_error(creates, raw) from None


def _api_error(response: httpx.Response, *, creates: bool, who: dict) -> ConnectorError:
    """One unsuccessful answer → the error the engine acts on. Bodies are
    {"error": "..."} (https://docs.joinmastodon.org/client/intro/#responses)."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    reason = str(body.get("error") or body.get("error_description") or f"HTTP {status}")
    raw = {"status": status, "error": reason}
    if status == 401 or (status == 422 and "authenticated user" in reason.lower()):
        return PermanentError(_(
            "Mastodon: %(instance)s no longer accepts smmdesk's access to %(account)s (the "
            "app was removed from the account's authorized apps, or the token was revoked). "
            "Reconnect the channel.") % who, code="token_invalid", raw=raw, channel_broken=True)
    if status in (403, 410):
        return _forbidden(status, reason, who, raw)
    if status == 404:
        return PermanentError(_("Mastodon: %(instance)s has no such post (it was deleted, or "
                                "is not one of %(account)s's).") % who, code="not_found", raw=raw)
    if status == 429:
        return _rate_limited(response, raw)
    if status >= 500 or status < 400:
        return _server_error(creates, raw)
    return PermanentError(_("Mastodon refused: %(reason)s") % {"reason": reason},
                          code="refused", raw=raw)


def _forbidden(status: int, reason: str, who: dict, raw: dict) -> PermanentError:
    low = reason.lower()
    if "scope" in low:
        return PermanentError(_(
            "Mastodon: smmdesk's access to %(account)s lacks a permission it needs "
            "(%(reason)s). Reconnect the channel to grant it.") % {**who, "reason": reason},
            code="scope_missing", raw=raw, channel_broken=True)
    if status == 410 or any(w in low for w in ("login", "account", "e-mail", "approval")):
        return PermanentError(_(
            "Mastodon (%(instance)s) refused access to %(account)s: %(reason)s. Sort this "
            "out on %(instance)s, then reconnect the channel.") % {**who, "reason": reason},
            code="account_unavailable", raw=raw, channel_broken=True)
    return PermanentError(_("Mastodon refused: %(reason)s") % {"reason": reason},
                          code="refused", raw=raw)


def _rate_limited(response: httpx.Response, raw: dict) -> TransientError:
    """429: X-RateLimit-Reset (an ISO time) says when the spent budget comes back."""
    wait = budget_wait(response, remaining="X-RateLimit-Remaining", reset="X-RateLimit-Reset")
    if wait is None:
        wait = retry_after_seconds(response) or 300.0
    return TransientError(_("Mastodon asks to slow down; smmdesk will try again in "
                            "%(seconds)d seconds.") % {"seconds": round(wait)},
                          code="rate_limited", raw=raw, retry_after=wait)


def _server_error(creates: bool, raw: dict) -> ConnectorError:
    if creates:
        return AmbiguousError(_("Mastodon had a problem on its side; the post may or may not "
                                "have been created. smmdesk will check before sending it "
                                "again."), code="server_error", raw=raw)
    return TransientError(_("Mastodon had a problem on its side. smmdesk will try again."),
                          code="server_error", raw=raw)


def _thread_stopped(exc: ConnectorError, done: int, total: int, url: str) -> ConnectorError:
    """A later part of a thread failed after the first ones were posted. Resending is
    safe while the server remembers the idempotency keys (an hour), so anything not
    a refusal is "try again"; a refusal needs a person, told what is already out."""
    note = {"done": done, "total": total, "url": url, "reason": exc.message}
    if isinstance(exc, PermanentError):
        return PermanentError(_(
            "Mastodon published %(done)d of the %(total)d posts of this thread (%(url)s), "
            "then refused the next one: %(reason)s Delete what was posted or finish the "
            "thread on Mastodon.") % note, code="thread_incomplete", raw=exc.raw,
            channel_broken=exc.channel_broken)
    return TransientError(_(
        "Mastodon published %(done)d of the %(total)d posts of this thread, then: "
        "%(reason)s smmdesk will finish it; the posts already out will not be posted twice.")
        % note, code="thread_incomplete", raw=exc.raw,
        retry_after=getattr(exc, "retry_after", None))


def _not_mastodon(instance: str, raw: Any) -> PermanentError:
    return PermanentError(_("Mastodon: %(instance)s does not look like a Mastodon server. "
                            "Check the address.") % {"instance": instance},
                          code="not_mastodon", raw=raw)


def _unreachable(instance: str) -> PermanentError:
    return PermanentError(_("Mastodon: %(instance)s could not be reached. Check the server's "
                            "address (for example mastodon.social) and try again in a minute.")
                          % {"instance": instance}, code="unreachable")


def _require_scopes(token: dict, instance: str) -> None:
    granted = set(str(token.get("scope") or " ".join(SCOPES)).split())
    missing = [s for s in SCOPES if s not in granted and s.split(":")[0] not in granted]
    if missing:
        raise PermanentError(_(
            "Mastodon: %(instance)s granted smmdesk less than it asked for (missing: "
            "%(scopes)s). Connect again and allow everything on the sign-in page.")
            % {"instance": instance, "scopes": ", ".join(missing)}, code="scope_missing")
