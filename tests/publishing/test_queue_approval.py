""""Add to queue" for a post that needs approval takes the first slot the approval
chain can meet: not sooner than the approval lead time from now."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone

from smmdesk.accounts.models import ApprovalMode
from smmdesk.channels.services import channel_connect
from smmdesk.content.models import ApprovalState
from smmdesk.content.services import post_create
from smmdesk.publishing.queue import post_add_to_queue, slot_add
from smmdesk.team.services import approval_mode_set, lead_days_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(workspace, owner):
    channel = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                              data={"name": "Kyiv"})
    for weekday in range(7):  # every day at 06:00 and 21:00
        slot_add(channel=channel, weekday=weekday, at=time(6, 0))
        slot_add(channel=channel, weekday=weekday, at=time(21, 0))
    return channel


def _queue(workspace, owner, channel):
    post = post_create(workspace=workspace, actor=owner, body="Нова партія")
    return post, post_add_to_queue(post=post, channels=[channel], actor=owner)[0]


def test_a_post_that_needs_approval_is_queued_after_the_lead_time(workspace, owner,
                                                                 channel):
    approval_mode_set(workspace=workspace, mode=ApprovalMode.INTERNAL)
    lead_days_set(workspace=workspace, days={"approval": 3})
    before = timezone.now()
    _post, pub = _queue(workspace, owner, channel)
    assert pub.scheduled_at >= before + timedelta(days=3)
    assert pub.scheduled_at < before + timedelta(days=3, hours=16)  # the first such slot


def test_without_approvals_or_once_approved_it_takes_the_next_slot(workspace, owner,
                                                                  channel):
    _post, first = _queue(workspace, owner, channel)
    assert first.scheduled_at < timezone.now() + timedelta(hours=16)  # slots 15 h apart at most

    approval_mode_set(workspace=workspace, mode=ApprovalMode.INTERNAL)
    lead_days_set(workspace=workspace, days={"approval": 3})
    post = post_create(workspace=workspace, actor=owner, body="Вже погоджено")
    post.approval = ApprovalState.APPROVED
    post.save(update_fields=["approval"])
    pub = post_add_to_queue(post=post, channels=[channel], actor=owner)[0]
    # The slot after the first post's, not one 3 days on (whatever the time of day).
    assert first.scheduled_at < pub.scheduled_at < first.scheduled_at + timedelta(hours=16)
