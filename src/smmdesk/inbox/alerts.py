"""A negative complaint goes to the responsible member: in the app, by e-mail, and by a
Telegram message from the bot the workspace configures. E-mail and Telegram go through the
outbox (``core.outbox``): sent by a worker after commit, retried when they fail."""

from __future__ import annotations

import logging

from django.utils import translation
from django.utils.translation import gettext as _

from smmdesk.accounts.models import Membership
from smmdesk.accounts.roles import Role
from smmdesk.core.outbox import OutboxPermanentError, outbox_enqueue
from smmdesk.inbox.models import InboxSettings, Message
from smmdesk.lib.crypto import decrypt_json
from smmdesk.lib.http import HttpClient, HttpFailure
from smmdesk.team.services import notify, recipient_language

log = logging.getLogger("smmdesk.inbox")


def responsible(workspace) -> list:
    settings = InboxSettings.objects.filter(workspace=workspace).select_related(
        "responsible").first()
    if settings and settings.responsible_id:
        return [settings.responsible]
    return [m.user for m in Membership.objects.filter(
        workspace=workspace, role__in=[Role.OWNER, Role.MANAGER]).select_related("user")]


def alert_text(m: Message) -> str:
    return _("Negative message on %(channel)s from %(author)s: “%(text)s”") % {
        "channel": m.channel.name, "author": m.author or "?", "text": m.text[:300]}


def alert_negative(m: Message) -> None:
    url = f"/w/{m.workspace.slug}/inbox/{m.pk}/"
    notify(users=responsible(m.workspace), workspace=m.workspace, text=lambda: alert_text(m),
           url=url)
    with translation.override(recipient_language(None, m.workspace)):
        text = alert_text(m)
    telegram_alert_enqueue(workspace=m.workspace, text=text,
                           dedupe_key=f"telegram_alert:message:{m.pk}")


def telegram_alert_enqueue(*, workspace, text: str, dedupe_key: str | None = None) -> None:
    """Queue an alert for the workspace's bot, if it has one; a worker sends it after
    commit (``telegram_alert_handler``). The bot token stays encrypted in the settings."""
    settings = InboxSettings.objects.filter(workspace=workspace).first()
    if settings and settings.telegram_alerts_encrypted:
        outbox_enqueue(kind="telegram_alert", workspace=workspace, payload={"text": text},
                       dedupe_key=dedupe_key)


def telegram_alert_handler(message) -> None:
    """Outbox handler. Telegram has no idempotency key for sendMessage, so a retry after
    a lost answer may show an alert twice: better than losing it."""
    settings = InboxSettings.objects.filter(workspace_id=message.workspace_id).first()
    if not settings or not settings.telegram_alerts_encrypted:
        return  # alerts were turned off since: nothing to send
    _telegram_send(decrypt_json(settings.telegram_alerts_encrypted), message.payload["text"])


class TelegramAlertFailed(Exception):
    """Telegram was unreachable or busy: worth another try."""


def _telegram_send(config: dict, text: str) -> None:
    """Bot API sendMessage. Raises ``TelegramAlertFailed`` (retry) or
    ``OutboxPermanentError`` (a bad token or chat: retrying cannot help)."""
    token, chat = config.get("bot_token", ""), config.get("chat_id", "")
    if not token or not chat:
        raise OutboxPermanentError("no bot token or chat is configured for alerts")
    with HttpClient(secrets=[token], timeout=10, retries=0) as http:
        try:
            r = http.request("POST", f"https://api.telegram.org/bot{token}/sendMessage",
                             json={"chat_id": chat, "text": text}, idempotent=False)
        except HttpFailure as exc:
            raise TelegramAlertFailed(f"Telegram could not be reached ({exc})") from exc
    if r.status_code == 200:
        return
    error = f"Telegram answered {r.status_code}: {http.mask(r.text[:300])}"
    if r.status_code == 429 or r.status_code >= 500:
        raise TelegramAlertFailed(error)
    raise OutboxPermanentError(error)


def telegram_alert(config: dict, text: str) -> bool:
    """Send ``text`` now (the settings page's test button); True when Telegram took it."""
    try:
        _telegram_send(config, text)
    except (TelegramAlertFailed, OutboxPermanentError) as exc:
        log.warning("Telegram alert not delivered: %s", exc)
        return False
    return True


def alert_summary(workspace, messages: list[Message]) -> None:
    """Many negative messages at once (a crisis, or a first import): one alert, not many."""
    from django.utils.translation import ngettext

    def summary():
        return ngettext("%(n)d negative message needs an answer, e.g. “%(text)s”",
                        "%(n)d negative messages need an answer, e.g. “%(text)s”",
                        len(messages)) % {"n": len(messages),
                                          "text": messages[0].text[:200]}

    url = f"/w/{workspace.slug}/inbox/?sentiment=negative"
    notify(users=responsible(workspace), workspace=workspace, text=summary, url=url)
    with translation.override(recipient_language(None, workspace)):
        text = summary()
    first, last = messages[0].pk, messages[-1].pk
    telegram_alert_enqueue(workspace=workspace, text=text,
                           dedupe_key=f"telegram_alert:summary:{first}-{last}")
