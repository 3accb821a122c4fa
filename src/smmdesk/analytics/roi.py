"""Conversions, costs and ROI for a period: per channel, campaign and rubric.

- A conversion counts on the day it happened (``occurred_at``, in the workspace's time
  zone), with the post, channel and campaign it was credited to (analytics/conversions.py).
  Its rubric is its post's rubric. Revenue is the sum of conversion values (a conversion
  without a value counts as a result, with no revenue).
- A cost counts on ``spent_on``; its campaign is its own or its post's, its rubric its
  post's.
- Clicks are human clicks (bots left out) on the workspace's short links in the period,
  grouped by the link's channel, campaign and post's rubric.
- ROI and cost per result come from analytics/metrics.py: ROI = (revenue − cost) / cost
  × 100 (percent, None without costs), cost per result = cost / conversions.

Dates are inclusive. With ``channel_ids`` only the conversions, costs and clicks of those
channels count (a cost entered without a channel then does not).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext as _

from smmdesk.accounts.models import Workspace
from smmdesk.analytics import metrics
from smmdesk.analytics.dashboard import Period
from smmdesk.analytics.models import (
    AnalyticsSettings,
    Attribution,
    Click,
    Conversion,
    ConversionKind,
    Cost,
)
from smmdesk.channels.models import Channel
from smmdesk.content.models import Campaign, Rubric

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def _money(value) -> Decimal:
    """A sum as money: two decimal places (SQLite's SUM loses them), 0.00 for none."""
    return Decimal(value or 0).quantize(CENT)


@dataclass
class RoiRow:
    label: str
    key: object  # a channel, campaign or rubric id; None for "without"; "total"
    cost: Decimal = ZERO
    revenue: Decimal = ZERO
    conversions: int = 0
    clicks: int | None = None
    # ROI in percent: (revenue − cost) / cost × 100; None when the cost is 0.
    roi: float | None = None
    # cost / conversions; None without costs or without conversions.
    cost_per_result: Decimal | None = None

    @property
    def profit(self) -> Decimal:
        return self.revenue - self.cost

    def finish(self) -> RoiRow:
        self.roi = metrics.roi(revenue=self.revenue, cost=self.cost)
        cpr = metrics.cost_per_result(cost=self.cost or None, results=self.conversions)
        self.cost_per_result = None if cpr is None else Decimal(cpr).quantize(CENT)
        return self


@dataclass
class Roi:
    start: date
    end: date
    currency: str
    total: RoiRow
    by_channel: list[RoiRow] = field(default_factory=list)
    by_campaign: list[RoiRow] = field(default_factory=list)
    by_rubric: list[RoiRow] = field(default_factory=list)


def currency_of(workspace: Workspace) -> str:
    found = AnalyticsSettings.objects.filter(workspace=workspace).values_list(
        "currency", flat=True).first()
    return found or "USD"


def conversions_in(*, workspace: Workspace, start: date, end: date,
                   channel_ids: list[int] | None = None):
    """The workspace's conversions that happened from ``start`` to ``end`` (inclusive)."""
    since, until = Period(start, end).bounds(workspace.tz)
    rows = Conversion.objects.filter(workspace=workspace, occurred_at__gte=since,
                                     occurred_at__lt=until)
    return rows.filter(channel_id__in=channel_ids) if channel_ids else rows


def costs_in(*, workspace: Workspace, start: date, end: date,
             channel_ids: list[int] | None = None):
    rows = Cost.objects.filter(workspace=workspace, spent_on__gte=start, spent_on__lte=end)
    return rows.filter(channel_id__in=channel_ids) if channel_ids else rows


def clicks_in(*, workspace: Workspace, start: date, end: date,
              channel_ids: list[int] | None = None):
    since, until = Period(start, end).bounds(workspace.tz)
    rows = Click.objects.filter(link__workspace=workspace, bot=False, at__gte=since,
                                at__lt=until)
    return rows.filter(link__channel_id__in=channel_ids) if channel_ids else rows


# --- grouping ------------------------------------------------------------------------

_DIMENSIONS = {
    # dimension: (conversion field, cost expression, click field)
    "channel": ("channel_id", F("channel_id"), "link__channel_id"),
    "campaign": ("campaign_id", Coalesce("campaign_id", "post__campaign_id"),
                 "link__campaign_id"),
    "rubric": ("post__rubric_id", F("post__rubric_id"), "link__post__rubric_id"),
}


def _grouped(conversions, costs, clicks, dimension: str) -> dict[object, RoiRow]:
    conv_field, cost_expr, click_field = _DIMENSIONS[dimension]
    rows: dict[object, RoiRow] = defaultdict(lambda: RoiRow(label="", key=None, clicks=0))
    for r in (conversions.values(k=F(conv_field))
              .annotate(n=Count("pk"), v=Sum("value"))):
        row = rows[r["k"]]
        row.conversions, row.revenue = r["n"], _money(r["v"])
    for r in costs.annotate(k=cost_expr).values("k").annotate(a=Sum("amount")):
        rows[r["k"]].cost = _money(r["a"])
    for r in clicks.values(k=F(click_field)).annotate(n=Count("pk")):
        rows[r["k"]].clicks = r["n"]
    return rows


def _labelled(rows: dict[object, RoiRow], names: dict[int, str],
              none_label: str) -> list[RoiRow]:
    """Rows with names, the biggest money first, the "without" row last."""
    out = []
    for key, row in rows.items():
        row.key = key
        row.label = none_label if key is None else names.get(key, str(key))
        out.append(row.finish())
    out.sort(key=lambda r: (r.key is None, -(r.revenue + r.cost), -r.conversions, r.label))
    return out


def _total(conversions, costs, clicks) -> RoiRow:
    c = conversions.aggregate(n=Count("pk"), v=Sum("value"))
    return RoiRow(label=_("Total"), key="total", conversions=c["n"], revenue=_money(c["v"]),
                  cost=_money(costs.aggregate(a=Sum("amount"))["a"]),
                  clicks=clicks.count()).finish()


def roi_get(*, workspace: Workspace, start: date, end: date,
            channel_ids: list[int] | None = None) -> Roi:
    """Cost, revenue, conversions, clicks, ROI and cost per result from ``start`` to
    ``end`` (inclusive, workspace's time zone): in total and per channel, campaign and
    rubric."""
    scope = {"workspace": workspace, "start": start, "end": end, "channel_ids": channel_ids}
    conversions, costs, clicks = conversions_in(**scope), costs_in(**scope), clicks_in(**scope)
    channels = dict(Channel.objects.filter(workspace=workspace).values_list("pk", "name"))
    campaigns = dict(Campaign.objects.filter(workspace=workspace).values_list("pk", "name"))
    rubrics = dict(Rubric.objects.filter(workspace=workspace).values_list("pk", "name"))
    return Roi(
        start=start, end=end, currency=currency_of(workspace),
        total=_total(conversions, costs, clicks),
        by_channel=_labelled(_grouped(conversions, costs, clicks, "channel"), channels,
                             _("Without a channel")),
        by_campaign=_labelled(_grouped(conversions, costs, clicks, "campaign"), campaigns,
                              _("Without a campaign")),
        by_rubric=_labelled(_grouped(conversions, costs, clicks, "rubric"), rubrics,
                            _("Without a rubric")))


# --- conversions summary -------------------------------------------------------------

@dataclass
class Bucket:
    key: str
    label: str
    count: int = 0
    value: Decimal = ZERO


@dataclass
class ConversionsSummary:
    count: int
    value: Decimal
    currency: str
    by_kind: list[Bucket]
    by_attribution: list[Bucket]
    per_day: list[tuple[date, int, Decimal]]  # every day of the period, zeros included


def _buckets(rows, field_name: str, choices) -> list[Bucket]:
    got = {r[field_name]: r for r in rows.values(field_name)
           .annotate(n=Count("pk"), v=Sum("value"))}
    return [Bucket(key=value, label=str(label), count=got.get(value, {}).get("n", 0),
                   value=_money(got.get(value, {}).get("v")))
            for value, label in choices]


def conversions_per_day(rows, workspace: Workspace,
                        period: Period) -> list[tuple[date, int, Decimal]]:
    got = {r["day"]: r for r in rows.annotate(day=TruncDate("occurred_at", tzinfo=workspace.tz))
           .values("day").annotate(n=Count("pk"), v=Sum("value"))}
    return [(d, got.get(d, {}).get("n", 0), _money(got.get(d, {}).get("v")))
            for d in period.dates()]


def conversions_summary(*, workspace: Workspace, start: date, end: date,
                        channel_ids: list[int] | None = None) -> ConversionsSummary:
    """How many conversions and how much value from ``start`` to ``end`` (inclusive), by
    kind and by what they are credited to, and per day."""
    rows = conversions_in(workspace=workspace, start=start, end=end, channel_ids=channel_ids)
    total = rows.aggregate(n=Count("pk"), v=Sum("value"))
    return ConversionsSummary(
        count=total["n"], value=_money(total["v"]), currency=currency_of(workspace),
        by_kind=_buckets(rows, "kind", ConversionKind.choices),
        by_attribution=_buckets(rows, "attribution", Attribution.choices),
        per_day=conversions_per_day(rows, workspace, Period(start, end)))
