"""The dashboard's post table: each publication of a period by its latest reading, with
the metrics derived from it (analytics/metrics.py), and which networks give no figures.

A post's followers are its channel's followers on the day it was published (the day's
last reading, carried over days without one), as the dashboard's ERpost uses them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from smmdesk.accounts.models import Workspace
from smmdesk.analytics import metrics
from smmdesk.analytics.dashboard import Period, _channel_days, _followers_series
from smmdesk.analytics.models import ChannelSnapshot, PostLatest, PostSnapshot
from smmdesk.channels.models import Channel

# How the table may be ordered (highest first; posts without the figure last).
ORDERS = ("published_at", "interactions", "er_post", "er_view", "err", "views", "reach",
          "likes", "comments", "reposts", "saves", "clicks", "ctr")


@dataclass
class PostMetrics:
    publication_id: int
    post_id: int
    title: str
    channel_id: int
    channel_kind: str
    published_at: datetime
    taken_at: datetime
    age_hours: int
    views: int | None
    reach: int | None
    likes: int | None
    comments: int | None
    reposts: int | None
    saves: int | None
    clicks: int | None
    followers: int | None
    interactions: int | None = None
    er_post: float | None = None
    er_view: float | None = None
    err: float | None = None
    love_rate: float | None = None
    talk_rate: float | None = None
    amplification_rate: float | None = None
    ctr: float | None = None

    def derive(self) -> PostMetrics:
        m, f = metrics, self.followers
        self.interactions = m.interactions_of(self)
        self.er_post = m.er_post(interactions=self.interactions, followers=f)
        self.er_view = m.er_view(interactions=self.interactions, views=self.views)
        self.err = m.err(interactions=self.interactions, reach=self.reach)
        self.love_rate = m.love_rate(likes=self.likes, followers=f)
        self.talk_rate = m.talk_rate(comments=self.comments, followers=f)
        self.amplification_rate = m.amplification_rate(reposts=self.reposts, followers=f)
        self.ctr = m.ctr(clicks=self.clicks, views=self.views)
        return self


def post_metrics_list(*, workspace: Workspace, period: Period, channel_ids: list[int],
                      order: str = "published_at") -> list[PostMetrics]:
    """Each publication of ``channel_ids`` published in ``period`` by its latest reading,
    ordered by ``order`` (highest first, ties: the later publication first)."""
    if order not in ORDERS:
        raise ValueError(f"unknown order {order!r}")
    since, until = period.bounds(workspace.tz)
    rows = list(PostLatest.objects
                .filter(workspace=workspace, channel_id__in=channel_ids,
                        published_at__gte=since, published_at__lt=until)
                .select_related("publication__post", "channel"))
    followers = _followers_series(channel_ids, period, _channel_days(channel_ids, period))
    tz = workspace.tz
    table = []
    for r in rows:
        at = r.published_at.astimezone(tz)
        table.append(PostMetrics(
            publication_id=r.publication_id, post_id=r.publication.post_id,
            title=str(r.publication.post), channel_id=r.channel_id,
            channel_kind=r.channel.kind, published_at=at, taken_at=r.taken_at,
            age_hours=r.age_hours, views=r.views, reach=r.reach, likes=r.likes,
            comments=r.comments, reposts=r.reposts, saves=r.saves, clicks=r.clicks,
            followers=followers.get(r.channel_id, {}).get(at.date())).derive())
    table.sort(key=lambda p: (getattr(p, order) is not None, getattr(p, order) or 0,
                              p.published_at, p.publication_id), reverse=True)
    return table


# --- what a network does not give ------------------------------------------------------

# The raw counters each dashboard figure is made of ("interactions": any of the four).
NEEDS = {
    "followers": ("followers",), "follower_growth": ("followers",),
    "growth_rate": ("followers",), "views": ("views",), "reach": ("reach",),
    "interactions": ("interactions",), "er_post": ("interactions", "followers"),
    "er_day": ("interactions", "followers"), "er_view": ("interactions", "post_views"),
}


def counters_missing(*, workspace: Workspace, period: Period,
                     channels: list[Channel]) -> dict[str, list[str]]:
    """counter → the networks (channel kinds) whose channels were read in ``period`` and
    never gave it. A channel without any reading in the period is not counted: it has
    no data yet, which is not the same as a network that does not give a figure."""
    ids = [c.pk for c in channels]
    kinds = {c.pk: c.kind for c in channels}
    since, until = period.bounds(workspace.tz)
    per_channel: dict[int, dict[str, int]] = {}
    for row in (ChannelSnapshot.objects
                .filter(channel_id__in=ids, day__gte=period.start, day__lte=period.end)
                .values("channel_id")
                .annotate(read=Count("pk"), followers=Count("followers"),
                          views=Count("views"), reach=Count("reach"))):
        per_channel.setdefault(row["channel_id"], {})["channel"] = row
    any_interaction = Q()
    for name in metrics.INTERACTION_COUNTERS:
        any_interaction |= Q(**{f"{name}__isnull": False})
    for row in (PostSnapshot.objects
                .filter(channel_id__in=ids, publication__published_at__gte=since,
                        publication__published_at__lt=until)
                .values("channel_id")
                .annotate(read=Count("pk"), post_views=Count("views"),
                          interactions=Count("pk", filter=any_interaction))):
        per_channel.setdefault(row["channel_id"], {})["post"] = row
    missing: dict[str, set[str]] = {}
    for channel_id, tables in per_channel.items():
        for table in tables.values():
            for counter, given in table.items():
                if counter not in ("channel_id", "read") and not given:
                    missing.setdefault(counter, set()).add(kinds[channel_id])
    return {counter: sorted(found) for counter, found in missing.items()}


def networks_missing(name: str, missing: dict[str, list[str]]) -> list[str]:
    """The networks that give none of what the figure ``name`` is made of."""
    return sorted({kind for counter in NEEDS.get(name, ()) for kind in missing.get(counter, ())})
