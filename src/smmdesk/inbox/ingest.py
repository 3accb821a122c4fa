"""Taking messages in: deduplicate, understand, store, apply rules, raise alerts, make leads.

Everything arrives as ``Incoming`` (from a connector's ``fetch_comments``, its polled
events or a webhook) and goes through one path, in batches, so a busy day costs a handful
of queries rather than a handful per message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from smmdesk.channels.models import Channel
from smmdesk.inbox.models import (
    Author,
    Lead,
    Message,
    MessageKind,
    MessageStatus,
    RuleAction,
)
from smmdesk.inbox.rules import NETWORK_ACTIONS, enabled_rules
from smmdesk.lib.db import write_transaction
from smmdesk.nlp.actions import message_acts
from smmdesk.nlp.model import Prediction
from smmdesk.nlp.service import classify
from smmdesk.publishing.selectors import publications_by_external_id

log = logging.getLogger("smmdesk.inbox")


@dataclass(frozen=True)
class Incoming:
    channel: Channel
    external_id: str
    text: str
    created_at: datetime
    kind: str = MessageKind.COMMENT
    author_id: str = ""
    author_name: str = ""
    author_handle: str = ""
    post_external_id: str = ""
    parent_external_id: str = ""
    by_us: bool = False
    hidden: bool = False


@dataclass
class IngestReport:
    received: int = 0
    new: int = 0
    by_us: int = 0  # our own answers, stored for the threads, not counted as new
    duplicates: int = 0
    rule_actions: int = 0
    leads: int = 0
    alerts: int = 0


def priority(m: Message) -> int:
    """Negative complaints first, then toxic messages and people who want to buy. Only
    labels the model is sure of pin a message (nlp/actions.py): an uncertain complaint
    ranks with the other negative messages, and waits for a person's correction."""
    if m.sentiment == "negative" and m.intent == "complaint" \
            and message_acts(message=m, action="pin"):
        return 3
    if m.intent == "purchase" and not m.toxic and message_acts(message=m, action="lead"):
        return 2
    return 1 if m.toxic or m.sentiment == "negative" else 0


def ingest(items: list[Incoming], *, now: datetime | None = None,
           on_stored: Callable[[], object] | None = None) -> IngestReport:
    """Store what is new among ``items`` (all of one workspace) and act on it.

    ``on_stored`` runs inside the transaction that stores them (a delivery's "done" mark,
    a cursor), so both commit or neither. The texts are read before that transaction: a
    model rebuild after a correction takes a minute, and SQLite's write lock (which every
    publishing claim needs) must not wait for it. Taking the same items in twice stores
    them once: a row another worker stored meanwhile is dropped and the batch retried."""
    report = IngestReport(received=len(items))
    now = now or timezone.now()
    understood: dict[int, Prediction] = {}
    for attempt in range(2):
        fresh = _dedup(items)
        understood |= _understand([it for it in fresh if id(it) not in understood])
        try:
            with write_transaction():
                if fresh:
                    _store(report, fresh, understood, now)
                if on_stored is not None:
                    on_stored()
            break
        except IntegrityError:
            if attempt:
                raise
            log.info("messages of this batch were stored meanwhile; taking the rest again")
            report = IngestReport(received=len(items))
    report.duplicates = len(items) - report.new - report.by_us
    return report


def _understand(items: list[Incoming]) -> dict[int, Prediction]:
    """What each text says (language, sentiment, intent, toxicity), by ``id(item)``, as
    the workspace has taught smmdesk (this is a worker: it may train the workspace's
    model); our own answers and empty texts are not read."""
    to_read = [it for it in items if not it.by_us and it.text.strip()]
    if not to_read:
        return {}
    read = classify([it.text for it in to_read], workspace=to_read[0].channel.workspace,
                    may_train=True)
    return dict(zip([id(it) for it in to_read], read, strict=True))


def _store(report: IngestReport, fresh: list[Incoming], understood: dict, now) -> None:
    workspace = fresh[0].channel.workspace
    authors, new_authors = _authors(workspace, fresh, now)
    messages = _messages(workspace, fresh, authors, understood, now)
    report.new = len(messages)
    report.by_us = len(fresh) - len(messages)
    report.rule_actions = _apply_rules(workspace, messages, new_authors)
    report.leads = _leads(workspace, messages)
    # Alerts only queue (the outbox sends them after commit), so they commit with these.
    report.alerts = _alert(workspace, [m for m in messages if m.priority == 3
                                       and message_acts(message=m, action="alert")])


def _dedup(items: list[Incoming]) -> list[Incoming]:
    seen: set[tuple[int, str]] = set()
    by_channel: dict[int, set[str]] = {}
    for it in items:
        by_channel.setdefault(it.channel.pk, set()).add(it.external_id)
    for channel_id, ids in by_channel.items():
        for chunk in _chunks(sorted(ids), 500):
            seen |= {(channel_id, e) for e in Message.objects.filter(
                channel_id=channel_id, external_id__in=chunk).values_list("external_id",
                                                                          flat=True)}
    fresh = []
    for it in items:
        key = (it.channel.pk, it.external_id)
        if key not in seen and it.external_id:
            seen.add(key)
            fresh.append(it)
    return fresh


