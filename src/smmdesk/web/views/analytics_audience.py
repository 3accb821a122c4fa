"""The audience page (/w/<slug>/analytics/audience/): follower growth, new and returning
commenters, their languages and sentiment, the most active ones and the top questions and
objections. Numbers come from analytics/audience.py; ``?format=csv&table=...`` downloads
one chart's or table's rows. A client (no inbox access) sees counts and shares only."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from smmdesk.accounts.models import Membership
from smmdesk.accounts.roles import Perm, role_can
from smmdesk.analytics import metrics
from smmdesk.analytics.audience import Audience, Group, audience_get
from smmdesk.analytics.dashboard import PRESET_DAYS, Kpi, channels_for
from smmdesk.connectors.registry import kind_label
from smmdesk.inbox.selectors import UNCERTAIN
from smmdesk.lib.csvsafe import csv_writer
from smmdesk.web.decorators import requires
from smmdesk.web.views.analytics import _chart_spec, _period, _querystring, _series
from smmdesk.web.views.inbox import LANGUAGE_NAMES, SENTIMENT_NAMES

CHARTS = ("followers", "languages", "sentiment", "weeks")
TABLES = ("commenters", "questions", "objections")
MOODS = {**SENTIMENT_NAMES, UNCERTAIN: pgettext_lazy("sentiment", "uncertain")}
MOOD_ORDER = ("positive", "neutral", "negative", UNCERTAIN)


def _audience(request, membership: Membership) -> tuple[Audience, str, int | None]:
    period, error = _period(request)
    channel = request.GET.get("channel", "")
    channel_id = int(channel) if channel.isdigit() and len(channel) < 19 else None
    audience = audience_get(workspace=membership.workspace, period=period,
                            channel_ids=[channel_id] if channel_id else None,
                            with_texts=role_can(membership.role, Perm.INBOX_VIEW))
    if channel_id and not audience.channels:
        raise Http404
    return audience, error, channel_id


# --- charts ---------------------------------------------------------------------------

def _languages(a: Audience) -> list[tuple[str, int]]:
    return sorted(((str(LANGUAGE_NAMES.get(code, code)), n) for code, n in a.languages.items()),
                  key=lambda x: (-x[1], x[0]))


def _moods(a: Audience) -> list[tuple[str, int]]:
    return [(str(MOODS[m]), a.sentiment.get(m, 0)) for m in MOOD_ORDER
            if m in a.sentiment or m != UNCERTAIN]


def _shares(pairs: list[tuple[str, int]]) -> list[float | None]:
    total = sum(n for _l, n in pairs)
    return [metrics.ratio(n, total) for _l, n in pairs]


def _share_rows(pairs: list[tuple[str, int]]) -> list[tuple[str, int, float | None]]:
    return [(label, n, share) for (label, n), share in zip(pairs, _shares(pairs), strict=True)]


def chart_list(a: Audience) -> list[dict]:
    """Each chart: the data island charts.js draws and the rows of its table."""
    days = [date_format(d, "SHORT_DATE_FORMAT") for d, _f, _c in a.followers]
    langs, moods = _languages(a), _moods(a)
    weeks = [date_format(w.start, "SHORT_DATE_FORMAT") for w in a.weeks]
    return [
        {**_chart_spec("followers", _("Follower growth per day"), "line", days,
                       [_series(_("New followers"), [c for _d, _f, c in a.followers])],
                       tooltip=_("The change of followers from the day before, all "
                                 "channels added up; a day without a reading keeps the "
                                 "count of the day before.")), "head": _("Day")},
        {**_chart_spec("languages", _("Languages of messages"), "bar",
                       [name for name, _n in langs],
                       [_series(_("Messages"), [n for _l, n in langs])]),
         "head": _("Language"), "shares": _share_rows(langs)},
        {**_chart_spec("sentiment", _("Sentiment of messages"), "bar",
                       [name for name, _n in moods],
                       [_series(_("Messages"), [n for _l, n in moods])],
                       tooltip=_("Uncertain: the model was not sure of the tone; a person "
                                 "settles it in the inbox.")),
         "head": _("Sentiment"), "shares": _share_rows(moods)},
        {**_chart_spec("weeks", _("New and returning commenters per week"), "bar", weeks,
                       [_series(pgettext("commenters", "New"), [w.new for w in a.weeks]),
                        _series(pgettext("commenters", "Returning"),
                                [w.returning for w in a.weeks])],
                       tooltip=_("New: their first message ever was that week. "
                                 "Returning: they had written before.")),
         "head": _("Week from")},
    ]


def kpi_list(a: Audience) -> list[Kpi]:
    c, p = a.commenters, a.previous_commenters

    def kpi(name, label, tooltip, value, previous, unit=metrics.COUNT):
        return Kpi(name=name, label=label, tooltip=f"{label}: {tooltip}", value=value,
                   previous=previous, unit=unit)

    return [
        kpi("new", _("New commenters"), _("people whose first message ever is in the period"),
            c.new, p.new),
        kpi("returning", _("Returning commenters"),
            _("people who wrote in the period and before it"), c.returning, p.returning),
        kpi("returning_share", _("Share returning"),
            _("returning / all commenters of the period × 100"), c.returning_share,
            p.returning_share, metrics.PERCENT),
        kpi("growth", _("Follower growth"), _("followers at the end minus at the start"),
            a.growth, a.previous_growth),
    ]


# --- tables ---------------------------------------------------------------------------

def _mix(sentiment: dict) -> list[tuple[str, str, int]]:
    return [(m, str(MOODS[m]), sentiment[m]) for m in MOOD_ORDER if sentiment.get(m)]


def _inbox_url(request, **query) -> str:
    """The inbox (all statuses) filtered by ``query``."""
    inbox = reverse("web:inbox", args=[request.resolver_match.kwargs["slug"]])
    return f"{inbox}?{urlencode({'status': 'all', **query})}"


def _group_rows(request, a: Audience, groups: list[Group], channel_id) -> list[dict]:
    rows = []
    for g in groups:
        query = {"intent": g.intent, "q": g.search}
        if channel_id:
            query["channel"] = channel_id
        rows.append({"count": g.count, "text": g.example.text, "search": g.search,
                     "languages": ", ".join(str(LANGUAGE_NAMES.get(x, x))
                                            for x in g.languages),
                     "url": _inbox_url(request, **query) if g.search else ""})
    return rows


def _csv_rows(request, a: Audience, name: str, channel_id):
    if name in CHARTS:
        spec = next(c for c in chart_list(a) if c["id"] == name)
        yield [spec["head"], *(s["label"] for s in spec["series"])]
        for i, label in enumerate(spec["labels"]):
            yield [label, *(s["values"][i] for s in spec["series"])]
        return
    if not a.with_texts:
        raise Http404
    if name == "commenters":
        yield [_("Name"), _("Network"), _("Messages"), _("First message"),
               _("Last message"), *(str(MOODS[m]) for m in MOOD_ORDER), _("Last text")]
        for c in a.top:
            yield [c.name, kind_label(c.network), c.messages, c.first_at.isoformat(),
                   c.last_at.isoformat(), *(c.sentiment.get(m, 0) for m in MOOD_ORDER),
                   c.last_text]
        return
    groups = a.questions if name == "questions" else a.objections
    yield [_("Messages"), _("Example"), _("Key word"), _("Languages"), _("Inbox")]
    for r in _group_rows(request, a, groups, channel_id):
        yield [r["count"], r["text"], r["search"], r["languages"],
               request.build_absolute_uri(r["url"]) if r["url"] else ""]


def _csv(request, membership: Membership, a: Audience, channel_id) -> HttpResponse:
    name = request.GET.get("table", "")
    if name not in CHARTS + TABLES:
        raise Http404
    rows = list(_csv_rows(request, a, name, channel_id))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    p = a.period
    response["Content-Disposition"] = (
        f'attachment; filename="audience-{membership.workspace.slug}-{name}-'
        f'{p.start.isoformat()}-{p.end.isoformat()}.csv"')
    response.write("\ufeff")  # spreadsheets then read Cyrillic as UTF-8
    csv_writer(response).writerows(rows)
    return response


# --- the page ----------------------------------------------------------------------------

@requires(Perm.ANALYTICS_VIEW)
def audience(request, membership: Membership):
    a, error, channel_id = _audience(request, membership)
    if request.GET.get("format") == "csv":
        return _csv(request, membership, a, channel_id)
    if error:
        messages.error(request, error)
    charts = chart_list(a)
    for c in charts:
        c["csv"] = "?" + _querystring(request, format="csv", table=c["id"])
    csv = {t: "?" + _querystring(request, format="csv", table=t) for t in TABLES}
    since = a.period.bounds(membership.workspace.tz)[0]
    return render(request, "web/analytics_audience.html", {
        "a": a, "charts": charts, "kpis": kpi_list(a), "presets": PRESET_DAYS,
        "channels": channels_for(workspace=membership.workspace), "channel_id": channel_id,
        "custom": bool(request.GET.get("from")) and not error, "csv": csv,
        "top": [{"c": c, "network": kind_label(c.network), "mix": _mix(c.sentiment),
                 "returning": c.returning(since), "url": _inbox_url(request, q=c.name)}
                for c in a.top],
        "groups": [("questions", _group_rows(request, a, a.questions, channel_id)),
                   ("objections", _group_rows(request, a, a.objections, channel_id))],
        "can_connect": role_can(membership.role, Perm.CHANNELS_MANAGE),
    })


urlpatterns = [
    path("w/<slug:slug>/analytics/audience/", audience, name="analytics_audience"),
]
