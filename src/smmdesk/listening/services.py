"""Every write of listening: sources, queries, mentions. The web views, the API and the
demo call these; the worker's loop is in ``fetch.py``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from smmdesk.accounts.models import Membership, User, Workspace
from smmdesk.core.outbox import outbox_enqueue
from smmdesk.inbox.models import MessageStatus
from smmdesk.inbox.services import label_get
from smmdesk.lib.crypto import decrypt_json, encrypt_json
from smmdesk.lib.errors import InvalidInput
from smmdesk.listening.models import Item, Mention, Query, Source
from smmdesk.sources import registry
from smmdesk.sources.base import SourceError

PREVIEW_DAYS = 30
PREVIEW_SCAN = 20000  # items read for a preview, newest first


# ------------------------------------------------------------------ sources


def source_secret(source: Source) -> str:
    return decrypt_json(source.secret_encrypted).get("secret", "") if (
        source.secret_encrypted) else ""


def _kind(kind: str):
    try:
        return registry.get(kind)
    except KeyError:
        raise InvalidInput(_("Unknown kind of source."), code="unknown_source") from None


def source_check(*, kind: str, config: dict, secret: str = "", probe: bool = True
                 ) -> tuple[dict, str]:
    """The normalised config and what a first read found; SourceError as InvalidInput
    in the person's words (nothing is saved)."""
    src = _kind(kind)
    try:
        config = src.validate(dict(config))
        if not secret and (src.needs_key or config.get("mode") in src.key_modes):
            raise InvalidInput(_("This source needs an API key: %(help)s")
                               % {"help": src.key_help}, code="key_required")
        found = src.probe(config, secret) if probe else ""
    except SourceError as exc:
        raise InvalidInput(str(exc.message), code="source_invalid") from exc
    return config, found


def source_add(*, workspace: Workspace, kind: str, config: dict, name: str = "",
               secret: str = "", news: bool = True, probe: bool = True) -> Source:
    config, found = source_check(kind=kind, config=config, secret=secret, probe=probe)
    name = (name or "").strip()[:200] or _default_name(kind, config)
    return Source.objects.create(
        workspace=workspace, kind=kind, name=name, config=config, news=news,
        secret_encrypted=encrypt_json({"secret": secret}) if secret else "")


def _default_name(kind: str, config: dict) -> str:
    for key in ("title", "url", "channel", "q", "tag", "acct", "handle", "path", "domain"):
        if config.get(key):
            return f"{registry.get(kind).title} · {config[key]}"[:200]
    return str(registry.get(kind).title)


def source_update(*, source: Source, name: str | None = None, news: bool | None = None,
                  enabled: bool | None = None) -> Source:
    if name is not None:
        source.name = name.strip()[:200] or source.name
    if news is not None:
        source.news = news
    if enabled is not None:
        source.enabled = enabled
        if enabled:  # a person switched it back on: try at once, forget the old trouble
            source.next_fetch_at, source.failures, source.needs_attention = (
                timezone.now(), 0, False)
    source.save()
    return source


def source_delete(*, source: Source) -> None:
    source.delete()


# ------------------------------------------------------------------ queries


@dataclass(frozen=True)
class QueryProblem:
    message: str
    position: int
    end: int


def query_check(text: str) -> QueryProblem | None:
    """None when the query reads; else the problem and where it is (for the editor)."""
    from smmdesk.listening.query.parser import QuerySyntaxError, parse

    try:
        parse(text)
    except QuerySyntaxError as exc:
        return QueryProblem(str(exc.message), exc.position, exc.end)
    return None


def _parsed(text: str) -> str:
    text = (text or "").strip()
    problem = query_check(text)
    if problem:
        raise InvalidInput(_("%(problem)s (at character %(at)d)")
                           % {"problem": problem.message, "at": problem.position + 1},
                           code="query_syntax",
                           details={"position": problem.position, "end": problem.end})
    return text


def query_save(*, workspace: Workspace, name: str, text: str, exclude_own: bool = True,
               query: Query | None = None, user: User | None = None) -> Query:
    text = _parsed(text)
    name = (name or "").strip()[:120]
    if not name:
        raise InvalidInput(_("Give the query a name."), code="name_required")
    if query is None:
        query = Query(workspace=workspace, created_by=user)
    query.name, query.text, query.exclude_own = name, text, exclude_own
    query.updated_at = timezone.now()
    query.save()
    return query


