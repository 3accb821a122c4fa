"""What the workers page shows: who is alive, what waits in each network's queue, what is
claimed and running, and what failed lately. Reads only; the broker is asked with short
timeouts so that the page stays quick when it is down."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from smmdesk.accounts.models import Workspace
from smmdesk.connectors.registry import CONNECTORS, kind_label
from smmdesk.publishing.dispatcher import outstanding_by_kind
from smmdesk.publishing.models import Outcome, PublishAttempt, WorkerHeartbeat

log = logging.getLogger("smmdesk.worker")

FAILED = (Outcome.PERMANENT, Outcome.TRANSIENT, Outcome.AMBIGUOUS, Outcome.CRASHED)


def _app(app=None):
    if app is not None:
        return app
    from smmdesk.publishing.celery_app import app as default

    return default


def queue_lengths(*, app=None) -> dict[str, int]:
    """Jobs waiting in each network's queue (a queue never used counts 0). Raises the
    broker's error when it cannot be reached."""
    from smmdesk.publishing.celery_app import queue_name

    lengths = {}
    with _app(app).connection_for_read() as conn:
        conn.ensure_connection(max_retries=1)
        for kind in CONNECTORS:
            channel = conn.channel()  # AMQP closes a channel after a missing queue
            try:
                lengths[kind] = channel.queue_declare(queue=queue_name(kind),
                                                      passive=True).message_count
            except Exception:  # no such queue yet: nothing was ever sent to it
                lengths[kind] = 0
            finally:
                try:
                    channel.close()
                except Exception:  # already closed by the broker
                    pass
    return lengths


def celery_workers(*, app=None, timeout: float = 0.5) -> list[str]:
    """Names of the Celery workers that answer a ping."""
    replies = _app(app).control.ping(timeout=timeout) or []
    return sorted(name for reply in replies for name in reply)


def dispatchers() -> list[dict]:
    alive_since = timezone.now() - timedelta(seconds=settings.SMMDESK_WORKER_DEAD_AFTER)
    rows = (WorkerHeartbeat.objects.filter(stopped_at__isnull=True,
                                           last_seen_at__gte=alive_since)
            .order_by("hostname", "worker_id"))
    return [{"id": w.worker_id, "host": w.hostname, "executor": w.executor,
             "in_flight": w.in_flight, "seen": w.last_seen_at} for w in rows]


def recent_failures(*, workspace: Workspace, limit: int = 20) -> list[PublishAttempt]:
    """This workspace's failed calls of the last day (never another workspace's)."""
    since = timezone.now() - timedelta(days=1)
    return list(PublishAttempt.objects
                .filter(publication__workspace=workspace, outcome__in=FAILED,
                        started_at__gte=since)
                .select_related("channel", "publication__post")
                .order_by("-started_at")[:limit])


def monitor_overview(*, workspace: Workspace) -> dict:
    """Everything the workers page shows. Counts of jobs are for the whole installation
    (no names or texts); failures are the workspace's own."""
    claimed = outstanding_by_kind()
    overview = {"executor": settings.SMMDESK_EXECUTOR, "dispatchers": dispatchers(),
                "celery_workers": [], "broker_error": "", "queues": {},
                "failures": recent_failures(workspace=workspace)}
    if settings.SMMDESK_EXECUTOR == "celery":
        try:
            overview["queues"] = queue_lengths()
            overview["celery_workers"] = celery_workers()
        except Exception as exc:  # the page still shows what the database knows
            log.warning("the broker did not answer the workers page: %s", exc)
            overview["broker_error"] = type(exc).__name__
    kinds = sorted(set(claimed) | set(overview["queues"]))
    overview["networks"] = [{"kind": k, "label": kind_label(k), "claimed": claimed.get(k, 0),
                             "queued": overview["queues"].get(k)} for k in kinds]
    return overview
