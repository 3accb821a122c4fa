"""Best time to post: hand-made publications at known hours give the expected best slot;
a cell with too few posts has no value."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from smmdesk.analytics.timing import MIN_POSTS, engagement_list, heatmap_best, heatmap_list
from tests.analytics.history import connect, followers, published, snapshot

pytestmark = pytest.mark.django_db

NOW = datetime.fromisoformat("2026-12-07T12:00:00+00:00")
TUESDAY = date(2026, 11, 3)  # a Tuesday; four weeks of Tuesdays follow


def at(workspace, day: date, hour: int) -> datetime:
    """``hour`` o'clock on ``day`` in the workspace's time zone (Kyiv, UTC+2 in winter)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=workspace.tz)


def week(n: int) -> timedelta:
    return timedelta(weeks=n)


@pytest.fixture
def channel(workspace, owner):
    ch = connect(workspace, owner)
    followers(ch, date(2026, 10, 1), 1000)
    return ch


def test_it_finds_the_best_hour_in_the_workspace_time_zone(workspace, owner, channel):
    for n in range(4):  # Tuesday 19:00 Kyiv (17:00 UTC): 80 likes per 1000 followers
        published(channel, owner, at(workspace, TUESDAY + week(n), 19), likes=80)
    for n in range(4):  # Thursday 13:00: 50 likes
        published(channel, owner, at(workspace, TUESDAY + timedelta(days=2) + week(n), 13),
                  likes=50)
    for n in range(4):  # Monday 9:00: 10 likes
        published(channel, owner, at(workspace, TUESDAY - timedelta(days=1) + week(n), 9),
                  likes=10)
    overall, (heat,) = heatmap_list(workspace=workspace, channels=[channel], now=NOW)
    best = heatmap_best(heatmap=heat, limit=3)
    assert [(c.weekday, c.hour) for c in best] == [(1, 19), (3, 13)]  # Monday is below par
    assert heat.mean == pytest.approx((80 + 50 + 10) / 3 / 10)  # in percent
    # Shrunk toward the mean: 4 posts at 8 % and 3 imaginary ones at the 4.67 % mean.
    assert best[0].er == pytest.approx((4 * 8.0 + 3 * heat.mean) / 7)
    assert best[0].level == 4 and heat.cell(0, 9).level == 0
    assert heatmap_best(heatmap=overall, limit=1)[0].hour == 19
    assert overall.cell(1, 19).er is None  # the workspace map shows an index, not an ER


def test_a_cell_with_too_few_posts_has_no_value(workspace, owner, channel):
    for n in range(MIN_POSTS):
        published(channel, owner, at(workspace, TUESDAY + week(n), 10), likes=20)
    for n in range(MIN_POSTS - 1):  # a great hour, but too few posts to tell
        published(channel, owner, at(workspace, TUESDAY + week(n), 21), likes=500)
    _overall, (heat,) = heatmap_list(workspace=workspace, channels=[channel], now=NOW)
    thin = heat.cell(1, 21)
    assert thin.posts == MIN_POSTS - 1
    assert thin.er is None and thin.index is None and thin.level is None
    assert heat.cell(4, 4).posts == 0 and heat.cell(4, 4).er is None
    assert heat.cell(1, 10).index < 1  # 10:00 has enough posts, but is below the mean
    assert heatmap_best(heatmap=heat) == []  # so nothing is suggested, least of all 21:00


def test_it_compares_posts_at_the_same_age(workspace, owner, channel):
    pub = published(channel, owner, at(workspace, TUESDAY, 10), likes=10, age_hours=6)
    snapshot(pub, 24, likes=30)
    snapshot(pub, 72, likes=90)  # later than the 24 h step: not used
    young = published(channel, owner, NOW - timedelta(hours=3), likes=5, age_hours=1)
    rows = engagement_list(workspace=workspace, now=NOW)
    assert [(r.publication_id, r.interactions) for r in rows] == [(pub.pk, 30)]
    assert young.pk not in {r.publication_id for r in rows}  # not 24 h old yet
    assert rows[0].er == pytest.approx(3.0)  # 30 / 1000 followers, in percent


def test_without_followers_it_uses_views_and_never_invents_zero(workspace, owner):
    channel = connect(workspace, owner, "No followers known")
    pub = published(channel, owner, at(workspace, TUESDAY, 10), likes=12, views=400)
    silent = published(channel, owner, at(workspace, TUESDAY, 11), views=400)
    rows = {r.publication_id: r for r in engagement_list(workspace=workspace, now=NOW)}
    assert rows[pub.pk].er == pytest.approx(3.0)  # 12 / 400 views
    assert rows[silent.pk].interactions is None and rows[silent.pk].er is None


def test_it_keeps_to_its_workspace(workspace, owner, channel, outsider):
    from smmdesk.accounts.models import Workspace

    other = Workspace.objects.exclude(pk=workspace.pk).get()
    theirs = connect(other, outsider, "Mallory")
    published(theirs, outsider, at(other, TUESDAY, 10), likes=99)
    assert engagement_list(workspace=workspace, now=NOW) == []
