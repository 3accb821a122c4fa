"""Which rubric, format and campaign work: per group, its posts, views and reach,
interactions and ER, next to the workspace's average.

- Each published publication counts once, with its counters from the latest snapshot at
  or below ``PERFORMANCE_AGE_HOURS`` (7 days) after publication, and only once it is that
  old, so young posts do not drag a group down (``timing.engagement_list``).
- ER is averaged per post: the mean of the posts' own ERs (each by followers, or by
  views where followers are not known), not total interactions over total audience.
- "vs average" is the group's ER over the workspace's ER for the same posts, minus one.
- The rebalance rule for the content plan (``rebalance``): a rubric with at least
  ``MIN_POSTS`` posts whose ER is ``LIFT_POINTS`` (20 %) or more above the average —
  "consider more"; as far below — "consider less"; otherwise "keep as is".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from smmdesk.accounts.models import Workspace
from smmdesk.analytics.timing import Engagement, engagement_list
from smmdesk.content.models import FORMAT_CHOICES, Campaign, Rubric

PERFORMANCE_AGE_HOURS = 7 * 24
PERFORMANCE_DAYS = 90
MIN_POSTS = 5
LIFT_POINTS = 0.2
MORE, LESS, KEEP = "more", "less", "keep"


@dataclass(frozen=True)
class Group:
    key: object  # a Rubric, a Campaign, a format value, or None (no rubric / campaign)
    label: str
    posts: int
    views: int | None
    reach: int | None
    interactions: int | None
    er: float | None          # mean ER per post
    lift: float | None        # +0.3: 30 % above the workspace's average

    @property
    def lift_text(self) -> str:
        """"+30%" (rounded to whole percent); "" when unknown."""
        return "" if self.lift is None else f"{self.lift * 100:+.0f}%"

    @property
    def enough(self) -> bool:
        """Enough posts for advice."""
        return self.posts >= MIN_POSTS

    @property
    def advice(self) -> str:
        """MORE, LESS or KEEP (KEEP also when there are too few posts to say)."""
        if self.lift is None or not self.enough:
            return KEEP
        if self.lift >= LIFT_POINTS:
            return MORE
        return LESS if self.lift <= -LIFT_POINTS else KEEP


@dataclass
class Performance:
    posts: int
    er: float | None  # the workspace's mean ER per post
    rubrics: list[Group]
    formats: list[Group]
    campaigns: list[Group]


def _sum(values: list[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _mean_er(items: list[Engagement]) -> float | None:
    ers = [e.er for e in items if e.er is not None]
    return sum(ers) / len(ers) if ers else None


def _group(key, label: str, items: list[Engagement], average: float | None) -> Group:
    er = _mean_er(items)
    return Group(key=key, label=label, posts=len(items), views=_sum([e.views for e in items]),
                 reach=_sum([e.reach for e in items]),
                 interactions=_sum([e.interactions for e in items]), er=er,
                 lift=er / average - 1 if er is not None and average else None)


def _groups(items: list[Engagement], key: Callable[[Engagement], object],
            labels: dict, average: float | None, none_label: str) -> list[Group]:
    buckets: dict = defaultdict(list)
    for e in items:
        buckets[key(e)].append(e)
    rows = [_group(obj, str(obj), buckets.pop(pk, []), average)
            for pk, obj in labels.items()]
    rows = [r for r in rows if r.posts or isinstance(r.key, Rubric)]
    if buckets.get(None):
        rows.append(_group(None, none_label, buckets[None], average))
    return rows


def performance_get(*, workspace: Workspace, days: int = PERFORMANCE_DAYS,
                    age_hours: int = PERFORMANCE_AGE_HOURS, now: datetime | None = None,
                    none_rubric: str = "—", none_campaign: str = "—") -> Performance:
    """Rubrics (every one, even without posts, for the plan), formats and campaigns
    (those with posts) over the published posts of the last ``days`` days."""
    items = engagement_list(workspace=workspace, age_hours=age_hours, days=days, now=now)
    average = _mean_er(items)
    rubrics = {r.pk: r for r in Rubric.objects.filter(workspace=workspace)}
    campaigns = {c.pk: c for c in Campaign.objects.filter(workspace=workspace)}
    formats = [_group(value, str(label), [e for e in items if e.format == value], average)
               for value, label in FORMAT_CHOICES]
    return Performance(
        posts=len(items), er=average,
        rubrics=_groups(items, lambda e: e.rubric_id, rubrics, average, none_rubric),
        formats=[f for f in formats if f.posts],
        campaigns=_groups(items, lambda e: e.campaign_id, campaigns, average, none_campaign))


def rebalance(*, performance: Performance) -> dict[int, Group]:
    """Per rubric id: its group, whose ``advice`` says more, less or keep."""
    return {g.key.pk: g for g in performance.rubrics if isinstance(g.key, Rubric)}
