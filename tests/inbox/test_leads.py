"""Leads: someone who wants to buy becomes a lead, with the post and channel it came from."""

from __future__ import annotations

import pytest

from smmdesk.inbox.ingest import ingest
from smmdesk.inbox.models import Lead, LeadStatus, Message
from smmdesk.inbox.services import rule_save
from smmdesk.nlp.model import Prediction
from tests.inbox.conftest import INSULT, PRAISE, PURCHASE, QUESTION, SPAM

pytestmark = pytest.mark.django_db


def test_a_message_that_wants_to_buy_becomes_a_lead_with_its_post_and_channel(
        real_model, workspace, channel, item, published):
    """The real model reads the comment under our post."""
    pub, remote = published
    report = ingest([item("c1", PURCHASE, post_external_id=str(remote.pk)),
                     item("c2", PRAISE, author="u2", post_external_id=str(remote.pk)),
                     item("c3", QUESTION, author="u3", post_external_id=str(remote.pk))])
    m = Message.objects.get(external_id="c1")
    assert m.intent == "purchase" and m.priority == 2
    assert report.leads == 1
    lead = Lead.objects.get()
    assert (lead.workspace, lead.message, lead.channel, lead.publication, lead.author) == (
        workspace, m, channel, pub, m.author)
    assert lead.status == LeadStatus.NEW and lead.created_at == m.created_at
    assert list(pub.leads.all()) == [lead]


def test_the_same_message_never_makes_a_second_lead(pinned, channel, item):
    ingest([item("c1", PURCHASE), item("c1", PURCHASE)])
    again = ingest([item("c1", PURCHASE)])
    assert again.leads == 0 and again.duplicates == 1
    assert Lead.objects.count() == 1
    assert Lead.objects.get().message == Message.objects.get(external_id="c1")


def test_a_direct_message_lead_has_no_post(pinned, channel, item):
    ingest([item("dm1", PURCHASE, kind="message")])
    lead = Lead.objects.get()
    assert lead.publication is None and lead.channel == channel


def test_no_lead_from_a_rude_buyer_spam_or_our_own_words(pinned, workspace, owner, channel,
                                                         item):
    pinned.table["Купуйте у нас дешевше: spam.shop"] = Prediction("uk", "neutral",
                                                                  "purchase", False)
    rule_save(workspace=workspace, name="Shops", user=owner, enabled=True,
              conditions={"keywords": ["spam.shop"]},
              actions=[{"do": "status", "status": "spam"}])
    report = ingest([item("c1", INSULT), item("c2", SPAM, author="u2"),
                     item("c3", "Купуйте у нас дешевше: spam.shop", author="u3"),
                     item("ours", PURCHASE, by_us=True, author="shop")])
    assert Message.objects.get(external_id="c3").status == "spam"
    assert report.leads == 0 and not Lead.objects.exists()
