"""A post on the simulated network, shown inside smmdesk as the network would show it:
the sandbox has no site of its own, so "open on the network" comes here."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import path

from smmdesk.accounts.roles import Perm
from smmdesk.connectors.base import FORMAT_LABELS, Format
from smmdesk.lib.errors import NotFound
from smmdesk.sandbox.selectors import sandbox_post_view
from smmdesk.web.decorators import requires


@requires(Perm.CONTENT_VIEW)
def sandbox_post(request, membership, sandbox_post_id: int):
    try:
        view = sandbox_post_view(workspace=membership.workspace, post_id=sandbox_post_id)
    except NotFound:
        raise Http404 from None
    media = view.publication.variant.effective_media() if view.publication else []
    label = {k.value: v for k, v in FORMAT_LABELS.items()}.get(view.post.format, "")
    label = "" if view.post.format == Format.FEED else label
    return render(request, "web/sandbox_post.html",
                  {"v": view, "media": media, "format_label": label})


urlpatterns = [
    path("w/<slug:slug>/sandbox/posts/<int:sandbox_post_id>/", sandbox_post,
         name="sandbox_post"),
]
