from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from smmdesk.accounts.models import Workspace
from smmdesk.publishing.models import Publication, Status, WorkerHeartbeat


def publication_list(*, workspace: Workspace, status: str | None = None,
                     channel_id: int | None = None, post_id: int | None = None,
                     since: datetime | None = None, until: datetime | None = None
                     ) -> QuerySet[Publication]:
    qs = (Publication.objects.filter(workspace=workspace)
          .select_related("channel", "post", "post__rubric"))
    if status:
        qs = qs.filter(status__in=status.split(","))
    if channel_id:
        qs = qs.filter(channel_id=channel_id)
    if post_id:
        qs = qs.filter(post_id=post_id)
    if since:
        qs = qs.filter(scheduled_at__gte=since)
    if until:
        qs = qs.filter(scheduled_at__lt=until)
    return qs.order_by("-scheduled_at", "-pk")


def overdue_count(*, workspace: Workspace | None = None, now: datetime | None = None) -> int:
    """Scheduled publications past their time by more than the grace period."""
    now = now or timezone.now()
    qs = Publication.objects.filter(
        status=Status.SCHEDULED,
        due_at__lt=now - timedelta(seconds=settings.SMMDESK_OVERDUE_GRACE))
    if workspace is not None:
        qs = qs.filter(workspace=workspace)
    return qs.count()


def attention_count(*, workspace: Workspace) -> int:
    return Publication.objects.filter(workspace=workspace, needs_attention=True).count()


def worker_status(*, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    last = (WorkerHeartbeat.objects.filter(stopped_at__isnull=True)
            .order_by("-last_seen_at").first())
    if last is None:
        return {"alive": False, "last_heartbeat": None, "age_s": None, "workers": 0}
    alive_since = now - timedelta(seconds=settings.SMMDESK_WORKER_DEAD_AFTER)
    live = WorkerHeartbeat.objects.filter(stopped_at__isnull=True,
                                          last_seen_at__gte=alive_since).count()
    return {"alive": live > 0, "last_heartbeat": last.last_seen_at.isoformat(),
            "age_s": round((now - last.last_seen_at).total_seconds(), 1), "workers": live}


def calendar_rows(*, workspace: Workspace, since: datetime, until: datetime,
                  channel_id=None, rubric_id=None, campaign_id=None, status=None,
                  assignee_id=None) -> list[dict]:
    """Publications in a window, as light dicts for the calendar (thousands per month)."""
    qs = Publication.objects.filter(workspace=workspace, scheduled_at__gte=since,
                                    scheduled_at__lt=until)
    if channel_id:
        qs = qs.filter(channel_id=channel_id)
    if rubric_id:
        qs = qs.filter(post__rubric_id=rubric_id)
    if campaign_id:
        qs = qs.filter(post__campaign_id=campaign_id)
    if status:
        qs = qs.filter(status__in=status.split(","))
    if assignee_id:
        qs = qs.filter(post__tasks__assignee_id=assignee_id).distinct()
    return list(qs.order_by("scheduled_at", "pk").values(
        "pk", "post_id", "status", "scheduled_at", "needs_attention", "channel__name",
        "channel__kind", "post__title", "post__body", "post__rubric__name",
        "post__rubric__color"))


def published_external_ids(*, channel, since: datetime) -> list[str]:
    """The network ids of the channel's posts published since ``since`` (the inbox reads
    the comments under these)."""
    return list(Publication.objects.filter(channel=channel, status=Status.PUBLISHED,
                                           published_at__gte=since)
                .exclude(external_id="").values_list("external_id", flat=True))


def publications_published(*, channel) -> QuerySet[Publication]:
    """The channel's publications that are on the network with their id (analytics
    reads their counters)."""
    return (Publication.objects.filter(channel=channel, status=Status.PUBLISHED)
            .exclude(external_id="").order_by("published_at"))


def publications_by_external_id(*, pairs: set[tuple[int, str]]
                                ) -> dict[tuple[int, str], Publication]:
    """(channel id, network id) → our publication, for the pairs that are ours."""
    if not pairs:
        return {}
    rows = Publication.objects.filter(channel_id__in={c for c, _ in pairs},
                                      external_id__in={e for _, e in pairs})
    return {(p.channel_id, p.external_id): p for p in rows
            if (p.channel_id, p.external_id) in pairs}


# ---------------------------------------------------------------- approval deadlines


def approval_lead(workspace: Workspace) -> timedelta:
    """How long before its publish time a post must be approved (the approval task's
    lead time)."""
    return timedelta(days=int(workspace.lead_days.get("approval", 0) or 0))


def approval_due(*, workspace: Workspace, at: datetime | None) -> datetime | None:
    """The moment a post publishing at ``at`` must be approved by."""
    return None if at is None else at - approval_lead(workspace)


def post_approval_due(*, post) -> datetime | None:
    """The approval deadline of a post: its earliest planned publication less the lead
    time (None when nothing is planned)."""
    first = (post.publications.exclude(status=Status.CANCELLED).exclude(scheduled_at=None)
             .order_by("scheduled_at").values_list("scheduled_at", flat=True).first())
    return approval_due(workspace=post.workspace, at=first)


def at_risk_publications(*, workspace: Workspace, now: datetime | None = None
                         ) -> QuerySet[Publication]:
    """Publications that wait for approval and cannot publish on time: their approval
    deadline has passed, or their time passed while they waited."""
    now = now or timezone.now()
    return (Publication.objects.filter(workspace=workspace, status=Status.PENDING_APPROVAL,
                                       scheduled_at__isnull=False,
                                       scheduled_at__lt=now + approval_lead(workspace))
            .select_related("post", "channel").order_by("scheduled_at", "pk"))


def approval_risk(*, workspace: Workspace, status: str, at: datetime | None,
                  now: datetime | None = None) -> dict | None:
    """What the calendar and the dashboard say about one publication that waits for
    approval: ``{"kind": "late"|"overdue"|"pending", "due": deadline}``; None otherwise.
    ``late``: its time passed; ``overdue``: the approval deadline passed; ``pending``:
    it still can be approved in time."""
    if status != Status.PENDING_APPROVAL or at is None:
        return None
    now = now or timezone.now()
    due = approval_due(workspace=workspace, at=at)
    kind = "late" if at < now else "overdue" if due < now else "pending"
    return {"kind": kind, "due": due}
