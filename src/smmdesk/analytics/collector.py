"""The metrics collector: reads due posts (on their ladder) and channels (daily).

Every worker runs ``collect_run`` every ``SMMDESK_ANALYTICS_INTERVAL_SECONDS``; however
many run, each plan is read by one at a time: a worker claims due rows with a
compare-and-swap UPDATE (free, or its claim ran out, and due), as the inbox's
``ChannelPoll`` and publishing do, and writes the outcome only while its claim holds
(``claimed_by`` is in the UPDATE's condition). A killed worker's claim runs out after
``SMMDESK_ANALYTICS_LEASE_SECONDS`` and another worker takes the row back.

Rate limits: one run reads at most the connector's ``metrics_reads_per_run`` items per
network (plans beyond it are handed back untouched for the next run), skips channels and
network apps that told us to wait (``Channel.rate_limited_until``, ``NetworkThrottle``),
and a "slow down"
(``TransientError``) reschedules the same rung after the wait the network asked for:
the step is never lost. Network calls happen outside any transaction.

A channel read for the first time after it was connected is backfilled: its account
counters are read at once and every publication it already has on the network gets a
plan that reads it now and then follows its ladder.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import Q
from django.utils import timezone

from smmdesk.analytics.models import CollectPlan
from smmdesk.analytics.services import (
    LADDER,
    channel_next_read,
    channel_snapshot_record,
    collect_plans_backfill,
    collect_plans_missing,
    ladder_next,
    latest_rebuild_if_missing,
    post_snapshot_record,
)
from smmdesk.channels.models import ChannelStatus, NetworkThrottle
from smmdesk.channels.services import channel_connector, channel_mark_broken, channel_throttle
from smmdesk.connectors.base import ConnectorError, PermanentError, TransientError
from smmdesk.connectors.registry import connector_class
from smmdesk.lib.db import write_transaction

log = logging.getLogger("smmdesk.analytics")

CLAIM_BATCH = 200
# A failed read is tried again after 1, 2, 4 ... minutes (at most 6 hours); after
# GIVE_UP_AFTER failures in a row the rung is skipped (a channel: tomorrow's reading).
RETRY_MAX = timedelta(hours=6)
GIVE_UP_AFTER = 8
DATABASE_DOWN = (OperationalError, InterfaceError)
GONE = frozenset({"not_found", "post_not_found"})  # the post was deleted on the network


@dataclass
class CollectReport:
    posts: int = 0  # post snapshots stored
    channels: int = 0  # channel snapshots stored
    backfilled: int = 0  # plans made for publications of newly connected channels
    deferred: int = 0  # reads put off (rate limit, failure, over this run's budget)
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"analytics: {self.posts} post and {self.channels} channel readings, "
                f"{self.backfilled} backfilled, {self.deferred} put off")


# ---------------------------------------------------------------- claims


def _lease() -> timedelta:
    return timedelta(seconds=settings.SMMDESK_ANALYTICS_LEASE_SECONDS)


def _free(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def collect_claim(*, token: str, now: datetime | None = None, limit: int = CLAIM_BATCH
                  ) -> list[CollectPlan]:
    """Due plans of active, unthrottled channels, claimed for ``token`` (channel plans
    first: their backfill makes post plans due in the same run). Rows another worker
    holds, until its claim runs out, are not taken."""
    now = now or timezone.now()
    blocked = list(NetworkThrottle.objects.filter(blocked_until__gt=now)
                   .values_list("kind", flat=True))
    due = (CollectPlan.objects.filter(_free(now), next_at__lte=now,
                                      channel__status=ChannelStatus.ACTIVE)
           .exclude(channel__rate_limited_until__gt=now)
           .exclude(channel__kind__in=blocked))
    ids = list(due.filter(publication__isnull=True).order_by("next_at")
               .values_list("pk", flat=True)[:limit])
    ids += list(due.filter(publication__isnull=False).order_by("next_at")
                .values_list("pk", flat=True)[:max(0, limit - len(ids))])
    if not ids:
        return []
    with write_transaction():
        CollectPlan.objects.filter(_free(now), pk__in=ids, next_at__lte=now).update(
            claimed_by=token, claimed_until=now + _lease())
    plans = (CollectPlan.objects.filter(pk__in=ids, claimed_by=token)
             .select_related("channel", "channel__workspace", "publication"))
    return sorted(plans, key=lambda p: (p.publication_id is not None, p.next_at))


def _settle(plan: CollectPlan, token: str, **fields) -> bool:
    """Write the plan's outcome and free it, if our claim still holds."""
    return bool(CollectPlan.objects.filter(pk=plan.pk, claimed_by=token).update(
        claimed_by="", claimed_until=None, **fields))


def collect_release(*, plan: CollectPlan, token: str) -> None:
    """Hand a claimed plan back untouched (over this run's budget)."""
    with write_transaction():
        _settle(plan, token)


# ---------------------------------------------------------------- one run


