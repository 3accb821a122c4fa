"""Best time to post: a weekday × hour heatmap per channel (and for the workspace) from
our own history.

How a cell is computed:
- Each published publication old enough to have reached the chosen age (24 h by default)
  gives one engagement value: its ER from the latest snapshot taken at or below that age
  (``engagement_list``), so every post is compared at the same age: ERpost (by the
  channel's followers that day) where followers are known, else ERview (analytics/metrics.py).
- It is bucketed by the weekday and hour of publication in the workspace's time zone.
- A cell with fewer than ``MIN_POSTS`` posts has no value ("not enough data"); never a
  guessed one.
- A cell with enough posts is shrunk toward the channel's mean, as if ``PRIOR_POSTS``
  average posts had been published there too: (sum + k·mean) / (n + k). A lucky cell with
  three posts therefore beats a steady cell with thirty only when it is clearly better.
- The workspace heatmap compares each post with its own channel's mean (its "index",
  1.0 = average), so a large channel does not drown the others.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Max
from django.utils import timezone

from smmdesk.accounts.models import Workspace
from smmdesk.analytics import metrics
from smmdesk.analytics.models import ChannelSnapshot, PostSnapshot
from smmdesk.channels.models import Channel
from smmdesk.publishing.models import Status

TIMING_AGE_HOURS = 24      # compare posts by their 24 h snapshot
HISTORY_DAYS = 180         # look back this far
MIN_POSTS = 3              # fewer posts in a cell: "not enough data"
PRIOR_POSTS = 3            # shrinkage strength: k imaginary average posts per cell
LEVEL_STEPS = (0.8, 0.95, 1.05, 1.2)  # index thresholds between levels 0..4
INTERACTIONS = metrics.INTERACTION_COUNTERS


@dataclass(frozen=True)
class Engagement:
    """One publication's engagement at a comparable age."""

    publication_id: int
    channel_id: int
    published_at: datetime  # in the workspace's time zone
    rubric_id: int | None
    campaign_id: int | None
    format: str
    views: int | None
    reach: int | None
    interactions: int | None
    er: float | None  # in percent (metrics.er_post, else metrics.er_view)


@dataclass(frozen=True)
class Cell:
    weekday: int  # 0 = Monday
    hour: int
    posts: int
    er: float | None = None     # shrunk ER (a channel's map only)
    index: float | None = None  # shrunk value / the channel's mean; None: not enough data
    level: int | None = None    # 0..4 for the colour; None: not enough data

    @property
    def lift(self) -> float | None:
        """+0.3 for 30 % above average."""
        return None if self.index is None else self.index - 1


@dataclass
class Heatmap:
    channel: Channel | None  # None: the whole workspace
    posts: int = 0
    mean: float | None = None  # mean ER per post (a channel's map only)
    rows: list[list[Cell]] = field(default_factory=list)  # 7 weekdays × 24 hours

    def cell(self, weekday: int, hour: int) -> Cell:
        return self.rows[weekday][hour]


# --- engagement per publication ------------------------------------------------------

def _er(interactions: int | None, followers: int | None, views: int | None) -> float | None:
    """ERpost (by followers) where the channel's followers are known, else ERview."""
    if followers:
        return metrics.er_post(interactions=interactions, followers=followers)
    return metrics.er_view(interactions=interactions, views=views)


def _followers(channel_ids: list[int], since) -> dict[int, tuple[list, list]]:
    """Per channel: (days, followers) sorted by day, for a lookup by date: every reading
    from ``since`` on, and the last one before it."""
    known = ChannelSnapshot.objects.filter(channel_id__in=channel_ids, followers__isnull=False)
    before = (known.filter(day__lt=since).values("channel_id").order_by()
              .annotate(last=Max("day")).values_list("last", flat=True))
    start = min(before, default=since)
    rows = (known.filter(day__gte=start)
            .order_by("channel_id", "day", "taken_at")
            .values_list("channel_id", "day", "followers"))
    out: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))
    for channel_id, day, followers in rows:
        days, counts = out[channel_id]
        if days and days[-1] == day:
            counts[-1] = followers  # the day's last reading counts
        else:
            days.append(day)
            counts.append(followers)
    return out


def _followers_on(series: tuple[list, list] | None, day) -> int | None:
    if not series:
        return None
    i = bisect_right(series[0], day)
    return series[1][i - 1] if i else None


def _snapshot_rows(workspace: Workspace, channel_ids: list[int], age_hours: int,
                   since: datetime, until: datetime):
    """Every snapshot at or below ``age_hours`` of the publications in range, each
    publication's rows in (age, time) order: the last row of a publication is its
    latest reading at or below that age. (No correlated subquery: PostgreSQL ran one per
    row, minutes on a year of 50 channels.)"""
    return (PostSnapshot.objects
            .filter(workspace=workspace, channel_id__in=channel_ids, age_hours__lte=age_hours,
                    publication__status=Status.PUBLISHED,
                    publication__published_at__gte=since,
                    publication__published_at__lte=until)
            .order_by("publication_id", "age_hours", "taken_at")
            .values("publication_id", "channel_id", "publication__published_at",
                    "publication__post__rubric_id", "publication__post__campaign_id",
                    "publication__variant__format", "views", "reach", *INTERACTIONS))


