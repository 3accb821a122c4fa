"""Reading the inbox: the stream with its filters, threads, author cards, response times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from smmdesk.accounts.models import Workspace
from smmdesk.inbox.models import Author, InboxSettings, Message, MessageStatus

OPEN = (MessageStatus.NEW, MessageStatus.IN_PROGRESS)
ORDERINGS = {"priority": ("-priority", "-created_at", "-pk"),
             "newest": ("-created_at", "-pk"), "oldest": ("created_at", "pk")}


def message_list(*, workspace: Workspace, status: str | None = "open", channel_id=None,
                 language: str | None = None, sentiment: str | None = None,
                 intent: str | None = None, label_id=None, assignee_id=None,
                 unanswered_hours: float | None = None, author_id=None, q: str | None = None,
                 sort: str = "priority") -> QuerySet[Message]:
    """The stream, filtered; ``sort``: "priority" (most urgent, then newest), "newest"
    or "oldest" (by the time on the network)."""
    qs = (Message.objects.filter(workspace=workspace, by_us=False)
          .select_related("channel", "author", "assignee").prefetch_related("labels"))
    if status == "open":
        qs = qs.filter(status__in=OPEN)
    elif status:
        qs = qs.filter(status=status)
    for field, value in (("channel_id", channel_id), ("language", language),
                         ("sentiment", sentiment), ("intent", intent), ("labels", label_id),
                         ("author_id", author_id)):
        if value:
            qs = qs.filter(**{field: value})
    if assignee_id == "none":
        qs = qs.filter(assignee__isnull=True)
    elif assignee_id:
        qs = qs.filter(assignee_id=assignee_id)
    if unanswered_hours:
        qs = qs.filter(first_reply_at__isnull=True, created_at__lt=timezone.now()
                       - timedelta(hours=float(unanswered_hours)))
    if q:
        qs = qs.filter(Q(text__icontains=q) | Q(author__name__icontains=q))
    return qs.order_by(*ORDERINGS.get(sort, ORDERINGS["priority"]))


def sla_minutes(workspace: Workspace) -> int:
    s = InboxSettings.objects.filter(workspace=workspace).values("sla_minutes").first()
    return s["sla_minutes"] if s else 120


def overdue_ids(*, workspace: Workspace, messages) -> set[int]:
    """Open, unanswered messages older than the workspace's answer time."""
    limit = timezone.now() - timedelta(minutes=sla_minutes(workspace))
    return {m.pk for m in messages if m.status in OPEN and m.first_reply_at is None
            and m.created_at < limit}


def thread(message: Message) -> list[Message]:
    """The conversation around a message: its root and everything under that root."""
    root = message
    while root.parent_id:
        root = root.parent
    if message.post_external_id:
        rows = list(Message.objects.filter(channel=message.channel,
                                           post_external_id=message.post_external_id)
                    .select_related("author").order_by("created_at"))
    else:  # a direct message: no post to gather by, so follow the replies down
        rows, seen, level = [], {root.pk}, [root.pk]
        while level:
            found = [m for m in Message.objects.filter(parent_id__in=level)
                     .select_related("author") if m.pk not in seen]
            seen |= {m.pk for m in found}
            rows, level = rows + found, [m.pk for m in found]
        rows.sort(key=lambda m: m.created_at)
    ids = {root.pk}
    out = [root]
    for m in rows:  # rows are in time order: a reply comes after what it answers
        if m.parent_id in ids and m.pk not in ids:
            ids.add(m.pk)
            out.append(m)
    return out


@dataclass
class AuthorCard:
    author: Author
    messages: list[Message]
    sentiment_by_week: list[tuple[str, float]]
    counts: dict


def author_card(author: Author) -> AuthorCard:
    rows = list(author.messages.filter(by_us=False).select_related("channel")
                .order_by("-created_at")[:50])
    weeks: dict[str, list[int]] = {}
    score = {"negative": -1, "neutral": 0, "positive": 1}
    for m in rows:
        key = m.created_at.strftime("%G-W%V")
        weeks.setdefault(key, []).append(score.get(m.sentiment, 0))
    trend = sorted((k, sum(v) / len(v)) for k, v in weeks.items())
    counts = dict(author.messages.values_list("intent").annotate(n=Count("pk")))
    return AuthorCard(author, rows, trend, counts)


