from __future__ import annotations

from django.utils.translation import gettext as _

from smmdesk.accounts.access import access_row
from smmdesk.accounts.models import Workspace
from smmdesk.channels.models import Channel


def access_channel(*, workspace: Workspace, channel_id) -> Channel:
    return access_row(Channel.objects.all(), workspace=workspace, pk=channel_id,
                      message=_("Channel not found in this workspace."),
                      code="channel_not_found")
