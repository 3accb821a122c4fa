from ninja import Router, Status

from smmdesk.accounts.access import access_membership
from smmdesk.api.schemas import ChannelConnectIn, ChannelOut, ChannelPatch
from smmdesk.channels.access import access_channel
from smmdesk.channels.models import Channel
from smmdesk.channels.selectors import channel_list
from smmdesk.channels.services import channel_connect, channel_set_status
from smmdesk.connectors.registry import connector_class

router = Router(tags=["channels"])


def channel_out(c: Channel) -> dict:
    return {"id": c.pk, "kind": c.kind, "name": c.name, "external_id": c.external_id,
            "url": c.url, "status": c.status, "status_message": c.status_message,
            "token_expires_at": c.token_expires_at,
            "simulated": connector_class(c.kind).simulated}


@router.get("/workspaces/{ws}/channels", response=list[ChannelOut])
def channels(request, ws: int):
    m = access_membership(user=request.auth, workspace_id=ws, permission="channels.view")
    return [channel_out(c) for c in channel_list(workspace=m.workspace)]


@router.post("/workspaces/{ws}/channels", response={201: ChannelOut})
def channel_new(request, ws: int, payload: ChannelConnectIn):
    m = access_membership(user=request.auth, workspace_id=ws, permission="channels.manage")
    channel = channel_connect(workspace=m.workspace, kind=payload.kind, data=payload.data,
                              actor=request.auth)
    return Status(201, channel_out(channel))


@router.get("/workspaces/{ws}/channels/{channel_id}", response=ChannelOut)
def channel_get(request, ws: int, channel_id: int):
    m = access_membership(user=request.auth, workspace_id=ws, permission="channels.view")
    return channel_out(access_channel(workspace=m.workspace, channel_id=channel_id))


@router.patch("/workspaces/{ws}/channels/{channel_id}", response=ChannelOut)
def channel_patch(request, ws: int, channel_id: int, payload: ChannelPatch):
    m = access_membership(user=request.auth, workspace_id=ws, permission="channels.manage")
    channel = access_channel(workspace=m.workspace, channel_id=channel_id)
    return channel_out(channel_set_status(channel=channel, status=payload.status))
