"""Analytics in API v1: the dashboard's figures, the raw snapshots they are made of, the
post table, goals, and short links with their clicks. Every route is scoped to one
workspace; another workspace's channel, publication, goal or link is 404.

Days are the workspace's days (its time zone); a period is ``start``..``end``, both
included, at most two years long (default: the last 30 days)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Literal

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import AfterValidator, StrictBool

from smmdesk.accounts.access import access_membership, access_row
from smmdesk.accounts.roles import Perm
from smmdesk.analytics import metrics
from smmdesk.analytics.dashboard import Period, channels_for, dashboard_get
from smmdesk.analytics.goals import (
    forecast_text,
    goal_delete,
    goal_list,
    goal_progress,
    goal_save,
    pace_text,
    status_label,
)
from smmdesk.analytics.links import (
    link_clicks_daily,
    link_create,
    link_create_tagged,
    link_url,
    links_counted,
)
from smmdesk.analytics.models import ChannelSnapshot, Goal, GoalMetric, PostSnapshot
from smmdesk.analytics.post_metrics import (
    ORDERS,
    counters_missing,
    networks_missing,
    post_metrics_list,
)
from smmdesk.api.auth import requires
from smmdesk.api.pagination import Page
from smmdesk.api.schemas import Id, IsoDate, responses
from smmdesk.channels.access import access_channel
from smmdesk.content.access import access_post
from smmdesk.lib.errors import InvalidInput
from smmdesk.publishing.access import access_publication

router = Router(tags=["analytics"])

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
MAX_DAYS = 731  # two years, a leap day included
DEFAULT_DAYS = 30


def _in_range(day: date) -> date:
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"use a day from {EARLIEST} to {LATEST}")
    return day


Day = Annotated[IsoDate, AfterValidator(_in_range), Field(examples=["2026-12-01"])]
Counter = int | None


# --- periods ---------------------------------------------------------------------------

class PeriodQuery(Schema):
    start: Day | None = Field(None, description="First day (YYYY-MM-DD), the workspace's "
                                                "day; default: 29 days before end.")
    end: Day | None = Field(None, description="Last day, included; default: today.")


class ChannelPeriodQuery(PeriodQuery):
    channel: Id | None = Field(None, description="One channel of the workspace; "
                                                 "leave out for all.")


def _bad_period(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, code="invalid_period",
                        details={"fields": [{"field": field, "problem": str(message)}]})


def period_check(start: date, end: date) -> Period:
    """``start``..``end`` as a Period, or a 400 that says what is wrong with it."""
    if end < start:
        raise _bad_period("end", _("The period ends before it starts."))
    if (end - start).days + 1 > MAX_DAYS:
        raise _bad_period("start", _("A period can be at most two years long."))
    return Period(start, end)


def _period(q: PeriodQuery, workspace) -> Period:
    end = q.end or (q.start + timedelta(days=DEFAULT_DAYS - 1) if q.start else
                    timezone.localdate(timezone=workspace.tz))
    start = q.start or end - timedelta(days=DEFAULT_DAYS - 1)
    return period_check(start, end)


def _m(request, ws: int, permission: str = Perm.ANALYTICS_VIEW):
    return access_membership(user=request.auth, workspace_id=ws, permission=permission)


class PeriodOut(Schema):
    start: date
    end: date
    days: int


def period_out(p: Period) -> dict:
    return {"start": p.start, "end": p.end, "days": p.days}


# --- the dashboard's figures -------------------------------------------------------------

class MetricsQuery(ChannelPeriodQuery):
    er_basis: Literal["post", "day"] = Field(
        "post", description="post: ERpost averaged per post; day: ERday averaged per day.")
    averaging: Literal["mean", "sum"] = Field(
        "mean", description="mean: the mean of each post's (day's) rate; sum: the ratio of "
                            "the sums (a big post weighs more).")


class KpiOut(Schema):
    name: str
    label: str
    formula: str = Field(description="How the figure is made.")
    unit: str = Field(description="count, % or min.")
    value: int | float | None
    previous: int | float | None = Field(description="The same figure in the previous "
                                                     "period of the same length.")
    change: float | None = Field(description="(value − previous) / |previous| × 100; null "
                                             "without a previous value or when it is 0.")
    higher_is_better: bool
    not_available_from: list[str] = Field(
        description="The networks (channel kinds) that were read in the period and give "
                    "none of what this figure is made of: with a null value, none of the "
                    "channels gives it (never 0); with a value, it leaves those out.")


class PointOut(Schema):
    day: date
    value: int | float | None


class SeriesOut(Schema):
    name: str
    label: str
    unit: str
    points: list[PointOut]
    not_available_from: list[str]


class MetricsOut(Schema):
    period: PeriodOut
    previous_period: PeriodOut
    channel_ids: list[int]
    er_basis: str
    averaging: str
    has_snapshots: bool
    kpis: list[KpiOut]
    series: list[SeriesOut]


def _formula(kpi) -> str:
    if kpi.name in metrics.METRICS:
        return str(metrics.metric_get(kpi.name).formula)
    return str(kpi.tooltip).removeprefix(f"{kpi.label}: ")


def _kpi_out(kpi, missing: dict) -> dict:
    return {"name": kpi.name, "label": str(kpi.label), "formula": _formula(kpi),
            "unit": kpi.unit, "value": kpi.value, "previous": kpi.previous,
            "change": kpi.change, "higher_is_better": kpi.higher_is_better,
            "not_available_from": networks_missing(kpi.name, missing)}


def _series(board, missing: dict) -> list[dict]:
    specs = (("followers", _("Followers"), metrics.COUNT),
             ("views", _("Views"), metrics.COUNT), ("reach", _("Reach"), metrics.COUNT),
             ("interactions", metrics.metric_get("interactions").label, metrics.COUNT),
             ("er_day", metrics.metric_get("er_day").label, metrics.PERCENT),
             ("er_view", metrics.metric_get("er_view").label, metrics.PERCENT),
             ("posts", _("Posts"), metrics.COUNT))
    return [{"name": name, "label": str(label), "unit": unit,
             "points": [{"day": d.day, "value": getattr(d, name)} for d in board.days],
             "not_available_from": networks_missing(name, missing)}
            for name, label, unit in specs]


@router.get("/workspaces/{ws}/metrics", response=responses({200: MetricsOut}),
            auth=requires(Perm.ANALYTICS_VIEW))
def metrics_get(request, ws: Id, q: Query[MetricsQuery]):
    """The dashboard's figures for a period and the previous period of the same length:
    every KPI with its formula, and the daily series. A figure a network does not give
    is null (never 0), with the networks in ``not_available_from``."""
    workspace = _m(request, ws).workspace
    period = _period(q, workspace)
    channel_id = access_channel(workspace=workspace, channel_id=q.channel).pk \
        if q.channel else None
    board = dashboard_get(workspace=workspace, period=period, channel_id=channel_id,
                          er_basis=q.er_basis, method=q.averaging)
    missing = counters_missing(workspace=workspace, period=period, channels=board.channels)
    return {"period": period_out(period), "previous_period": period_out(board.previous),
            "channel_ids": [c.pk for c in board.channels], "er_basis": q.er_basis,
            "averaging": q.averaging, "has_snapshots": board.has_snapshots,
            "kpis": [_kpi_out(k, missing) for k in board.kpis],
            "series": _series(board, missing)}


# --- the post table ----------------------------------------------------------------------

class PostMetricsQuery(ChannelPeriodQuery):
    order: Literal[("er", *ORDERS)] = Field(  # type: ignore[valid-type]
        "published_at", description="Highest first; posts without the figure come last.")


class PostCountersOut(Schema):
    """A post's raw counters; null: the network does not give it (never 0)."""

    views: Counter
    reach: Counter
    likes: Counter
    comments: Counter
    reposts: Counter
    saves: Counter
    clicks: Counter


