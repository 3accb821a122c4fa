"""Dashboard selectors against a hand-made fortnight (tests/analytics/dash_history.py)."""

from __future__ import annotations

import pytest

from smmdesk.analytics import metrics
from smmdesk.analytics.dashboard import Period, dashboard_get, period_last, post_curve
from smmdesk.analytics.models import PostSnapshot
from smmdesk.analytics.services import latest_rebuild
from smmdesk.publishing.models import Publication
from tests.analytics.dash_history import PERIOD, make_history
from tests.analytics.history import connect


@pytest.fixture
def channel(workspace, owner):
    return make_history(workspace, owner)


def test_the_previous_period_has_the_same_length():
    assert PERIOD.previous() == Period(PERIOD.start.replace(month=11, day=24),
                                       PERIOD.start.replace(month=11, day=30))
    assert period_last(days=30, today=PERIOD.end).days == 30


def test_it_sums_the_period_from_the_last_snapshots(workspace, channel):
    board = dashboard_get(workspace=workspace, period=PERIOD)
    t = board.totals
    assert (t.followers_start, t.followers_end, t.growth) == (1000, 1100, 100)
    assert t.growth_rate == pytest.approx(10.0)
    assert (t.views, t.reach, t.posts, t.interactions) == (1200, 700, 2, 70)
    assert t.er == pytest.approx((5.0 + 20 / 1050 * 100) / 2)
    assert t.er_view == pytest.approx(5.0)
    assert t.inbox["messages"] == 2 and t.inbox["leads"] == 1
    assert t.inbox["first_reply_min"] == pytest.approx(30.0)
    assert t.negative_share == pytest.approx(50.0)


def test_it_compares_with_the_previous_period(workspace, channel):
    board = dashboard_get(workspace=workspace, period=PERIOD)
    p = board.previous_totals
    assert (p.followers_start, p.followers_end, p.posts, p.interactions) == (900, 1000, 1, 10)
    assert p.er == pytest.approx(10 / 900 * 100)
    kpi = {k.name: k for k in board.kpis}
    assert kpi["interactions"].change == pytest.approx(600.0)
    assert kpi["growth_rate"].previous == pytest.approx(100 / 900 * 100)
    assert kpi["messages"].previous == 0 and kpi["messages"].change is None
    assert "likes + comments" in kpi["er_post"].tooltip


def test_it_switches_the_er_definition(workspace, channel):
    by_day = dashboard_get(workspace=workspace, period=PERIOD, er_basis="day")
    assert by_day.totals.er == pytest.approx((50 / 1000 * 100 + 20 / 1050 * 100) / 2)
    pooled = dashboard_get(workspace=workspace, period=PERIOD, method=metrics.RATIO_OF_SUMS)
    assert pooled.totals.er == pytest.approx(70 / 2050 * 100)
    assert "er_day" in [k.name for k in by_day.kpis]


def test_it_draws_one_row_per_day_carrying_followers_over(workspace, channel):
    days = {d.day.day: d for d in dashboard_get(workspace=workspace, period=PERIOD).days}
    assert [days[n].followers for n in range(1, 8)] == [1000, 1000, 1050, 1050, 1050, 1050,
                                                        1100]
    assert days[2].posts == 1 and days[2].interactions == 50
    assert days[2].er_day == pytest.approx(5.0) and days[2].er_view == pytest.approx(5.0)
    assert days[5].interactions is None and days[5].views is None  # not 0


def test_it_ranks_the_top_and_bottom_posts(workspace, channel):
    board = dashboard_get(workspace=workspace, period=PERIOD)
    assert [r.title for r in board.top] == ["Big", "Small"]
    assert board.top[0].interactions == 50 and board.top[0].er_post == pytest.approx(5.0)
    PostSnapshot.objects.filter(publication__post__title="Small").update(views=200)
    latest_rebuild()  # snapshots are never changed in place: make the latest rows again
    by_view = dashboard_get(workspace=workspace, period=PERIOD, rank_by="er_view")
    assert [r.title for r in by_view.top] == ["Small", "Big"]  # 10 % before 5 %
    assert by_view.top[0].er_view == pytest.approx(10.0)


def test_a_channel_filter_leaves_the_others_out(workspace, owner, channel):
    other = connect(workspace, owner, name="Other")
    board = dashboard_get(workspace=workspace, period=PERIOD, channel_id=other.pk)
    assert board.totals.followers_end is None and board.totals.posts == 0
    assert board.totals.inbox["messages"] == 0
    assert not board.has_snapshots


def test_a_post_curve_stands_beside_the_channel_median(workspace, channel):
    big = Publication.objects.get(post__title="Big")
    curve = post_curve(publication=big)
    assert (curve.metric, curve.ages, curve.values) == ("views", [1, 24], [100, 1000])
    # The other posts' readings are at 24 h: 400 and 200 → median 300; none near 1 h.
    assert curve.median == [None, 300] and curve.compared == 2
    PostSnapshot.objects.filter(publication=big).update(views=None)
    assert post_curve(publication=big).metric == "interactions"
