"""What the analytics dashboard shows, for a workspace or one channel, for a period
compared with the previous period of the same length.

Reads only snapshots (analytics/models.py) and other apps' selectors (inbox counts come
through inbox/selectors.py). Every derived number goes through analytics/metrics.py.

Speed: snapshots are aggregated in SQL per (channel, day); Python only walks those groups
(at most channels × days rows), never one row per snapshot.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import median

from django.db.models import (
    Count,
    OuterRef,
    Subquery,
)
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from smmdesk.accounts.models import Workspace
from smmdesk.analytics import metrics
from smmdesk.analytics.models import ChannelSnapshot, PostLatest, PostSnapshot
from smmdesk.channels.models import Channel
from smmdesk.inbox.selectors import inbox_summary
from smmdesk.lib.db import moment_parser, moment_text
from smmdesk.publishing.models import Publication, Status

PRESET_DAYS = (7, 30, 90, 365)
DEFAULT_DAYS = 30
TOP_LIMIT = 5
RANK_BY = ("interactions", "er_view")
ER_BASIS = ("post", "day")  # ERpost averaged per post, or ERday averaged per day


# --- the period ----------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]

    def bounds(self, tz) -> tuple[datetime, datetime]:
        """[since, until) in the workspace's time zone."""
        return (datetime.combine(self.start, time.min, tzinfo=tz),
                datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz))


def period_last(*, days: int, today: date) -> Period:
    """The last ``days`` days, today included."""
    return Period(today - timedelta(days=days - 1), today)


# --- what comes back -----------------------------------------------------------------

@dataclass
class Day:
    day: date
    followers: int | None = None
    views: int | None = None
    reach: int | None = None
    posts: int = 0
    interactions: int | None = None
    er_day: float | None = None
    er_view: float | None = None


@dataclass
class Totals:
    followers_start: int | None = None
    followers_end: int | None = None
    views: int | None = None
    reach: int | None = None
    posts: int = 0
    interactions: int | None = None
    er: float | None = None  # ERpost per post or ERday per day, as asked
    er_view: float | None = None
    inbox: dict = field(default_factory=dict)

    @property
    def growth(self) -> int | None:
        return metrics.follower_growth(start=self.followers_start, end=self.followers_end)

    @property
    def growth_rate(self) -> float | None:
        return metrics.growth_rate(start=self.followers_start, end=self.followers_end)

    @property
    def negative_share(self) -> float | None:
        counts = self.inbox.get("sentiment") or {}
        return metrics.ratio(counts.get("negative", 0), sum(counts.values()))

    def sentiment_share(self) -> dict[str, float | None]:
        counts = self.inbox.get("sentiment") or {}
        total = sum(counts.values())
        return {s: metrics.ratio(counts.get(s, 0), total)
                for s in ("positive", "neutral", "negative")}


@dataclass
class PostRow:
    publication_id: int
    post_id: int
    title: str
    channel_name: str
    channel_kind: str
    published_at: datetime
    views: int | None
    reach: int | None
    interactions: int | None
    er_post: float | None
    er_view: float | None


@dataclass
class Kpi:
    name: str
    label: str
    tooltip: str
    value: float | int | None
    previous: float | int | None
    unit: str  # metrics.PERCENT / COUNT / "min"
    higher_is_better: bool = True

    @property
    def change(self) -> float | None:
        return metrics.change_percent(current=self.value, previous=self.previous)

    @property
    def good(self) -> bool | None:
        if not self.change:
            return None
        return (self.change > 0) == self.higher_is_better


@dataclass
class Dashboard:
    period: Period
    previous: Period
    channels: list[Channel]
    days: list[Day]
    totals: Totals
    previous_totals: Totals
    top: list[PostRow]
    bottom: list[PostRow]
    has_snapshots: bool
    er_basis: str
    rank_by: str
    kpis: list[Kpi] = field(default_factory=list)


# --- channel snapshots -----------------------------------------------------------------

def _channel_days(ids: list[int], period: Period) -> dict[int, dict[date, tuple]]:
    """channel → day → (followers, views, reach) of the day's last snapshot."""
    rows = (ChannelSnapshot.objects
            .filter(channel_id__in=ids, day__gte=period.start, day__lte=period.end)
            .order_by("channel_id", "day", "taken_at", "pk")
            .values_list("channel_id", "day", "followers", "views", "reach"))
    out: dict[int, dict[date, tuple]] = defaultdict(dict)
    for channel_id, day, *counters in rows:
        out[channel_id][day] = tuple(counters)  # a later reading of the day replaces it
    return out


