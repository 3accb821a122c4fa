"""Reports: list, make (the same service as the web page and the CLI), one report's
figures, its PDF and its CSV. The client may read and download; the analyst makes."""

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from smmdesk.accounts.access import access_membership
from smmdesk.accounts.roles import Perm
from smmdesk.analytics.models import Report
from smmdesk.analytics.reports.services import report_build, report_get, report_list
from smmdesk.api.auth import requires
from smmdesk.api.schemas import Id, IsoDate, responses
from smmdesk.lib.errors import NotFound

router = Router(tags=["reports"])

SectionName = Literal["summary", "growth", "top_posts", "rubrics", "inbox", "sentiment",
                      "conversions", "roi", "plan"]


class ReportIn(Schema):
    start: IsoDate
    end: IsoDate = Field(description="inclusive; at most a year after start")
    sections: list[SectionName] = Field(default_factory=list, max_length=9,
                                        description="in this order; empty: all")
    channels: list[Id] = Field(default_factory=list, max_length=200,
                               description="channel ids; empty: all channels")
    language: Literal["", "en", "ru", "uk", "be"] = Field(
        "", description="empty: the workspace's language")
    title: str = Field("", max_length=300)


class ReportOut(Schema):
    id: int
    title: str
    period_start: date
    period_end: date
    language: str
    sections: list[str]
    channel_ids: list[int]
    has_pdf: bool
    error: str
    created_at: datetime


class ReportDetailOut(ReportOut):
    figures: dict[str, Any]


def _out(r: Report, *, figures: bool = False) -> dict:
    out = {"id": r.pk, "title": r.title, "period_start": r.period_start,
           "period_end": r.period_end, "language": r.language, "sections": r.sections,
           "channel_ids": r.channel_ids, "has_pdf": not r.error, "error": r.error,
           "created_at": r.created_at}
    if figures:
        out["figures"] = r.figures
    return out


def _file(content_type: str) -> dict:
    return {"responses": {200: {"description": "the file",
                                "content": {content_type: {"schema": {
                                    "type": "string", "format": "binary"}}}}}}


@router.get("/workspaces/{ws}/reports", response=responses({200: list[ReportOut]}),
            auth=requires(Perm.REPORTS_VIEW))
def reports(request, ws: Id):
    m = access_membership(user=request.auth, workspace_id=ws, permission=Perm.REPORTS_VIEW)
    return [_out(r) for r in report_list(workspace=m.workspace)[:200]]


@router.post("/workspaces/{ws}/reports", response=responses({201: ReportDetailOut}),
             auth=requires(Perm.REPORTS_EDIT))
def report_new(request, ws: Id, payload: ReportIn):
    m = access_membership(user=request.auth, workspace_id=ws, permission=Perm.REPORTS_EDIT)
    report = report_build(workspace=m.workspace, start=payload.start, end=payload.end,
                          channel_ids=payload.channels, sections=payload.sections,
                          language=payload.language, actor=request.auth, title=payload.title)
    return Status(201, _out(report, figures=True))


@router.get("/workspaces/{ws}/reports/{report_id}", response=responses({200: ReportDetailOut}),
            auth=requires(Perm.REPORTS_VIEW))
def report_detail(request, ws: Id, report_id: Id):
    m = access_membership(user=request.auth, workspace_id=ws, permission=Perm.REPORTS_VIEW)
    return _out(report_get(workspace=m.workspace, report_id=report_id), figures=True)


@router.get("/workspaces/{ws}/reports/{report_id}/pdf", response=responses({200: None}),
            auth=requires(Perm.REPORTS_VIEW), openapi_extra=_file("application/pdf"))
def report_pdf(request, ws: Id, report_id: Id):
    m = access_membership(user=request.auth, workspace_id=ws, permission=Perm.REPORTS_VIEW)
    report = report_get(workspace=m.workspace, report_id=report_id)
    if not report.pdf:
        raise NotFound(report.error or _("This report has no PDF."), code="no_pdf")
    return HttpResponse(bytes(report.pdf), content_type="application/pdf")


@router.get("/workspaces/{ws}/reports/{report_id}/csv", response=responses({200: None}),
            auth=requires(Perm.REPORTS_VIEW), openapi_extra=_file("text/csv"))
def report_csv(request, ws: Id, report_id: Id):
    m = access_membership(user=request.auth, workspace_id=ws, permission=Perm.REPORTS_VIEW)
    report = report_get(workspace=m.workspace, report_id=report_id)
    return HttpResponse(report.csv, content_type="text/csv; charset=utf-8")
