from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from smmdesk.channels.services import channel_connect
from smmdesk.content.services import post_create, rubric_create
from smmdesk.publishing.models import Publication, Status
from smmdesk.publishing.services import publication_schedule
from smmdesk.team.services import task_create

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def pub(workspace, owner):
    channel = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                              data={"name": "Kyiv"})
    rubric = rubric_create(workspace=workspace, name="Useful", color="#2563eb")
    post = post_create(workspace=workspace, actor=owner, body="Як заварити каву",
                       rubric_id=rubric.pk)
    at = datetime.combine(timezone.localdate() + timedelta(days=3),
                          datetime.min.time(), tzinfo=workspace.tz).replace(hour=9, minute=30)
    return publication_schedule(post=post, channel=channel, at=at, actor=owner)


def test_the_month_view_shows_posts_holidays_and_rubric_colours(owner, workspace, pub):
    day = pub.scheduled_at.astimezone(workspace.tz).date()
    page = login(owner).get(f"/w/{workspace.slug}/calendar/?date={day}").content.decode()
    assert "Як заварити каву" in page and 'data-color="#2563eb"' in page
    jan = login(owner).get(f"/w/{workspace.slug}/calendar/?date=2027-01-15").content.decode()
    assert "Orthodox Christmas" in jan or "Christmas" in jan


def test_week_and_list_views(owner, workspace, pub):
    day = pub.scheduled_at.astimezone(workspace.tz).date()
    c = login(owner)
    week = c.get(f"/w/{workspace.slug}/calendar/?view=week&date={day}").content.decode()
    assert 'data-drop-hour="9"' in week and "Як заварити каву" in week
    listing = c.get(f"/w/{workspace.slug}/calendar/?view=list&date={day}").content.decode()
    assert "Kyiv" in listing and "Як заварити каву" in listing


def test_filters(owner, workspace, pub):
    day = pub.scheduled_at.astimezone(workspace.tz).date()
    c = login(owner)
    url = f"/w/{workspace.slug}/calendar/?date={day}"
    assert "Як заварити" not in c.get(url + "&status=published").content.decode()
    assert "Як заварити" in c.get(url + f"&rubric={pub.post.rubric_id}").content.decode()
    assert "Як заварити" not in c.get(url + f"&assignee={owner.pk}").content.decode()
    task_create(workspace=workspace, actor=owner, kind="copy", post=pub.post, assignee=owner)
    assert "Як заварити" in c.get(url + f"&assignee={owner.pk}").content.decode()


def test_an_overdue_task_marks_the_post(owner, workspace, pub):
    task_create(workspace=workspace, actor=owner, kind="design", post=pub.post,
                due_at=timezone.now() - timedelta(hours=1))
    day = pub.scheduled_at.astimezone(workspace.tz).date()
    page = login(owner).get(f"/w/{workspace.slug}/calendar/?date={day}").content.decode()
    assert 'class="chip st-scheduled late"' in page


def test_dragging_moves_to_the_day_keeping_the_time(owner, workspace, pub):
    target = pub.scheduled_at.astimezone(workspace.tz).date() + timedelta(days=2)
    r = login(owner).post(f"/w/{workspace.slug}/calendar/move/{pub.pk}/",
                          {"date": target.isoformat()})
    assert r.status_code == 200 and r.json()["ok"]
    pub.refresh_from_db()
    local = pub.scheduled_at.astimezone(workspace.tz)
    assert (local.date(), local.hour, local.minute) == (target, 9, 30)


def test_dragging_to_an_hour_in_the_week_view(owner, workspace, pub):
    target = pub.scheduled_at.astimezone(workspace.tz).date()
    login(owner).post(f"/w/{workspace.slug}/calendar/move/{pub.pk}/",
                      {"date": target.isoformat(), "hour": "18"})
    pub.refresh_from_db()
    assert pub.scheduled_at.astimezone(workspace.tz).strftime("%H:%M") == "18:30"


def test_moving_into_the_past_or_a_published_post_is_refused(owner, workspace, pub):
    c = login(owner)
    r = c.post(f"/w/{workspace.slug}/calendar/move/{pub.pk}/", {"date": "2020-01-01"})
    assert r.status_code == 400 and "in the past" in r.json()["message"]
    Publication.objects.filter(pk=pub.pk).update(status=Status.PUBLISHED)
    r = c.post(f"/w/{workspace.slug}/calendar/move/{pub.pk}/",
               {"date": (timezone.localdate() + timedelta(days=5)).isoformat()})
    assert r.status_code == 409 and not r.json()["ok"]


def test_an_analyst_sees_but_cannot_move(analyst, workspace, pub):
    c = login(analyst)
    assert c.get(f"/w/{workspace.slug}/calendar/").status_code == 200
    r = c.post(f"/w/{workspace.slug}/calendar/move/{pub.pk}/", {"date": "2030-01-01"})
    assert r.status_code == 403


# ---------------------------------------------------------------- cannot publish on time


@pytest.fixture
def waiting(workspace, owner):
    """Two posts waiting for approval with a 2-day lead: one due in a day (its approval
    deadline passed), one in six days (still in time)."""
    from smmdesk.accounts.models import ApprovalMode
    from smmdesk.content.compose import ComposeInput, VariantInput, post_compose
    from smmdesk.team.services import approval_mode_set, lead_days_set

    approval_mode_set(workspace=workspace, mode=ApprovalMode.INTERNAL)
    lead_days_set(workspace=workspace, days={"approval": 2})
    channel = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                              data={"name": "Kyiv"})
    posts = []
    for title, days in (("Soon", 1), ("Later", 6)):
        at = timezone.now().replace(second=0, microsecond=0) + timedelta(days=days)
        posts.append(post_compose(workspace=workspace, actor=owner, data=ComposeInput(
            title=title, body=title, action="schedule", at=at,
            variants=[VariantInput(channel=channel)])))
    return posts


def test_the_calendar_marks_what_cannot_publish_on_time(owner, workspace, waiting):
    from django.utils.formats import date_format

    soon, later = (p.publications.get() for p in waiting)
    day = soon.scheduled_at.astimezone(workspace.tz).date()
    page = login(owner).get(f"/w/{workspace.slug}/calendar/?view=list&date={day}")
    page = page.content.decode()
    due = date_format(timezone.localtime(soon.scheduled_at - timedelta(days=2), workspace.tz),
                      "SHORT_DATETIME_FORMAT")
    assert f'<span class="badge s-failed">Needs approval by {due}</span>' in page

    month = login(owner).get(f"/w/{workspace.slug}/calendar/?date={day}").content.decode()
    assert month.count("chip st-pending_approval at-risk") == 1  # "Later" is still in time
    assert f'aria-label="Needs approval by {due}">!</span>' in month

    # its time passed while it waited: it will not publish on time
    Publication.objects.filter(pk=soon.pk).update(
        scheduled_at=timezone.now() - timedelta(hours=1))
    day = timezone.localdate(timezone.now() - timedelta(hours=1), workspace.tz)
    page = login(owner).get(f"/w/{workspace.slug}/calendar/?view=list&date={day}")
    assert "Will not publish on time: not approved" in page.content.decode()


def test_the_dashboard_counts_and_lists_what_cannot_publish_on_time(owner, workspace,
                                                                   waiting):
    page = login(owner).get(f"/w/{workspace.slug}/").content.decode()
    assert "1 publication will not go out on time unless it is approved now." in page
    assert page.count("Needs approval by") == 1  # only "Soon"
    assert f'/w/{workspace.slug}/posts/{waiting[0].pk}/' in page and ">Soon</a>" in page
