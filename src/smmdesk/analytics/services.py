"""Writes of analytics' raw data: snapshots and the collector's plans.

Snapshots are only ever added, never updated or deleted: a post's curve and a channel's
growth are drawn from every reading. A channel may get more than one ``ChannelSnapshot``
for one day (the first reading when it is connected, the daily one in the evening, a
retry): readers take the last of each day (``taken_at``), as ``models.ChannelSnapshot``
says. A counter the network did not give is stored as NULL, never as 0.

Plans (``CollectPlan``) say when the collector reads a publication (its ladder, see
``LADDER``) or a channel (daily) next. Publishing creates a publication's plan when it
becomes published (``collect_plan_publication``, in the same transaction as the status
change); channels create the channel's plan when one is connected or enabled
(``collect_plan_channel``). These run inside their caller's transaction (savepoints
only). Nothing here calls a network: ``analytics/collector.py`` does,
outside any transaction.

``PostLatest`` holds each publication's newest reading (a copy of its last snapshot by
``taken_at``, ties to the later written), so the dashboard, its post table and goals read
one row per post instead of searching each ladder. Every post snapshot is written with it
(``post_snapshot_record`` for one reading, ``snapshots_record`` for a history in bulk);
an older reading arriving late leaves it alone. ``latest_rebuild`` makes it again from the
snapshots (``smmdesk analytics rebuild-latest``; the collector does it by itself when the
table is empty but snapshots exist, as after an upgrade).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from smmdesk.analytics.models import (
    CHANNEL_COUNTERS,
    POST_COUNTERS,
    ChannelSnapshot,
    CollectPlan,
    PostLatest,
    PostSnapshot,
)
from smmdesk.channels.models import Channel
from smmdesk.publishing.models import Publication, Status

# When a post is read, by its age: then it stops (its counters hardly move after 90 days).
LADDER: tuple[timedelta, ...] = (
    timedelta(hours=1), timedelta(hours=6), timedelta(hours=24), timedelta(days=3),
    timedelta(days=7), timedelta(days=30), timedelta(days=90),
)
# Channels are read once a day, late in the evening of the workspace's time zone (so the
# day's reading is close to its end), spread over CHANNEL_SPREAD_MINUTES by channel.
CHANNEL_READ_AT = time(23, 0)
CHANNEL_SPREAD_MINUTES = 50


# ---------------------------------------------------------------- the ladder


def ladder_next(*, published_at: datetime, now: datetime) -> tuple[int, datetime | None]:
    """The ladder's next rung after a reading at ``now``: (its index, when), or
    (len(LADDER), None) when the post is past the last one. Rungs missed while nothing
    ran (a stopped worker) are skipped, not read late one after another."""
    for step, after in enumerate(LADDER):
        if published_at + after > now:
            return step, published_at + after
    return len(LADDER), None


def _ladder_start(published_at: datetime, now: datetime) -> tuple[int, datetime]:
    """A new plan: a fresh post waits for its first rung; one that is older (a backfill,
    a publication settled late) is read now, as the last rung it has passed."""
    step, when = ladder_next(published_at=published_at, now=now)
    if step == 0:
        return 0, when
    return step - 1, now


def channel_next_read(*, channel: Channel, now: datetime) -> datetime:
    """The next daily reading: CHANNEL_READ_AT (plus the channel's spread) in the
    workspace's time zone, at least an hour from now."""
    tz = _tz(channel)
    local = now.astimezone(tz)
    offset = timedelta(minutes=(channel.pk or 0) % CHANNEL_SPREAD_MINUTES)
    day = local.date()
    while True:
        when = datetime.combine(day, CHANNEL_READ_AT, tzinfo=tz) + offset
        if when >= now + timedelta(hours=1):
            return when
        day += timedelta(days=1)


def _tz(channel: Channel) -> ZoneInfo:
    try:
        return channel.workspace.tz
    except Exception:  # an unknown zone name: UTC rather than no reading
        return ZoneInfo("UTC")


def local_day(*, channel: Channel, at: datetime) -> date:
    return at.astimezone(_tz(channel)).date()


# ---------------------------------------------------------------- plans


def collect_plan_publication(*, publication: Publication, now: datetime | None = None
                             ) -> CollectPlan | None:
    """The publication's ladder, when it is published with a network id (idempotent:
    an existing plan is left as it is). Call it inside the transaction that makes the
    publication published."""
    if publication.status != Status.PUBLISHED or not publication.external_id:
        return None
    existing = CollectPlan.objects.filter(publication_id=publication.pk).first()
    if existing is not None:
        return existing
    now = now or timezone.now()
    published_at = publication.published_at or now
    if PostSnapshot.objects.filter(publication_id=publication.pk).exists():
        # History written by an import or the demo: go on from the next rung.
        step, next_at = ladder_next(published_at=published_at, now=now)
    else:
        step, next_at = _ladder_start(published_at, now)
    try:
        with transaction.atomic():  # a savepoint: a concurrent creation is not an error
            return CollectPlan.objects.create(publication=publication,
                                              channel_id=publication.channel_id,
                                              step=step, next_at=next_at)
    except IntegrityError:
        return CollectPlan.objects.filter(publication_id=publication.pk).first()


def collect_plan_channel(*, channel: Channel, now: datetime | None = None) -> CollectPlan:
    """The channel's daily plan, due now and with its backfill to do: called when a
    channel is connected, reconnected or enabled again."""
    now = now or timezone.now()
    updated = CollectPlan.objects.filter(channel=channel, publication__isnull=True).update(
        next_at=now, backfilled=False, attempts=0, last_error="")
    if not updated:
        try:
            with transaction.atomic():  # a savepoint, as above
                CollectPlan.objects.create(channel=channel, next_at=now)
        except IntegrityError:
            pass
    return CollectPlan.objects.get(channel=channel, publication__isnull=True)


def collect_plans_missing(*, now: datetime | None = None) -> int:
    """Daily plans for active channels that have none (connected before analytics
    existed): each is read, and backfilled, on the collector's next run."""
    from smmdesk.channels.selectors import channels_active
    from smmdesk.connectors.registry import CONNECTORS

    planned = CollectPlan.objects.filter(publication__isnull=True).values("channel_id")
    missing = list(channels_active(kinds=CONNECTORS).exclude(pk__in=planned))
    for channel in missing:
        collect_plan_channel(channel=channel, now=now)
    return len(missing)


def collect_plans_backfill(*, channel: Channel, now: datetime | None = None) -> int:
    """Plans for the channel's publications that were published before it was measured
    (or before analytics existed): each is read at once, then follows its ladder.
    Returns how many plans were made."""
    from smmdesk.publishing.selectors import publications_published

    now = now or timezone.now()
    have = set(CollectPlan.objects.filter(channel=channel, publication__isnull=False)
               .values_list("publication_id", flat=True))
    made = 0
    for pub in publications_published(channel=channel):
        if pub.pk not in have and collect_plan_publication(publication=pub, now=now):
            made += 1
    return made


# ---------------------------------------------------------------- snapshots


def _counters(metrics: dict, names: tuple[str, ...]) -> tuple[dict, dict]:
    """The known counters (a name the network did not give: None) and the rest."""
    clean = {k: _int(v) for k, v in (metrics or {}).items()}
    clean = {k: v for k, v in clean.items() if v is not None}
    known = {name: clean.get(name) for name in names}
    extra = {k: v for k, v in clean.items() if k not in names}
    return known, extra


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value == value:
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def post_snapshot_record(*, publication: Publication, metrics: dict,
                         taken_at: datetime | None = None) -> PostSnapshot:
    """One reading of a published post's counters, added to its history."""
    taken_at = taken_at or timezone.now()
    known, extra = _counters(metrics, POST_COUNTERS)
    published_at = publication.published_at or taken_at
    age = max(0, int((taken_at - published_at).total_seconds() // 3600))
    snapshot = PostSnapshot.objects.create(
        workspace_id=publication.workspace_id, publication=publication,
        channel_id=publication.channel_id, taken_at=taken_at, age_hours=age, extra=extra,
        **known)
    latest_record(snapshot=snapshot, published_at=published_at)
    return snapshot


def snapshots_record(*, snapshots: list[PostSnapshot], batch_size: int = 1000
                     ) -> list[PostSnapshot]:
    """Post snapshots added in bulk (a history: the demo, an import, the bench), with
    their publications' ``PostLatest`` rows."""
    made = PostSnapshot.objects.bulk_create(snapshots, batch_size=batch_size)
    newest: dict[int, PostSnapshot] = {}
    day: dict[int, PostSnapshot] = {}
    for snap in made:  # in writing order, so a tie goes to the later one
        kept = newest.get(snap.publication_id)
        if kept is None or snap.taken_at >= kept.taken_at:
            newest[snap.publication_id] = snap
        if snap.age_hours <= DAY_AGE_HOURS and _day_later(snap, day.get(snap.publication_id)):
            day[snap.publication_id] = snap
    _latest_bulk(list(newest.values()), day, batch_size)
    return made


def _day_later(a: PostSnapshot, b: PostSnapshot | None) -> bool:
    """``_day_better`` among snapshots written together (a later one wins a tie; bulk
    writes on some databases give no primary keys back)."""
    return b is None or (a.age_hours, a.taken_at) >= (b.age_hours, b.taken_at)


# ---------------------------------------------------------------- each post's latest

# The age of the reading the best-time heatmap compares posts at (timing.TIMING_AGE_HOURS).
DAY_AGE_HOURS = 24
DAY_COUNTERS = ("views", "reach", "likes", "comments", "reposts", "saves")
LATEST_FIELDS = ("workspace_id", "channel_id", "taken_at", "age_hours", *POST_COUNTERS)


def _latest_values(snapshot: PostSnapshot, published_at: datetime) -> dict:
    return {"published_at": published_at,
            **{name: getattr(snapshot, name) for name in LATEST_FIELDS}}


def latest_record(*, snapshot: PostSnapshot, published_at: datetime) -> None:
    """Make ``snapshot`` its publication's latest reading, unless a newer one is there
    (an equal ``taken_at``: the later written wins, as readers of the snapshots order),
    and its day reading (``day_record``)."""
    values = _latest_values(snapshot, published_at)
    newer_or_none = PostLatest.objects.filter(publication_id=snapshot.publication_id,
                                              taken_at__lte=snapshot.taken_at)
    if not (newer_or_none.update(**values) or PostLatest.objects.filter(
            publication_id=snapshot.publication_id).exists()):
        try:
            with transaction.atomic():  # a savepoint: another reading may have won
                PostLatest.objects.create(publication_id=snapshot.publication_id, **values)
        except IntegrityError:
            newer_or_none.update(**values)
    day_record(snapshot=snapshot)


def _day_values(snapshot: PostSnapshot) -> dict:
    return {"day_taken_at": snapshot.taken_at, "day_age_hours": snapshot.age_hours,
            **{f"day_{name}": getattr(snapshot, name) for name in DAY_COUNTERS}}


def day_record(*, snapshot: PostSnapshot) -> None:
    """Make ``snapshot`` its publication's day reading (``PostLatest.day_*``) when it is
    at or below ``DAY_AGE_HOURS`` and beats the one kept: a greater age, else a later or
    equal ``taken_at`` (the later written wins a tie), as timing.py ranks the rungs."""
    if snapshot.age_hours > DAY_AGE_HOURS:
        return
    age, at = snapshot.age_hours, snapshot.taken_at
    beaten = PostLatest.objects.filter(
        Q(day_age_hours__isnull=True) | Q(day_age_hours__lt=age)
        | Q(day_age_hours=age, day_taken_at__lte=at),
        publication_id=snapshot.publication_id)
    beaten.update(**_day_values(snapshot))  # never the status: counters of a reading


def _published_at(ids: list[int]) -> dict[int, datetime | None]:
    out: dict[int, datetime | None] = {}
    for i in range(0, len(ids), 900):
        out.update(Publication.objects.filter(pk__in=ids[i:i + 900])
                   .values_list("pk", "published_at"))
    return out


def _latest_bulk(snapshots: list[PostSnapshot], day: dict[int, PostSnapshot],
                 batch_size: int) -> None:
    """``latest_record`` for many publications: new rows in bulk, the others one by one."""
    ids = [s.publication_id for s in snapshots]
    published = _published_at(ids)
    have: set[int] = set()
    for i in range(0, len(ids), 900):
        have.update(PostLatest.objects.filter(publication_id__in=ids[i:i + 900])
                    .values_list("publication_id", flat=True))
    fresh = []
    for snap in snapshots:
        published_at = published.get(snap.publication_id) or snap.taken_at
        best = day.get(snap.publication_id)
        if snap.publication_id in have:
            latest_record(snapshot=snap, published_at=published_at)
            if best is not None:
                day_record(snapshot=best)
        else:
            fresh.append(PostLatest(publication_id=snap.publication_id,
                                    **(_day_values(best) if best else {}),
                                    **_latest_values(snap, published_at)))
    PostLatest.objects.bulk_create(fresh, batch_size=batch_size)


def latest_rebuild(*, workspace=None, batch_size: int = 2000) -> int:
    """``PostLatest`` made again from the snapshots (of one workspace, or all): each
    publication's newest snapshot by ``taken_at`` (ties: the later written). Returns
    how many publications have one."""
    snaps = PostSnapshot.objects.all()
    latest = PostLatest.objects.all()
    if workspace is not None:
        snaps, latest = snaps.filter(workspace=workspace), latest.filter(workspace=workspace)
    newest = (snaps.annotate(rank=Window(RowNumber(), partition_by=[F("publication_id")],
                                         order_by=[F("taken_at").desc(), F("pk").desc()]))
              .filter(rank=1)
              .values_list("publication_id", "publication__published_at", *LATEST_FIELDS))
    day = {pub_id: {"day_taken_at": at, "day_age_hours": age,
                    **{f"day_{n}": v for n, v in zip(DAY_COUNTERS, counters, strict=True)}}
           for pub_id, at, age, *counters in snaps.filter(age_hours__lte=DAY_AGE_HOURS)
           .annotate(rank=Window(RowNumber(), partition_by=[F("publication_id")],
                                 order_by=[F("age_hours").desc(), F("taken_at").desc(),
                                           F("pk").desc()]))
           .filter(rank=1).values_list("publication_id", "taken_at", "age_hours",
                                       *DAY_COUNTERS).iterator(chunk_size=batch_size)}
    made = 0
    with transaction.atomic():
        latest.delete()
        batch = []
        for pub_id, published_at, *values in newest.iterator(chunk_size=batch_size):
            row = dict(zip(LATEST_FIELDS, values, strict=True))
            batch.append(PostLatest(publication_id=pub_id, **day.get(pub_id, {}),
                                    published_at=published_at or row["taken_at"], **row))
            if len(batch) >= batch_size:
                made += len(PostLatest.objects.bulk_create(batch))
                batch = []
        made += len(PostLatest.objects.bulk_create(batch))
    return made


def latest_rebuild_if_missing() -> int:
    """Rebuild ``PostLatest`` when it is empty while snapshots exist (an install that
    measured before it existed); 0 otherwise. The collector calls it each run."""
    if PostLatest.objects.exists() or not PostSnapshot.objects.exists():
        return 0
    return latest_rebuild()


def channel_snapshot_record(*, channel: Channel, metrics: dict,
                            taken_at: datetime | None = None) -> ChannelSnapshot:
    """One reading of a channel's counters, added (never replacing an earlier reading of
    the same day: readers take the day's last)."""
    taken_at = taken_at or timezone.now()
    known, extra = _counters(metrics, CHANNEL_COUNTERS)
    return ChannelSnapshot.objects.create(
        workspace_id=channel.workspace_id, channel=channel,
        day=local_day(channel=channel, at=taken_at), taken_at=taken_at, extra=extra, **known)