class PostMetricsOut(PostCountersOut):
    publication_id: int
    post_id: int
    title: str
    channel_id: int
    channel_kind: str
    published_at: datetime
    taken_at: datetime = Field(description="When the latest reading was taken.")
    age_hours: int
    followers: Counter = Field(description="The channel's followers on the day of "
                                           "publication.")
    interactions: Counter
    er_post: float | None
    er_view: float | None
    err: float | None
    love_rate: float | None
    talk_rate: float | None
    amplification_rate: float | None
    ctr: float | None


@router.get("/workspaces/{ws}/metrics/posts", response=responses({200: list[PostMetricsOut]}),
            auth=requires(Perm.ANALYTICS_VIEW))
@paginate(Page)
def post_metrics(request, ws: Id, q: Query[PostMetricsQuery]):
    """Each publication published in the period by its latest reading, with the metrics
    derived from it (formulas: ``GET .../metrics``; null where a counter is missing)."""
    workspace = _m(request, ws).workspace
    period = _period(q, workspace)
    if q.channel:
        access_channel(workspace=workspace, channel_id=q.channel)
    ids = [c.pk for c in channels_for(workspace=workspace, channel_id=q.channel)]
    return post_metrics_list(workspace=workspace, period=period, channel_ids=ids,
                             order="er_post" if q.order == "er" else q.order)


