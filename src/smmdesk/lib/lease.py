"""Claiming due rows for background loops that have no state machine of their own.

Listening sources and competitor pages are read on a schedule by any number of workers.
A row is due when ``next_fetch_at <= now`` and free when its lease (``claimed_until``)
is empty or over. ``lease_due`` takes up to ``limit`` such rows with one compare-and-swap
UPDATE (``SELECT ... FOR UPDATE SKIP LOCKED`` first on PostgreSQL), writing a token of
its own into ``claimed_by``; only the holder of that token writes the row afterwards
(``lease_release``), and a killed worker's rows are taken over when the lease runs out.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Model, Q
from django.utils import timezone

from smmdesk.lib.db import write_transaction


def lease_due(model: type[Model], *, worker_id: str, limit: int, seconds: float,
              now: datetime | None = None, **filters) -> tuple[str, list[int]]:
    """The ids this worker won and the token it holds them with."""
    now = now or timezone.now()
    token = f"{worker_id[:30]}:{uuid.uuid4().hex}"[-64:]
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    candidates = (model.objects.filter(free, next_fetch_at__lte=now, **filters)
                  .order_by("next_fetch_at"))
    update = {"claimed_by": token, "claimed_until": now + timedelta(seconds=seconds)}
    if connection.vendor == "postgresql":
        with transaction.atomic():
            ids = list(candidates.select_for_update(skip_locked=True)
                       .values_list("pk", flat=True)[:limit])
            model.objects.filter(free, pk__in=ids).update(**update)
    else:
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        with write_transaction():
            model.objects.filter(free, pk__in=ids).update(**update)
    won = list(model.objects.filter(pk__in=ids, claimed_by=token).values_list("pk", flat=True))
    return token, won


def lease_holds(model: type[Model], *, pk: int, token: str) -> bool:
    return model.objects.filter(pk=pk, claimed_by=token).exists()


def lease_release(model: type[Model], *, pk: int, token: str, **fields) -> bool:
    """Free the row and write ``fields`` with it; False when the lease was lost (another
    worker took the row over): then nothing is written."""
    with write_transaction():
        return bool(model.objects.filter(pk=pk, claimed_by=token).update(
            claimed_by="", claimed_until=None, **fields))
