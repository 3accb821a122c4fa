"""Webhook deliveries: stored on arrival, taken in by one worker at a time, set aside when
they cannot be read, and refused ones pruned after some days.

The inbox reads deliveries through these functions only. A worker claims a batch with a
compare-and-swap UPDATE (``status='new'`` and no live claim), the way publishing claims
its rows, so any number of workers share them and none takes a row another holds. The
mark "done" is written inside the transaction that stores the messages a delivery brought
(the inbox passes ``webhook_deliveries_done`` to its ingest), so a crash in between
leaves the delivery waiting, never lost.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from smmdesk.channels.models import Channel, DeliveryStatus, WebhookDelivery
from smmdesk.connectors.webhooks import WebhookAnswer, WebhookEvent, storable
from smmdesk.lib.db import write_transaction

ERROR_MAX = 2000


@dataclass(frozen=True)
class Claim:
    token: str
    deliveries: list[WebhookDelivery]


def webhook_delivery_store(*, kind: str, channel: Channel | None, answer: WebhookAnswer,
                           remote_addr: str = "") -> WebhookDelivery | None:
    """Keep what a network pushed: the refusal and why, or the accepted events (cleaned of
    characters no column holds). Nothing for an accepted request without events."""
    if answer.rejected:
        return WebhookDelivery.objects.create(
            kind=kind, channel=channel, accepted=False, status=DeliveryStatus.REFUSED,
            reason=answer.rejected[:300], remote_addr=remote_addr[:64])
    if not answer.events:
        return None
    return WebhookDelivery.objects.create(
        kind=kind, channel=channel, accepted=True, remote_addr=remote_addr[:64],
        events=[event_row(e) for e in answer.events])


def event_row(e: WebhookEvent) -> dict:
    return storable({"kind": e.kind, "account_id": e.account_id,
                     "external_id": e.external_id, "data": e.data})


def event_from_row(row: dict) -> WebhookEvent:
    return WebhookEvent(row["kind"], row["account_id"], row["data"],
                        row.get("external_id", ""))


def _free(now: datetime) -> Q:
    return Q(status=DeliveryStatus.NEW) & (Q(claimed_until__isnull=True)
                                           | Q(claimed_until__lt=now))


def webhook_deliveries_claim(*, worker_id: str = "", limit: int = 500,
                             now: datetime | None = None) -> Claim:
    """Up to ``limit`` waiting deliveries, oldest first, claimed for this worker for one
    lease (``SMMDESK_INBOX_LEASE_SECONDS``); a killed worker's claim runs out."""
    now = now or timezone.now()
    token = f"{worker_id[:30]}:{uuid.uuid4().hex}"[-64:]
    free = _free(now)
    candidates = WebhookDelivery.objects.filter(free).order_by("received_at", "pk")
    update = {"claimed_by": token,
              "claimed_until": now + timedelta(seconds=settings.SMMDESK_INBOX_LEASE_SECONDS)}
    if connection.vendor == "postgresql":
        with transaction.atomic():
            ids = list(candidates.select_for_update(skip_locked=True)
                       .values_list("pk", flat=True)[:limit])
            if ids:
                WebhookDelivery.objects.filter(free, pk__in=ids).update(**update)
    else:
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        if ids:
            with write_transaction():  # the condition again: a row taken since is skipped
                WebhookDelivery.objects.filter(free, pk__in=ids).update(**update)
    rows = list(WebhookDelivery.objects.filter(claimed_by=token, status=DeliveryStatus.NEW)
                .select_related("channel__workspace").order_by("received_at", "pk")) if ids \
        else []
    return Claim(token, rows)


def webhook_deliveries_done(*, ids: list[int], token: str, now: datetime | None = None
                            ) -> int:
    """Mark taken in. Call it inside the transaction that stores what they brought."""
    if not ids:
        return 0
    with write_transaction():
        return WebhookDelivery.objects.filter(pk__in=ids, claimed_by=token).update(
            status=DeliveryStatus.DONE, processed_at=now or timezone.now(), claimed_by="",
            claimed_until=None)


def webhook_delivery_set_aside(*, delivery_id: int, token: str, error: str) -> int:
    """This delivery could not be taken in: keep it, with why, out of the way of the rest."""
    with write_transaction():
        return WebhookDelivery.objects.filter(pk=delivery_id, claimed_by=token).update(
            status=DeliveryStatus.SET_ASIDE, error=error[:ERROR_MAX],
            processed_at=timezone.now(), claimed_by="", claimed_until=None)


def webhook_event_set_aside(*, channel: Channel, event: WebhookEvent, error: str
                            ) -> WebhookDelivery:
    """A polled event that could not be taken in, kept beside the pushed ones that could
    not (so a person finds all of them in one place)."""
    with write_transaction():
        return WebhookDelivery.objects.create(
            kind=channel.kind, channel=channel, accepted=True, reason="polled",
            status=DeliveryStatus.SET_ASIDE, error=error[:ERROR_MAX],
            events=[event_row(event)], processed_at=timezone.now())


def webhook_deliveries_prune(*, days: int | None = None, now: datetime | None = None) -> int:
    """Forget refused deliveries (bad signatures, probes) older than ``days``
    (``SMMDESK_WEBHOOK_REFUSED_DAYS``): they are kept to investigate, not for ever."""
    days = settings.SMMDESK_WEBHOOK_REFUSED_DAYS if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    with write_transaction():
        deleted, _by_model = WebhookDelivery.objects.filter(
            status=DeliveryStatus.REFUSED, received_at__lt=cutoff).delete()
    return deleted
