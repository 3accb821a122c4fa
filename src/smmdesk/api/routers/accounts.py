from ninja import Router, Status

from smmdesk.accounts.access import access_membership
from smmdesk.accounts.models import Membership
from smmdesk.accounts.selectors import membership_list
from smmdesk.accounts.services import (
    api_token_create,
    api_token_revoke,
    workspace_create,
    workspace_update,
)
from smmdesk.api.schemas import (
    MemberOut,
    TokenCreated,
    TokenIn,
    TokenOut,
    UserOut,
    WorkspaceIn,
    WorkspaceOut,
    WorkspacePatch,
)

router = Router(tags=["account and workspaces"])


def workspace_out(m: Membership) -> dict:
    ws = m.workspace
    return {"id": ws.pk, "name": ws.name, "slug": ws.slug, "timezone": ws.timezone,
            "language": ws.language, "role": m.role}


@router.get("/me", response=UserOut)
def me(request):
    return request.auth


@router.get("/workspaces", response=list[WorkspaceOut])
def workspaces(request):
    qs = Membership.objects.filter(user=request.auth).select_related("workspace")
    return [workspace_out(m) for m in qs.order_by("workspace__name")]


@router.post("/workspaces", response={201: WorkspaceOut})
def workspace_new(request, payload: WorkspaceIn):
    ws = workspace_create(name=payload.name, owner=request.auth,
                          timezone_name=payload.timezone, language=payload.language)
    membership = access_membership(user=request.auth, workspace_id=ws.pk)
    return Status(201, workspace_out(membership))


@router.get("/workspaces/{ws}", response=WorkspaceOut)
def workspace_get(request, ws: int):
    return workspace_out(access_membership(user=request.auth, workspace_id=ws))


@router.patch("/workspaces/{ws}", response=WorkspaceOut)
def workspace_patch(request, ws: int, payload: WorkspacePatch):
    m = access_membership(user=request.auth, workspace_id=ws, permission="workspace.manage")
    workspace_update(workspace=m.workspace, name=payload.name, timezone_name=payload.timezone,
                     language=payload.language)
    return workspace_out(m)


@router.get("/workspaces/{ws}/members", response=list[MemberOut])
def members(request, ws: int):
    m = access_membership(user=request.auth, workspace_id=ws)
    return [{"user_id": x.user_id, "email": x.user.email, "name": x.user.name, "role": x.role}
            for x in membership_list(workspace=m.workspace)]


@router.get("/tokens", response=list[TokenOut])
def tokens(request):
    return list(request.auth.api_tokens.all())


@router.post("/tokens", response={201: TokenCreated})
def token_new(request, payload: TokenIn):
    token, plain = api_token_create(user=request.auth, name=payload.name)
    return Status(201, {"id": token.pk, "name": token.name, "prefix": token.prefix,
                        "created_at": token.created_at, "last_used_at": None, "token": plain})


@router.delete("/tokens/{token_id}", response={204: None})
def token_delete(request, token_id: int):
    api_token_revoke(user=request.auth, token_id=token_id)
    return Status(204, None)
