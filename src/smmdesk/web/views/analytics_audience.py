"""The audience page (/w/<slug>/analytics/audience/): follower growth, new and returning
commenters, their languages and sentiment, the people who write about us elsewhere
(mentions), sentiment week by week, when the audience talks (weekday × hour), the most
active commenters and the top questions and objections of the inbox and mentions.
Numbers come from analytics/audience.py; ``?format=csv&table=...`` downloads one chart's
or table's rows, and /export/?format=md|csv the whole profile, written for a strategy
document in the reader's language. A client (no inbox access) sees counts and shares
only: no names, no texts, in the page and in the downloads alike."""

from __future__ import annotations

import io
from collections import Counter

import regex
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.formats import date_format, number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from smmdesk.accounts.models import Membership
from smmdesk.accounts.roles import Perm, role_can
from smmdesk.analytics import metrics
from smmdesk.analytics.audience import (
    INBOX,
    MENTION,
    Audience,
    Group,
    Mentions,
    audience_get,
    net_sentiment,
    said_where,
)
from smmdesk.analytics.dashboard import PRESET_DAYS, Kpi, channels_for
from smmdesk.connectors.registry import kind_label
from smmdesk.inbox.selectors import UNCERTAIN
from smmdesk.lib.csvsafe import csv_writer
from smmdesk.sources import registry as sources
from smmdesk.web.decorators import requires
from smmdesk.web.views.analytics import _chart_spec, _period, _querystring, _series
from smmdesk.web.views.inbox import LANGUAGE_NAMES, SENTIMENT_NAMES

CHARTS = ("followers", "languages", "sentiment", "weeks", "mood")
TABLES = ("commenters", "questions", "objections", "hours", "sources")
PROFILE_GROUPS = 5  # questions and objections in the downloaded profile
EXAMPLE_CHARS = 200  # an example's length in the downloaded profile
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


def mood_chart(a: Audience) -> dict:
    """Net sentiment per week, of messages to us and of mentions."""
    weeks = [date_format(w.start, "SHORT_DATE_FORMAT") for w in a.moods]
    return {**_chart_spec(
        "mood", _("Sentiment over time"), "line", weeks,
        [_series(_("Messages to us"), [net_sentiment(w.inbox) for w in a.moods]),
         _series(_("Mentions"), [net_sentiment(w.mentions) for w in a.moods])],
        tooltip=_("Net sentiment per week: (positive − negative) / all with a sure tone "
                  "× 100, from −100 (all negative) to +100 (all positive); uncertain "
                  "ones left out, a week without any is a gap.")), "head": _("Week from")}


def _all_charts(a: Audience) -> list[dict]:
    return [*chart_list(a), mood_chart(a)]


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


def mention_kpis(a: Audience) -> list[Kpi]:
    m, p = a.mentions, a.previous_mentions

    def kpi(name, label, tooltip, value, previous):
        return Kpi(name=name, label=label, tooltip=f"{label}: {tooltip}", value=value,
                   previous=previous, unit=metrics.COUNT)

    return [
        kpi("mentions", _("Mentions"), _("posts and comments about us that your listening "
                                         "queries found in the period"), m.count, p.count),
        kpi("authors", _("Authors of mentions"),
            _("different people who wrote them (per network)"), m.authors.total,
            p.authors.total),
        kpi("new_authors", _("New authors"),
            _("people whose first mention of us is in the period"), m.authors.new,
            p.authors.new),
        kpi("returning_authors", _("Returning authors"),
            _("people who mentioned us before the period too"), m.authors.returning,
            p.authors.returning),
    ]


def source_label(kind: str) -> str:
    try:
        return str(sources.get(kind).title)
    except KeyError:
        return kind


def _source_rows(m: Mentions) -> list[tuple[str, str, int, float | None]]:
    """(source, kind, mentions, share of all mentions) of the top sources."""
    return [(name, source_label(kind), n, metrics.ratio(n, m.count))
            for name, kind, n in m.sources]


# --- when the audience talks ------------------------------------------------------------

def _slot(weekday: int, hour: int) -> str:
    """"Wednesday 19:00–20:00"."""
    return f"{WEEKDAYS[weekday]} {hour:02d}:00–{(hour + 1) % 24:02d}:00"


