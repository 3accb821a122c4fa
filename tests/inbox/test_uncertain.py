"""Knowing when we do not know: the inbox does not act on labels the model is unsure of
(no pinning, no alert, no lead, no rule acting unless it is told to), and a person's
correction makes them sure, so it acts then."""

from __future__ import annotations

import pytest

from smmdesk.inbox.ingest import ingest
from smmdesk.inbox.models import Label, Lead, Message, RuleAction
from smmdesk.inbox.services import message_correct, rule_dry_run, rule_save
from smmdesk.nlp.model import Prediction
from smmdesk.nlp.models import Correction
from smmdesk.team.models import Notification
from tests.inbox.conftest import COMPLAINT, PURCHASE, SPAM

pytestmark = pytest.mark.django_db

VAGUE = "Ну таке. Чекала більшого, якщо чесно"
MAYBE_BUY = "А на вихідних у вас ще буде той бленд?"
MAYBE_SPAM = "Заходьте до мене в профіль, там цікаво"
THRESHOLDS = {"pin": 0.7, "alert": 0.8, "lead": 0.7, "hide": 0.85, "rule": 0.7}


@pytest.fixture(autouse=True)
def thresholds(settings):
    settings.SMMDESK_NLP_THRESHOLDS = dict(THRESHOLDS)


def sure(*labels, sentiment=0.95, intent=0.95, toxic=0.95) -> Prediction:
    return Prediction(*labels, {"language": 0.99, "sentiment": sentiment, "intent": intent,
                                "toxic": toxic})


def take(item, *texts: str) -> list[Message]:
    ingest([item(f"c{n}", t, author=f"u{n}") for n, t in enumerate(texts)])
    return [Message.objects.get(external_id=f"c{n}") for n in range(len(texts))]


def test_an_uncertain_complaint_is_neither_pinned_nor_alerted(pinned, workspace, channel,
                                                               item):
    pinned.table[VAGUE] = sure("uk", "negative", "complaint", False, intent=0.55)
    pinned.table[COMPLAINT] = sure("uk", "negative", "complaint", False)
    vague, complaint = take(item, VAGUE, COMPLAINT)
    assert (vague.priority, complaint.priority) == (1, 3)  # ranked as any negative message
    assert {n.url for n in Notification.objects.all()} == \
        {f"/w/{workspace.slug}/inbox/{complaint.pk}/"}


def test_an_alert_needs_its_own_threshold_on_top_of_the_pinning(pinned, channel, item):
    pinned.table[VAGUE] = sure("uk", "negative", "complaint", False, sentiment=0.75)
    report = ingest([item("c1", VAGUE)])
    assert Message.objects.get().priority == 3 and report.alerts == 0
    assert not Notification.objects.exists()


def test_an_uncertain_buyer_makes_no_lead_until_a_person_says_so(pinned, owner, channel, item):
    pinned.table[MAYBE_BUY] = sure("uk", "neutral", "purchase", False, intent=0.6)
    pinned.table[PURCHASE] = sure("uk", "neutral", "purchase", False)
    maybe, buyer = take(item, MAYBE_BUY, PURCHASE)
    assert [lead.message for lead in Lead.objects.all()] == [buyer]
    assert (maybe.priority, buyer.priority) == (0, 2)

    message_correct(message=maybe, user=owner, intent="purchase")
    maybe.refresh_from_db()
    assert maybe.confidence["intent"] == 1.0 and maybe.priority == 2
    assert Lead.objects.filter(message=maybe).exists()
    assert Correction.objects.get().tasks == ["intent"]


def test_a_correction_makes_only_the_labels_set_sure_and_ranks_again(pinned, owner, channel,
                                                                     item):
    pinned.table[VAGUE] = sure("uk", "neutral", "question", False, sentiment=0.5, intent=0.5)
    (m,) = take(item, VAGUE)
    message_correct(message=m, user=owner, intent="complaint")
    m.refresh_from_db()
    assert (m.intent, m.sentiment, m.priority) == ("complaint", "neutral", 0)
    assert m.confidence["intent"] == 1.0 and m.confidence["sentiment"] == 0.5
    message_correct(message=m, user=owner, sentiment="negative")
    m.refresh_from_db()
    assert m.priority == 3 and m.confidence["sentiment"] == 1.0
    assert m.toxic is False and m.confidence["toxic"] == 0.95  # not touched


def rule(workspace, owner, actions, **extra):
    return rule_save(workspace=workspace, name="Spam", conditions={"intents": ["spam"]},
                     actions=actions, user=owner, enabled=True, **extra)


def test_a_rule_hides_only_what_smmdesk_is_sure_of(pinned, workspace, owner, channel, item):
    pinned.table[SPAM] = sure("en", "neutral", "spam", False)
    pinned.table[MAYBE_SPAM] = sure("uk", "neutral", "spam", False, intent=0.8)
    hide = rule(workspace, owner, [{"do": "hide"}])
    label = rule(workspace, owner, [{"do": "label", "label": "Spam?"}])
    spam, maybe = take(item, SPAM, MAYBE_SPAM)
    # 0.8: below what hiding needs (0.85), enough for a label (0.7)
    assert [a.message for a in RuleAction.objects.filter(rule=hide)] == [spam]
    assert set(Label.objects.get(name="Spam?").messages.all()) == {spam, maybe}
    assert rule_dry_run(rule=hide) == [spam]
    assert set(rule_dry_run(rule=label)) == {spam, maybe}


def test_a_rule_told_to_acts_on_uncertain_labels_too(pinned, workspace, owner, channel, item):
    pinned.table[MAYBE_SPAM] = sure("uk", "neutral", "spam", False, intent=0.3)
    bold = rule(workspace, owner, [{"do": "hide"}], act_on_uncertain=True)
    careful = rule(workspace, owner, [{"do": "label", "label": "Spam"}])
    assert bold.act_on_uncertain and not careful.act_on_uncertain
    (maybe,) = take(item, MAYBE_SPAM)
    assert [a.message for a in RuleAction.objects.filter(rule=bold)] == [maybe]
    assert not RuleAction.objects.filter(rule=careful).exists()
    assert rule_dry_run(rule=bold) == [maybe] and rule_dry_run(rule=careful) == []


def test_a_rule_on_other_conditions_ignores_how_sure_the_labels_are(pinned, workspace, owner,
                                                                   channel, item):
    pinned.table[MAYBE_SPAM] = sure("uk", "neutral", "spam", False, intent=0.3)
    rule_save(workspace=workspace, name="Profiles", conditions={"keywords": ["профіль"]},
              actions=[{"do": "hide"}], user=owner, enabled=True)
    take(item, MAYBE_SPAM)
    assert RuleAction.objects.count() == 1


def test_ingest_reads_as_the_workspace_taught_it_and_may_train(monkeypatch, workspace,
                                                               channel, item):
    asked = []

    def classify(texts, **kwargs):
        asked.append(kwargs)
        return [Prediction("uk", "neutral", "other", False) for _ in texts]

    monkeypatch.setattr("smmdesk.inbox.ingest.classify", classify)
    ingest([item("c1", "Привіт")])
    assert asked == [{"workspace": workspace, "may_train": True}]
