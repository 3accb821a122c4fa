"""Reads of competitors: their pages' figures, and ours in the same shape, for the
comparison (``metrics.summary``/``compare``/``topics``/``gaps``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from smmdesk.accounts.models import Workspace
from smmdesk.competitors import metrics
from smmdesk.competitors.models import Competitor, Page, PageDay, Post

MEDIA = {"text", "image", "video", "album", "link"}


def _figures(p: Post) -> metrics.PostFigures:
    return metrics.PostFigures(id=p.pk, published_at=p.published_at,
                               media=p.media if p.media in MEDIA else "text", text=p.text,
                               likes=p.likes, comments=p.comments, shares=p.shares,
                               views=p.views, url=p.url)


def page_figures(*, page: Page, since=None) -> list[metrics.PostFigures]:
    qs = page.posts.order_by("published_at")
    if since is not None:
        qs = qs.filter(published_at__gte=since)
    return [_figures(p) for p in qs]


def competitor_list(*, workspace: Workspace):
    return Competitor.objects.filter(workspace=workspace).prefetch_related("pages")


def _series(pages) -> list[tuple[date, int]]:
    """The competitor's followers per day: the sum over its pages that have a reading."""
    by_day: dict[date, int] = {}
    for d in PageDay.objects.filter(page__in=pages, followers__isnull=False):
        by_day[d.day] = by_day.get(d.day, 0) + d.followers
    return sorted(by_day.items())


@dataclass
class Side:
    name: str
    summary: metrics.Summary
    posts: list[metrics.PostFigures]
    ours: bool = False


def competitor_side(*, competitor: Competitor, days: int, tz) -> Side:
    since = timezone.now() - timedelta(days=days)
    pages = list(competitor.pages.all())
    posts = [f for page in pages for f in page_figures(page=page, since=since)]
    series = _series(pages)
    followers = series[-1][1] if series else None
    s = metrics.summary(posts, followers=followers, period_days=days, tz=tz,
                        followers_series=series or None,
                        until=timezone.localdate(timezone.now(), tz))
    return Side(competitor.name, s, posts)


def our_side(*, workspace: Workspace, days: int, tz, name: str) -> Side:
    """Our channels' posts in the same shape, from analytics' post table (the numbers
    of our own dashboard, each post against its channel's followers that day)."""
    from smmdesk.analytics.dashboard import channels_for, period_last
    from smmdesk.analytics.post_metrics import post_metrics_list
    from smmdesk.content.selectors import post_texts_and_media

    channels = channels_for(workspace=workspace)
    period = period_last(days=days, today=timezone.localdate(timezone.now(), tz))
    rows = post_metrics_list(workspace=workspace, period=period,
                             channel_ids=[c.pk for c in channels])
    texts = post_texts_and_media(post_ids={r.post_id for r in rows})
    posts = [metrics.PostFigures(
        id=f"p{r.publication_id}", published_at=r.published_at,
        media=texts.get(r.post_id, ("", "text"))[1], text=texts.get(r.post_id, ("",))[0],
        likes=r.likes, comments=r.comments, shares=r.reposts, views=r.views,
        followers=r.followers) for r in rows]
    followers = sum(f for f in _latest_followers(rows).values()) or None
    s = metrics.summary(posts, followers=followers, period_days=days, tz=tz)
    return Side(name, s, posts, ours=True)


def _latest_followers(rows) -> dict[int, int]:
    latest: dict[int, tuple] = {}
    for r in rows:
        if r.followers is not None and (r.channel_id not in latest
                                        or r.published_at > latest[r.channel_id][0]):
            latest[r.channel_id] = (r.published_at, r.followers)
    return {k: v[1] for k, v in latest.items()}
