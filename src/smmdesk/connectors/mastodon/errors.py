"""Unsuccessful Mastodon answers as the errors the engine acts on, in the person's words."""

from __future__ import annotations

import re
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


# Words of a refused token, in the servers' JSON ("The access token is invalid",
# "invalid_token") and in the HTML error pages some answer with instead (a 400 "Invalid
# access token" page). Matched on the text, whatever the status says.
_TOKEN_WORDS = re.compile(r"invalid[_ ](?:access[_ ])?token|token (?:is |was |has been )?"
                          r"(?:invalid|revoked|expired)|(?:revoked|expired) (?:access )?token"
                          r"|not (?:logged in|authenticated)|authenticated user", re.I)
# A 401 that is about the status, not the token ("not the author", "not allowed to").
_NOT_YOURS = re.compile(r"not (?:the )?(?:author|owner|yours)|does not belong|"
                        r"not (?:allowed|permitted|authori[sz]ed) to", re.I)


def _api_error(response: httpx.Response, *, creates: bool, who: dict,
               own_status: bool = False) -> ConnectorError:
    """One unsuccessful answer → the error the engine acts on. Bodies are
    {"error": "..."} (https://docs.joinmastodon.org/client/intro/#responses), but not
    every server keeps to it: the words decide where the status code misleads. A
    refused token breaks the channel whether it comes as 401 JSON or as a 400 HTML page;
    a 401 on an edit or delete (``own_status``) that is not about the token says the
    status is someone else's, which is a refusal of that one action."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = {"error": _page_text(response.text)} if status in (400, 401, 403) else {}
    body = body if isinstance(body, dict) else {}
    reason = str(body.get("error") or body.get("error_description") or f"HTTP {status}")
    raw = {"status": status, "error": reason}
    token_words = bool(_TOKEN_WORDS.search(reason))
    if status == 401 and own_status and not token_words and _NOT_YOURS.search(reason):
        return PermanentError(_("Mastodon (%(instance)s) did not let %(account)s change this "
                                "post: %(reason)s. Only its author can edit or delete it.")
                              % {**who, "reason": reason}, code="not_author", raw=raw)
    if status == 401 or (status in (400, 403, 422) and token_words):
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


def _page_text(html: str) -> str:
    """The words of an HTML error page (its title and text), short."""
    text = re.sub(r"<(script|style)\b.*?</\1>|<[^>]+>", " ", html or "", flags=re.S | re.I)
    return " ".join(text.split())[:200]


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
    """A later part of a thread failed after the first ones were posted. The next
    publish looks for the parts already out before posting (``_already_out``), so
    anything not a refusal is "try again"; a refusal needs a person, told what is
    already out. (Where that look cannot work, ``_unsure_thread`` is used instead.)"""
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


def _scopes_refused(exc: PermanentError) -> bool:
    """App registration refused because of the granular scopes (a server that knows only
    read, write, admin): worth one more try with the coarse ones."""
    raw = exc.raw if isinstance(exc.raw, dict) else {}
    return raw.get("status") in (400, 422) and "scope" in str(raw.get("error", "")).lower()


def _unsure_thread(done: int, total: int, url: str, exc: ConnectorError) -> AmbiguousError:
    """A thread broke off on a server where a resend could not find the parts already
    out (keys not honoured and the visibility hidden from the owner's own listing):
    resending would post them twice, so a person looks first."""
    return AmbiguousError(_(
        "Mastodon published %(done)d of the %(total)d posts of this thread (%(url)s), then: "
        "%(reason)s This server does not protect against posting twice, so smmdesk will "
        "not resend it by itself. Finish the thread on the server, or delete what was "
        "posted and publish again.") % {"done": done, "total": total, "url": url,
                                        "reason": exc.message},
        code="thread_incomplete", raw=exc.raw)
