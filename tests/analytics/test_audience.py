"""The audience page's numbers from hand-made messages (Europe/Kyiv, period 1–7 December
2026 against 24–30 November)."""

from __future__ import annotations

from datetime import date

import pytest

from smmdesk.analytics.audience import audience_get, group_similar, key_words
from smmdesk.analytics.dashboard import Period
from smmdesk.inbox.models import Author, Message, MessageStatus
from smmdesk.inbox.selectors import IntentMessage
from tests.analytics.dash_history import PERIOD, at, day_snapshot
from tests.analytics.history import connect

_n = iter(range(1, 10_000))


def write(channel, who: str, when, text: str = "hello", *, language="en",
          sentiment="neutral", intent="other", confidence=None, **extra) -> Message:
    author, _ = Author.objects.get_or_create(workspace=channel.workspace, network="sandbox",
                                             network_id=who, defaults={"name": who.title()})
    return Message.objects.create(
        workspace=channel.workspace, channel=channel, external_id=f"m{next(_n)}",
        author=author, text=text, created_at=when, language=language, sentiment=sentiment,
        intent=intent, confidence=confidence or {}, **extra)


@pytest.fixture
def channel(workspace, owner):
    """Anna wrote in October and twice in the period (returning); Bohdan twice in the
    period, first time ever (new); Vira once in the period (new) and once in the previous
    one; Mallory's spam and our own reply do not count."""
    ch = connect(workspace, owner)
    write(ch, "anna", at(10, month=10), "first visit")
    write(ch, "anna", at(2), "Як доставка до Львова?", language="uk", intent="question")
    write(ch, "anna", at(6), "Дуже смачно", language="uk", sentiment="positive")
    write(ch, "bohdan", at(3), "The coffee was cold", sentiment="negative",
          intent="complaint")
    write(ch, "bohdan", at(3, 15), "Still cold today", sentiment="negative",
          confidence={"sentiment": 0.2})
    write(ch, "vira", at(27, month=11), "hi")
    write(ch, "vira", at(5), "Сколько стоит доставка?", language="ru", intent="question")
    write(ch, "mallory", at(4), "buy followers", status=MessageStatus.SPAM)
    write(ch, "us", at(4), "thank you", by_us=True)
    day_snapshot(ch, date(2026, 11, 24), 900)
    day_snapshot(ch, date(2026, 11, 30), 950)
    day_snapshot(ch, date(2026, 12, 1), 1000)
    day_snapshot(ch, date(2026, 12, 7), 1100)
    return ch


def test_it_splits_new_and_returning_commenters(workspace, channel):
    a = audience_get(workspace=workspace, period=PERIOD)
    c = a.commenters
    assert (c.total, c.new, c.returning) == (3, 1, 2)  # Vira wrote on 27 Nov: returning
    assert c.returning_share == pytest.approx(200 / 3)
    p = a.previous_commenters
    assert (p.total, p.new, p.returning) == (1, 1, 0)
    # 1 Dec is a Tuesday: the first week is 1–6 Dec, then 7 Dec.
    assert [(w.start.day, w.new, w.returning) for w in a.weeks] == [(1, 1, 2), (7, 0, 0)]


def test_a_channel_filter_counts_only_its_messages(workspace, owner, channel):
    other = connect(workspace, owner, name="Other")
    write(other, "dmytro", at(2))
    assert audience_get(workspace=workspace, period=PERIOD).commenters.total == 4
    only = audience_get(workspace=workspace, period=PERIOD, channel_ids=[other.pk])
    assert (only.commenters.total, only.commenters.new) == (1, 1)
    assert [c.name for c in only.channels] == ["Other"]


def test_it_shares_languages_and_sentiment_with_uncertain_apart(workspace, channel):
    a = audience_get(workspace=workspace, period=PERIOD)
    assert a.languages == {"uk": 2, "en": 2, "ru": 1}
    assert a.sentiment == {"neutral": 2, "positive": 1, "negative": 1, "uncertain": 1}


