"""Who polls which channel: one worker at a time, under a lease, with the channel's own
cursor.

Each (channel, stream) has a ``ChannelPoll`` row. A worker claims it with a
compare-and-swap UPDATE (free, and due) as publishing claims its rows; a second worker's
UPDATE then matches nothing, so two pollers never read one channel at once. The cursor is
written only by the claim's holder (``claimed_by`` is in the UPDATE's condition), in the
row of its own channel: no shared dictionary for the last writer to overwrite. A killed
worker's claim runs out after ``SMMDESK_INBOX_LEASE_SECONDS``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from smmdesk.channels.models import Channel
from smmdesk.inbox.models import ChannelPoll
from smmdesk.lib.db import write_transaction

COMMENTS, EVENTS = "comments", "events"


@dataclass(frozen=True)
class PollClaim:
    poll_id: int
    token: str
    cursor: str


def poll_claim(*, channel: Channel, stream: str, worker_id: str = "", due_only: bool = False,
               now: datetime | None = None) -> PollClaim | None:
    """This worker's turn to poll ``channel``'s ``stream``; None when another worker holds
    it, or (``due_only``: the workers' rounds) when another polled it less than its
    interval ago."""
    now = now or timezone.now()
    poll = _row(channel, stream, now)
    token = f"{worker_id[:30]}:{uuid.uuid4().hex}"[-64:]
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    if due_only:
        free &= Q(next_poll_at__lte=now)
    with write_transaction():
        won = ChannelPoll.objects.filter(free, pk=poll.pk).update(
            claimed_by=token,
            claimed_until=now + timedelta(seconds=settings.SMMDESK_INBOX_LEASE_SECONDS))
    if not won:
        return None
    cursor = ChannelPoll.objects.filter(pk=poll.pk).values_list("cursor", flat=True).get()
    return PollClaim(poll.pk, token, cursor)


def poll_advance(*, claim: PollClaim, cursor: str) -> bool:
    """Move the cursor (inside the transaction that stores what it brought). False when the
    claim was lost: then the cursor stays, and the next holder reads those events again."""
    with write_transaction():
        return bool(ChannelPoll.objects.filter(pk=claim.poll_id, claimed_by=claim.token)
                    .update(cursor=cursor))


def poll_release(*, claim: PollClaim, every: float, error: str = "",
                 now: datetime | None = None) -> None:
    """Done for now: free the row and say when the channel is due again."""
    now = now or timezone.now()
    with write_transaction():
        ChannelPoll.objects.filter(pk=claim.poll_id, claimed_by=claim.token).update(
            claimed_by="", claimed_until=None, next_poll_at=now + timedelta(seconds=every),
            last_error=error[:2000])


def _row(channel: Channel, stream: str, now: datetime) -> ChannelPoll:
    poll = ChannelPoll.objects.filter(channel=channel, stream=stream).first()
    if poll is not None:
        return poll
    # The first poll starts where the cursor kept in the channel's settings (before this
    # table) left off; two workers creating the row at once make one.
    legacy = str((channel.settings or {}).get("events_cursor") or "") if stream == EVENTS \
        else ""
    with write_transaction():
        ChannelPoll.objects.bulk_create([ChannelPoll(channel=channel, stream=stream,
                                                     cursor=legacy, next_poll_at=now)],
                                        ignore_conflicts=True)
    return ChannelPoll.objects.get(channel=channel, stream=stream)
