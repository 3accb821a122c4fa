"""Each derived metric from hand-made numbers (docs/METRICS.md gives the formulas)."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import translation

from smmdesk.analytics import metrics as m


def test_it_adds_the_interaction_counters_the_network_gives():
    assert m.interactions(likes=40, comments=5, reposts=3, saves=2) == 50
    # Telegram's preview gives reposts only: the missing ones are left out, not zeros.
    assert m.interactions(reposts=7) == 7
    assert m.interactions() is None
    snapshot = SimpleNamespace(likes=10, comments=None, reposts=1, saves=None)
    assert m.interactions_of(snapshot) == 11
    assert m.interactions_of({"likes": 3, "saves": 1}) == 4


def test_it_computes_er_by_followers_per_post():
    assert m.er_post(interactions=50, followers=1000) == pytest.approx(5.0)
    assert m.er_post(interactions=None, followers=1000) is None
    assert m.er_post(interactions=50, followers=None) is None
    assert m.er_post(interactions=50, followers=0) is None


def test_it_averages_er_per_post_as_mean_of_ratios_or_ratio_of_sums():
    posts = [(10, 100), (30, 1000), (None, 500), (5, 0)]  # 10 %, 3 %; the others skipped
    assert m.er_post_average(posts) == pytest.approx(6.5)
    assert m.er_post_average(posts, method=m.RATIO_OF_SUMS) == pytest.approx(40 / 1100 * 100)
    assert m.er_post_average([]) is None
    with pytest.raises(ValueError):
        m.er_post_average(posts, method="median")


def test_it_computes_er_by_day():
    assert m.er_day(interactions=120, followers=4000) == pytest.approx(3.0)
    days = [(120, 4000), (40, 4000)]  # 3 % and 1 %
    assert m.er_day_average(days) == pytest.approx(2.0)
    assert m.er_day_average(days, method=m.RATIO_OF_SUMS) == pytest.approx(2.0)
    assert m.er_day(interactions=0, followers=4000) == 0.0  # a real zero stays zero


def test_it_computes_er_by_views_and_by_reach():
    assert m.er_view(interactions=25, views=500) == pytest.approx(5.0)
    assert m.er_view(interactions=25, views=None) is None
    assert m.err(interactions=25, reach=250) == pytest.approx(10.0)
    assert m.err(interactions=25, reach=0) is None
    assert m.err_telegram(views=1800, followers=6000) == pytest.approx(30.0)
    assert m.err_telegram(views=None, followers=6000) is None


def test_it_computes_love_talk_and_amplification_rates():
    assert m.love_rate(likes=30, followers=2000) == pytest.approx(1.5)
    assert m.talk_rate(comments=4, followers=2000) == pytest.approx(0.2)
    assert m.amplification_rate(reposts=10, followers=2000) == pytest.approx(0.5)
    assert m.love_rate(likes=None, followers=2000) is None
    assert m.talk_rate(comments=4, followers=0) is None


def test_it_computes_follower_growth_and_growth_rate():
    assert m.follower_growth(start=1000, end=1150) == 150
    assert m.follower_growth(start=1000, end=900) == -100
    assert m.follower_growth(start=None, end=900) is None
    assert m.growth_rate(start=1000, end=1150) == pytest.approx(15.0)
    assert m.growth_rate(start=0, end=10) is None


def test_it_computes_change_against_the_previous_period():
    assert m.change_percent(current=120, previous=100) == pytest.approx(20.0)
    assert m.change_percent(current=80, previous=100) == pytest.approx(-20.0)
    assert m.change_percent(current=-5, previous=-10) == pytest.approx(50.0)
    assert m.change_percent(current=5, previous=0) is None


def test_it_computes_ctr_by_views_or_by_reach():
    assert m.ctr(clicks=12, views=600, reach=400) == pytest.approx(2.0)
    assert m.ctr(clicks=12, views=600, reach=400, base=m.CTR_BY_REACH) == pytest.approx(3.0)
    assert m.ctr(clicks=12, reach=400) is None  # by views, and views are missing
    with pytest.raises(ValueError):
        m.ctr(clicks=1, views=1, base="sessions")


def test_it_computes_cost_per_result_and_roi_only_with_costs():
    assert m.cost_per_result(cost=Decimal("150.00"), results=20) == Decimal("7.50")
    assert m.cost_per_result(cost=90, results=3) == 30
    assert m.cost_per_result(cost=None, results=20) is None
    assert m.cost_per_result(cost=Decimal("10"), results=0) is None
    assert m.roi(revenue=Decimal("300"), cost=Decimal("200")) == pytest.approx(50.0)
    assert m.roi(revenue=300, cost=None) is None


def test_the_registry_gives_every_metric_a_label_formula_and_function():
    for name, metric in m.METRICS.items():
        assert metric.name == name
        assert str(metric.label) and str(metric.formula) and callable(metric.function)
    assert m.metric_get("er_view").function(interactions=1, views=4) == pytest.approx(25.0)
    assert m.metric_get("er_post").tooltip() == (
        "ER by followers (ERpost): (likes + comments + reposts + saves) / followers × 100, "
        "per post, averaged over posts")
    with translation.override("en"):
        assert "views" in m.metric_tooltips()["err_telegram"]


def test_the_docs_give_every_registered_formula():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "METRICS.md").read_text()
    for metric in m.METRICS.values():
        assert f"`{metric.name}`" in doc, metric.name


def test_roi_and_cost_per_result_on_a_loss_and_on_no_revenue():
    # Spent 400, earned 100 over 8 orders: ROI −75 %, 50 per order.
    assert m.roi(revenue=Decimal("100"), cost=Decimal("400")) == pytest.approx(-75.0)
    assert m.roi(revenue=Decimal("0"), cost=Decimal("250")) == pytest.approx(-100.0)
    assert m.roi(revenue=Decimal("900"), cost=0) is None
    assert m.cost_per_result(cost=Decimal("400"), results=8) == Decimal("50")
    assert m.cost_per_result(cost=Decimal("100"), results=3).quantize(Decimal("0.01")) == \
        Decimal("33.33")