def _chunks(values, size):
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _authors(workspace, items: list[Incoming], now) -> tuple[dict, set]:
    """Author rows for everyone in ``items``; also the keys of authors new to us."""
    keys = {(it.channel.kind, it.author_id or it.author_handle or "unknown") for it in items}
    found: dict[tuple[str, str], Author] = {}
    for network in {k[0] for k in keys}:
        ids = [k[1] for k in keys if k[0] == network]
        for chunk in _chunks(ids, 500):
            for a in Author.objects.filter(workspace=workspace, network=network,
                                           network_id__in=chunk):
                found[(network, a.network_id)] = a
    missing = keys - set(found)
    names = {(it.channel.kind, it.author_id or it.author_handle or "unknown"): it
             for it in items}
    created = Author.objects.bulk_create(
        [Author(workspace=workspace, network=k[0], network_id=k[1], name=names[k].author_name,
                handle=names[k].author_handle, first_seen=now, last_seen=now)
         for k in missing], ignore_conflicts=True)
    if created:
        for a in Author.objects.filter(workspace=workspace, network_id__in=[k[1] for k in
                                                                             missing]):
            if (a.network, a.network_id) in missing:  # not a namesake on another network
                found[(a.network, a.network_id)] = a
    Author.objects.filter(pk__in=[a.pk for k, a in found.items() if k not in missing]) \
        .update(last_seen=now)
    return found, missing


def _messages(workspace, items: list[Incoming], authors: dict, understood: dict, now
              ) -> list[Message]:
    pubs = publications_by_external_id(pairs={(it.channel.pk, it.post_external_id)
                                              for it in items if it.post_external_id})
    rows = []
    for it in sorted(items, key=lambda i: i.created_at):
        p = understood.get(id(it))
        m = Message(
            workspace=workspace, channel=it.channel, kind=it.kind, external_id=it.external_id,
            post_external_id=it.post_external_id,
            publication=pubs.get((it.channel.pk, it.post_external_id)),
            author=authors.get((it.channel.kind, it.author_id or it.author_handle or "unknown")),
            by_us=it.by_us, text=it.text, created_at=it.created_at, received_at=now,
            hidden=it.hidden,
            status=MessageStatus.DONE if it.by_us else MessageStatus.NEW)
        if p is not None:
            m.language, m.sentiment, m.intent, m.toxic = p.language, p.sentiment, p.intent, \
                p.toxic
            m.confidence = p.confidence
            m.priority = priority(m)
        rows.append(m)
    Message.objects.bulk_create(rows)  # primary keys come back on SQLite and PostgreSQL
    _link_parents(rows, items)
    return [m for m in rows if not m.by_us]


def _link_parents(rows: list[Message], items: list[Incoming]) -> None:
    """Threads: each reply points at the message it answers (in this batch or earlier).
    A reply the network sent without its post (a direct-message thread, some webhooks)
    belongs to the parent's post."""
    by_key = {(m.channel_id, m.external_id): m for m in rows}
    wanted = {(it.channel.pk, it.external_id): it.parent_external_id for it in items
              if it.parent_external_id}
    missing = {(c, p) for (c, _e), p in wanted.items() if (c, p) not in by_key}
    for channel_id in {c for c, _p in missing}:
        ids = [p for c, p in missing if c == channel_id]
        for m in Message.objects.filter(channel_id=channel_id, external_id__in=ids):
            by_key[(channel_id, m.external_id)] = m
    changed = []
    for (channel_id, external_id), parent_id in wanted.items():
        child, parent = by_key.get((channel_id, external_id)), by_key.get((channel_id, parent_id))
        if child is not None and parent is not None:
            child.parent = parent
            if not child.post_external_id and parent.post_external_id:
                child.post_external_id = parent.post_external_id
                child.publication_id = parent.publication_id
            changed.append(child)
    Message.objects.bulk_update(changed, ["parent", "post_external_id", "publication"])


def _apply_rules(workspace, messages: list[Message], new_authors: set) -> int:
    """Match every new message against the enabled rules, then act in bulk: a busy batch
    costs a few queries per rule, not per message."""
    from smmdesk.inbox.actions import apply_local_bulk

    rules = enabled_rules(workspace)
    if not rules:
        return 0
    planned: list[tuple] = []  # (rule, message, action)
    for m in messages:
        is_new = m.author is not None and (m.author.network, m.author.network_id) in new_authors
        for rule, matcher in rules:
            if matcher.matches(m, new_author=is_new):
                planned += [(rule, m, action) for action in rule.actions]
    local = [p for p in planned if p[2]["do"] not in NETWORK_ACTIONS]
    queued = [RuleAction(workspace=workspace, rule=rule, message=m, action=action["do"],
                         detail=action, state="pending")
              for rule, m, action in planned if action["do"] in NETWORK_ACTIONS]
    RuleAction.objects.bulk_create(queued)
    apply_local_bulk(workspace, local)
    return len(planned)


def wants_lead(m: Message) -> bool:
    """Someone sure to want to buy (an uncertain purchase waits for a person)."""
    return m.intent == "purchase" and not m.toxic and m.status != MessageStatus.SPAM \
        and message_acts(message=m, action="lead")


def _leads(workspace, messages: list[Message]) -> int:
    rows = [Lead(workspace=workspace, message=m, channel=m.channel, publication=m.publication,
                 author=m.author, created_at=m.created_at)
            for m in messages if wants_lead(m)]
    Lead.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


ALERT_ONE_BY_ONE = 3  # more negative messages than this in one batch: one summary


def _alert(workspace, negative: list[Message]) -> int:
    if not negative:
        return 0
    from smmdesk.inbox.alerts import alert_negative, alert_summary

    # An alert must never lose the messages it is about, nor keep the next one from going:
    # each runs in a savepoint of its own, and its failure is only logged.
    if len(negative) > ALERT_ONE_BY_ONE:
        try:
            with transaction.atomic():
                alert_summary(workspace, negative)
        except Exception:
            log.exception("the alert about %d negative messages failed", len(negative))
        return len(negative)
    for m in negative:
        try:
            with transaction.atomic():
                alert_negative(m)
        except Exception:
            log.exception("the alert about message %s failed", m.pk)
    return len(negative)
