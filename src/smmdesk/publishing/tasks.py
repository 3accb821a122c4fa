"""Celery tasks: thin. They take ids and the claim token and re-fetch everything."""

from __future__ import annotations

import gc
import logging
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait

log = logging.getLogger("smmdesk.worker")

_threads: ThreadPoolExecutor | None = None
_threads_lock = threading.Lock()


def celery_worker_id() -> str:
    return f"celery:{socket.gethostname()[:60]}:{os.getpid()}"


def _pool() -> ThreadPoolExecutor:
    """One pool per worker process (made after a fork), whose threads keep their
    database connections from one job to the next."""
    global _threads
    from django.conf import settings

    with _threads_lock:
        if _threads is None:
            _threads = ThreadPoolExecutor(settings.SMMDESK_WORKER_THREADS,
                                          thread_name_prefix="publish")
        return _threads


def pool_close() -> None:
    """End this process's job threads and with them their database connections (a
    worker that exits does this by itself; tests that drop their database need it)."""
    global _threads
    with _threads_lock:
        threads, _threads = _threads, None
    if threads is not None:
        threads.shutdown(wait=True)
        gc.collect()  # the ended threads' connections close when they are collected


def run_publication_jobs(kind: str, ids: list[int], token: str) -> None:
    """Run the jobs of one claim: take their claims over from the dispatcher, keep their
    leases alive while they run side by side, and leave out every job whose claim is
    gone or was already used to send (a task delivered a second time)."""
    from smmdesk.publishing.dispatcher import (
        Job,
        LeaseHeartbeat,
        claim_take_over,
        load_for_publishing,
    )

    worker_id = celery_worker_id()
    taken = claim_take_over([Job(kind, pk, token) for pk in ids], worker_id=worker_id)
    if len(taken) < len(ids):
        log.info("%d of %d jobs: claim taken back or already used; left alone",
                 len(ids) - len(taken), len(ids))
    if not taken:
        return
    rows = load_for_publishing(taken, token)
    jobs = [Job(kind, pk, token, rows.get(pk)) for pk in taken]
    with LeaseHeartbeat(jobs):
        wait([_pool().submit(_run_one, job, worker_id) for job in jobs])


def wait_for_due(job, *, sleep=time.sleep) -> float:
    """A job claimed ahead of its time (SMMDESK_CELERY_LOOKAHEAD) waits for it here,
    never longer than the look-ahead. Returns the seconds waited."""
    from django.conf import settings
    from django.utils import timezone

    if job.publication is None:
        return 0.0
    early = (job.publication.due_at - timezone.now()).total_seconds()
    pause = min(max(0.0, early), settings.SMMDESK_CELERY_LOOKAHEAD)
    if pause > 0:
        sleep(pause)
    return pause


def _run_one(job, worker_id: str) -> None:
    from django.db import close_old_connections, connection

    from smmdesk.publishing.engine import run_job

    close_old_connections()
    try:
        wait_for_due(job)
        run_job(job, worker_id=worker_id)
    except Exception:  # one job's failure must not stop the others of its task
        log.exception("job %s failed", job)
    finally:
        if connection.vendor != "sqlite":
            close_old_connections()
