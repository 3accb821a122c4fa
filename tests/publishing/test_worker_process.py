"""A real ``smmdesk worker`` process, killed with SIGKILL mid-call: nothing is lost and
nothing is sent twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection

from bench.harness import Sink
from smmdesk.channels.services import channel_connect
from smmdesk.content.services import post_create
from smmdesk.publishing.models import Outcome, Publication, PublishAttempt, Status
from smmdesk.publishing.services import publication_schedule


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def start_worker() -> subprocess.Popen:
    env = {**os.environ, "SMMDESK_DATABASE_URL": database_url(),
           "SMMDESK_LEASE_SECONDS": "2", "SMMDESK_HEARTBEAT_SECONDS": "0.5",
           "SMMDESK_POLL_INTERVAL": "0.1", "SMMDESK_HTTP_TIMEOUT": "5"}
    return subprocess.Popen([sys.executable, "-m", "smmdesk", "worker"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)
def test_sigkill_mid_call_loses_and_duplicates_nothing(workspace, owner, allow_loopback_http):
    sink = Sink(delay=1.0)
    channel = channel_connect(workspace=workspace, kind="webhook", actor=owner,
                              data={"url": f"{sink.url}/publish",
                                    "lookup_url": f"{sink.url}/lookup"})
    pubs = [publication_schedule(post=post_create(workspace=workspace, actor=owner,
                                                  body=f"post {i}"),
                                 channel=channel, at=None, actor=owner) for i in range(12)]
    worker = start_worker()
    try:
        assert wait_for(lambda: len(sink.received) >= 1, 60), "the worker never called"
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        worker = start_worker()
        settled = wait_for(lambda: Publication.objects.filter(
            status=Status.PUBLISHED).count() == len(pubs), 60)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        sink.close()
    assert settled, list(Publication.objects.values_list("status", "error_code"))
    counts = sink.counts()
    assert sorted(counts[p.marker] for p in pubs) == [1] * len(pubs)
    assert PublishAttempt.objects.filter(outcome=Outcome.CRASHED).exists()
    assert PublishAttempt.objects.filter(kind=PublishAttempt.KIND_CHECK,
                                         outcome=Outcome.FOUND).exists()
