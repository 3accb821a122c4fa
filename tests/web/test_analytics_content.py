"""Content analytics on the web: the best-time heatmap and suggestions on the queue page,
rubric performance on the content plan, and the rubric/format/campaign tables."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from smmdesk.content.models import Campaign, Rubric
from smmdesk.publishing.models import PostingSlot
from tests.analytics.history import connect, followers, published

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def weekday_at(workspace, weeks_ago: int, weekday: int, hour: int) -> datetime:
    """``hour`` o'clock on ``weekday`` (0 = Monday) ``weeks_ago`` weeks back, local time."""
    today = timezone.localdate(timezone=workspace.tz)
    day = today - timedelta(weeks=weeks_ago, days=(today.weekday() - weekday) % 7)
    return datetime(day.year, day.month, day.day, hour, tzinfo=workspace.tz)


def make_history(workspace, owner, channel) -> dict:
    """Tuesday 19:00 posts (useful reels) do twice as well as Thursday 13:00 posts
    (selling feed posts); each has its 7-day snapshot."""
    followers(channel, timezone.localdate() - timedelta(days=200), 1000)
    useful = Rubric.objects.create(workspace=workspace, name="Useful", target_share=40)
    selling = Rubric.objects.create(workspace=workspace, name="Selling", target_share=60)
    winter = Campaign.objects.create(workspace=workspace, name="Winter blend")
    for n in range(2, 8):
        published(channel, owner, weekday_at(workspace, n, 1, 19), likes=80, views=900,
                  age_hours=24, rubric=useful, fmt="reel", campaign=winter)
        published(channel, owner, weekday_at(workspace, n, 3, 13), likes=40, views=700,
                  age_hours=24, rubric=selling)
    for pub in channel.publications.all():  # and the same at 7 days, for the tables
        snap = pub.snapshots.get()
        pub.snapshots.create(workspace=workspace, channel=channel, age_hours=168,
                             taken_at=pub.published_at + timedelta(days=7),
                             likes=snap.likes, views=snap.views)
    return {"useful": useful, "selling": selling}


@pytest.fixture
def channel(workspace, owner):
    return connect(workspace, owner, "Zerno · Kyiv")


def test_the_queue_shows_the_heatmap_and_suggests_a_time(owner, workspace, channel):
    make_history(workspace, owner, channel)
    client = login(owner)
    page = client.get(f"/w/{workspace.slug}/queue/").content.decode()
    block = page.split(f'id="heat-{channel.pk}"')[1]
    assert block.count('class="heat-c"') >= 7 * 24
    assert 'data-level="4"' in block and 'data-level="none"' in block
    assert 'title="Tue 19:00: ER 8.0%' not in block  # shrunk toward the mean, never raw
    assert "Tue 19:00: ER 7.3%, +22% vs the average, 6 posts" in block
    assert "Thu 13:00: not enough data" not in block and "Thu 13:00: ER" in block
    assert "Suggested times:" in block and "Tue 19:00" in block
    assert "style=" not in block
    # One click adds it as a weekly posting time; then it is shown as taken.
    response = client.post(f"/w/{workspace.slug}/queue/{channel.pk}/times/add/",
                           {"weekday": "1", "time": "19:00"})
    assert response.status_code == 302
    assert PostingSlot.objects.filter(channel=channel, weekday=1, time=time(19)).exists()
    page = client.get(f"/w/{workspace.slug}/queue/").content.decode()
    assert "already a posting time" in page.split(f'id="heat-{channel.pk}"')[1]


def test_without_history_there_is_no_fake_heatmap(owner, workspace, channel):
    page = login(owner).get(f"/w/{workspace.slug}/queue/").content.decode()
    assert "Best time to post" in page
    assert "Not enough published posts with metrics yet" in page
    assert 'class="heat-c"' not in page.split('id="queue-best-h"')[1].split("</section>")[0]


def test_the_editor_does_not_see_the_numbers(editor, owner, workspace, channel):
    make_history(workspace, owner, channel)
    page = login(editor).get(f"/w/{workspace.slug}/queue/").content.decode()
    assert "Best time to post" not in page and "heat-c" not in page
    page = login(editor).get(f"/w/{workspace.slug}/plan/").content.decode()
    assert "vs the average" not in page


def test_the_plan_shows_each_rubric_beside_its_target(owner, workspace, channel):
    make_history(workspace, owner, channel)
    page = login(owner).get(f"/w/{workspace.slug}/plan/").content.decode()
    useful = page.split('value="Useful"')[1].split('class="plan-rubric"')[0]
    assert "ER 8.0% (+33% vs the average), 6 posts" in useful
    assert 'data-advice="more"' in useful and "consider more" in useful
    selling = page.split('value="Selling"')[1].split("</section>")[0]
    assert "ER 4.0% (-33% vs the average)" in selling and "consider less" in selling
    assert "at least 5 posts whose ER is 20% or more above the average" in page
    assert "ER of the posts published in the last 90 days, a week after publishing." in page


def test_the_content_analytics_page(owner, workspace, channel, client_user):
    rubrics = make_history(workspace, owner, channel)
    page = login(client_user).get(f"/w/{workspace.slug}/analytics/content/").content.decode()
    assert "Average ER: 6.00% over 12 posts." in page
    row = page.split(f'data-group="{rubrics["useful"].name}"')[1].split("</tr>")[0]
    assert ">6<" in row and ">5400<" in row and ">480<" in row and "8.00%" in row
    assert "+33%" in row
    assert 'data-group="Reel / short"' in page and 'data-group="Feed post"' in page
    assert 'data-group="Winter blend"' in page and 'data-group="No campaign"' in page
    assert "All channels" in page and f'id="heat-{channel.pk}"' in page
    assert "Add this posting time" not in page  # the client changes nothing here
    assert "?days=365" in page
