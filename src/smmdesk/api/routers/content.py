from datetime import datetime

from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from smmdesk.accounts.access import access_membership
from smmdesk.accounts.roles import Perm
from smmdesk.api.auth import requires
from smmdesk.api.pagination import Page
from smmdesk.api.schemas import (
    CampaignIn,
    CampaignOut,
    Id,
    MediaOut,
    PostIn,
    PostOut,
    PostPatch,
    RubricIn,
    RubricOut,
    VariantIn,
    VariantOut,
    responses,
)
from smmdesk.channels.access import access_channel
from smmdesk.content.access import access_media, access_post
from smmdesk.content.compose import ComposeInput, VariantInput, post_compose
from smmdesk.content.models import ApprovalState, Campaign, Post, Rubric, Variant
from smmdesk.content.selectors import media_list, post_list
from smmdesk.content.services import (
    campaign_create,
    media_upload,
    post_delete,
    rubric_create,
)
from smmdesk.lib.walltime import instant
from smmdesk.publishing.selectors import approval_due
from smmdesk.team.services import post_edit, variant_edit

router = Router(tags=["content"])


@router.get("/workspaces/{ws}/rubrics", response=responses({200: list[RubricOut]}),
            auth=requires(Perm.CONTENT_VIEW))
def rubrics(request, ws: Id):
    m = access_membership(user=request.auth, workspace_id=ws, permission="content.view")
    return list(Rubric.objects.filter(workspace=m.workspace))


@router.post("/workspaces/{ws}/rubrics", response=responses({201: RubricOut}),
             auth=requires(Perm.CONTENT_EDIT))
def rubric_new(request, ws: Id, payload: RubricIn):
    m = access_membership(user=request.auth, workspace_id=ws, permission="content.edit")
    return Status(201, rubric_create(workspace=m.workspace, **payload.dict()))


@router.get("/workspaces/{ws}/campaigns", response=responses({200: list[CampaignOut]}),
            auth=requires(Perm.CONTENT_VIEW))
def campaigns(request, ws: Id):
    m = access_membership(user=request.auth, workspace_id=ws, permission="content.view")
    return list(Campaign.objects.filter(workspace=m.workspace))


@router.post("/workspaces/{ws}/campaigns", response=responses({201: CampaignOut}),
             auth=requires(Perm.CONTENT_EDIT))
def campaign_new(request, ws: Id, payload: CampaignIn):
    m = access_membership(user=request.auth, workspace_id=ws, permission="content.edit")
    return Status(201, campaign_create(workspace=m.workspace, **payload.dict()))


@router.get("/workspaces/{ws}/media", response=responses({200: list[MediaOut]}),
            auth=requires(Perm.CONTENT_VIEW))
@paginate(Page)
def media(request, ws: Id):
    m = access_membership(user=request.auth, workspace_id=ws, permission="content.view")
    return media_list(workspace=m.workspace)


@router.post("/workspaces/{ws}/media", response=responses({201: MediaOut}),
             auth=requires(Perm.CONTENT_EDIT))
def media_new(request, ws: Id, file: UploadedFile = File(...),
              alt_text: str = Form("", max_length=1500)):
    m = access_membership(user=request.auth, workspace_id=ws, permission="content.edit")
    asset = media_upload(workspace=m.workspace, upload=file, actor=request.auth,
                         alt_text=alt_text)
    return Status(201, asset)


@router.get("/workspaces/{ws}/media/{media_id}", response=responses({200: MediaOut}),
            auth=requires(Perm.CONTENT_VIEW))
def media_get(request, ws: Id, media_id: Id):
    m = access_membership(user=request.auth, workspace_id=ws, permission="content.view")
    return access_media(workspace=m.workspace, media_id=media_id)


def variant_out(v: Variant) -> dict:
    return {"channel_id": v.channel_id, "customized": v.customized, "text": v.effective_text(),
            "media_ids": [a.pk for a in v.effective_media()], "format": v.format,
            "first_comment": v.first_comment, "options": v.options}


def post_out(p: Post) -> dict:
    pubs = list(p.publications.all())
    return {"id": p.pk, "title": p.title, "body": p.body, "rubric_id": p.rubric_id,
            "campaign_id": p.campaign_id, "media_ids": [a.pk for a in p.ordered_media()],
            "variants": [variant_out(v) for v in p.variants.select_related("post")],
            "publications": [{"id": x.pk, "channel_id": x.channel_id, "status": x.status,
                              "scheduled_at": x.scheduled_at} for x in pubs],
            "approval": p.approval, "approval_due": _approval_due(p, pubs),
            "created_at": p.created_at, "updated_at": p.updated_at}


