"""Each publication's latest reading (PostLatest) stays the newest of its snapshots,
whatever order the readings arrive in and however they are written (one by one, in
bulk, rebuilt), and the heatmap that pages show is kept for a few minutes."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client

from smmdesk.accounts.services import workspace_create
from smmdesk.analytics.models import PostLatest, PostSnapshot
from smmdesk.analytics.services import (
    latest_rebuild,
    latest_rebuild_if_missing,
    post_snapshot_record,
    snapshots_record,
)
from smmdesk.analytics.timing import heatmap_cached, heatmap_list
from tests.analytics.history import connect, published

pytestmark = pytest.mark.django_db

AT = datetime.fromisoformat("2026-11-02T10:00:00+00:00")
FIELDS = ("workspace_id", "channel_id", "taken_at", "age_hours", "views", "reach", "likes",
          "comments", "reposts", "saves", "clicks")


def newest(pub) -> dict:
    """The newest snapshot as readers of the history order them (ties: the later one)."""
    snap = PostSnapshot.objects.filter(publication=pub).order_by("-taken_at", "-pk").first()
    return {name: getattr(snap, name) for name in FIELDS}


def latest(pub) -> dict:
    row = PostLatest.objects.get(publication=pub)
    assert row.published_at == pub.published_at
    return {name: getattr(row, name) for name in FIELDS}


def read(pub, hours: int, likes: int) -> None:
    post_snapshot_record(publication=pub, metrics={"likes": likes, "views": likes * 10},
                         taken_at=AT + timedelta(hours=hours))


@pytest.fixture
def pub(workspace, owner):
    return published(connect(workspace, owner), owner, AT, likes=1, age_hours=1)


def test_the_latest_row_is_the_newest_snapshot_after_each_reading(pub):
    assert latest(pub) == newest(pub) and latest(pub)["likes"] == 1
    read(pub, 24, 30)
    assert latest(pub) == newest(pub) and latest(pub)["likes"] == 30
    read(pub, 6, 10)  # an older reading arriving late changes nothing
    assert latest(pub) == newest(pub) and latest(pub)["likes"] == 30
    assert latest(pub)["age_hours"] == 24
    read(pub, 24, 31)  # the same moment read again: the later written counts
    assert latest(pub) == newest(pub) and latest(pub)["likes"] == 31
    read(pub, 72, 40)
    assert latest(pub) == newest(pub) and latest(pub)["age_hours"] == 72
    assert PostLatest.objects.count() == 1 and PostSnapshot.objects.count() == 5


def test_a_bulk_history_keeps_a_newer_reading_and_takes_a_newer_one(pub):
    read(pub, 72, 40)

    def snap(hours, likes):
        return PostSnapshot(workspace_id=pub.workspace_id, publication=pub,
                            channel_id=pub.channel_id, taken_at=AT + timedelta(hours=hours),
                            age_hours=hours, likes=likes)

    snapshots_record(snapshots=[snap(6, 5), snap(24, 9)])  # older: kept as it was
    assert latest(pub) == newest(pub) and latest(pub)["likes"] == 40
    snapshots_record(snapshots=[snap(720, 70), snap(168, 50)])  # in any order
    assert latest(pub) == newest(pub) and latest(pub)["likes"] == 70


def test_a_rebuild_makes_the_same_rows_for_one_workspace_or_all(pub, owner):
    read(pub, 24, 30)
    read(pub, 6, 10)
    other_ws = workspace_create(name="Other", owner=owner, timezone_name="UTC")
    other = published(connect(other_ws, owner, name="Other"), owner, AT, likes=3)
    before = {p.pk: latest(p) for p in (pub, other)}
    PostLatest.objects.filter(publication=pub).update(likes=999)  # out of step
    assert latest_rebuild(workspace=pub.workspace) == 1
    assert {p.pk: latest(p) for p in (pub, other)} == before
    PostLatest.objects.all().delete()
    out = StringIO()
    call_command("analytics", "rebuild-latest", stdout=out)
    assert "2 publications" in out.getvalue()
    assert {p.pk: latest(p) for p in (pub, other)} == before


def test_an_install_that_measured_before_gets_its_latest_rows_once(pub):
    PostLatest.objects.all().delete()
    assert latest_rebuild_if_missing() == 1
    assert latest(pub) == newest(pub)
    assert latest_rebuild_if_missing() == 0  # there already


def test_the_rebuild_command_refuses_an_unknown_workspace(pub):
    with pytest.raises(CommandError, match="No workspace"):
        call_command("analytics", "rebuild-latest", "--workspace", "nope")


def test_pages_get_the_heatmap_kept_for_a_few_minutes(workspace, owner, pub):
    channel = pub.channel
    _overall, maps, at = heatmap_cached(workspace=workspace, channels=[channel])
    published(channel, owner, AT + timedelta(days=1), likes=5, views=100)
    assert heatmap_list(workspace=workspace, channels=[channel])[1][0].posts == \
        maps[0].posts + 1  # worked out afresh, the new post counts
    _overall, kept, kept_at = heatmap_cached(workspace=workspace, channels=[channel])
    assert kept_at == at and kept[0].posts == maps[0].posts  # the kept one
    assert kept[0].channel is channel  # with the channel passed in, not a cached copy
    cache.clear()
    assert heatmap_cached(workspace=workspace, channels=[channel])[1][0].posts == \
        maps[0].posts + 1


def test_the_pages_say_when_the_heatmap_was_worked_out(workspace, owner, pub):
    client = Client()
    client.force_login(owner)
    for url in (f"/w/{workspace.slug}/analytics/content/", f"/w/{workspace.slug}/queue/"):
        html = client.get(url).content.decode()
        assert "Worked out at" in html and "at most every 5 minutes" in html, url


def best_day(pub):
    """The heatmap's reading as timing.py ranked the rungs before PostLatest kept it:
    the greatest age at or below 24 h, then the latest taken, then the later written."""
    return (PostSnapshot.objects.filter(publication=pub, age_hours__lte=24)
            .order_by("-age_hours", "-taken_at", "-pk").first())


DAY = ("taken_at", "age_hours", "views", "reach", "likes", "comments", "reposts", "saves")


def day(pub) -> dict:
    row = PostLatest.objects.get(publication=pub)
    return {name: getattr(row, f"day_{name}") for name in DAY}


def best(pub) -> dict:
    snap = best_day(pub)
    return {name: getattr(snap, name) for name in DAY}


def test_the_day_reading_is_the_best_at_or_below_24_hours_in_any_order(pub):
    assert day(pub) == best(pub) and day(pub)["age_hours"] == 1
    read(pub, 72, 40)  # past 24 h: not a day reading
    assert day(pub)["age_hours"] == 1
    read(pub, 24, 30)
    assert day(pub) == best(pub) and day(pub)["likes"] == 30
    read(pub, 6, 10)  # younger, arriving late: changes nothing
    assert day(pub) == best(pub) and day(pub)["likes"] == 30
    read(pub, 24, 31)  # the same age read again: the later written counts
    assert day(pub) == best(pub) and day(pub)["likes"] == 31
    kept = day(pub)
    latest_rebuild()
    assert day(pub) == kept


def test_a_bulk_history_sets_the_day_reading(pub):
    def snap(hours, likes):
        return PostSnapshot(workspace_id=pub.workspace_id, publication=pub,
                            channel_id=pub.channel_id, taken_at=AT + timedelta(hours=hours),
                            age_hours=hours, likes=likes)

    snapshots_record(snapshots=[snap(24, 9), snap(6, 5), snap(72, 12)])
    assert day(pub) == best(pub) and day(pub)["likes"] == 9
    assert PostLatest.objects.get(publication=pub).likes == 12
