"""The analytics dashboard (/w/<slug>/analytics/), its CSV export, and the per-post
curve on the publication page. Numbers come from analytics/dashboard.py; every chart is
drawn by static/smmdesk/charts.js from a JSON data island and has a table beside it."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smmdesk.accounts.models import Membership
from smmdesk.accounts.roles import Perm, role_can
from smmdesk.analytics import metrics
from smmdesk.analytics.dashboard import (
    DEFAULT_DAYS,
    ER_BASIS,
    PRESET_DAYS,
    RANK_BY,
    Dashboard,
    Period,
    channels_for,
    dashboard_get,
    period_last,
    post_curve,
    posts_ranked,
)
from smmdesk.connectors.registry import kind_label
from smmdesk.lib.csvsafe import csv_writer
from smmdesk.web.decorators import requires

MAX_DAYS = 3 * 366  # a custom period is at most about three years
CHARTS = ("followers", "views", "er", "posts", "top")
ER_BASIS_LABELS = {"post": gettext_lazy("ERpost, averaged per post"),
                   "day": gettext_lazy("ERday, averaged per day")}
AVERAGING_LABELS = {metrics.MEAN_OF_RATIOS: gettext_lazy("mean of ratios"),
                    metrics.RATIO_OF_SUMS: gettext_lazy("ratio of sums")}
RANK_LABELS = {"interactions": gettext_lazy("by interactions"),
               "er_view": gettext_lazy("by ER by views")}


# --- reading the filters ---------------------------------------------------------------

def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _period(request) -> tuple[Period, str]:
    """The period asked for (``days`` preset, or ``from``–``to``), and an error to show
    when the custom one could not be used."""
    today = timezone.localdate()
    start, end = _date(request.GET.get("from")), _date(request.GET.get("to"))
    if request.GET.get("from") or request.GET.get("to"):
        if not (start and end) or start > end:
            return period_last(days=DEFAULT_DAYS, today=today), _(
                "Choose both dates of the period, the first one no later than the second.")
        if (end - start).days >= MAX_DAYS:
            return period_last(days=DEFAULT_DAYS, today=today), _(
                "A period can be at most three years long.")
        return Period(start, end), ""
    days = request.GET.get("days", "")
    days = int(days) if days.isdigit() and int(days) in PRESET_DAYS else DEFAULT_DAYS
    return period_last(days=days, today=today), ""


def _choice(request, name: str, allowed, default: str) -> str:
    value = request.GET.get(name, default)
    return value if value in allowed else default


def _board(request, membership: Membership) -> tuple[Dashboard, dict]:
    period, error = _period(request)
    channel = request.GET.get("channel", "")
    channel_id = int(channel) if channel.isdigit() else None
    board = dashboard_get(
        workspace=membership.workspace, period=period, channel_id=channel_id,
        er_basis=_choice(request, "er", ER_BASIS, "post"),
        method=_choice(request, "avg", metrics.AVERAGING_METHODS, metrics.MEAN_OF_RATIOS),
        rank_by=_choice(request, "rank", RANK_BY, "interactions"))
    if channel_id and not board.channels:
        raise Http404
    return board, {"channel_id": channel_id, "error": error}


# --- charts ----------------------------------------------------------------------------

def _series(label, values, unit=metrics.COUNT) -> dict:
    return {"label": str(label), "values": [_round(v) for v in values], "unit": unit}


def _round(value):
    return round(value, 2) if isinstance(value, float) else value


def chart_list(board: Dashboard) -> list[dict]:
    """Each chart: id, title, type, labels and series — the data island and the table."""
    days = board.days
    labels = [date_format(d.day, "SHORT_DATE_FORMAT") for d in days]
    er = metrics.metric_get("er_day")
    erv = metrics.metric_get("er_view")

    def chart(id_, title, type_, *series, tooltip=""):
        return _chart_spec(id_, title, type_, labels, list(series), tooltip=tooltip)

    return [
        chart("followers", _("Followers"), "line",
              _series(_("Followers"), [d.followers for d in days]),
              tooltip=_("Followers per day: the day's last reading of each channel, added "
                        "up; a day without a reading keeps the day before's count.")),
        chart("views", _("Views and reach per day"), "line",
              _series(_("Views"), [d.views for d in days]),
              _series(_("Reach"), [d.reach for d in days]),
              tooltip=_("As the networks report them for each day.")),
        chart("er", _("Engagement rate per day"), "line",
              _series(er.label, [d.er_day for d in days], metrics.PERCENT),
              _series(erv.label, [d.er_view for d in days], metrics.PERCENT),
              tooltip=f"{er.tooltip()}; {erv.tooltip()}"),
        chart("posts", _("Posts per day"), "bar",
              _series(_("Posts"), [d.posts for d in days])),
    ]


def _chart_spec(id_, title, type_, labels, series, *, tooltip="") -> dict:
    """``data`` goes into the JSON island charts.js reads; ``rows`` into the table
    fallback (label, [(value, unit), ...])."""
    return {"id": id_, "title": str(title), "type": type_, "labels": labels,
            "series": series, "tooltip": str(tooltip),
            "data": {"type": type_, "labels": labels, "series": series},
            "rows": [(label, [(s["values"][i], s["unit"]) for s in series])
                     for i, label in enumerate(labels)]}


def _na_text(board: Dashboard) -> str:
    if len(board.channels) == 1:
        network = kind_label(board.channels[0].kind)
        return _("not available from %(network)s") % {"network": network}
    return _("not available from these networks")


# --- pages -------------------------------------------------------------------------------

def _querystring(request, **changes) -> str:
    query = request.GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@requires(Perm.ANALYTICS_VIEW)
def dashboard(request, membership: Membership):
    board, extra = _board(request, membership)
    if extra["error"]:
        messages.error(request, extra["error"])
    ws = membership.workspace
    charts = chart_list(board)
    for c in charts:
        c["csv"] = "?" + _querystring(request, chart=c["id"])
    return render(request, "web/analytics.html", {
        "board": board, "charts": charts, "presets": PRESET_DAYS,
        "top_csv": "?" + _querystring(request, chart="top"),
        "channels": channels_for(workspace=ws),
        "channel_id": extra["channel_id"], "na_text": _na_text(board),
        "days_param": request.GET.get("days", ""),
        "custom": bool(request.GET.get("from")) and not extra["error"],
        "tips": metrics.metric_tooltips(),
        "sentiment": board.totals.sentiment_share(),
        "can_connect": role_can(membership.role, Perm.CHANNELS_MANAGE),
        "er_choices": ER_BASIS_LABELS.items(), "avg_choices": AVERAGING_LABELS.items(),
        "rank_choices": RANK_LABELS.items(),
        "avg": _choice(request, "avg", metrics.AVERAGING_METHODS, metrics.MEAN_OF_RATIOS),
    })


def _top_rows(top: list, bottom: list):
    yield [_("Rank"), _("Post"), _("Channel"), _("Published"), _("Views"), _("Reach"),
           str(metrics.metric_get("interactions").label),
           str(metrics.metric_get("er_post").label),
           str(metrics.metric_get("er_view").label)]
    ranked = [("top", r) for r in top] + [("bottom", r) for r in bottom]
    for rank, r in ranked:
        yield [_("top") if rank == "top" else _("bottom"), r.title, r.channel_name,
               r.published_at.strftime("%Y-%m-%d %H:%M"), r.views, r.reach,
               r.interactions, _round(r.er_post), _round(r.er_view)]


def _csv_rows(board: Dashboard, chart: str):
    if chart == "top":
        yield from _top_rows(board.top, board.bottom)
        return
    spec = next(c for c in chart_list(board) if c["id"] == chart)
    yield [_("Day"), *(s["label"] for s in spec["series"])]
    for i, d in enumerate(board.days):
        yield [d.day.isoformat(), *(s["values"][i] for s in spec["series"])]


@requires(Perm.ANALYTICS_VIEW)
def export_csv(request, membership: Membership):
    """One chart's numbers (``chart=followers|views|er|posts|top``, followers by default)
    for the same filters as the page; a missing figure is an empty cell, never 0."""
    chart = request.GET.get("chart") or "followers"
    if chart not in CHARTS:
        raise Http404
    if chart == "top":  # the post table alone: no totals, no previous period
        p, rows = _top_csv(request, membership)
    else:
        board, _extra = _board(request, membership)
        p, rows = board.period, _csv_rows(board, chart)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="analytics-{membership.workspace.slug}-{chart}-'
        f'{p.start.isoformat()}-{p.end.isoformat()}.csv"')
    response.write("\ufeff")  # spreadsheets then read Cyrillic as UTF-8
    csv_writer(response).writerows(rows)
    return response


def _top_csv(request, membership: Membership):
    period, _error = _period(request)
    channel = request.GET.get("channel", "")
    channel_id = int(channel) if channel.isdigit() else None
    channels, top, bottom = posts_ranked(
        workspace=membership.workspace, period=period, channel_id=channel_id,
        rank_by=_choice(request, "rank", RANK_BY, "interactions"))
    if channel_id and not channels:
        raise Http404
    return period, _top_rows(top, bottom)


# --- the per-post curve (publication page) ---------------------------------------------------

def _age_label(hours: int) -> str:
    if hours < 48:
        return _("%(n)d h") % {"n": hours}
    return _("%(n)d d") % {"n": hours // 24}


def curve_context(membership: Membership, publication) -> dict:
    """For publication.html: the post's counter since publication beside the channel's
    median ({} when the role may not see analytics or there is nothing yet)."""
    if not role_can(membership.role, Perm.ANALYTICS_VIEW) or not publication.published_at:
        return {}
    curve = post_curve(publication=publication)
    if not curve.ages:
        return {"curve_empty": True}
    title = _("Views") if curve.metric == "views" else str(
        metrics.metric_get("interactions").label)
    spec = _chart_spec("post-curve", title, "line", [_age_label(a) for a in curve.ages],
                       [_series(_("This post"), curve.values),
                        _series(_("Channel median"), curve.median)])
    return {"curve": spec, "curve_compared": curve.compared}


urlpatterns = [
    path("w/<slug:slug>/analytics/", dashboard, name="analytics"),
    path("w/<slug:slug>/analytics/export.csv", export_csv, name="analytics_csv"),
]
