"""The numbers a report shows, as plain JSON (numbers, strings, lists, dicts).

Every figure comes from an existing selector: the dashboard (analytics/dashboard.py), goals,
rubric/format performance, inbox counts, conversions and ROI (analytics/roi.py), and the
content plan. ``raw`` keeps, for each number shown, the snapshot sums it is made of (the
per-day sums of the channels' last daily readings and of the posts' last readings), so
anyone can recompute a figure under docs/METRICS.md.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from smmdesk.accounts.models import Workspace
from smmdesk.analytics import dashboard as dash
from smmdesk.analytics.goals import goal_progress_list
from smmdesk.analytics.models import ReportSection
from smmdesk.analytics.performance import performance_get
from smmdesk.analytics.roi import conversions_summary, roi_get
from smmdesk.content.plan import plan_slot_list
from smmdesk.inbox.selectors import inbox_daily
from smmdesk.publishing.selectors import calendar_rows

SECTIONS = [s.value for s in ReportSection]
TOP_IMAGES = True


def sections_clean(sections) -> list[str]:
    """The known sections asked for, in the order given, each once (all when none)."""
    out = [s for s in dict.fromkeys(sections or []) if s in SECTIONS]
    return out or list(SECTIONS)


def _num(value):
    """A JSON-able number: Decimal → float, floats rounded to 4 places."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float):
        return round(value, 4)
    return value


def _board(workspace: Workspace, period: dash.Period, channel_ids: list[int]):
    """The dashboard of the period for all, one or several channels."""
    if len(channel_ids) <= 1:
        return dash.dashboard_get(workspace=workspace, period=period,
                                  channel_id=channel_ids[0] if channel_ids else None)
    channels = [c for c in dash.channels_for(workspace=workspace) if c.pk in channel_ids]
    ids = [c.pk for c in channels]
    kwargs = {"er_basis": "post", "method": dash.metrics.MEAN_OF_RATIOS, "inbox_ids": ids}
    totals, days, readings, followers = dash._totals(workspace, ids, period, **kwargs)
    previous = dash._totals(workspace, ids, period.previous(), **kwargs)[0]
    top, bottom = dash._ranked(readings, "interactions", followers)
    board = dash.Dashboard(period=period, previous=period.previous(), channels=channels,
                           days=days, totals=totals, previous_totals=previous, top=top,
                           bottom=bottom, has_snapshots=bool(readings), er_basis="post",
                           rank_by="interactions")
    board.kpis = dash.kpi_list(totals=totals, previous=previous, er_basis="post")
    return board


def _kpis(board) -> list[dict]:
    """Each KPI by name (labelled when shown, in the language it is shown in)."""
    return [{"name": k.name, "unit": k.unit, "value": _num(k.value),
             "previous": _num(k.previous), "change": _num(k.change), "good": k.good}
            for k in board.kpis]


def _raw_days(board) -> list[dict]:
    return [{"day": d.day.isoformat(), "followers": d.followers, "views": d.views,
             "reach": d.reach, "posts": d.posts, "interactions": d.interactions}
            for d in board.days]


def _goals(workspace: Workspace, end: date) -> list[dict]:
    """Each goal as of the period's last day: value, target, forecast, status."""
    out = []
    for p in goal_progress_list(workspace=workspace, today=end):
        g = p.goal
        out.append({"name": g.name, "metric": g.metric, "current": _num(p.current),
                    "target": _num(p.target), "percent": _num(p.percent),
                    "forecast": _num(p.fit.value) if p.fit else None, "status": p.status,
                    "pace_per_day": _num(p.pace_per_day)})
    return out


def _summary(ctx) -> dict:
    return {"kpis": _kpis(ctx["board"]), "goals": _goals(ctx["workspace"], ctx["end"])}


