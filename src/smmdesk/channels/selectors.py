from __future__ import annotations

from django.db.models import QuerySet

from smmdesk.accounts.models import Workspace
from smmdesk.channels.models import Channel


def channel_list(*, workspace: Workspace) -> QuerySet[Channel]:
    return Channel.objects.filter(workspace=workspace).order_by("name")
