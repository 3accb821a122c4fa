from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from smmdesk.channels.services import channel_connect
from smmdesk.content.services import post_create
from smmdesk.lib.errors import InvalidInput
from smmdesk.publishing.services import publication_reschedule, publication_schedule
from smmdesk.team.models import Notification
from smmdesk.team.services import comment_add, lead_days_set, task_create, task_set_done

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduled(workspace, owner):
    channel = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                              data={"name": "Kyiv"})
    post = post_create(workspace=workspace, actor=owner, body="Reel about the roastery")
    at = datetime(2030, 5, 20, 18, 0, tzinfo=workspace.tz)
    pub = publication_schedule(post=post, channel=channel, at=at, actor=owner)
    return post, pub, at


def test_deadlines_count_back_from_the_publish_date(workspace, owner, editor, scheduled):
    post, pub, at = scheduled
    video = task_create(workspace=workspace, actor=owner, kind="video", post=post,
                        assignee=editor)
    copy = task_create(workspace=workspace, actor=owner, kind="copy", post=post)
    assert video.due_at == at - timedelta(days=7) and copy.due_at == at - timedelta(days=5)
    assert Notification.objects.filter(user=editor, text__contains="Video").exists()


def test_deadlines_follow_a_reschedule_unless_set_by_hand(workspace, owner, scheduled):
    post, pub, at = scheduled
    auto = task_create(workspace=workspace, actor=owner, kind="design", post=post)
    manual_due = at - timedelta(days=10)
    manual = task_create(workspace=workspace, actor=owner, kind="copy", post=post,
                         due_at=manual_due)
    publication_reschedule(publication=pub, at=at + timedelta(days=2), actor=owner)
    auto.refresh_from_db()
    manual.refresh_from_db()
    assert auto.due_at == at + timedelta(days=2) - timedelta(days=3)
    assert manual.due_at == manual_due


def test_lead_times_are_configurable(workspace, owner, scheduled):
    post, pub, at = scheduled
    task = task_create(workspace=workspace, actor=owner, kind="design", post=post)
    lead_days_set(workspace=workspace, days={"design": 10})
    task.refresh_from_db()
    assert task.due_at == at - timedelta(days=10)
    with pytest.raises(InvalidInput):
        lead_days_set(workspace=workspace, days={"design": 400})


def test_an_outsider_cannot_be_assigned(workspace, owner, outsider, scheduled):
    post, _pub, _at = scheduled
    with pytest.raises(InvalidInput, match="not a member"):
        task_create(workspace=workspace, actor=owner, kind="copy", post=post, assignee=outsider)


def test_overdue_and_done(workspace, owner):
    task = task_create(workspace=workspace, actor=owner, kind="other", title="Brief",
                       due_at=timezone.now() - timedelta(hours=1))
    assert task.is_overdue
    task_set_done(task=task, actor=owner)
    assert not task.is_overdue


def test_mentions_notify_members_only(workspace, owner, editor, outsider, scheduled):
    post, _pub, _at = scheduled
    comment = comment_add(post=post, author=owner,
                          text="@editor glance at the hook? cc @mallory @nobody")
    assert list(comment.mentions.all()) == [editor]
    assert Notification.objects.filter(user=editor, text__contains="mentioned you").exists()
    assert not Notification.objects.filter(user=outsider).exists()
    with pytest.raises(InvalidInput):
        comment_add(post=post, author=owner, text="   ")
