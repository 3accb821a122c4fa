"""Side effects after commit: e-mail, Telegram alerts and network replies from an outbox.

A service that decides to tell the outside world something does not call SMTP or a
network inside its transaction (that holds SQLite's write lock for as long as the far
side takes, and sends for work that may still roll back). It calls ``outbox_enqueue``
inside that transaction instead: the ``OutboxMessage`` row commits together with the
business data, or not at all. Nothing is sent for rolled-back work; nothing decided is
lost after commit, even if the process dies the next instant.

Workers run ``outbox_process`` every cycle. It claims due rows the way publishing claims
posts: a compare-and-swap UPDATE (``... WHERE status IN (pending, failed) AND
next_attempt_at <= now``, or a ``sending`` row whose lease ran out), with
``SELECT ... FOR UPDATE SKIP LOCKED`` first on PostgreSQL, so any number of workers share
the work and no row is handed to two live workers. The handler runs outside any
transaction. Success marks the row ``sent``; an exception schedules another try with
exponential backoff; after ``MAX_ATTEMPTS`` tries, or at once when the handler raises
``OutboxPermanentError``, the row becomes ``dead`` and keeps its last error for a person
to read.

Delivery is at least once, not exactly once: a worker can be killed after the far side
accepted a message and before the row was marked ``sent``; its lease then runs out and
another worker sends the message again. So handlers are idempotent wherever the target
allows it: each receives the row, and ``message.dedupe_key`` is stable across retries
(use it as an idempotency key, or check the far side before sending again). Enqueuing
twice with one ``dedupe_key`` is harmless: the second call returns the first row.

Handlers are found by ``kind``: built-in kinds through ``HANDLERS`` (dotted paths, so a
worker needs no import to know them), others through the ``outbox_handler`` decorator in
a module that is always imported (an app's ``ready()``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from smmdesk.core.models import OutboxMessage, OutboxStatus
from smmdesk.lib.db import write_transaction

log = logging.getLogger("smmdesk.outbox")

MAX_ATTEMPTS = 10
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
# Longer than any handler may take (SMTP and HTTP calls have timeouts well below this),
# so a live worker never loses a claim to another one.
LEASE_SECONDS = 300
KEEP_SENT = timedelta(days=14)
KEEP_DEAD = timedelta(days=90)

HANDLERS: dict[str, str] = {
    "mail": "smmdesk.core.outbox.mail_handler",
    "telegram_alert": "smmdesk.inbox.alerts.telegram_alert_handler",
    "report_mail": "smmdesk.analytics.reports.services.report_mail_handler",
}
_registered: dict[str, Callable[[OutboxMessage], object]] = {}


class OutboxPermanentError(Exception):
    """Raised by a handler when trying again cannot help (bad address, revoked token)."""


def outbox_handler(kind: str):
    """``@outbox_handler("network_reply")`` registers the decorated function for ``kind``."""
    def register(fn):
        _registered[kind] = fn
        return fn
    return register


def handler_for(kind: str) -> Callable[[OutboxMessage], object]:
    if kind in _registered:
        return _registered[kind]
    if kind in HANDLERS:
        return import_string(HANDLERS[kind])
    raise LookupError(f"no outbox handler for kind {kind!r}")


def outbox_enqueue(*, kind: str, payload: dict, workspace=None, dedupe_key: str | None = None,
                   not_before: datetime | None = None) -> OutboxMessage:
    """Queue a side effect. Call it inside the transaction that stores the business data,
    so both commit together. A second call with the same ``dedupe_key`` returns the row
    the first one made."""
    handler_for(kind)  # an unknown kind fails here, in the caller, not later in a worker
    key = dedupe_key or f"{kind}:{uuid.uuid4().hex}"
    existing = OutboxMessage.objects.filter(dedupe_key=key).first()
    if existing is not None:
        return existing
    now = timezone.now()
    OutboxMessage.objects.bulk_create(
        [OutboxMessage(workspace=workspace, kind=kind, payload=payload, dedupe_key=key,
                       next_attempt_at=max(not_before or now, now), created_at=now)],
        ignore_conflicts=True)  # a concurrent enqueue with this key won the race
    return OutboxMessage.objects.get(dedupe_key=key)


def outbox_process(*, worker_id: str, limit: int = 50, now: datetime | None = None) -> int:
    """Claim up to ``limit`` due messages and deliver each. Returns how many were tried."""
    tried = 0
    for message in _claim(worker_id=worker_id, limit=limit, now=now or timezone.now()):
        if not _renew(message):
            continue
        tried += 1
        if message.attempts > MAX_ATTEMPTS:  # only workers that died mid-try get here
            _finish(message, OutboxStatus.DEAD, error="the worker stopped during every try")
        else:
            _deliver(message)
    return tried


def outbox_prune(*, now: datetime | None = None) -> int:
    """Forget sent messages after ``KEEP_SENT`` and given-up ones after ``KEEP_DEAD``
    (kept longer: a person may still need to read why they failed). Idempotent, so any
    number of workers may run it."""
    now = now or timezone.now()
    with write_transaction():
        deleted, _ = OutboxMessage.objects.filter(
            Q(status=OutboxStatus.SENT, sent_at__lt=now - KEEP_SENT)
            | Q(status=OutboxStatus.DEAD, created_at__lt=now - KEEP_DEAD)).delete()
    return deleted


def outbox_retry(*, ids: list[int] | None = None) -> int:
    """Give dead messages (all, or those of ``ids``) a fresh set of tries, once whatever
    made them fail (a mail password, a bot token) is fixed."""
    dead = OutboxMessage.objects.filter(status=OutboxStatus.DEAD)
    if ids is not None:
        dead = dead.filter(pk__in=ids)
    with write_transaction():
        return dead.update(status=OutboxStatus.PENDING, attempts=0,
                           next_attempt_at=timezone.now())


def outbox_counts() -> dict[str, int]:
    """For /healthz: how much waits to be sent, and how much was given up (``last_error``
    on those rows says why)."""
    waiting = (OutboxStatus.PENDING, OutboxStatus.FAILED, OutboxStatus.SENDING)
    return {"waiting": OutboxMessage.objects.filter(status__in=waiting).count(),
            "dead": OutboxMessage.objects.filter(status=OutboxStatus.DEAD).count()}


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failed try: 30 s, 1 min, 2 min, ... at most 1 h."""
    return timedelta(seconds=min(BACKOFF_CAP_SECONDS,
                                 BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1)))


