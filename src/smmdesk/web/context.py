from __future__ import annotations

from django.utils import timezone

from smmdesk.accounts.roles import PERMISSIONS
from smmdesk.accounts.selectors import workspace_list_for_user
from smmdesk.content.models import ApprovalState, Post
from smmdesk.inbox.models import Message
from smmdesk.publishing.selectors import worker_status
from smmdesk.team.models import Notification, Task


def _counts(request, workspace, inbox: bool) -> dict:
    counts = {"notifications": Notification.objects.filter(user=request.user,
                                                           read_at__isnull=True).count()}
    if workspace is not None:
        counts["approvals"] = Post.objects.filter(
            workspace=workspace, approval__in=[ApprovalState.PENDING_TEAM,
                                               ApprovalState.PENDING_CLIENT]).count()
        counts["inbox"] = Message.objects.filter(workspace=workspace, by_us=False,
                                                 status="new").count() if inbox else 0
        counts["overdue_tasks"] = Task.objects.filter(
            workspace=workspace, done_at__isnull=True, due_at__lt=timezone.now()).count()
    return counts


def desk(request) -> dict:
    """What every page's frame shows: workspaces, counters, the worker's health."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    workspace = getattr(request, "workspace", None)
    membership = getattr(request, "membership", None)
    # A client sees the plan, the calendar and approvals, not the channels, the inbox,
    # leads or settings: the menu shows what the role may open (accounts/roles.py).
    sees_channels = membership is not None and membership.can("channels.view")
    nav_can = {perm.value.replace(".", "_"): membership.can(perm) for perm in PERMISSIONS} \
        if membership is not None else {}
    return {
        "my_workspaces": workspace_list_for_user(user=user),
        "current_workspace": workspace,
        "current_membership": getattr(request, "membership", None),
        "worker": worker_status(),
        "nav_counts": _counts(request, workspace, sees_channels),
        "nav_sees_channels": sees_channels,
        "nav_can": nav_can,
    }
