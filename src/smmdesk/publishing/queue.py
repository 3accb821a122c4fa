"""Posting slots and the queue: each channel has weekly times; "add to queue" takes the
next free one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from smmdesk.accounts.models import User
from smmdesk.channels.models import Channel
from smmdesk.content.models import ApprovalState, Post
from smmdesk.lib.errors import InvalidInput
from smmdesk.lib.walltime import exists, is_ambiguous
from smmdesk.publishing.models import PostingSlot, Publication, Status
from smmdesk.publishing.selectors import approval_lead
from smmdesk.publishing.services import publication_schedule

# Publications that occupy a slot.
OCCUPYING = (Status.PENDING_APPROVAL, Status.SCHEDULED, Status.PUBLISHING, Status.PUBLISHED,
             Status.UNCONFIRMED)
HORIZON_DAYS = 366


def slot_add(*, channel: Channel, weekday: int, at: time) -> PostingSlot:
    if not 0 <= int(weekday) <= 6:
        raise InvalidInput(_("A weekday is 0 (Monday) to 6 (Sunday)."), code="invalid_weekday")
    slot, _created = PostingSlot.objects.get_or_create(
        channel=channel, weekday=int(weekday), time=at.replace(second=0, microsecond=0))
    return slot


def slot_remove(*, channel: Channel, slot_id: int) -> None:
    PostingSlot.objects.filter(channel=channel, pk=slot_id).delete()


def _walls(channel: Channel, start: date, days: int) -> Iterator[datetime]:
    """Every slot of the channel from ``start`` for ``days`` days, as wall-clock times."""
    slots = list(channel.slots.all())
    for offset in range(days):
        day = start + timedelta(days=offset)
        for slot in slots:
            if slot.weekday == day.weekday():
                yield datetime.combine(day, slot.time)


def _clock_change(wall: datetime, tz) -> str:
    """Why the queue skips this slot on this day ("" when it does not)."""
    when = {"day": date_format(wall.date(), "DATE_FORMAT"), "time": f"{wall:%H:%M}"}
    if not exists(wall, tz):
        return _("On %(day)s the clocks jump forward over %(time)s, so this posting time is "
                 "skipped that day.") % when
    if is_ambiguous(wall, tz):
        return _("On %(day)s the clocks go back and %(time)s happens twice, so this posting "
                 "time is skipped that day; schedule a post for it by hand to choose.") % when
    return ""


def slot_times(channel: Channel, start: date, days: int) -> Iterator[datetime]:
    """Every slot of the channel from ``start`` for ``days`` days, as aware datetimes in
    the workspace's time zone, in order. A slot on a time the clocks skip or repeat that
    day is left out: the queue never moves a post by an hour or guesses which one."""
    tz = channel.workspace.tz
    for wall in _walls(channel, start, days):
        if not _clock_change(wall, tz):
            yield wall.replace(tzinfo=tz)


def slot_clock_warnings(channel: Channel, *, at: time, weekday: int | None = None,
                        days: int = HORIZON_DAYS) -> list[str]:
    """What daylight saving does to a weekly time ``at`` within ``days`` (on ``weekday``
    only, if given): one sentence per day it is skipped."""
    tz = channel.workspace.tz
    start = timezone.localtime(timezone.now(), tz).date()
    walls = (datetime.combine(start + timedelta(days=k), at) for k in range(days))
    return [message for wall in walls
            if weekday is None or wall.weekday() == weekday
            if (message := _clock_change(wall, tz))]


def _minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def taken_minutes(channel: Channel, since: datetime, until: datetime) -> set[datetime]:
    rows = Publication.objects.filter(channel=channel, status__in=OCCUPYING,
                                      scheduled_at__gte=since, scheduled_at__lt=until)
    return {_minute(at) for at in rows.values_list("scheduled_at", flat=True)}


def next_free_slot(channel: Channel, *, after: datetime | None = None) -> datetime | None:
    after = after or timezone.now()
    start = timezone.localtime(after, channel.workspace.tz).date()
    taken = taken_minutes(channel, after, after + timedelta(days=HORIZON_DAYS + 1))
    for at in slot_times(channel, start, HORIZON_DAYS):
        if at > after and _minute(at) not in taken:
            return at
    return None


@transaction.atomic
def post_add_to_queue(*, post: Post, channels: list[Channel], actor: User | None
                      ) -> list[Publication]:
    """Schedule the post on each channel at that channel's next free slot. A post that
    still needs approval takes the first slot the approval chain can meet: not sooner
    than the workspace's approval lead time from now."""
    after = None
    if post.workspace.needs_approval and post.approval != ApprovalState.APPROVED:
        after = timezone.now() + approval_lead(post.workspace)
    pubs = []
    for channel in channels:
        at = next_free_slot(channel, after=after)
        if at is None:
            raise InvalidInput(_("%(channel)s has no free posting time; add times on the "
                                 "Queue page.") % {"channel": channel.name}, code="no_slot",
                               details={"channel_id": channel.pk})
        pubs.append(publication_schedule(post=post, channel=channel, at=at, actor=actor))
    return pubs


def slot_overview(channel: Channel, *, weeks: int = 2) -> list[dict]:
    """The coming weeks' slots of a channel, each filled (with its publication) or empty,
    or skipped for a clock change (``clock`` says why; ``at`` is then the wall time)."""
    now = timezone.now()
    tz = channel.workspace.tz
    start = timezone.localtime(now, tz).date()
    times = [at for at in slot_times(channel, start, weeks * 7) if at > now]
    skipped = [{"at": wall, "publication": None, "clock": _clock_change(wall, tz)}
               for wall in _walls(channel, start, weeks * 7) if _clock_change(wall, tz)]
    if not times:
        return skipped
    pubs = {}
    for pub in (Publication.objects.filter(channel=channel, status__in=OCCUPYING,
                                           scheduled_at__gte=times[0],
                                           scheduled_at__lte=times[-1] + timedelta(minutes=1))
                .select_related("post")):
        pubs.setdefault(_minute(pub.scheduled_at), pub)
    entries = [{"at": at, "publication": pubs.get(_minute(at)), "clock": ""} for at in times]
    return sorted(entries + skipped, key=lambda e: _naive_local(e["at"], tz))


def _naive_local(at: datetime, tz) -> datetime:
    return timezone.localtime(at, tz).replace(tzinfo=None) if timezone.is_aware(at) else at
