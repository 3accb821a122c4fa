"""The next daylight-saving days in Kyiv, so the tests stay in the future every year.

Europe/Kyiv jumps from 03:00 to 04:00 on the last Sunday of March (03:30 does not exist)
and goes back from 04:00 to 03:00 on the last Sunday of October (03:30 happens twice).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from smmdesk.lib.walltime import exists, is_ambiguous

KYIV = ZoneInfo("Europe/Kyiv")


def _next(test) -> date:
    today = timezone.now().astimezone(KYIV).date() + timedelta(days=1)
    for k in range(400):
        day = today + timedelta(days=k)
        if test(datetime.combine(day, datetime.min.time()).replace(hour=3, minute=30)):
            return day
    raise AssertionError("no clock change in Kyiv within 400 days")


def spring_forward() -> date:
    """The next day on which 03:30 does not exist in Kyiv."""
    return _next(lambda wall: not exists(wall, KYIV))


def fall_back() -> date:
    """The next day on which 03:30 happens twice in Kyiv."""
    return _next(lambda wall: is_ambiguous(wall, KYIV))
