"""Wall-clock times across daylight saving (smmdesk/lib/walltime.py), in Kyiv."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from smmdesk.lib.walltime import AmbiguousTime, NonexistentTime, instant, local_resolve

KYIV = ZoneInfo("Europe/Kyiv")
SPRING = datetime(2027, 3, 28, 3, 30)  # 03:00 → 04:00: does not exist
AUTUMN = datetime(2026, 10, 25, 3, 30)  # 04:00 → 03:00: happens twice


def test_a_skipped_time_is_refused_with_the_nearest_valid_times():
    with pytest.raises(NonexistentTime) as exc:
        local_resolve(SPRING, KYIV)
    assert "Choose 02:59 or 04:00, or confirm 04:30" in exc.value.message
    assert exc.value.details == {"before": "2027-03-28T02:59:00+02:00",
                                 "after": "2027-03-28T04:00:00+03:00",
                                 "shifted": "2027-03-28T04:30:00+03:00"}


def test_a_confirmed_shift_moves_it_by_the_jump():
    assert local_resolve(SPRING, KYIV, shift=True).isoformat() == "2027-03-28T04:30:00+03:00"


def test_a_repeated_time_needs_a_choice_and_fold_picks_it():
    with pytest.raises(AmbiguousTime) as exc:
        local_resolve(AUTUMN, KYIV)
    assert "UTC+03:00" in exc.value.message and "UTC+02:00" in exc.value.message
    first, second = (local_resolve(AUTUMN, KYIV, fold=f).astimezone(UTC) for f in (0, 1))
    assert (first.isoformat(), second.isoformat()) == ("2026-10-25T00:30:00+00:00",
                                                       "2026-10-25T01:30:00+00:00")


def test_ordinary_times_and_times_with_an_offset_pass_unchanged():
    assert local_resolve(datetime(2027, 3, 28, 2, 59), KYIV).utcoffset().seconds == 7200
    assert local_resolve(datetime(2027, 3, 28, 4, 0), KYIV).utcoffset().seconds == 10800
    fixed = datetime.fromisoformat("2026-10-25T03:30:00+02:00")
    assert instant(fixed, KYIV) is fixed
    with pytest.raises(AmbiguousTime):
        instant(AUTUMN, KYIV)


def test_other_zones_and_half_hour_changes():
    lord_howe = ZoneInfo("Australia/Lord_Howe")  # moves by 30 minutes
    with pytest.raises(NonexistentTime) as exc:
        local_resolve(datetime(2026, 10, 4, 2, 10), lord_howe)
    assert exc.value.details["after"] == "2026-10-04T02:30:00+11:00"


def test_times_at_the_ends_of_the_calendar_are_refused_not_crashed():
    from smmdesk.lib.errors import InvalidInput

    for at in (datetime(1, 1, 1, 0, 0), datetime.fromisoformat("9999-12-31T23:00:00-05:00")):
        with pytest.raises(InvalidInput) as exc:
            instant(at, KYIV)
        assert exc.value.code == "time_out_of_range"
