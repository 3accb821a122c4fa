"""Money spent: ad spend, production, opinion leaders. A cost is an amount, or hours of
the team's work at the workspace's hourly rate (AnalyticsSettings.hourly_rate)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from smmdesk.accounts.models import Workspace
from smmdesk.analytics.conversions import (
    analytics_settings_get,
    money_parse,
    row_id,
    workspace_rows_check,
)
from smmdesk.analytics.models import Cost, CostKind
from smmdesk.channels.models import Channel
from smmdesk.content.models import Campaign, Post
from smmdesk.lib.db import write_transaction
from smmdesk.lib.errors import InvalidInput, NotFound

HOURS_MAX = Decimal(10000)
SOURCES = ("manual", "csv", "ads", "api")


def cost_kind_parse(value) -> str:
    text = str(value or "").strip().lower()
    if not text:
        return CostKind.OTHER
    if text not in CostKind.values:
        raise InvalidInput(_("Unknown cost kind “%(kind)s”: use one of %(kinds)s.")
                           % {"kind": str(value)[:40], "kinds": ", ".join(CostKind.values)},
                           code="invalid_cost_kind")
    return text


def day_parse(value) -> date:
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    try:
        day = parse_date(text)
    except ValueError:
        day = None
    if day is None and len(text) == 10 and text[2] == "." and text[5] == ".":
        try:
            day = date(int(text[6:]), int(text[3:5]), int(text[:2]))
        except ValueError:
            day = None
    if day is None:
        raise InvalidInput(_("“%(value)s” is not a date: use 2026-03-02 or 02.03.2026.")
                           % {"value": text[:40]}, code="invalid_date")
    return day


def hours_parse(value) -> Decimal | None:
    hours = money_parse(value, field="hours")
    if hours is not None and not 0 < hours <= HOURS_MAX:
        raise InvalidInput(_("Hours are more than 0 and at most 10,000."), code="invalid_hours")
    return hours


def cost_amount(*, workspace: Workspace, amount=None, hours=None) -> tuple[Decimal, Decimal | None]:
    """(amount, hours): the amount given, or hours × the hourly rate."""
    amount, hours = money_parse(amount, field="amount"), hours_parse(hours)
    if amount is not None:
        return amount, hours
    if hours is None:
        raise InvalidInput(_("Enter an amount, or the hours spent."), code="amount_required")
    rate = analytics_settings_get(workspace=workspace).hourly_rate
    if rate is None:
        raise InvalidInput(_("Set the hourly rate in the money settings first, or enter "
                             "the amount."), code="hourly_rate_missing")
    return (hours * rate).quantize(Decimal("0.01")), hours


def cost_create(*, workspace: Workspace, kind, spent_on, amount=None, hours=None,
                channel: Channel | None = None, campaign: Campaign | None = None,
                post: Post | None = None, note: str = "", actor=None,
                source: str = "manual") -> Cost:
    """One cost on ``spent_on``; without an amount, ``hours`` × the hourly rate."""
    if source not in SOURCES:
        raise ValueError(f"unknown cost source {source!r}")
    kind, day = cost_kind_parse(kind), day_parse(spent_on)
    workspace_rows_check(workspace, channel, campaign, post)
    amount, hours = cost_amount(workspace=workspace, amount=amount, hours=hours)
    with write_transaction():
        return Cost.objects.create(
            workspace=workspace, kind=kind, amount=amount, hours=hours, spent_on=day,
            channel=channel, campaign=campaign or (post.campaign if post else None),
            post=post, note=str(note or "").strip()[:500], source=source,
            created_by=actor if getattr(actor, "is_authenticated", False) else None)


def cost_delete(*, workspace: Workspace, cost_id) -> None:
    deleted, _rows = Cost.objects.filter(workspace=workspace, pk=row_id(cost_id)).delete()
    if not deleted:
        raise NotFound(_("Cost not found."), code="cost_not_found")


def cost_list(*, workspace: Workspace, start: date | None = None, end: date | None = None,
              limit: int = 200):
    rows = Cost.objects.filter(workspace=workspace)
    if start and end:
        rows = rows.filter(spent_on__gte=start, spent_on__lte=end)
    return (rows.select_related("channel", "campaign", "post")
            .order_by("-spent_on", "-pk")[:limit])
