"""What people do to publications: schedule, reschedule, cancel, retry, settle.

Every change is a compare-and-swap on ``status`` so that a person and the dispatcher
never both win: once the dispatcher has claimed a row, a reschedule is refused with a
clear message instead of racing the network call.
"""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from smmdesk.accounts.models import User
from smmdesk.channels.models import Channel, ChannelStatus
from smmdesk.content.models import ApprovalState, Post, Variant
from smmdesk.content.selectors import variant_issues
from smmdesk.content.services import post_duplicate, raise_issues, variant_set
from smmdesk.lib.errors import Conflict, InvalidInput, NotFound
from smmdesk.lib.links import safe_http_url
from smmdesk.lib.walltime import local_resolve
from smmdesk.publishing.models import (
    TRANSITIONS,
    Outcome,
    Publication,
    PublishAttempt,
    Status,
)
from smmdesk.team.services import task_deadlines_follow

# A time this far in the past still counts as "now" (a slow click, a clock a bit off).
PAST_TOLERANCE = timedelta(seconds=60)


def _local_time(at: datetime) -> str:
    local = timezone.localtime(at)
    return f"{date_format(local, 'SHORT_DATETIME_FORMAT')} {local:%Z}"


def _check_time(at: datetime | None) -> datetime:
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        raise InvalidInput(_("The time has no time zone; give it with an offset, e.g. "
                             "2026-12-01T10:00:00+02:00."), code="naive_time")
    if at < now - PAST_TOLERANCE:
        raise InvalidInput(_("%(time)s is in the past; choose a time from now on.")
                           % {"time": _local_time(at)},
                           code="time_in_past")
    return max(at, now)


def _transition(pub: Publication, to: str, **fields) -> Publication:
    """Move ``pub`` to ``to`` if nobody changed it meanwhile; Conflict otherwise."""
    if to not in TRANSITIONS[pub.status]:
        raise Conflict(_("A publication that is %(status)s cannot become %(to)s.")
                       % {"status": pub.get_status_display().lower(),
                          "to": Status(to).label.lower()}, code="invalid_transition")
    changed = Publication.objects.filter(pk=pub.pk).transition(pub.status, to, **fields)
    if not changed:
        pub.refresh_from_db()
        raise Conflict(_("This publication changed meanwhile (it is now %(status)s). "
                         "Reload and try again.") % {"status": pub.get_status_display().lower()},
                       code="changed_meanwhile")
    pub.refresh_from_db()
    return pub


@transaction.atomic
def publication_schedule(*, post: Post, channel: Channel, at: datetime | None,
                         actor: User | None) -> Publication:
    """Schedule ``post`` to ``channel`` at ``at`` (None: now). Validates against the
    network's limits first; nothing is stored when the post does not fit."""
    if channel.workspace_id != post.workspace_id:
        raise NotFound(_("Channel not found in this workspace."), code="channel_not_found")
    if channel.status == ChannelStatus.DISABLED:
        raise InvalidInput(_("%(channel)s is disabled; enable it before scheduling to it.")
                           % {"channel": channel.name}, code="channel_disabled")
    when = _check_time(at)
    variant = Variant.objects.filter(post=post, channel=channel).first() \
        or variant_set(post=post, channel=channel)
    raise_issues(variant, variant_issues(variant))
    # With approvals on, a post that is not approved waits: it is never published.
    status = Status.PENDING_APPROVAL if _waits_for_approval(post) else Status.SCHEDULED
    due = when if status == Status.SCHEDULED else None
    pub, created = Publication.objects.get_or_create(
        post=post, channel=channel,
        defaults={"workspace_id": post.workspace_id, "variant": variant, "created_by": actor,
                  "status": status, "scheduled_at": when, "due_at": due})
    if not created:
        pub = _transition(pub, status, scheduled_at=when, due_at=due, variant=variant,
                          error_code="", error_message="", needs_attention=False,
                          attempt_count=0, check_count=0)
    task_deadlines_follow(post=post)
    return pub


def _waits_for_approval(post: Post) -> bool:
    return post.workspace.needs_approval and post.approval != ApprovalState.APPROVED


def publication_release(*, post: Post) -> list[Publication]:
    """The post was approved: what waited for approval is scheduled. A time that passed
    while it waited is not published late by surprise: the person picks a new one."""
    now = timezone.now()
    released = []
    for pub in post.publications.filter(status=Status.PENDING_APPROVAL):
        if pub.scheduled_at is None:
            continue
        if pub.scheduled_at < now - PAST_TOLERANCE:
            Publication.objects.filter(pk=pub.pk).transition(
                Status.PENDING_APPROVAL, None, needs_attention=True, error_code="time_passed",
                error_message=_("The planned time passed while the post waited for approval. "
                                "Choose a new time."))
            continue
        released.append(_transition(pub, Status.SCHEDULED, due_at=pub.scheduled_at,
                                    error_code="", error_message="", needs_attention=False))
    return released


