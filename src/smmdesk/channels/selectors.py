from __future__ import annotations

from django.db.models import QuerySet

from smmdesk.accounts.models import Workspace
from smmdesk.channels.models import Channel


def channel_list(*, workspace: Workspace) -> QuerySet[Channel]:
    return Channel.objects.filter(workspace=workspace).order_by("name")


def channels_active(*, kinds) -> QuerySet[Channel]:
    """Active channels of these networks, across workspaces (the workers' rounds)."""
    from smmdesk.channels.models import ChannelStatus

    return (Channel.objects.filter(status=ChannelStatus.ACTIVE, kind__in=list(kinds))
            .select_related("workspace"))


def channel_for_account(*, kind: str, external_id: str) -> Channel | None:
    """The active channel of this network account (network-wide webhooks name only it)."""
    from smmdesk.channels.models import ChannelStatus

    return (Channel.objects.filter(kind=kind, external_id=external_id,
                                   status=ChannelStatus.ACTIVE)
            .select_related("workspace").first())


def channels_that_reply(*, workspace: Workspace, kind: str) -> list[Channel]:
    """The workspace's active channels of this network whose connector answers posts
    that listening found."""
    from smmdesk.channels.models import ChannelStatus
    from smmdesk.connectors.registry import connector_class

    try:
        if not connector_class(kind).capabilities.reply_to_post:
            return []
    except LookupError:
        return []
    return list(Channel.objects.filter(workspace=workspace, kind=kind,
                                       status=ChannelStatus.ACTIVE).order_by("name"))
