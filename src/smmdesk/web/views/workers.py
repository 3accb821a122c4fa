"""The workers page (owners): who is working, what waits in each network's queue, what
is claimed, and what failed lately in this workspace."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path

from smmdesk.accounts.roles import Perm
from smmdesk.publishing.monitor import monitor_overview
from smmdesk.web.decorators import requires


@requires(Perm.WORKSPACE_MANAGE)
def workers(request, membership):
    return render(request, "web/workers.html",
                  monitor_overview(workspace=membership.workspace))


urlpatterns = [
    path("w/<slug:slug>/workers/", workers, name="workers"),
]
