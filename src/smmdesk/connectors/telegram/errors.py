"""Unsuccessful Bot API answers, as the errors the engine acts on, in the person's words."""

from __future__ import annotations

import httpx
from django.utils.translation import gettext as _

from smmdesk.connectors.base import AmbiguousError, ConnectorError, PermanentError, TransientError
from smmdesk.connectors.telegram.common import _REPEATABLE
from smmdesk.lib.http import retry_after_seconds

# Descriptions Telegram gives when the bot lost the right to post in the channel.
_NOT_ADMIN = ("bot is not a member", "bot was kicked", "need administrator rights",
              "not enough rights", "chat_admin_required", "chat_write_forbidden",
              "have no rights to send")


def _api_error(response: httpx.Response, body: dict, method: str,
               who: dict[str, str], in_group: bool = False) -> ConnectorError:
    """Turn one unsuccessful Bot API answer into the error the engine acts on.
    Shape: {"ok": false, "error_code": 429, "description": "...",
    "parameters": {"retry_after": 7}} (https://core.telegram.org/bots/api#making-requests).
    A proxy in front of the API may answer with HTML instead: then the status decides."""
    status = response.status_code
    code = int(body.get("error_code") or status)
    raw = {"method": method, "status": status, "body": body or response.text[:500]}
    if code in (401, 404):
        return PermanentError(_(
            "Telegram: the bot token is no longer valid. Create a new one with @BotFather "
            "(/mybots, your bot, “API Token”), then reconnect the channel with it."),
            code="token_invalid", raw=raw, channel_broken=True)
    if code == 429:
        return _flood(response, body, raw)
    if code >= 500 or status >= 500 or status == 200:  # 200 without a result: unreadable
        return _server_error(method, raw)
    desc = str(body.get("description") or f"HTTP {status}")
    if code == 409:
        return _conflict(desc, who, raw)
    return (in_group and _group_refusal(code, desc, who, raw)) or _refusal(code, desc, who, raw)


def _flood(response: httpx.Response, body: dict, raw: dict) -> TransientError:
    wait = (body.get("parameters") or {}).get("retry_after")
    wait = float(wait) if wait is not None else retry_after_seconds(response)
    if wait is None:
        msg = _("Telegram asks to slow down; smmdesk will try again later.")
    else:
        msg = _("Telegram asks to slow down; smmdesk will try again in %(seconds)d seconds.") \
            % {"seconds": round(wait)}
    return TransientError(msg, code="rate_limited", raw=raw, retry_after=wait)


def _server_error(method: str, raw: dict) -> ConnectorError:
    if method in _REPEATABLE:
        return TransientError(_("Telegram had a problem on its side. smmdesk will try again."),
                              code="server_error", raw=raw)
    return AmbiguousError(_("Telegram had a problem on its side; the post may or may not have "
                            "been created or changed. smmdesk will not send it again without "
                            "checking."), code="server_error", raw=raw)


def _conflict(desc: str, who: dict[str, str], raw: dict) -> ConnectorError:
    """getUpdates refused with 409: a webhook takes the bot's updates, or another program
    polls the same bot (then each of us gets only part of the updates)."""
    if "webhook is active" in desc.lower():
        return PermanentError(_(
            "Telegram: the bot %(bot)s delivers its updates to a webhook that smmdesk did not "
            "set for %(channel)s (another program, or another channel using the same bot), so "
            "smmdesk cannot read its comments. Give this channel a bot of its own from "
            "@BotFather, or remove the other webhook.") % who, code="webhook_active", raw=raw)
    return TransientError(_(
        "Telegram: another program is reading the updates of the bot %(bot)s at the same time, "
        "so comments of %(channel)s may be missed. Give smmdesk a bot of its own from "
        "@BotFather.") % who, code="updates_conflict", raw=raw, retry_after=60.0)


def _group_refusal(code: int, desc: str, who: dict[str, str], raw: dict
                   ) -> PermanentError | None:
    """Refusals of a reply or a delete in the discussion group (or a private chat): about
    comments only, so the channel keeps publishing (never ``channel_broken``)."""
    low = desc.lower()
    if "blocked by the user" in low:
        return PermanentError(_("Telegram: this person has blocked the bot %(bot)s, so it "
                                "cannot answer them.") % who, code="blocked", raw=raw)
    if "message can't be deleted" in low:
        return PermanentError(_(
            "Telegram did not let the bot %(bot)s delete this comment. A bot may delete "
            "comments only within 48 hours, as an admin of the discussion group of "
            "%(channel)s with the “Delete messages” right — check the bot's rights in the "
            "group, or delete the comment in the Telegram app.") % who,
            code="cannot_delete_comment", raw=raw)
    if "message to be replied not found" in low:
        return PermanentError(_("Telegram: this comment has been deleted, so there is "
                                "nothing to reply to."), code="comment_gone", raw=raw)
    if code == 403 or "chat not found" in low or any(s in low for s in _NOT_ADMIN):
        return PermanentError(_(
            "Telegram: the bot %(bot)s cannot write or delete in the discussion group of "
            "%(channel)s. Add the bot to that group as an admin with the right to delete "
            "messages (an admin bot also sees every comment), then try again.") % who,
            code="group_not_admin", raw=raw)
    return None


def _refusal(code: int, desc: str, who: dict[str, str], raw: dict) -> PermanentError:
    low = desc.lower()
    if "chat not found" in low:
        return PermanentError(_(
            "Telegram: the bot %(bot)s cannot find the channel %(channel)s. Check the "
            "channel's name or link, and that the bot is one of its admins, then connect "
            "the channel again.") % who, code="chat_not_found", raw=raw, channel_broken=True)
    if code == 403 or any(s in low for s in _NOT_ADMIN):
        return PermanentError(_not_admin_message(who), code="not_admin", raw=raw,
                              channel_broken=True)
    if "message is not modified" in low:
        return PermanentError(desc, code="not_modified", raw=raw)
    if "message to delete not found" in low:
        return PermanentError(desc, code="already_deleted", raw=raw)
    if "message can't be deleted" in low:
        return PermanentError(_(
            "Telegram lets a bot delete a channel post only within 48 hours of posting. "
            "Delete this one in the Telegram app."), code="too_old_to_delete", raw=raw)
    if "bad webhook" in low:
        return PermanentError(_(
            "Telegram refused the webhook address (%(reason)s). It delivers only to a public "
            "HTTPS address on port 443, 80, 88 or 8443: set SMMDESK_SITE_URL to this "
            "server's public https:// address, or leave webhooks off and smmdesk will fetch "
            "comments itself.") % {"reason": desc.split("bad webhook:", 1)[-1].strip()},
            code="bad_webhook", raw=raw)
    return PermanentError(_("Telegram refused: %(reason)s") % {"reason": desc},
                          code="bad_request", raw=raw)


def _not_admin_message(who: dict[str, str]) -> str:
    return _("Telegram: the bot %(bot)s is not an admin of %(channel)s — add it as an admin "
             "with the right to post messages, then connect again.") % who


def _bad_token() -> PermanentError:
    return PermanentError(_(
        "Telegram did not accept this bot token. Open @BotFather in Telegram, send /mybots, "
        "choose your bot, tap “API Token” and copy the whole token (it looks like "
        "123456789:AAE…), then paste it here."), code="token_invalid")