def _due(now: datetime) -> Q:
    return (Q(status__in=[OutboxStatus.PENDING, OutboxStatus.FAILED], next_attempt_at__lte=now)
            | Q(status=OutboxStatus.SENDING, claimed_until__lt=now))


def _claim(*, worker_id: str, limit: int, now: datetime) -> list[OutboxMessage]:
    if limit <= 0:
        return []
    token = uuid.uuid4().hex
    due = _due(now)
    candidates = OutboxMessage.objects.filter(due).order_by("next_attempt_at")
    update = {"status": OutboxStatus.SENDING, "claim_token": token, "claimed_by": worker_id,
              "claimed_until": now + timedelta(seconds=LEASE_SECONDS)}
    if connection.vendor == "postgresql":
        with transaction.atomic():
            ids = list(candidates.select_for_update(skip_locked=True)
                       .values_list("pk", flat=True)[:limit])
            if ids:
                OutboxMessage.objects.filter(due, pk__in=ids).update(**update)
    else:
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        if ids:
            with write_transaction():
                # The condition is checked again in the UPDATE: a row another worker
                # claimed since the SELECT no longer matches, so it is not taken twice.
                OutboxMessage.objects.filter(due, pk__in=ids).update(**update)
    if not ids:
        return []
    return list(OutboxMessage.objects.filter(claim_token=token).order_by("next_attempt_at"))


def _renew(message: OutboxMessage) -> bool:
    """Just before sending, give this row a full lease and count the try. False when the
    claim was lost (the batch took longer than a lease and another worker took over)."""
    until = timezone.now() + timedelta(seconds=LEASE_SECONDS)
    with write_transaction():
        won = OutboxMessage.objects.filter(
            pk=message.pk, status=OutboxStatus.SENDING, claim_token=message.claim_token,
        ).update(claimed_until=until, attempts=F("attempts") + 1)
    message.attempts += 1
    return bool(won)


def _deliver(message: OutboxMessage) -> None:
    try:
        handler_for(message.kind)(message)
    except OutboxPermanentError as exc:
        _finish(message, OutboxStatus.DEAD, error=_error_text(exc))
        log.warning("outbox %s given up: %s", message, exc)
    except Exception as exc:  # any failure of the far side: try again later
        error = _error_text(exc)
        if message.attempts >= MAX_ATTEMPTS:
            _finish(message, OutboxStatus.DEAD, error=error)
            log.warning("outbox %s given up after %d tries: %s", message, message.attempts,
                        error)
        else:
            _finish(message, OutboxStatus.FAILED, error=error,
                    next_attempt_at=timezone.now() + backoff(message.attempts))
            log.info("outbox %s failed (try %d): %s", message, message.attempts, error)
    else:
        _finish(message, OutboxStatus.SENT, sent_at=timezone.now())


def _finish(message: OutboxMessage, status: str, *, error: str = "", **fields) -> None:
    with write_transaction():
        OutboxMessage.objects.filter(pk=message.pk, claim_token=message.claim_token).update(
            status=status, last_error=error, claim_token="", claimed_by="",
            claimed_until=None, **fields)


def _error_text(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


# ---------------------------------------------------------------- built-in handlers


def mail_enqueue(*, subject: str, body: str, recipients: list[str], workspace=None,
                 dedupe_key: str | None = None) -> OutboxMessage | None:
    """Queue one e-mail (nothing when the server has no mail configured)."""
    recipients = [r for r in recipients if r]
    if not recipients or not settings.SMMDESK_EMAIL_ENABLED:
        return None
    return outbox_enqueue(kind="mail", workspace=workspace, dedupe_key=dedupe_key,
                          payload={"subject": subject, "body": body,
                                   "recipients": recipients})


def mail_handler(message: OutboxMessage) -> None:
    """SMTP has no idempotency key: a retry after a lost answer may deliver twice."""
    from django.core.mail import EmailMessage

    p = message.payload
    if not p.get("recipients"):
        raise OutboxPermanentError("the message has no recipients")
    # EMAIL_TIMEOUT (settings) bounds every SMTP call; errors propagate, to be retried.
    EmailMessage(p["subject"], p["body"], None, p["recipients"]).send(fail_silently=False)
