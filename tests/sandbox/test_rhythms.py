"""The sandbox audience's rhythms: the hour and the weekday a post goes out at, views that
level off over days, followers that grow with waves of churn, all reproducible."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from statistics import mean

import pytest
from django.utils import timezone

from smmdesk.sandbox import network
from smmdesk.sandbox.models import SandboxAccount, SandboxComment, SandboxPost

pytestmark = pytest.mark.django_db
LADDER = [timedelta(hours=1), timedelta(hours=6), timedelta(hours=24), timedelta(days=3),
          timedelta(days=7), timedelta(days=30), timedelta(days=90)]


@pytest.fixture
def account():
    # A Russian-speaking audience: its clock is UTC+3.
    return network.account_create(name="Zerno Club", languages={"ru": 1.0}, followers=3000)


def _local(day_back: int, hour: int) -> datetime:
    day = (timezone.now() - timedelta(days=day_back)).date()
    return datetime(day.year, day.month, day.day, hour, 10, tzinfo=UTC) - timedelta(hours=3)


def test_the_same_post_at_seven_in_the_evening_beats_three_at_night(account):
    evening, night = [], []
    for back in range(20, 80):
        for hour, into in ((19, evening), (3, night)):
            post = network.post_create(account=account, text="Новый лот из Эфиопии",
                                       at=_local(back, hour))
            into.append(network.post_metrics(post, now=post.created_at + timedelta(days=1)))
    assert mean(m["views"] for m in evening) > 1.5 * mean(m["views"] for m in night)
    assert mean(m["likes"] for m in evening) > mean(m["likes"] for m in night)


def test_each_audience_has_its_own_best_hours_and_week():
    profiles = [network.audience_profile(SandboxAccount(seed=f"seed-{n}", languages={"uk": 1}))
                for n in range(30)]
    assert all(18 <= p.best_hour <= 22 for p in profiles)  # evenings, in their own clock
    assert len({p.best_hour for p in profiles}) > 1
    lunch = [p.activity(12.75, 2) for p in profiles]
    assert all(x > p.activity(3.5, 2) * 1.5 for x, p in zip(lunch, profiles, strict=True))
    weekend_people = [p for p in profiles if p.weekdays[5] > max(p.weekdays[:5])]
    weekday_people = [p for p in profiles if p.weekdays[5] < min(p.weekdays[:5])]
    assert weekend_people and weekday_people
    assert profiles[0] == network.audience_profile(
        SandboxAccount(seed="seed-0", languages={"uk": 1}))
    assert profiles[0].utc_offset == 2


def test_views_grow_fast_then_level_off_and_reach_stays_under_views(account):
    post = network.post_create(account=account, text="Как настроить эспрессо",
                               at=timezone.now() - timedelta(days=100))
    curve = network.post_metrics_series(post, times=[post.created_at + a for a in LADDER])
    views = [m["views"] for m in curve]
    assert views == sorted(views) and views[0] > 0
    assert views[0] > 0.15 * views[-1]  # a good part in the first hour
    assert views[2] > 0.7 * views[-1]  # most of it within a day
    assert views[-1] - views[4] < 0.05 * views[-1]  # after a week it hardly moves
    assert all(0 < m["reach"] <= m["views"] for m in curve)
    assert all(m["likes"] <= m["reach"] for m in curve)


def test_the_metrics_are_reproducible(account):
    post = network.post_create(account=account, text="same", at=timezone.now() - timedelta(2))
    times = [post.created_at + a for a in LADDER[:4]]
    assert network.post_metrics_series(post, times=times) == [
        network.post_metrics(post, now=t) for t in times]
    again = SandboxAccount.objects.get(pk=account.pk)
    assert network.account_metrics(again, now=times[-1]) == network.account_metrics(
        account, now=times[-1])


def test_followers_grow_over_a_year_with_some_churn(account):
    now = timezone.now()
    days = [network.followers_at(account, now - timedelta(days=back))
            for back in range(365, -1, -1)]
    assert days[0] < 0.9 * days[-1]
    assert days[-1] == pytest.approx(account.followers_base, rel=0.01)
    losses = sum(1 for a, b in zip(days, days[1:], strict=False) if b < a)
    assert 5 < losses < 180  # some days lose more than they gain, most do not


def test_the_account_gives_its_views_and_reach_of_a_day(account):
    metrics = network.account_metrics(account, now=timezone.now() - timedelta(days=10))
    assert set(metrics) == {"followers", "posts", "views", "reach"}
    assert 0 < metrics["reach"] <= metrics["views"]
    week = network.account_metrics_series(
        account, times=[timezone.now() - timedelta(days=d) for d in range(7)])
    assert len({m["views"] for m in week}) > 1  # every day is its own


def test_a_history_counts_comments_it_did_not_write(account):
    old = timezone.now() - timedelta(days=60)
    made = network.posts_create_bulk(
        posts=[SandboxPost(account=account, text=f"old {n}", created_at=old)
               for n in range(3)] + [SandboxPost(
                   account=account, text="new", created_at=timezone.now() - timedelta(2))],
        comments_since=timezone.now() - timedelta(days=30))
    written = SandboxComment.objects.filter(post__in=made)
    assert set(written.values_list("post_id", flat=True)) == {made[-1].pk}
    assert all(network.post_metrics(p)["comments"] >= 1 for p in made)
    assert network.post_metrics(made[-1])["comments"] == written.count()
