"""Approvals: the flow by mode, the client link, nothing unapproved is published."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from smmdesk.accounts.models import ApprovalMode, Membership
from smmdesk.channels.services import channel_connect
from smmdesk.content.models import ApprovalState
from smmdesk.content.services import post_create
from smmdesk.lib.errors import Conflict, Forbidden, InvalidInput
from smmdesk.publishing.dispatcher import claim_due
from smmdesk.publishing.models import Status
from smmdesk.publishing.services import publication_schedule
from smmdesk.team.models import ApprovalAction, Notification
from smmdesk.team.services import (
    approval_approve,
    approval_mode_set,
    approval_submit,
    client_approve,
    client_link_open,
    client_link_token,
    client_return,
    post_edit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(workspace, owner, editor):
    channel = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                              data={"name": "Kyiv"})
    post = post_create(workspace=workspace, actor=editor, body="Зимовий бленд")
    return channel, post


def member(user, workspace):
    return Membership.objects.get(user=user, workspace=workspace)


def soon(hours=2):
    return timezone.now() + timedelta(hours=hours)


def test_without_approval_a_post_is_scheduled_at_once(setup, editor):
    channel, post = setup
    pub = publication_schedule(post=post, channel=channel, at=soon(), actor=editor)
    assert pub.status == Status.SCHEDULED


def test_an_unapproved_post_waits_and_is_never_claimed(setup, workspace, editor):
    approval_mode_set(workspace=workspace, mode=ApprovalMode.INTERNAL)
    channel, post = setup
    pub = publication_schedule(post=post, channel=channel, at=None, actor=editor)
    assert pub.status == Status.PENDING_APPROVAL and pub.due_at is None
    assert claim_due(worker_id="w", limit=10, now=soon(48)) == []


def test_the_internal_flow_releases_on_approval(setup, workspace, owner, editor, run_outbox):
    approval_mode_set(workspace=workspace, mode=ApprovalMode.INTERNAL)
    channel, post = setup
    pub = publication_schedule(post=post, channel=channel, at=soon(), actor=editor)
    approval_submit(post=post, actor=editor)
    assert post.approval == ApprovalState.PENDING_TEAM
    assert Notification.objects.filter(user=owner, text__contains="approve").exists()
    assert mail.outbox == []  # queued, sent by a worker after commit
    run_outbox()
    assert mail.outbox and owner.email in mail.outbox[0].to
    with pytest.raises(Forbidden):
        approval_approve(post=post, membership=member(editor, workspace))
    approval_approve(post=post, membership=member(owner, workspace), comment="Good")
    pub.refresh_from_db()
    assert post.approval == ApprovalState.APPROVED and pub.status == Status.SCHEDULED
    assert pub.due_at == pub.scheduled_at
    assert [e.action for e in post.approval_events.all()] == [ApprovalAction.SUBMITTED,
                                                              ApprovalAction.APPROVED]


def test_the_client_approves_through_the_signed_link(setup, workspace, owner, editor):
    approval_mode_set(workspace=workspace, mode=ApprovalMode.INTERNAL_CLIENT)
    channel, post = setup
    at = soon(24 * 3)
    pub = publication_schedule(post=post, channel=channel, at=at, actor=editor)
    approval_submit(post=post, actor=editor)
    approval_approve(post=post, membership=member(owner, workspace))
    assert post.approval == ApprovalState.PENDING_CLIENT
    pub.refresh_from_db()
    assert pub.status == Status.PENDING_APPROVAL
    token = client_link_token(workspace=workspace, month=at.strftime("%Y-%m"))
    assert client_link_open(token) == (workspace, at.strftime("%Y-%m"))
    assert client_approve(token=token, post_ids=None, name="Iryna") == 1
    post.refresh_from_db()
    pub.refresh_from_db()
    assert post.approval == ApprovalState.APPROVED and pub.status == Status.SCHEDULED
    assert post.approval_events.last().actor_label.startswith("Client: Iryna")


def test_a_client_can_approve_a_whole_month(workspace, owner, editor):
    approval_mode_set(workspace=workspace, mode=ApprovalMode.INTERNAL_CLIENT)
    channel = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                              data={"name": "Kyiv"})
    at = soon(24 * 3)
    posts = []
    for i in range(3):
        post = post_create(workspace=workspace, actor=editor, body=f"post {i}")
        publication_schedule(post=post, channel=channel, at=at + timedelta(hours=i),
                             actor=editor)
        approval_submit(post=post, actor=editor)
        approval_approve(post=post, membership=member(owner, workspace))
        posts.append(post)
    token = client_link_token(workspace=workspace, month=at.strftime("%Y-%m"))
    with pytest.raises(InvalidInput, match="Write your name"):
        client_approve(token=token, post_ids=None, name="  ")
    assert client_approve(token=token, post_ids=None, name="Olena") == 3
    assert {p.approval for p in type(posts[0]).objects.filter(pk__in=[p.pk for p in posts])} \
        == {ApprovalState.APPROVED}


def test_a_tampered_or_foreign_link_is_refused(setup, workspace, outsider):
    token = client_link_token(workspace=workspace, month="2026-12")
    with pytest.raises(Forbidden, match="not valid"):
        client_link_open(token[:-2] + "xx")
    with pytest.raises(InvalidInput):
        client_link_token(workspace=workspace, month="December")


def test_the_client_returns_with_a_comment(setup, workspace, owner, editor):
    approval_mode_set(workspace=workspace, mode=ApprovalMode.INTERNAL_CLIENT)
    channel, post = setup
    at = soon(24 * 3)
    publication_schedule(post=post, channel=channel, at=at, actor=editor)
    approval_submit(post=post, actor=editor)
    approval_approve(post=post, membership=member(owner, workspace))
    token = client_link_token(workspace=workspace, month=at.strftime("%Y-%m"))
    with pytest.raises(InvalidInput, match="Say what should change"):
        client_return(token=token, post_id=post.pk, comment=" ", name="Iryna")
    with pytest.raises(InvalidInput, match="Write your name"):
        client_return(token=token, post_id=post.pk, comment="Без сленга")
    client_return(token=token, post_id=post.pk, comment="Пожалуйста, без сленга", name="Iryna")
    post.refresh_from_db()
    assert post.approval == ApprovalState.RETURNED
    assert Notification.objects.filter(user=editor, text__contains="без сленга").exists()


def test_editing_an_approved_post_needs_approval_again(setup, workspace, owner, editor):
    approval_mode_set(workspace=workspace, mode=ApprovalMode.INTERNAL)
    channel, post = setup
    pub = publication_schedule(post=post, channel=channel, at=soon(), actor=editor)
    approval_submit(post=post, actor=editor)
    approval_approve(post=post, membership=member(owner, workspace))
    post_edit(post=post, actor=editor, title="only the internal title")
    post.refresh_from_db()
    assert post.approval == ApprovalState.APPROVED  # the words did not change
    post_edit(post=post, actor=editor, body="Other words")
    post.refresh_from_db()
    pub.refresh_from_db()
    assert post.approval == ApprovalState.DRAFT
    assert pub.status == Status.PENDING_APPROVAL
    assert post.approval_events.last().action == ApprovalAction.RESET


def test_a_time_that_passed_while_waiting_is_not_published_late(setup, workspace, owner,
                                                                editor):
    from smmdesk.publishing.models import Publication

    approval_mode_set(workspace=workspace, mode=ApprovalMode.INTERNAL)
    channel, post = setup
    pub = publication_schedule(post=post, channel=channel, at=soon(), actor=editor)
    Publication.objects.filter(pk=pub.pk).update(scheduled_at=timezone.now()
                                                 - timedelta(hours=1))
    approval_submit(post=post, actor=editor)
    approval_approve(post=post, membership=member(owner, workspace))
    pub.refresh_from_db()
    assert pub.status == Status.PENDING_APPROVAL and pub.needs_attention
    assert "Choose a new time" in pub.error_message


def test_submitting_twice_or_without_approvals_is_refused(setup, workspace, editor):
    channel, post = setup
    with pytest.raises(Conflict, match="without approval"):
        approval_submit(post=post, actor=editor)
    approval_mode_set(workspace=workspace, mode=ApprovalMode.INTERNAL)
    approval_submit(post=post, actor=editor)
    with pytest.raises(Conflict, match="already waiting"):
        approval_submit(post=post, actor=editor)
