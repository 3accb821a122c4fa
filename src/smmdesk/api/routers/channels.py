from ninja import Router, Status

from smmdesk.accounts.access import access_membership
from smmdesk.accounts.roles import Perm
from smmdesk.api.auth import requires
from smmdesk.api.schemas import ChannelConnectIn, ChannelOut, ChannelPatch, Id, responses
from smmdesk.channels.access import access_channel
from smmdesk.channels.models import Channel
from smmdesk.channels.selectors import channel_list
from smmdesk.channels.services import channel_connect, channel_set_status, channel_settings_set
from smmdesk.connectors.registry import connector_class

router = Router(tags=["channels"])


def channel_out(c: Channel) -> dict:
    return {"id": c.pk, "kind": c.kind, "name": c.name, "external_id": c.external_id,
            "url": c.url, "status": c.status, "status_message": c.status_message,
            "token_expires_at": c.token_expires_at,
            "simulated": connector_class(c.kind).simulated,
            "settings": {name: str((c.settings or {}).get(name, ""))
                         for name, _label, _c in connector_class(c.kind).settings_fields}}


@router.get("/workspaces/{ws}/channels", response=responses({200: list[ChannelOut]}),
            auth=requires(Perm.CHANNELS_VIEW))
def channels(request, ws: Id):
    m = access_membership(user=request.auth, workspace_id=ws, permission="channels.view")
    return [channel_out(c) for c in channel_list(workspace=m.workspace)]


@router.post("/workspaces/{ws}/channels", response=responses({201: ChannelOut}),
             auth=requires(Perm.CHANNELS_MANAGE))
def channel_new(request, ws: Id, payload: ChannelConnectIn):
    m = access_membership(user=request.auth, workspace_id=ws, permission="channels.manage")
    channel = channel_connect(workspace=m.workspace, kind=payload.kind, data=payload.data,
                              actor=request.auth)
    return Status(201, channel_out(channel))


@router.get("/workspaces/{ws}/channels/{channel_id}", response=responses({200: ChannelOut}),
            auth=requires(Perm.CHANNELS_VIEW))
def channel_get(request, ws: Id, channel_id: Id):
    m = access_membership(user=request.auth, workspace_id=ws, permission="channels.view")
    return channel_out(access_channel(workspace=m.workspace, channel_id=channel_id))


@router.patch("/workspaces/{ws}/channels/{channel_id}",
              response=responses({200: ChannelOut}), auth=requires(Perm.CHANNELS_MANAGE))
def channel_patch(request, ws: Id, channel_id: Id, payload: ChannelPatch):
    m = access_membership(user=request.auth, workspace_id=ws, permission="channels.manage")
    channel = access_channel(workspace=m.workspace, channel_id=channel_id)
    if payload.settings is not None:
        channel = channel_settings_set(channel=channel, values=payload.settings)
    if payload.status is not None:
        channel = channel_set_status(channel=channel, status=payload.status)
    return channel_out(channel)