def publication_hold(*, post: Post) -> int:
    """The post needs approval again: scheduled publications wait."""
    return Publication.objects.filter(post=post).transition(
        Status.SCHEDULED, Status.PENDING_APPROVAL, due_at=None)


def publication_draft(*, post: Post, channel: Channel, actor: User | None) -> Publication:
    """Attach a channel to a post without a time yet (the calendar shows it as a draft)."""
    if channel.workspace_id != post.workspace_id:
        raise NotFound(_("Channel not found in this workspace."), code="channel_not_found")
    variant = Variant.objects.filter(post=post, channel=channel).first() \
        or variant_set(post=post, channel=channel)
    pub, _created = Publication.objects.get_or_create(
        post=post, channel=channel,
        defaults={"workspace_id": post.workspace_id, "variant": variant, "created_by": actor})
    return pub


def publication_reschedule(*, publication: Publication, at: datetime,
                           actor: User | None) -> Publication:
    if at is None:
        raise InvalidInput(_("Give the new time."), code="time_required")
    if publication.status not in (Status.SCHEDULED, Status.DRAFT, Status.FAILED,
                                  Status.CANCELLED, Status.PENDING_APPROVAL):
        raise Conflict(_("A publication that is %(status)s cannot be moved.")
                       % {"status": publication.get_status_display().lower()},
                       code="invalid_transition")
    return publication_schedule(post=publication.post, channel=publication.channel, at=at,
                                actor=actor)


def publication_cancel(*, publication: Publication, actor: User | None) -> Publication:
    return _transition(publication, Status.CANCELLED, due_at=None)


def publication_retry(*, publication: Publication, actor: User | None) -> Publication:
    """Try a failed publication again now, from the first attempt."""
    if publication.status != Status.FAILED:
        raise Conflict(_("Only a failed publication can be retried."), code="not_failed")
    return publication_schedule(post=publication.post, channel=publication.channel, at=None,
                                actor=actor)


def publication_settle(*, publication: Publication, actor: User | None, outcome: str,
                       url: str = "") -> Publication:
    """A person settles an unconfirmed publication that smmdesk could not check.

    ``published``: it is on the network (optionally with its link).
    ``publish_again``: it is not there; publish it now.
    ``give_up``: mark it failed and leave it.
    """
    if publication.status != Status.UNCONFIRMED:
        raise Conflict(_("Only an unconfirmed publication needs settling."),
                       code="not_unconfirmed")
    now = timezone.now()
    if outcome == "published":
        if (url or "").strip() and not safe_http_url(url):
            raise InvalidInput(_("The link must be an http:// or https:// address."),
                               code="invalid_url")
        pub = _transition(publication, Status.PUBLISHED, external_url=safe_http_url(url),
                          published_at=now, due_at=None, needs_attention=False,
                          claim_token="", error_code="", error_message="")
        _measure(pub)
        return pub
    if outcome == "publish_again":
        return _transition(publication, Status.SCHEDULED, due_at=now, needs_attention=False,
                           claim_token="", check_count=0, error_code="", error_message="")
    if outcome == "give_up":
        return _transition(publication, Status.FAILED, due_at=None, needs_attention=False,
                           claim_token="")
    raise InvalidInput(_("Unknown choice: %(outcome)s.") % {"outcome": outcome},
                       code="invalid_outcome")


def _shift(at: datetime, every: str, k: int) -> datetime:
    if every == "day":
        return at + timedelta(days=k)
    if every == "week":
        return at + timedelta(weeks=k)
    month = at.month - 1 + k
    year, month = at.year + month // 12, month % 12 + 1
    day = min(at.day, calendar.monthrange(year, month)[1])
    return at.replace(year=year, month=month, day=day)


