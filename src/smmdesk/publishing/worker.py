"""The worker loop: heartbeat, recover, claim, hand out, repeat every poll interval."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import OperationalError, close_old_connections
from django.utils import timezone

from smmdesk.publishing.dispatcher import claim_checks, claim_due, extend_leases, recover_expired
from smmdesk.publishing.executors import Executor, make_executor
from smmdesk.publishing.models import WorkerHeartbeat

log = logging.getLogger("smmdesk.worker")


def new_worker_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Periodic:
    """Run ``fn`` at most once every ``every`` seconds (idempotent, throttled work)."""

    def __init__(self, every: float, fn: Callable[[], object]):
        self.every, self.fn, self.last = every, fn, 0.0

    def maybe_run(self, now: float) -> None:
        if now - self.last >= self.every:
            self.last = now
            try:
                self.fn()
            except OperationalError:
                raise  # the loop waits for the database
            except Exception:  # one failing job must not stop the others
                log.exception("periodic job %s failed", getattr(self.fn, "__name__", self.fn))


class Worker:
    def __init__(self, *, executor: Executor | None = None, worker_id: str | None = None,
                 poll_interval: float | None = None, **executor_options):
        self.worker_id = worker_id or new_worker_id()
        self.wake = threading.Event()
        self.executor = executor or make_executor(settings.SMMDESK_EXECUTOR,
                                                  worker_id=self.worker_id,
                                                  on_free=self.wake.set,
                                                  **executor_options)
        self.poll_interval = poll_interval or settings.SMMDESK_POLL_INTERVAL
        self.stop_event = threading.Event()
        self.started_at = timezone.now()
        # Quick bookkeeping runs in the dispatch loop itself...
        self.periodic = [
            Periodic(settings.SMMDESK_HEARTBEAT_SECONDS, self.heartbeat),
            Periodic(1.0, self.recover),
        ]
        self.extra_periodic: list[Periodic] = []
        # ...slow work (network calls) in a thread of its own, so it never delays a post.
        self.background = [
            Periodic(600.0, self.refresh_tokens),
            Periodic(settings.SMMDESK_INBOX_POLL_SECONDS, self.inbox_comments),
            Periodic(10.0, self.inbox_stream),
            Periodic(3.0, self.inbox_actions),
        ]

    def heartbeat(self) -> None:
        now = timezone.now()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"hostname": socket.gethostname()[:200], "pid": os.getpid(),
                      "executor": self.executor.name, "started_at": self.started_at,
                      "last_seen_at": now, "in_flight": self.executor.in_flight(),
                      "stopped_at": None})
        extend_leases(worker_id=self.worker_id, now=now)

    def recover(self) -> None:
        rescheduled, unconfirmed = recover_expired()
        if rescheduled or unconfirmed:
            log.warning("took back %d publications from a stopped worker (%d never sent, "
                        "%d to check on the network)", rescheduled + unconfirmed, rescheduled,
                        unconfirmed)

    def refresh_tokens(self) -> None:
        from smmdesk.channels.connecting import channels_refresh_due

        refreshed = channels_refresh_due()
        if refreshed:
            log.info("refreshed the tokens of %d channels", refreshed)

    def inbox_comments(self) -> None:
        from smmdesk.inbox.collect import collect_comments

        report = collect_comments()
        if report.new:
            log.info("inbox: %d new comments", report.new)

    def inbox_stream(self) -> None:
        from smmdesk.inbox.collect import collect_pushed_and_streamed

        report = collect_pushed_and_streamed()
        if report.new:
            log.info("inbox: %d new messages from webhooks and streams", report.new)

    def inbox_actions(self) -> None:
        from smmdesk.inbox.actions import run_pending

        run_pending()

    def tick(self) -> int:
        """One pass. Returns how many jobs were handed out."""
        now = time.monotonic()
        for p in self.periodic + self.extra_periodic:
            p.maybe_run(now)
        jobs = claim_due(worker_id=self.worker_id, limit=self.executor.capacity())
        jobs += claim_checks(worker_id=self.worker_id, limit=self.executor.capacity() - len(jobs))
        for job in jobs:
            self.executor.submit(job)
        return len(jobs)

    def run_background(self) -> None:
        while not self.stop_event.is_set():
            now = time.monotonic()
            for p in self.background:
                try:
                    p.maybe_run(now)
                except OperationalError:
                    log.exception("database unavailable for background work; retrying")
                    close_old_connections()
            self.stop_event.wait(1.0)
        close_old_connections()

    def run(self, *, background: bool = True) -> None:
        log.info("worker %s started (%s executor, poll every %.2fs)", self.worker_id,
                 self.executor.name, self.poll_interval)
        if background:
            threading.Thread(target=self.run_background, name="background",
                             daemon=True).start()
        while not self.stop_event.is_set():
            try:
                handed_out = self.tick()
            except OperationalError:
                log.exception("database unavailable; retrying")
                close_old_connections()
                handed_out = 0
                self.stop_event.wait(2.0)
            if not handed_out or self.executor.capacity() == 0:
                self.wake.wait(self.poll_interval)
                self.wake.clear()
        self.shutdown()

    def stop(self) -> None:
        self.stop_event.set()
        self.wake.set()

    def shutdown(self, timeout: float = 30.0) -> None:
        log.info("worker %s stopping: waiting up to %.0fs for %d running jobs",
                 self.worker_id, timeout, self.executor.in_flight())
        self.executor.shutdown(timeout=timeout)
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(
            stopped_at=timezone.now(), in_flight=self.executor.in_flight())
        log.info("worker %s stopped", self.worker_id)
