from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from smmdesk.accounts.access import access_membership
from smmdesk.accounts.roles import Perm
from smmdesk.api.auth import requires
from smmdesk.api.pagination import Page
from smmdesk.api.schemas import (
    Id,
    IsoDateTime,
    PublicationDetail,
    PublicationOut,
    RescheduleIn,
    ScheduleIn,
    SettleIn,
    responses,
)
from smmdesk.channels.access import access_channel
from smmdesk.content.access import access_post
from smmdesk.lib.walltime import instant
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
    status: str | None = Field(None, max_length=200)
    channel_id: Id | None = None
    post_id: Id | None = None
    since: IsoDateTime | None = None
    until: IsoDateTime | None = None


def _m(request, ws: Id, permission: str = "content.view"):
    return access_membership(user=request.auth, workspace_id=ws, permission=permission)


@router.get("/workspaces/{ws}/publications", response=responses({200: list[PublicationOut]}),
            auth=requires(Perm.PUBLICATIONS_VIEW))
@paginate(Page)
def publications(request, ws: Id, filters: Query[PublicationFilters]):
    """Filter by ``status`` (comma-separated), channel, post and a time window."""
    return publication_list(workspace=_m(request, ws).workspace, **filters.dict())


@router.post("/workspaces/{ws}/publications", response=responses({201: PublicationOut}, 409),
             auth=requires(Perm.PUBLICATIONS_SCHEDULE))
def publication_new(request, ws: Id, payload: ScheduleIn):
    m = _m(request, ws, "publications.schedule")
    post = access_post(workspace=m.workspace, post_id=payload.post_id)
    channel = access_channel(workspace=m.workspace, channel_id=payload.channel_id)
    at = instant(payload.at, m.workspace.tz) if payload.at else None
    pub = publication_schedule(post=post, channel=channel, at=at, actor=request.auth)
    return Status(201, pub)


@router.get("/workspaces/{ws}/publications/{pub_id}", response=responses({200: PublicationDetail}),
            auth=requires(Perm.PUBLICATIONS_VIEW))
def publication_get(request, ws: Id, pub_id: Id):
    return access_publication(workspace=_m(request, ws).workspace, publication_id=pub_id)


@router.post("/workspaces/{ws}/publications/{pub_id}/reschedule",
             response=responses({200: PublicationOut}, 409),
             auth=requires(Perm.PUBLICATIONS_SCHEDULE))
def publication_move(request, ws: Id, pub_id: Id, payload: RescheduleIn):
    m = _m(request, ws, "publications.schedule")
    pub = access_publication(workspace=m.workspace, publication_id=pub_id)
    return publication_reschedule(publication=pub, at=instant(payload.at, m.workspace.tz),
                                  actor=request.auth)


@router.post("/workspaces/{ws}/publications/{pub_id}/cancel",
             response=responses({200: PublicationOut}, 409),
             auth=requires(Perm.PUBLICATIONS_SCHEDULE))
def publication_stop(request, ws: Id, pub_id: Id):
    m = _m(request, ws, "publications.schedule")
    pub = access_publication(workspace=m.workspace, publication_id=pub_id)
    return publication_cancel(publication=pub, actor=request.auth)


@router.post("/workspaces/{ws}/publications/{pub_id}/retry",
             response=responses({200: PublicationOut}, 409),
             auth=requires(Perm.PUBLICATIONS_SCHEDULE))
def publication_again(request, ws: Id, pub_id: Id):
    m = _m(request, ws, "publications.schedule")
    pub = access_publication(workspace=m.workspace, publication_id=pub_id)
    return publication_retry(publication=pub, actor=request.auth)


@router.post("/workspaces/{ws}/publications/{pub_id}/settle",
             response=responses({200: PublicationOut}, 409),
             auth=requires(Perm.PUBLICATIONS_RESOLVE))
def publication_decide(request, ws: Id, pub_id: Id, payload: SettleIn):
    """Settle an unconfirmed publication smmdesk could not check on the network."""
    m = _m(request, ws, "publications.resolve")
    pub = access_publication(workspace=m.workspace, publication_id=pub_id)
    return publication_settle(publication=pub, actor=request.auth, outcome=payload.outcome,
                              url=payload.url)