@dataclass
class ResponseTimes:
    who: str
    answered: int
    median_first_reply_min: float | None
    median_resolution_min: float | None
    overdue: int


def _minutes(pairs) -> float | None:
    values = [(b - a).total_seconds() / 60 for a, b in pairs if a and b and b >= a]
    return round(median(values), 1) if values else None


def response_times(*, workspace: Workspace, since: datetime) -> dict[str, list[ResponseTimes]]:
    """First reply and resolution times per member and per channel, with overdue counts."""
    qs = Message.objects.filter(workspace=workspace, by_us=False, created_at__gte=since) \
        .select_related("first_reply_by", "channel")
    limit = timezone.now() - timedelta(minutes=sla_minutes(workspace))
    groups: dict[str, dict[str, list[Message]]] = {"member": {}, "channel": {}}
    for m in qs:
        if m.first_reply_by_id:
            groups["member"].setdefault(str(m.first_reply_by), []).append(m)
        groups["channel"].setdefault(m.channel.name, []).append(m)
    out = {}
    for kind, by in groups.items():
        out[kind] = [ResponseTimes(
            who=who, answered=sum(1 for m in ms if m.first_reply_at),
            median_first_reply_min=_minutes((m.created_at, m.first_reply_at) for m in ms),
            median_resolution_min=_minutes((m.created_at, m.resolved_at) for m in ms),
            overdue=sum(1 for m in ms if m.status in OPEN and not m.first_reply_at
                        and m.created_at < limit)) for who, ms in sorted(by.items())]
    return out


def inbox_daily(*, workspace: Workspace, start, end, channel_ids=None) -> dict:
    """Per day (in the workspace's time zone, ``start``..``end`` inclusive) of incoming
    messages: ``messages``, ``negative``, ``leads`` and ``first_reply_min`` (the minutes to
    our first reply of each answered message that arrived that day). Read by goals."""
    from datetime import time as dtime

    from smmdesk.inbox.models import Lead

    tz = workspace.tz
    since = datetime.combine(start, dtime.min, tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), dtime.min, tzinfo=tz)
    msgs = Message.objects.filter(workspace=workspace, by_us=False, created_at__gte=since,
                                  created_at__lt=until)
    leads = Lead.objects.filter(workspace=workspace, created_at__gte=since,
                                created_at__lt=until)
    if channel_ids:
        msgs, leads = msgs.filter(channel_id__in=channel_ids), leads.filter(
            channel_id__in=channel_ids)
    out: dict = {}

    def row(at):
        return out.setdefault(timezone.localtime(at, tz).date(), {
            "messages": 0, "negative": 0, "leads": 0, "first_reply_min": []})

    for created, sentiment, replied in msgs.values_list("created_at", "sentiment",
                                                        "first_reply_at"):
        r = row(created)
        r["messages"] += 1
        r["negative"] += sentiment == "negative"
        if replied and replied >= created:
            r["first_reply_min"].append((replied - created).total_seconds() / 60)
    for (created,) in leads.values_list("created_at"):
        row(created)["leads"] += 1
    return out


def inbox_summary(*, workspace: Workspace, since: datetime, until: datetime,
                  channel_ids=None) -> dict:
    """Incoming messages that arrived in [since, until): ``messages``, ``sentiment``
    (sentiment → count, unclassified left out), ``leads`` (created in the period) and
    ``first_reply_min`` (the median minutes to our first reply; None when none was
    answered). Read by the analytics dashboard."""
    from smmdesk.inbox.models import Lead

    msgs = Message.objects.filter(workspace=workspace, by_us=False, created_at__gte=since,
                                  created_at__lt=until)
    leads = Lead.objects.filter(workspace=workspace, created_at__gte=since,
                                created_at__lt=until)
    if channel_ids:
        msgs = msgs.filter(channel_id__in=channel_ids)
        leads = leads.filter(channel_id__in=channel_ids)
    sentiment = dict(msgs.exclude(sentiment="").order_by().values_list("sentiment")
                     .annotate(n=Count("pk")))
    replied = msgs.filter(first_reply_at__isnull=False).values_list("created_at",
                                                                    "first_reply_at")
    return {"messages": msgs.count(), "sentiment": sentiment, "leads": leads.count(),
            "first_reply_min": _minutes(replied)}
