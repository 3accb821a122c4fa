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

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
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


def load_for_publishing(ids, token: str) -> dict[int, Publication]:
    rows = (Publication.objects.filter(pk__in=ids, claim_token=token)
            .select_related("channel", "workspace", "variant__post__campaign",
                            "variant__channel")
            .prefetch_related("variant__variant_media__asset",
                              "variant__post__post_media__asset"))
    return {p.pk: p for p in rows}


def _lease(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.SMMDESK_LEASE_SECONDS)


def _claim(candidates: QuerySet, cas: Q, update: dict, limit: int) -> list[Publication]:
    """Claim up to ``limit`` of ``candidates``; return the rows this call won, loaded."""
    token = update["claim_token"]
    if connection.vendor == "postgresql":
        with transaction.atomic():
            ids = list(candidates.select_for_update(skip_locked=True, of=("self",))
                       .values_list("pk", flat=True)[:limit])
            if ids:
                Publication.objects.filter(cas, pk__in=ids).update(**update)
    else:
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        if ids:
            with write_transaction():
                Publication.objects.filter(cas, pk__in=ids).update(**update)
    if not ids:
        return []
    return list(load_for_publishing(ids, token).values())


def claim_due(*, worker_id: str, limit: int, now: datetime | None = None) -> list[Job]:
    """Scheduled publications that are due, on channels that may be called now."""
    if limit <= 0:
        return []
    now = now or timezone.now()
    token = uuid.uuid4().hex
    due = Q(status=Status.SCHEDULED, due_at__lte=now)
    throttled = NetworkThrottle.objects.filter(blocked_until__gt=now).values("kind")
    candidates = (Publication.objects.filter(due, channel__status=ChannelStatus.ACTIVE)
                  .filter(Q(channel__rate_limited_until__isnull=True)
                          | Q(channel__rate_limited_until__lte=now))
                  .exclude(channel__kind__in=throttled)
                  .order_by("due_at"))
    rows = _claim(candidates, due, {"status": Status.PUBLISHING, "claim_token": token,
                                    "claimed_by": worker_id, "lease_expires_at": _lease(now)},
                  limit)
    return [Job("publish", p.pk, token, p) for p in rows]


def claim_checks(*, worker_id: str, limit: int, now: datetime | None = None) -> list[Job]:
    """Unconfirmed publications whose next look at the network is due. The status stays
    ``unconfirmed``; the claim only keeps two workers from checking the same row."""
    if limit <= 0:
        return []
    now = now or timezone.now()
    token = uuid.uuid4().hex
    free = Q(claim_token="") | Q(lease_expires_at__lt=now)
    due = Q(status=Status.UNCONFIRMED, due_at__lte=now) & free
    candidates = Publication.objects.filter(due).order_by("due_at")
    rows = _claim(candidates, due, {"claim_token": token, "claimed_by": worker_id,
                                    "lease_expires_at": _lease(now)}, limit)
    return [Job("check", p.pk, token, p) for p in rows]


def extend_leases(*, worker_id: str, now: datetime | None = None) -> int:
    now = now or timezone.now()
    with write_transaction():
        return (Publication.objects
                .filter(claimed_by=worker_id,
                        status__in=[Status.PUBLISHING, Status.UNCONFIRMED])
                .exclude(claim_token="")
                .update(lease_expires_at=_lease(now)))


def recover_expired(*, now: datetime | None = None, limit: int = 500) -> tuple[int, int]:
    """Take back publications whose worker died. Returns (rescheduled, unconfirmed)."""
    now = now or timezone.now()
    stale = list(Publication.objects.filter(status=Status.PUBLISHING, lease_expires_at__lt=now)
                 .values_list("pk", "claim_token")[:limit])
    rescheduled = unconfirmed = 0
    for pk, token in stale:
        with write_transaction():
            open_attempts = PublishAttempt.objects.filter(
                publication_id=pk, kind=PublishAttempt.KIND_PUBLISH, finished_at__isnull=True)
            if open_attempts.exists():
                changed = Publication.objects.filter(
                    pk=pk, status=Status.PUBLISHING, claim_token=token).update(
                    status=Status.UNCONFIRMED, claim_token="", claimed_by="",
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
                    pk=pk, status=Status.PUBLISHING, claim_token=token).update(
                    status=Status.SCHEDULED, claim_token="", claimed_by="",
                    lease_expires_at=None, updated_at=now)
    return rescheduled, unconfirmed