def _followers_before(ids: list[int], day: date) -> dict[int, int]:
    """channel → followers in its last snapshot before ``day`` (to carry into a period)."""
    last = (ChannelSnapshot.objects
            .filter(channel=OuterRef("pk"), day__lt=day, followers__isnull=False)
            .order_by("-day", "-taken_at", "-pk").values("followers")[:1])
    return {pk: f for pk, f in Channel.objects.filter(pk__in=ids)
            .annotate(f=Subquery(last)).values_list("pk", "f") if f is not None}


def _followers_series(ids: list[int], period: Period, by_channel) -> dict[int, dict]:
    """channel → day → followers, carrying the last known count over days without one."""
    carried = _followers_before(ids, period.start)
    out: dict[int, dict] = {}
    for channel_id in ids:
        days, value = by_channel.get(channel_id, {}), carried.get(channel_id)
        series = {}
        for day in period.dates():
            if day in days and days[day][0] is not None:
                value = days[day][0]
            series[day] = value
        out[channel_id] = series
    return out


def _sum(values) -> int | None:
    given = [v for v in values if v is not None]
    return sum(given) if given else None


# --- post snapshots ----------------------------------------------------------------------

@dataclass
class _Reading:
    """One publication of the period by its LAST snapshot."""
    publication_id: int
    channel_id: int
    published_at: datetime  # in the workspace's time zone
    views: int | None
    reach: int | None
    interactions: int | None

    @property
    def day(self) -> date:
        return self.published_at.date()


def _readings(workspace: Workspace, ids: list[int], period: Period) -> list[_Reading]:
    """Each publication published in the period, by its last snapshot (``PostLatest``,
    kept by analytics/services.py with every snapshot: one indexed range read)."""
    since, until = period.bounds(workspace.tz)
    rows = (PostLatest.objects
            .filter(workspace=workspace, channel_id__in=ids, published_at__gte=since,
                    published_at__lt=until)
            .annotate(at=moment_text("published_at"))
            .values_list("publication_id", "channel_id", "at",
                         "views", "reach", *metrics.INTERACTION_COUNTERS))
    tz, interactions, parse = workspace.tz, metrics.interactions, moment_parser()
    return [_Reading(pub, channel, parse(at).astimezone(tz), views, reach,
                     interactions(likes=likes, comments=comments, reposts=reposts,
                                  saves=saves))
            for pub, channel, at, views, reach, likes, comments, reposts, saves in rows]


def _groups(readings: list[_Reading]) -> dict[tuple[int, date], dict]:
    """(channel, day of publication) → n_inter (posts with interactions), inter, and
    inter_v / views over the posts that have both."""
    out: dict[tuple[int, date], dict] = {}
    for r in readings:
        g = out.setdefault((r.channel_id, r.day),
                           {"n_inter": 0, "inter": 0, "inter_v": None, "views": None})
        if r.interactions is None:
            continue
        g["n_inter"] += 1
        g["inter"] += r.interactions
        if r.views is not None:
            g["inter_v"] = (g["inter_v"] or 0) + r.interactions
            g["views"] = (g["views"] or 0) + r.views
    return out


def _post_counts(workspace: Workspace, ids: list[int], period: Period) -> dict[date, int]:
    """day → publications published that day (with or without snapshots)."""
    since, until = period.bounds(workspace.tz)
    return dict(Publication.objects
                .filter(workspace=workspace, channel_id__in=ids, status=Status.PUBLISHED,
                        published_at__gte=since, published_at__lt=until)
                .annotate(day=TruncDate("published_at", tzinfo=workspace.tz))
                .order_by().values("day").annotate(n=Count("pk")).values_list("day", "n"))


# --- putting a period together -------------------------------------------------------------

def _days(workspace: Workspace, ids: list[int], period: Period, *, by_channel, groups,
          followers) -> list[Day]:
    counts = _post_counts(workspace, ids, period)
    by_day = defaultdict(list)
    for (_channel, day), g in groups.items():
        if g["n_inter"]:
            by_day[day].append(g)
    days = []
    for day in period.dates():
        readings_of = [by_channel.get(c, {}).get(day, (None,) * 3) for c in ids]
        row = Day(day=day, posts=counts.get(day, 0),
                  followers=_sum(followers[c][day] for c in ids),
                  views=_sum(r[1] for r in readings_of), reach=_sum(r[2] for r in readings_of))
        posted = by_day.get(day, [])
        row.interactions = _sum(g["inter"] for g in posted)
        row.er_day = metrics.er_day(interactions=row.interactions, followers=row.followers)
        row.er_view = metrics.er_view(interactions=_sum(g["inter_v"] for g in posted),
                                      views=_sum(g["views"] for g in posted))
        days.append(row)
    return days


