"""The queue page: each channel's weekly posting times and how the next two weeks of
them are filled. "Add to queue" (in the editor) takes a channel's next free time."""

from __future__ import annotations

from itertools import groupby

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from smmdesk.accounts.roles import Perm
from smmdesk.channels.access import access_channel
from smmdesk.channels.models import Channel
from smmdesk.channels.selectors import channel_list
from smmdesk.lib.errors import InvalidInput, SmmdeskError
from smmdesk.publishing.queue import (
    slot_add,
    slot_clock_warnings,
    slot_overview,
    slot_remove,
)
from smmdesk.web.decorators import requires
from smmdesk.web.views.analytics_content import heat_views

EVERY_WEEKDAY = "mon-fri"
OVERVIEW_WEEKS = 2


class SlotForm(forms.Form):
    weekday = forms.ChoiceField(label=gettext_lazy("Day"), choices=lambda: [
        *((str(n), name) for n, name in WEEKDAYS.items()),
        (EVERY_WEEKDAY, _("Every weekday (Mon–Fri)"))])
    time = forms.TimeField(label=gettext_lazy("Time"))

    def weekdays(self) -> list[int]:
        value = self.cleaned_data["weekday"]
        return list(range(5)) if value == EVERY_WEEKDAY else [int(value)]


def _week(channel: Channel) -> list[dict]:
    """Monday to Sunday, each with its posting times."""
    slots = list(channel.slots.all())
    return [{"weekday": n, "name": name, "slots": [s for s in slots if s.weekday == n]}
            for n, name in WEEKDAYS.items()]


def _card(channel: Channel) -> dict:
    overview = slot_overview(channel, weeks=OVERVIEW_WEEKS)
    return {
        "channel": channel, "week": _week(channel),
        "days": [(day, list(entries))
                 for day, entries in groupby(overview, key=lambda e: e["at"].date())],
        "filled": sum(1 for e in overview if e["publication"]),
        "total": sum(1 for e in overview if not e["clock"]),
    }


def _days(cards: list[dict]) -> list[dict]:
    """The next two weeks of every channel in one list: per day, the filled times (with
    their channel), the times skipped for a clock change, and how many are still free."""
    by_day: dict = {}
    for card in cards:
        for day, entries in card["days"]:
            row = by_day.setdefault(day, {"day": day, "entries": [], "free": 0})
            for e in entries:
                if e["publication"] or e["clock"]:
                    row["entries"].append({**e, "channel": card["channel"]})
                else:
                    row["free"] += 1
    rows = [by_day[day] for day in sorted(by_day)]
    for row in rows:
        row["entries"].sort(key=lambda e: (e["at"].time(), e["channel"].pk))
    return rows


@requires(Perm.CHANNELS_VIEW)
def queue(request, membership):
    """One weekly grid (a row per channel) and one list of the next two weeks."""
    cards = [_card(c) for c in channel_list(workspace=membership.workspace)
             .prefetch_related("slots")]
    heats = None
    if cards and membership.can("analytics.view"):  # the best time to post, from history
        overall, per_channel = heat_views(workspace=membership.workspace,
                                          channels=[card["channel"] for card in cards])
        heats = {"overall": overall, "channels": [
            (card["channel"], per_channel[card["channel"].pk]) for card in cards]}
    return render(request, "web/queue.html", {
        "cards": cards, "days": _days(cards), "weekday_names": list(WEEKDAYS.values()),
        "heats": heats,
        "weekday_choices": SlotForm().fields["weekday"].choices,
        "can_manage": membership.can("channels.manage"),
    })


def _channel(membership, channel_id: int) -> Channel:
    try:
        return access_channel(workspace=membership.workspace, channel_id=channel_id)
    except SmmdeskError:
        raise Http404 from None


def _back(membership, channel: Channel):
    return redirect(f"{reverse('web:queue', args=[membership.workspace.slug])}"
                    f"#channel-{channel.pk}")


@require_POST
@requires(Perm.CHANNELS_MANAGE)
def time_add(request, membership, channel_id: int):
    channel = _channel(membership, channel_id)
    form = SlotForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidInput(_("Choose a day and a time such as 09:30."), code="invalid_slot")
        days = form.weekdays()
        for weekday in days:
            slot_add(channel=channel, weekday=weekday, at=form.cleaned_data["time"])
    except SmmdeskError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, ngettext("%(n)d posting time added.",
                                           "%(n)d posting times added.", len(days))
                         % {"n": len(days)})
        for weekday in days:  # daylight saving: say which days the queue will skip it
            for warning in slot_clock_warnings(channel, at=form.cleaned_data["time"],
                                               weekday=weekday):
                messages.warning(request, warning)
    return _back(membership, channel)


@require_POST
@requires(Perm.CHANNELS_MANAGE)
def time_remove(request, membership, channel_id: int, slot_id: int):
    channel = _channel(membership, channel_id)
    slot_remove(channel=channel, slot_id=slot_id)
    messages.success(request, _("Posting time removed."))
    return _back(membership, channel)


urlpatterns = [
    path("w/<slug:slug>/queue/", queue, name="queue"),
    path("w/<slug:slug>/queue/<int:channel_id>/times/add/", time_add, name="queue_time_add"),
    path("w/<slug:slug>/queue/<int:channel_id>/times/<int:slot_id>/remove/", time_remove,
         name="queue_time_remove"),
]
