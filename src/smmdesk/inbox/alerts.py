"""A negative complaint goes to the responsible member: in the app, by e-mail, and by a
Telegram message from the bot the workspace configures."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

from smmdesk.accounts.models import Membership
from smmdesk.accounts.roles import Role
from smmdesk.inbox.models import InboxSettings, Message
from smmdesk.lib.crypto import decrypt_json
from smmdesk.lib.http import HttpClient, HttpFailure
from smmdesk.team.services import notify

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
    notify(users=responsible(m.workspace), workspace=m.workspace, text=alert_text(m), url=url)
    settings = InboxSettings.objects.filter(workspace=m.workspace).first()
    if settings and settings.telegram_alerts_encrypted:
        telegram_alert(decrypt_json(settings.telegram_alerts_encrypted), alert_text(m))


def telegram_alert(config: dict, text: str) -> bool:
    """Send ``text`` to the configured chat with the configured bot (Bot API sendMessage)."""
    token, chat = config.get("bot_token", ""), config.get("chat_id", "")
    if not token or not chat:
        return False
    with HttpClient(secrets=[token], timeout=10, retries=0) as http:
        try:
            r = http.request("POST", f"https://api.telegram.org/bot{token}/sendMessage",
                             json={"chat_id": chat, "text": text}, idempotent=False)
        except HttpFailure:
            log.warning("Telegram alert not delivered: Telegram could not be reached")
            return False
    if r.status_code != 200:
        log.warning("Telegram alert refused: %s", http.mask(r.text[:300]))
    return r.status_code == 200


def alert_summary(workspace, messages: list[Message]) -> None:
    """Many negative messages at once (a crisis, or a first import): one alert, not many."""
    from django.utils.translation import ngettext

    text = ngettext("%(n)d negative message needs an answer, e.g. “%(text)s”",
                    "%(n)d negative messages need an answer, e.g. “%(text)s”",
                    len(messages)) % {"n": len(messages), "text": messages[0].text[:200]}
    url = f"/w/{workspace.slug}/inbox/?sentiment=negative"
    notify(users=responsible(workspace), workspace=workspace, text=text, url=url)
    settings = InboxSettings.objects.filter(workspace=workspace).first()
    if settings and settings.telegram_alerts_encrypted:
        telegram_alert(decrypt_json(settings.telegram_alerts_encrypted), text)
