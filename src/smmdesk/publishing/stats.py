"""Selectors for the dashboard's numbers and its small chart (reads only)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from smmdesk.accounts.models import Workspace
from smmdesk.publishing.models import Publication, Status

DONE = {Status.PUBLISHED, Status.UNCONFIRMED}
TO_GO = {Status.SCHEDULED, Status.PUBLISHING, Status.PENDING_APPROVAL}


def publication_days(*, workspace: Workspace, start: date, days: int) -> list[dict]:
    """Per local day from ``start``: how many publications went out (``done``), failed,
    or are still to go (``to_go``), for the dashboard's bar chart."""
    tz = workspace.tz
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(start + timedelta(days=days), time.min, tzinfo=tz)
    counts: dict[date, Counter] = {}
    for at, status in (Publication.objects.filter(workspace=workspace, scheduled_at__gte=since,
                                                  scheduled_at__lt=until)
                       .values_list("scheduled_at", "status")):
        group = "done" if status in DONE else "failed" if status == Status.FAILED else \
            "to_go" if status in TO_GO else None
        if group:
            counts.setdefault(timezone.localtime(at, tz).date(), Counter())[group] += 1
    return [{"day": day, **{k: counts.get(day, Counter())[k] for k in ("done", "failed",
                                                                       "to_go")}}
            for day in (start + timedelta(days=i) for i in range(days))]


def chart_bars(rows: list[dict]) -> list[dict]:
    """Heights in percent of the busiest day (0 when nothing at all)."""
    top = max((r["done"] + r["failed"] + r["to_go"] for r in rows), default=0)
    return [{**r, "total": r["done"] + r["failed"] + r["to_go"],
             **{f"{k}_pct": round(100 * r[k] / top) if top else 0
                for k in ("done", "failed", "to_go")}} for r in rows]
