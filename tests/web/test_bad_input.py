"""Bad input to web pages gets a clear 4xx and changes nothing (no 500s).

Each case here was a 500 found by fuzzing: months and days out of range, ids past a
bigint, NUL bytes, numbers too large for their column."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from smmdesk.accounts.models import ApprovalMode, Workspace
from smmdesk.channels.services import channel_connect
from smmdesk.content.models import PlanSlot, Post, Rubric
from smmdesk.content.plan import plan_slot_create
from smmdesk.content.services import post_create
from smmdesk.inbox.models import Rule
from smmdesk.lib.badinput import MAX_ID, parse_id
from smmdesk.publishing.services import publication_schedule
from smmdesk.team.models import Task
from smmdesk.team.services import approval_mode_set, client_link_token

pytestmark = pytest.mark.django_db

HUGE = 2**63  # one past the largest bigint


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def channel(workspace, owner):
    return channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                           data={"name": "Zerno · Kyiv", "audience": "uk"})


@pytest.fixture
def pub(workspace, owner, channel):
    post = post_create(workspace=workspace, actor=owner, body="Флет вайт")
    at = timezone.now() + timedelta(days=2)
    return publication_schedule(post=post, channel=channel, at=at, actor=owner)


@pytest.mark.parametrize("month", ["2030-13", "2030-00", "9999-12", "0001-01", "garbage"])
def test_it_refuses_a_month_that_is_not_one_on_the_plan(owner, workspace, month):
    client = login(owner)
    r = client.get(f"/w/{workspace.slug}/plan/?month={month}")
    assert r.status_code == 400
    assert "is not a month" in r.content.decode()
    assert client.get(f"/w/{workspace.slug}/plan/export/?month={month}").status_code == 400


def test_a_bad_month_in_a_plan_form_changes_nothing(owner, workspace):
    slot = plan_slot_create(workspace=workspace, day=datetime(2030, 12, 3).date())
    client = login(owner)
    r = client.post(f"/w/{workspace.slug}/plan/rubrics/add/",
                    {"month": "9999-12", "name": "Useful", "color": "#22c55e"})
    assert r.status_code == 400 and not Rubric.objects.exists()
    r = client.post(f"/w/{workspace.slug}/plan/slots/{slot.pk}/delete/", {"month": "2030-13"})
    assert r.status_code == 400 and PlanSlot.objects.filter(pk=slot.pk).exists()


def test_plan_dates_are_kept_to_years_the_pages_can_show(owner, workspace):
    r = login(owner).post(f"/w/{workspace.slug}/plan/generate/", {
        "month": "2030-12", "start": "9999-12-27", "weeks": "26", "feed": "14"}, follow=True)
    assert r.status_code == 200
    assert "Choose a date in the years 1970 to 2999" in r.content.decode()
    assert not PlanSlot.objects.exists()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2030-02-30", "someday"])
def test_the_calendar_refuses_a_day_that_is_not_one(owner, workspace, day):
    r = login(owner).get(f"/w/{workspace.slug}/calendar/?date={day}")
    assert r.status_code == 400
    assert "is not a day" in r.content.decode()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_moving_a_post_out_of_the_calendar_is_refused_and_changes_nothing(owner, workspace,
                                                                          pub, day):
    before = pub.scheduled_at
    r = login(owner).post(f"/w/{workspace.slug}/calendar/move/{pub.pk}/", {"date": day})
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_day"
    pub.refresh_from_db()
    assert pub.scheduled_at == before


@pytest.mark.parametrize("hour", ["24", "-1", str(HUGE), "noon"])
def test_moving_a_post_to_an_hour_that_is_not_one_is_refused(owner, workspace, pub, hour):
    day = (pub.scheduled_at + timedelta(days=1)).date().isoformat()
    r = login(owner).post(f"/w/{workspace.slug}/calendar/move/{pub.pk}/",
                          {"date": day, "hour": hour})
    assert r.status_code == 400
    assert r.json() == {"ok": False, "code": "invalid_hour",
                        "message": "That is not an hour (0 to 23)."}


@pytest.mark.parametrize("month", ["2030-13", "9999-12"])
def test_approvals_refuse_a_month_that_is_not_one(owner, workspace, month):
    approval_mode_set(workspace=workspace, mode=ApprovalMode.INTERNAL_CLIENT)
    r = login(owner).get(f"/w/{workspace.slug}/approvals/?month={month}")
    assert r.status_code == 400
    assert "client-link" not in r.content.decode()


def test_an_approval_link_for_a_month_that_is_not_one_is_not_valid(workspace):
    # Links signed before months were checked could hold one.
    token = client_link_token(workspace=workspace, month="2030-13")
    r = Client().get(reverse("web:client_page", kwargs={"token": token}))
    assert r.status_code == 403


def test_ids_past_a_bigint_in_urls_are_not_found(owner, workspace):
    client = login(owner)
    for url in (f"/w/{workspace.slug}/publications/{HUGE}/",
                f"/w/{workspace.slug}/media/{HUGE}/",
                f"/w/{workspace.slug}/publications/{MAX_ID}/",
                f"/w/{workspace.slug}/plan/slots/{10**30}/delete/"):
        method = client.post if url.endswith("delete/") else client.get
        assert method(url).status_code == 404, url


def test_ids_past_a_bigint_in_forms_and_queries_are_ignored(owner, workspace, pub):
    client = login(owner)
    r = client.get(f"/w/{workspace.slug}/publications/?channel={HUGE}")
    assert r.status_code == 200
    r = client.post("/profile/", {"revoke_token": str(HUGE)})
    assert r.status_code == 302
    r = client.post(f"/w/{workspace.slug}/moderation/save/",
                    {"rule_id": str(HUGE), "name": "Spam", "keywords": "casino",
                     "hide": "1"})
    assert r.status_code < 500
    assert parse_id(str(HUGE)) is None and parse_id("٣") is None and parse_id("12") == 12


def test_an_answer_time_too_large_for_its_column_is_refused(owner, workspace):
    client = login(owner)
    for value in ("1e300", "inf", "nan", "-5", "99999999"):
        r = client.post(f"/w/{workspace.slug}/moderation/settings/save/",
                        {"sla_value": value, "sla_unit": "hours"})
        assert r.status_code == 400, value
        assert "from 0 minutes to 30 days" in r.content.decode()


def test_nul_bytes_are_refused_everywhere_and_nothing_is_stored(owner, workspace):
    client = login(owner)
    r = client.post(f"/w/{workspace.slug}/plan/rubrics/add/",
                    {"month": "2030-12", "name": "Use\x00ful", "color": "#22c55e"})
    assert r.status_code == 400
    assert "cannot be stored" in r.content.decode()
    assert not Rubric.objects.exists()
    r = client.get(f"/w/{workspace.slug}/publications/?status=%00")
    assert r.status_code == 400
    assert Client().get("/m/to%00ken/").status_code == 400  # a path segment looked up
    r = client.post(f"/w/{workspace.slug}/moderation/save/",
                    {"name": "Spam", "keywords": "casino\x00", "hide": "1"},
                    HTTP_HX_REQUEST="true")
    assert r.status_code == 400 and r["Content-Type"].startswith("text/plain")
    assert not Rule.objects.exists()


def test_ids_past_a_bigint_in_the_composer_are_ignored(owner, workspace, channel):
    # No row can have them: they are dropped like any other id that is not a number.
    r = login(owner).post(f"/w/{workspace.slug}/compose/", {
        "body": "Флет вайт", "channels": [channel.pk, HUGE], "rubric": str(HUGE),
        "media": f"{HUGE},{10**40}", "slot": str(HUGE), "action": "draft"})
    assert r.status_code == 302
    post = Post.objects.get()
    assert post.rubric is None and not post.ordered_media()
    assert [v.channel_id for v in post.variants.all()] == [channel.pk]


@pytest.mark.parametrize("tz", ["a" * 5000, "Mars/Olympus", "../../etc/passwd"])
def test_a_new_workspace_needs_a_known_time_zone(owner, tz):
    r = login(owner).post(reverse("web:workspace_new"), {"name": "Bakery", "timezone": tz})
    assert r.status_code == 200  # the form again
    assert "Unknown time zone" in r.content.decode()
    assert not Workspace.objects.filter(name="Bakery").exists()


@pytest.mark.parametrize(("due", "assignee"), [
    ("0001-01-01T00:30", ""), ("9999-12-31T23:30", ""), ("2030-13-01T10:00", ""),
    ("2030-12-01T10:00", "abc"), ("2030-12-01T10:00", str(HUGE)),
])
def test_a_task_with_a_date_or_person_that_is_not_one_is_not_added(owner, workspace, due,
                                                                   assignee):
    post = post_create(workspace=workspace, actor=owner, body="Флет вайт")
    r = login(owner).post(f"/w/{workspace.slug}/posts/{post.pk}/tasks/", {
        "kind": "copy", "title": "Write it", "due": due, "assignee": assignee}, follow=True)
    assert r.status_code == 200
    task = Task.objects.filter(post=post).first()
    if assignee:  # an unknown person: the task is added for nobody
        assert task is not None and task.assignee is None
    else:
        assert task is None and "is not a date and time" in r.content.decode()
