"""Who the audience is, for a workspace or some of its channels, over a period compared
with the previous one: follower growth, the people who write (new and returning), their
languages and sentiment, the most active of them, and what they ask and object to.

Reads channel snapshots through analytics/dashboard.py and the inbox only through
inbox/selectors.py. A commenter is *new* when their first message ever (in these
channels) falls inside the period, *returning* when they wrote before it too.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import regex
from django.utils import timezone

from smmdesk.accounts.models import Workspace
from smmdesk.analytics import metrics
from smmdesk.analytics.dashboard import (
    Period,
    _channel_days,
    _followers_series,
    _sum,
    channels_for,
)
from smmdesk.channels.models import Channel
from smmdesk.inbox.selectors import (
    Commenter,
    IntentMessage,
    commenter_days,
    commenter_last_texts,
    commenter_list,
    intent_messages,
    message_shares,
)
from smmdesk.nlp.normalize import EMAIL, PHONE, URL

TOP_COMMENTERS = 10
TOP_GROUPS = 10
SIMILAR = 0.5  # Dice coefficient of two messages' key stems that puts them in one group
STEM = 5  # a word's key is its first letters: "доставка", "доставку" → "доста"

# Words that say nothing of the topic, in en, ru, uk and be (question words included:
# every message here is a question or an objection already).
STOPWORDS = frozenset("""
the and for are you your yours our ours this that these those with from have has had was
were will would can could should what when where which who whom why how much many any
some there here not but all just about into out its it's i'm don't can't isn't does did
also very too than then them they their please still yet again one get got may
without with but
что как где когда какой какая какие каким почему зачем сколько это этот эта эти
для или уже еще ещё вас вам ваш ваша ваши нас нам наш его она они был была было были
без при про над под через после перед тоже также даже если чтобы меня мне вот ещё
будет можно нужно есть нет так там тут все всё только очень тоже почему чем кто
що як де коли який яка які чому навіщо скільки цей ця ці для або вже ще вас вам ваш
ваша ваші нас нам наш його вона вони був була було були буде можна треба є немає так
там тут всі все лише тільки дуже теж хто чи без при про над під через після перед
також навіть якщо щоб мене мені ось щось
што як дзе калі які якая якія чаму навошта колькі гэта гэты гэтая гэтыя для або ўжо
яшчэ вас вам ваш ваша вашы нас нам наш яго яна яны быў была было былі будзе можна
трэба ёсць няма так там тут усе ўсё толькі вельмі таксама хто ці без пры пра над пад
праз пасля перад нават калі каб мяне мне вось штосьці
""".split())
_WORD = regex.compile(r"\p{L}[\p{L}'’ʼ]*")


def key_words(text: str) -> list[tuple[str, str]]:
    """(key, word) for each word of ``text`` that names its topic: lower case, without
    links, addresses, phones, digits, punctuation and emoji; stop words and words
    shorter than three letters dropped; the key is the word's first STEM letters."""
    t = unicodedata.normalize("NFKC", text)
    t = PHONE.sub(" ", URL.sub(" ", EMAIL.sub(" ", t)))
    out = []
    for word in _WORD.findall(t):
        low = word.lower().replace("ё", "е").replace("’", "'").replace("ʼ", "'")
        if len(low) >= 3 and low not in STOPWORDS:
            out.append((low[:STEM], word.strip("'’ʼ")))
    return out


@dataclass
class Group:
    """Similar questions (or objections): how many, one that stands for them, and the
    word to find them by in the inbox."""

    intent: str
    keys: frozenset
    messages: list[IntentMessage] = field(default_factory=list)
    words: Counter = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return len(self.messages)

    @property
    def languages(self) -> list[str]:
        return sorted({m.language for m in self.messages if m.language})

    @property
    def last_at(self) -> datetime:
        return max(m.created_at for m in self.messages)

    @property
    def search(self) -> str:
        """The word most of the group's messages share, as most of them write it."""
        stems = Counter(k for m in self.messages for k in {k for k, _w in key_words(m.text)})
        if not stems:
            return ""
        top = min(stems, key=lambda k: (-stems[k], -len(k), k))
        forms = Counter(w for m in self.messages for k, w in key_words(m.text) if k == top)
        return min(forms, key=lambda w: (-forms[w], w))

    @property
    def example(self) -> IntentMessage:
        """The message with the most of the group's common keys, the shortest on a tie."""
        common = Counter(k for m in self.messages for k in {k for k, _w in key_words(m.text)})

        def score(m):
            return (-sum(common[k] for k in {k for k, _w in key_words(m.text)}),
                    len(m.text), m.pk)
        return min(self.messages, key=score)


def _dice(a: frozenset, b: frozenset) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 1.0


def group_similar(messages: list[IntentMessage]) -> list[Group]:
    """Messages in groups of similar ones, biggest first (then the latest first). Each
    message joins the group of the same intent whose first message's keys are most like
    its own (Dice ≥ SIMILAR), else starts one; messages with no key words group by
    their normalised text. Deterministic for the same messages."""
    groups: list[Group] = []
    for m in messages:
        keys = frozenset(k for k, _w in key_words(m.text)) or frozenset(
            {"=" + " ".join(_WORD.findall(m.text.lower()))})
        best = max((g for g in groups if g.intent == m.intent),
                   key=lambda g: _dice(keys, g.keys), default=None)
        if best is None or _dice(keys, best.keys) < SIMILAR:
            best = Group(intent=m.intent, keys=keys)
            groups.append(best)
        best.messages.append(m)
    groups.sort(key=lambda g: (-g.count, -g.last_at.timestamp(), g.messages[0].pk))
    return groups


