from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from smmdesk.publishing.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def beat(age_s: float, **kw):
    now = timezone.now()
    return WorkerHeartbeat.objects.create(worker_id=kw.get("worker_id", "w1"), hostname="h",
                                          pid=1, executor="local", started_at=now,
                                          last_seen_at=now - timedelta(seconds=age_s))


def test_it_reports_a_live_worker(client):
    beat(2)
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["worker"]["alive"] is True
    assert body["worker"]["workers"] == 1 and body["overdue_publications"] == 0


def test_it_is_degraded_without_a_live_worker(client):
    beat(600)
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json()["worker"]["alive"] is False and r.json()["worker"]["age_s"] >= 600


def test_it_counts_overdue_publications(client, workspace, owner):
    from smmdesk.channels.services import channel_connect
    from smmdesk.content.services import post_create
    from smmdesk.publishing.models import Publication
    from smmdesk.publishing.services import publication_schedule

    beat(1)
    channel = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                              data={"name": "S"})
    pub = publication_schedule(post=post_create(workspace=workspace, actor=owner, body="x"),
                               channel=channel, at=None, actor=owner)
    assert client.get("/healthz").json()["overdue_publications"] == 0
    Publication.objects.filter(pk=pub.pk).update(due_at=timezone.now() - timedelta(minutes=5))
    assert client.get("/healthz").json()["overdue_publications"] == 1
