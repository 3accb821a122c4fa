"""Who the audience is, for a workspace or some of its channels, over a period compared
with the previous one: follower growth, the people who write to us (new and returning),
the people who write about us elsewhere (mentions), their languages and sentiment week
by week, when they talk (weekday × hour), the most active of them, and what they ask and
object to.

Reads channel snapshots through analytics/dashboard.py, the inbox only through
inbox/selectors.py and listening only through ``listening.selectors.mention_authors``.
A commenter is *new* when their first message ever (in these channels) falls inside the
period, *returning* when they wrote before it too; a mention's author likewise by their
first mention ever (an author is a source kind and the source's id of them, else their
name there). Mentions belong to no channel: a channel filter leaves them whole.
A label the model was not sure of counts as "uncertain" (sentiment) or not at all
(intent), in the inbox and in mentions alike (nlp/actions.py).
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
    AUDIENCE_INTENTS,
    UNCERTAIN,
    Commenter,
    IntentMessage,
    commenter_days,
    commenter_last_texts,
    commenter_list,
    intent_messages,
    message_shares,
)
from smmdesk.listening.selectors import mention_authors
from smmdesk.nlp.actions import lowest_threshold
from smmdesk.nlp.normalize import EMAIL, PHONE, URL

TOP_COMMENTERS = 10
TOP_GROUPS = 10
TOP_SOURCES = 10
EXAMPLES = 3  # examples shown per group of questions or objections
SAID_LIMIT = 2000  # the latest questions and objections of each place that are grouped
INBOX, MENTION = "inbox", "mention"  # where a question or objection was said
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
class Said:
    """A question or an objection from the inbox or from a mention, as ``group_similar``
    takes it (the same attributes as an inbox ``IntentMessage``)."""

    pk: tuple[str, int]  # (where, its id): unique across the inbox and mentions
    intent: str
    text: str
    language: str
    created_at: datetime
    where: str  # INBOX or MENTION
    source: str = ""  # a mention's source name


def said_where(m) -> str:
    """Where a grouped message was said: INBOX (an inbox ``IntentMessage`` too) or
    MENTION."""
    return getattr(m, "where", INBOX)


@dataclass
class Group:
    """Similar questions (or objections): how many, one that stands for them, where they
    were said (the inbox, mentions) and the word to find them by."""

    intent: str
    keys: frozenset
    messages: list[IntentMessage] = field(default_factory=list)
    words: Counter = field(default_factory=Counter)
    ignore: frozenset = frozenset()  # keys that say nothing here (our own name)

    def _keys(self, text: str) -> list[tuple[str, str]]:
        return [(k, w) for k, w in key_words(text) if k not in self.ignore]

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
        stems = Counter(k for m in self.messages for k in {k for k, _w in self._keys(m.text)})
        if not stems:
            return ""
        top = min(stems, key=lambda k: (-stems[k], -len(k), k))
        forms = Counter(w for m in self.messages for k, w in self._keys(m.text) if k == top)
        return min(forms, key=lambda w: (-forms[w], w))

    @property
    def sources(self) -> dict[str, int]:
        """Where the group's messages were said: INBOX and/or MENTION → how many."""
        return dict(sorted(Counter(said_where(m) for m in self.messages).items()))

    def _ranked(self) -> list:
        """The messages, those with the most of the group's common keys first (then the
        shortest)."""
        common = Counter(k for m in self.messages for k in {k for k, _w in self._keys(m.text)})

        def score(m):
            return (-sum(common[k] for k in {k for k, _w in self._keys(m.text)}),
                    len(m.text), m.pk)
        return sorted(self.messages, key=score)

    @property
    def example(self) -> IntentMessage | Said:
        """The message with the most of the group's common keys, the shortest on a tie."""
        return self._ranked()[0]

    @property
    def examples(self) -> list:
        """Up to EXAMPLES messages with different texts, the best first, each place the
        group was said in (the inbox, mentions) among them."""
        ranked, seen, out = self._ranked(), set(), []
        for m in ranked:
            text = " ".join(m.text.lower().split())
            if text not in seen and len(out) < EXAMPLES:
                seen.add(text)
                out.append(m)
        for where in self.sources:
            if not any(said_where(m) == where for m in out):
                out[-1] = next(m for m in ranked if said_where(m) == where)
        return out


