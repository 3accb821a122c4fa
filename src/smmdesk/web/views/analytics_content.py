"""Content analytics: which rubric, format and campaign work, and the best time to post
(a weekday × hour heatmap per channel). The queue and the content plan show parts of it."""

from __future__ import annotations

from datetime import time

from django.shortcuts import render
from django.urls import path
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from smmdesk.accounts.roles import Perm
from smmdesk.analytics import metrics
from smmdesk.analytics.performance import PERFORMANCE_AGE_HOURS, performance_get
from smmdesk.analytics.timing import (
    HEATMAP_CACHE_SECONDS,
    HISTORY_DAYS,
    MIN_POSTS,
    TIMING_AGE_HOURS,
    Cell,
    Heatmap,
    heatmap_best,
    heatmap_cached,
)
from smmdesk.channels.selectors import channel_list
from smmdesk.web.decorators import requires

PERIODS = (30, 90, 180, 365)
DEFAULT_DAYS = 90
SUGGESTIONS = 3


def lift_text(lift: float | None) -> str:
    """+30 % above average as "+30%"; "" when unknown."""
    return "" if lift is None else f"{lift * 100:+.0f}%"


def _cell_title(cell: Cell, channel_map: bool) -> str:
    when = {"day": WEEKDAYS_ABBR[cell.weekday], "time": f"{cell.hour:02d}:00", "n": cell.posts}
    if cell.index is None:
        return ngettext("%(day)s %(time)s: not enough data (%(n)d post)",
                        "%(day)s %(time)s: not enough data (%(n)d posts)", cell.posts) % when
    when["lift"] = lift_text(cell.lift)
    if channel_map:
        when["er"] = number_format(cell.er, 1)
        return ngettext("%(day)s %(time)s: ER %(er)s%%, %(lift)s vs the average, %(n)d post",
                        "%(day)s %(time)s: ER %(er)s%%, %(lift)s vs the average, %(n)d posts",
                        cell.posts) % when
    return ngettext("%(day)s %(time)s: %(lift)s vs the average, %(n)d post",
                    "%(day)s %(time)s: %(lift)s vs the average, %(n)d posts",
                    cell.posts) % when


def slot_label(cell: Cell) -> str:
    return f"{WEEKDAYS_ABBR[cell.weekday]} {cell.hour:02d}:00"


def heat_view(heatmap: Heatmap, *, taken: set[tuple[int, time]] = frozenset()) -> dict:
    """What the heatmap template needs: rows of cells with their level and title, and
    the best slots (those already posting times marked ``taken``)."""
    channel_map = heatmap.channel is not None
    rows = [{"name": WEEKDAYS_ABBR[n],
             "cells": [{"level": "none" if c.level is None else c.level,
                        "title": _cell_title(c, channel_map)} for c in row]}
            for n, row in enumerate(heatmap.rows)]
    best = [{"cell": c, "label": slot_label(c), "weekday": c.weekday,
             "time": f"{c.hour:02d}:00", "lift": lift_text(c.lift),
             "taken": (c.weekday, time(c.hour)) in taken}
            for c in heatmap_best(heatmap=heatmap, limit=SUGGESTIONS)]
    return {"heatmap": heatmap, "rows": rows, "hours": range(24), "best": best,
            "has_data": any(c.index is not None for row in heatmap.rows for c in row)}


def heat_views(*, workspace, channels: list) -> tuple[dict, dict[int, dict]]:
    """The workspace's heatmap and one per channel (by channel id), ready to show; the
    workspace's also says when they were worked out (``computed_at``, ``cache_minutes``:
    they are kept that long, timing.heatmap_cached)."""
    overall, maps, at = heatmap_cached(workspace=workspace, channels=channels)
    taken = {c.pk: {(s.weekday, s.time) for s in c.slots.all()} for c in channels}
    return ({**heat_view(overall), "computed_at": at,
             "cache_minutes": HEATMAP_CACHE_SECONDS // 60},
            {m.channel.pk: heat_view(m, taken=taken[m.channel.pk]) for m in maps})


def _days(value: str | None) -> int:
    try:
        days = int(value or DEFAULT_DAYS)
    except ValueError:
        return DEFAULT_DAYS
    return days if days in PERIODS else DEFAULT_DAYS


@requires(Perm.ANALYTICS_VIEW)
def content(request, membership):
    """Rubric, format and campaign tables, and the best-time heatmaps."""
    ws = membership.workspace
    days = _days(request.GET.get("days"))
    channels = list(channel_list(workspace=ws).prefetch_related("slots"))
    overall, per_channel = heat_views(workspace=ws, channels=channels)
    return render(request, "web/analytics_content.html", {
        "performance": performance_get(workspace=ws, days=days, none_rubric=_("No rubric"),
                                       none_campaign=_("No campaign")),
        "days": days, "periods": PERIODS, "overall": overall,
        "channel_heats": [(c, per_channel[c.pk]) for c in channels],
        "age_days": PERFORMANCE_AGE_HOURS // 24, "timing_hours": TIMING_AGE_HOURS,
        "history_days": HISTORY_DAYS, "min_posts": MIN_POSTS,
        "er_tooltip": metrics.metric_get("er_post").tooltip(),
    })


urlpatterns = [
    path("w/<slug:slug>/analytics/content/", content, name="analytics_content"),
]
