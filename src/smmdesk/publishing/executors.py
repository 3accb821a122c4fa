"""Where claimed jobs run. The dispatcher only needs ``capacity`` and ``submit``.

``local`` is a thread pool inside ``smmdesk worker`` (the default). ``celery`` sends each
job to a broker (Redis or RabbitMQ), one queue per network, for Celery workers on any
number of machines (``celery_app.py``, docs/SCALING.md).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections, connection
from django.utils.module_loading import import_string

from smmdesk.publishing.dispatcher import Job, extend_leases, outstanding_by_kind, release_claim
from smmdesk.publishing.engine import run_job

log = logging.getLogger("smmdesk.worker")

EXECUTORS = {
    "local": "smmdesk.publishing.executors.LocalExecutor",
    "celery": "smmdesk.publishing.executors.CeleryExecutor",
}


class Executor:
    name = ""

    def __init__(self, *, worker_id: str, on_free: Callable[[], None] = lambda: None):
        self.worker_id = worker_id
        self.on_free = on_free  # called when the executor can take more work

    def capacity(self) -> int:
        """How many more jobs it takes right now."""
        raise NotImplementedError

    def in_flight(self) -> int:
        raise NotImplementedError

    def submit(self, job: Job) -> None:
        raise NotImplementedError

    def submit_all(self, jobs: list[Job]) -> None:
        for job in jobs:
            self.submit(job)

    # Whether its jobs come with their rows loaded (a remote executor's tasks load them).
    loads_rows = True
    lookahead = 0.0  # seconds ahead of due time that jobs are claimed (see claim_due)

    def busy_kinds(self) -> list[str]:
        """Networks that take no more jobs for now (their queue is full)."""
        return []

    def keep_leases(self, *, now: datetime) -> None:
        """Extend the leases of the jobs this process runs (called with each heartbeat)."""

    def stop_taking(self) -> None:
        """Shutting down: give back the jobs that have not started."""

    def wait_idle(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for this process's running jobs; True when none is left."""
        return True

    def shutdown(self, *, timeout: float) -> None:
        raise NotImplementedError


class LocalExecutor(Executor):
    name = "local"

    def __init__(self, *, worker_id: str, on_free: Callable[[], None] = lambda: None,
                 threads: int | None = None):
        super().__init__(worker_id=worker_id, on_free=on_free)
        self.threads = threads or settings.SMMDESK_WORKER_THREADS
        # Claim a little ahead so threads never wait for the next poll; claimed rows
        # keep their lease through heartbeats while they wait in the queue.
        self.depth = self.threads * 2
        self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="publish")
        self._lock = threading.Lock()
        self._running = 0
        self._idle = threading.Event()
        self._idle.set()
        self._waiting: dict[Future, Job] = {}  # submitted, until they end

    def capacity(self) -> int:
        with self._lock:
            return self.depth - self._running

    def in_flight(self) -> int:
        with self._lock:
            return self._running

    def submit(self, job: Job) -> None:
        with self._lock:
            self._running += 1
            self._idle.clear()
            future = self._pool.submit(self._run, job)
            self._waiting[future] = job
        future.add_done_callback(self._forget)

    def _forget(self, future: Future) -> None:
        with self._lock:
            self._waiting.pop(future, None)

    def _run(self, job: Job) -> None:
        close_old_connections()
        try:
            run_job(job, worker_id=self.worker_id)
        except Exception:
            log.exception("job %s failed", job)
        finally:
            if connection.vendor != "sqlite":
                close_old_connections()
            self._done()

    def _done(self) -> None:
        with self._lock:
            self._running -= 1
            free = self._running <= self.threads
            if not self._running:
                self._idle.set()
        if free:
            self.on_free()

    def keep_leases(self, *, now: datetime) -> None:
        extend_leases(worker_id=self.worker_id, now=now)

    def stop_taking(self) -> None:
        """Jobs still waiting for a thread go back to the queue at once: nothing was sent."""
        with self._lock:
            waiting = list(self._waiting.items())
        for future, job in waiting:
            if future.cancel():
                release_claim(job)
                self._done()

    def wait_idle(self, timeout: float) -> bool:
        return self._idle.wait(timeout)

    def shutdown(self, *, timeout: float) -> None:
        """Wait up to ``timeout`` s for running jobs; unfinished ones are recovered by
        lease expiry on the next start (never resent blindly)."""
        self.stop_taking()
        self._idle.wait(timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)


