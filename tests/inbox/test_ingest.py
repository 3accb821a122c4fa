"""Taking messages in: what the model says is stored with each one, nothing is stored
twice, replies join their threads, authors are known once, comments find our posts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from smmdesk.channels.services import channel_connect
from smmdesk.inbox.ingest import IngestReport, ingest
from smmdesk.inbox.models import Author, Message, MessageKind, MessageStatus
from smmdesk.inbox.selectors import message_list, thread
from smmdesk.nlp.service import classify
from tests.inbox.conftest import COMPLAINT, PRAISE, PURCHASE, QUESTION, SPAM

pytestmark = pytest.mark.django_db

ENGLISH = "Great coffee, thank you so much!"


def stored(channel, external_id: str) -> Message:
    return Message.objects.get(channel=channel, external_id=external_id)


# ---------------------------------------------------------------- understanding


def test_a_batch_is_stored_with_language_sentiment_intent_and_toxicity(real_model, channel,
                                                                      item):
    """The real model: every stored message carries exactly what it says of the text."""
    texts = {"c1": COMPLAINT, "c2": PRAISE, "c3": QUESTION, "c4": PURCHASE, "c5": ENGLISH,
             "c6": SPAM}
    now = timezone.now()
    report = ingest([item(k, t, author=k) for k, t in texts.items()], now=now)
    assert (report.received, report.new, report.duplicates) == (6, 6, 0)
    predicted = dict(zip(texts, classify(list(texts.values())), strict=True))
    for external_id, text in texts.items():
        m, p = stored(channel, external_id), predicted[external_id]
        assert m.text == text and m.received_at == now and m.status == MessageStatus.NEW
        assert (m.language, m.sentiment, m.intent, m.toxic) == (
            p.language, p.sentiment, p.intent, p.toxic), text
        assert m.confidence == p.confidence and m.confidence
    # Texts no model should get wrong.
    assert (stored(channel, "c1").language, stored(channel, "c1").sentiment,
            stored(channel, "c1").intent) == ("uk", "negative", "complaint")
    assert (stored(channel, "c5").language, stored(channel, "c5").sentiment) == ("en",
                                                                              "positive")
    assert stored(channel, "c4").intent == "purchase"
    assert stored(channel, "c6").intent == "spam"


def test_our_own_answers_and_empty_texts_are_not_given_to_the_model(pinned, channel, item):
    ingest([item("c1", COMPLAINT), item("ours", "Вибачте, розберемося!", by_us=True),
            item("sticker", "   ", author="u2")])
    assert pinned.calls == [[COMPLAINT]]
    ours, sticker = stored(channel, "ours"), stored(channel, "sticker")
    assert ours.by_us and ours.status == MessageStatus.DONE
    assert (ours.sentiment, ours.intent, ours.priority) == ("", "", 0)
    assert sticker.status == MessageStatus.NEW and (sticker.language, sticker.intent) == ("",
                                                                                          "")
    assert stored(channel, "c1").sentiment == "negative"


def test_an_empty_batch_does_nothing(pinned):
    assert ingest([]) == IngestReport()
    assert pinned.calls == [] and not Message.objects.exists()


# ---------------------------------------------------------------- once only


def test_the_same_external_id_twice_in_one_batch_is_stored_once(pinned, channel, item):
    report = ingest([item("c1", QUESTION), item("c1", QUESTION + " (again)"),
                     item("", "no id, nothing to know it by")])
    assert (report.received, report.new, report.duplicates) == (3, 1, 2)
    assert list(Message.objects.values_list("external_id", "text")) == [("c1", QUESTION)]


def test_a_message_delivered_again_later_is_not_stored_or_read_again(pinned, channel, item):
    first = ingest([item("c1", COMPLAINT), item("c2", PRAISE, author="u2")])
    again = ingest([item("c2", PRAISE, author="u2"), item("c3", QUESTION, author="u3"),
                    item("c1", COMPLAINT)])
    assert (first.new, first.duplicates) == (2, 0)
    assert (again.received, again.new, again.duplicates) == (3, 1, 2)
    assert sorted(Message.objects.values_list("external_id", flat=True)) == ["c1", "c2",
                                                                            "c3"]
    assert pinned.calls == [[COMPLAINT, PRAISE], [QUESTION]]
    assert ingest([item("c3", QUESTION)]).new == 0 and len(pinned.calls) == 2


def test_the_same_id_on_another_channel_is_another_message(pinned, workspace, owner, channel,
                                                            item):
    minsk = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                            data={"name": "Minsk", "audience": "be"})
    report = ingest([item("1", QUESTION), item("1", QUESTION, on=minsk)])
    assert report.new == 2
    assert {m.channel_id for m in Message.objects.filter(external_id="1")} == {channel.pk,
                                                                             minsk.pk}


# ---------------------------------------------------------------- threads and order


def test_a_reply_joins_its_parent_in_the_same_batch_whatever_the_order(pinned, channel, item):
    ingest([item("r2", "І мені!", minutes_ago=1, author="u3", parent_external_id="r1"),
            item("r1", "Теж чекаю", minutes_ago=3, author="u2", parent_external_id="c1"),
            item("c1", COMPLAINT, minutes_ago=10),
            item("alone", QUESTION, minutes_ago=2, author="u4")])
    c1, r1, r2 = stored(channel, "c1"), stored(channel, "r1"), stored(channel, "r2")
    assert c1.parent is None and r1.parent == c1 and r2.parent == r1
    assert stored(channel, "alone").parent is None
    assert [m.external_id for m in thread(r2)] == ["c1", "r1", "r2"]


def test_a_reply_joins_a_parent_stored_in_an_earlier_batch(pinned, channel, item):
    ingest([item("c1", COMPLAINT, minutes_ago=30, post_external_id="p1")])
    ingest([item("ours", "Вибачте! Напишіть у директ", minutes_ago=20, by_us=True,
                 author="shop", post_external_id="p1", parent_external_id="c1"),
            item("r1", "Дякую, написала", minutes_ago=10, post_external_id="p1",
                 parent_external_id="ours")])
    c1, ours, r1 = stored(channel, "c1"), stored(channel, "ours"), stored(channel, "r1")
    assert ours.parent == c1 and r1.parent == ours
    assert [m.pk for m in c1.replies.all()] == [ours.pk]
    assert [m.external_id for m in thread(c1)] == ["c1", "ours", "r1"]


def test_a_reply_to_a_parent_from_another_channel_stays_unlinked(pinned, workspace, owner,
                                                                  channel, item):
    minsk = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                            data={"name": "Minsk", "audience": "be"})
    ingest([item("c1", COMPLAINT, on=minsk)])
    ingest([item("r1", "І в мене", parent_external_id="c1")])
    assert stored(channel, "r1").parent is None


def test_messages_are_stored_and_listed_by_their_time_on_the_network(pinned, workspace,
                                                                     channel, item):
    ingest([item("noon", "b", minutes_ago=60), item("dawn", "a", minutes_ago=300),
            item("now", "d", minutes_ago=1), item("morning", "c", minutes_ago=120)])
    by_pk = list(Message.objects.order_by("pk").values_list("external_id", flat=True))
    assert by_pk == ["dawn", "morning", "noon", "now"]  # taken in in the order they happened
    listed = [m.external_id for m in message_list(workspace=workspace)]
    assert listed == ["now", "noon", "morning", "dawn"]  # the stream: newest first


def test_a_direct_message_keeps_its_kind(pinned, channel, item):
    ingest([item("dm1", QUESTION, kind=MessageKind.MESSAGE),
            item("dm2", "Так, до Львова теж", kind=MessageKind.MESSAGE, by_us=True,
                 parent_external_id="dm1")])
    dm1 = stored(channel, "dm1")
    assert dm1.kind == MessageKind.MESSAGE and dm1.post_external_id == ""
    assert [m.external_id for m in thread(dm1)] == ["dm1", "dm2"]


# ---------------------------------------------------------------- authors


def test_authors_are_created_once_and_reused(pinned, workspace, owner, outsider, channel,
                                             item):
    start = timezone.now() - timedelta(hours=1)
    ingest([item("c1", COMPLAINT, author="olha", name="Olha Kovalenko"),
            item("c2", QUESTION, author="olha", name="Olha Kovalenko"),
            item("c3", PRAISE, author="taras", name="Taras")], now=start)
    assert Author.objects.filter(workspace=workspace).count() == 2
    olha = Author.objects.get(workspace=workspace, network_id="olha")
    assert (olha.network, olha.name, olha.first_seen, olha.last_seen) == (
        "sandbox", "Olha Kovalenko", start, start)
    assert stored(channel, "c1").author == olha == stored(channel, "c2").author
    later = timezone.now()
    minsk = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                            data={"name": "Minsk", "audience": "be"})
    ingest([item("c4", "Знову я", author="olha"), item("m1", "I з Мінска", author="olha",
                                                       on=minsk)], now=later)
    assert Author.objects.filter(workspace=workspace).count() == 2
    olha.refresh_from_db()
    assert (olha.first_seen, olha.last_seen) == (start, later)
    assert stored(channel, "c4").author_id == olha.pk == stored(minsk, "m1").author_id
    assert Author.objects.get(network_id="taras").last_seen == start  # not seen again
    # Another workspace knows the same person separately.
    theirs = outsider.memberships.get().workspace
    foreign = channel_connect(workspace=theirs, kind="sandbox", actor=outsider,
                              data={"name": "Theirs"})
    ingest([item("f1", QUESTION, author="olha", on=foreign)])
    assert Author.objects.filter(network_id="olha").count() == 2
    assert stored(foreign, "f1").author.workspace == theirs


def test_an_author_is_known_by_handle_or_else_as_unknown(pinned, channel, item):
    ingest([item("c1", QUESTION, author="", author_handle="@olha"),
            item("c2", PRAISE, author="", author_handle="@olha"),
            item("c3", "хто я?", author="", name="")])
    olha = stored(channel, "c1").author
    assert (olha.network_id, olha.handle) == ("@olha", "@olha")
    assert stored(channel, "c2").author == olha
    assert stored(channel, "c3").author.network_id == "unknown"


def test_seeing_an_author_on_one_network_does_not_touch_a_namesake_on_another(
        pinned, workspace, channel, item):
    long_ago = timezone.now() - timedelta(days=90)
    namesake = Author.objects.create(workspace=workspace, network="telegram", network_id="olha",
                                     name="Olha from Telegram", first_seen=long_ago,
                                     last_seen=long_ago)
    ingest([item("c1", QUESTION, author="olha", name="Olha Kovalenko")])
    sandbox_olha = stored(channel, "c1").author
    assert sandbox_olha != namesake and sandbox_olha.network == "sandbox"
    assert sandbox_olha.name == "Olha Kovalenko"
    namesake.refresh_from_db()
    assert namesake.last_seen == long_ago


# ---------------------------------------------------------------- our posts


def test_a_comment_on_a_post_we_published_is_linked_to_it(pinned, workspace, owner, channel,
                                                          item, published):
    pub, remote = published
    minsk = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                            data={"name": "Minsk", "audience": "be"})
    ingest([item("c1", QUESTION, post_external_id=str(remote.pk)),
            item("c2", PRAISE, post_external_id="someone-elses-post"),
            item("c3", COMPLAINT),
            item("m1", QUESTION, on=minsk, post_external_id=str(remote.pk))])
    c1 = stored(channel, "c1")
    assert c1.publication == pub and c1.post_external_id == str(remote.pk)
    assert list(pub.messages.all()) == [c1]
    assert stored(channel, "c2").publication is None and stored(channel, "c3").publication \
        is None
    assert stored(minsk, "m1").publication is None  # the same id on another network's feed


@pytest.mark.parametrize("together", [True, False])
def test_a_reply_without_its_post_belongs_to_the_parents_post(pinned, channel, item,
                                                               published, together):
    pub, remote = published
    parent = item("c1", QUESTION, minutes_ago=10, post_external_id=str(remote.pk))
    reply = item("c2", PRAISE, author="u2", parent_external_id="c1")
    stray = item("c3", COMPLAINT, author="u3", parent_external_id="not-here")
    if together:
        ingest([reply, parent, stray])
    else:
        ingest([parent])
        ingest([reply, stray])
    c2 = stored(channel, "c2")
    assert c2.parent == stored(channel, "c1")
    assert c2.post_external_id == str(remote.pk) and c2.publication == pub
    c3 = stored(channel, "c3")
    assert c3.parent is None and c3.post_external_id == "" and c3.publication is None
