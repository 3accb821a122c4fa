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

Pages (content analytics, the queue) show ``heatmap_cached``: worked out at most
``HEATMAP_CACHE_SECONDS`` (5 minutes) ago, per workspace and set of channels, in Django's
cache (the default local-memory cache unless settings name another); the page says when.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import connection
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from smmdesk.accounts.models import Workspace
from smmdesk.analytics import metrics
from smmdesk.analytics.models import ChannelSnapshot, PostLatest, PostSnapshot
from smmdesk.analytics.services import DAY_AGE_HOURS
from smmdesk.channels.models import Channel
from smmdesk.lib.db import moment_parser, moment_text
from smmdesk.publishing.models import Publication, Status

TIMING_AGE_HOURS = DAY_AGE_HOURS  # compare posts by their 24 h snapshot
HISTORY_DAYS = 180         # look back this far
MIN_POSTS = 3              # fewer posts in a cell: "not enough data"
PRIOR_POSTS = 3            # shrinkage strength: k imaginary average posts per cell
LEVEL_STEPS = (0.8, 0.95, 1.05, 1.2)  # index thresholds between levels 0..4
HEATMAP_CACHE_SECONDS = 300  # pages show a heatmap worked out at most this long ago
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


@dataclass(slots=True)  # 8,000 of them per page: a frozen dataclass builds slower
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


def _best_snapshots(workspace: Workspace, channel_ids: list[int], age_hours: int,
                    since: datetime, until: datetime):
    """Each published publication in range with its latest snapshot at or below
    ``age_hours`` (the greatest age, then the latest taken, then the last written), one
    row per publication in publication order, without shipping the rungs that lose.
    PostgreSQL: DISTINCT ON over the publications' early rungs (one sort). SQLite: one
    index search per publication on PostSnapshot(publication, taken_at) (PostgreSQL
    plans that one as a hash join over every snapshot). Never a subquery per snapshot
    row: PostgreSQL took minutes over that on a year of 50 channels. (At
    ``DAY_AGE_HOURS`` ``_rows`` reads the reading kept in PostLatest instead.)"""
    order = ("-age_hours", "-taken_at", "-pk")
    if connection.features.can_distinct_on_fields:
        return (PostSnapshot.objects
                .filter(workspace=workspace, channel_id__in=channel_ids,
                        age_hours__lte=age_hours, publication__status=Status.PUBLISHED,
                        publication__published_at__gte=since,
                        publication__published_at__lte=until)
                .order_by("publication_id", *order).distinct("publication_id"))
    best = (PostSnapshot.objects.filter(publication=OuterRef("pk"), age_hours__lte=age_hours)
            .order_by(*order).values("pk")[:1])
    pubs = Publication.objects.filter(workspace=workspace, channel_id__in=channel_ids,
                                      status=Status.PUBLISHED, published_at__gte=since,
                                      published_at__lte=until)
    return (PostSnapshot.objects.filter(pk__in=pubs.values(best_pk=Subquery(best)))
            .order_by("publication_id"))


COUNTERS = ("views", "reach", *INTERACTIONS)
DETAILS = ("post__rubric_id", "post__campaign_id", "variant__format")




def _rows(workspace: Workspace, ids: list[int], *, age_hours: int, since: datetime,
          until: datetime, details: bool):
    """(publication, channel, published_at, counters…, details…) per publication, in
    publication order: at ``DAY_AGE_HOURS`` from each post's kept day reading (one row a
    post), else from the snapshots (``_best_snapshots``)."""
    more = tuple(f"publication__{d}" for d in DETAILS) if details else ()
    if age_hours == DAY_AGE_HOURS:
        return (PostLatest.objects
                .filter(workspace=workspace, channel_id__in=ids, published_at__gte=since,
                        published_at__lte=until, publication__status=Status.PUBLISHED,
                        day_age_hours__isnull=False)
                .annotate(at=moment_text("published_at")).order_by("publication_id")
                .values_list("publication_id", "channel_id", "at",
                             *(f"day_{c}" for c in COUNTERS), *more))
    return (_best_snapshots(workspace, ids, age_hours, since, until)
            .annotate(at=moment_text("publication__published_at"))
            .values_list("publication_id", "channel_id", "at", *COUNTERS, *more))


def _engagements(workspace: Workspace, ids: list[int], *, age_hours: int, days: int,
                 now: datetime | None, details: bool):
    """``Engagement``'s fields as a tuple per publication, in publication order (see
    ``engagement_list``): the heatmap walks tens of thousands of them."""
    now = now or timezone.now()
    since, tz = now - timedelta(days=days), workspace.tz
    followers = _followers(ids, since.date())
    rows = _rows(workspace, ids, age_hours=age_hours, since=since,
                 until=now - timedelta(hours=age_hours), details=details)
    bases: dict[tuple[int, object], int | None] = {}  # (channel, day) → followers
    interactions, no_details = metrics.interactions, (None, None, "")
    unknown = object()
    parse = moment_parser()
    for pub_id, channel_id, published, views, reach, likes, comments, reposts, saves, \
            *more in rows:
        local = parse(published).astimezone(tz)
        inter = interactions(likes=likes, comments=comments, reposts=reposts, saves=saves)
        key = (channel_id, local.date())
        base = bases.get(key, unknown)
        if base is unknown:
            base = bases[key] = _followers_on(followers.get(channel_id), key[1])
        yield (pub_id, channel_id, local, *(more or no_details), views, reach, inter,
               _er(inter, base, views))