def test_it_grows_followers_against_the_previous_period(workspace, channel):
    a = audience_get(workspace=workspace, period=PERIOD)
    assert (a.growth, a.previous_growth) == (100, 50)
    assert a.followers[0][1:] == (1000, 50)  # from 950 on 30 Nov
    assert a.followers[-1][1:] == (1100, 100)
    assert a.followers[3][1:] == (1000, 0)  # carried over a day without a reading


def test_the_most_active_come_first_with_their_mix(workspace, channel):
    top = audience_get(workspace=workspace, period=PERIOD).top
    assert [(c.name, c.messages) for c in top] == [("Anna", 2), ("Bohdan", 2), ("Vira", 1)]
    assert top[1].sentiment == {"negative": 1, "uncertain": 1}
    assert top[0].last_text == "Дуже смачно" and top[0].network == "sandbox"


def test_questions_and_objections_are_grouped(workspace, channel):
    a = audience_get(workspace=workspace, period=PERIOD)
    assert a.question_count == 2 and a.objection_count == 1
    assert [g.count for g in a.questions] == [2]  # both ask about delivery (uk, ru)
    assert a.questions[0].search == "доставка"
    assert a.objections[0].example.text == "The coffee was cold"


def test_a_client_gets_counts_and_no_texts_or_names(workspace, channel):
    a = audience_get(workspace=workspace, period=PERIOD, with_texts=False)
    assert a.top == [] and a.questions == [] and a.objections == []
    assert a.question_count == 2 and a.commenters.total == 3
    assert "Anna" not in repr(a) and "доставка" not in repr(a)


def test_an_uncertain_intent_is_not_a_question(workspace, channel):
    write(channel, "gleb", at(4), "Where is my order?", intent="question",
          confidence={"intent": 0.1})
    assert audience_get(workspace=workspace, period=PERIOD).question_count == 2


def _q(pk: int, text: str, language: str) -> IntentMessage:
    return IntentMessage(pk=pk, intent="question", text=text, language=language,
                         created_at=at(1, 10 + pk % 12), channel_id=1)


@pytest.mark.parametrize("texts", [
    ("How much is delivery to Lviv?", "Delivery to Lviv, how much? 🚚", "delivery lviv!!"),
    ("Скільки коштує доставка до Львова?", "Доставка до Львова скільки коштує?",
     "доставку до Львова, скільки коштує?"),
    ("Колькі каштуе дастаўка ў Мінск?", "Дастаўка ў Мінск колькі каштуе?",
     "Ці ёсць дастаўка ў Мінск? Колькі каштуе"),
    ("Сколько стоит доставка в Минск?", "Доставка в Минск сколько стоит??",
     "А доставку в Минск сколько стоит?"),
])
def test_similar_questions_group_in_each_language(texts):
    others = [_q(10, "Do you have oat milk?", "en"), _q(11, "Есть ли у вас овсяное молоко?",
                                                        "ru")]
    groups = group_similar([_q(i, t, "x") for i, t in enumerate(texts)] + others)
    assert [g.count for g in groups] == [3, 1, 1]
    assert groups[0].search and groups[0].search.lower() in texts[0].lower()
    assert groups[0].example.text in texts


def test_grouping_is_deterministic_and_ignores_noise():
    assert key_words("Can't wait!!! 😍 https://x.example/a, +380 67 123 45 67") == [
        ("wait", "wait")]
    msgs = [_q(i, t, "en") for i, t in enumerate(
        ["Price of beans?", "beans price", "What time do you open?", "open time?", "???"])]
    first = [(g.count, g.example.pk) for g in group_similar(msgs)]
    assert first == [(g.count, g.example.pk) for g in group_similar(list(msgs))]
    assert sorted(c for c, _pk in first) == [1, 2, 2]


def test_a_period_without_messages_is_empty(workspace, owner):
    connect(workspace, owner)
    a = audience_get(workspace=workspace, period=Period(date(2026, 1, 1), date(2026, 1, 7)))
    assert not a.has_messages and not a.has_followers
    assert a.commenters.returning_share is None and a.weeks[0].new == 0
