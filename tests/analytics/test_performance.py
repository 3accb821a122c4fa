"""Performance by rubric, format and campaign, and the rebalance advice for the plan."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from smmdesk.analytics.performance import KEEP, LESS, MORE, performance_get, rebalance
from smmdesk.content.models import Campaign, Rubric
from tests.analytics.history import connect, followers, published

pytestmark = pytest.mark.django_db

NOW = datetime.fromisoformat("2026-12-07T12:00:00+00:00")


@pytest.fixture
def channel(workspace, owner):
    ch = connect(workspace, owner)
    followers(ch, date(2026, 9, 1), 1000)
    return ch


def test_it_groups_by_rubric_format_and_campaign(workspace, owner, channel):
    useful = Rubric.objects.create(workspace=workspace, name="Useful", target_share=40)
    selling = Rubric.objects.create(workspace=workspace, name="Selling", target_share=30)
    idle = Rubric.objects.create(workspace=workspace, name="Team", target_share=30)
    winter = Campaign.objects.create(workspace=workspace, name="Winter blend")
    start = NOW - timedelta(days=40)
    for n in range(5):  # useful reels: 60 likes per 1000 followers, 2000 views
        published(channel, owner, start + timedelta(days=n), likes=60, views=2000,
                  age_hours=168, rubric=useful, fmt="reel", campaign=winter)
    for n in range(5):  # selling feed posts: 20 likes, views not given
        published(channel, owner, start + timedelta(days=10 + n), likes=20, comments=0,
                  age_hours=168, rubric=selling)
    perf = performance_get(workspace=workspace, now=NOW)
    assert perf.posts == 10 and perf.er == pytest.approx(4.0)
    rubrics = {g.label: g for g in perf.rubrics}
    assert rubrics["Useful"].er == pytest.approx(6.0)
    assert rubrics["Useful"].lift == pytest.approx(0.5)
    assert rubrics["Useful"].views == 10000 and rubrics["Useful"].interactions == 300
    assert rubrics["Selling"].lift == pytest.approx(-0.5)
    assert rubrics["Selling"].views is None  # not given by the network: not 0
    assert rubrics["Team"].posts == 0 and rubrics["Team"].er is None
    formats = {g.key: g for g in perf.formats}
    assert set(formats) == {"reel", "feed"} and formats["reel"].posts == 5
    campaigns = {g.label: g for g in perf.campaigns}
    assert campaigns["Winter blend"].posts == 5 and campaigns["—"].posts == 5
    advice = rebalance(performance=perf)
    assert advice[useful.pk].advice == MORE
    assert advice[selling.pk].advice == LESS
    assert advice[idle.pk].advice == KEEP


def test_too_few_posts_give_no_advice(workspace, owner, channel):
    useful = Rubric.objects.create(workspace=workspace, name="Useful")
    other = Rubric.objects.create(workspace=workspace, name="Other")
    published(channel, owner, NOW - timedelta(days=20), likes=90, age_hours=168,
              rubric=useful)
    published(channel, owner, NOW - timedelta(days=21), likes=10, age_hours=168,
              rubric=other)
    advice = rebalance(performance=performance_get(workspace=workspace, now=NOW))
    assert advice[useful.pk].lift > 0.2 and advice[useful.pk].advice == KEEP


def test_young_posts_wait_for_their_seven_days(workspace, owner, channel):
    published(channel, owner, NOW - timedelta(days=3), likes=10, age_hours=24)
    assert performance_get(workspace=workspace, now=NOW).posts == 0
