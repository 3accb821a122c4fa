from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from smmdesk.accounts.models import User, Workspace
from smmdesk.content.models import ApprovalState, Post
from smmdesk.team.models import Task


def late_post_ids(*, workspace: Workspace) -> set[int]:
    """Posts with a production task past its deadline."""
    return set(Task.objects.filter(workspace=workspace, done_at__isnull=True,
                                   due_at__lt=timezone.now(), post__isnull=False)
               .values_list("post_id", flat=True))


def task_list(*, workspace: Workspace, assignee: User | None = None,
              open_only: bool = True) -> QuerySet[Task]:
    qs = Task.objects.filter(workspace=workspace).select_related("post", "assignee")
    if assignee is not None:
        qs = qs.filter(assignee=assignee)
    if open_only:
        qs = qs.filter(done_at__isnull=True)
    return qs.order_by("done_at", "due_at", "pk")


def posts_waiting(*, workspace: Workspace) -> dict[str, list[Post]]:
    qs = Post.objects.filter(workspace=workspace).prefetch_related(
        "publications__channel").select_related("rubric", "author")
    return {state: list(qs.filter(approval=state).order_by("updated_at"))
            for state in (ApprovalState.PENDING_TEAM, ApprovalState.PENDING_CLIENT,
                          ApprovalState.RETURNED)}
