"""The Celery executor against a real broker: Redis on 127.0.0.1:6379 (CI starts it; a
run without CI skips these tests when it is down) and RabbitMQ when one is reachable."""

from __future__ import annotations

import os
import socket
import time
import uuid
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from celery.contrib.testing.worker import start_worker

from smmdesk.publishing.celery_app import make_app, queue_name
from smmdesk.publishing.executors import CeleryExecutor
from smmdesk.publishing.models import Publication, PublishAttempt, Status
from smmdesk.publishing.monitor import queue_lengths
from smmdesk.publishing.services import publication_schedule
from smmdesk.publishing.tasks import pool_close
from smmdesk.publishing.worker import Worker

REDIS_URL = os.environ.get("SMMDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RABBITMQ_URL = os.environ.get("SMMDESK_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")

pytestmark = pytest.mark.django_db(transaction=True)


def reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=1).close()
        return True
    except OSError:
        return False


def broker_or_skip(url: str, *, name: str, start: str) -> str:
    if not reachable(url):
        if os.environ.get("CI"):
            pytest.fail(f"{name} must run in CI ({url}); .ci/run starts it")
        pytest.skip(f"{name} is not reachable at {url}: start it with `{start}` to run these")
    return url


def redis_or_skip() -> str:
    return broker_or_skip(REDIS_URL, name="Redis", start="redis-server --daemonize yes "
                          "--bind 127.0.0.1 --port 6379 --save ''")


@pytest.fixture
def broker(settings, monkeypatch):
    """A Celery app on the real broker with queues of this test's own (so that runs at
    the same time never take each other's jobs), deleted afterwards."""
    settings.SMMDESK_CELERY_QUEUE_PREFIX = f"test-{uuid.uuid4().hex[:8]}.publish"
    monkeypatch.setenv("CELERY_SKIP_CHECKS", "1")  # Django's checks have tests of their own
    apps = []

    def make(url: str):
        app = make_app(url)
        apps.append(app)
        return app

    yield make
    pool_close()
    for app in apps:
        with app.connection_for_write() as conn:
            for kind in ("scripted", "other"):  # the kinds these tests send to
                try:
                    conn.default_channel.queue_delete(queue_name(kind))
                except Exception:  # never declared on this broker
                    pass


@contextmanager
def celery_worker(app):
    """A real Celery worker, in a thread of this process, on the scripted network's queue."""
    with start_worker(app, pool="solo", perform_ping_check=False,
                      queues=[queue_name("scripted")], shutdown_timeout=5) as worker:
        # Its event loop sleeps until the next timer (minutes on AMQP) before it sees
        # the stop flag: a short timer keeps the end of each test quick.
        worker.hub.call_repeatedly(0.2, lambda: None)
        yield worker


def wait_for(predicate, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def publish_through(app, pubs, scripted) -> None:
    dispatcher = Worker(executor=CeleryExecutor(worker_id="dispatcher", app=app),
                        worker_id="dispatcher")
    with celery_worker(app):
        assert dispatcher.tick() == len(pubs)
        assert wait_for(lambda: Publication.objects.filter(
            status=Status.PUBLISHED).count() == len(pubs)), \
            list(Publication.objects.values_list("status", "claimed_by"))
    assert sorted(r.marker for r in scripted.published) == sorted(p.marker for p in pubs)
    workers = set(PublishAttempt.objects.values_list("worker_id", flat=True))
    assert len(workers) == 1 and workers.pop().startswith("celery:")


@pytest.fixture
def pubs(make_post, channel, owner):
    return [publication_schedule(post=make_post(f"post {i}"), channel=channel, at=None,
                                 actor=owner) for i in range(3)]


def test_celery_on_redis_publishes_each_post_once(broker, pubs, scripted):
    publish_through(broker(redis_or_skip()), pubs, scripted)


def test_celery_on_rabbitmq_publishes_each_post_once(broker, pubs, scripted):
    url = broker_or_skip(RABBITMQ_URL, name="RabbitMQ", start="rabbitmq-server -detached")
    publish_through(broker(url), pubs, scripted)


def test_a_job_sent_twice_is_published_once(broker, pubs, scripted):
    app = broker(redis_or_skip())
    executor = CeleryExecutor(worker_id="dispatcher", app=app)
    dispatcher = Worker(executor=executor, worker_id="dispatcher")
    jobs = []
    executor.submit_all = jobs.extend  # keep the claimed jobs to send each of them twice
    dispatcher.tick()
    del executor.submit_all
    with celery_worker(app):
        executor.submit_all(jobs)
        for job in jobs:
            executor.submit(job)
        assert wait_for(lambda: queue_lengths(app=app).get("scripted") == 0
                        and Publication.objects.filter(status=Status.PUBLISHED).count() == 3)
        time.sleep(0.3)  # the second copies ran too, and did nothing
    assert len(scripted.published) == 3


def test_each_network_has_its_queue_and_a_full_one_waits_alone(
        broker, make_post, channel, owner, scripted, workspace, monkeypatch):
    from smmdesk.channels.services import channel_connect
    from smmdesk.connectors import registry

    monkeypatch.setitem(registry.CONNECTORS, "other", ("tests.fakes.ScriptedConnector",
                                                       "Other"))
    app = broker(redis_or_skip())
    other = channel_connect(workspace=workspace, kind="other", actor=owner,
                            data={"id": "other", "name": "Other"})
    first = [publication_schedule(post=make_post(f"a{i}"), channel=channel, at=None,
                                  actor=owner) for i in range(3)]
    dispatcher = Worker(executor=CeleryExecutor(worker_id="d", app=app, depth=2),
                        worker_id="d")
    assert dispatcher.tick() == 2  # a batch is at most the depth
    late = publication_schedule(post=make_post("b"), channel=other, at=None, actor=owner)
    assert dispatcher.tick() == 1  # the full network waits; the other one goes
    lengths = queue_lengths(app=app)  # tasks; one task holds the jobs of one claim
    assert lengths["scripted"] == 1 and lengths["other"] == 1
    states = {p.pk: p.status for p in Publication.objects.all()}
    assert sorted(states[p.pk] for p in first) == [Status.PUBLISHING] * 2 + [Status.SCHEDULED]
    assert states[late.pk] == Status.PUBLISHING


def test_a_broker_that_is_down_gives_the_claims_back(broker, pubs):
    app = make_app("redis://127.0.0.1:1/0")  # nothing listens there
    executor = CeleryExecutor(worker_id="d", app=app)
    dispatcher = Worker(executor=executor, worker_id="d")
    dispatcher.tick()
    assert set(Publication.objects.values_list("status", "claim_token")) == {
        (Status.SCHEDULED, "")}
    assert executor.capacity() == 0  # it waits a moment before it claims again
