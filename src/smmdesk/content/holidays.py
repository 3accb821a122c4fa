"""Public holidays of Ukraine, Belarus and Russia, from a dated data file written here
(``data/holidays.json``: 2025–2028, sources named in the file)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

COUNTRIES = ("UA", "BY", "RU")


@dataclass(frozen=True)
class Holiday:
    day: date
    country: str
    name: str
    day_off: bool


@cache
def _data() -> dict:
    return json.loads((Path(__file__).parent / "data" / "holidays.json").read_text("utf-8"))


@cache
def _dated(country: str) -> list[tuple[date, dict]]:
    return [(date.fromisoformat(i["date"]), i) for i in _data()["countries"].get(country, [])]


def holidays_between(start: date, end: date, *, countries=COUNTRIES,
                     language: str = "en") -> dict[date, list[Holiday]]:
    """Holidays from ``start`` (inclusive) to ``end`` (exclusive), by day."""
    found: dict[date, list[Holiday]] = defaultdict(list)
    for country in countries:
        for day, item in _dated(country):
            if start <= day < end:
                name = item["name"].get(language) or item["name"]["en"]
                found[day].append(Holiday(day, country, name, item["day_off"]))
    return dict(found)


def covered_years() -> tuple[int, int]:
    years = [int(i["date"][:4]) for items in _data()["countries"].values() for i in items]
    return min(years), max(years)