def _dice(a: frozenset, b: frozenset) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 1.0


def group_similar(messages: list[IntentMessage], *, ignore=frozenset()) -> list[Group]:
    """Messages in groups of similar ones, biggest first (then the latest first). Each
    message joins the group of the same intent whose first message's keys are most like
    its own (Dice ≥ SIMILAR), else starts one; messages with no key words group by
    their normalised text. Keys in ``ignore`` (our own name: every mention has it) do
    not count. Deterministic for the same messages."""
    groups: list[Group] = []
    ignore = frozenset(ignore)
    for m in messages:
        keys = frozenset(k for k, _w in key_words(m.text) if k not in ignore) or frozenset(
            {"=" + " ".join(_WORD.findall(m.text.lower()))})
        best = max((g for g in groups if g.intent == m.intent),
                   key=lambda g: _dice(keys, g.keys), default=None)
        if best is None or _dice(keys, best.keys) < SIMILAR:
            best = Group(intent=m.intent, keys=keys, ignore=ignore)
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
class Mentions:
    """What people wrote about us outside our pages in a period (listening's mentions):
    how many mentions, their distinct authors (new and returning), mentions whose source
    named no author, languages, sentiment and the sources that carried the most."""

    count: int = 0
    authors: Commenters = field(default_factory=lambda: Commenters(0, 0, 0))
    anonymous: int = 0
    languages: dict[str, int] = field(default_factory=dict)  # code → mentions
    sentiment: dict[str, int] = field(default_factory=dict)  # label (or "uncertain") → n
    sources: list[tuple[str, str, int]] = field(default_factory=list)  # name, kind, n


@dataclass
class MoodWeek:
    """One calendar week's sentiment (label, or "uncertain" → count), per place."""

    start: date  # Monday of the week, or the period's first day
    inbox: dict[str, int]
    mentions: dict[str, int]


def net_sentiment(sentiment: dict[str, int]) -> float | None:
    """(positive − negative) / (positive + neutral + negative) × 100, from −100 (all
    negative) to +100 (all positive); uncertain labels left out; None with none sure."""
    pos, neg = sentiment.get("positive", 0), sentiment.get("negative", 0)
    return metrics.ratio(pos - neg, pos + neg + sentiment.get("neutral", 0))


@dataclass
class ActiveHours:
    """When the audience talks: incoming messages (``inbox``) and mentions per weekday
    (0 = Monday) × hour (0–23) in the workspace's time zone."""

    inbox: list[list[int]] = field(default_factory=lambda: [[0] * 24 for _d in range(7)])
    mentions: list[list[int]] = field(default_factory=lambda: [[0] * 24 for _d in range(7)])

    def count(self, weekday: int, hour: int) -> int:
        return self.inbox[weekday][hour] + self.mentions[weekday][hour]

    @property
    def total(self) -> int:
        return sum(self.count(d, h) for d in range(7) for h in range(24))

    @property
    def most(self) -> int:
        return max(self.count(d, h) for d in range(7) for h in range(24))

    def busiest(self, limit: int = 3) -> list[tuple[int, int, int]]:
        """(weekday, hour, messages + mentions) of the ``limit`` busiest hours of the
        week, the busiest first (the earliest in the week on a tie); empty hours never."""
        cells = [(d, h, self.count(d, h)) for d in range(7) for h in range(24)]
        return sorted((c for c in cells if c[2]), key=lambda c: (-c[2], c[0], c[1]))[:limit]


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
    question_count: int  # inbox messages and mentions
    objection_count: int  # inbox messages and mentions
    with_texts: bool
    mentions: Mentions = field(default_factory=Mentions)
    previous_mentions: Mentions = field(default_factory=Mentions)
    previous_sentiment: dict[str, int] = field(default_factory=dict)  # the inbox's, before
    moods: list[MoodWeek] = field(default_factory=list)
    hours: ActiveHours = field(default_factory=ActiveHours)

    @property
    def has_messages(self) -> bool:
        return self.commenters.total > 0

    @property
    def has_mentions(self) -> bool:
        return self.mentions.count > 0

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


