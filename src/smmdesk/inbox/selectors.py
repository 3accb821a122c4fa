"""Reading the inbox: the stream with its filters, threads, author cards, response times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from django.db.models import Case, CharField, Count, F, Max, Min, Q, QuerySet, Value, When
from django.utils import timezone

from smmdesk.accounts.models import Workspace
from smmdesk.inbox.models import Author, InboxSettings, Message, MessageStatus
from smmdesk.nlp.actions import lowest_threshold

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


# ---------------------------------------------------------------- the audience (analytics)
# Read by analytics/audience.py. "Incoming" here means what people wrote (not our replies,
# not what was marked spam); the period is [since, until) and the channels optional.

UNCERTAIN = "uncertain"  # a label below every action's threshold (nlp/actions.py)
AUDIENCE_INTENTS = ("question", "complaint")


def _audience(*, workspace: Workspace, channel_ids=None,
              authored: bool = True) -> QuerySet[Message]:
    """Incoming messages, not spam; ``authored``: only those with a known author."""
    qs = Message.objects.filter(workspace=workspace, by_us=False) \
        .exclude(status=MessageStatus.SPAM)
    if authored:
        qs = qs.filter(author__isnull=False)
    return qs.filter(channel_id__in=channel_ids) if channel_ids else qs


def _in(qs: QuerySet[Message], since: datetime, until: datetime) -> QuerySet[Message]:
    return qs.filter(created_at__gte=since, created_at__lt=until)


def _mood() -> Case:
    """The message's sentiment, "uncertain" when the model was not sure of it, "" when
    it has none (not classified yet)."""
    return Case(When(sentiment="", then=Value("")),
                When(confidence__sentiment__lt=lowest_threshold(), then=Value(UNCERTAIN)),
                default=F("sentiment"), output_field=CharField())


@dataclass
class Commenter:
    """One person who wrote in the period: ``messages`` in the period, ``last_at`` (their
    latest there), ``first_at`` (their first message ever, in these channels) and
    ``sentiment`` (label → count in the period, "uncertain" apart)."""

    author_id: int
    name: str
    network: str
    messages: int
    first_at: datetime
    last_at: datetime
    sentiment: dict
    last_text: str = ""

    def returning(self, since: datetime) -> bool:
        return self.first_at < since


def commenter_list(*, workspace: Workspace, since: datetime, until: datetime,
                   channel_ids=None) -> list[Commenter]:
    """Everyone who wrote in [since, until), most messages first (then latest first)."""
    base = _audience(workspace=workspace, channel_ids=channel_ids)
    period = _in(base, since, until)
    rows = {r["author_id"]: r for r in period.order_by().values("author_id")
            .annotate(n=Count("pk"), last=Max("created_at"))}
    first = dict(base.filter(author_id__in=period.values("author_id")).order_by()
                 .values("author_id").annotate(first=Min("created_at"))
                 .values_list("author_id", "first"))
    moods: dict[int, dict] = {}
    for author_id, mood, n in (period.order_by().values("author_id", mood=_mood())
                               .annotate(n=Count("pk")).values_list("author_id", "mood", "n")):
        if mood:
            moods.setdefault(author_id, {})[mood] = n
    authors = Author.objects.in_bulk(list(rows))
    out = [Commenter(author_id=a, name=str(authors[a]), network=authors[a].network,
                     messages=r["n"], first_at=first.get(a, r["last"]), last_at=r["last"],
                     sentiment=moods.get(a, {})) for a, r in rows.items()]
    out.sort(key=lambda c: (-c.messages, -c.last_at.timestamp(), c.author_id))
    return out


def commenter_last_texts(*, workspace: Workspace, commenters: list[Commenter],
                         since: datetime, until: datetime, channel_ids=None) -> None:
    """Fill ``last_text`` of each of ``commenters`` with their latest message's text."""
    period = _in(_audience(workspace=workspace, channel_ids=channel_ids), since, until)
    for c in commenters:
        c.last_text = (period.filter(author_id=c.author_id).order_by("-created_at", "-pk")
                       .values_list("text", flat=True).first() or "")


def message_shares(*, workspace: Workspace, since: datetime, until: datetime,
                   channel_ids=None) -> dict[str, dict[str, int]]:
    """Incoming messages of the period by ``language`` (code → count) and by
    ``sentiment`` (label → count, "uncertain" apart); unclassified ones are left out."""
    period = _in(_audience(workspace=workspace, channel_ids=channel_ids, authored=False),
                 since, until)
    languages = dict(period.exclude(language="").order_by().values_list("language")
                     .annotate(n=Count("pk")))
    sentiment = dict(period.order_by().values(mood=_mood()).annotate(n=Count("pk"))
                     .values_list("mood", "n"))
    sentiment.pop("", None)
    return {"language": languages, "sentiment": sentiment}


def commenter_days(*, workspace: Workspace, since: datetime, until: datetime,
                   channel_ids=None) -> list[tuple[int, datetime]]:
    """(author, time) of every incoming message of the period, oldest first: to count
    new and returning commenters per week."""
    period = _in(_audience(workspace=workspace, channel_ids=channel_ids), since, until)
    return list(period.order_by("created_at", "pk").values_list("author_id", "created_at"))


@dataclass
class IntentMessage:
    pk: int
    intent: str
    text: str
    language: str
    created_at: datetime
    channel_id: int


def intent_messages(*, workspace: Workspace, since: datetime, until: datetime,
                    channel_ids=None, intents=AUDIENCE_INTENTS,
                    limit: int = 2000) -> list[IntentMessage]:
    """The period's incoming messages labelled with one of ``intents`` (the model sure of
    it, or a person set it), oldest first, at most the ``limit`` latest."""
    period = _in(_audience(workspace=workspace, channel_ids=channel_ids), since, until)
    rows = (period.filter(intent__in=intents)
            .filter(Q(confidence__intent__isnull=True)
                    | Q(confidence__intent__gte=lowest_threshold()))
            .order_by("-created_at", "-pk")
            .values_list("pk", "intent", "text", "language", "created_at", "channel_id")[:limit])
    return [IntentMessage(*r) for r in reversed(rows)]
