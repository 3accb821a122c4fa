"""Where inbox messages come from: comments under our recent posts (polled), the
network's stream of events (polled), and webhooks (pushed). All end in ``ingest``.

Any number of workers run these at once: a channel is polled by one worker at a time
(``polling.poll_claim``) and a webhook delivery is taken in by one
(``channels.webhooks.webhook_deliveries_claim``). What moves on (a cursor, a delivery's
"done" mark) moves in the transaction that stores what it brought, or after it, never
before. One event that cannot be taken in is set aside with its error; the others, and
the polling after them, go on.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Hashable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from smmdesk.channels.models import Channel
from smmdesk.channels.selectors import channel_for_account, channels_active
from smmdesk.channels.services import channel_connector
from smmdesk.channels.webhooks import (
    event_from_row,
    webhook_deliveries_claim,
    webhook_deliveries_done,
    webhook_delivery_set_aside,
    webhook_event_set_aside,
)
from smmdesk.connectors.base import Connector, ConnectorError, RemoteComment
from smmdesk.connectors.registry import CONNECTORS, connector_class
from smmdesk.connectors.webhooks import WebhookEvent
from smmdesk.inbox.ingest import Incoming, IngestReport, ingest
from smmdesk.inbox.polling import COMMENTS, EVENTS, poll_advance, poll_claim, poll_release
from smmdesk.publishing.selectors import published_external_ids

log = logging.getLogger("smmdesk.inbox")
RECENT_DAYS = 14  # comments are read under posts published this recently
KINDS = {"comment": "comment", "message": "message", "mention": "mention"}
EVENTS_EVERY = 10.0  # seconds between two polls of one channel's stream
# The database itself is away: nothing is set aside, the claim runs out, all is retried.
DATABASE_DOWN = (OperationalError, InterfaceError)


def incoming(channel: Channel, c: RemoteComment, kind: str = "comment") -> Incoming:
    return Incoming(channel=channel, external_id=c.external_id, text=c.text or "",
                    created_at=c.created_at or timezone.now(), kind=kind,
                    author_id=c.author_id, author_name=c.author_name,
                    post_external_id=c.post_external_id,
                    parent_external_id=c.parent_external_id, by_us=c.by_us, hidden=c.hidden)


def event_incoming(channel: Channel, event: WebhookEvent) -> Incoming | None:
    if event.kind not in KINDS:
        return None
    comment = connector_class(channel.kind).event_comment(event)
    return incoming(channel, comment, KINDS[event.kind]) if comment else None


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"[:2000]


# ---------------------------------------------------------------- taking in, isolated


def take_in(groups: list[tuple[Hashable, list[Incoming]]], *,
            on_stored: Callable[[list], object], on_error: Callable[[Hashable, str], object]
            ) -> IngestReport:
    """Ingest all ``groups`` (of one workspace) at once; if that fails, each on its own,
    and hand the ones that still fail to ``on_error``. ``on_stored(keys)`` runs inside the
    transaction that stored those groups."""
    total = IngestReport()
    keys = [k for k, _items in groups]
    try:
        _add(total, ingest([it for _k, items in groups for it in items],
                           on_stored=lambda: on_stored(keys)))
        return total
    except DATABASE_DOWN:
        raise
    except Exception:
        log.exception("a batch of %d could not be taken in; taking each on its own",
                      len(groups))
    for key, items in groups:
        try:
            _add(total, ingest(items, on_stored=lambda key=key: on_stored([key])))
        except DATABASE_DOWN:
            raise
        except Exception as exc:
            log.warning("set aside %s: %s", key, describe(exc))
            on_error(key, describe(exc))
    return total


# ---------------------------------------------------------------- comments under our posts


def comments_of(channel: Channel, *, now: datetime | None = None) -> list[Incoming]:
    """Comments under the channel's posts of the last two weeks."""
    now = now or timezone.now()
    cls = connector_class(channel.kind)
    if not cls.capabilities.comments:
        return []
    pubs = published_external_ids(channel=channel, since=now - timedelta(days=RECENT_DAYS))
    connector = channel_connector(channel)
    found: list[Incoming] = []
    try:
        for external_id in pubs:
            try:
                found += [incoming(channel, c) for c in connector.fetch_comments(external_id)]
            except ConnectorError as exc:
                log.info("comments of %s on %s: %s", external_id, channel, exc.message)
    finally:
        connector.http.close()
    return found


def poll_comments(channel: Channel, *, worker_id: str = "", due_only: bool = False
                  ) -> IngestReport | None:
    """Read and take in the comments of one channel, if it is this worker's turn."""
    claim = poll_claim(channel=channel, stream=COMMENTS, worker_id=worker_id,
                       due_only=due_only)
    if claim is None:
        return None
    error = ""
    try:
        items = comments_of(channel)
        return take_in([(it.external_id, [it]) for it in items], on_stored=lambda keys: None,
                       on_error=lambda key, err: log.warning("comment %s of %s: %s", key,
                                                             channel, err))
    except DATABASE_DOWN:
        raise
    except Exception as exc:
        error = describe(exc)
        log.exception("polling the comments of %s failed", channel)
    finally:
        poll_release(claim=claim, every=settings.SMMDESK_INBOX_POLL_SECONDS, error=error)
    return None


# ---------------------------------------------------------------- the network's stream