def _er_post(groups: dict, followers: dict, method: str) -> float | None:
    """ERpost averaged per post: each group of n posts stands for n posts with the
    group's mean interactions (exact for both methods, as they share the followers)."""
    pairs: list[tuple] = []
    for (channel_id, day), g in groups.items():
        if g["n_inter"]:
            base = followers.get(channel_id, {}).get(day)
            pairs += [(g["inter"] / g["n_inter"], base)] * g["n_inter"]
    return metrics.er_post_average(pairs, method=method)


def _totals(workspace: Workspace, ids: list[int], period: Period, *, er_basis: str,
            method: str, inbox_ids):
    """The period's totals, its days, its readings and each channel's followers by day."""
    readings = _readings(workspace, ids, period)
    groups = _groups(readings)
    by_channel = _channel_days(ids, period)
    followers = _followers_series(ids, period, by_channel)
    days = _days(workspace, ids, period, by_channel=by_channel, groups=groups,
                 followers=followers)
    if er_basis == "day":
        er = metrics.er_day_average(((d.interactions, d.followers) for d in days
                                     if d.interactions is not None), method=method)
    else:
        er = _er_post(groups, followers, method)
    with_views = [g for g in groups.values() if g["views"] is not None]
    since, until = period.bounds(workspace.tz)
    totals = Totals(
        followers_start=days[0].followers, followers_end=days[-1].followers,
        views=_sum(d.views for d in days), reach=_sum(d.reach for d in days),
        posts=sum(d.posts for d in days), interactions=_sum(d.interactions for d in days),
        er=er,
        er_view=metrics.er_view(interactions=_sum(g["inter_v"] for g in with_views),
                                views=_sum(g["views"] for g in with_views)),
        inbox=inbox_summary(workspace=workspace, since=since, until=until,
                            channel_ids=inbox_ids))
    return totals, days, readings, followers


# --- top and bottom posts -------------------------------------------------------------------

def _post_rows(readings: list[_Reading], followers: dict) -> list[PostRow]:
    pubs = Publication.objects.select_related("post", "channel").in_bulk(
        [r.publication_id for r in readings])
    out = []
    for r in readings:
        pub = pubs[r.publication_id]
        base = followers.get(r.channel_id, {}).get(r.day)
        out.append(PostRow(
            publication_id=r.publication_id, post_id=pub.post_id, title=str(pub.post),
            channel_name=pub.channel.name, channel_kind=pub.channel.kind,
            published_at=r.published_at, views=r.views, reach=r.reach,
            interactions=r.interactions,
            er_post=metrics.er_post(interactions=r.interactions, followers=base),
            er_view=metrics.er_view(interactions=r.interactions, views=r.views)))
    return out


def _ranked(readings: list[_Reading], rank_by: str,
            followers: dict) -> tuple[list[PostRow], list[PostRow]]:
    """The TOP_LIMIT best and worst posts by interactions or by ERview (posts without
    the figure are not ranked); ties go to the later publication."""
    if rank_by == "er_view":
        scored = [(metrics.er_view(interactions=r.interactions, views=r.views), r)
                  for r in readings]
    else:
        scored = [(r.interactions, r) for r in readings]
    # (score, id) is unique, so the readings themselves are never compared.
    scored = [(score, r.publication_id, r) for score, r in scored if score is not None]
    best = heapq.nlargest(TOP_LIMIT, scored)
    worst = heapq.nsmallest(min(TOP_LIMIT, len(scored) - len(best)), scored)
    return (_post_rows([r for _s, _id, r in best], followers),
            _post_rows([r for _s, _id, r in worst], followers))


# --- the dashboard ------------------------------------------------------------------------

def channels_for(*, workspace: Workspace, channel_id: int | None = None) -> list[Channel]:
    """The workspace's channels, or the one asked for (none when it is not theirs)."""
    qs = Channel.objects.filter(workspace=workspace).order_by("name", "pk")
    return list(qs.filter(pk=channel_id) if channel_id else qs)


def dashboard_get(*, workspace: Workspace, period: Period, channel_id: int | None = None,
                  er_basis: str = "post", method: str = metrics.MEAN_OF_RATIOS,
                  rank_by: str = "interactions") -> Dashboard:
    """The dashboard for ``period`` against the previous period of the same length."""
    channels = channels_for(workspace=workspace, channel_id=channel_id)
    ids = [c.pk for c in channels]
    kwargs = {"er_basis": er_basis, "method": method,
              "inbox_ids": ids if channel_id else None}
    totals, days, readings, followers = _totals(workspace, ids, period, **kwargs)
    previous = _totals(workspace, ids, period.previous(), **kwargs)[0]
    top, bottom = _ranked(readings, rank_by, followers)
    has = (ChannelSnapshot.objects.filter(channel_id__in=ids).exists()
           or PostSnapshot.objects.filter(channel_id__in=ids).exists())
    board = Dashboard(period=period, previous=period.previous(), channels=channels,
                      days=days, totals=totals, previous_totals=previous, top=top,
                      bottom=bottom, has_snapshots=has, er_basis=er_basis, rank_by=rank_by)
    board.kpis = kpi_list(totals=totals, previous=previous, er_basis=er_basis)
    return board


