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

from smmdesk.publishing.dispatcher import claim_checks, claim_due, recover_expired
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
                 poll_interval: float | None = None, dispatch: bool = True,
                 warm_text_model: bool = False, **executor_options):
        self.worker_id = worker_id or new_worker_id()
        # ``warm_text_model``: load (or, on a first start, train) the text model in a thread
        # of its own; the inbox loops, which read every message with it, wait until then.
        self.text_model_ready = threading.Event()
        if not warm_text_model:
            self.text_model_ready.set()
        self.dispatch = dispatch  # False: background loops only (no publishing here)
        self.wake = threading.Event()
        self.executor = executor or make_executor(settings.SMMDESK_EXECUTOR,
                                                  worker_id=self.worker_id,
                                                  on_free=self.wake.set,
                                                  **executor_options)
        self.poll_interval = poll_interval or settings.SMMDESK_POLL_INTERVAL
        self.stop_event = threading.Event()
        self.abandon_event = threading.Event()
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
            Periodic(1.0, self.outbox),
            Periodic(3600.0, self.outbox_prune),
            Periodic(3600.0, self.webhooks_prune),
            Periodic(settings.SMMDESK_ANALYTICS_INTERVAL_SECONDS, self.analytics_collect),
            Periodic(900.0, self.goals_check),
            Periodic(300.0, self.reports_send),
            Periodic(20.0, self.listening),
            Periodic(60.0, self.competitors),
        ]

    def heartbeat(self) -> None:
        now = timezone.now()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"hostname": socket.gethostname()[:200], "pid": os.getpid(),
                      "executor": self.executor.name, "started_at": self.started_at,
                      "last_seen_at": now, "in_flight": self.executor.in_flight(),
                      "stopped_at": None})
        self.executor.keep_leases(now=now)

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

        report = collect_comments(worker_id=self.worker_id, due_only=True)
        if report.new:
            log.info("inbox: %d new comments", report.new)

    def inbox_stream(self) -> None:
        from smmdesk.inbox.collect import collect_pushed_and_streamed

        report = collect_pushed_and_streamed(worker_id=self.worker_id, due_only=True)
        if report.new:
            log.info("inbox: %d new messages from webhooks and streams", report.new)

    def inbox_actions(self) -> None:
        from smmdesk.inbox.actions import run_pending

        run_pending(worker_id=self.worker_id)

    def outbox(self) -> None:
        """Mail, alerts and replies decided by committed work (``core.outbox``)."""
        from smmdesk.core.outbox import outbox_process

        while not self.stop_event.is_set():
            if outbox_process(worker_id=self.worker_id, limit=50) < 50:
                break  # else a backlog: go on rather than wait a second per batch

    def analytics_collect(self) -> None:
        """Due metric readings (posts on their ladder, channels daily) this worker claims."""
        from smmdesk.analytics.collector import collect_run

        report = collect_run(worker_id=self.worker_id)
        if report.posts or report.channels:
            log.info("%s", report)

    def webhooks_prune(self) -> None:
        from smmdesk.channels.webhooks import webhook_deliveries_prune

        pruned = webhook_deliveries_prune()
        if pruned:
            log.info("forgot %d refused webhook deliveries", pruned)

    def goals_check(self) -> None:
        """Goals' statuses; "at risk" tells the owner once (claimed per goal)."""
        from smmdesk.analytics.goals import goal_check_all

        goal_check_all()

    def reports_send(self) -> None:
        """Scheduled reports that are due: built and mailed (claimed per template)."""
        from smmdesk.analytics.reports.services import reports_due_run

        reports_due_run(worker_id=self.worker_id)

    def listening(self) -> None:
        """Due listening sources this worker claims: new items, mentions, stories."""
        if not self.text_model_ready.is_set():
            return  # mentions are read with the text model: wait until it is loaded
        from smmdesk.listening.fetch import listening_run

        report = listening_run(worker_id=self.worker_id)
        if report.items:
            log.info("listening: %d new items, %d mentions from %d sources", report.items,
                     report.mentions, report.sources)

    def competitors(self) -> None:
        """Due competitor pages this worker claims: posts, counts, outlier alerts."""
        from smmdesk.competitors.fetch import pages_run

        pages_run(worker_id=self.worker_id)

    def outbox_prune(self) -> None:
        from smmdesk.core.outbox import outbox_prune

        outbox_prune()

    def tick(self) -> int:
        """One pass. Returns how many jobs were handed out."""
        now = time.monotonic()
        for p in self.periodic + self.extra_periodic:
            p.maybe_run(now)
        if not self.dispatch:
            return 0
        load = self.executor.loads_rows
        jobs = claim_due(worker_id=self.worker_id, limit=self.executor.capacity(),
                         exclude_kinds=self.executor.busy_kinds(), load=load,
                         ahead=self.executor.lookahead)
        jobs += claim_checks(worker_id=self.worker_id, limit=self.executor.capacity() - len(jobs),
                             load=load)
        self.executor.submit_all(jobs)
        return len(jobs)

    def warm_text_model(self) -> None:
        from smmdesk.nlp.model import get_model

        started = time.monotonic()
        try:
            get_model()
            log.info("text model ready in %.1fs", time.monotonic() - started)
        except Exception:  # the inbox loops then train it on their first message
            log.exception("the text model could not be made ready in advance")
        self.text_model_ready.set()

    def run_background(self) -> None:
        reads_texts = (self.inbox_comments, self.inbox_stream)
        while not self.stop_event.is_set():
            now = time.monotonic()
            for p in self.background:
                if p.fn in reads_texts and not self.text_model_ready.is_set():
                    continue  # not marked as run: it runs as soon as the model is ready
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
            if not self.text_model_ready.is_set():
                threading.Thread(target=self.warm_text_model, name="text-model",
                                 daemon=True).start()
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

    def abandon(self) -> None:
        """Stop now, leaving running jobs to recovery (which checks the network before
        anything is sent again)."""
        self.abandon_event.set()
        self.stop()

    def shutdown(self, timeout: float | None = None) -> None:
        """Take no more work, give back what has not started, and keep extending the
        leases of running jobs until each ends: a job must not lose its lease while its
        network call may still succeed. ``abandon()`` or ``timeout`` s end the wait."""
        self.executor.stop_taking()
        log.info("worker %s stopping: waiting for %d running jobs", self.worker_id,
                 self.executor.in_flight())
        deadline = None if timeout is None else time.monotonic() + timeout
        every = min(settings.SMMDESK_HEARTBEAT_SECONDS, settings.SMMDESK_LEASE_SECONDS / 3)
        while not self.executor.wait_idle(every):
            if self.abandon_event.is_set() or (deadline and time.monotonic() >= deadline):
                log.warning("worker %s: abandoning %d running jobs to recovery",
                            self.worker_id, self.executor.in_flight())
                break
            try:
                self.heartbeat()
            except OperationalError:
                close_old_connections()
        self.executor.shutdown(timeout=0)
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(
            stopped_at=timezone.now(), in_flight=self.executor.in_flight())
        log.info("worker %s stopped", self.worker_id)
