"""Local wall-clock times and daylight saving.

A day and a time typed by a person name one instant, except twice a year: on the
spring-forward day an hour of wall-clock times does not exist (03:30 on 2027-03-28 in
Europe/Kyiv), and on the fall-back day an hour happens twice (03:30 on 2026-10-25). Python
quietly moves the first and picks the first of the second; here both are refused with the
choices a person can make instead. ``fold`` has zoneinfo's meaning: 0 is the first of a
repeated time (before the clocks go back), 1 the second.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from smmdesk.lib.errors import InvalidInput

MINUTE = timedelta(minutes=1)


class NonexistentTime(InvalidInput):
    code = "time_does_not_exist"


class AmbiguousTime(InvalidInput):
    code = "time_ambiguous"


def _naive(at: datetime) -> datetime:
    return at.replace(tzinfo=None, fold=0)


def exists(wall: datetime, tz: tzinfo) -> bool:
    """Does this wall-clock time happen at all in ``tz``?"""
    there = wall.replace(tzinfo=tz, fold=0)
    return _naive(there.astimezone(UTC).astimezone(tz)) == _naive(wall)


def is_ambiguous(wall: datetime, tz: tzinfo) -> bool:
    """Does this wall-clock time happen twice in ``tz`` (the clocks went back)?"""
    first, second = wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)
    return exists(wall, tz) and first.utcoffset() != second.utcoffset()


def _offset(at: datetime) -> str:
    """``03:30 (UTC+03:00)``: the offset is what tells the two 03:30s apart."""
    minutes = int(at.utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{at:%H:%M} (UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d})"


def _change(wall: datetime, tz: tzinfo) -> datetime:
    """The instant the clocks jumped over ``wall`` (searched to the minute)."""
    low = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    high = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    low, high = min(low, high), max(low, high)
    before = low.astimezone(tz).utcoffset()
    while high - low > MINUTE:
        middle = low + (high - low) / 2
        if middle.astimezone(tz).utcoffset() == before:
            low = middle
        else:
            high = middle
    return high.replace(second=0, microsecond=0)


def gap_choices(wall: datetime, tz: tzinfo) -> dict[str, datetime]:
    """For a time that does not exist: the last minute before the jump, the first one
    after it, and the same time shifted by the jump (what Python would silently pick)."""
    change = _change(wall, tz)
    return {"before": (change - MINUTE).astimezone(tz), "after": change.astimezone(tz),
            "shifted": wall.replace(tzinfo=tz, fold=0).astimezone(UTC).astimezone(tz)}


def fold_choices(wall: datetime, tz: tzinfo) -> list[datetime]:
    """For a time that happens twice: the first (fold 0) and the second (fold 1)."""
    return [wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)]


def local_resolve(wall: datetime, tz: tzinfo, *, fold: int | None = None,
                  shift: bool = False) -> datetime:
    """The instant of a wall-clock time in ``tz``. A time that does not exist is refused
    unless ``shift`` confirms moving it by the jump; a repeated time needs ``fold``."""
    wall = _naive(wall)
    _in_range(wall.replace(tzinfo=tz))
    day = date_format(wall.date(), "DATE_FORMAT")
    if not exists(wall, tz):
        choices = gap_choices(wall, tz)
        if shift:
            return choices["shifted"]
        raise NonexistentTime(
            _("%(time)s does not exist on %(day)s in %(zone)s: the clocks jump forward at "
              "that hour. Choose %(before)s or %(after)s, or confirm %(shifted)s.")
            % {"time": wall.strftime("%H:%M"), "day": day, "zone": str(tz),
               "before": choices["before"].strftime("%H:%M"),
               "after": choices["after"].strftime("%H:%M"),
               "shifted": choices["shifted"].strftime("%H:%M")},
            details={k: v.isoformat() for k, v in choices.items()})
    if is_ambiguous(wall, tz):
        first, second = fold_choices(wall, tz)
        if fold in (0, 1):
            return (first, second)[fold]
        raise AmbiguousTime(
            _("%(time)s happens twice on %(day)s in %(zone)s: the clocks go back at that "
              "hour. Choose the first, %(first)s, before the change, or the second, "
              "%(second)s, after it.")
            % {"time": wall.strftime("%H:%M"), "day": day, "zone": str(tz),
               "first": _offset(first), "second": _offset(second)},
            details={"first": first.isoformat(), "second": second.isoformat()})
    return wall.replace(tzinfo=tz)


def instant(at: datetime, tz: tzinfo) -> datetime:
    """A datetime from outside (the API): with an offset it names its instant; without one
    it is a wall-clock time in ``tz``, refused when the clocks skip or repeat it."""
    if at.tzinfo is not None and at.utcoffset() is not None:
        return _in_range(at)
    return local_resolve(at, tz)


def _in_range(at: datetime) -> datetime:
    """Times are stored in UTC, and the first and last days of the calendar have no UTC
    time in every zone: refuse them instead of failing to store them."""
    try:
        at.astimezone(UTC)
        at.replace(tzinfo=None) - timedelta(days=2)
        at.replace(tzinfo=None) + timedelta(days=2)  # the clock-change search looks near
    except OverflowError:
        raise InvalidInput(_("That time is out of range; give one between the years 2000 "
                             "and 9000."), code="time_out_of_range") from None
    return at
