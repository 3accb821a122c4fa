"""What people do in the inbox: answer, sort, assign, correct, write rules."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from smmdesk.accounts.models import Membership, User, Workspace
from smmdesk.analytics.conversions import conversion_for_lead_sync
from smmdesk.inbox.ingest import priority, wants_lead
from smmdesk.inbox.models import (
    Author,
    InboxSettings,
    InboxSort,
    InboxVisit,
    Label,
    Lead,
    LeadStatus,
    Message,
    MessageStatus,
    Rule,
    SavedReply,
)
from smmdesk.inbox.rules import Matcher, clean_actions, clean_conditions, rule_gate
from smmdesk.lib.crypto import encrypt_json
from smmdesk.lib.errors import InvalidInput
from smmdesk.nlp.actions import confidence_confirmed
from smmdesk.nlp.model import INTENTS, LANGUAGES, SENTIMENTS
from smmdesk.nlp.models import Correction
from smmdesk.nlp.service import correction_add

DRY_RUN_DAYS = 30
# A look at the inbox this long after the previous one starts a new visit: what arrived
# since the previous one is "new" until the visit after it.
VISIT_GAP = timedelta(minutes=30)


def message_set_status(*, messages, status: str) -> int:
    if status not in MessageStatus.values:
        raise InvalidInput(_("Unknown status."), code="invalid_status")
    now = timezone.now()
    fields = {"status": status}
    # Reopened: no longer resolved (resolution times would count the first closing).
    fields["resolved_at"] = now if status in (MessageStatus.DONE, MessageStatus.SPAM) else None
    return Message.objects.filter(pk__in=[m.pk for m in messages]).update(**fields)


def message_assign(*, workspace: Workspace, messages, user_id: int | None) -> int:
    """Give messages to a member (new ones become "in progress"), or take them back."""
    if user_id is not None and not Membership.objects.filter(workspace=workspace,
                                                             user_id=user_id).exists():
        raise InvalidInput(_("That person is not a member of this workspace."),
                           code="not_a_member")
    qs = Message.objects.filter(pk__in=[m.pk for m in messages], workspace=workspace)
    if user_id is not None:
        qs.filter(status=MessageStatus.NEW).update(status=MessageStatus.IN_PROGRESS)
    return qs.update(assignee_id=user_id)


def label_get(*, workspace: Workspace, name: str) -> Label:
    """The workspace's label of that name, made on first use (the inbox and listening's
    mentions share one set of labels)."""
    name = (name or "").strip()[:60]
    if not name:
        raise InvalidInput(_("A label needs a name."), code="name_required")
    return Label.objects.get_or_create(workspace=workspace, name=name)[0]


def message_label(*, workspace: Workspace, messages, name: str, add: bool = True) -> Label:
    label = label_get(workspace=workspace, name=name)
    for m in messages:
        (m.labels.add if add else m.labels.remove)(label)
    return label


@transaction.atomic
def message_correct(*, message: Message, user: User, language: str | None = None,
                    sentiment: str | None = None, intent: str | None = None,
                    toxic: bool | None = None) -> Correction:
    """A person knows better: keep the fix for the workspace's model and show it at once.
    The labels given (all four when none is) become sure, so smmdesk acts on them: the
    message is ranked again, and one who wants to buy becomes a lead."""
    checks = ((language, (*LANGUAGES, "other")), (sentiment, SENTIMENTS), (intent, INTENTS))
    for value, allowed in checks:
        if value is not None and value not in allowed:
            raise InvalidInput(_("Unknown label: %(value)s.") % {"value": value},
                               code="invalid_label")
    given = {k: v for k, v in (("language", language), ("sentiment", sentiment),
                               ("intent", intent), ("toxic", toxic)) if v is not None}
    for field, value in given.items():
        setattr(message, field, value)
    tasks = tuple(given) or ("language", "sentiment", "intent", "toxic")
    message.confidence = confidence_confirmed(confidence=message.confidence, tasks=tasks)
    message.priority = priority(message)
    message.save(update_fields=["language", "sentiment", "intent", "toxic", "confidence",
                                "priority"])
    if wants_lead(message):
        _lead_add(message)
    return correction_add(workspace=message.workspace, text=message.text,
                          language=message.language, sentiment=message.sentiment,
                          intent=message.intent, toxic=message.toxic, created_by=user,
                          tasks=tasks)


def _lead_add(message: Message) -> Lead:
    lead, _created = Lead.objects.get_or_create(message=message, defaults={
        "workspace": message.workspace, "channel": message.channel,
        "publication": message.publication, "author": message.author,
        "created_at": message.created_at})
    return lead


def author_update(*, author: Author, tags: list[str] | None = None,
                  note: str | None = None) -> Author:
    if tags is not None:
        author.tags = sorted({t.strip()[:40] for t in tags if t.strip()})
    if note is not None:
        author.note = note
    author.save(update_fields=["tags", "note"])
    return author


def saved_reply_save(*, workspace: Workspace, name: str, text: str, language: str = "",
                     for_intent: str = "", for_sentiment: str = "",
                     reply_id: int | None = None) -> SavedReply:
    if not name.strip() or not text.strip():
        raise InvalidInput(_("A saved reply needs a name and a text."), code="invalid_reply")
    reply = SavedReply(workspace=workspace) if reply_id is None else \
        SavedReply.objects.get(workspace=workspace, pk=reply_id)
    reply.name, reply.text, reply.language = name.strip()[:100], text.strip(), language
    reply.for_intent, reply.for_sentiment = for_intent, for_sentiment
    reply.save()
    return reply


def suggested_replies(message: Message) -> list[SavedReply]:
    """Saved replies for this case: its intent and sentiment, in its language first."""
    qs = SavedReply.objects.filter(workspace=message.workspace)
    scored = []
    for r in qs:
        score = (2 * (r.for_intent == message.intent) + (r.for_sentiment == message.sentiment)
                 + (r.language == message.language))
        if r.for_intent and r.for_intent != message.intent:
            continue
        if r.language and r.language != message.language:
            continue
        scored.append((score, r.name, r))
    return [r for _s, _n, r in sorted(scored, key=lambda x: (-x[0], x[1]))]


def rule_save(*, workspace: Workspace, name: str, conditions: dict, actions: list[dict],
              user: User | None, rule_id: int | None = None, enabled: bool = False,
              act_on_uncertain: bool = False) -> Rule:
    if not name.strip():
        raise InvalidInput(_("A rule needs a name."), code="name_required")
    rule = Rule(workspace=workspace, created_by=user) if rule_id is None else \
        Rule.objects.get(workspace=workspace, pk=rule_id)
    if rule_id is None:  # a new rule acts after the ones already there
        rule.position = Rule.objects.filter(workspace=workspace).count()
    rule.name, rule.enabled = name.strip()[:120], enabled
    rule.act_on_uncertain = act_on_uncertain
    rule.conditions, rule.actions = clean_conditions(conditions), clean_actions(actions)
    rule.save()
    return rule


def rule_dry_run(*, rule: Rule, days: int = DRY_RUN_DAYS) -> list[Message]:
    """What the rule would have matched in the last ``days`` days (nothing is changed);
    like the rule itself, it passes over labels the model is not sure of."""
    since = timezone.now() - timedelta(days=days)
    matcher = Matcher(rule.conditions, gate=rule_gate(rule))
    qs = (Message.objects.filter(workspace=rule.workspace, created_at__gte=since, by_us=False)
          .select_related("author", "channel").order_by("-created_at"))
    first_seen = {}
    matched = []
    for m in qs.iterator(chunk_size=2000):
        new_author = m.author_id is not None and _first_message(m, first_seen)
        if matcher.matches(m, new_author=new_author):
            matched.append(m)
    return matched


def _first_message(m: Message, cache: dict) -> bool:
    if m.author_id not in cache:
        cache[m.author_id] = (Message.objects.filter(author_id=m.author_id)
                              .order_by("created_at").values_list("pk", flat=True).first())
    return cache[m.author_id] == m.pk


def inbox_settings(workspace: Workspace) -> InboxSettings:
    settings, _created = InboxSettings.objects.get_or_create(workspace=workspace)
    return settings


def inbox_settings_save(*, workspace: Workspace, sla_minutes: int | None = None,
                        responsible_id: int | None = None, telegram_bot_token: str | None = None,
                        telegram_chat_id: str | None = None,
                        clear_responsible: bool = False) -> InboxSettings:
    """``clear_responsible``: nobody in particular, the owners and managers get alerts.
    A bot token with no chat id is refused; an empty token turns Telegram alerts off."""
    s = inbox_settings(workspace)
    if clear_responsible:
        s.responsible_id = None
    if telegram_bot_token and not (telegram_chat_id or "").strip():
        raise InvalidInput(_("Telegram alerts need the chat id as well as the bot token."),
                           code="chat_id_required")
    if sla_minutes is not None:
        if not 1 <= int(sla_minutes) <= 60 * 24 * 14:
            raise InvalidInput(_("Answer time is from 1 minute to 14 days."), code="invalid_sla")
        s.sla_minutes = int(sla_minutes)
    if responsible_id is not None:
        if not Membership.objects.filter(workspace=workspace, user_id=responsible_id).exists():
            raise InvalidInput(_("That person is not a member of this workspace."),
                               code="not_a_member")
        s.responsible_id = responsible_id
    if telegram_bot_token is not None or telegram_chat_id is not None:
        s.telegram_alerts_encrypted = encrypt_json(
            {"bot_token": telegram_bot_token.strip(), "chat_id": telegram_chat_id.strip()}) \
            if telegram_bot_token and telegram_chat_id else ""
    s.save()
    return s


def lead_set_status(*, lead: Lead, status: str, value=None, note: str | None = None) -> Lead:
    if status not in LeadStatus.values:
        raise InvalidInput(_("Unknown lead status."), code="invalid_status")
    lead.status = status
    if value not in (None, ""):
        lead.value = _money(value)
    if note is not None:
        lead.note = note
    lead.save(update_fields=["status", "value", "note"])
    # A won lead is a conversion (kind "lead", the lead's value); marked back, it is none.
    transaction.on_commit(lambda: conversion_for_lead_sync(lead=lead))
    return lead


def _money(value) -> Decimal:
    """A lead's value as typed by a person: "1 200,50" and "1200.5" are the same."""
    try:
        amount = Decimal(str(value).replace(" ", "").replace("\u00a0", "").replace(",", "."))
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or not 0 <= amount < 10 ** 10:
        raise InvalidInput(_("The value is a number, e.g. 1500 or 1500.50."),
                           code="invalid_value")
    return amount.quantize(Decimal("0.01"))


