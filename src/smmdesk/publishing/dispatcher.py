"""Claiming due work atomically, and taking it back from workers that died.

A claim moves rows from ``scheduled`` to ``publishing`` with a token and a lease in one
compare-and-swap UPDATE (``... WHERE status='scheduled' AND due_at <= now``). On
PostgreSQL the candidate rows are first locked with ``FOR UPDATE SKIP LOCKED`` so many
dispatchers never wait on each other. A live worker extends the leases of what it holds
with every heartbeat; a lease that runs out means its worker died:

- if no attempt was started, nothing was sent: the row goes back to ``scheduled``;
- if an attempt was started, the network may have the post: the row becomes
  ``unconfirmed`` and is checked with ``find_published`` before anything is resent.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from smmdesk.channels.models import ChannelStatus, NetworkThrottle
from smmdesk.lib.db import write_transaction
from smmdesk.publishing.models import Outcome, Publication, PublishAttempt, Status
from smmdesk.publishing.retry import check_delay


@dataclass(frozen=True)
class Job:
    kind: str  # "publish" or "check"
    publication_id: int
    token: str
    # Loaded with everything publishing needs in one query per batch (local executor);
    # a remote executor sends ids only and the engine loads the row itself.
    publication: Publication | None = field(default=None, compare=False, repr=False)
    # The channel's network, when the row is not loaded (where a remote job is queued).
    network: str = field(default="", compare=False)


def load_for_publishing(ids, token: str) -> dict[int, Publication]:
    rows = (Publication.objects.filter(pk__in=ids, claim_token=token)
            .select_related("channel", "workspace", "variant__post__campaign",
                            "variant__channel")
            .prefetch_related("variant__variant_media__asset",
                              "variant__post__post_media__asset"))
    return {p.pk: p for p in rows}


def _lease(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.SMMDESK_LEASE_SECONDS)


def _claim(candidates: QuerySet, cas: Q, update: dict, limit: int, *,
           source: str) -> list[Publication]:
    """Claim up to ``limit`` of ``candidates`` (still ``source`` and matching ``cas``) in
    one conditional UPDATE through ``transition``; return the ids it tried (``_jobs``
    keeps those it won: on SQLite another worker may take one in between)."""
    to = update.pop("status", None)
    if connection.vendor == "postgresql":
        with transaction.atomic():
            ids = list(candidates.select_for_update(skip_locked=True, of=("self",))
                       .values_list("pk", flat=True)[:limit])
            if ids:
                Publication.objects.filter(cas, pk__in=ids).transition(source, to, **update)
    else:
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        if ids:
            with write_transaction():
                Publication.objects.filter(cas, pk__in=ids).transition(source, to, **update)
    return ids


def _jobs(kind: str, ids: list[int], token: str, load: bool) -> list[Job]:
    """The claimed rows as jobs: loaded for a local executor; for a remote one only their
    networks (its task re-reads the rows itself)."""
    if not ids:
        return []
    if load:
        return [Job(kind, p.pk, token, p) for p in load_for_publishing(ids, token).values()]
    rows = (Publication.objects.filter(pk__in=ids, claim_token=token)
            .values_list("pk", "channel__kind"))
    return [Job(kind, pk, token, network=network) for pk, network in rows]


def claim_due(*, worker_id: str, limit: int, now: datetime | None = None,
              exclude_kinds: Iterable[str] = (), load: bool = True,
              ahead: float = 0.0) -> list[Job]:
    """Scheduled publications that are due, on channels that may be called now.
    ``exclude_kinds``: networks whose queue is full (a slow network waits alone).
    ``ahead``: also those due within that many seconds (a remote executor that holds
    each job until its time, so that the hand-over to it is not lateness)."""
    if limit <= 0:
        return []
    now = now or timezone.now()
    token = uuid.uuid4().hex
    due = Q(status=Status.SCHEDULED, due_at__lte=now + timedelta(seconds=max(0.0, ahead)))
    throttled = NetworkThrottle.objects.filter(blocked_until__gt=now).values("kind")
    candidates = (Publication.objects.filter(due, channel__status=ChannelStatus.ACTIVE)
                  .filter(Q(channel__rate_limited_until__isnull=True)
                          | Q(channel__rate_limited_until__lte=now))
                  .exclude(channel__kind__in=throttled)
                  .order_by("due_at"))
    if exclude_kinds:
        candidates = candidates.exclude(channel__kind__in=list(exclude_kinds))
    ids = _claim(candidates, due, {"status": Status.PUBLISHING, "claim_token": token,
                                   "claimed_by": worker_id, "lease_expires_at": _lease(now)},
                 limit, source=Status.SCHEDULED)
    return _jobs("publish", ids, token, load)


def claim_checks(*, worker_id: str, limit: int, now: datetime | None = None,
                 load: bool = True) -> list[Job]:
    """Unconfirmed publications whose next look at the network is due. The status stays
    ``unconfirmed``; the claim only keeps two workers from checking the same row."""
    if limit <= 0:
        return []
    now = now or timezone.now()
    token = uuid.uuid4().hex
    free = Q(claim_token="") | Q(lease_expires_at__lt=now)
    due = Q(status=Status.UNCONFIRMED, due_at__lte=now) & free
    candidates = Publication.objects.filter(due).order_by("due_at")
    ids = _claim(candidates, due, {"claim_token": token, "claimed_by": worker_id,
                                   "lease_expires_at": _lease(now)}, limit,
                 source=Status.UNCONFIRMED)
    return _jobs("check", ids, token, load)


def extend_leases(*, worker_id: str, now: datetime | None = None) -> int:
    now = now or timezone.now()
    with write_transaction():
        return (Publication.objects
                .filter(claimed_by=worker_id,
                        status__in=[Status.PUBLISHING, Status.UNCONFIRMED])
                .exclude(claim_token="")
                .update(lease_expires_at=_lease(now)))


def outstanding_by_kind() -> dict[str, int]:
    """Claimed, unfinished jobs per network: what the queues of a remote executor hold."""
    rows = (Publication.objects
            .filter(Q(status=Status.PUBLISHING)
                    | (Q(status=Status.UNCONFIRMED) & ~Q(claim_token="")))
            .values("channel__kind").annotate(n=Count("pk")).values_list("channel__kind", "n"))
    return dict(rows)


def recover_expired(*, now: datetime | None = None, limit: int = 500) -> tuple[int, int]:
    """Take back publications whose worker died. Returns (rescheduled, unconfirmed)."""
    now = now or timezone.now()
    stale = list(Publication.objects.filter(status=Status.PUBLISHING, lease_expires_at__lt=now)
                 .values_list("pk", "claim_token", "workspace__language")[:limit])
    rescheduled = unconfirmed = 0
    for pk, token, language in stale:  # the stored words are in the workspace's language
        with write_transaction(), translation.override(language):
            open_attempts = PublishAttempt.objects.filter(
                publication_id=pk, kind=PublishAttempt.KIND_PUBLISH, finished_at__isnull=True)
            if open_attempts.exists():
                changed = Publication.objects.filter(
                    pk=pk, status=Status.PUBLISHING, claim_token=token,
                    lease_expires_at__lt=now).transition(
                    Status.PUBLISHING, Status.UNCONFIRMED, claim_token="", claimed_by="",
                    lease_expires_at=None, due_at=now + timedelta(seconds=check_delay(0)),
                    check_count=0, error_code="worker_stopped", updated_at=now,
                    error_message=_("The worker stopped while this post was being sent, so "
                                    "it may or may not be on the network. smmdesk is "
                                    "checking before it sends anything again."))
                if changed:
                    open_attempts.update(finished_at=now, outcome=Outcome.CRASHED,
                                         error_message=_("The worker stopped during this "
                                                         "attempt."))
                    unconfirmed += 1
            else:
                rescheduled += Publication.objects.filter(
                    pk=pk, status=Status.PUBLISHING, claim_token=token,
                    lease_expires_at__lt=now).transition(
                    Status.PUBLISHING, Status.SCHEDULED, claim_token="", claimed_by="",
                    lease_expires_at=None, updated_at=now)
    return rescheduled, unconfirmed


# ---------------------------------------------------------------- one job's claim
# A remote executor's task holds its job's claim itself: it takes the claim over from
# the dispatcher, keeps its lease alive while it runs, and gives it back if it never ran.


def _sent_under(job: Job) -> bool:
    return PublishAttempt.objects.filter(publication_id=job.publication_id,
                                         claim_token=job.token,
                                         kind=PublishAttempt.KIND_PUBLISH).exists()


def _claimed(job: Job) -> QuerySet:
    return _claimed_rows(job.kind, [job.publication_id], job.token)


def _claimed_rows(kind: str, ids: list[int], token: str) -> QuerySet:
    status = Status.PUBLISHING if kind == "publish" else Status.UNCONFIRMED
    return Publication.objects.filter(pk__in=ids, claim_token=token, status=status)


def claim_take_over(jobs: list[Job], *, worker_id: str, now: datetime | None = None
                    ) -> list[int]:
    """The task that runs ``jobs`` (one claim: same kind and token) holds their claims
    from now on; returns the ids it took. A job is left out when its claim is gone (the
    lease ran out and the row was taken back) or when something was already sent under
    it (a task delivered again after its worker died mid-call: recovery checks the
    network instead of sending a second time)."""
    kind, token = jobs[0].kind, jobs[0].token
    rows = _claimed_rows(kind, [j.publication_id for j in jobs], token)
    if kind == "publish":
        rows = rows.exclude(Exists(PublishAttempt.objects.filter(
            publication_id=OuterRef("pk"), claim_token=token,
            kind=PublishAttempt.KIND_PUBLISH)))
    with write_transaction():  # locked (PostgreSQL) or alone (SQLite) from look to act
        ids = list(rows.select_for_update(of=("self",)).values_list("pk", flat=True))
        Publication.objects.filter(pk__in=ids).update(
            claimed_by=worker_id, lease_expires_at=_lease(now or timezone.now()))
    return ids


def lease_extend(jobs: list[Job], *, now: datetime | None = None) -> int:
    """Extend the leases of ``jobs`` (one claim) whose claim token still matches; returns
    how many still do."""
    now = now or timezone.now()
    with write_transaction():
        return (Publication.objects
                .filter(pk__in=[j.publication_id for j in jobs], claim_token=jobs[0].token)
                .update(lease_expires_at=_lease(now)))


def release_claim(job: Job) -> bool:
    """Give back a job that never started (the broker was down, the worker stops): a
    publication goes back to ``scheduled`` at once instead of waiting for its lease."""
    clear = {"claim_token": "", "claimed_by": "", "lease_expires_at": None}
    with write_transaction():
        if job.kind == "check":
            return bool(_claimed(job).transition(Status.UNCONFIRMED, None, **clear))
        if _sent_under(job):
            return False  # maybe sent: recovery settles it when the lease runs out
        return bool(_claimed(job).transition(Status.PUBLISHING, Status.SCHEDULED, **clear))


class LeaseHeartbeat:
    """Extends the leases of ``jobs`` (one claim) every ``every`` seconds while they run,
    and stops for good once no claim token matches any more (each job ended or was
    taken back). Short jobs end before the first beat and never touch the database."""

    def __init__(self, jobs: list[Job], *, every: float | None = None):
        self.jobs = jobs
        self.every = every or min(settings.SMMDESK_HEARTBEAT_SECONDS,
                                  settings.SMMDESK_LEASE_SECONDS / 3)
        self.beats = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="lease")

    def __enter__(self) -> LeaseHeartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.every):
                try:
                    alive = lease_extend(self.jobs)
                except OperationalError:
                    continue  # the database is back soon, or the lease runs out
                if not alive:
                    return
                self.beats += 1
        finally:
            connection.close()  # this thread's own connection
