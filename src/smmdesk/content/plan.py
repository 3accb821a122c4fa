"""The content plan: planned slots by rubric and format, shares against targets, gaps.

A plan slot is a promise ("Tuesday: a useful reel for Kyiv") that becomes a post when it is
written. The plan is judged by what will actually go out: posts with a publish date in the
period plus the slots whose post is not on its way yet (none written, or still a draft).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from smmdesk.accounts.models import Workspace
from smmdesk.channels.models import Channel
from smmdesk.connectors.base import Format
from smmdesk.content.models import PlanSlot, Post, Rubric
from smmdesk.lib.errors import InvalidInput, NotFound

DRIFT_POINTS = 10  # a rubric more than this many percentage points off its target is drift
GAP_DAYS = 7  # this many days in a row without anything planned for a channel is a gap
# Publication states that count as "going out".
_COUNTED = ("pending_approval", "scheduled", "publishing", "published", "unconfirmed")


@dataclass(frozen=True)
class PlanWarning:
    kind: str  # "drift", "gap", "unwritten", "targets"
    message: str


def plan_slot_create(*, workspace: Workspace, day: date, at: time | None = None,
                     channel: Channel | None = None, rubric: Rubric | None = None,
                     format: str = Format.FEED, note: str = "") -> PlanSlot:
    for obj in (channel, rubric):
        if obj is not None and obj.workspace_id != workspace.pk:
            raise InvalidInput(_("That belongs to another workspace."), code="not_found")
    if format not in Format.__members__.values():
        raise InvalidInput(_("Unknown format: %(format)s.") % {"format": format},
                           code="invalid_format")
    return PlanSlot.objects.create(workspace=workspace, day=day, time=at, channel=channel,
                                   rubric=rubric, format=format, note=note[:300])


def plan_slot_fill(*, slot: PlanSlot, post: Post) -> PlanSlot:
    slot.post = post
    slot.save(update_fields=["post"])
    return slot


def plan_slot_delete(*, workspace: Workspace, slot_id: int) -> None:
    """Remove a slot that has no post yet (a written slot goes with its post)."""
    slot = PlanSlot.objects.filter(workspace=workspace, pk=slot_id).first()
    if slot is None:
        raise NotFound(_("That plan slot does not exist (any more)."), code="slot_not_found")
    if slot.post_id is not None:
        raise InvalidInput(_("This slot already has a post; delete or move the post instead."),
                           code="slot_written")
    slot.delete()


def plan_slot_list(*, workspace: Workspace, start: date, end: date):
    return (PlanSlot.objects.filter(workspace=workspace, day__gte=start, day__lt=end)
            .select_related("channel", "rubric", "post"))


def _apportion(total: int, rubrics: list[Rubric]) -> list[Rubric]:
    """``total`` picks among rubrics in proportion to their targets (largest remainder),
    interleaved so that the same rubric does not come twice in a row when avoidable."""
    weights = [max(0, r.target_share) for r in rubrics]
    if not total or not sum(weights):
        return []
    quotas = [total * w / sum(weights) for w in weights]
    counts = [int(q) for q in quotas]
    order = sorted(range(len(rubrics)), key=lambda i: quotas[i] - counts[i], reverse=True)
    for i in order[:total - sum(counts)]:
        counts[i] += 1
    picks, last = [], None
    remaining = dict(enumerate(counts))
    for _n in range(total):
        choices = sorted((i for i, c in remaining.items() if c), key=lambda i: -remaining[i])
        pick = next((i for i in choices if i != last), choices[0])
        remaining[pick] -= 1
        picks.append(rubrics[pick])
        last = pick
    return picks


@transaction.atomic
def plan_generate(*, workspace: Workspace, start: date, weeks: int, per_week: dict[str, int],
                  channels: list[Channel], weekdays=(0, 2, 4, 1, 3, 5, 6),
                  at: time | None = None) -> list[PlanSlot]:
    """Planned slots for ``weeks`` weeks from ``start``: ``per_week`` counts by format
    (e.g. {"feed": 3, "story": 2, "reel": 1}) for each channel, rubrics in proportion to
    their target shares."""
    if not 1 <= weeks <= 26:
        raise InvalidInput(_("Plan from 1 to 26 weeks at a time."), code="invalid_weeks")
    rubrics = list(Rubric.objects.filter(workspace=workspace, target_share__gt=0))
    if not rubrics:
        raise InvalidInput(_("Give the rubrics target shares first; the plan follows them."),
                           code="no_targets")
    formats = [f for f, n in per_week.items() for _i in range(max(0, int(n)))]
    if not formats:
        raise InvalidInput(_("Say how many posts a week to plan."), code="nothing_to_plan")
    # Rubrics are handed out in calendar order, so the interleaving is what one sees.
    places = sorted(_places(start, weeks, formats, weekdays), key=lambda place: place[0])
    slots = []
    for channel in channels or [None]:
        for (day, fmt), rubric in zip(places, _apportion(len(places), rubrics), strict=True):
            slots.append(plan_slot_create(workspace=workspace, day=day, at=at,
                                          channel=channel, rubric=rubric, format=fmt))
    return slots


def _places(start: date, weeks: int, formats: list[str], weekdays) -> list[tuple[date, str]]:
    """(day, format) for each planned post: the n-th post of a week on ``weekdays[n]``;
    days of the first week before ``start`` move a week on."""
    places = []
    for week in range(weeks):
        monday = start - timedelta(days=start.weekday()) + timedelta(weeks=week)
        for n, fmt in enumerate(formats):
            day = monday + timedelta(days=weekdays[n % len(weekdays)])
            places.append((day + timedelta(weeks=1) if day < start else day, fmt))
    return places


def _period_posts(workspace: Workspace, start: date, end: date):
    tz = workspace.tz
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(end, time.min, tzinfo=tz)
    return (Post.objects.filter(workspace=workspace, publications__status__in=_COUNTED,
                                publications__scheduled_at__gte=since,
                                publications__scheduled_at__lt=until).distinct())


def _open_slots(workspace: Workspace, start: date, end: date):
    """Slots of the period whose post is not on its way yet: none written, or a draft
    (a post going out is counted by its publication date instead)."""
    return (PlanSlot.objects.filter(workspace=workspace, day__gte=start, day__lt=end)
            .exclude(post__publications__status__in=_COUNTED))


def rubric_shares(*, workspace: Workspace, start: date, end: date) -> list[dict]:
    """Per rubric: target share, planned share (posts going out + slots not out yet)."""
    counts: Counter = Counter()
    # By pk: DISTINCT over rubric_id alone would merge posts of one rubric (only Post's
    # default ordering, by created_at, keeps them apart there).
    for _pk, rubric_id in _period_posts(workspace, start, end).values_list("pk", "rubric_id"):
        counts[rubric_id] += 1
    for slot_rubric, post_rubric in _open_slots(workspace, start, end).values_list(
            "rubric_id", "post__rubric_id"):
        counts[post_rubric or slot_rubric] += 1
    total = sum(counts.values())
    rows = []
    for rubric in Rubric.objects.filter(workspace=workspace):
        n = counts.get(rubric.pk, 0)
        rows.append({"rubric": rubric, "count": n, "target": rubric.target_share,
                     "share": round(100 * n / total) if total else 0})
    if counts.get(None):
        rows.append({"rubric": None, "count": counts[None], "target": 0,
                     "share": round(100 * counts[None] / total)})
    return rows


def plan_warnings(*, workspace: Workspace, start: date, end: date,
                  today: date | None = None) -> list[PlanWarning]:
    warnings = []
    shares = rubric_shares(workspace=workspace, start=start, end=end)
    targets = sum(r.target_share for r in Rubric.objects.filter(workspace=workspace))
    if targets and targets != 100:
        warnings.append(PlanWarning("targets", _("The rubrics' target shares add up to "
                                                 "%(total)d%%, not 100%%.") % {"total": targets}))
    if sum(r["count"] for r in shares) >= 5:
        for row in shares:
            if row["rubric"] and abs(row["share"] - row["target"]) > DRIFT_POINTS:
                warnings.append(PlanWarning("drift", _(
                    "“%(rubric)s” is %(share)d%% of the plan; the target is %(target)d%%.")
                    % {"rubric": row["rubric"].name, "share": row["share"],
                       "target": row["target"]}))
    warnings += _gaps(workspace, max(start, today or start), end)
    warnings += _unwritten(workspace, today or start)
    return warnings


def _gaps(workspace: Workspace, start: date, end: date) -> list[PlanWarning]:
    warnings = []
    for channel in Channel.objects.filter(workspace=workspace, status="active"):
        busy = _busy_days(workspace, channel, start, end)
        for first, last in _free_runs(busy, start, end):
            if (last - first).days + 1 >= GAP_DAYS:
                warnings.append(PlanWarning("gap", _(
                    "Nothing is planned for %(channel)s from %(start)s to %(end)s.")
                    % {"channel": channel.name, "start": date_format(first, "MONTH_DAY_FORMAT"),
                       "end": date_format(last, "MONTH_DAY_FORMAT")}))
    return warnings


def _busy_days(workspace: Workspace, channel: Channel, start: date, end: date) -> set[date]:
    """Days with a plan slot or a publication going out on the channel."""
    tz = workspace.tz
    days = set(PlanSlot.objects.filter(workspace=workspace, channel=channel, day__gte=start,
                                       day__lt=end).values_list("day", flat=True))
    for at in (channel.publications.filter(
            status__in=_COUNTED, scheduled_at__gte=datetime.combine(start, time.min, tzinfo=tz),
            scheduled_at__lt=datetime.combine(end, time.min, tzinfo=tz))
            .values_list("scheduled_at", flat=True)):
        days.add(at.astimezone(tz).date())
    return days


def _free_runs(busy: set[date], start: date, end: date):
    """Each longest run of days in [start, end) that are not ``busy``, as (first, last)."""
    first, day = None, start
    while day < end:
        if day in busy and first is not None:
            yield first, day - timedelta(days=1)
            first = None
        elif day not in busy and first is None:
            first = day
        day += timedelta(days=1)
    if first is not None:
        yield first, end - timedelta(days=1)


def _unwritten(workspace: Workspace, today: date) -> list[PlanWarning]:
    n = PlanSlot.objects.filter(workspace=workspace, post__isnull=True, day__gte=today,
                                day__lt=today + timedelta(days=7)).count()
    if not n:
        return []
    return [PlanWarning("unwritten", ngettext(
        "%(n)d planned slot in the next 7 days has no post yet.",
        "%(n)d planned slots in the next 7 days have no post yet.", n) % {"n": n})]