# --- raw snapshots -------------------------------------------------------------------------

class ChannelSnapshotOut(Schema):
    id: int
    channel_id: int
    day: date
    taken_at: datetime
    followers: Counter
    following: Counter
    posts: Counter
    views: Counter
    reach: Counter
    extra: dict = Field(description="Counters the network gives beyond these.")


class PostSnapshotOut(PostCountersOut):
    id: int
    publication_id: int
    channel_id: int
    published_at: datetime | None
    taken_at: datetime
    age_hours: int
    extra: dict = Field(description="Counters the network gives beyond these.")


class PostSnapshotQuery(ChannelPeriodQuery):
    by: Literal["taken", "published"] = Field(
        "taken", description="taken: snapshots taken in the period; published: every "
                             "snapshot of the publications published in the period (what "
                             "the dashboard's post figures are made of).")


def _post_snapshots(qs):
    return qs.annotate(published_at=F("publication__published_at")).order_by("taken_at", "pk")


@router.get("/workspaces/{ws}/channels/{channel_id}/snapshots",
            response=responses({200: list[ChannelSnapshotOut]}),
            auth=requires(Perm.ANALYTICS_VIEW))
@paginate(Page)
def channel_snapshots(request, ws: Id, channel_id: Id, q: Query[PeriodQuery]):
    """Every reading of the channel's counters on the period's days, oldest first (a
    day may have several: the dashboard takes its last). Missing counters stay null."""
    workspace = _m(request, ws).workspace
    channel = access_channel(workspace=workspace, channel_id=channel_id)
    period = _period(q, workspace)
    return (ChannelSnapshot.objects
            .filter(channel=channel, day__gte=period.start, day__lte=period.end)
            .order_by("day", "taken_at", "pk"))


@router.get("/workspaces/{ws}/publications/{pub_id}/snapshots",
            response=responses({200: list[PostSnapshotOut]}),
            auth=requires(Perm.ANALYTICS_VIEW))
@paginate(Page)
def publication_snapshots(request, ws: Id, pub_id: Id):
    """Every reading of one publication's counters (its ladder: 1 h … 90 d), oldest
    first. Missing counters stay null."""
    pub = access_publication(workspace=_m(request, ws).workspace, publication_id=pub_id)
    return _post_snapshots(PostSnapshot.objects.filter(publication=pub))


@router.get("/workspaces/{ws}/snapshots", response=responses({200: list[PostSnapshotOut]}),
            auth=requires(Perm.ANALYTICS_VIEW))
@paginate(Page)
def post_snapshots(request, ws: Id, q: Query[PostSnapshotQuery]):
    """Raw post snapshots of a period, oldest first, by when they were taken or by when
    their publication was published."""
    workspace = _m(request, ws).workspace
    period = _period(q, workspace)
    since, until = period.bounds(workspace.tz)
    qs = PostSnapshot.objects.filter(workspace=workspace)
    if q.channel:
        qs = qs.filter(channel=access_channel(workspace=workspace, channel_id=q.channel))
    if q.by == "published":
        qs = qs.filter(publication__published_at__gte=since,
                       publication__published_at__lt=until)
    else:
        qs = qs.filter(taken_at__gte=since, taken_at__lt=until)
    return _post_snapshots(qs)


# --- goals ---------------------------------------------------------------------------------

Target = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2,
                                  description="Above zero; at most two decimals.")]


class GoalIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    metric: GoalMetric
    target: Target
    starts_on: Day
    ends_on: Day
    channel_ids: list[Id] = Field(default_factory=list, max_length=200,
                                  description="Leave empty for all channels.")


class GoalPatch(Schema):
    # Leave a field out to keep it; null is refused (it means neither).
    name: str = Field(None, min_length=1, max_length=200)
    metric: GoalMetric = None
    target: Target = None
    starts_on: Day = None
    ends_on: Day = None
    channel_ids: list[Id] = Field(None, max_length=200, description="[] means all channels.")


class ForecastOut(Schema):
    value: float
    low: float = Field(description="The 95 % prediction interval's lower bound.")
    high: float


