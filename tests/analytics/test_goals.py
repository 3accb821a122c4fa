"""Goals: progress, the pace needed, the forecast with its interval, the status, and the
owner told once when a goal falls at risk — on hand-made series."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import translation

from smmdesk.analytics.goals import (
    AT_RISK,
    NO_DATA,
    OFF_TRACK,
    ON_TRACK,
    TOO_EARLY,
    Fit,
    forecast_linear,
    forecast_text,
    goal_check,
    goal_check_all,
    goal_progress,
    goal_save,
    pace_text,
    status_of,
)
from smmdesk.analytics.models import Click, Goal, ShortLink
from smmdesk.inbox.models import Lead, Message
from smmdesk.team.models import Notification
from tests.analytics.history import connect, followers

pytestmark = pytest.mark.django_db

DEC1 = date(2030, 12, 1)
DEC31 = date(2030, 12, 31)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _goal(workspace, owner, metric, target, *, start=DEC1, end=DEC31, channels=()):
    return goal_save(workspace=workspace, actor=owner, name=f"{metric} goal", metric=metric,
                     target=target, starts_on=start, ends_on=end, channels=channels)


def _at(day: date, hour: int = 12) -> datetime:
    from zoneinfo import ZoneInfo
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo("Europe/Kyiv"))


# --- the forecast itself ---------------------------------------------------------------

def test_a_straight_line_is_forecast_exactly_with_no_spread():
    fit = forecast_linear([(t, 10 + 2 * t) for t in range(10)], at=29)
    assert (fit.value, fit.low, fit.high) == pytest.approx((68, 68, 68))


def test_the_prediction_interval_follows_the_residuals():
    # t̄ = 1.5, ȳ = 2.5, Sxx = 5, slope 0.8, intercept 1.3; residuals ±0.3, ±0.9:
    # s = √(1.8 / 2); at t = 9: ŷ = 8.5 ± 4.303 · s · √(1 + 1/4 + 7.5² / 5).
    fit = forecast_linear([(0, 1), (1, 3), (2, 2), (3, 4)], at=9)
    half = 4.303 * (0.9 ** 0.5) * (12.5 ** 0.5)
    assert fit.value == pytest.approx(8.5)
    assert (fit.low, fit.high) == pytest.approx((8.5 - half, 8.5 + half))


def test_two_days_are_too_few_for_a_forecast():
    assert forecast_linear([(0, 1), (1, 2)], at=5) is None
    assert status_of(target=10, fit=None) == TOO_EARLY


@pytest.mark.parametrize(("fit", "lower", "expected"), [
    (Fit(110, 90, 130), False, ON_TRACK),    # the forecast reaches 100
    (Fit(95, 80, 105), False, AT_RISK),      # only the interval's top does
    (Fit(80, 70, 90), False, OFF_TRACK),     # not even that
    (Fit(90, 80, 100), True, ON_TRACK),      # lower is better: 90 ≤ 100
    (Fit(105, 95, 115), True, AT_RISK),      # only the interval's bottom is ≤ 100
    (Fit(120, 110, 130), True, OFF_TRACK),
])
def test_status_rules(fit, lower, expected):
    assert status_of(target=100, fit=fit, lower_is_better=lower) == expected


# --- progress on stored data -------------------------------------------------------------

def test_followers_progress_pace_and_forecast(workspace, owner):
    channel = connect(workspace, owner)
    followers(channel, DEC1 - timedelta(days=3), 480)  # before the period: carried in
    for i in range(10):  # Dec 1..10: 500, 510, ..., 590
        followers(channel, DEC1 + timedelta(days=i), 500 + 10 * i)
    goal = _goal(workspace, owner, "followers", 1000)

    p = goal_progress(goal=goal, today=date(2030, 12, 10))

    assert p.current == 590
    assert p.pace_per_day == pytest.approx((1000 - 590) / 21)
    assert pace_text(p) == "Needs 20 a day to reach 1,000."
    assert (p.fit.value, p.fit.low, p.fit.high) == pytest.approx((800, 800, 800))
    assert p.status == OFF_TRACK
    assert "At the current pace 800 by" in forecast_text(p) and "(800–800)" in forecast_text(p)


def test_new_followers_count_from_the_start_of_the_period(workspace, owner):
    channel = connect(workspace, owner)
    followers(channel, DEC1 - timedelta(days=1), 1000)
    followers(channel, DEC1 + timedelta(days=4), 1042)
    goal = _goal(workspace, owner, "follower_growth", 100)
    assert goal_progress(goal=goal, today=DEC1 + timedelta(days=4)).current == 42


def test_a_noisy_series_is_at_risk(workspace, owner):
    channel = connect(workspace, owner)
    for i in range(10):
        followers(channel, DEC1 + timedelta(days=i), 500 + 10 * i + (15 if i % 2 else -15))
    goal = _goal(workspace, owner, "followers", 850)
    p = goal_progress(goal=goal, today=date(2030, 12, 10))
    assert p.fit.value < 850 < p.fit.high
    assert p.status == AT_RISK


def _message(channel, n, day, **kw):
    return Message.objects.create(workspace=channel.workspace, channel=channel,
                                  external_id=f"m{n}", created_at=_at(day), **kw)


def test_leads_add_up_and_a_slow_pace_is_given_per_week(workspace, owner):
    channel = connect(workspace, owner)
    n = 0
    for i in range(5):  # two leads a day, Dec 1..5
        for _ in range(2):
            n += 1
            m = _message(channel, n, DEC1 + timedelta(days=i), intent="purchase")
            Lead.objects.create(workspace=workspace, message=m, channel=channel,
                                created_at=_at(DEC1 + timedelta(days=i)))
    goal = _goal(workspace, owner, "leads", 20)
    p = goal_progress(goal=goal, today=date(2030, 12, 5))
    assert p.current == 10
    assert pace_text(p) == "Needs 2.7 a week to reach 20."  # 10 left in 26 days
    assert p.fit.value == pytest.approx(62)  # 2 + 2·30
    assert p.status == ON_TRACK


def test_negative_share_falling_is_on_track_though_lower_is_better(workspace, owner):
    channel = connect(workspace, owner)
    n = 0
    for i, negative in enumerate((5, 4, 3, 2)):  # 50 %, 40 %, 30 %, 20 %
        for k in range(10):
            n += 1
            _message(channel, n, DEC1 + timedelta(days=i),
                     sentiment="negative" if k < negative else "neutral")
    goal = _goal(workspace, owner, "negative_share", 10)
    p = goal_progress(goal=goal, today=date(2030, 12, 4))
    assert p.current == pytest.approx(35)
    assert p.lower_is_better and p.status == ON_TRACK
    assert p.pace_per_day is None  # a share is not added up day by day


def test_slow_first_replies_are_off_track(workspace, owner):
    channel = connect(workspace, owner)
    for i in range(4):
        day = DEC1 + timedelta(days=i)
        _message(channel, i, day, first_reply_at=_at(day) + timedelta(minutes=60))
    goal = _goal(workspace, owner, "first_reply", 30)
    p = goal_progress(goal=goal, today=date(2030, 12, 4))
    assert p.current == 60
    assert p.status == OFF_TRACK
    assert "60 min by" in forecast_text(p)


def test_clicks_leave_bots_and_other_channels_out(workspace, owner):
    ours, other = connect(workspace, owner), connect(workspace, owner, "Other")
    link = ShortLink.objects.create(workspace=workspace, code="abc", target="https://x.test",
                                    channel=ours)
    elsewhere = ShortLink.objects.create(workspace=workspace, code="def",
                                         target="https://x.test", channel=other)
    for i in range(3):
        Click.objects.create(link=link, at=_at(DEC1 + timedelta(days=i)), visitor=f"v{i}")
    Click.objects.create(link=link, at=_at(DEC1), visitor="bot", bot=True)
    Click.objects.create(link=elsewhere, at=_at(DEC1), visitor="x")
    goal = _goal(workspace, owner, "clicks", 100, channels=[ours])
    assert goal_progress(goal=goal, today=date(2030, 12, 3)).current == 3


def test_conversions_and_revenue_count_conversions_of_the_period_and_channels(workspace,
                                                                            owner):
    from decimal import Decimal

    from smmdesk.analytics.models import Conversion

    ours, other = connect(workspace, owner, "Ours"), connect(workspace, owner, "Other")
    for day, value, channel in ((DEC1, "100", ours), (DEC1 + timedelta(days=2), "50.50", ours),
                                (DEC1 + timedelta(days=2), "999", other),
                                (DEC1 - timedelta(days=1), "70", ours),  # before the goal
                                (DEC1 + timedelta(days=5), None, ours)):
        Conversion.objects.create(workspace=workspace, source="api", channel=channel,
                                  occurred_at=_at(day), value=value and Decimal(value))
    today = DEC1 + timedelta(days=9)
    p = goal_progress(goal=_goal(workspace, owner, "conversions", 10, channels=[ours]),
                      today=today)
    assert p.current == 3 and p.status != NO_DATA
    assert p.series[DEC1] == 1 and p.series[DEC1 + timedelta(days=2)] == 2
    revenue = goal_progress(goal=_goal(workspace, owner, "revenue", 1000, channels=[ours]),
                            today=today)
    assert revenue.current == pytest.approx(150.5)
    everywhere = goal_progress(goal=_goal(workspace, owner, "revenue", 1000), today=today)
    assert everywhere.current == pytest.approx(1149.5)
    assert "conversions arrive" not in forecast_text(p)


def test_reach_a_network_does_not_give_is_no_data_not_zero(workspace, owner):
    channel = connect(workspace, owner)
    followers(channel, DEC1, 100)  # followers given, reach not
    p = goal_progress(goal=_goal(workspace, owner, "reach", 5000), today=date(2030, 12, 9))
    assert p.current is None and p.status == NO_DATA


# --- telling the owner ---------------------------------------------------------------

def test_at_risk_notifies_the_owner_once_per_change(workspace, owner):
    channel = connect(workspace, owner)
    for i in range(10):
        followers(channel, DEC1 + timedelta(days=i), 500 + 10 * i + (15 if i % 2 else -15))
    goal = _goal(workspace, owner, "followers", 850)
    today = date(2030, 12, 10)
    stale = Goal.objects.get(pk=goal.pk)  # what a second worker read before the claim

    assert goal_check_all(today=today) == 1
    assert goal_check_all(today=today) == 0
    assert goal_check(goal=stale, today=today) is False  # the claim was taken
    notes = list(Notification.objects.filter(user=owner))
    assert len(notes) == 1
    assert 'Goal "followers goal" is at risk' in notes[0].text
    assert notes[0].url == f"/w/{workspace.slug}/goals/"
    assert Goal.objects.get(pk=goal.pk).notified_status == AT_RISK

    goal.refresh_from_db()  # off track after the target rises: recorded, nobody told
    goal_save(workspace=workspace, goal=goal, name=goal.name, metric="followers",
              target=5000, starts_on=DEC1, ends_on=DEC31)
    goal_check_all(today=today)
    assert Goal.objects.get(pk=goal.pk).notified_status == OFF_TRACK
    assert Notification.objects.filter(user=owner).count() == 1


def test_the_owner_reads_it_in_their_own_language(workspace, owner):
    owner.language = "ru"
    owner.save(update_fields=["language"])
    channel = connect(workspace, owner)
    for i in range(10):
        followers(channel, DEC1 + timedelta(days=i), 500 + 10 * i + (15 if i % 2 else -15))
    _goal(workspace, owner, "followers", 850)
    goal_check_all(today=date(2030, 12, 10))  # the worker runs in no one's language
    text = Notification.objects.get(user=owner).text
    assert "followers goal" in text and "декабря 2030" in text  # the end date, in Russian


def test_er_is_the_days_interactions_over_followers(workspace, owner):
    from tests.analytics.history import published

    channel = connect(workspace, owner)
    for i, likes in enumerate((10, 20, 30)):  # 1 %, 2 %, 3 % of 1000 followers
        day = DEC1 + timedelta(days=i)
        followers(channel, day, 1000)
        published(channel, owner, _at(day), likes=likes, comments=0)
    p = goal_progress(goal=_goal(workspace, owner, "er", 5), today=date(2030, 12, 3))
    assert p.current == pytest.approx(2)
    assert p.fit.value == pytest.approx(31)  # the daily rate's line, read on Dec 31
    assert p.status == ON_TRACK and p.pace_per_day is None