@transaction.atomic
def post_repeat(*, post: Post, every: str, count: int, actor: User | None) -> list[Post]:
    """Recurring post: ``count`` copies, each scheduled on every channel of the original,
    one day, week or month apart (same local time of day). The copies share a series id."""
    if every not in ("day", "week", "month"):
        raise InvalidInput(_("Repeat every day, week or month."), code="invalid_every")
    if not 1 <= int(count) <= 52:
        raise InvalidInput(_("Repeat from 1 to 52 times."), code="invalid_count")
    pubs = [p for p in post.publications.select_related("channel")
            if p.scheduled_at and p.status != Status.CANCELLED]
    if not pubs:
        raise InvalidInput(_("Schedule the post first; the copies follow its time."),
                           code="not_scheduled")
    series = post.series or uuid.uuid4().hex
    if not post.series:
        post.series = series
        post.save(update_fields=["series"])
    copies = []
    tz = post.workspace.tz
    for k in range(1, int(count) + 1):
        copy = post_duplicate(post=post, actor=actor, series=series)
        for pub in pubs:
            # The same wall-clock time k steps on: refused (all copies) on a day the
            # clocks skip or repeat it, instead of moving it an hour or guessing.
            wall = timezone.localtime(pub.scheduled_at, tz).replace(tzinfo=None)
            at = local_resolve(_shift(wall, every, k), tz)
            publication_schedule(post=copy, channel=pub.channel, at=at, actor=actor)
        copies.append(copy)
    return copies


@transaction.atomic
def publication_record_published(*, post: Post, channel: Channel, at: datetime,
                                 published_at: datetime, external_id: str, external_url: str,
                                 actor: User | None, worker_id: str = "history"
                                 ) -> Publication:
    """A post that is already on the network (the demo's history, an import): its
    publication is created published, with the one attempt that sent it. Every other
    publication starts as a draft or scheduled and changes only by transitions."""
    variant = Variant.objects.filter(post=post, channel=channel).first() \
        or variant_set(post=post, channel=channel)
    pub = Publication.objects.create(
        workspace_id=post.workspace_id, post=post, channel=channel, variant=variant,
        status=Status.PUBLISHED, scheduled_at=at, published_at=published_at,
        external_id=external_id[:200], external_url=external_url[:500], attempt_count=1,
        created_by=actor)
    PublishAttempt.objects.create(
        publication=pub, channel=channel, number=1, worker_id=worker_id, started_at=at,
        finished_at=published_at, outcome=Outcome.SUCCESS,
        duration_ms=int((published_at - at).total_seconds() * 1000),
        response={"external_id": external_id})
    _measure(pub)
    return pub


@dataclass(frozen=True)
class Published:
    """One post already on the network, for ``publications_record_published``."""

    post: Post
    channel: Channel
    at: datetime
    published_at: datetime
    external_id: str
    external_url: str
    marker: str
    format: str = "feed"


@transaction.atomic
def publications_record_published(*, items: list[Published], actor: User | None,
                                  worker_id: str = "history") -> list[Publication]:
    """``publication_record_published`` for many posts at once (the demo's year of
    history): their variants, publications (created published) and attempts, in bulk.
    Their analytics plans are the caller's (it writes their snapshots too)."""
    variants = Variant.objects.bulk_create(
        [Variant(post=i.post, channel=i.channel, format=i.format) for i in items],
        batch_size=500)
    pubs = Publication.objects.bulk_create([
        Publication(workspace_id=i.post.workspace_id, post=i.post, channel=i.channel,
                    variant=v, status=Status.PUBLISHED, scheduled_at=i.at,
                    published_at=i.published_at, external_id=i.external_id[:200],
                    external_url=i.external_url[:500], attempt_count=1, marker=i.marker,
                    created_by=actor) for i, v in zip(items, variants, strict=True)],
        batch_size=500)
    PublishAttempt.objects.bulk_create([
        PublishAttempt(publication=p, channel=i.channel, number=1, worker_id=worker_id,
                       started_at=i.at, finished_at=i.published_at, outcome=Outcome.SUCCESS,
                       duration_ms=int((i.published_at - i.at).total_seconds() * 1000),
                       response={"external_id": i.external_id})
        for i, p in zip(items, pubs, strict=True)], batch_size=500)
    return pubs


def _measure(pub: Publication) -> None:
    """Analytics' reading plan for a publication that has just become published."""
    from smmdesk.analytics.services import collect_plan_publication

    collect_plan_publication(publication=pub)


@transaction.atomic
def publication_drop(*, post: Post, channel: Channel, actor: User | None) -> None:
    """Take a channel off a post (its variant and publication go) unless it is already out."""
    pub = Publication.objects.filter(post=post, channel=channel).first()
    if pub is not None and pub.status in (Status.PUBLISHING, Status.PUBLISHED,
                                          Status.UNCONFIRMED):
        raise Conflict(_("%(channel)s already has this post (%(status)s); it cannot be taken "
                         "off.") % {"channel": channel.name,
                                    "status": pub.get_status_display().lower()},
                       code="post_locked")
    Variant.objects.filter(post=post, channel=channel).delete()