class ProgressOut(Schema):
    current: float | None = Field(description="The value so far; null without data.")
    percent: float | None = Field(description="How far along, 0–100.")
    pace_per_day: float | None = Field(description="What each remaining day needs to add "
                                                   "to reach the target (not for rates).")
    pace: str
    days_left: int
    forecast: ForecastOut | None = Field(description="The value expected at the period's "
                                                     "end; null with under three days of "
                                                     "data.")
    forecast_text: str
    status: Literal["on_track", "at_risk", "off_track", "too_early", "no_data"]
    status_label: str
    lower_is_better: bool
    no_source: bool = Field(description="The metric has no data source yet.")
    series: list[PointOut] = Field(description="The daily series the forecast is fitted on.")


class GoalOut(Schema):
    id: int
    name: str
    metric: str
    metric_label: str
    target: float
    starts_on: date
    ends_on: date
    channel_ids: list[int]
    created_at: datetime
    progress: ProgressOut


def goal_out(goal: Goal) -> dict:
    p = goal_progress(goal=goal)
    return {
        "id": goal.pk, "name": goal.name, "metric": goal.metric,
        "metric_label": str(goal.get_metric_display()), "target": float(goal.target),
        "starts_on": goal.starts_on, "ends_on": goal.ends_on,
        "channel_ids": sorted(c.pk for c in goal.channels.all()),
        "created_at": goal.created_at,
        "progress": {
            "current": p.current, "percent": p.percent, "pace_per_day": p.pace_per_day,
            "pace": pace_text(p), "days_left": p.days_left,
            "forecast": ({"value": p.fit.value, "low": p.fit.low, "high": p.fit.high}
                         if p.fit else None),
            "forecast_text": forecast_text(p), "status": p.status,
            "status_label": status_label(p.status), "lower_is_better": p.lower_is_better,
            "no_source": p.no_source,
            "series": [{"day": d, "value": v} for d, v in sorted(p.series.items())]}}


def _goal(workspace, goal_id: int) -> Goal:
    return access_row(Goal.objects.prefetch_related("channels"), workspace=workspace,
                      pk=goal_id, message=_("Goal not found in this workspace."),
                      code="goal_not_found")


def _goal_save(request, workspace, goal: Goal | None, data: dict) -> Goal:
    period_check(data["starts_on"], data["ends_on"])
    channels = [access_channel(workspace=workspace, channel_id=pk)
                for pk in dict.fromkeys(data.pop("channel_ids"))]
    return goal_save(workspace=workspace, actor=request.auth, goal=goal, channels=channels,
                     **data)


@router.get("/workspaces/{ws}/goals", response=responses({200: list[GoalOut]}),
            auth=requires(Perm.ANALYTICS_VIEW))
def goals(request, ws: Id):
    """Every goal with its progress, the pace it needs, its forecast and status."""
    return [goal_out(g) for g in goal_list(workspace=_m(request, ws).workspace)]


@router.post("/workspaces/{ws}/goals", response=responses({201: GoalOut}),
             auth=requires(Perm.GOALS_EDIT))
def goal_new(request, ws: Id, payload: GoalIn):
    workspace = _m(request, ws, Perm.GOALS_EDIT).workspace
    goal = _goal_save(request, workspace, None, payload.dict())
    return Status(201, goal_out(_goal(workspace, goal.pk)))


@router.get("/workspaces/{ws}/goals/{goal_id}", response=responses({200: GoalOut}),
            auth=requires(Perm.ANALYTICS_VIEW))
def goal_get(request, ws: Id, goal_id: Id):
    return goal_out(_goal(_m(request, ws).workspace, goal_id))


@router.patch("/workspaces/{ws}/goals/{goal_id}", response=responses({200: GoalOut}),
              auth=requires(Perm.GOALS_EDIT))
def goal_patch(request, ws: Id, goal_id: Id, payload: GoalPatch):
    workspace = _m(request, ws, Perm.GOALS_EDIT).workspace
    goal = _goal(workspace, goal_id)
    data = {"name": goal.name, "metric": goal.metric, "target": goal.target,
            "starts_on": goal.starts_on, "ends_on": goal.ends_on,
            "channel_ids": [c.pk for c in goal.channels.all()],
            **payload.dict(exclude_unset=True)}
    _goal_save(request, workspace, goal, data)
    return goal_out(_goal(workspace, goal.pk))


@router.delete("/workspaces/{ws}/goals/{goal_id}", response=responses({204: None}),
               auth=requires(Perm.GOALS_EDIT))
def goal_remove(request, ws: Id, goal_id: Id):
    workspace = _m(request, ws, Perm.GOALS_EDIT).workspace
    goal_delete(goal=_goal(workspace, goal_id))
    return Status(204, None)