def engagement_list(*, workspace: Workspace, channels: Iterable[Channel] | None = None,
                    age_hours: int = TIMING_AGE_HOURS, days: int = HISTORY_DAYS,
                    now: datetime | None = None) -> list[Engagement]:
    """Every published publication of the last ``days`` days that is at least
    ``age_hours`` old, with its engagement from the latest snapshot at or below that age.
    A publication without such a snapshot is left out."""
    now = now or timezone.now()
    ids = ([c.pk for c in channels] if channels is not None
           else list(Channel.objects.filter(workspace=workspace).values_list("pk", flat=True)))
    since, tz = now - timedelta(days=days), workspace.tz
    followers = _followers(ids, since.date())
    last = {row["publication_id"]: row for row in
            _snapshot_rows(workspace, ids, age_hours, since, now - timedelta(hours=age_hours))}
    by_pub: dict[int, Engagement] = {}
    for row in last.values():
        local = timezone.localtime(row["publication__published_at"], tz)
        inter = metrics.interactions_of(row)
        base = _followers_on(followers.get(row["channel_id"]), local.date())
        by_pub[row["publication_id"]] = Engagement(
            publication_id=row["publication_id"], channel_id=row["channel_id"],
            published_at=local, rubric_id=row["publication__post__rubric_id"],
            campaign_id=row["publication__post__campaign_id"],
            format=row["publication__variant__format"], views=row["views"],
            reach=row["reach"], interactions=inter, er=_er(inter, base, row["views"]))
    return list(by_pub.values())


# --- the heatmap ---------------------------------------------------------------------

def _level(index: float) -> int:
    return bisect_right(LEVEL_STEPS, index)


def _cells(values: dict[tuple[int, int], list[float]], prior: float) -> list[list[Cell]]:
    """7 × 24 cells from the values per (weekday, hour), shrunk toward ``prior``."""
    rows = []
    for weekday in range(7):
        row = []
        for hour in range(24):
            vals = values.get((weekday, hour), [])
            if len(vals) < MIN_POSTS or not prior:
                row.append(Cell(weekday, hour, len(vals)))
                continue
            shrunk = (sum(vals) + PRIOR_POSTS * prior) / (len(vals) + PRIOR_POSTS)
            row.append(Cell(weekday, hour, len(vals), er=shrunk, index=shrunk / prior,
                            level=_level(shrunk / prior)))
        rows.append(row)
    return rows


def _channel_map(channel: Channel, items: list[Engagement]) -> Heatmap:
    values: dict[tuple[int, int], list[float]] = defaultdict(list)
    for e in items:
        values[(e.published_at.weekday(), e.published_at.hour)].append(e.er)
    mean = sum(e.er for e in items) / len(items) if items else None
    return Heatmap(channel=channel, posts=len(items), mean=mean,
                   rows=_cells(values, mean or 0.0))


def _workspace_map(items: list[Engagement], means: dict[int, float]) -> Heatmap:
    values: dict[tuple[int, int], list[float]] = defaultdict(list)
    for e in items:
        if means.get(e.channel_id):
            values[(e.published_at.weekday(), e.published_at.hour)].append(
                e.er / means[e.channel_id])
    rows = _cells(values, 1.0)
    rows = [[Cell(c.weekday, c.hour, c.posts, index=c.index, level=c.level) for c in row]
            for row in rows]  # an index, not an ER: averaging ERs across channels lies
    return Heatmap(channel=None, posts=sum(len(v) for v in values.values()), rows=rows)


def heatmap_list(*, workspace: Workspace, channels: list[Channel],
                 age_hours: int = TIMING_AGE_HOURS, days: int = HISTORY_DAYS,
                 now: datetime | None = None) -> tuple[Heatmap, list[Heatmap]]:
    """The workspace's heatmap over ``channels`` and one per channel, in their order."""
    items = [e for e in engagement_list(workspace=workspace, channels=channels,
                                        age_hours=age_hours, days=days, now=now)
             if e.er is not None]
    per_channel: dict[int, list[Engagement]] = defaultdict(list)
    for e in items:
        per_channel[e.channel_id].append(e)
    maps = [_channel_map(c, per_channel.get(c.pk, [])) for c in channels]
    means = {m.channel.pk: m.mean for m in maps if m.mean}
    return _workspace_map(items, means), maps


def heatmap_best(*, heatmap: Heatmap, limit: int = 3) -> list[Cell]:
    """The ``limit`` best (weekday, hour) cells that have enough data and are at least
    average, best first (ties: the earlier in the week)."""
    cells = [c for row in heatmap.rows for c in row if c.index is not None and c.index >= 1]
    return sorted(cells, key=lambda c: (-c.index, c.weekday, c.hour))[:limit]
