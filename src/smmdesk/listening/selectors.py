"""Reads of listening for the pages, the API and other apps (analytics' audience)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from smmdesk.accounts.models import Workspace
from smmdesk.listening.models import Mention, Query, Source, Story

OPEN = ("new", "in_progress")


def mention_list(*, workspace: Workspace, status: str | None = None, query_id=None,
                 source_id=None, sentiment: str = "", language: str = "",
                 assignee_id=None, label: str = "", since: datetime | None = None,
                 until: datetime | None = None) -> QuerySet[Mention]:
    qs = (Mention.objects.filter(workspace=workspace)
          .select_related("item__source", "assignee").prefetch_related("labels", "queries"))
    if status == "open":
        qs = qs.filter(status__in=OPEN)
    elif status:
        qs = qs.filter(status=status)
    filters = {"queries": query_id, "item__source_id": source_id, "sentiment": sentiment,
               "language": language, "assignee_id": assignee_id, "labels__name": label,
               "published_at__gte": since, "published_at__lt": until}
    qs = qs.filter(**{k: v for k, v in filters.items() if v not in (None, "")})
    return qs.distinct().order_by("-published_at", "-id")


def query_list(*, workspace: Workspace, days: int = 30) -> QuerySet[Query]:
    since = timezone.now() - timedelta(days=days)
    return Query.objects.filter(workspace=workspace).annotate(
        recent=Count("mentions", filter=Q(mentions__published_at__gte=since)))


def source_list(*, workspace: Workspace) -> QuerySet[Source]:
    return Source.objects.filter(workspace=workspace).order_by("name")


def story_list(*, workspace: Workspace, days: int = 7) -> QuerySet[Story]:
    since = timezone.now() - timedelta(days=days)
    return Story.objects.filter(workspace=workspace, last_seen__gte=since).order_by(
        "-sources_count", "-items_count", "-last_seen")


def mention_authors(*, workspace: Workspace, since: datetime, until: datetime,
                    texts: tuple[str, ...] = ("question", "complaint"),
                    text_chars: int = 2000) -> list[dict]:
    """Who wrote about us: one row per mention published in [since, until), spam left
    out, oldest first, for the audience profile (analytics reads listening only through
    this). Each row: ``id``, ``author`` (the name the source gave), ``author_key`` (the
    source's id of the author, else "name:" and the name; "" when the source gave
    neither), ``kind`` and ``source`` (the source's kind and name), ``source_id``,
    ``language``, ``sentiment``, ``intent``, ``confidence`` (the labels as stored),
    ``published_at``, ``text`` (title and text, at most ``text_chars`` characters; only
    for mentions whose intent is one of ``texts``, else "") and ``first_at``: the
    author's first mention ever on a source of that kind (None without an author)."""
    from django.db.models import Case, F, Min, TextField, Value, When
    from django.db.models.functions import Substr

    from smmdesk.inbox.models import MessageStatus

    mentions = Mention.objects.filter(workspace=workspace).exclude(status=MessageStatus.SPAM)

    def said(field: str, chars: int):  # the item's words, only where they are asked for
        return Case(When(intent__in=texts, then=Substr(field, 1, chars)), default=Value(""),
                    output_field=TextField())

    rows = list(mentions.filter(published_at__gte=since, published_at__lt=until)
                .order_by("published_at", "pk")
                .values("id", "language", "sentiment", "intent", "confidence",
                        "published_at", author=F("item__author"),
                        author_id=F("item__author_id"), kind=F("item__source__kind"),
                        source=F("item__source__name"), source_id=F("item__source_id"),
                        title=said("item__title", 500), body=said("item__text", text_chars)))
    by_id: dict[str, set[str]] = {}
    by_name: dict[str, set[str]] = {}
    for r in rows:
        title, body = r.pop("title"), r.pop("body")  # as listening.services.item_text
        text = f"{title}\n{body}" if title and title not in body else (body or title)
        r["text"] = text.strip()[:text_chars]
        author_id, name = r.pop("author_id"), r["author"]
        r["author_key"] = author_id or (f"name:{name}" if name else "")
        if author_id:
            by_id.setdefault(r["kind"], set()).add(author_id)
        elif name:
            by_name.setdefault(r["kind"], set()).add(name)
    def firsts(kind: str, field: str, keys: list[str]):
        qs = mentions.filter(item__source__kind=kind, **{f"{field}__in": keys})
        if field == "item__author":  # keyed by the name: only authors the source gave no id
            qs = qs.filter(item__author_id="")
        return qs.order_by().values_list(field).annotate(at=Min("published_at"))

    first: dict[tuple[str, str], datetime] = {}
    chunk = 500  # keys per query: under every database's limit of bound parameters
    for field, keyed, prefix in (("item__author_id", by_id, ""),
                                 ("item__author", by_name, "name:")):
        for kind, keys in keyed.items():
            keys = sorted(keys)
            for i in range(0, len(keys), chunk):
                for key, at in firsts(kind, field, keys[i:i + chunk]):
                    first[(kind, prefix + key)] = at
    for r in rows:
        r["first_at"] = first.get((r["kind"], r["author_key"])) if r["author_key"] else None
    return rows


def source_key(*, workspace: Workspace, kind: str) -> str:
    """The API key of the workspace's newest source of this kind that has one."""
    from smmdesk.listening.services import source_secret

    for source in Source.objects.filter(workspace=workspace, kind=kind).exclude(
            secret_encrypted="").order_by("-created_at"):
        key = source_secret(source)
        if key:
            return key
    return ""