def _growth(ctx) -> dict:
    board = ctx["board"]
    t = board.totals
    return {"followers_start": t.followers_start, "followers_end": t.followers_end,
            "growth": t.growth, "growth_rate": _num(t.growth_rate), "views": t.views,
            "reach": t.reach, "posts": t.posts, "interactions": t.interactions,
            "er": _num(t.er), "er_view": _num(t.er_view),
            "days": [{"day": d.day.isoformat(), "followers": d.followers, "views": d.views,
                      "reach": d.reach, "posts": d.posts} for d in board.days]}


def _post(row, images: dict) -> dict:
    return {"publication_id": row.publication_id, "post_id": row.post_id,
            "title": row.title[:200], "channel": row.channel_name,
            "published_at": row.published_at.isoformat(), "views": row.views,
            "reach": row.reach, "interactions": row.interactions,
            "er_post": _num(row.er_post), "er_view": _num(row.er_view),
            "image_id": images.get(row.post_id)}


def _first_images(post_ids: list[int]) -> dict[int, int]:
    """post → its first image's MediaAsset id."""
    from smmdesk.content.models import Post

    out = {}
    for post in Post.objects.filter(pk__in=post_ids).prefetch_related("media"):
        images = [m for m in post.media.all() if (m.mime or "").startswith("image/")]
        if images:
            out[post.pk] = images[0].pk
    return out


def _top_posts(ctx) -> dict:
    board = ctx["board"]
    images = _first_images([r.post_id for r in board.top + board.bottom])
    return {"top": [_post(r, images) for r in board.top],
            "bottom": [_post(r, images) for r in board.bottom]}


def _group(g) -> dict:
    key = g.key if isinstance(g.key, str) else None  # a format's value; else the label
    return {"key": key, "label": str(g.label), "posts": g.posts, "views": g.views, "reach": g.reach,
            "interactions": g.interactions, "er": _num(g.er), "lift": _num(g.lift)}


def _rubrics(ctx) -> dict:
    until = datetime.combine(ctx["end"] + timedelta(days=1), time.min,
                             tzinfo=ctx["workspace"].tz)
    perf = performance_get(workspace=ctx["workspace"], days=ctx["period"].days, now=until)
    return {"posts": perf.posts, "er": _num(perf.er),
            "rubrics": [_group(g) for g in perf.rubrics if g.posts],
            "formats": [_group(g) for g in perf.formats]}


def _inbox(ctx) -> dict:
    board = ctx["board"]
    t, p = board.totals.inbox, board.previous_totals.inbox
    daily = inbox_daily(workspace=ctx["workspace"], start=ctx["start"], end=ctx["end"],
                        channel_ids=ctx["channel_ids"] or None)
    return {"messages": t.get("messages"), "previous_messages": p.get("messages"),
            "first_reply_min": _num(t.get("first_reply_min")),
            "previous_first_reply_min": _num(p.get("first_reply_min")),
            "leads": t.get("leads"), "previous_leads": p.get("leads"),
            "days": [{"day": d.isoformat(), "messages": daily.get(d, {}).get("messages", 0)}
                     for d in ctx["period"].dates()]}


def _sentiment(ctx) -> dict:
    totals = ctx["board"].totals
    counts = totals.inbox.get("sentiment") or {}
    return {"counts": {k: counts.get(k, 0) for k in ("positive", "neutral", "negative")},
            "shares": {k: _num(v) for k, v in totals.sentiment_share().items()}}



def _roi_row(r) -> dict:
    return {"label": str(r.label), "none": r.key is None, "cost": _num(r.cost),
            "revenue": _num(r.revenue),
            "conversions": r.conversions, "clicks": r.clicks, "roi": _num(r.roi),
            "cost_per_result": _num(r.cost_per_result)}