def query_set_enabled(*, query: Query, enabled: bool) -> Query:
    query.enabled, query.updated_at = enabled, timezone.now()
    query.save(update_fields=["enabled", "updated_at"])
    return query


def query_delete(*, query: Query) -> None:
    query.delete()


@dataclass
class Preview:
    items: list[Item]
    total: int
    scanned: int
    days: int


def query_preview(*, workspace: Workspace, text: str, limit: int = 20,
                  days: int = PREVIEW_DAYS) -> Preview:
    """What the query would have found in the stored items of the last ``days``."""
    from smmdesk.listening.query.matcher import Matcher

    matcher = Matcher([("q", _parsed(text))])
    since = timezone.now() - timedelta(days=days)
    rows = (Item.objects.filter(workspace=workspace, published_at__gte=since)
            .select_related("source").order_by("-published_at")[:PREVIEW_SCAN])
    found, total, scanned = [], 0, 0
    for item in rows:
        scanned += 1
        if matcher.match(item_text(item), language=item.language, source=item.source.kind,
                         author=item.author_id, published_at=item.published_at):
            total += 1
            if len(found) < limit:
                found.append(item)
    return Preview(found, total, scanned, days)


def item_text(item: Item) -> str:
    return f"{item.title}\n{item.text}" if item.title and item.title not in item.text else (
        item.text or item.title)


# ------------------------------------------------------------------ mentions


def mention_set_status(*, workspace: Workspace, mentions, status: str) -> int:
    if status not in MessageStatus.values:
        raise InvalidInput(_("Unknown status."), code="invalid_status")
    return Mention.objects.filter(workspace=workspace,
                                  pk__in=[m.pk for m in mentions]).update(status=status)


def mention_assign(*, workspace: Workspace, mentions, user_id: int | None) -> int:
    if user_id is not None and not Membership.objects.filter(workspace=workspace,
                                                             user_id=user_id).exists():
        raise InvalidInput(_("That person is not a member of this workspace."),
                           code="not_a_member")
    qs = Mention.objects.filter(workspace=workspace, pk__in=[m.pk for m in mentions])
    if user_id is not None:
        qs.filter(status=MessageStatus.NEW).update(status=MessageStatus.IN_PROGRESS)
    return qs.update(assignee_id=user_id)


def mention_label(*, workspace: Workspace, mentions, name: str, add: bool = True):
    label = label_get(workspace=workspace, name=name)
    for m in mentions:
        (m.labels.add if add else m.labels.remove)(label)
    return label


def reply_channels(mention: Mention) -> list:
    """Our channels that can answer this mention where it was written: the same network,
    a connector that replies, and a reference the connector understands."""
    from smmdesk.channels.selectors import channels_that_reply

    item = mention.item
    if not item.network or not item.reply_ref:
        return []
    return channels_that_reply(workspace=mention.workspace, kind=item.network)


@transaction.atomic
def mention_reply(*, mention: Mention, channel_id: int, text: str, user: User) -> Mention:
    """Queue the answer: the outbox sends it through our connector after commit (a network
    call never runs inside a transaction) and the mention shows "sending" until then."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Write the answer first."), code="empty_reply")
    if channel_id not in {c.pk for c in reply_channels(mention)}:
        raise InvalidInput(_("None of your channels can answer there: open the original "
                             "and answer on the network."), code="cannot_reply")
    if mention.reply_state in ("sending", "sent"):
        raise InvalidInput(_("This mention is already answered."), code="already_answered")
    Mention.objects.filter(pk=mention.pk).update(
        reply_text=text, reply_channel_id=channel_id, reply_state="sending", reply_error="",
        replied_by=user)
    outbox_enqueue(kind="listening_reply", workspace=mention.workspace,
                   payload={"mention": mention.pk},
                   dedupe_key=f"listening_reply:{mention.pk}:{timezone.now().timestamp()}")
    mention.refresh_from_db()
    return mention
