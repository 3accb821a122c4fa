"""Conversions, costs and ROI. Reading needs "analytics.view"; writing "money.edit".
A POSTed conversion goes through the same service as the webhook and the CSV import
(analytics/conversions.py): the same ``external_id`` twice is stored once (200, not 201)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import BaseModel

from smmdesk.accounts.access import access_membership, access_row
from smmdesk.accounts.roles import Perm
from smmdesk.analytics.conversions import conversion_list, conversion_record
from smmdesk.analytics.costs import cost_create, cost_delete, cost_list
from smmdesk.analytics.models import Conversion, ConversionSource
from smmdesk.analytics.roi import RoiRow, roi_get
from smmdesk.api.auth import requires
from smmdesk.api.pagination import Page
from smmdesk.api.schemas import Id, IsoDate, IsoDateTime, responses
from smmdesk.channels.access import access_channel
from smmdesk.content.access import access_post
from smmdesk.content.models import Campaign
from smmdesk.lib.errors import InvalidInput

router = Router(tags=["money"])

Money = Annotated[Decimal, Field(ge=0, lt=10**12, allow_inf_nan=False, decimal_places=2)]
Hours = Annotated[Decimal, Field(gt=0, le=10000, allow_inf_nan=False, decimal_places=2)]
MAX_DAYS = 3 * 366
DEFAULT_DAYS = 30


# --- schemas -------------------------------------------------------------------------------

class UtmIn(BaseModel):
    """UTM values of the visit (a plain model: ninja's Schema would read any object's
    attributes, so a list would pass as an empty one)."""

    utm_source: str = Field("", max_length=200)
    utm_medium: str = Field("", max_length=200)
    utm_campaign: str = Field("", max_length=200)
    utm_content: str = Field("", max_length=200)
    utm_term: str = Field("", max_length=200)


class ConversionIn(Schema):
    kind: str = Field("order", max_length=20,
                      description="registration, order, call, lead or other")
    value: Money | None = None
    occurred_at: IsoDateTime | None = Field(None, description="Now when left out.")
    external_id: str = Field("", max_length=200,
                             description="Your own id: the same one twice is stored once.")
    promo_code: str = Field("", max_length=40)
    link: str = Field("", max_length=300, description="A short link's code (or address).")
    click: Id | None = Field(None, description="A click's id.")
    visitor: str = Field("", max_length=64)
    utm: UtmIn = Field(default_factory=UtmIn)
    note: str = Field("", max_length=500)


class ConversionOut(Schema):
    id: int
    kind: str
    value: Decimal | None
    occurred_at: datetime
    external_id: str
    source: str
    attribution: str
    post_id: int | None
    channel_id: int | None
    campaign_id: int | None
    promo_code: str | None
    link_code: str | None
    note: str

    @staticmethod
    def resolve_promo_code(obj: Conversion) -> str | None:
        return obj.promo.code if obj.promo_id else None

    @staticmethod
    def resolve_link_code(obj: Conversion) -> str | None:
        return obj.link.code if obj.link_id else None


class CostIn(Schema):
    kind: str = Field("ads", max_length=20,
                      description="ads, production, influencer or other")
    amount: Money | None = Field(None, description="Or hours, priced at the hourly rate.")
    hours: Hours | None = None
    spent_on: IsoDate
    channel_id: Id | None = None
    campaign_id: Id | None = None
    post_id: Id | None = None
    note: str = Field("", max_length=500)


class CostOut(Schema):
    id: int
    kind: str
    amount: Decimal
    hours: Decimal | None
    spent_on: date
    channel_id: int | None
    campaign_id: int | None
    post_id: int | None
    note: str
    source: str


class RoiRowOut(Schema):
    label: str
    key: int | str | None
    cost: Decimal
    revenue: Decimal
    conversions: int
    clicks: int | None
    roi: float | None = Field(description="(revenue − cost) / cost × 100; null without costs")
    cost_per_result: Decimal | None = Field(description="cost / conversions")


class RoiOut(Schema):
    start: date
    end: date
    currency: str
    total: RoiRowOut
    by_channel: list[RoiRowOut]
    by_campaign: list[RoiRowOut]
    by_rubric: list[RoiRowOut]


class PeriodQuery(Schema):
    start: IsoDate | None = Field(None, description="First day; 30 days ago by default.")
    end: IsoDate | None = Field(None, description="Last day (inclusive); today by default.")
    channel: Id | None = None


# --- helpers ---------------------------------------------------------------------------------

def _m(request, ws: int, permission: str = Perm.ANALYTICS_VIEW):
    return access_membership(user=request.auth, workspace_id=ws, permission=permission)


def _period(q: PeriodQuery, workspace) -> tuple[date, date]:
    today = timezone.localdate(timezone.now(), workspace.tz)
    end = q.end or today
    start = q.start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise InvalidInput(_("The period's start is after its end."), code="invalid_period")
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput(_("A period can be at most three years long."),
                           code="invalid_period")
    return start, end


def _row_out(r: RoiRow) -> dict:
    return {"label": r.label, "key": r.key, "cost": r.cost, "revenue": r.revenue,
            "conversions": r.conversions, "clicks": r.clicks, "roi": r.roi,
            "cost_per_result": r.cost_per_result}


# --- routes ----------------------------------------------------------------------------------

@router.get("/workspaces/{ws}/conversions", response=responses({200: list[ConversionOut]}),
            auth=requires(Perm.ANALYTICS_VIEW))
@paginate(Page)
def conversions(request, ws: Id, q: Query[PeriodQuery]):
    """The period's conversions, newest first (``channel``: credited to that channel)."""
    m = _m(request, ws)
    start, end = _period(q, m.workspace)
    rows = conversion_list(workspace=m.workspace, start=start, end=end, limit=None)
    return rows.filter(channel_id=q.channel) if q.channel else rows


