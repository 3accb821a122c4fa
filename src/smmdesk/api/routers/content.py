from django.db import transaction
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from smmdesk.accounts.access import access_membership
from smmdesk.api.schemas import (
    CampaignIn,
    CampaignOut,
    MediaOut,
    PostIn,
    PostOut,
    PostPatch,
    RubricIn,
    RubricOut,
    VariantIn,
    VariantOut,
)
from smmdesk.channels.access import access_channel
from smmdesk.content.access import access_media, access_post
from smmdesk.content.models import Campaign, Post, Rubric, Variant
from smmdesk.content.selectors import media_list, post_list
from smmdesk.content.services import (
    campaign_create,
    media_upload,
    post_create,
    post_delete,
    rubric_create,
    variant_set,
)
from smmdesk.publishing.services import publication_draft, publication_schedule
from smmdesk.team.services import post_edit, variant_edit

router = Router(tags=["content"])


@router.get("/workspaces/{ws}/rubrics", response=list[RubricOut])
def rubrics(request, ws: int):
    m = access_membership(user=request.auth, workspace_id=ws, permission="content.view")
    return list(Rubric.objects.filter(workspace=m.workspace))


@router.post("/workspaces/{ws}/rubrics", response={201: RubricOut})
def rubric_new(request, ws: int, payload: RubricIn):
    m = access_membership(user=request.auth, workspace_id=ws, permission="content.edit")
    return Status(201, rubric_create(workspace=m.workspace, **payload.dict()))


@router.get("/workspaces/{ws}/campaigns", response=list[CampaignOut])
def campaigns(request, ws: int):
    m = access_membership(user=request.auth, workspace_id=ws, permission="content.view")
    return list(Campaign.objects.filter(workspace=m.workspace))


@router.post("/workspaces/{ws}/campaigns", response={201: CampaignOut})
def campaign_new(request, ws: int, payload: CampaignIn):
    m = access_membership(user=request.auth, workspace_id=ws, permission="content.edit")
    return Status(201, campaign_create(workspace=m.workspace, **payload.dict()))


@router.get("/workspaces/{ws}/media", response=list[MediaOut])
@paginate(LimitOffsetPagination)
def media(request, ws: int):
    m = access_membership(user=request.auth, workspace_id=ws, permission="content.view")
    return media_list(workspace=m.workspace)


@router.post("/workspaces/{ws}/media", response={201: MediaOut})
def media_new(request, ws: int, file: UploadedFile = File(...), alt_text: str = Form("")):
    m = access_membership(user=request.auth, workspace_id=ws, permission="content.edit")
    asset = media_upload(workspace=m.workspace, upload=file, actor=request.auth,
                         alt_text=alt_text)
    return Status(201, asset)


@router.get("/workspaces/{ws}/media/{media_id}", response=MediaOut)
def media_get(request, ws: int, media_id: int):
    m = access_membership(user=request.auth, workspace_id=ws, permission="content.view")
    return access_media(workspace=m.workspace, media_id=media_id)


def variant_out(v: Variant) -> dict:
    return {"channel_id": v.channel_id, "customized": v.customized, "text": v.effective_text(),
            "media_ids": [a.pk for a in v.effective_media()], "format": v.format,
            "first_comment": v.first_comment, "options": v.options}


def post_out(p: Post) -> dict:
    return {"id": p.pk, "title": p.title, "body": p.body, "rubric_id": p.rubric_id,
            "campaign_id": p.campaign_id, "media_ids": [a.pk for a in p.ordered_media()],
            "variants": [variant_out(v) for v in p.variants.select_related("post")],
            "publications": [{"id": x.pk, "channel_id": x.channel_id, "status": x.status,
                              "scheduled_at": x.scheduled_at} for x in p.publications.all()],
            "created_at": p.created_at, "updated_at": p.updated_at}


@router.get("/workspaces/{ws}/posts", response=list[PostOut])
@paginate(LimitOffsetPagination)
def posts(request, ws: int):
    m = access_membership(user=request.auth, workspace_id=ws, permission="content.view")
    return [post_out(p) for p in post_list(workspace=m.workspace)[:500]]


@router.post("/workspaces/{ws}/posts", response={201: PostOut})
def post_new(request, ws: int, payload: PostIn):
    """Create a post with one variant per channel; with ``publish_at`` it is scheduled to
    every channel at once, and nothing is stored if any channel's limits are exceeded."""
    m = access_membership(user=request.auth, workspace_id=ws, permission="content.edit")
    targets = [access_channel(workspace=m.workspace, channel_id=v.channel_id)
               for v in payload.variants]
    if payload.publish_at is not None:
        access_membership(user=request.auth, workspace_id=ws,
                          permission="publications.schedule")
    with transaction.atomic():
        post = post_create(workspace=m.workspace, actor=request.auth, body=payload.body,
                           title=payload.title, rubric_id=payload.rubric_id,
                           campaign_id=payload.campaign_id, media_ids=payload.media_ids)
        for channel, v in zip(targets, payload.variants, strict=True):
            variant_set(post=post, channel=channel, text=v.text, media_ids=v.media_ids,
                        format=v.format, first_comment=v.first_comment, options=v.options)
            at = None if payload.publish_at in (None, "now") else payload.publish_at
            if payload.publish_at is None:
                publication_draft(post=post, channel=channel, actor=request.auth)
            else:
                publication_schedule(post=post, channel=channel, at=at, actor=request.auth)
    return Status(201, post_out(post))


@router.get("/workspaces/{ws}/posts/{post_id}", response=PostOut)
def post_get(request, ws: int, post_id: int):
    m = access_membership(user=request.auth, workspace_id=ws, permission="content.view")
    return post_out(access_post(workspace=m.workspace, post_id=post_id))


@router.patch("/workspaces/{ws}/posts/{post_id}", response=PostOut)
def post_patch(request, ws: int, post_id: int, payload: PostPatch):
    m = access_membership(user=request.auth, workspace_id=ws, permission="content.edit")
    post = access_post(workspace=m.workspace, post_id=post_id)
    post_edit(post=post, **payload.dict(exclude_unset=True), actor=request.auth)
    return post_out(post)


@router.delete("/workspaces/{ws}/posts/{post_id}", response={204: None})
def post_remove(request, ws: int, post_id: int):
    m = access_membership(user=request.auth, workspace_id=ws, permission="content.edit")
    post_delete(post=access_post(workspace=m.workspace, post_id=post_id), actor=request.auth)
    return Status(204, None)


@router.put("/workspaces/{ws}/posts/{post_id}/variants", response=VariantOut)
def variant_put(request, ws: int, post_id: int, payload: VariantIn):
    m = access_membership(user=request.auth, workspace_id=ws, permission="content.edit")
    post = access_post(workspace=m.workspace, post_id=post_id)
    channel = access_channel(workspace=m.workspace, channel_id=payload.channel_id)
    variant = variant_edit(post=post, channel=channel, actor=request.auth, text=payload.text,
                           media_ids=payload.media_ids, format=payload.format,
                           first_comment=payload.first_comment, options=payload.options)
    return variant_out(variant)
