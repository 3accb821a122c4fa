"""Alerts of listening: a negative mention, a spike in a query's volume, told to the
people responsible for the inbox, in the app, by e-mail and by the workspace's Telegram
bot (both through the outbox, after commit), each once."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from smmdesk.inbox.alerts import responsible, telegram_alert_enqueue
from smmdesk.listening.models import Mention, Spike
from smmdesk.team.services import notify, recipient_language

ONE_BY_ONE = 3


def tell(workspace, text, url: str, dedupe_key: str) -> None:
    notify(users=responsible(workspace), workspace=workspace, text=text, url=url)
    with translation.override(recipient_language(None, workspace)):
        said = text()
    telegram_alert_enqueue(workspace=workspace, text=said, dedupe_key=dedupe_key)


def alert_negative_mentions(workspace, mentions: list[Mention]) -> None:
    if len(mentions) > ONE_BY_ONE:
        def summary():
            return ngettext("%(n)d negative mention of the brand, e.g. “%(text)s”",
                            "%(n)d negative mentions of the brand, e.g. “%(text)s”",
                            len(mentions)) % {"n": len(mentions),
                                              "text": mentions[0].item.text[:200]}
        tell(workspace, summary, f"/w/{workspace.slug}/listening/?sentiment=negative",
              f"telegram_alert:mentions:{mentions[0].pk}-{mentions[-1].pk}")
        return
    for m in mentions:
        def one(m=m):
            return _("Negative mention by %(author)s on %(source)s: “%(text)s”") % {
                "author": m.item.author or m.item.author_id or "?",
                "source": m.item.source.name, "text": m.item.text[:300]}
        tell(workspace, one, f"/w/{workspace.slug}/listening/{m.pk}/",
              f"telegram_alert:mention:{m.pk}")


def alert_spike(workspace, spike: Spike) -> None:
    def text():
        return ngettext("Spike in “%(query)s”: %(count)d mentions in the last hour, usually "
                        "about %(expected)s.",
                        "Spike in “%(query)s”: %(count)d mentions in the last %(hours)d "
                        "hours, usually about %(expected)s.", spike.hours) % {
            "query": spike.query.name, "count": spike.count, "hours": spike.hours,
            "expected": f"{spike.expected:.1f}"}
    tell(workspace, text, f"/w/{workspace.slug}/listening/?query={spike.query_id}&spike="
         f"{spike.pk}", f"telegram_alert:spike:{spike.pk}")
