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


def publications_by_external_id(*, pairs: set[tuple[int, str]]
                                ) -> dict[tuple[int, str], Publication]:
    """(channel id, network id) → our publication, for the pairs that are ours."""
    if not pairs:
        return {}
    rows = Publication.objects.filter(channel_id__in={c for c, _ in pairs},
                                      external_id__in={e for _, e in pairs})
    return {(p.channel_id, p.external_id): p for p in rows
            if (p.channel_id, p.external_id) in pairs}