# --- what the page shows -------------------------------------------------------------

@dataclass
class Week:
    start: date  # Monday of the week, or the period's first day
    new: int
    returning: int


@dataclass
class Commenters:
    total: int
    new: int
    returning: int

    @property
    def returning_share(self) -> float | None:
        return metrics.ratio(self.returning, self.total)


@dataclass
class Audience:
    period: Period
    previous: Period
    channels: list[Channel]
    followers: list[tuple[date, int | None, int | None]]  # day, followers, change that day
    growth: int | None
    previous_growth: int | None
    commenters: Commenters
    previous_commenters: Commenters
    languages: dict[str, int]  # code → messages
    sentiment: dict[str, int]  # label (or "uncertain") → messages
    weeks: list[Week]
    top: list[Commenter]  # names and last texts: only ``with_texts``
    questions: list[Group]  # only ``with_texts``
    objections: list[Group]  # only ``with_texts``
    question_count: int
    objection_count: int
    with_texts: bool

    @property
    def has_messages(self) -> bool:
        return self.commenters.total > 0

    @property
    def has_followers(self) -> bool:
        return any(f is not None for _d, f, _c in self.followers)


def _followers(ids: list[int], period: Period) -> list[tuple[date, int | None, int | None]]:
    """(day, followers, change from the day before) for each day of ``period``."""
    wider = Period(period.start - timedelta(days=1), period.end)
    series = _followers_series(ids, wider, _channel_days(ids, wider))
    out, before = [], _sum(series[c][wider.start] for c in ids)
    for day in period.dates():
        value = _sum(series[c][day] for c in ids)
        out.append((day, value, metrics.follower_growth(start=before, end=value)))
        before = value
    return out


def _growth(rows) -> int | None:
    return metrics.follower_growth(start=rows[0][1], end=rows[-1][1]) if rows else None


def _split(people: list[Commenter], since: datetime) -> Commenters:
    returning = sum(c.returning(since) for c in people)
    return Commenters(total=len(people), new=len(people) - returning, returning=returning)


def _weeks(workspace: Workspace, period: Period, people: list[Commenter],
           since: datetime, until: datetime, channel_ids) -> list[Week]:
    """Per calendar week of the period: people who wrote that week for the first time
    ever (new) and those who had written before (returning)."""
    tz = workspace.tz
    first = {c.author_id: c.first_at for c in people}

    def week_of(at: datetime) -> date:
        day = timezone.localtime(at, tz).date()
        return max(period.start, day - timedelta(days=day.weekday()))

    seen: dict[date, set[int]] = {}
    for author_id, at in commenter_days(workspace=workspace, since=since, until=until,
                                        channel_ids=channel_ids):
        seen.setdefault(week_of(at), set()).add(author_id)
    starts = sorted({week_of(datetime.combine(d, datetime.min.time(), tzinfo=tz))
                     for d in period.dates()})
    out = []
    for start in starts:
        people_then = seen.get(start, set())
        new = sum(1 for a in people_then
                  if first[a] >= since and week_of(first[a]) == start)
        out.append(Week(start=start, new=new, returning=len(people_then) - new))
    return out


def audience_get(*, workspace: Workspace, period: Period, channel_ids=None,
                 with_texts: bool = True) -> Audience:
    """The audience of ``period`` against the previous period of the same length;
    ``with_texts=False`` (a client) leaves out names and message texts: counts only."""
    channels = [c for c in channels_for(workspace=workspace)
                if not channel_ids or c.pk in set(channel_ids)]
    ids = [c.pk for c in channels]
    since, until = period.bounds(workspace.tz)
    psince, _puntil = period.previous().bounds(workspace.tz)
    people = commenter_list(workspace=workspace, since=since, until=until,
                            channel_ids=channel_ids)
    before = commenter_list(workspace=workspace, since=psince, until=since,
                            channel_ids=channel_ids)
    shares = message_shares(workspace=workspace, since=since, until=until,
                            channel_ids=channel_ids)
    asked = intent_messages(workspace=workspace, since=since, until=until,
                            channel_ids=channel_ids)
    followers = _followers(ids, period)
    top = people[:TOP_COMMENTERS] if with_texts else []
    if top:
        commenter_last_texts(workspace=workspace, commenters=top, since=since, until=until,
                             channel_ids=channel_ids)
    groups = group_similar(asked) if with_texts else []
    return Audience(
        period=period, previous=period.previous(), channels=channels, followers=followers,
        growth=_growth(followers), previous_growth=_growth(_followers(ids, period.previous())),
        commenters=_split(people, since), previous_commenters=_split(before, psince),
        languages=shares["language"], sentiment=shares["sentiment"],
        weeks=_weeks(workspace, period, people, since, until, channel_ids), top=top,
        questions=[g for g in groups if g.intent == "question"][:TOP_GROUPS],
        objections=[g for g in groups if g.intent == "complaint"][:TOP_GROUPS],
        question_count=sum(m.intent == "question" for m in asked),
        objection_count=sum(m.intent == "complaint" for m in asked),
        with_texts=with_texts)
