"""Scheduling a post that needs approval sends it for approval at the same time, and
every missing field is named at once (issue 10, "Says what it did")."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from smmdesk.accounts.models import ApprovalMode
from smmdesk.channels.services import channel_connect
from smmdesk.content.compose import ComposeInput, VariantInput, post_compose
from smmdesk.content.models import ApprovalState, Post
from smmdesk.lib.errors import InvalidInput
from smmdesk.publishing.models import Status
from smmdesk.publishing.queue import slot_add
from smmdesk.publishing.selectors import (
    approval_risk,
    at_risk_publications,
    post_approval_due,
)
from smmdesk.team.models import ApprovalAction
from smmdesk.team.services import approval_approve, approval_mode_set, lead_days_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def kyiv(workspace, owner):
    return channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                           data={"name": "Kyiv"})


@pytest.fixture
def approvals(workspace):
    approval_mode_set(workspace=workspace, mode=ApprovalMode.INTERNAL)
    lead_days_set(workspace=workspace, days={"approval": 2})
    return workspace


def _at(days: int, hour: int = 9, tz=None) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return datetime.combine(day, time(hour, 0), tzinfo=tz)


def compose(workspace, owner, channel, action, at=None) -> Post:
    return post_compose(workspace=workspace, actor=owner, data=ComposeInput(
        body="Зимовий бленд", action=action, at=at, variants=[VariantInput(channel=channel)]))


@pytest.mark.parametrize("action", ["schedule", "queue"])
def test_scheduling_a_post_that_needs_approval_sends_it_for_approval(
        approvals, owner, kyiv, action):
    for weekday in range(7):
        slot_add(channel=kyiv, weekday=weekday, at=time(18, 0))
    post = compose(approvals, owner, kyiv, action, at=_at(5, tz=approvals.tz))
    assert post.approval == ApprovalState.PENDING_TEAM
    assert [e.action for e in post.approval_events.all()] == [ApprovalAction.SUBMITTED]
    pub = post.publications.get()
    assert pub.status == Status.PENDING_APPROVAL
    assert post_approval_due(post=post) == pub.scheduled_at - timedelta(days=2)


def test_once_approved_it_is_scheduled(approvals, owner, kyiv, member_factory):
    post = compose(approvals, owner, kyiv, "schedule", at=_at(5, tz=approvals.tz))
    approval_approve(post=post, membership=approvals.memberships.get(user=owner))
    assert post.publications.get().status == Status.SCHEDULED


def test_without_approvals_scheduling_sends_nothing(workspace, owner, kyiv):
    post = compose(workspace, owner, kyiv, "schedule", at=_at(5, tz=workspace.tz))
    assert post.approval == ApprovalState.DRAFT and not post.approval_events.exists()
    assert post.publications.get().status == Status.SCHEDULED


def test_publish_now_with_approval_goes_for_approval_and_waits_without_a_time(
        approvals, owner, kyiv):
    post = compose(approvals, owner, kyiv, "now")
    assert post.approval == ApprovalState.PENDING_TEAM
    pub = post.publications.get()
    assert (pub.status, pub.scheduled_at) == (Status.DRAFT, None)


def test_every_missing_field_is_named_at_once(workspace, owner):
    with pytest.raises(InvalidInput) as exc:
        post_compose(workspace=workspace, actor=owner,
                     data=ComposeInput(body="x", action="schedule"))
    assert exc.value.code == "missing_fields"
    assert "Choose at least one channel." in exc.value.message
    assert "Choose the day (and time) to publish." in exc.value.message
    assert [f["field"] for f in exc.value.details["fields"]] == ["variants", "publish_at"]
    assert not Post.objects.exists()


def test_one_missing_field_keeps_its_own_code(workspace, owner, kyiv):
    with pytest.raises(InvalidInput) as exc:
        compose(workspace, owner, kyiv, "schedule")
    assert exc.value.code == "time_required"


def test_at_risk_are_the_pending_publications_past_their_approval_deadline(
        approvals, owner, kyiv):
    soon = compose(approvals, owner, kyiv, "schedule", at=timezone.now() + timedelta(days=1))
    later = compose(approvals, owner, kyiv, "schedule", at=_at(9, tz=approvals.tz))
    assert [p.post_id for p in at_risk_publications(workspace=approvals)] == [soon.pk]
    pub = soon.publications.get()
    assert approval_risk(workspace=approvals, status=pub.status,
                         at=pub.scheduled_at)["kind"] == "overdue"
    assert approval_risk(workspace=approvals, status=pub.status, at=pub.scheduled_at,
                         now=pub.scheduled_at + timedelta(minutes=1))["kind"] == "late"
    other = later.publications.get()
    assert approval_risk(workspace=approvals, status=other.status,
                         at=other.scheduled_at)["kind"] == "pending"