@router.post("/workspaces/{ws}/conversions",
             response=responses({200: ConversionOut, 201: ConversionOut}),
             auth=requires(Perm.MONEY_EDIT))
def conversion_new(request, ws: Id, payload: ConversionIn):
    """201 with the new conversion, or 200 with the stored one when ``external_id`` was
    sent before."""
    m = _m(request, ws, Perm.MONEY_EDIT)
    c = conversion_record(workspace=m.workspace, source=ConversionSource.API,
                          kind=payload.kind, value=payload.value,
                          occurred_at=payload.occurred_at, external_id=payload.external_id,
                          promo_code=payload.promo_code, link=payload.link,
                          click=payload.click, visitor=payload.visitor,
                          utm=payload.utm.model_dump(), note=payload.note)
    return Status(201 if c.created else 200, c)


@router.get("/workspaces/{ws}/costs", response=responses({200: list[CostOut]}),
            auth=requires(Perm.ANALYTICS_VIEW))
@paginate(Page)
def costs(request, ws: Id, q: Query[PeriodQuery]):
    m = _m(request, ws)
    start, end = _period(q, m.workspace)
    rows = cost_list(workspace=m.workspace, start=start, end=end, limit=None)
    return rows.filter(channel_id=q.channel) if q.channel else rows


@router.post("/workspaces/{ws}/costs", response=responses({201: CostOut}),
             auth=requires(Perm.MONEY_EDIT))
def cost_new(request, ws: Id, payload: CostIn):
    m = _m(request, ws, Perm.MONEY_EDIT)
    ws_ = m.workspace
    cost = cost_create(
        workspace=ws_, kind=payload.kind, amount=payload.amount, hours=payload.hours,
        spent_on=payload.spent_on, note=payload.note, actor=request.auth, source="api",
        channel=access_channel(workspace=ws_, channel_id=payload.channel_id)
        if payload.channel_id else None,
        campaign=access_row(Campaign.objects, workspace=ws_, pk=payload.campaign_id,
                            message=_("Campaign not found."), code="campaign_not_found")
        if payload.campaign_id else None,
        post=access_post(workspace=ws_, post_id=payload.post_id) if payload.post_id else None)
    return Status(201, cost)


@router.delete("/workspaces/{ws}/costs/{cost_id}", response=responses({204: None}),
               auth=requires(Perm.MONEY_EDIT))
def cost_remove(request, ws: Id, cost_id: Id):
    m = _m(request, ws, Perm.MONEY_EDIT)
    cost_delete(workspace=m.workspace, cost_id=cost_id)
    return Status(204, None)


@router.get("/workspaces/{ws}/roi", response=responses({200: RoiOut}),
            auth=requires(Perm.ANALYTICS_VIEW))
def roi(request, ws: Id, q: Query[PeriodQuery]):
    """Cost, revenue, conversions, clicks, ROI and cost per result from ``start`` to
    ``end`` (inclusive, in the workspace's time zone), in total and per channel, campaign
    and rubric."""
    m = _m(request, ws)
    start, end = _period(q, m.workspace)
    r = roi_get(workspace=m.workspace, start=start, end=end,
                channel_ids=[q.channel] if q.channel else None)
    return {"start": r.start, "end": r.end, "currency": r.currency,
            "total": _row_out(r.total), "by_channel": [_row_out(x) for x in r.by_channel],
            "by_campaign": [_row_out(x) for x in r.by_campaign],
            "by_rubric": [_row_out(x) for x in r.by_rubric]}
