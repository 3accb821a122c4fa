"""Goals and KPIs: saving goals, and each goal's progress, pace, forecast and status.

How a goal is measured depends on its metric (``KINDS``):

* *sum* (leads, reach, views, link clicks): the period's value is the sum of the daily
  values; the series fitted is the running total.
* *level* (followers): the value is the latest total of followers of the goal's channels
  (a channel's last reading carries forward over days without one).
* *growth* (new followers): followers now − followers at the start of the period.
* *rate* (ER, share of negative messages, first-reply time): the period's value is an
  average (ERday averaged per day; negative messages / all incoming messages; the median
  minutes to our first reply); the series fitted is the daily rate.

Forecast (``forecast_linear``): an ordinary least-squares line y = a + b·t fitted on the
daily series so far (t = day of the period, 0 = its first day), read at the period's last
day. Its uncertainty is the 95 % prediction interval of that line at that day:
ŷ ± t(0.975, n−2) · s · √(1 + 1/n + (t_end − t̄)² / Σ(t − t̄)²), with s the standard
deviation of the residuals. It needs three days of data; for a *rate* it is where the
daily rate's trend reaches on the last day. Once the period is over, the forecast is
the final value.

Status (``status_of``), for "higher is better" metrics: forecast ≥ target → on track;
else the interval's upper bound ≥ target → at risk; else off track. For "lower is
better" metrics (negative share, first-reply time) the same with ≤ and the lower bound.
Fewer than three days of data: "too early"; no data source: "no data".

Conversions and revenue are sums too: the conversions (analytics/conversions.py) that
happened on each day, credited to the goal's channels when it names some, and for revenue
the sum of their values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from statistics import mean, median

from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from smmdesk.accounts.models import Membership, Workspace
from smmdesk.accounts.roles import Role
from smmdesk.analytics.dashboard import Period
from smmdesk.analytics.metrics import INTERACTION_COUNTERS, er_day, interactions_of, ratio
from smmdesk.analytics.models import ChannelSnapshot, Click, Goal, GoalMetric, PostLatest
from smmdesk.analytics.roi import conversions_in, conversions_per_day
from smmdesk.lib.errors import SmmdeskError

SUM, LEVEL, GROWTH, RATE = "sum", "level", "growth", "rate"
KINDS = {
    GoalMetric.FOLLOWERS: LEVEL, GoalMetric.FOLLOWER_GROWTH: GROWTH,
    GoalMetric.LEADS: SUM, GoalMetric.REACH: SUM, GoalMetric.VIEWS: SUM,
    GoalMetric.CLICKS: SUM, GoalMetric.CONVERSIONS: SUM, GoalMetric.REVENUE: SUM,
    GoalMetric.ER: RATE, GoalMetric.NEGATIVE_SHARE: RATE, GoalMetric.FIRST_REPLY: RATE,
}
LOWER_IS_BETTER = frozenset({GoalMetric.NEGATIVE_SHARE, GoalMetric.FIRST_REPLY})
NO_SOURCE: frozenset = frozenset()  # metrics without a data source (none left)
PERCENT_METRICS = frozenset({GoalMetric.ER, GoalMetric.NEGATIVE_SHARE})

ON_TRACK, AT_RISK, OFF_TRACK, TOO_EARLY, NO_DATA = (
    "on_track", "at_risk", "off_track", "too_early", "no_data")
MIN_POINTS = 3

# t(0.975, df) for df = 1..30; above that 2.0 (df ≤ 60) or 1.96.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201,
         2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074,
         2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


class GoalError(SmmdeskError):
    pass


# --- saving --------------------------------------------------------------------------

def goal_save(*, workspace: Workspace, actor=None, goal: Goal | None = None, name: str,
              metric: str, target, starts_on: date, ends_on: date, channels=()) -> Goal:
    """Create (``goal`` None) or change a goal; ``channels``: none means all channels."""
    if ends_on < starts_on:
        raise GoalError(_("The period ends before it starts."))
    if Decimal(str(target)) <= 0:
        raise GoalError(_("The target must be above zero."))
    if any(c.workspace_id != workspace.pk for c in channels):
        raise GoalError(_("A channel of another workspace."))
    goal = goal or Goal(workspace=workspace, created_by=actor)
    changed = goal.pk and (goal.metric, goal.target, goal.ends_on) != (
        metric, Decimal(str(target)), ends_on)
    goal.name, goal.metric, goal.target = name, metric, Decimal(str(target))
    goal.starts_on, goal.ends_on = starts_on, ends_on
    if changed:
        goal.notified_status = ""  # a new goal in effect: tell the owner afresh
    goal.save()
    goal.channels.set(channels)
    return goal


def goal_delete(*, goal: Goal) -> None:
    goal.delete()


def goal_list(*, workspace: Workspace):
    return Goal.objects.filter(workspace=workspace).prefetch_related("channels")


# --- the forecast ------------------------------------------------------------------

@dataclass
class Fit:
    value: float
    low: float
    high: float


def _t975(df: int) -> float:
    if df <= len(_T975):
        return _T975[df - 1]
    return 2.0 if df <= 60 else 1.96


def forecast_linear(points: list[tuple[float, float]], at: float) -> Fit | None:
    """Least-squares line through (t, y) read at ``at``, with its 95 % prediction
    interval (see the module's docstring). None with fewer than three points."""
    n = len(points)
    if n < MIN_POINTS:
        return None
    ts, ys = [p[0] for p in points], [p[1] for p in points]
    t_mean, y_mean = mean(ts), mean(ys)
    sxx = sum((t - t_mean) ** 2 for t in ts)
    slope = sum((t - t_mean) * (y - y_mean) for t, y in points) / sxx if sxx else 0.0
    intercept = y_mean - slope * t_mean
    residuals = [y - (intercept + slope * t) for t, y in points]
    s = math.sqrt(sum(r * r for r in residuals) / (n - 2))
    spread = math.sqrt(1 + 1 / n + ((at - t_mean) ** 2 / sxx if sxx else 0.0))
    value = intercept + slope * at
    half = _t975(n - 2) * s * spread
    return Fit(value, value - half, value + half)


def status_of(*, target: float, fit: Fit | None, lower_is_better: bool = False) -> str:
    """On track / at risk / off track by the rule in the module's docstring."""
    if fit is None:
        return TOO_EARLY
    if lower_is_better:
        if fit.value <= target:
            return ON_TRACK
        return AT_RISK if fit.low <= target else OFF_TRACK
    if fit.value >= target:
        return ON_TRACK
    return AT_RISK if fit.high >= target else OFF_TRACK


# --- the data ------------------------------------------------------------------------

def _days(start: date, end: date):
    d = start
    while d <= end:
        yield d
        d += timedelta(days=1)


def _channel_ids(goal: Goal) -> list[int] | None:
    return list(goal.channels.values_list("pk", flat=True)) or None


def _snapshots(goal: Goal, start: date, end: date, channel_ids):
    qs = ChannelSnapshot.objects.filter(workspace=goal.workspace, day__gte=start,
                                        day__lte=end)
    if channel_ids:
        qs = qs.filter(channel_id__in=channel_ids)
    return qs.order_by("day", "taken_at")


def _followers_by_channel(goal: Goal, end: date, channel_ids) -> dict[date, dict[int, int]]:
    """day → {channel: followers}, the last reading carried forward (from before the
    period too, so the first day has its baseline)."""
    readings: dict[date, dict[int, int]] = {}
    for day, channel, followers in _snapshots(
            goal, goal.starts_on - timedelta(days=60), end, channel_ids).filter(
            followers__isnull=False).values_list("day", "channel_id", "followers"):
        readings.setdefault(day, {})[channel] = followers
    out, known = {}, {}
    first = min(readings, default=goal.starts_on)
    for day in _days(min(first, goal.starts_on), end):
        known.update(readings.get(day, {}))
        if known:
            out[day] = dict(known)
    return out


def _daily_counter(goal: Goal, end: date, channel_ids, counter: str) -> dict[date, int]:
    out: dict[date, int] = {}
    for day, value in _snapshots(goal, goal.starts_on, end, channel_ids).filter(
            **{f"{counter}__isnull": False}).values_list("day", counter):
        out[day] = out.get(day, 0) + value
    return out


def _daily_clicks(goal: Goal, end: date, channel_ids) -> dict[date, int]:
    tz = goal.workspace.tz
    qs = Click.objects.filter(
        link__workspace=goal.workspace, bot=False,
        at__gte=datetime.combine(goal.starts_on, dtime.min, tzinfo=tz),
        at__lt=datetime.combine(end + timedelta(days=1), dtime.min, tzinfo=tz))
    if channel_ids:
        qs = qs.filter(link__channel_id__in=channel_ids)
    out: dict[date, int] = {}
    for (at,) in qs.values_list("at"):
        day = timezone.localtime(at, tz).date()
        out[day] = out.get(day, 0) + 1
    return out


def _daily_conversions(goal: Goal, end: date, channel_ids, *, revenue: bool) -> dict:
    """day → conversions (or the sum of their values, for revenue) that day."""
    rows = conversions_in(workspace=goal.workspace, start=goal.starts_on, end=end,
                          channel_ids=channel_ids)
    return {day: float(value) if revenue else n for day, n, value in
            conversions_per_day(rows, goal.workspace, Period(goal.starts_on, end)) if n}


def _daily_er(goal: Goal, end: date, channel_ids) -> tuple[dict[date, float], list]:
    """day → ERday (mean over the day's channels of the interactions on that day's posts,
    each post's latest reading, / that channel's followers that day); and the pairs."""
    followers = _followers_by_channel(goal, end, channel_ids)
    tz = goal.workspace.tz
    qs = PostLatest.objects.filter(  # each post's latest reading, one row a post
        workspace=goal.workspace,
        published_at__gte=datetime.combine(goal.starts_on, dtime.min, tzinfo=tz),
        published_at__lt=datetime.combine(end + timedelta(days=1), dtime.min, tzinfo=tz))
    if channel_ids:
        qs = qs.filter(channel_id__in=channel_ids)
    sums: dict[tuple[date, int], int] = {}
    for snap in qs.only("published_at", "channel_id", *INTERACTION_COUNTERS):
        given = interactions_of(snap)
        if given is not None:
            key = (timezone.localtime(snap.published_at, tz).date(), snap.channel_id)
            sums[key] = sums.get(key, 0) + given
    by_day: dict[date, list[float]] = {}
    pairs = []
    for (day, channel), given in sums.items():
        base = followers.get(day, {}).get(channel)
        value = er_day(interactions=given, followers=base)
        if value is not None:
            by_day.setdefault(day, []).append(value)
            pairs.append((given, base))
    return {d: mean(v) for d, v in by_day.items()}, pairs


def _inbox(goal: Goal, end: date, channel_ids) -> dict:
    from smmdesk.inbox.selectors import inbox_daily

    return inbox_daily(workspace=goal.workspace, start=goal.starts_on, end=end,
                       channel_ids=channel_ids)


def _measure(goal: Goal, end: date) -> tuple[float | None, dict[date, float]]:
    """(the period's value so far, the daily series to fit) for ``goal`` up to ``end``."""
    ids, metric = _channel_ids(goal), goal.metric
    kind = KINDS[metric]
    if kind in (LEVEL, GROWTH):
        totals = {d: sum(v.values()) for d, v in
                  _followers_by_channel(goal, end, ids).items()}
        before = [d for d in totals if d <= goal.starts_on]
        base = totals[max(before)] if before else None
        series = {d: v for d, v in totals.items() if d >= goal.starts_on}
        if not series:
            return None, {}
        if kind == GROWTH:
            base = base if base is not None else series[min(series)]
            series = {d: v - base for d, v in series.items()}
        return series[max(series)], series
    if kind == SUM:
        if metric == GoalMetric.CLICKS:
            daily = _daily_clicks(goal, end, ids)
        elif metric == GoalMetric.LEADS:
            daily = {d: r["leads"] for d, r in _inbox(goal, end, ids).items()}
        elif metric in (GoalMetric.CONVERSIONS, GoalMetric.REVENUE):
            daily = _daily_conversions(goal, end, ids, revenue=metric == GoalMetric.REVENUE)
        else:
            daily = _daily_counter(goal, end, ids, metric)
            if not daily:  # the network gives no such counter: missing, not 0
                return None, {}
        series, total = {}, 0
        for day in _days(goal.starts_on, end):
            total += daily.get(day, 0)
            series[day] = total
        return total, series
    if metric == GoalMetric.ER:
        daily_er, pairs = _daily_er(goal, end, ids)
        return (mean(daily_er.values()) if daily_er else None), daily_er
    rows = _inbox(goal, end, ids)
    if metric == GoalMetric.NEGATIVE_SHARE:
        series = {d: ratio(r["negative"], r["messages"]) for d, r in rows.items()
                  if r["messages"]}
        return ratio(sum(r["negative"] for r in rows.values()),
                     sum(r["messages"] for r in rows.values())), series
    series = {d: median(r["first_reply_min"]) for d, r in rows.items() if r["first_reply_min"]}
    every = [m for r in rows.values() for m in r["first_reply_min"]]
    return (median(every) if every else None), series


# --- progress ------------------------------------------------------------------------

@dataclass
class Progress:
    goal: Goal
    today: date
    current: float | None = None
    series: dict = field(default_factory=dict)
    fit: Fit | None = None
    status: str = NO_DATA
    pace_per_day: float | None = None
    no_source: bool = False

    @property
    def target(self) -> float:
        return float(self.goal.target)

    @property
    def lower_is_better(self) -> bool:
        return self.goal.metric in LOWER_IS_BETTER

    @property
    def days_left(self) -> int:
        return max((self.goal.ends_on - self.today).days, 0)

    @property
    def percent(self) -> float | None:
        """How far along: current / target × 100 (target / current for lower-is-better)."""
        if self.current is None:
            return None
        if self.lower_is_better:
            return min(100.0, ratio(self.target, self.current) or 100.0)
        return max(0.0, min(100.0, ratio(self.current, self.target) or 0.0))


def goal_progress(*, goal: Goal, today: date | None = None) -> Progress:
    """The goal's value so far, the pace it needs, its forecast and status."""
    today = today or timezone.localdate(timezone.now(), goal.workspace.tz)
    p = Progress(goal=goal, today=today, no_source=goal.metric in NO_SOURCE)
    if p.no_source or today < goal.starts_on:
        return p
    end = min(today, goal.ends_on)
    p.current, p.series = _measure(goal, end)
    if p.current is None:
        return p
    if today > goal.ends_on:  # over: the final value is the forecast
        p.fit = Fit(p.current, p.current, p.current)
    else:
        points = [((d - goal.starts_on).days, float(v)) for d, v in sorted(p.series.items())]
        p.fit = forecast_linear(points, (goal.ends_on - goal.starts_on).days)
        if p.fit and KINDS[goal.metric] == SUM:  # a running total does not shrink
            p.fit = Fit(max(p.fit.value, p.current), max(p.fit.low, p.current),
                        max(p.fit.high, p.current))
    reached = (p.current <= p.target) if p.lower_is_better else (p.current >= p.target)
    if KINDS[goal.metric] != RATE and reached:
        p.status = ON_TRACK
    else:
        p.status = status_of(target=p.target, fit=p.fit, lower_is_better=p.lower_is_better)
    if KINDS[goal.metric] != RATE:
        p.pace_per_day = max(p.target - p.current, 0) / max(p.days_left, 1)
    return p


def goal_progress_list(*, workspace: Workspace, today: date | None = None) -> list[Progress]:
    return [goal_progress(goal=g, today=today) for g in goal_list(workspace=workspace)]


# --- words and numbers -----------------------------------------------------------------

def format_value(metric: str, value: float | None) -> str:
    """A goal metric's value as people read it: 1,234 / 4.2% / 35 min."""
    if value is None:
        return "—"
    if metric in PERCENT_METRICS:
        return f"{formats.number_format(round(value, 1), 1, use_l10n=True)}%"
    if metric == GoalMetric.FIRST_REPLY:
        return _("%(n)s min") % {"n": formats.number_format(round(value), 0, use_l10n=True,
                                                             force_grouping=True)}
    digits = 1 if abs(value) < 10 and value != int(value) else 0
    return formats.number_format(round(value, digits), digits, use_l10n=True,
                                 force_grouping=True)


STATUS_LABELS = {
    ON_TRACK: lambda: _("On track"), AT_RISK: lambda: _("At risk"),
    OFF_TRACK: lambda: _("Off track"), TOO_EARLY: lambda: _("Too early to tell"),
    NO_DATA: lambda: _("No data yet"),
}


def status_label(status: str) -> str:
    return STATUS_LABELS[status]()


def pace_text(p: Progress) -> str:
    """"Needs 12 a day to reach 1,000" (a week when under one a day), or ""."""
    if p.pace_per_day is None or p.current is None or p.today > p.goal.ends_on:
        return ""
    if p.pace_per_day <= 0:
        return _("Target reached.")
    target = format_value(p.goal.metric, p.target)
    if p.pace_per_day >= 1:
        return _("Needs %(pace)s a day to reach %(target)s.") % {
            "pace": format_value(p.goal.metric, p.pace_per_day), "target": target}
    return _("Needs %(pace)s a week to reach %(target)s.") % {
        "pace": format_value(p.goal.metric, p.pace_per_day * 7), "target": target}


def forecast_text(p: Progress) -> str:
    """"At the current pace 930 by Dec 31 (860–1,000)", or why there is none."""
    if p.no_source:
        return _("No data yet: conversions arrive with the links/conversions work.")
    if p.today < p.goal.starts_on:
        return _("Starts on %(date)s.") % {"date": formats.date_format(p.goal.starts_on)}
    if p.current is None:
        return _("No data yet for these channels.")
    if p.fit is None:
        return _("Too early for a forecast: it needs three days of data.")
    when = formats.date_format(p.goal.ends_on)
    if p.today > p.goal.ends_on:
        return _("Final: %(value)s on %(date)s.") % {
            "value": format_value(p.goal.metric, p.current), "date": when}
    low = max(p.fit.low, 0.0)
    return _("At the current pace %(value)s by %(date)s (%(low)s–%(high)s).") % {
        "value": format_value(p.goal.metric, max(p.fit.value, 0.0)), "date": when,
        "low": format_value(p.goal.metric, low),
        "high": format_value(p.goal.metric, max(p.fit.high, 0.0))}


# --- the background check -----------------------------------------------------------

def _owners(workspace: Workspace):
    return [m.user for m in Membership.objects.filter(workspace=workspace, role=Role.OWNER)
            .select_related("user")]


def goal_check(*, goal: Goal, today: date | None = None) -> bool:
    """Record the goal's status; when it has just become "at risk", tell the owners.

    The change is claimed by a conditional UPDATE on ``notified_status``, so however many
    workers check at once, one of them notifies, once per change. True if notified."""
    p = goal_progress(goal=goal, today=today)
    if p.status in (TOO_EARLY, NO_DATA) or p.status == goal.notified_status:
        return False
    with transaction.atomic():
        claimed = Goal.objects.filter(pk=goal.pk, notified_status=goal.notified_status) \
            .update(notified_status=p.status)
        goal.notified_status = p.status
        if not claimed or p.status != AT_RISK:
            return False
        ws = goal.workspace

        def text():
            return _('Goal "%(name)s" is at risk. %(forecast)s Target: %(target)s.') % {
                "name": goal.name, "forecast": forecast_text(p),
                "target": format_value(goal.metric, p.target)}

        from smmdesk.team.services import notify

        notify(users=_owners(ws), workspace=ws, text=text, url=f"/w/{ws.slug}/goals/")
    return True


def goal_check_all(*, today: date | None = None) -> int:
    """Check every goal whose period is not over (the worker runs this now and then).
    Returns how many owners' notifications were made."""
    soonest = (today or timezone.now().date()) - timedelta(days=1)
    notified = 0
    for goal in Goal.objects.filter(Q(ends_on__gte=soonest)).select_related("workspace"):
        with translation.override(None):
            notified += goal_check(goal=goal, today=today)
    return notified
