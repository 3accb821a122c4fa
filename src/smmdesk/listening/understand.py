"""What new items mean: which queries they match (mentions), what those say, what is
news. Called by ``fetch.source_fetch`` inside the transaction that stores the items.

The workspace's queries are compiled once into one ``Matcher`` (an automaton over every
query word's forms, then only the candidate queries are evaluated) and kept until a
query changes. A query that leaves out our own channels skips items written by one of
the workspace's connected accounts on that network.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Max

from smmdesk.accounts.models import Workspace
from smmdesk.channels.selectors import channel_list
from smmdesk.listening.models import Item, Mention, Query, QueryHour, Spike
from smmdesk.listening.query.matcher import Matcher
from smmdesk.listening.services import item_text
from smmdesk.nlp.actions import labels_sure
from smmdesk.nlp.service import classify

log = logging.getLogger("smmdesk.listening")

_compiled: dict[int, tuple[tuple, Matcher, dict[str, Query]]] = {}
_lock = threading.Lock()
BASELINE_HOURS = 7 * 24


def workspace_matcher(workspace: Workspace) -> tuple[Matcher, dict[str, Query]]:
    qs = Query.objects.filter(workspace=workspace, enabled=True)
    key = tuple(qs.aggregate(n=Max("id"), at=Max("updated_at")).values()) + (qs.count(),)
    with _lock:
        held = _compiled.get(workspace.pk)
        if held and held[0] == key:
            return held[1], held[2]
    queries = {str(q.pk): q for q in qs}
    matcher = Matcher([(k, q.text) for k, q in queries.items()])
    with _lock:
        _compiled[workspace.pk] = (key, matcher, queries)
    return matcher, queries


def prefilter(workspace: Workspace):
    """For a firehose source: keep a text only when some query matches it."""
    matcher, _queries = workspace_matcher(workspace)
    return lambda text: bool(matcher.match(text))


def _own_authors(workspace: Workspace) -> set[tuple[str, str]]:
    own = set()
    for c in channel_list(workspace=workspace):
        for ident in (c.external_id, c.name, (c.url or "").rstrip("/").rsplit("/", 1)[-1]):
            if ident:
                own.add((c.kind, ident.lstrip("@").lower()))
    return own


def matches(workspace: Workspace, items: list[Item]) -> dict[int, list[Query]]:
    """Each item's matching queries, by the item's index in ``items``."""
    matcher, queries = workspace_matcher(workspace)
    if not queries:
        return {}
    own = _own_authors(workspace)
    found = {}
    for i, item in enumerate(items):
        ids = matcher.match(item_text(item), language=item.language,
                            source=item.source.kind if item.source_id else "",
                            author=item.author_id, published_at=item.published_at)
        mine = (item.network, item.author_id.lstrip("@").lower()) in own
        hit = [queries[q] for q in ids if not (mine and queries[q].exclude_own)]
        if hit:
            found[i] = hit
    return found


def items_understand(*, workspace: Workspace, items: list[Item], news: bool = True) -> int:
    """Mentions for the items that match; stories and terms for news. Returns the number
    of new mentions."""
    if not items:
        return 0
    read = _read(workspace, items)
    found = matches(workspace, items)
    mentions = _mentions(workspace, items, found, read)
    _hours(found, items)
    if news:
        from smmdesk.listening import news as news_mod

        news_mod.items_news(workspace=workspace, items=items)
    _alerts(workspace, mentions)
    _spikes(workspace, {q.pk for qs in found.values() for q in qs})
    return len(mentions)


def _read(workspace, items: list[Item]) -> list:
    """Language, sentiment and intent of each item (the workspace's model, as the inbox
    reads comments); an item whose source did not say its language gets the model's."""
    read = classify([item_text(it)[:2000] for it in items], workspace=workspace,
                    may_train=True)
    unsaid = [it for it, p in zip(items, read, strict=True) if not it.language and p.language]
    for it, p in zip(items, read, strict=True):
        it.language = it.language or p.language
    Item.objects.bulk_update(unsaid, ["language"], batch_size=500)
    return read


def _mentions(workspace, items: list[Item], found: dict[int, list[Query]], read: list
              ) -> list[Mention]:
    if not found:
        return []
    rows = [Mention(workspace=workspace, item=items[i], published_at=items[i].published_at,
                    language=items[i].language, sentiment=read[i].sentiment,
                    intent=read[i].intent, confidence=read[i].confidence)
            for i in sorted(found)]
    Mention.objects.bulk_create(rows)
    through = Mention.queries.through
    through.objects.bulk_create([through(mention_id=m.pk, query_id=q.pk)
                                 for m, i in zip(rows, sorted(found), strict=True)
                                 for q in found[i]])
    return rows


def _hour(at):
    return at.replace(minute=0, second=0, microsecond=0)


def _hours(found: dict[int, list[Query]], items: list[Item]) -> None:
    counts = Counter((q.pk, _hour(items[i].published_at)) for i, qs in found.items()
                     for q in qs)
    for (query_id, hour), n in counts.items():
        updated = QueryHour.objects.filter(query_id=query_id, hour=hour).update(
            count=F("count") + n)
        if not updated:
            QueryHour.objects.create(query_id=query_id, hour=hour, count=n)


def negative(m: Mention) -> bool:
    return m.sentiment == "negative" and labels_sure(confidence=m.confidence, action="alert",
                                                     tasks=("sentiment",))


def _alerts(workspace, mentions: list[Mention]) -> None:
    from smmdesk.listening.alerts import alert_negative_mentions

    bad = [m for m in mentions if negative(m)]
    if bad:
        try:
            with transaction.atomic():
                alert_negative_mentions(workspace, bad)
        except Exception:
            log.exception("the alert about %d negative mentions failed", len(bad))


def _spikes(workspace, query_ids: set[int]) -> None:
    from smmdesk.listening.alerts import alert_spike
    from smmdesk.listening.trends import spike

    for query_id in query_ids:
        last = QueryHour.objects.filter(query_id=query_id).order_by("-hour").first()
        if last is None or Spike.objects.filter(query_id=query_id, hour=last.hour).exists():
            continue
        start = last.hour - timedelta(hours=BASELINE_HOURS)
        by_hour = dict(QueryHour.objects.filter(query_id=query_id, hour__gt=start)
                       .values_list("hour", "count"))
        series = [by_hour.get(start + timedelta(hours=h + 1), 0)
                  for h in range(BASELINE_HOURS)]
        found = spike(series, now_index=len(series) - 1)
        if found is None:
            continue
        since = last.hour - timedelta(hours=found.hours - 1)
        ids = list(Mention.objects.filter(queries=query_id, published_at__gte=since)
                   .values_list("item_id", flat=True)[:50])
        s = Spike.objects.create(query_id=query_id, hour=last.hour, hours=found.hours,
                                 count=found.count, expected=found.expected, items=ids)
        try:
            with transaction.atomic():
                alert_spike(workspace, s)
        except Exception:
            log.exception("the spike alert for query %s failed", query_id)