def posts_ranked(*, workspace: Workspace, period: Period, channel_id: int | None = None,
                 rank_by: str = "interactions") -> tuple[list[Channel], list[PostRow],
                                                        list[PostRow]]:
    """(channels, top, bottom): the dashboard's post table alone, for its CSV (the same
    rows as ``dashboard_get``'s, without the totals and the previous period)."""
    channels = channels_for(workspace=workspace, channel_id=channel_id)
    ids = [c.pk for c in channels]
    followers = _followers_series(ids, period, _channel_days(ids, period))
    return channels, *_ranked(_readings(workspace, ids, period), rank_by, followers)


def _metric_kpi(name: str, value, previous, **kwargs) -> Kpi:
    m = metrics.metric_get(name)
    return Kpi(name=name, label=m.label, tooltip=m.tooltip(), value=value,
               previous=previous, unit=m.unit, **kwargs)


def kpi_list(*, totals: Totals, previous: Totals, er_basis: str) -> list[Kpi]:
    """The KPI cards, in order, each with its value in the previous period."""
    t, p = totals, previous

    def plain(name, label, tooltip, attr, unit=metrics.COUNT, **kwargs):
        return Kpi(name=name, label=label, tooltip=f"{label}: {tooltip}",
                   value=attr(t), previous=attr(p), unit=unit, **kwargs)

    def inbox(key):
        return lambda x: x.inbox.get(key)

    return [
        plain("followers", _("Followers"), _("at the end of the period, all channels"),
              lambda x: x.followers_end),
        _metric_kpi("follower_growth", t.growth, p.growth),
        _metric_kpi("growth_rate", t.growth_rate, p.growth_rate),
        plain("views", _("Views"), _("views per day, added up"), lambda x: x.views),
        plain("reach", _("Reach"), _("reach per day, added up"), lambda x: x.reach),
        _metric_kpi("interactions", t.interactions, p.interactions),
        _metric_kpi("er_day" if er_basis == "day" else "er_post", t.er, p.er),
        _metric_kpi("er_view", t.er_view, p.er_view),
        plain("posts", _("Posts"), _("published in the period"), lambda x: x.posts),
        plain("messages", _("Inbox messages"), _("incoming comments and messages"),
              inbox("messages")),
        plain("first_reply", _("First reply"), _("median minutes to our first reply"),
              inbox("first_reply_min"), unit="min", higher_is_better=False),
        plain("negative_share", _("Negative messages"),
              _("negative / classified incoming messages × 100"),
              lambda x: x.negative_share, unit=metrics.PERCENT, higher_is_better=False),
        plain("leads", _("Leads"), _("leads created from the inbox"), inbox("leads")),
    ]


# --- one post's curve --------------------------------------------------------------------

@dataclass
class Curve:
    metric: str  # "views" or "interactions"
    ages: list[int]  # hours since publication
    values: list[int | None]
    median: list[float | None]
    compared: int  # how many of the channel's other posts the median is made of


def _curve_value(row: dict, metric: str):
    return row["views"] if metric == "views" else metrics.interactions_of(row)


def post_curve(*, publication: Publication, others: int = 50) -> Curve:
    """The publication's counter at each snapshot since publication, beside the median
    of the channel's ``others`` latest other posts at the same ages (a post's reading
    counts for an age when it is within a quarter of that age)."""
    fields = ("publication_id", "age_hours", "views", *metrics.INTERACTION_COUNTERS)
    own = list(PostSnapshot.objects.filter(publication=publication)
               .order_by("taken_at", "pk").values(*fields))
    metric = "views" if any(r["views"] is not None for r in own) else "interactions"
    peers = list(Publication.objects.filter(channel_id=publication.channel_id,
                                            status=Status.PUBLISHED)
                 .exclude(pk=publication.pk).order_by("-published_at")
                 .values_list("pk", flat=True)[:others])
    by_pub: dict[int, list[dict]] = defaultdict(list)
    for row in PostSnapshot.objects.filter(publication_id__in=peers).values(*fields):
        by_pub[row["publication_id"]].append(row)
    ages = [r["age_hours"] for r in own]
    medians = []
    for age in ages:
        near = [min(rows, key=lambda r: abs(r["age_hours"] - age)) for rows in by_pub.values()]
        values = [_curve_value(r, metric) for r in near
                  if abs(r["age_hours"] - age) <= max(1, age // 4)]
        values = [v for v in values if v is not None]
        medians.append(median(values) if values else None)
    return Curve(metric=metric, ages=ages, values=[_curve_value(r, metric) for r in own],
                 median=medians, compared=len(by_pub))
