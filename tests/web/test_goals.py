"""The goals page: owners and managers set goals; everyone in the workspace sees their
progress, pace, forecast and status, on the page and on the dashboard."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from smmdesk.analytics.goals import goal_save
from smmdesk.analytics.models import Goal
from tests.analytics.history import connect, followers

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def today(workspace):
    return timezone.localdate(timezone.now(), workspace.tz)


@pytest.fixture
def growing(workspace, owner, today):
    """A channel that gained 10 followers a day for the last ten days (500 → 590)."""
    channel = connect(workspace, owner)
    for i in range(10):
        followers(channel, today - timedelta(days=9 - i), 500 + 10 * i)
    return channel


def test_the_owner_sets_a_goal_and_sees_its_pace(workspace, owner, growing, today):
    c = login(owner)
    response = c.post(f"/w/{workspace.slug}/goals/new/", {
        "name": "Audience of 1000", "metric": "followers", "target": "1000",
        "starts_on": (today - timedelta(days=9)).isoformat(),
        "ends_on": (today + timedelta(days=21)).isoformat(), "channels": [growing.pk]})
    assert response.status_code == 302
    goal = Goal.objects.get()
    assert (goal.name, goal.target, list(goal.channels.all())) == (
        "Audience of 1000", 1000, [growing])

    page = c.get(f"/w/{workspace.slug}/goals/").content.decode()
    assert "Audience of 1000" in page
    assert "Needs 20 a day to reach 1,000." in page  # 410 left in 21 days
    assert "At the current pace 800 by" in page
    assert 'class="badge goal-off_track">Off track' in page
    assert '<progress max="100" value="59"' in page
    assert "style=" not in page


def test_a_period_that_ends_before_it_starts_is_refused(workspace, owner, today):
    response = login(owner).post(f"/w/{workspace.slug}/goals/new/", {
        "name": "Backwards", "metric": "leads", "target": "20",
        "starts_on": today.isoformat(), "ends_on": (today - timedelta(days=1)).isoformat()})
    assert response.status_code == 200
    assert "The period ends before it starts." in response.content.decode()
    assert not Goal.objects.exists()


def test_edit_and_delete(workspace, owner, member_factory, today):
    goal = goal_save(workspace=workspace, actor=owner, name="Leads", metric="leads",
                     target=20, starts_on=today, ends_on=today + timedelta(days=30))
    manager = login(member_factory("manager"))
    url = f"/w/{workspace.slug}/goals/{goal.pk}/"
    assert 'value="Leads"' in manager.get(url).content.decode()
    manager.post(url, {"name": "30 leads", "metric": "leads", "target": "30",
                       "starts_on": today.isoformat(),
                       "ends_on": (today + timedelta(days=30)).isoformat()})
    goal.refresh_from_db()
    assert (goal.name, goal.target) == ("30 leads", 30)
    manager.post(url + "delete/")
    assert not Goal.objects.exists()


def test_a_client_sees_goals_but_may_not_change_them(workspace, owner, client_user, today):
    goal = goal_save(workspace=workspace, actor=owner, name="Sales", metric="conversions",
                     target=5, starts_on=today, ends_on=today + timedelta(days=30))
    c = login(client_user)
    page = c.get(f"/w/{workspace.slug}/goals/").content.decode()
    assert "Sales" in page and "conversions arrive with the links/conversions work" not in page
    assert f"/goals/{goal.pk}/" not in page and "goals/new/" not in page
    assert c.get(f"/w/{workspace.slug}/goals/new/").status_code == 403
    assert c.post(f"/w/{workspace.slug}/goals/{goal.pk}/delete/").status_code == 403
    assert Goal.objects.exists()


def test_the_dashboard_shows_the_goals(workspace, owner, growing, today):
    goal_save(workspace=workspace, actor=owner, name="Audience of 1000", metric="followers",
              target=1000, starts_on=today - timedelta(days=9),
              ends_on=today + timedelta(days=21))
    page = login(owner).get(f"/w/{workspace.slug}/").content.decode()
    assert 'id="dash-goals"' in page
    assert "Audience of 1000" in page and "Needs 20 a day to reach 1,000." in page


def test_no_goals_no_dashboard_block(workspace, owner):
    page = login(owner).get(f"/w/{workspace.slug}/").content.decode()
    assert 'id="dash-goals"' not in page
