"""Months, days and times typed into URLs and forms (``?month=2026-12``, ``?date=2026-12-24``).

Pages step a month or a week either way from what they are given, and store times in UTC:
near year 1 or 9999 both overflow Python's dates (a 500). Only years in ``YEARS`` are
accepted; anything else is an error in the person's words (``InvalidInput``, a 400).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from smmdesk.lib.errors import InvalidInput

YEARS = range(1970, 3000)
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def month_parse(value: str) -> date:
    """The first day of the month ``2026-12``; InvalidInput for anything else."""
    found = _MONTH.fullmatch(value.strip())
    year, month = (int(found[1]), int(found[2])) if found else (0, 0)
    if year not in YEARS or not 1 <= month <= 12:
        raise InvalidInput(_("“%(value)s” is not a month: write it like 2026-12, with a year "
                             "from %(first)d to %(last)d.")
                           % {"value": value[:20], "first": YEARS[0], "last": YEARS[-1]},
                           code="invalid_month")
    return date(year, month, 1)


def day_parse(value: str) -> date:
    """The day ``2026-12-24``; InvalidInput for anything else."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        day = None
    if day is None or day.year not in YEARS:
        raise InvalidInput(_("“%(value)s” is not a day: write it like 2026-12-24, with a year "
                             "from %(first)d to %(last)d.")
                           % {"value": value[:20], "first": YEARS[0], "last": YEARS[-1]},
                           code="invalid_day")
    return day


def moment_parse(value: str, tz) -> datetime:
    """``2026-12-24T10:00`` (in ``tz`` unless it has an offset); InvalidInput for anything
    else, including years a database column cannot convert to UTC."""
    try:
        moment = parse_datetime(value.strip())
    except ValueError:  # well formed, but no such day or hour
        moment = None
    if moment is None or moment.year not in YEARS:
        raise InvalidInput(_("“%(value)s” is not a date and time: write it like "
                             "2026-12-24 10:00, with a year from %(first)d to %(last)d.")
                           % {"value": value[:30], "first": YEARS[0], "last": YEARS[-1]},
                           code="invalid_datetime")
    return timezone.make_aware(moment, tz) if timezone.is_naive(moment) else moment


def validate_year(value: date) -> None:
    """For a form's DateField: the same years as ``month_parse`` and ``day_parse``."""
    if value.year not in YEARS:
        raise ValidationError(_("Choose a date in the years %(first)d to %(last)d.")
                              % {"first": YEARS[0], "last": YEARS[-1]}, code="year_range")
