"""News and trends from the items of news sources: stories (``stories.StoryIndex``) and
daily term counts (``trends.terms_of``) kept in the database.

Called by ``understand.items_understand`` in the transaction that stores the items, by
the holder of the source's lease. The index of open stories lives in ``NewsIndex`` (one
row per workspace), so stories go on across batches, workers and restarts; each story
the batch touched is written to its ``Story`` row (title, first and last seen, counts,
signature) and its items point at it.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from django.utils import timezone

from smmdesk.listening import stories as st
from smmdesk.listening.models import Item, NewsIndex, Story, TermDay
from smmdesk.listening.trends import rising_terms, series_from_rows, terms_of

TREND_DAYS = 14  # the baseline of a rising term: the days before today


def items_news(*, workspace, items: list[Item]) -> None:
    items = sorted(items, key=lambda it: it.published_at)
    _stories(workspace, items)
    _terms(workspace, items)


def _index(workspace) -> tuple[NewsIndex, st.StoryIndex]:
    row, _made = NewsIndex.objects.select_for_update().get_or_create(workspace=workspace)
    index = st.StoryIndex.from_state(row.state) if row.state else st.StoryIndex()
    return row, index


def _stories(workspace, items: list[Item]) -> None:
    row, index = _index(workspace)
    touched: dict[str, list[int]] = {}
    done: dict[str, st.Story] = {}
    for it in items:
        a = index.add(st.Item(id=it.pk, text=it.text, title=it.title,
                              published_at=it.published_at, source_id=it.source_id,
                              language=it.language))
        touched.setdefault(a.story, []).append(it.pk)
        done.update({s.key: s for s in index.closed_take()})
    for key, ids in touched.items():
        story = done.get(key) or index.get(key)
        _save(workspace, story, ids)
    row.state, row.updated_at = index.state(), timezone.now()
    row.save(update_fields=["state", "updated_at"])


def _save(workspace, story: st.Story, ids: list[int]) -> None:
    language = story.languages.most_common(1)[0][0] if story.languages else ""
    saved, _made = Story.objects.update_or_create(
        workspace=workspace, key=story.key,
        defaults={"title": story.title[:500], "language": language[:8],
                  "first_seen": story.first_seen, "last_seen": story.last_seen,
                  "items_count": story.count, "sources_count": story.source_count,
                  "signature": {"hours": {str(h): n for h, n in story.hours.items()}}})
    Item.objects.filter(pk__in=ids).update(story=saved)


def _terms(workspace, items: list[Item]) -> None:
    counts: Counter = Counter()
    for it in items:
        day = timezone.localdate(it.published_at, workspace.tz)
        text = f"{it.title}\n{it.text}" if it.title else it.text
        counts.update((it.language, term, day) for term in set(terms_of(text, it.language)))
    counts = Counter({(lang[:8], term[:120], day): n
                      for (lang, term, day), n in counts.items()})
    days = {day for _l, _t, day in counts}
    existing = {(r.language, r.term, r.day): r for r in TermDay.objects.filter(
        workspace=workspace, day__in=days, term__in={t for _l, t, _d in counts})}
    changed = []
    for key, n in counts.items():
        if key in existing:
            existing[key].count += n
            changed.append(existing[key])
    TermDay.objects.bulk_update(changed, ["count"], batch_size=500)
    TermDay.objects.bulk_create(
        [TermDay(workspace=workspace, language=lang, term=term, day=day, count=n)
         for (lang, term, day), n in counts.items() if (lang, term, day) not in existing],
        batch_size=500)


def trends_rising(*, workspace, today=None, days: int = TREND_DAYS, limit: int = 30):
    """Terms rising today against the ``days`` before, per language."""
    today = today or timezone.localdate(timezone.now(), workspace.tz)
    buckets = [today - timedelta(days=d) for d in range(days, -1, -1)]
    rows = TermDay.objects.filter(workspace=workspace, day__gte=buckets[0]).values_list(
        "language", "term", "day", "count")
    return rising_terms(series_from_rows(rows, buckets=buckets), limit=limit)


def story_growth(story: Story, *, now: datetime | None = None, hours: int = 6):
    """Items in the last ``hours`` hours against the ``hours`` before (from the story's
    hourly counts)."""
    counts = {int(h): n for h, n in (story.signature or {}).get("hours", {}).items()}
    s = st.Story(key=story.key, title=story.title, first_seen=story.first_seen,
                 last_seen=story.last_seen, hours=Counter(counts))
    return s.growth(now=now or timezone.now(), hours=hours)