def heat(a: Audience) -> dict:
    """The weekday × hour grid of messages and mentions, its cells coloured 0–4 by their
    share of the busiest hour (an empty hour uncoloured), and the busiest hours."""
    h, most = a.hours, a.hours.most

    def cell(d: int, hr: int) -> dict:
        n = h.count(d, hr)
        title = _("%(day)s %(time)s — messages: %(inbox)s, mentions: %(mentions)s") % {
            "day": WEEKDAYS_ABBR[d], "time": f"{hr:02d}:00", "inbox": h.inbox[d][hr],
            "mentions": h.mentions[d][hr]}
        return {"n": n, "level": min(4, (n * 5 - 1) // most) if n else "", "title": title}

    return {"rows": [{"name": WEEKDAYS_ABBR[d], "cells": [cell(d, hr) for hr in range(24)]}
                     for d in range(7)],
            "hours": range(24), "has_data": most > 0,
            "busiest": [{"label": _slot(d, hr), "n": n} for d, hr, n in h.busiest()]}


# --- tables ---------------------------------------------------------------------------

def _mix(sentiment: dict) -> list[tuple[str, str, int]]:
    return [(m, str(MOODS[m]), sentiment[m]) for m in MOOD_ORDER if sentiment.get(m)]


def _inbox_url(request, **query) -> str:
    """The inbox (all statuses) filtered by ``query``."""
    inbox = reverse("web:inbox", args=[request.resolver_match.kwargs["slug"]])
    return f"{inbox}?{urlencode({'status': 'all', **query})}"


def _where_label(where: str) -> str:
    return _("Inbox") if where == INBOX else _("Mentions")


def _group_sources(g: Group) -> str:
    """Where a group was said, e.g. "inbox 2, mentions 1"."""
    return ", ".join(f"{_where_label(w)} {n}" for w, n in g.sources.items())


def _listening_url(request, a: Audience, **query) -> str:
    """The mentions stream (all statuses) of the period, filtered by ``query``."""
    stream = reverse("web:listening", args=[request.resolver_match.kwargs["slug"]])
    return f"{stream}?" + urlencode({"status": "all", "since": a.period.start.isoformat(),
                                     "until": a.period.end.isoformat(), **query})


def _group_rows(request, a: Audience, groups: list[Group], channel_id,
                can_listen: bool = False) -> list[dict]:
    rows = []
    for g in groups:
        query = {"intent": g.intent, "q": g.search}
        if channel_id:
            query["channel"] = channel_id
        in_inbox, in_mentions = g.sources.get(INBOX), g.sources.get(MENTION)
        rows.append({
            "count": g.count, "text": g.example.text, "search": g.search,
            "languages": ", ".join(str(LANGUAGE_NAMES.get(x, x)) for x in g.languages),
            "sources": _group_sources(g),
            "examples": [{"text": m.text, "where": said_where(m),
                          "where_label": _where_label(said_where(m)),
                          "source": getattr(m, "source", "")} for m in g.examples],
            "url": _inbox_url(request, **query) if g.search and in_inbox else "",
            "mentions_url": _listening_url(request, a, intent=g.intent, q=g.search)
            if g.search and in_mentions and can_listen else ""})
    return rows


def _csv_rows(request, a: Audience, name: str, channel_id):
    if name in CHARTS:
        spec = next(c for c in _all_charts(a) if c["id"] == name)
        yield [spec["head"], *(s["label"] for s in spec["series"])]
        for i, label in enumerate(spec["labels"]):
            yield [label, *(s["values"][i] for s in spec["series"])]
        return
    if name == "hours":
        yield [_("Weekday"), *(f"{h:02d}:00" for h in range(24))]
        for d in range(7):
            yield [str(WEEKDAYS[d]), *(a.hours.count(d, h) for h in range(24))]
        return
    if name == "sources":
        yield [_("Source"), _("Kind"), _("Mentions"), _("Share")]
        for source, kind, n, share in _source_rows(a.mentions):
            yield [source, kind, n, _round1(share)]
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
    yield [_("Messages"), _("Example"), _("Key word"), _("Languages"), _("Inbox"),
           _("Said in")]
    for r in _group_rows(request, a, groups, channel_id):
        yield [r["count"], r["text"], r["search"], r["languages"],
               request.build_absolute_uri(r["url"]) if r["url"] else "", r["sources"]]


def _round1(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _csv(request, membership: Membership, a: Audience, channel_id) -> HttpResponse:
    name = request.GET.get("table", "")
    if name not in CHARTS + TABLES:
        raise Http404
    rows = list(_csv_rows(request, a, name, channel_id))
    p = a.period
    return _download(_csv_text(rows), "text/csv",
                     f"audience-{membership.workspace.slug}-{name}-{p.start.isoformat()}-"
                     f"{p.end.isoformat()}.csv")


def _csv_text(rows) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # spreadsheets then read Cyrillic as UTF-8
    csv_writer(out).writerows(rows)
    return out.getvalue()


def _download(text: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- the profile to download -------------------------------------------------------------
# One set of facts (``profile``), written two ways: Markdown for a strategy document and
# CSV for a spreadsheet. Texts (examples, key words) only ``with_texts``.

def _pct(share: float | None) -> str:
    return "—" if share is None else f"{number_format(round(share), 0)} %"


def _net(value: float | None) -> str:
    """+25, −10, 0; "—" when unknown."""
    if value is None:
        return "—"
    return f"{round(value):+d}".replace("-", "−") if round(value) else "0"


def _trend(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return ""
    if round(now) > round(before):
        return _("better than the period before")
    if round(now) < round(before):
        return _("worse than the period before")
    return _("as in the period before")


def _language_shares(counts: dict[str, int]) -> list[tuple[str, int, float | None]]:
    total = sum(counts.values())
    return [(str(LANGUAGE_NAMES.get(code, code)), n, metrics.ratio(n, total))
            for code, n in sorted(counts.items(), key=lambda x: (-x[1], x[0]))]


def _mood_shares(sentiment: dict[str, int]) -> list[tuple[str, int, float | None]]:
    total = sum(sentiment.values())
    return [(str(MOODS[m]), sentiment[m], metrics.ratio(sentiment[m], total))
            for m in MOOD_ORDER if sentiment.get(m)]


def profile(a: Audience, workspace) -> dict:
    """The facts of the downloaded profile."""
    said_groups = {"questions": a.questions[:PROFILE_GROUPS],
                   "objections": a.objections[:PROFILE_GROUPS]}
    return {
        "workspace": workspace.name, "tz": str(workspace.tz), "period": a.period,
        "previous": a.previous,
        "channels": [c.name for c in a.channels] if len(a.channels) < len(
            channels_for(workspace=workspace)) else [],
        "commenters": a.commenters, "previous_commenters": a.previous_commenters,
        "mentions": a.mentions, "previous_mentions": a.previous_mentions,
        "languages": _language_shares(dict(Counter(a.languages)
                                           + Counter(a.mentions.languages))),
        "busiest": [(_slot(d, h), n) for d, h, n in a.hours.busiest()],
        "moods": [(INBOX, _mood_shares(a.sentiment), net_sentiment(a.sentiment),
                   net_sentiment(a.previous_sentiment)),
                  (MENTION, _mood_shares(a.mentions.sentiment),
                   net_sentiment(a.mentions.sentiment),
                   net_sentiment(a.previous_mentions.sentiment))],
        "groups": {kind: [{"count": g.count, "search": g.search, "sources": _group_sources(g),
                           "example": g.example.text,
                           "where": _where_label(said_where(g.example)),
                           "source": getattr(g.example, "source", "")} for g in groups]
                   for kind, groups in said_groups.items()},
        "question_count": a.question_count, "objection_count": a.objection_count,
        "sources": _source_rows(a.mentions), "with_texts": a.with_texts,
    }


# What Markdown would read as markup inside a line (emphasis, links, code, tags, tables).
_MD_SPECIAL = regex.compile(r"([\\`*_\[\]<>|])")


def _md(text: str, limit: int | None = None) -> str:
    """A text from people or networks, safe in one Markdown line: one line, no markup."""
    text = " ".join(text.split())
    if limit and len(text) > limit:
        text = text[:limit - 1].rstrip() + "…"
    return _MD_SPECIAL.sub(r"\\\1", text)


def _day(d) -> str:
    return date_format(d, "SHORT_DATE_FORMAT")


def profile_markdown(f: dict) -> str:
    p, q = f["period"], f["previous"]
    c, pc, m, pm = f["commenters"], f["previous_commenters"], f["mentions"], \
        f["previous_mentions"]
    lines = ["# " + _("Audience profile") + ": " + _md(f["workspace"]), "",
             _("Period: %(start)s – %(end)s, compared with %(pstart)s – %(pend)s.") % {
                 "start": _day(p.start), "end": _day(p.end), "pstart": _day(q.start),
                 "pend": _day(q.end)}]
    if f["channels"]:
        lines.append(_("Channels: %(names)s.") % {
            "names": ", ".join(_md(n) for n in f["channels"])})
    lines += ["", "## " + _("Who"), "",
              "- " + _("People who wrote to us: %(total)s (new: %(new)s, returning: "
                       "%(returning)s; the period before: %(before)s).") % {
                  "total": c.total, "new": c.new, "returning": c.returning,
                  "before": pc.total},
              "- " + _("People who wrote about us elsewhere: %(total)s (new: %(new)s, "
                       "returning: %(returning)s; the period before: %(before)s); their "
                       "mentions: %(mentions)s.") % {
                  "total": m.authors.total, "mentions": m.count, "new": m.authors.new,
                  "returning": m.authors.returning, "before": pm.authors.total}]
    if f["languages"]:
        lines.append("- " + _("Languages (messages and mentions): %(list)s.") % {
            "list": ", ".join(f"{name} {_pct(share)}" for name, _n, share in f["languages"])})
    lines += ["", "## " + _("When"), "",
              _("The busiest hours of the week (%(tz)s), messages and mentions:") % {
                  "tz": f["tz"]}, ""]
    lines += [f"{i}. {slot}: {n}" for i, (slot, n) in enumerate(f["busiest"], 1)] or [
        _("No messages or mentions in the period.")]
    lines += ["", "## " + _("Mood"), ""]
    for where, shares, net, before in f["moods"]:
        label = _("Messages to us") if where == INBOX else _("Mentions")
        mix = ", ".join(f"{name} {_pct(share)}" for name, _n, share in shares) or "—"
        trend = _trend(net, before)
        lines.append(f"- {label}: {mix}. " + _(
            "Net sentiment %(net)s (the period before: %(before)s)") % {
                "net": _net(net), "before": _net(before)} + (f", {trend}." if trend else "."))
    for kind, title, count, none in (
            ("questions", _("What they ask"), f["question_count"],
             _("No questions in the period.")),
            ("objections", _("What they object to"), f["objection_count"],
             _("No complaints in the period."))):
        lines += ["", f"## {title}", ""]
        if not count:
            lines.append(none)
        elif not f["with_texts"]:
            lines.append(_("%(kind)s: %(n)s. Their texts stay in the team’s inbox.") % {
                "kind": _("Questions") if kind == "questions" else _("Complaints"),
                "n": count})
        for i, g in enumerate(f["groups"][kind], 1):
            word = f"**{_md(g['search'])}**: " if g["search"] else ""
            where = g["where"] + (f", {_md(g['source'])}" if g["source"] else "")
            lines.append(f"{i}. {word}{g['count']} ({g['sources']}). " + _(
                "For example: “%(text)s” (%(where)s)") % {
                    "text": _md(g["example"], EXAMPLE_CHARS), "where": where})
    lines += ["", "## " + _("Where they talk about us"), ""]
    lines += [f"{i}. {_md(name)} — {kind}: {n} ({_pct(share)})"
              for i, (name, kind, n, share) in enumerate(f["sources"], 1)] or [
        _("No mentions in the period.")]
    return "\n".join(lines) + "\n"


def profile_csv_rows(f: dict):
    p, q = f["period"], f["previous"]
    c, pc, m, pm = f["commenters"], f["previous_commenters"], f["mentions"], \
        f["previous_mentions"]
    yield [_("Section"), _("Item"), _("Value"), _("Share, %"), _("The period before"),
           _("Example"), _("Where")]
    period = _("Period")
    yield [period, _("From"), p.start.isoformat(), "", q.start.isoformat(), "", ""]
    yield [period, _("To"), p.end.isoformat(), "", q.end.isoformat(), "", ""]
    who = _("Who")
    for item, now, before in (
            (_("People who wrote to us"), c.total, pc.total),
            (_("New commenters"), c.new, pc.new),
            (_("Returning commenters"), c.returning, pc.returning),
            (_("Mentions"), m.count, pm.count),
            (_("Authors of mentions"), m.authors.total, pm.authors.total),
            (_("New authors"), m.authors.new, pm.authors.new),
            (_("Returning authors"), m.authors.returning, pm.authors.returning)):
        yield [who, item, now, "", before, "", ""]
    for name, n, share in f["languages"]:
        yield [_("Languages"), name, n, _round1(share), "", "", ""]
    for slot, n in f["busiest"]:
        yield [_("When"), slot, n, "", "", "", ""]
    for where, shares, net, before in f["moods"]:
        for name, n, share in shares:
            yield [_("Mood"), name, n, _round1(share), "", "", _where_label(where)]
        yield [_("Mood"), _("Net sentiment"), _round1(net), "", _round1(before), "",
               _where_label(where)]
    for kind, section, count in (("questions", _("What they ask"), f["question_count"]),
                                 ("objections", _("What they object to"),
                                  f["objection_count"])):
        yield [section, _("All"), count, "", "", "", ""]
        for g in f["groups"][kind]:
            yield [section, g["search"], g["count"], "", "", g["example"], g["sources"]]
    for name, kind, n, share in f["sources"]:
        yield [_("Where they talk about us"), name, n, _round1(share), "", "", kind]


# --- the page ----------------------------------------------------------------------------

@requires(Perm.ANALYTICS_VIEW)
def audience(request, membership: Membership):
    a, error, channel_id = _audience(request, membership)
    if request.GET.get("format") == "csv":
        return _csv(request, membership, a, channel_id)
    if error:
        messages.error(request, error)
    charts = chart_list(a)
    mood = mood_chart(a)
    for c in [*charts, mood]:
        c["csv"] = "?" + _querystring(request, format="csv", table=c["id"])
    csv = {t: "?" + _querystring(request, format="csv", table=t) for t in TABLES}
    since = a.period.bounds(membership.workspace.tz)[0]
    slug = membership.workspace.slug
    can_listen = role_can(membership.role, Perm.LISTENING_VIEW)
    export = reverse("web:analytics_audience_export", args=[slug])
    return render(request, "web/analytics_audience.html", {
        "a": a, "charts": charts, "kpis": kpi_list(a), "presets": PRESET_DAYS,
        "channels": channels_for(workspace=membership.workspace), "channel_id": channel_id,
        "custom": bool(request.GET.get("from")) and not error, "csv": csv,
        "top": [{"c": c, "network": kind_label(c.network), "mix": _mix(c.sentiment),
                 "returning": c.returning(since), "url": _inbox_url(request, q=c.name)}
                for c in a.top],
        "groups": [("questions", _group_rows(request, a, a.questions, channel_id,
                                             can_listen)),
                   ("objections", _group_rows(request, a, a.objections, channel_id,
                                              can_listen))],
        "can_connect": role_can(membership.role, Perm.CHANNELS_MANAGE),
        "mood": mood, "mention_kpis": mention_kpis(a), "heat": heat(a),
        "mention_languages": _share_rows(_languages_of(a.mentions)),
        "mention_moods": _share_rows([(str(MOODS[m]), a.mentions.sentiment.get(m, 0))
                                      for m in MOOD_ORDER if a.mentions.sentiment.get(m)]),
        "sources": _source_rows(a.mentions),
        "can_listen": can_listen,
        "listening_url": reverse("web:listening_queries", args=[slug]) if can_listen else "",
        "export_md": f"{export}?" + _querystring(request, format="md"),
        "export_csv": f"{export}?" + _querystring(request, format="csv"),
    })


def _languages_of(m: Mentions) -> list[tuple[str, int]]:
    return sorted(((str(LANGUAGE_NAMES.get(code, code)), n) for code, n in m.languages.items()),
                  key=lambda x: (-x[1], x[0]))


@requires(Perm.ANALYTICS_VIEW)
def audience_export(request, membership: Membership):
    """The audience profile as a file: ``?format=md`` (Markdown) or ``csv``, with the
    page's period and channel."""
    kind = request.GET.get("format", "md")
    if kind not in ("md", "csv"):
        raise Http404
    a, _error, _channel_id = _audience(request, membership)
    ws = membership.workspace
    facts = profile(a, ws)
    name = f"audience-profile-{ws.slug}-{a.period.start.isoformat()}-{a.period.end.isoformat()}"
    if kind == "md":
        return _download(profile_markdown(facts), "text/markdown", f"{name}.md")
    return _download(_csv_text(profile_csv_rows(facts)), "text/csv", f"{name}.csv")


urlpatterns = [
    path("w/<slug:slug>/analytics/audience/", audience, name="analytics_audience"),
    path("w/<slug:slug>/analytics/audience/export/", audience_export,
         name="analytics_audience_export"),
]
