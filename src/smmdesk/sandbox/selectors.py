"""What smmdesk shows of the simulated network: a sandbox post as its audience sees it.

A real network shows its posts on its own site; the sandbox has no site, so smmdesk
shows the post itself (``web/views/sandbox.py``), to members of the workspace whose
sandbox channel published it, and to nobody else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from smmdesk.accounts.models import Workspace
from smmdesk.channels.models import Channel
from smmdesk.lib.errors import NotFound
from smmdesk.sandbox import network
from smmdesk.sandbox.models import SandboxComment, SandboxPost


@dataclass(frozen=True)
class SandboxThread:
    comment: SandboxComment
    replies: list[SandboxComment]


@dataclass(frozen=True)
class SandboxPostView:
    post: SandboxPost
    channel: Channel
    metrics: dict[str, int]
    threads: list[SandboxThread]
    publication: object | None  # the smmdesk publication that made the post, if known


def sandbox_post_path(*, slug: str, post_id) -> str:
    return reverse("web:sandbox_post", args=[slug, post_id])


def sandbox_post_url(*, channel_id: int | None, post: SandboxPost) -> str:
    """The post's address inside smmdesk, absolute (from SITE_URL), for the publication's
    link; the network's own address when the channel is not stored yet."""
    slug = (Channel.objects.filter(pk=channel_id).values_list("workspace__slug", flat=True)
            .first() if channel_id else None)
    if not slug:
        return network.post_url(post)
    return settings.SITE_URL + sandbox_post_path(slug=slug, post_id=post.pk)


def sandbox_post_view(*, workspace: Workspace, post_id: int,
                      now: datetime | None = None) -> SandboxPostView:
    """The post, its audience's reaction so far and its comments (replies under them);
    NotFound unless one of the workspace's sandbox channels published it."""
    now = now or timezone.now()
    post = (SandboxPost.objects.select_related("account")
            .filter(pk=post_id, deleted_at__isnull=True).first())
    channel = post and Channel.objects.filter(
        workspace=workspace, kind="sandbox", external_id=post.account.handle).first()
    if channel is None:
        raise NotFound(_("Sandbox post not found in this workspace."),
                       code="sandbox_post_not_found")
    comments = [c for c in network.comments_visible(post, now=now) if not c.hidden]
    replies: dict[int, list[SandboxComment]] = {}
    for c in comments:
        if c.parent_id:
            replies.setdefault(c.parent_id, []).append(c)
    threads = [SandboxThread(c, replies.get(c.pk, [])) for c in comments if not c.parent_id]
    publication = (channel.publications.select_related("variant__post")
                   .filter(external_id=str(post.pk)).first())
    return SandboxPostView(post=post, channel=channel, threads=threads,
                           metrics=network.post_metrics(post, now=now),
                           publication=publication)