def _approval_due(p: Post, pubs: list) -> datetime | None:
    if p.approval not in (ApprovalState.PENDING_TEAM, ApprovalState.PENDING_CLIENT):
        return None
    times = [x.scheduled_at for x in pubs if x.scheduled_at and x.status != "cancelled"]
    return approval_due(workspace=p.workspace, at=min(times)) if times else None


@router.get("/workspaces/{ws}/posts", response=responses({200: list[PostOut]}),
            auth=requires(Perm.CONTENT_VIEW))
@paginate(Page)
def posts(request, ws: Id):
    m = access_membership(user=request.auth, workspace_id=ws, permission="content.view")
    return [post_out(p) for p in post_list(workspace=m.workspace)[:500]]


@router.post("/workspaces/{ws}/posts", response=responses({201: PostOut}, 409),
             auth=requires(Perm.CONTENT_EDIT))
def post_new(request, ws: Id, payload: PostIn):
    """Create a post with one variant per channel and do its ``action`` (draft, schedule,
    queue, now, approval) as the composer does; nothing is stored if any step is refused,
    e.g. when a channel's limits are exceeded."""
    m = access_membership(user=request.auth, workspace_id=ws, permission="content.edit")
    post = post_compose(workspace=m.workspace, actor=request.auth,
                        data=_compose_input(payload, m.workspace))
    return Status(201, post_out(post))


def _compose_input(payload: PostIn, workspace) -> ComposeInput:
    at = payload.publish_at if isinstance(payload.publish_at, datetime) else None
    action = payload.action or ("now" if payload.publish_at == "now" else
                                "schedule" if at else "draft")
    variants = [VariantInput(channel=access_channel(workspace=workspace, channel_id=v.channel_id),
                             text=v.text, media_ids=v.media_ids, format=v.format or "feed",
                             first_comment=v.first_comment or "", options=v.options or {})
                for v in payload.variants]
    return ComposeInput(
        body=payload.body, title=payload.title, rubric_id=payload.rubric_id,
        campaign_id=payload.campaign_id, media_ids=payload.media_ids,
        utm_enabled=payload.utm_enabled, utm_medium=payload.utm_medium,
        utm_campaign=payload.utm_campaign, shorten_links=payload.shorten_links,
        variants=variants, action=action,
        at=instant(at, workspace.tz) if at else None, slot_id=payload.slot_id)


@router.get("/workspaces/{ws}/posts/{post_id}", response=responses({200: PostOut}),
            auth=requires(Perm.CONTENT_VIEW))
def post_get(request, ws: Id, post_id: Id):
    m = access_membership(user=request.auth, workspace_id=ws, permission="content.view")
    return post_out(access_post(workspace=m.workspace, post_id=post_id))


@router.patch("/workspaces/{ws}/posts/{post_id}", response=responses({200: PostOut}, 409),
              auth=requires(Perm.CONTENT_EDIT))
def post_patch(request, ws: Id, post_id: Id, payload: PostPatch):
    m = access_membership(user=request.auth, workspace_id=ws, permission="content.edit")
    post = access_post(workspace=m.workspace, post_id=post_id)
    post_edit(post=post, **payload.dict(exclude_unset=True), actor=request.auth)
    return post_out(post)


@router.delete("/workspaces/{ws}/posts/{post_id}", response=responses({204: None}, 409),
               auth=requires(Perm.CONTENT_EDIT))
def post_remove(request, ws: Id, post_id: Id):
    m = access_membership(user=request.auth, workspace_id=ws, permission="content.edit")
    post_delete(post=access_post(workspace=m.workspace, post_id=post_id), actor=request.auth)
    return Status(204, None)


@router.put("/workspaces/{ws}/posts/{post_id}/variants",
            response=responses({200: VariantOut}, 409), auth=requires(Perm.CONTENT_EDIT))
def variant_put(request, ws: Id, post_id: Id, payload: VariantIn):
    m = access_membership(user=request.auth, workspace_id=ws, permission="content.edit")
    post = access_post(workspace=m.workspace, post_id=post_id)
    channel = access_channel(workspace=m.workspace, channel_id=payload.channel_id)
    variant = variant_edit(post=post, channel=channel, actor=request.auth, text=payload.text,
                           media_ids=payload.media_ids, format=payload.format,
                           first_comment=payload.first_comment, options=payload.options)
    return variant_out(variant)