def collect_run(*, worker_id: str = "", now: datetime | None = None,
                limit: int = CLAIM_BATCH) -> CollectReport:
    """Read every due plan this worker can claim, within each network's budget."""
    report = CollectReport()
    token = f"{worker_id[:30]}:{uuid.uuid4().hex}"[-64:]
    with write_transaction():
        collect_plans_missing(now=now)
        latest_rebuild_if_missing()  # once, after an upgrade: each post's latest reading
    used: Counter[str] = Counter()
    for _round in range(2):  # the second: post plans a backfill made due
        plans = collect_claim(token=token, now=now, limit=limit)
        if not plans:
            break
        stopped: set[int] = set()  # channels that asked us to wait in this run
        for plan in plans:
            kind = plan.channel.kind
            if plan.channel_id in stopped or used[kind] >= _budget(kind):
                collect_release(plan=plan, token=token)
                report.deferred += 1
                continue
            used[kind] += 1
            if not _collect_one(plan, token, report, now=now):
                stopped.add(plan.channel_id)
        if not report.backfilled:
            break
    return report


def _budget(kind: str) -> int:
    """Items one run reads for a network: its connector says, from the network's rate
    limits and prices (Meta counts calls per hour, X charges per read)."""
    return connector_class(kind).metrics_reads_per_run


def _collect_one(plan: CollectPlan, token: str, report: CollectReport, *,
                 now: datetime | None) -> bool:
    """Read one plan and store what came. False when the channel asked us to wait."""
    try:
        metrics = _read(plan)  # the network, outside any transaction
    except DATABASE_DOWN:
        raise
    except TransientError as exc:
        _defer(plan, token, exc, report, now=now)
        return False
    except PermanentError as exc:
        _refused(plan, token, exc, report, now=now)
        return not exc.channel_broken
    except ConnectorError as exc:
        _defer(plan, token, exc, report, now=now)
        return True
    except Exception as exc:  # one bad row must not stop the others
        log.exception("analytics: reading plan %s failed", plan.pk)
        _defer(plan, token, exc, report, now=now)
        return True
    _store(plan, token, metrics, report, now=now or timezone.now())
    return True


def _read(plan: CollectPlan) -> dict | None:
    """The counters from the network; None when this network gives none of this kind."""
    cls = connector_class(plan.channel.kind)
    wanted = cls.capabilities.post_metrics if plan.publication_id \
        else cls.capabilities.account_metrics
    if not wanted:
        return None
    connector = channel_connector(plan.channel)
    try:
        if plan.publication_id:
            return connector.fetch_post_metrics(plan.publication.external_id)
        return connector.fetch_account_metrics()
    finally:
        connector.http.close()


def _store(plan: CollectPlan, token: str, metrics: dict | None, report: CollectReport, *,
           now: datetime) -> None:
    backfill = not plan.publication_id and not plan.backfilled
    done = {"backfilled": True} if backfill else {}
    with write_transaction():
        if not _settle(plan, token, attempts=0, last_error="", **done, **_next(plan, now)):
            return  # our claim ran out meanwhile: the next holder reads it again
        if plan.publication_id:
            if metrics:
                post_snapshot_record(publication=plan.publication, metrics=metrics,
                                     taken_at=now)
                report.posts += 1
            return
        if metrics:
            channel_snapshot_record(channel=plan.channel, metrics=metrics, taken_at=now)
            report.channels += 1
        if backfill:
            report.backfilled += collect_plans_backfill(channel=plan.channel, now=now)


def _next(plan: CollectPlan, now: datetime) -> dict:
    """The plan after a reading (or a rung given up): its next rung or tomorrow."""
    if not plan.publication_id:
        return {"next_at": channel_next_read(channel=plan.channel, now=now)}
    published_at = plan.publication.published_at or now
    step, next_at = ladder_next(published_at=published_at, now=now)
    return {"step": min(step, len(LADDER)), "next_at": next_at}


def _defer(plan: CollectPlan, token: str, exc: BaseException, report: CollectReport, *,
           now: datetime | None) -> None:
    """Try the same rung again later: after the wait the network asked for, else a
    growing delay; after GIVE_UP_AFTER failures, move on to the next rung."""
    now = now or timezone.now()
    message = getattr(exc, "message", "") or str(exc) or type(exc).__name__
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        channel_throttle(channel=plan.channel, seconds=retry_after,
                         scope=getattr(exc, "scope", "channel"))
    attempts = plan.attempts + 1
    report.deferred += 1
    report.errors.append(f"{plan.channel}: {message}")
    with write_transaction():
        if attempts >= GIVE_UP_AFTER and not retry_after:
            _settle(plan, token, attempts=0, last_error=message[:500], **_next(plan, now))
            return
        wait = timedelta(seconds=retry_after) if retry_after \
            else min(RETRY_MAX, timedelta(minutes=2 ** min(attempts - 1, 12)))
        _settle(plan, token, attempts=attempts, last_error=message[:500],
                next_at=now + wait)


def _refused(plan: CollectPlan, token: str, exc: PermanentError, report: CollectReport, *,
             now: datetime | None) -> None:
    """A refusal retrying will not fix. A broken channel is marked (the plan stays due
    and is read once it is reconnected); a post that is gone stops its ladder; anything
    else skips this rung."""
    now = now or timezone.now()
    report.errors.append(f"{plan.channel}: {exc.message}")
    with write_transaction():
        if exc.channel_broken:
            channel_mark_broken(channel=plan.channel, message=exc.message)
            _settle(plan, token, last_error=exc.message[:500])
        elif plan.publication_id and exc.code in GONE:
            _settle(plan, token, last_error=exc.message[:500], next_at=None)
        else:
            _settle(plan, token, attempts=0, last_error=exc.message[:500], **_next(plan, now))
