"""The queue page: posting times per channel, the next two weeks filled or free."""

from __future__ import annotations

import re
from datetime import time

import pytest
from django.test import Client

from smmdesk.accounts.services import workspace_create
from smmdesk.channels.models import ChannelStatus
from smmdesk.channels.services import channel_connect
from smmdesk.content.services import post_create
from smmdesk.publishing.models import PostingSlot
from smmdesk.publishing.queue import next_free_slot, slot_add, slot_overview
from smmdesk.publishing.services import publication_schedule

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def connect(workspace, owner, name: str):
    return channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                           data={"name": name, "audience": "uk"})


@pytest.fixture
def channel(workspace, owner):
    return connect(workspace, owner, "Zerno · Kyiv")


def url(workspace, rest: str = "") -> str:
    return f"/w/{workspace.slug}/queue/{rest}"


def test_it_shows_times_and_the_next_two_weeks(owner, workspace, channel):
    for weekday in range(7):
        slot_add(channel=channel, weekday=weekday, at=time(23, 59))
    slot_add(channel=channel, weekday=2, at=time(9, 30))
    post = post_create(workspace=workspace, actor=owner, title="Зимовий бленд", body="Кава")
    pub = publication_schedule(post=post, channel=channel, at=next_free_slot(channel),
                               actor=owner)
    page = login(owner).get(url(workspace)).content.decode()
    assert "Zerno · Kyiv" in page
    assert "Monday" in page and "Wednesday" in page and "Sunday" in page
    assert page.count("23:59") >= 7 and "09:30" in page
    # One weekly grid: a row per channel, a column per day.
    row = page.split(f'id="channel-{channel.pk}"')[1].split("</tr>")[0]
    assert row.count('class="queue-wd"') == 7 and row.count("23:59") >= 7
    # The next two weeks: the filled time with its post, the free ones counted per day.
    assert (f'href="/w/{workspace.slug}/publications/{pub.pk}/" '
            'title="Zerno · Kyiv · Scheduled · Зимовий бленд">') in page
    assert f'<b>{pub.scheduled_at.astimezone(workspace.tz):%H:%M}</b> Зимовий бленд</a>' in page
    assert sum(int(n) for n in re.findall(r"(\d+) free times?<", page)) >= 13
    total = len(slot_overview(channel))
    assert f"1 of {total} times taken in the next two weeks" in page


def test_weekdays_are_in_the_users_language(owner, workspace, channel):
    slot_add(channel=channel, weekday=0, at=time(9, 0))
    owner.language = "uk"
    owner.save()
    page = login(owner).get(url(workspace)).content.decode()
    assert "Понеділок" in page and "Неділя" in page and "Monday" not in page


def test_inactive_channels_show_their_status(owner, workspace, channel):
    channel.status = ChannelStatus.NEEDS_RECONNECT
    channel.status_message = "Telegram: the bot is not an admin of @zerno."
    channel.save(update_fields=["status", "status_message"])
    page = login(owner).get(url(workspace)).content.decode()
    assert "Needs reconnecting" in page and "the bot is not an admin of @zerno" in page
    assert "No posting times yet" in page


def test_an_owner_adds_and_removes_times(owner, workspace, channel):
    client = login(owner)
    r = client.post(url(workspace, f"{channel.pk}/times/add/"),
                    {"weekday": "2", "time": "09:30"}, follow=True)
    assert r.redirect_chain[0][0] == url(workspace, f"#channel-{channel.pk}")
    assert "1 posting time added." in r.content.decode()
    assert list(channel.slots.values_list("weekday", "time")) == [(2, time(9, 30))]
    r = client.post(url(workspace, f"{channel.pk}/times/add/"),
                    {"weekday": "mon-fri", "time": "18:00"}, follow=True)
    assert "5 posting times added." in r.content.decode()
    assert sorted(channel.slots.filter(time=time(18)).values_list("weekday", flat=True)) == [
        0, 1, 2, 3, 4]
    slot = channel.slots.get(weekday=2, time=time(9, 30))
    r = client.post(url(workspace, f"{channel.pk}/times/{slot.pk}/remove/"), follow=True)
    assert "Posting time removed." in r.content.decode()
    assert channel.slots.count() == 5


def test_a_bad_time_is_explained(owner, workspace, channel):
    r = login(owner).post(url(workspace, f"{channel.pk}/times/add/"),
                          {"weekday": "9", "time": "25:00"}, follow=True)
    assert "Choose a day and a time such as 09:30." in r.content.decode()
    assert not PostingSlot.objects.exists()


@pytest.mark.parametrize("persona", ["editor", "analyst"])
def test_only_managers_change_posting_times(persona, request, workspace, channel):
    slot = slot_add(channel=channel, weekday=0, at=time(9, 0))
    client = login(request.getfixturevalue(persona))
    page = client.get(url(workspace)).content.decode()
    assert "09:00" in page and "/remove/" not in page and "Add time" not in page
    r = client.post(url(workspace, f"{channel.pk}/times/add/"), {"weekday": "1", "time": "10:00"})
    assert r.status_code == 403
    r = client.post(url(workspace, f"{channel.pk}/times/{slot.pk}/remove/"))
    assert r.status_code == 403
    assert list(PostingSlot.objects.all()) == [slot]


def test_another_workspaces_channel_is_not_found(owner, workspace, outsider):
    theirs = connect(workspace_create(name="Other", owner=outsider), outsider, "Other")
    slot = slot_add(channel=theirs, weekday=0, at=time(9, 0))
    client = login(owner)
    assert client.post(url(workspace, f"{theirs.pk}/times/add/"),
                       {"weekday": "1", "time": "10:00"}).status_code == 404
    assert client.post(url(workspace, f"{theirs.pk}/times/{slot.pk}/remove/")).status_code == 404
    assert list(PostingSlot.objects.all()) == [slot]