class CeleryExecutor(Executor):
    """Sends each claimed job to the broker, on its network's queue; Celery workers run it
    (``tasks.run_publication_jobs``), taking the claims over and keeping their leases
    alive. The jobs of one claim and one network go in tasks of up to ``batch`` jobs,
    which run side by side in the worker: one message and one load for several posts.

    The dispatcher keeps no lease for what it sent: a job that waits in a queue longer
    than the lease (a broker that lost it in a restart) is taken back and claimed again,
    and the old message, if it ever comes, finds its claim gone and does nothing."""

    name = "celery"
    loads_rows = False

    def __init__(self, *, worker_id: str, on_free: Callable[[], None] = lambda: None,
                 app=None, depth: int | None = None, batch: int | None = None,
                 threads: int | None = None):
        super().__init__(worker_id=worker_id, on_free=on_free)
        if app is None:
            if not settings.SMMDESK_BROKER_URL:
                raise ImproperlyConfigured(
                    "SMMDESK_EXECUTOR=celery needs SMMDESK_BROKER_URL (redis://host:6379/0 or "
                    "amqp://user:password@host:5672//); see docs/SCALING.md")
            from smmdesk.publishing.celery_app import app
        self.app = app
        self.depth = depth or settings.SMMDESK_CELERY_QUEUE_DEPTH
        self.batch = batch or settings.SMMDESK_CELERY_BATCH
        self.lookahead = settings.SMMDESK_CELERY_LOOKAHEAD
        self._outstanding: dict[str, int] = {}
        self._counted_at = float("-inf")
        self._broker_down_until = 0.0

    def _counts(self) -> dict[str, int]:
        now = time.monotonic()
        if now - self._counted_at > 0.05:  # once per dispatcher pass, not per question
            self._outstanding = outstanding_by_kind()
            self._counted_at = now
        return self._outstanding

    def capacity(self) -> int:
        return 0 if time.monotonic() < self._broker_down_until else self.depth

    def busy_kinds(self) -> list[str]:
        return [kind for kind, n in self._counts().items() if n >= self.depth]

    def in_flight(self) -> int:
        return 0  # nothing runs in this process (the workers page counts the queues)

    def submit(self, job: Job) -> None:
        self.submit_all([job])

    def submit_all(self, jobs: list[Job]) -> None:
        groups: dict[tuple[str, str, str], list[Job]] = defaultdict(list)
        for job in jobs:
            network = job.network or job.publication.channel.kind
            groups[(job.kind, job.token, network)].append(job)
        for (kind, token, network), group in groups.items():
            for start in range(0, len(group), self.batch):
                self._send(kind, token, network, group[start:start + self.batch])

    def _send(self, kind: str, token: str, network: str, jobs: list[Job]) -> None:
        from smmdesk.publishing.celery_app import TASK_NAME, queue_name

        if time.monotonic() >= self._broker_down_until:
            try:
                self.app.send_task(TASK_NAME, queue=queue_name(network), args=(
                    kind, [j.publication_id for j in jobs], token))
                self._outstanding[network] = self._outstanding.get(network, 0) + len(jobs)
                return
            except Exception as exc:  # kombu's and the socket's errors: the broker is away
                log.warning("the broker did not take %d jobs (%s); they go back to the "
                            "queue", len(jobs), exc)
                self._broker_down_until = time.monotonic() + 2.0
        for job in jobs:
            release_claim(job)

    def shutdown(self, *, timeout: float) -> None:
        """Sent jobs belong to the Celery workers now; nothing runs here."""


def make_executor(name: str, *, worker_id: str, on_free: Callable[[], None] = lambda: None,
                  **options) -> Executor:
    try:
        path = EXECUTORS[name]
    except KeyError:
        raise ValueError(f"SMMDESK_EXECUTOR={name!r} is not known; "
                         f"choose one of: {', '.join(EXECUTORS)}") from None
    return import_string(path)(worker_id=worker_id, on_free=on_free, **options)
