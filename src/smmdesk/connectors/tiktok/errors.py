"""TikTok's errors, in words a person can act on.

Every v2 answer carries ``{"error": {"code": "ok" | "<reason>", "message", "log_id"}}``
(https://developers.tiktok.com/doc/tiktok-api-v2-error-handling); the Content Posting
endpoints add their own codes (spam_risk_*, unaudited_client_..., url_ownership_...).
A post that TikTok accepted and later gave up on reports FAILED with a ``fail_reason``
in /v2/post/publish/status/fetch/; ``failed`` turns those into errors too.
"""

from __future__ import annotations

from typing import Any

import httpx
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smmdesk.connectors.base import (
    AmbiguousError,
    ConnectorError,
    PermanentError,
    TransientError,
)
from smmdesk.lib.http import retry_after_seconds

# TikTok sends no Retry-After; its limits are per minute (sliding window).
RATE_LIMIT_WAIT = 60.0
# "The daily quota for active publishing users from your client is reached": the whole
# app waits, for hours rather than minutes.
ACTIVE_USER_CAP_WAIT = 3600.0
_SPAM = ("spam_risk", "spam_risk_text", "spam_risk_too_many_pending_share")

# fail_reason values of the status endpoint (Get Post Status reference, fail_reason table).
_FAIL_REASONS = {
    "file_format_check_failed": gettext_lazy(
        "TikTok does not accept the file format (videos: MP4, WebM or MOV; photos: JPEG or "
        "WebP)"),
    "duration_check_failed": gettext_lazy(
        "the video is longer than this TikTok account may post"),
    "frame_rate_check_failed": gettext_lazy(
        "the video's frame rate is outside the 23–60 frames per second TikTok accepts"),
    "picture_size_check_failed": gettext_lazy(
        "the picture size is outside what TikTok accepts (videos 360–4096 pixels a side, "
        "photos up to 1080p)"),
    "video_pull_failed": gettext_lazy(
        "TikTok could not download the video from smmdesk"),
    "photo_pull_failed": gettext_lazy(
        "TikTok could not download the photos from smmdesk"),
    "publish_cancelled": gettext_lazy("the post was cancelled in TikTok"),
}


def api_error(response: httpx.Response, body: dict | None, *, account: str,
              create: bool) -> ConnectorError:
    """One unsuccessful answer as the error the engine acts on. ``create``: the request
    may have published something (a failure after sending is then ambiguous)."""
    err = (body or {}).get("error")
    err = err if isinstance(err, dict) else {}
    code = str(err.get("code") or "")
    status = response.status_code
    raw = {"status": status, "error": err or response.text[:500],
           "path": response.request.url.path}
    who = {"account": account, "reason": str(err.get("message") or code or f"HTTP {status}")}
    if code in ("access_token_invalid", "scope_not_authorized", "scope_permission_missed"):
        return _broken(code, who, raw)
    if code == "rate_limit_exceeded" or status == 429:
        return TransientError(_(
            "TikTok asks smmdesk to slow down (it allows 6 new posts a minute per account); "
            "smmdesk will try again in a minute."), code="rate_limited", raw=raw,
            retry_after=retry_after_seconds(response) or RATE_LIMIT_WAIT)
    if code == "reached_active_user_cap":
        return TransientError(_(
            "TikTok: smmdesk's app reached its daily number of publishing accounts; smmdesk "
            "will try again in an hour."), code="active_user_cap", raw=raw,
            retry_after=ACTIVE_USER_CAP_WAIT, scope="app")
    if code in ("spam_risk_too_many_posts", "spam_risk_user_banned_from_posting") \
            or code in _SPAM:
        return _spam(code, who, raw)
    if code == "unaudited_client_can_only_post_to_private_accounts":
        return PermanentError(_(
            "TikTok lets smmdesk's app publish only private posts until TikTok has audited "
            "it. Choose “Only me” under “Who can watch”, or ask whoever runs smmdesk to have "
            "the TikTok app audited."), code="unaudited_app", raw=raw)
    if code == "privacy_level_option_mismatch":
        return PermanentError(_(
            "TikTok: %(account)s cannot post with the chosen “Who can watch” setting. "
            "Choose another one and publish again.") % who, code="privacy_not_offered",
            raw=raw)
    if code == "url_ownership_unverified":
        return PermanentError(_(
            "TikTok downloads media only from addresses verified in the TikTok developer "
            "portal. Verify smmdesk's address (SMMDESK_SITE_URL) there under “URL "
            "properties”, then publish again."), code="url_unverified", raw=raw)
    if status >= 500 or code == "internal_error" or not code:
        return _server_error(create, who, raw)
    return PermanentError(_("TikTok refused: %(reason)s") % who, code=code or "refused",
                          raw=raw)


def failed(data: dict, *, account: str) -> ConnectorError:
    """A FAILED status. ``auth_removed``: the creator took smmdesk's access away; spam
    reasons read like the init errors; ``internal``: TikTok's problem, nothing was
    published, so it is simply tried again."""
    reason = str(data.get("fail_reason") or "")
    raw = {"status": "FAILED", "fail_reason": reason}
    who = {"account": account, "reason": reason}
    if reason == "auth_removed":
        return _broken("access_token_invalid", who, raw)
    if reason.startswith("spam_risk"):
        return _spam(reason, who, raw)
    if reason in ("internal", "internal_error", ""):
        return TransientError(_(
            "TikTok could not finish the post because of a problem on its side; smmdesk will "
            "try again."), code="publish_failed", raw=raw)
    words = str(_FAIL_REASONS.get(reason) or reason)
    return PermanentError(_("TikTok could not publish the post: %(why)s.") % {"why": words},
                          code=f"publish_failed:{reason}", raw=raw)


def _broken(code: str, who: dict, raw: Any) -> PermanentError:
    if code == "access_token_invalid":
        return PermanentError(_(
            "TikTok: smmdesk's access to %(account)s is no longer valid (it was revoked or "
            "could not be renewed). Reconnect the channel and sign in with TikTok again.")
            % who, code="token_invalid", raw=raw, channel_broken=True)
    return PermanentError(_(
        "TikTok: smmdesk lacks a permission for %(account)s (%(reason)s). Reconnect the "
        "channel and leave every permission switched on in TikTok's dialog.") % who,
        code="missing_permission", raw=raw, channel_broken=True)


def _spam(code: str, who: dict, raw: Any) -> PermanentError:
    if code == "spam_risk_too_many_posts":
        return PermanentError(_(
            "TikTok: %(account)s reached the number of posts TikTok lets apps publish for "
            "one account in a day (about 15). Publish this one tomorrow, or post it from the "
            "TikTok app.") % who, code="daily_cap", raw=raw)
    if code == "spam_risk_user_banned_from_posting":
        return PermanentError(_(
            "TikTok has banned %(account)s from posting for now. Open the TikTok app to see "
            "why and for how long, and appeal there if it is a mistake.") % who,
            code="banned", raw=raw)
    return PermanentError(_(
        "TikTok refused the post as possible spam (%(reason)s). Change the text, wait for "
        "pending TikTok drafts to be posted or deleted, and try again.") % who,
        code="spam_risk", raw=raw)


def _server_error(create: bool, who: dict, raw: Any) -> ConnectorError:
    if create:
        return AmbiguousError(_(
            "TikTok had a problem on its side (%(reason)s); the post may or may not have "
            "been created. smmdesk will check before sending it again.") % who,
            code="server_error", raw=raw)
    return TransientError(_(
        "TikTok had a temporary problem (%(reason)s); smmdesk will try again.") % who,
        code="server_error", raw=raw)
