"""Stopping a worker: running jobs keep their lease until they end (or are abandoned on
purpose); jobs that had not started go back to the queue at once."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from smmdesk.connectors.base import PublishResult
from smmdesk.publishing.dispatcher import recover_expired
from smmdesk.publishing.executors import LocalExecutor
from smmdesk.publishing.models import Publication, Status
from smmdesk.publishing.services import publication_schedule
from smmdesk.publishing.worker import Worker
from tests.fakes import ScriptedConnector

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def short_leases(settings):
    settings.SMMDESK_LEASE_SECONDS = 1
    settings.SMMDESK_HEARTBEAT_SECONDS = 0.2


@pytest.fixture
def slow_network(monkeypatch):
    """Each publish waits until the test lets it answer."""
    started, answer = threading.Event(), threading.Event()

    def publish(self, req):
        started.set()
        answer.wait(20)
        return PublishResult(f"ext-{req.marker[:6]}")

    monkeypatch.setattr(ScriptedConnector, "publish", publish)
    yield started, answer
    answer.set()


def start(worker: Worker) -> threading.Thread:
    def run():
        try:
            worker.run(background=False)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def schedule(make_post, channel, owner, n: int) -> list[Publication]:
    return [publication_schedule(post=make_post(f"post {i}"), channel=channel, at=None,
                                 actor=owner) for i in range(n)]


def status(pub) -> str:
    return Publication.objects.get(pk=pub.pk).status


def test_a_stopping_worker_keeps_the_lease_until_the_job_ends(
        make_post, channel, owner, scripted, short_leases, slow_network):
    started, answer = slow_network
    [pub] = schedule(make_post, channel, owner, 1)
    worker = Worker(executor=LocalExecutor(worker_id="w", threads=1), worker_id="w",
                    poll_interval=0.05)
    thread = start(worker)
    assert started.wait(10)
    worker.stop()
    time.sleep(2.5)  # more than two leases while the network has not answered
    assert recover_expired() == (0, 0)
    assert Publication.objects.get(pk=pub.pk).lease_expires_at > timezone.now()
    assert thread.is_alive()
    answer.set()
    thread.join(10)
    assert not thread.is_alive() and status(pub) == Status.PUBLISHED


def test_jobs_not_started_go_back_and_abandoning_leaves_the_rest_to_recovery(
        make_post, channel, owner, scripted, short_leases, slow_network):
    started, answer = slow_network
    pubs = schedule(make_post, channel, owner, 3)
    worker = Worker(executor=LocalExecutor(worker_id="w", threads=1), worker_id="w",
                    poll_interval=0.05)
    thread = start(worker)
    assert started.wait(10)
    worker.stop()
    time.sleep(0.5)
    states = sorted(status(p) for p in pubs)
    assert states == [Status.PUBLISHING, Status.SCHEDULED, Status.SCHEDULED]
    worker.abandon()
    thread.join(5)
    assert not thread.is_alive()  # the call is still under way: recovery will check it
    time.sleep(1.2)
    assert recover_expired() == (0, 1)
    # Let the abandoned call end before the test's tables are emptied: its late write
    # would otherwise race the flush (a deadlock on PostgreSQL).
    answer.set()
    assert worker.executor.wait_idle(10)