def _week_of(period: Period, tz):
    """The week a moment falls in: its Monday, or the period's first day."""
    def week_of(at: datetime) -> date:
        day = timezone.localtime(at, tz).date()
        return max(period.start, day - timedelta(days=day.weekday()))
    return week_of


def _week_starts(period: Period, tz) -> list[date]:
    week_of = _week_of(period, tz)
    return sorted({week_of(datetime.combine(d, datetime.min.time(), tzinfo=tz))
                   for d in period.dates()})


def _weeks(period: Period, tz, people: list[Commenter], since: datetime,
           days: list[tuple[int, datetime]]) -> list[Week]:
    """Per calendar week of the period: people who wrote that week for the first time
    ever (new) and those who had written before (returning)."""
    first = {c.author_id: c.first_at for c in people}
    week_of = _week_of(period, tz)
    seen: dict[date, set[int]] = {}
    for author_id, at in days:
        seen.setdefault(week_of(at), set()).add(author_id)
    out = []
    for start in _week_starts(period, tz):
        people_then = seen.get(start, set())
        new = sum(1 for a in people_then
                  if first[a] >= since and week_of(first[a]) == start)
        out.append(Week(start=start, new=new, returning=len(people_then) - new))
    return out


# --- mentions (listening) ------------------------------------------------------------

def _mood(row: dict) -> str:
    """A mention's sentiment as the inbox counts it: "uncertain" when the model was not
    sure, "" when it has none."""
    sure = (row["confidence"] or {}).get("sentiment")
    if row["sentiment"] and sure is not None and float(sure) < lowest_threshold():
        return UNCERTAIN
    return row["sentiment"]


def _intent_sure(row: dict) -> bool:
    sure = (row["confidence"] or {}).get("intent")
    return sure is None or float(sure) >= lowest_threshold()


def _mentions(rows: list[dict], since: datetime) -> Mentions:
    authors: dict[tuple[str, str], datetime] = {}
    for r in rows:
        if r["author_key"]:
            authors[(r["kind"], r["author_key"])] = r["first_at"] or r["published_at"]
    returning = sum(first < since for first in authors.values())
    sources = Counter((r["source"], r["kind"]) for r in rows)
    moods = Counter(_mood(r) for r in rows)
    moods.pop("", None)
    return Mentions(
        count=len(rows),
        authors=Commenters(total=len(authors), new=len(authors) - returning,
                           returning=returning),
        anonymous=sum(1 for r in rows if not r["author_key"]),
        languages=dict(Counter(r["language"] for r in rows if r["language"])),
        sentiment=dict(moods),
        sources=[(name, kind, n) for (name, kind), n in sorted(
            sources.items(), key=lambda x: (-x[1], x[0]))][:TOP_SOURCES])


def _said(rows: list[dict]) -> list[Said]:
    """The mentions that ask or object (the model sure of it, or a person set it), at
    most the SAID_LIMIT latest."""
    said = [Said(pk=(MENTION, r["id"]), intent=r["intent"], text=r["text"],
                 language=r["language"], created_at=r["published_at"], where=MENTION,
                 source=r["source"])
            for r in rows if r["intent"] in AUDIENCE_INTENTS and _intent_sure(r)]
    return said[-SAID_LIMIT:]