# --- short links -----------------------------------------------------------------------------

class LinkIn(Schema):
    target: str = Field(min_length=1, max_length=2000, examples=["https://zerno.example/menu"],
                        description="An http(s) address.")
    post_id: Id | None = Field(None, description="The post the link is for: its campaign "
                                                 "and UTM campaign go with it.")
    channel_id: Id | None = Field(None, description="The channel the link is posted on: "
                                                    "utm_source is its network.")
    utm_enabled: StrictBool = Field(True, description="Add the UTM tags the address lacks.")
    utm_source: str = Field("", max_length=60, description="Default: the channel's network.")
    utm_medium: str = Field("social", max_length=60)
    utm_campaign: str = Field("", max_length=100, description="Default: the post's.")


class ClickTotals(Schema):
    total: int = Field(description="People's clicks (bots and link previews left out).")
    unique: int = Field(description="Distinct visitors (per day) among them.")
    bots: int = Field(description="Crawlers and preview fetchers, counted apart.")


class LinkOut(Schema):
    id: int
    code: str
    url: str = Field(description="The short link.")
    target: str
    post_id: int | None
    channel_id: int | None
    campaign_id: int | None
    created_at: datetime
    clicks: ClickTotals

    @staticmethod
    def resolve_url(obj) -> str:
        return link_url(obj)

    @staticmethod
    def resolve_clicks(obj) -> dict:
        return {"total": obj.n_clicks, "unique": obj.n_unique, "bots": obj.n_bots}


class ClickDayOut(Schema):
    day: date
    clicks: int
    unique: int
    bots: int


class LinkClicksOut(Schema):
    link_id: int
    period: PeriodOut
    totals: ClickTotals
    days: list[ClickDayOut]


def _link(workspace, link_id: int):
    return access_row(links_counted(workspace=workspace), workspace=workspace, pk=link_id,
                      message=_("Short link not found in this workspace."),
                      code="link_not_found")


@router.get("/workspaces/{ws}/links", response=responses({200: list[LinkOut]}),
            auth=requires(Perm.ANALYTICS_VIEW))
@paginate(Page)
def links(request, ws: Id):
    """Every short link, newest first, with its click totals."""
    return links_counted(workspace=_m(request, ws).workspace)


@router.post("/workspaces/{ws}/links", response=responses({201: LinkOut}),
             auth=requires(Perm.CONTENT_EDIT))
def link_new(request, ws: Id, payload: LinkIn):
    """A /l/<code> short link to ``target``, tagged with the UTM parameters it lacks."""
    workspace = _m(request, ws, Perm.CONTENT_EDIT).workspace
    post = access_post(workspace=workspace, post_id=payload.post_id) if payload.post_id \
        else None
    channel = (access_channel(workspace=workspace, channel_id=payload.channel_id)
               if payload.channel_id else None)
    if payload.utm_enabled:
        link = link_create_tagged(workspace=workspace, target=payload.target, post=post,
                                  channel=channel, utm_source=payload.utm_source,
                                  utm_medium=payload.utm_medium,
                                  utm_campaign=payload.utm_campaign, actor=request.auth)
    else:
        link = link_create(workspace=workspace, target=payload.target, post=post,
                           channel=channel, actor=request.auth)
    return Status(201, _link(workspace, link.pk))


@router.get("/workspaces/{ws}/links/{link_id}", response=responses({200: LinkOut}),
            auth=requires(Perm.ANALYTICS_VIEW))
def link_get(request, ws: Id, link_id: Id):
    return _link(_m(request, ws).workspace, link_id)


@router.get("/workspaces/{ws}/links/{link_id}/clicks", response=responses({200: LinkClicksOut}),
            auth=requires(Perm.ANALYTICS_VIEW))
def link_clicks(request, ws: Id, link_id: Id, q: Query[PeriodQuery]):
    """The link's clicks per day of the period (people, distinct visitors, bots); days
    without clicks are 0. No visitor's hash or address is ever shown."""
    workspace = _m(request, ws).workspace
    link = _link(workspace, link_id)
    period = _period(q, workspace)
    days = link_clicks_daily(link=link, start=period.start, end=period.end)
    return {"link_id": link.pk, "period": period_out(period),
            "totals": {"total": sum(d.clicks for d in days),
                       "unique": sum(d.unique for d in days),
                       "bots": sum(d.bots for d in days)},
            "days": [vars(d) for d in days]}
