"""The demo workspace's year: posts every day, what the collector would have read of
them (each post's ladder) and of the channels (each day), and two goals."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from smmdesk.accounts.models import Workspace
from smmdesk.analytics.models import ChannelSnapshot, CollectPlan, Goal, PostSnapshot
from smmdesk.core.demo import DEMO_SLUG, demo_create
from smmdesk.publishing.models import Publication, Status
from smmdesk.sandbox.models import SandboxComment

pytestmark = pytest.mark.django_db
LADDER_HOURS = [1, 6, 24, 72, 168, 720, 2160]


def test_the_demo_has_a_year_of_history_to_chart():
    demo_create(language="en", read_inbox=False)
    ws = Workspace.objects.get(slug=DEMO_SLUG)
    now, today = timezone.now(), timezone.localdate(timezone.now(), ws.tz)
    channels = list(ws.channels.all())

    # 365 daily readings of each channel, one a day, up to yesterday.
    for channel in channels:
        days = list(ChannelSnapshot.objects.filter(channel=channel).order_by("day")
                    .values_list("day", "followers", "views", "reach"))
        assert [d for d, *_ in days] == [today - timedelta(days=n) for n in range(365, 0, -1)]
        assert days[0][1] < days[-1][1]  # followers grew over the year
        assert all(0 < reach <= views for _d, _f, views, reach in days)

    # 1–2 posts a channel a day, every month, by the rubrics' shares.
    pubs = Publication.objects.filter(workspace=ws, status=Status.PUBLISHED)
    assert 4 * 365 <= pubs.count() <= 4 * 365 * 2
    months = {(p.year, p.month) for p in pubs.values_list("published_at", flat=True)}
    assert len(months) >= 12
    rubrics = Counter(pubs.values_list("post__rubric__name", flat=True))
    assert 0.3 < rubrics["Useful"] / pubs.count() < 0.5
    assert rubrics["Useful"] > rubrics["Entertaining"] > rubrics["About the team"]
    assert len({p.hour for p in pubs.values_list("published_at", flat=True)}) >= 12

    # Each post's ladder, as far as its age allows; its plan goes on from there.
    old = pubs.filter(published_at__lt=now - timedelta(days=91)).first()
    assert list(old.snapshots.order_by("taken_at").values_list("age_hours", flat=True)) \
        == LADDER_HOURS
    recent = pubs.filter(published_at__gt=now - timedelta(hours=70),
                         published_at__lt=now - timedelta(hours=26)).first()
    assert list(recent.snapshots.order_by("taken_at").values_list("age_hours", flat=True)) \
        == LADDER_HOURS[:3]
    assert CollectPlan.objects.get(publication=old).next_at is None
    assert CollectPlan.objects.get(publication=recent).next_at > now
    assert not PostSnapshot.objects.filter(workspace=ws, reach__gt=F("views")).exists()
    views = list(old.snapshots.order_by("taken_at").values_list("views", flat=True))
    assert views == sorted(views) and views[0] > 0

    # The audience's comments are written under the last month's posts only.
    comments = SandboxComment.objects.filter(
        post__account__handle__in=[c.external_id for c in channels])
    assert comments.exists()
    assert min(comments.values_list("post__created_at", flat=True)) > now - timedelta(31)

    goals = Goal.objects.filter(workspace=ws)
    assert sorted(goals.values_list("metric", flat=True)) == ["follower_growth", "leads"]
    assert all(g.starts_on <= today <= g.ends_on and g.target > 0 for g in goals)
    print(f"\ndemo history: {pubs.count()} publications, "
          f"{PostSnapshot.objects.filter(workspace=ws).count()} post snapshots, "
          f"{ChannelSnapshot.objects.filter(workspace=ws).count()} channel snapshots, "
          f"{comments.count()} comments")
