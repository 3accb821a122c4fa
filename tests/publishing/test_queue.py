"""Posting slots and the queue: the next free time, adding a post to the queue."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from smmdesk.channels.services import channel_connect
from smmdesk.content.services import post_create
from smmdesk.lib.errors import InvalidInput
from smmdesk.publishing.models import PostingSlot, Publication
from smmdesk.publishing.queue import (
    next_free_slot,
    post_add_to_queue,
    slot_add,
    slot_clock_warnings,
    slot_overview,
    slot_remove,
)
from smmdesk.publishing.services import publication_schedule

pytestmark = pytest.mark.django_db

MONDAY, TUESDAY, WEDNESDAY = 0, 1, 2


def connect(workspace, owner, name: str):
    return channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                           data={"name": name, "audience": "uk"})


@pytest.fixture
def channel(workspace, owner):
    return connect(workspace, owner, "Zerno · Kyiv")


@pytest.fixture
def post(workspace, owner):
    return post_create(workspace=workspace, actor=owner, body="Зимовий бленд повернувся!")


def kyiv(workspace, *args) -> datetime:
    return datetime(*args, tzinfo=workspace.tz)


def test_it_takes_the_next_slot_in_the_workspace_time_zone(workspace, channel):
    slot_add(channel=channel, weekday=MONDAY, at=time(9, 0))
    after = kyiv(workspace, 2030, 1, 6, 12, 0)  # a Sunday
    at = next_free_slot(channel, after=after)
    assert at == kyiv(workspace, 2030, 1, 7, 9, 0)
    assert at == datetime(2030, 1, 7, 7, 0, tzinfo=UTC)  # Kyiv is UTC+2 in January


def test_it_uses_the_local_date_when_utc_is_still_the_day_before(workspace, channel):
    slot_add(channel=channel, weekday=MONDAY, at=time(1, 0))
    # Sunday 22:30 UTC is already Monday 00:30 in Kyiv: the slot is half an hour away.
    at = next_free_slot(channel, after=datetime(2030, 1, 6, 22, 30, tzinfo=UTC))
    assert at == datetime(2030, 1, 6, 23, 0, tzinfo=UTC)


def test_it_follows_the_workspace_time_zone_when_it_changes(workspace, channel):
    slot_add(channel=channel, weekday=MONDAY, at=time(9, 0))
    workspace.timezone = "Asia/Tokyo"
    workspace.save(update_fields=["timezone"])
    channel.refresh_from_db()
    at = next_free_slot(channel, after=datetime(2030, 1, 6, 12, 0, tzinfo=UTC))
    assert at == datetime(2030, 1, 7, 0, 0, tzinfo=UTC)


def test_it_respects_weekdays_and_skips_past_times(workspace, channel):
    slot_add(channel=channel, weekday=MONDAY, at=time(9, 0))
    slot_add(channel=channel, weekday=WEDNESDAY, at=time(18, 30))
    tuesday = kyiv(workspace, 2030, 1, 8, 8, 0)
    assert next_free_slot(channel, after=tuesday) == kyiv(workspace, 2030, 1, 9, 18, 30)
    wednesday_evening = kyiv(workspace, 2030, 1, 9, 18, 30)  # exactly then: not after
    assert next_free_slot(channel, after=wednesday_evening) == kyiv(workspace, 2030, 1, 14, 9)


def test_it_skips_taken_minutes(workspace, owner, channel, post):
    slot_add(channel=channel, weekday=MONDAY, at=time(9, 0))
    slot_add(channel=channel, weekday=MONDAY, at=time(9, 1))
    after = kyiv(workspace, 2030, 1, 6, 12, 0)
    # Taken within the minute (seconds do not matter).
    publication_schedule(post=post, channel=channel, actor=owner,
                         at=kyiv(workspace, 2030, 1, 7, 9, 0, 40))
    assert next_free_slot(channel, after=after) == kyiv(workspace, 2030, 1, 7, 9, 1)
    other = post_create(workspace=workspace, actor=owner, body="Ще один")
    publication_schedule(post=other, channel=channel, actor=owner,
                         at=kyiv(workspace, 2030, 1, 7, 9, 1))
    assert next_free_slot(channel, after=after) == kyiv(workspace, 2030, 1, 14, 9, 0)


def test_a_cancelled_publication_frees_its_minute(workspace, owner, channel, post):
    slot_add(channel=channel, weekday=MONDAY, at=time(9, 0))
    pub = publication_schedule(post=post, channel=channel, actor=owner,
                               at=kyiv(workspace, 2030, 1, 7, 9, 0))
    Publication.objects.filter(pk=pub.pk).update(status="cancelled")
    assert next_free_slot(channel, after=kyiv(workspace, 2030, 1, 6, 12)) == \
        kyiv(workspace, 2030, 1, 7, 9, 0)


def test_a_channel_without_slots_has_no_next_slot(channel):
    assert next_free_slot(channel) is None


def test_it_adds_a_post_to_each_channels_own_next_slot(workspace, owner, channel, post):
    lviv = connect(workspace, owner, "Zerno · Lviv")
    slot_add(channel=channel, weekday=MONDAY, at=time(9, 0))
    slot_add(channel=lviv, weekday=TUESDAY, at=time(18, 0))
    expected = {channel.pk: next_free_slot(channel), lviv.pk: next_free_slot(lviv)}
    assert expected[channel.pk] != expected[lviv.pk]
    pubs = post_add_to_queue(post=post, channels=[channel, lviv], actor=owner)
    assert {p.channel_id: p.scheduled_at for p in pubs} == expected
    assert all(p.status == "scheduled" for p in pubs)
    # The next post takes the following week's time.
    second = post_create(workspace=workspace, actor=owner, body="Наступний")
    [pub] = post_add_to_queue(post=second, channels=[channel], actor=owner)
    assert pub.scheduled_at == expected[channel.pk] + timedelta(weeks=1)


def test_a_channel_without_slots_stops_the_whole_queueing(workspace, owner, channel, post):
    empty = connect(workspace, owner, "Zerno · Odesa")
    slot_add(channel=channel, weekday=MONDAY, at=time(9, 0))
    with pytest.raises(InvalidInput) as exc:
        post_add_to_queue(post=post, channels=[channel, empty], actor=owner)
    assert exc.value.code == "no_slot"
    assert exc.value.message == ("Zerno · Odesa has no free posting time; add times on the "
                                 "Queue page.")
    assert exc.value.details == {"channel_id": empty.pk}
    assert not Publication.objects.exists()


def test_it_adds_and_removes_slots(channel):
    slot = slot_add(channel=channel, weekday=WEDNESDAY, at=time(9, 30, 15))
    assert slot.time == time(9, 30)
    assert slot_add(channel=channel, weekday=WEDNESDAY, at=time(9, 30)) == slot  # no twin
    with pytest.raises(InvalidInput):
        slot_add(channel=channel, weekday=7, at=time(9, 0))
    slot_remove(channel=channel, slot_id=slot.pk)
    assert not PostingSlot.objects.exists()


def test_the_overview_shows_filled_and_free_slots(workspace, owner, channel, post):
    for weekday in range(7):
        slot_add(channel=channel, weekday=weekday, at=time(23, 59))
    overview = slot_overview(channel, weeks=2)
    now = timezone.now()
    assert 13 <= len(overview) <= 14
    assert all(now < e["at"] < now + timedelta(days=14) for e in overview)
    target = overview[2]["at"]
    pub = publication_schedule(post=post, channel=channel, at=target, actor=owner)
    overview = slot_overview(channel, weeks=2)
    assert [e["publication"] for e in overview if e["publication"]] == [pub]
    assert overview[2]["publication"] == pub


# ---------------------------------------------------------------- daylight saving (Kyiv)


def test_the_queue_never_lands_on_a_time_the_clocks_skip_or_repeat(workspace, channel, post):
    from tests.dst import fall_back, spring_forward

    for day in (spring_forward(), fall_back()):
        slot_add(channel=channel, weekday=day.weekday(), at=time(3, 30))
        week_before = kyiv(workspace, *(day - timedelta(days=6)).timetuple()[:3], 12, 0)
        at = next_free_slot(channel, after=week_before)
        # not that Sunday (moved an hour, or the first of two): the Sunday after
        assert at.date() == day + timedelta(days=7)
        assert at.astimezone(workspace.tz).strftime("%H:%M") == "03:30"
        PostingSlot.objects.all().delete()


def test_the_overview_and_adding_a_time_say_which_days_are_skipped(workspace, channel,
                                                                    monkeypatch):
    from tests.dst import spring_forward

    day = spring_forward()
    slot_add(channel=channel, weekday=day.weekday(), at=time(3, 30))
    warnings = slot_clock_warnings(channel, at=time(3, 30), weekday=day.weekday())
    assert any("jump forward over 03:30" in w for w in warnings)
    assert slot_clock_warnings(channel, at=time(12, 0)) == []
    then = datetime.combine(day - timedelta(days=3), time(12, 0), tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: then)
    skipped = [e for e in slot_overview(channel, weeks=1) if e["clock"]]
    assert [(e["at"].date(), e["publication"]) for e in skipped] == [(day, None)]