def rule_set_enabled(*, rule: Rule, enabled: bool) -> Rule:
    rule.enabled = enabled
    rule.save(update_fields=["enabled"])
    return rule


def rule_delete(*, rule: Rule) -> None:
    """The rule goes; what it did stays in the log (``RuleAction.rule`` becomes empty)."""
    rule.delete()


def rule_move(*, rule: Rule, up: bool) -> None:
    """Rules act in order: swap this one with its neighbour."""
    rules = list(Rule.objects.filter(workspace=rule.workspace))
    i = next(n for n, r in enumerate(rules) if r.pk == rule.pk)
    j = i - 1 if up else i + 1
    if not 0 <= j < len(rules):
        return
    rules[i], rules[j] = rules[j], rules[i]
    for position, r in enumerate(rules):
        if r.position != position:
            r.position = position
            r.save(update_fields=["position"])


def saved_reply_delete(*, reply: SavedReply) -> None:
    reply.delete()


def inbox_visit_record(*, workspace: Workspace, user: User, sort: str = "",
                       now=None) -> InboxVisit:
    """A look at the stream: keeps the order when ``sort`` names one, and moves the visit's
    start (``since``) to the previous look when that was more than VISIT_GAP ago."""
    now = now or timezone.now()
    visit, _created = InboxVisit.objects.get_or_create(workspace=workspace, user=user)
    if sort in InboxSort.values:
        visit.sort = sort
    if visit.seen_at is not None and now - visit.seen_at > VISIT_GAP:
        visit.since = visit.seen_at
    visit.seen_at = now
    visit.save(update_fields=["sort", "seen_at", "since"])
    return visit