def _channel_ids(workspace: Workspace, channels: Iterable[Channel] | None) -> list[int]:
    if channels is not None:
        return [c.pk for c in channels]
    return list(Channel.objects.filter(workspace=workspace).values_list("pk", flat=True))


def engagement_list(*, workspace: Workspace, channels: Iterable[Channel] | None = None,
                    age_hours: int = TIMING_AGE_HOURS, days: int = HISTORY_DAYS,
                    now: datetime | None = None) -> list[Engagement]:
    """Every published publication of the last ``days`` days that is at least
    ``age_hours`` old, with its engagement from the latest snapshot at or below that age.
    A publication without such a snapshot is left out."""
    return [Engagement(*row) for row in _engagements(
        workspace, _channel_ids(workspace, channels), age_hours=age_hours, days=days,
        now=now, details=True)]


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


def _channel_map(channel: Channel, values: dict[tuple[int, int], list[float]],
                 ers: list[float]) -> Heatmap:
    mean = sum(ers) / len(ers) if ers else None
    return Heatmap(channel=channel, posts=len(ers), mean=mean,
                   rows=_cells(values, mean or 0.0))


def _workspace_map(items: list[tuple[int, tuple[int, int], float]],
                   means: dict[int, float]) -> Heatmap:
    values: dict[tuple[int, int], list[float]] = defaultdict(list)
    for channel_id, slot, er in items:
        if means.get(channel_id):
            values[slot].append(er / means[channel_id])
    rows = _cells(values, 1.0)
    rows = [[Cell(c.weekday, c.hour, c.posts, index=c.index, level=c.level) for c in row]
            for row in rows]  # an index, not an ER: averaging ERs across channels lies
    return Heatmap(channel=None, posts=sum(len(v) for v in values.values()), rows=rows)


def heatmap_list(*, workspace: Workspace, channels: list[Channel],
                 age_hours: int = TIMING_AGE_HOURS, days: int = HISTORY_DAYS,
                 now: datetime | None = None) -> tuple[Heatmap, list[Heatmap]]:
    """The workspace's heatmap over ``channels`` and one per channel, in their order
    (computed afresh; pages use ``heatmap_cached``)."""
    items = []  # (channel, (weekday, hour), er) in publication order
    per_channel: dict[int, tuple[dict, list]] = defaultdict(lambda: (defaultdict(list), []))
    for row in _engagements(workspace, [c.pk for c in channels], age_hours=age_hours,
                            days=days, now=now, details=False):
        channel_id, local, er = row[1], row[2], row[-1]
        if er is None:
            continue
        slot = (local.weekday(), local.hour)
        items.append((channel_id, slot, er))
        values, ers = per_channel[channel_id]
        values[slot].append(er)
        ers.append(er)
    maps = [_channel_map(c, *per_channel.get(c.pk, ({}, []))) for c in channels]
    means = {m.channel.pk: m.mean for m in maps if m.mean}
    return _workspace_map(items, means), maps


def _packed(heatmap: Heatmap) -> tuple:
    """A heatmap as plain tuples for the cache (unpickling 8,000 cells costs more)."""
    return (heatmap.posts, heatmap.mean,
            tuple(tuple((c.posts, c.er, c.index, c.level) for c in row)
                  for row in heatmap.rows))


def _unpacked(channel: Channel | None, packed: tuple) -> Heatmap:
    posts, mean, rows = packed
    return Heatmap(channel=channel, posts=posts, mean=mean,
                   rows=[[Cell(weekday, hour, *cell) for hour, cell in enumerate(row)]
                         for weekday, row in enumerate(rows)])


def heatmap_cached(*, workspace: Workspace, channels: list[Channel],
                   age_hours: int = TIMING_AGE_HOURS, days: int = HISTORY_DAYS
                   ) -> tuple[Heatmap, list[Heatmap], datetime]:
    """``heatmap_list`` as pages show it: kept in Django's cache for
    ``HEATMAP_CACHE_SECONDS`` per workspace and set of channels (a new reading moves a
    half-year heatmap too little to work it out on every visit), with when it was
    worked out. The channels in the maps are the ones passed in, not cached copies."""
    ids = ",".join(str(c.pk) for c in channels)
    key = "smmdesk:heatmap:" + hashlib.sha1(
        f"{workspace.pk}:{age_hours}:{days}:{ids}".encode()).hexdigest()
    hit = cache.get(key)
    if hit is None:
        overall, maps = heatmap_list(workspace=workspace, channels=channels,
                                     age_hours=age_hours, days=days)
        hit = (_packed(overall), [_packed(m) for m in maps], timezone.now())
        cache.set(key, hit, HEATMAP_CACHE_SECONDS)
    overall, maps, at = hit
    return (_unpacked(None, overall),
            [_unpacked(c, m) for c, m in zip(channels, maps, strict=True)], at)


def heatmap_best(*, heatmap: Heatmap, limit: int = 3) -> list[Cell]:
    """The ``limit`` best (weekday, hour) cells that have enough data and are at least
    average, best first (ties: the earlier in the week)."""
    cells = [c for row in heatmap.rows for c in row if c.index is not None and c.index >= 1]
    return sorted(cells, key=lambda c: (-c.index, c.weekday, c.hour))[:limit]