def _conversions(ctx) -> dict:
    s = conversions_summary(workspace=ctx["workspace"], start=ctx["start"], end=ctx["end"],
                            channel_ids=ctx["channel_ids"] or None)
    return {"count": s.count, "value": _num(s.value), "currency": s.currency,
            "leads": ctx["board"].totals.inbox.get("leads"),
            "by_kind": [{"key": b.key, "count": b.count, "value": _num(b.value)}
                        for b in s.by_kind if b.count],
            "by_attribution": [{"key": b.key, "count": b.count, "value": _num(b.value)}
                               for b in s.by_attribution if b.count]}


def _roi(ctx) -> dict:
    r = roi_get(workspace=ctx["workspace"], start=ctx["start"], end=ctx["end"],
                channel_ids=ctx["channel_ids"] or None)
    return {"currency": r.currency, "total": _roi_row(r.total),
            "by_channel": [_roi_row(x) for x in r.by_channel],
            "by_campaign": [_roi_row(x) for x in r.by_campaign],
            "by_rubric": [_roi_row(x) for x in r.by_rubric]}


def next_month(end: date) -> tuple[date, date]:
    """The calendar month after the one ``end`` falls in: (first day, last day)."""
    first = (end.replace(day=1) + timedelta(days=32)).replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _plan(ctx) -> dict:
    ws = ctx["workspace"]
    start, end = next_month(ctx["end"])
    since = datetime.combine(start, time.min, tzinfo=ws.tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=ws.tz)
    rows = [r for r in calendar_rows(workspace=ws, since=since, until=until)
            if r["status"] in ("scheduled", "pending_approval", "draft")]
    slots = list(plan_slot_list(workspace=ws, start=start, end=end + timedelta(days=1)))
    rubrics: dict[str, int] = {}
    for s in slots:
        key = s.rubric.name if s.rubric_id else "—"
        rubrics[key] = rubrics.get(key, 0) + 1
    return {"start": start.isoformat(), "end": end.isoformat(), "scheduled": len(rows),
            "slots": len(slots), "open_slots": sum(1 for s in slots if s.post_id is None),
            "by_rubric": [{"label": k, "slots": v} for k, v in sorted(rubrics.items())],
            "posts": [{"at": r["scheduled_at"].astimezone(ws.tz).isoformat(),
                       "channel": r["channel__name"],
                       "title": (r["post__title"] or r["post__body"] or "")[:120],
                       "status": r["status"]} for r in rows[:40]]}


BUILDERS = {
    ReportSection.SUMMARY: _summary, ReportSection.GROWTH: _growth,
    ReportSection.TOP_POSTS: _top_posts, ReportSection.RUBRICS: _rubrics,
    ReportSection.INBOX: _inbox, ReportSection.SENTIMENT: _sentiment,
    ReportSection.CONVERSIONS: _conversions, ReportSection.ROI: _roi,
    ReportSection.PLAN: _plan,
}


def report_figures(*, workspace: Workspace, start: date, end: date, channel_ids=None,
                   sections=None) -> dict:
    """The figures of each section asked for, and the raw snapshot sums behind them."""
    channel_ids = [int(c) for c in (channel_ids or [])]
    period = dash.Period(start, end)
    board = _board(workspace, period, channel_ids)
    ctx = {"workspace": workspace, "start": start, "end": end, "period": period,
           "channel_ids": channel_ids, "board": board}
    sections = sections_clean(sections)
    out = {"period": {"start": start.isoformat(), "end": end.isoformat(),
                      "previous_start": period.previous().start.isoformat(),
                      "previous_end": period.previous().end.isoformat()},
           "channels": [{"id": c.pk, "name": c.name} for c in board.channels],
           "sections": sections, "has_snapshots": board.has_snapshots}
    for name in sections:
        out[name] = BUILDERS[name](ctx)
    out["raw"] = {"days": _raw_days(board),
                  "previous_followers_end": board.previous_totals.followers_end,
                  "top_posts": [{"publication_id": r.publication_id, "views": r.views,
                                 "reach": r.reach, "interactions": r.interactions}
                                for r in board.top + board.bottom]}
    return out
