from ninja import Router, Status

from smmdesk.accounts.access import access_membership
from smmdesk.accounts.models import Membership
from smmdesk.accounts.roles import Perm
from smmdesk.accounts.selectors import membership_list
from smmdesk.accounts.services import (
    api_token_create,
    api_token_revoke,
    workspace_create,
    workspace_update,
)
from smmdesk.api.auth import requires
from smmdesk.api.schemas import (
    Id,
    MemberOut,
    TokenCreated,
    TokenIn,
    TokenOut,
    UserOut,
    WorkspaceIn,
    WorkspaceOut,
    WorkspacePatch,
    responses,
)

router = Router(tags=["account and workspaces"])


def workspace_out(m: Membership) -> dict:
    ws = m.workspace
    return {"id": ws.pk, "name": ws.name, "slug": ws.slug, "timezone": ws.timezone,
            "language": ws.language, "role": m.role}


@router.get("/me", response=responses({200: UserOut}), auth=requires(Perm.SIGNED_IN))
def me(request):
    return request.auth


@router.get("/workspaces", response=responses({200: list[WorkspaceOut]}),
            auth=requires(Perm.SIGNED_IN))
def workspaces(request):
    qs = Membership.objects.filter(user=request.auth).select_related("workspace")
    return [workspace_out(m) for m in qs.order_by("workspace__name")]


@router.post("/workspaces", response=responses({201: WorkspaceOut}), auth=requires(Perm.SIGNED_IN))
def workspace_new(request, payload: WorkspaceIn):
    ws = workspace_create(name=payload.name, owner=request.auth,
                          timezone_name=payload.timezone, language=payload.language)
    membership = access_membership(user=request.auth, workspace_id=ws.pk)
    return Status(201, workspace_out(membership))


@router.get("/workspaces/{ws}", response=responses({200: WorkspaceOut}),
            auth=requires(Perm.WORKSPACE_VIEW))
def workspace_get(request, ws: Id):
    return workspace_out(access_membership(user=request.auth, workspace_id=ws))


@router.patch("/workspaces/{ws}", response=responses({200: WorkspaceOut}),
              auth=requires(Perm.WORKSPACE_MANAGE))
def workspace_patch(request, ws: Id, payload: WorkspacePatch):
    m = access_membership(user=request.auth, workspace_id=ws, permission="workspace.manage")
    workspace_update(workspace=m.workspace, name=payload.name, timezone_name=payload.timezone,
                     language=payload.language)
    return workspace_out(m)


@router.get("/workspaces/{ws}/members", response=responses({200: list[MemberOut]}),
            auth=requires(Perm.MEMBERS_VIEW))
def members(request, ws: Id):
    m = access_membership(user=request.auth, workspace_id=ws)
    return [{"user_id": x.user_id, "email": x.user.email, "name": x.user.name, "role": x.role}
            for x in membership_list(workspace=m.workspace)]


@router.get("/tokens", response=responses({200: list[TokenOut]}), auth=requires(Perm.SIGNED_IN))
def tokens(request):
    return list(request.auth.api_tokens.all())


@router.post("/tokens", response=responses({201: TokenCreated}), auth=requires(Perm.SIGNED_IN))
def token_new(request, payload: TokenIn):
    token, plain = api_token_create(user=request.auth, name=payload.name,
                                    expires_in_days=payload.expires_in_days)
    return Status(201, {"id": token.pk, "name": token.name, "prefix": token.prefix,
                        "created_at": token.created_at, "last_used_at": None,
                        "expires_at": token.expires_at, "token": plain})


@router.delete("/tokens/{token_id}", response=responses({204: None}),
               auth=requires(Perm.SIGNED_IN))
def token_delete(request, token_id: Id):
    api_token_revoke(user=request.auth, token_id=token_id)
    return Status(204, None)
