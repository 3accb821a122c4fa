"""Where inbox messages come from: comments under our recent posts (polled), the
network's stream of events (polled), and webhooks (pushed). All end in ``ingest``."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from smmdesk.channels.models import Channel, ChannelStatus, WebhookDelivery
from smmdesk.channels.services import channel_connector
from smmdesk.connectors.base import ConnectorError, RemoteComment
from smmdesk.connectors.registry import CONNECTORS, connector_class
from smmdesk.connectors.webhooks import WebhookEvent
from smmdesk.inbox.ingest import Incoming, IngestReport, ingest
from smmdesk.publishing.models import Publication, Status

log = logging.getLogger("smmdesk.inbox")
RECENT_DAYS = 14  # comments are read under posts published this recently
KINDS = {"comment": "comment", "message": "message", "mention": "mention"}


def incoming(channel: Channel, c: RemoteComment, kind: str = "comment") -> Incoming:
    return Incoming(channel=channel, external_id=c.external_id, text=c.text or "",
                    created_at=c.created_at or timezone.now(), kind=kind,
                    author_id=c.author_id, author_name=c.author_name,
                    post_external_id=c.post_external_id,
                    parent_external_id=c.parent_external_id, by_us=c.by_us, hidden=c.hidden)


def comments_of(channel: Channel, *, now: datetime | None = None) -> list[Incoming]:
    """Comments under the channel's posts of the last two weeks."""
    now = now or timezone.now()
    cls = connector_class(channel.kind)
    if not cls.capabilities.comments:
        return []
    pubs = Publication.objects.filter(channel=channel, status=Status.PUBLISHED,
                                      published_at__gte=now - timedelta(days=RECENT_DAYS)) \
        .exclude(external_id="").values_list("external_id", flat=True)
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


def event_incoming(channel: Channel, event: WebhookEvent) -> Incoming | None:
    if event.kind not in KINDS:
        return None
    comment = connector_class(channel.kind).event_comment(event)
    return incoming(channel, comment, KINDS[event.kind]) if comment else None


def events_of(channel: Channel) -> list[Incoming]:
    """The network's stream since the stored cursor (Telegram, Mastodon, Bluesky...)."""
    connector = channel_connector(channel)
    cursor = channel.settings.get("events_cursor", "")
    try:
        events, new_cursor = connector.poll_events(cursor)
    except ConnectorError as exc:
        log.info("events of %s: %s", channel, exc.message)
        return []
    finally:
        connector.http.close()
    if new_cursor != cursor:
        Channel.objects.filter(pk=channel.pk).update(
            settings={**channel.settings, "events_cursor": new_cursor})
    return [x for x in (event_incoming(channel, e) for e in events) if x]


def deliveries() -> dict[int, list[Incoming]]:
    """Accepted webhook deliveries not yet read, by workspace."""
    out: dict[int, list[Incoming]] = defaultdict(list)
    rows = list(WebhookDelivery.objects.filter(accepted=True, processed_at__isnull=True)
                .select_related("channel")[:500])
    for d in rows:
        for e in d.events:
            event = WebhookEvent(e["kind"], e["account_id"], e["data"], e.get("external_id", ""))
            channel = d.channel or Channel.objects.filter(
                kind=d.kind, external_id=event.account_id, status=ChannelStatus.ACTIVE).first()
            if channel is None:
                continue
            item = event_incoming(channel, event)
            if item:
                out[channel.workspace_id].append(item)
    WebhookDelivery.objects.filter(pk__in=[d.pk for d in rows]).update(
        processed_at=timezone.now())
    return out


def _active():
    return (Channel.objects.filter(status=ChannelStatus.ACTIVE, kind__in=list(CONNECTORS))
            .select_related("workspace"))


def collect_comments() -> IngestReport:
    total = IngestReport()
    for channel in _active():
        _add(total, ingest(comments_of(channel)))
    return total


def collect_pushed_and_streamed() -> IngestReport:
    total = IngestReport()
    for items in deliveries().values():
        _add(total, ingest(items))
    for channel in _active():
        if connector_class(channel.kind).poll_events is not _base_poll():
            _add(total, ingest(events_of(channel)))
    return total


def _base_poll():
    from smmdesk.connectors.base import Connector

    return Connector.poll_events


def _add(total: IngestReport, r: IngestReport) -> None:
    for field in ("received", "new", "duplicates", "rule_actions", "leads", "alerts"):
        setattr(total, field, getattr(total, field) + getattr(r, field))


def event_time(value) -> datetime:
    parsed = parse_datetime(str(value)) if value else None
    return parsed or timezone.now()
