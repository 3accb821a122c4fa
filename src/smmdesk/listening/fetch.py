"""The listening loop: claim due sources, fetch what is new, understand it.

``listening_run`` is called by every worker. It claims due sources with a lease
(``lib/lease.py``: any number of workers, a killed one's sources are taken over), and
for each: fetches one batch after the stored cursor, stores the new items once each
(unique per source and the source's own id), and then, in the same transaction as the
cursor's move, matches them against the workspace's queries (mentions, with language,
sentiment and intent from ``nlp``), counts each query's hour, groups news items into
stories and counts their terms. Alerts (a negative mention, a spike) are queued in that
transaction and sent by the outbox after commit. A failed fetch keeps the cursor and
the data; the source waits longer after each failure (1, 2, 4 ... 12 h), and a wrong
key stops it until a person fixes it (``needs_attention``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from smmdesk.lib.db import write_transaction
from smmdesk.lib.lease import lease_due, lease_release
from smmdesk.listening import understand
from smmdesk.listening.models import Item, Source
from smmdesk.listening.services import source_secret
from smmdesk.sources import registry
from smmdesk.sources.base import Batch, SourceError

log = logging.getLogger("smmdesk.listening")

LEASE_SECONDS = 180
FIRST_FETCH_DAYS = 7  # the first fetch of a source goes back this far, where it can
MAX_BACKOFF = timedelta(hours=12)


@dataclass
class RunReport:
    sources: int = 0
    items: int = 0
    mentions: int = 0
    errors: list[str] = field(default_factory=list)


def listening_run(*, worker_id: str = "", limit: int = 5, now: datetime | None = None
                  ) -> RunReport:
    report = RunReport()
    token, ids = lease_due(Source, worker_id=worker_id, limit=limit, seconds=LEASE_SECONDS,
                           now=now, enabled=True, needs_attention=False)
    for pk in ids:
        source = Source.objects.select_related("workspace").get(pk=pk)
        report.sources += 1
        try:
            new, mentions = source_fetch(source=source, token=token)
            report.items += new
            report.mentions += mentions
        except Exception as exc:  # one broken source never stops the others
            log.exception("listening: source %s failed", pk)
            report.errors.append(f"{source.name}: {exc}")
            _failed(source, token, SourceError(str(exc), transient=True))
    return report


def source_fetch(*, source: Source, token: str, max_pages: int = 5) -> tuple[int, int]:
    """Fetch up to ``max_pages`` batches; returns (new items, new mentions)."""
    src = registry.get(source.kind)
    wanted = understand.prefilter(source.workspace) if src.stream else None
    since = timezone.now() - timedelta(days=FIRST_FETCH_DAYS)
    cursor, new, mentions = source.cursor, 0, 0
    for _page in range(max_pages):
        try:
            batch = src.fetch(config=source.config, secret=source_secret(source),
                              cursor=cursor, since=since, wanted=wanted)
        except SourceError as exc:
            _failed(source, token, exc)
            return new, mentions
        with write_transaction():
            if not Source.objects.filter(pk=source.pk, claimed_by=token).exists():
                return new, mentions  # the lease ran out and another worker took over
            items = items_store(source=source, batch=batch)
            mentions += understand.items_understand(workspace=source.workspace, items=items,
                                                    news=source.news)
            cursor = batch.cursor or cursor
            Source.objects.filter(pk=source.pk).update(cursor=cursor)
        new += len(items)
        if not batch.more:
            break
    _done(source, token, src.every, new)
    return new, mentions


def items_store(*, source: Source, batch: Batch) -> list[Item]:
    """The batch's items this source has not stored yet, stored."""
    ids = [it.external_id[:300] for it in batch.items]
    known = set(Item.objects.filter(source=source, external_id__in=ids)
                .values_list("external_id", flat=True))
    rows, seen = [], set()
    now = timezone.now()
    for it in batch.items:
        key = it.external_id[:300]
        if key in known or key in seen:
            continue
        seen.add(key)
        rows.append(_row(source, it, now))
    Item.objects.bulk_create(rows)
    return rows


def _row(source: Source, it, now) -> Item:
    return Item(
        workspace_id=source.workspace_id, source=source, external_id=it.external_id[:300],
        url=it.url[:1000] if it.url.startswith(("http://", "https://")) else "",
        title=it.title[:500], text=it.text[:20000], author=it.author[:200],
        author_id=it.author_id[:200], author_url=it.author_url[:500]
        if it.author_url.startswith(("http://", "https://")) else "",
        author_followers=it.author_followers, language=it.language[:8], kind=it.kind[:16],
        media=it.media[:16], likes=it.likes, comments=it.comments, shares=it.shares,
        views=it.views, network=it.network[:32], reply_ref=it.reply_ref[:500],
        published_at=it.published_at or now, fetched_at=now)


def _done(source: Source, token: str, every: timedelta, new: int) -> None:
    now = timezone.now()
    lease_release(Source, pk=source.pk, token=token, next_fetch_at=now + _every(every),
                  failures=0, last_error="", last_fetch_at=now, last_ok_at=now,
                  items_total=source.items_total + new)


def _every(every: timedelta) -> timedelta:
    floor = timedelta(seconds=settings.SMMDESK_LISTENING_MIN_SECONDS)
    return max(every, floor)


def _failed(source: Source, token: str, exc: SourceError) -> None:
    now = timezone.now()
    failures = source.failures + 1
    wait = timedelta(minutes=2 ** min(failures - 1, 10))
    if exc.retry_after:
        wait = max(wait, timedelta(seconds=exc.retry_after))
    lease_release(Source, pk=source.pk, token=token, failures=failures,
                  last_error=str(exc.message)[:2000], last_fetch_at=now,
                  needs_attention=exc.auth or not exc.transient and failures >= 3,
                  next_fetch_at=now + min(wait, MAX_BACKOFF))
