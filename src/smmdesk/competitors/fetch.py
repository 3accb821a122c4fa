"""The competitors loop: claim due pages, read each in ``account`` mode, keep the posts
(their counts grow for days: each read updates them) and one row of public figures per
day, and tell the owner once when a post does three times better than that account's
median (``metrics.outliers``)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.utils import timezone

from smmdesk.competitors.models import Page, PageDay, Post
from smmdesk.competitors.services import page_secret_for
from smmdesk.lib.db import write_transaction
from smmdesk.lib.lease import lease_due, lease_release
from smmdesk.sources import registry
from smmdesk.sources.base import Batch, SourceError

log = logging.getLogger("smmdesk.competitors")

EVERY = timedelta(hours=6)
LEASE_SECONDS = 180


def pages_run(*, worker_id: str = "", limit: int = 5, now: datetime | None = None) -> int:
    token, ids = lease_due(Page, worker_id=worker_id, limit=limit, seconds=LEASE_SECONDS,
                           now=now)
    for pk in ids:
        page = Page.objects.select_related("competitor__workspace").get(pk=pk)
        try:
            page_fetch(page=page, token=token)
        except Exception as exc:  # one broken page never stops the others
            log.exception("competitors: page %s failed", pk)
            _failed(page, token, str(exc))
    return len(ids)


def page_fetch(*, page: Page, token: str) -> int:
    src = registry.get(page.kind)
    try:
        secret = page_secret_for(workspace=page.competitor.workspace, kind=page.kind,
                                 channel_id=page.channel_id)
        batch = src.fetch(config=page.config, secret=secret, cursor="", since=None)
    except SourceError as exc:
        _failed(page, token, str(exc.message), retry_after=exc.retry_after)
        return 0
    with write_transaction():
        if not Page.objects.filter(pk=page.pk, claimed_by=token).exists():
            return 0
        stored = posts_store(page=page, batch=batch)
        _outliers(page)
    now = timezone.now()
    lease_release(Page, pk=page.pk, token=token, next_fetch_at=now + EVERY, failures=0,
                  last_error="", last_ok_at=now)
    return stored


def posts_store(*, page: Page, batch: Batch) -> int:
    now = timezone.now()
    known = {p.external_id: p for p in Post.objects.filter(
        page=page, external_id__in=[it.external_id[:300] for it in batch.items])}
    new, changed = [], []
    for it in batch.items:
        fields = {"url": it.url[:1000] if it.url.startswith(("http://", "https://")) else "",
                  "text": it.text[:20000], "media": it.media[:16],
                  "published_at": it.published_at or now, "likes": it.likes,
                  "comments": it.comments, "shares": it.shares, "views": it.views,
                  "updated_at": now}
        post = known.get(it.external_id[:300])
        if post is None:
            new.append(Post(page=page, external_id=it.external_id[:300], **fields))
        else:
            for k, v in fields.items():
                setattr(post, k, v)
            changed.append(post)
    Post.objects.bulk_create(new)
    Post.objects.bulk_update(changed, ["url", "text", "media", "published_at", "likes",
                                       "comments", "shares", "views", "updated_at"])
    if batch.account is not None:
        _day(page, batch, now)
    return len(new)


def _day(page: Page, batch: Batch, now) -> None:
    acc = batch.account
    Page.objects.filter(pk=page.pk).update(name=(acc.name or page.name)[:200],
                                           url=acc.url[:500] if acc.url else page.url)
    PageDay.objects.update_or_create(page=page, day=now.date(),
                                     defaults={"followers": acc.followers, "posts": acc.posts})


def _outliers(page: Page) -> None:
    from smmdesk.competitors.alerts import alert_outliers
    from smmdesk.competitors.metrics import outliers
    from smmdesk.competitors.selectors import page_figures

    posts = page_figures(page=page)
    fresh = {p.id for p in outliers(posts)}
    new = list(Post.objects.filter(pk__in=fresh, alerted_at__isnull=True,
                                   published_at__gte=timezone.now() - timedelta(days=14)))
    if new:
        Post.objects.filter(pk__in=[p.pk for p in new]).update(alerted_at=timezone.now())
        alert_outliers(page, new)


def _failed(page: Page, token: str, error: str, retry_after: float | None = None) -> None:
    failures = page.failures + 1
    wait = timedelta(minutes=15 * 2 ** min(failures - 1, 6))
    if retry_after:
        wait = max(wait, timedelta(seconds=retry_after))
    lease_release(Page, pk=page.pk, token=token, failures=failures, last_error=error[:2000],
                  next_fetch_at=timezone.now() + min(wait, timedelta(hours=24)))
