from __future__ import annotations

from django.utils.translation import gettext as _

from smmdesk.accounts.access import access_row
from smmdesk.accounts.models import Workspace
from smmdesk.content.models import MediaAsset, Post


def access_post(*, workspace: Workspace, post_id) -> Post:
    return access_row(Post.objects.all(), workspace=workspace, pk=post_id,
                      message=_("Post not found in this workspace."), code="post_not_found")


def access_media(*, workspace: Workspace, media_id) -> MediaAsset:
    return access_row(MediaAsset.objects.all(), workspace=workspace, pk=media_id,
                      message=_("Media file not found in this workspace."),
                      code="media_not_found")
