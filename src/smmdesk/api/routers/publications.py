from datetime import datetime

from ninja import Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from smmdesk.accounts.access import access_membership
from smmdesk.api.schemas import (
    PublicationDetail,
    PublicationOut,
    RescheduleIn,
    ScheduleIn,
    SettleIn,
)
from smmdesk.channels.access import access_channel
from smmdesk.content.access import access_post
from smmdesk.publishing.access import access_publication
from smmdesk.publishing.selectors import publication_list
from smmdesk.publishing.services import (
    publication_cancel,
    publication_reschedule,
    publication_retry,
    publication_schedule,
    publication_settle,
)

router = Router(tags=["publications"])


class PublicationFilters(Schema):
    status: str | None = None
    channel_id: int | None = None
    post_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def _m(request, ws: int, permission: str = "content.view"):
    return access_membership(user=request.auth, workspace_id=ws, permission=permission)


@router.get("/workspaces/{ws}/publications", response=list[PublicationOut])
@paginate(LimitOffsetPagination)
def publications(request, ws: int, filters: Query[PublicationFilters]):
    """Filter by ``status`` (comma-separated), channel, post and a time window."""
    return publication_list(workspace=_m(request, ws).workspace, **filters.dict())


@router.post("/workspaces/{ws}/publications", response={201: PublicationOut})
def publication_new(request, ws: int, payload: ScheduleIn):
    m = _m(request, ws, "publications.schedule")
    post = access_post(workspace=m.workspace, post_id=payload.post_id)
    channel = access_channel(workspace=m.workspace, channel_id=payload.channel_id)
    pub = publication_schedule(post=post, channel=channel, at=payload.at, actor=request.auth)
    return Status(201, pub)


@router.get("/workspaces/{ws}/publications/{pub_id}", response=PublicationDetail)
def publication_get(request, ws: int, pub_id: int):
    return access_publication(workspace=_m(request, ws).workspace, publication_id=pub_id)


@router.post("/workspaces/{ws}/publications/{pub_id}/reschedule", response=PublicationOut)
def publication_move(request, ws: int, pub_id: int, payload: RescheduleIn):
    m = _m(request, ws, "publications.schedule")
    pub = access_publication(workspace=m.workspace, publication_id=pub_id)
    return publication_reschedule(publication=pub, at=payload.at, actor=request.auth)


@router.post("/workspaces/{ws}/publications/{pub_id}/cancel", response=PublicationOut)
def publication_stop(request, ws: int, pub_id: int):
    m = _m(request, ws, "publications.schedule")
    pub = access_publication(workspace=m.workspace, publication_id=pub_id)
    return publication_cancel(publication=pub, actor=request.auth)


@router.post("/workspaces/{ws}/publications/{pub_id}/retry", response=PublicationOut)
def publication_again(request, ws: int, pub_id: int):
    m = _m(request, ws, "publications.schedule")
    pub = access_publication(workspace=m.workspace, publication_id=pub_id)
    return publication_retry(publication=pub, actor=request.auth)


@router.post("/workspaces/{ws}/publications/{pub_id}/settle", response=PublicationOut)
def publication_decide(request, ws: int, pub_id: int, payload: SettleIn):
    """Settle an unconfirmed publication smmdesk could not check on the network."""
    m = _m(request, ws, "publications.resolve")
    pub = access_publication(workspace=m.workspace, publication_id=pub_id)
    return publication_settle(publication=pub, actor=request.auth, outcome=payload.outcome,
                              url=payload.url)