def _moods(workspace: Workspace, period: Period, until: datetime, rows: list[dict],
           channel_ids) -> list[MoodWeek]:
    """Sentiment per calendar week of the period, the inbox's and the mentions'."""
    tz = workspace.tz
    starts = _week_starts(period, tz)
    week_of = _week_of(period, tz)
    mentions: dict[date, Counter] = {start: Counter() for start in starts}
    for r in rows:
        mood = _mood(r)
        if mood:
            mentions[week_of(r["published_at"])][mood] += 1
    bounds = [datetime.combine(d, datetime.min.time(), tzinfo=tz) for d in starts] + [until]
    return [MoodWeek(start=start, mentions=dict(mentions[start]),
                     inbox=message_shares(workspace=workspace, since=bounds[i],
                                          until=bounds[i + 1],
                                          channel_ids=channel_ids)["sentiment"])
            for i, start in enumerate(starts)]


def _hours(tz, days: list[tuple[int, datetime]], rows: list[dict]) -> ActiveHours:
    hours = ActiveHours()
    for grid, times in ((hours.inbox, (at for _a, at in days)),
                        (hours.mentions, (r["published_at"] for r in rows))):
        for at in times:
            local = timezone.localtime(at, tz)
            grid[local.weekday()][local.hour] += 1
    return hours


def audience_get(*, workspace: Workspace, period: Period, channel_ids=None,
                 with_texts: bool = True) -> Audience:
    """The audience of ``period`` against the previous period of the same length;
    ``with_texts=False`` (a client) leaves out names and message texts: counts only."""
    channels = [c for c in channels_for(workspace=workspace)
                if not channel_ids or c.pk in set(channel_ids)]
    ids = [c.pk for c in channels]
    tz = workspace.tz
    since, until = period.bounds(tz)
    psince, _puntil = period.previous().bounds(tz)
    people = commenter_list(workspace=workspace, since=since, until=until,
                            channel_ids=channel_ids)
    before = commenter_list(workspace=workspace, since=psince, until=since,
                            channel_ids=channel_ids)
    shares = message_shares(workspace=workspace, since=since, until=until,
                            channel_ids=channel_ids)
    previous_shares = message_shares(workspace=workspace, since=psince, until=since,
                                     channel_ids=channel_ids)
    days = commenter_days(workspace=workspace, since=since, until=until,
                          channel_ids=channel_ids)
    asked = intent_messages(workspace=workspace, since=since, until=until,
                            channel_ids=channel_ids, limit=SAID_LIMIT)
    rows = mention_authors(workspace=workspace, since=since, until=until,
                           texts=AUDIENCE_INTENTS if with_texts else ())
    mentioned = _said(rows)
    followers = _followers(ids, period)
    top = people[:TOP_COMMENTERS] if with_texts else []
    if top:
        commenter_last_texts(workspace=workspace, commenters=top, since=since, until=until,
                             channel_ids=channel_ids)
    said = sorted([Said(pk=(INBOX, m.pk), intent=m.intent, text=m.text, language=m.language,
                        created_at=m.created_at, where=INBOX) for m in asked] + mentioned,
                  key=lambda m: (m.created_at, m.pk))
    # Our own name is in every mention (that is how they were found): not a topic.
    own = frozenset(k for k, _w in key_words(workspace.name))
    groups = group_similar(said, ignore=own) if with_texts else []
    return Audience(
        period=period, previous=period.previous(), channels=channels, followers=followers,
        growth=_growth(followers), previous_growth=_growth(_followers(ids, period.previous())),
        commenters=_split(people, since), previous_commenters=_split(before, psince),
        languages=shares["language"], sentiment=shares["sentiment"],
        weeks=_weeks(period, tz, people, since, days), top=top,
        questions=[g for g in groups if g.intent == "question"][:TOP_GROUPS],
        objections=[g for g in groups if g.intent == "complaint"][:TOP_GROUPS],
        question_count=sum(m.intent == "question" for m in said),
        objection_count=sum(m.intent == "complaint" for m in said),
        with_texts=with_texts,
        mentions=_mentions(rows, since),
        previous_mentions=_mentions(
            mention_authors(workspace=workspace, since=psince, until=since, texts=()), psince),
        previous_sentiment=previous_shares["sentiment"],
        moods=_moods(workspace, period, until, rows, channel_ids),
        hours=_hours(tz, days, rows))