def poll_stream(channel: Channel, *, worker_id: str = "", due_only: bool = False
                ) -> IngestReport | None:
    """The channel's events since its cursor (Telegram, Mastodon, Bluesky...), taken in;
    the cursor moves with what it brought."""
    claim = poll_claim(channel=channel, stream=EVENTS, worker_id=worker_id,
                       due_only=due_only)
    if claim is None:
        return None
    error = ""
    try:
        events, cursor = _fetch(channel, claim.cursor)
        pairs = _stream_items(channel, events)
        groups = [(n, [item]) for n, (item, _event) in enumerate(pairs)]
        report = take_in(groups, on_stored=lambda keys: len(keys) == len(groups)
                         and poll_advance(claim=claim, cursor=cursor),
                         on_error=lambda n, err: webhook_event_set_aside(
                             channel=channel, event=pairs[n][1], error=err))
        poll_advance(claim=claim, cursor=cursor)  # after one by one: all are in, or aside
        return report
    except ConnectorError as exc:
        error = exc.message
        log.info("events of %s: %s", channel, exc.message)
    except DATABASE_DOWN:
        raise
    except Exception as exc:
        error = describe(exc)
        log.exception("polling the events of %s failed", channel)
    finally:
        poll_release(claim=claim, every=EVENTS_EVERY, error=error)
    return None


def _fetch(channel: Channel, cursor: str) -> tuple[list[WebhookEvent], str]:
    connector = channel_connector(channel)
    try:
        return connector.poll_events(cursor)
    finally:
        connector.http.close()


def _stream_items(channel: Channel, events: list[WebhookEvent]
                  ) -> list[tuple[Incoming, WebhookEvent]]:
    """Each event as an Incoming, with the event (to set aside if it fails later); one
    that cannot be read is set aside now."""
    pairs = []
    for event in events:
        try:
            item = event_incoming(channel, event)
        except Exception as exc:
            webhook_event_set_aside(channel=channel, event=event, error=describe(exc))
            continue
        if item is not None:
            pairs.append((item, event))
    return pairs


# ---------------------------------------------------------------- webhook deliveries


def collect_deliveries(*, worker_id: str = "") -> IngestReport:
    """Take in a claimed batch of waiting webhook deliveries, workspace by workspace."""
    claim = webhook_deliveries_claim(worker_id=worker_id)
    total = IngestReport()
    by_workspace: dict[int, list[tuple[int, list[Incoming]]]] = defaultdict(list)
    later: dict[int, str] = {}  # finished after all their workspaces: id -> errors
    for d in claim.deliveries:
        parts, errors = _delivery_items(d)
        if errors or len(parts) != 1:
            later[d.pk] = "; ".join(errors)
        for workspace_id, items in parts.items():
            by_workspace[workspace_id].append((d.pk, items))

    def stored(ids: list[int]) -> None:
        webhook_deliveries_done(ids=[i for i in ids if i not in later], token=claim.token)

    def failed(delivery_id: int, error: str) -> None:
        later.pop(delivery_id, None)
        webhook_delivery_set_aside(delivery_id=delivery_id, token=claim.token, error=error)

    for groups in by_workspace.values():
        _add(total, take_in(groups, on_stored=stored, on_error=failed))
    for delivery_id, errors in later.items():  # ingest is idempotent: safe to mark after
        if errors:
            webhook_delivery_set_aside(delivery_id=delivery_id, token=claim.token,
                                       error=errors)
        else:
            webhook_deliveries_done(ids=[delivery_id], token=claim.token)
    return total


def _delivery_items(d) -> tuple[dict[int, list[Incoming]], list[str]]:
    """A delivery's events as Incoming by workspace, and what could not be read."""
    parts: dict[int, list[Incoming]] = defaultdict(list)
    errors = []
    for n, row in enumerate(d.events if isinstance(d.events, list) else [None]):
        try:
            event = event_from_row(row)
            channel = d.channel or channel_for_account(kind=d.kind,
                                                       external_id=event.account_id)
            item = event_incoming(channel, event) if channel is not None else None
        except Exception as exc:
            errors.append(f"event {n + 1}: {describe(exc)}")
            continue
        if item is not None:
            parts[channel.workspace_id].append(item)
    return parts, errors


# ---------------------------------------------------------------- what the worker runs


def _active():
    return channels_active(kinds=CONNECTORS)


def collect_comments(*, worker_id: str = "", due_only: bool = False) -> IngestReport:
    """Every active channel's comments that no other worker is reading (``due_only``:
    the workers' rounds skip channels polled within ``SMMDESK_INBOX_POLL_SECONDS``)."""
    total = IngestReport()
    for channel in _active():
        _add(total, poll_comments(channel, worker_id=worker_id, due_only=due_only))
    return total


def collect_pushed_and_streamed(*, worker_id: str = "", due_only: bool = False
                                ) -> IngestReport:
    total = collect_deliveries(worker_id=worker_id)
    for channel in _active():
        if connector_class(channel.kind).poll_events is not Connector.poll_events:
            _add(total, poll_stream(channel, worker_id=worker_id, due_only=due_only))
    return total


def _add(total: IngestReport, r: IngestReport | None) -> None:
    if r is None:
        return
    for field in ("received", "new", "by_us", "duplicates", "rule_actions", "leads",
                  "alerts"):
        setattr(total, field, getattr(total, field) + getattr(r, field))


def event_time(value) -> datetime:
    parsed = parse_datetime(str(value)) if value else None
    return parsed or timezone.now()
