"""The workers page: owners see workers, queues and claimed jobs, and only their own
workspace's failures."""

from __future__ import annotations

import pytest
from django.utils import timezone

from smmdesk.accounts.services import user_create, workspace_create
from smmdesk.channels.services import channel_connect
from smmdesk.content.services import post_create
from smmdesk.publishing.dispatcher import claim_due
from smmdesk.publishing.models import (
    Outcome,
    Publication,
    PublishAttempt,
    Status,
    WorkerHeartbeat,
)
from smmdesk.publishing.services import publication_schedule

pytestmark = pytest.mark.django_db


def failed_attempt(workspace, owner, channel, message: str) -> None:
    pub = publication_schedule(post=post_create(workspace=workspace, actor=owner, body=message),
                               channel=channel, at=None, actor=owner)
    PublishAttempt.objects.create(publication=pub, channel=channel, number=1,
                                  outcome=Outcome.PERMANENT, error_message=message,
                                  finished_at=timezone.now())
    Publication.objects.filter(pk=pub.pk).update(status=Status.FAILED, due_at=None)


def test_it_shows_workers_claimed_jobs_and_own_failures_only(
        client, workspace, owner, channel, make_post, scripted):
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="host:1:abc", hostname="host", pid=1,
                                   executor="local", started_at=now, last_seen_at=now,
                                   in_flight=2)
    failed_attempt(workspace, owner, channel, "Our own failure")
    stranger = user_create(email="s@example.com", password="x", check_password=False)
    theirs = workspace_create(name="Theirs", owner=stranger)
    their_channel = channel_connect(workspace=theirs, kind="scripted", actor=stranger,
                                    data={"id": "theirs", "name": "Theirs"})
    failed_attempt(theirs, stranger, their_channel, "Their secret failure")
    publication_schedule(post=make_post("due"), channel=channel, at=None, actor=owner)
    claim_due(worker_id="host:1:abc", limit=10)
    client.force_login(owner)
    page = client.get(f"/w/{workspace.slug}/workers/").content.decode()
    assert "host:1:abc" in page and "Our own failure" in page
    assert "Their secret failure" not in page
    assert "<td>Scripted</td><td>1</td>" in page  # the claimed job, by network


def test_it_is_for_owners(client, workspace, editor):
    client.force_login(editor)
    assert client.get(f"/w/{workspace.slug}/workers/").status_code == 403
    assert f"/w/{workspace.slug}/workers/" not in client.get(
        f"/w/{workspace.slug}/calendar/").content.decode()


def test_the_menu_links_owners_to_it(client, workspace, owner):
    client.force_login(owner)
    page = client.get(f"/w/{workspace.slug}/calendar/").content.decode()
    assert f'href="/w/{workspace.slug}/workers/"' in page


def test_without_workers_it_says_nothing_will_be_published(client, workspace, owner):
    client.force_login(owner)
    page = client.get(f"/w/{workspace.slug}/workers/").content.decode()
    assert "No worker is running" in page
