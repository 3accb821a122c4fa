"""Where claimed jobs run. The dispatcher only needs ``capacity`` and ``submit``.

``local`` is a thread pool inside ``smmdesk worker`` (the default). A distributed
executor (Celery on Redis or RabbitMQ) plugs in here with the same two methods.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils.module_loading import import_string

from smmdesk.publishing.dispatcher import Job
from smmdesk.publishing.engine import run_job

log = logging.getLogger("smmdesk.worker")

EXECUTORS = {
    "local": "smmdesk.publishing.executors.LocalExecutor",
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
        self._pool.submit(self._run, job)

    def _run(self, job: Job) -> None:
        close_old_connections()
        try:
            run_job(job, worker_id=self.worker_id)
        except Exception:
            log.exception("job %s failed", job)
        finally:
            if connection.vendor != "sqlite":
                close_old_connections()
            with self._lock:
                self._running -= 1
                free = self._running <= self.threads
                if not self._running:
                    self._idle.set()
            if free:
                self.on_free()

    def shutdown(self, *, timeout: float) -> None:
        """Wait up to ``timeout`` s for running jobs; unfinished ones are recovered by
        lease expiry on the next start (never resent blindly)."""
        self._idle.wait(timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)


def make_executor(name: str, *, worker_id: str, on_free: Callable[[], None] = lambda: None,
                  **options) -> Executor:
    try:
        path = EXECUTORS[name]
    except KeyError:
        raise ValueError(f"SMMDESK_EXECUTOR={name!r} is not known; "
                         f"choose one of: {', '.join(EXECUTORS)}") from None
    return import_string(path)(worker_id=worker_id, on_free=on_free, **options)
