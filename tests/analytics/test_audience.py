"""The audience page's numbers from hand-made messages and mentions (Europe/Kyiv, period
1–7 December 2026 against 24–30 November)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from smmdesk.analytics.audience import Said, audience_get, group_similar, key_words, net_sentiment
from smmdesk.analytics.dashboard import Period
from smmdesk.inbox.models import Author, Message, MessageStatus
from smmdesk.inbox.selectors import IntentMessage
from smmdesk.listening.models import Item, Mention, Source
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


# --- mentions (listening): who writes about us elsewhere ---------------------------------

def mention(workspace, who: str, when, text: str = "Zerno", *, kind="mastodon",
            source="Fediverse", name=None, language="uk", sentiment="neutral",
            intent="other", confidence=None, status="new") -> Mention:
    """A mention by ``who`` (the source's id of the author; "" for none) on a source of
    ``kind``; ``name`` is the author's name there (``who`` titled unless given)."""
    src, _ = Source.objects.get_or_create(workspace=workspace, kind=kind, name=source)
    item = Item.objects.create(workspace=workspace, source=src, external_id=f"i{next(_n)}",
                               text=text, author=who.title() if name is None else name,
                               author_id=who, published_at=when)
    return Mention.objects.create(workspace=workspace, item=item, published_at=when,
                                  language=language, sentiment=sentiment, intent=intent,
                                  confidence=confidence or {}, status=status)


UTC = ZoneInfo("UTC")


@pytest.fixture
def mentions(workspace):
    """In the period: Olena on Mastodon (she wrote there in October too: returning) and on
    Bluesky (another network: a new author), Petro's question about delivery, an RSS
    article that names no author (a complaint), and the blogger Ira, known only by name,
    at 23:30 UTC on 1 Dec (01:30 on Wednesday 2 Dec in Kyiv), her tone uncertain; she
    wrote on 28 Nov too (the previous period). A spam mention does not count."""
    mention(workspace, "olena", at(20, month=10))
    mention(workspace, "olena", at(2), "Zerno is lovely", sentiment="positive")
    mention(workspace, "olena", at(3), "Zerno again", kind="bluesky", source="Bluesky search",
            language="en", sentiment="positive")
    mention(workspace, "petro", at(4), "Скільки коштує доставка до Львова?",
            intent="question")
    mention(workspace, "", at(5, 10), "Кава в Zerno холодна, жах", kind="rss",
            source="Coffee news", name="", sentiment="negative", intent="complaint")
    mention(workspace, "", at(28, month=11), "Zerno review", kind="webpage",
            source="Kyiv blog", name="Ira", language="ru")
    mention(workspace, "", datetime(2026, 12, 1, 23, 30, tzinfo=UTC), "Zerno, part two",
            kind="webpage", source="Kyiv blog", name="Ira", language="ru",
            sentiment="negative", confidence={"sentiment": 0.1})
    mention(workspace, "bot", at(3), "buy followers Zerno", status=MessageStatus.SPAM)


def test_mention_authors_are_new_or_returning_per_network(workspace, mentions):
    m = audience_get(workspace=workspace, period=PERIOD).mentions
    assert m.count == 5 and m.anonymous == 1  # the RSS article counts, as no person
    a = m.authors  # Olena twice (two networks), Petro, Ira (by her name)
    assert (a.total, a.new, a.returning) == (4, 2, 2)
    assert m.languages == {"uk": 3, "en": 1, "ru": 1}
    assert m.sentiment == {"positive": 2, "neutral": 1, "negative": 1, "uncertain": 1}
    assert m.sources == [("Fediverse", "mastodon", 2), ("Bluesky search", "bluesky", 1),
                         ("Coffee news", "rss", 1), ("Kyiv blog", "webpage", 1)]
    before = audience_get(workspace=workspace, period=PERIOD).previous_mentions
    assert (before.count, before.authors.total, before.authors.new) == (1, 1, 1)


def test_mentions_ignore_other_workspaces_and_the_channel_filter(workspace, owner, mentions,
                                                                 outsider):
    from smmdesk.accounts.models import Workspace

    theirs = Workspace.objects.exclude(pk=workspace.pk).get()
    mention(theirs, "olena", at(2))
    ch = connect(workspace, owner)
    assert audience_get(workspace=workspace, period=PERIOD,
                        channel_ids=[ch.pk]).mentions.count == 5


def test_sentiment_per_week_has_an_inbox_and_a_mentions_series(workspace, channel, mentions):
    moods = audience_get(workspace=workspace, period=PERIOD).moods
    assert [w.start.day for w in moods] == [1, 7]
    assert moods[0].inbox == {"neutral": 2, "positive": 1, "negative": 1, "uncertain": 1}
    assert moods[0].mentions == {"positive": 2, "neutral": 1, "negative": 1, "uncertain": 1}
    assert net_sentiment(moods[0].inbox) == 0  # (1 − 1) / 4
    assert net_sentiment(moods[0].mentions) == 25  # (2 − 1) / 4 × 100
    assert moods[1].inbox == {} and net_sentiment(moods[1].mentions) is None  # a gap


def test_active_hours_count_messages_and_mentions_in_the_workspace_time_zone(
        workspace, channel, mentions):
    # Sunday 6 Dec, 23:30 UTC is Monday 7 Dec, 01:30 in Kyiv.
    write(channel, "gleb", datetime(2026, 12, 6, 23, 30, tzinfo=UTC))
    h = audience_get(workspace=workspace, period=PERIOD).hours
    assert h.inbox[0][1] == 1 and h.inbox[6][23] == 0
    assert h.mentions[2][1] == 1 and h.mentions[1][23] == 0  # Ira: Wed 01:00, not Tue 23:00
    # Wednesday 12:00: Anna's message and Olena's mention; Thursday 12:00: Bohdan and Olena.
    assert (h.inbox[2][12], h.mentions[2][12], h.count(2, 12)) == (1, 1, 2)
    assert h.total == 6 + 5
    assert h.busiest() == [(2, 12, 2), (3, 12, 2), (0, 1, 1)]


def test_questions_and_objections_group_the_inbox_and_mentions_together(workspace, channel,
                                                                        mentions):
    mention(workspace, "sure_not", at(4), "Доставка до Львова є?", intent="question",
            confidence={"intent": 0.1})  # the model was not sure: not a question
    a = audience_get(workspace=workspace, period=PERIOD)
    assert (a.question_count, a.objection_count) == (3, 2)
    delivery = a.questions[0]
    assert delivery.count == 3 and delivery.sources == {"inbox": 2, "mention": 1}
    assert {m.where for m in delivery.examples} == {"inbox", "mention"}
    said = next(m for m in delivery.messages if m.where == "mention")
    assert said.text == "Скільки коштує доставка до Львова?" and said.source == "Fediverse"
    assert sorted((g.count, tuple(g.sources)) for g in a.objections) == [
        (1, ("inbox",)), (1, ("mention",))]


def test_a_group_shows_different_texts_and_each_place_among_its_examples():
    texts = ["Delivery to Lviv price?", "lviv delivery  price??", "Lviv delivery price??",
             "Price of delivery to Lviv?", "What price, delivery to Lviv?"]
    msgs = [Said(pk=("inbox", i), intent="question", text=t, language="en",
                 created_at=at(1, 10 + i), where="inbox") for i, t in enumerate(texts)]
    msgs.append(Said(pk=("mention", 1), intent="question", text="Lviv delivery?",
                     language="en", created_at=at(2), where="mention", source="Fediverse"))
    (group,) = group_similar(msgs)
    assert group.sources == {"inbox": 5, "mention": 1}
    examples = [m.text for m in group.examples]
    # All inbox texts share the three words: the shortest first, and the same question
    # twice shows once; the mention has fewer of the common words than any inbox message
    # but takes the last place, so both places are seen.
    assert examples == ["Lviv delivery price??", "Delivery to Lviv price?", "Lviv delivery?"]
    assert group.example.where == "inbox"


def test_a_client_gets_no_mention_texts(workspace, channel, mentions):
    a = audience_get(workspace=workspace, period=PERIOD, with_texts=False)
    assert a.mentions.count == 5 and (a.question_count, a.objection_count) == (3, 2)
    for private in ("Петро", "Petro", "Olena", "Ira", "холодна", "Скільки"):
        assert private not in repr(a)


def test_no_mentions_is_an_empty_mentions_side(workspace, channel):
    a = audience_get(workspace=workspace, period=PERIOD)
    assert not a.has_mentions and a.mentions.authors.total == 0 and a.mentions.sources == []
    assert a.hours.mentions == [[0] * 24 for _d in range(7)] and a.hours.total == 5


def test_our_own_name_does_not_group_or_name_a_group(workspace, channel):
    """Every mention names us (that is how it was found): "Zerno" is no topic."""
    mention(workspace, "a", at(2), "Zerno staff rude", intent="complaint", language="en")
    mention(workspace, "b", at(3), "Zerno cups dirty", intent="complaint", language="en")
    mention(workspace, "c", at(4), "zerno staff so rude!", intent="complaint", language="en")
    groups = audience_get(workspace=workspace, period=PERIOD).objections
    assert sorted((g.count, g.search) for g in groups) == [
        (1, "cold"), (1, "dirty"), (2, "staff")]  # "coffee" is in our name too
    # Without leaving our name out, "Zerno" would have joined the first two (Dice 0.5).
    said = [Said(pk=("mention", i), intent="complaint", text=t, language="en",
                 created_at=at(2), where="mention")
            for i, t in enumerate(["Zerno rude", "Zerno dirty"])]
    assert [g.count for g in group_similar(said)] == [2]
    assert [g.count for g in group_similar(said, ignore={"zerno"})] == [1, 1]
