"""Stories: items of the watched feeds grouped by what they tell.

An item joins an open story in one of two ways, tried in this order:

- **near-duplicate**: the same text reposted, with a line added or cut. Each item's
  text is a set of word 3-shingles (every word counts here, stop-words too) summarised
  by a bottom-k MinHash sketch (the ``SKETCH`` smallest 63-bit hashes). Two sketches
  estimate the Jaccard similarity J of the two sets; with the set sizes that gives the
  *containment* of the smaller set in the larger, and containment >= ``CONTAINMENT``
  joins, so "the original plus a subscribe line" and "the first paragraphs of it" are
  the same text. Texts of fewer than ``MIN_SHINGLES`` shingles never join this way.
- **same event, other words**: the title (or the first sentence) and the lead (first
  ``LEAD_WORDS`` words) become a TF-IDF vector over stop-word-free, lightly stemmed
  words (one ending cut; Cyrillic stems then cut to seven letters, so "Камчатке" and
  "Камчатки" meet). Names (capitalised words not opening a sentence, acronyms) and
  telling numbers ("7,4", "16%", "350", "22:00") weigh ``ENTITY_BOOST`` times more.
  The item joins the open story whose centroid gives the highest cosine, when::

      cosine + NAME_CREDIT * min(3, shared rare names) >= COSINE    (0.45, 0.1)
      and the words that are not names give >= CONTENT of the cosine (0.05)

  A name is rare when at most ``RARE_SHARE`` of the items seen (or ``RARE_MIN`` of
  them) use it. So a plain cosine of 0.45 joins, and 0.15 does with three shared rare
  names; two items that share a town but tell different things ("earthquake near
  Petropavlovsk", "dog sled race starts in Petropavlovsk") stay apart on ``CONTENT``.
  A story's names are taken where case says they are names; an item's capitalised
  words anywhere (a name opening a sentence) are looked up in them.

A story is open to an item published within ``window`` (48 h) of the story's last item
(or of its first, for an item that arrives late), so the same words a week later start a
new story. Languages are not separated and nothing is translated: a Ukrainian and a
Russian item meet only through the words (names, numbers) they write alike.

Incremental and restartable: :class:`StoryIndex` takes items one by one; each story
keeps a compact signature (its top terms, the sketches of up to ``MAX_SKETCHES`` of its
distinct wordings (the first item's first), first/last seen, hourly counts) that
:meth:`Story.signature` writes as JSON and :meth:`Story.from_signature` reads back, so
the index is rebuilt from stored open stories after a restart.

Speed: candidates come from inverted indexes (sketch value → stories, term → stories),
never from a scan of all open stories; the exact cosine is computed for the best
``CANDIDATES`` only (ranked by the cosine over the item's ``PROBE_TERMS`` heaviest
terms, a lower bound of the whole). Stories that closed (``window`` behind the newest
item) leave the indexes and wait in :meth:`StoryIndex.closed_take`. 10,000 items take
about 6-8 s on one core (tests/listening/test_stories.py has the generator).
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

import regex

from smmdesk.listening.query.text import WORD, normalize_word, tokens
from smmdesk.listening.trends import stopwords

WINDOW = timedelta(hours=48)
SHINGLE = 3  # words per shingle
SKETCH = 64  # hashes kept per sketch
MIN_SHINGLES = 8  # shorter texts never join as near-duplicates
CONTAINMENT = 0.6  # of the smaller text's shingles in the larger one
LEAD_WORDS = 60
TITLE_WEIGHT = 2.0
ENTITY_BOOST = 1.5
ITEM_TERMS = 40  # an item's vector keeps its heaviest terms
STORY_TERMS = 60  # a story's centroid keeps as many (twice that before pruning)
MAX_SKETCHES = 4
PROBE_TERMS = 12  # an item's heaviest terms look up candidate stories
CANDIDATES = 10
MIN_PARTIAL = 0.05  # the probe terms' part of the cosine a candidate needs to be checked
COSINE = 0.45  # joins with no shared rare name; each shared one (up to 3) takes off:
NAME_CREDIT = 0.1
CONTENT = 0.05  # the part of the cosine from words that are not names
HOT_TERM = 150  # a term in more open stories than this does not look up candidates
RARE_SHARE = 0.02
RARE_MIN = 5
HOT_POSTING = 500  # a sketch value in more stories than this is boilerplate: skipped
TITLE_CHARS = 200

_MASK = (1 << 63) - 1
_NOISE = regex.compile(r"(?i)\b(?:https?://|www\.)\S+|\bt\.me/\S+|[\w.+-]+@[\w-]+\.[\w.-]+"
                       r"|(?<![\p{L}\p{N}_])@[\p{L}\p{N}_]+")
_POSSESSIVE = regex.compile(r"(?<=\p{Latin})['’]s\b")
_SENTENCE_END = regex.compile(r"(?<=[.!?…])\s+|\n+")
_OPENS_SENTENCE = regex.compile(r"(?:^|[.!?…\n])[\s\"'«»“”„(\[—–-]*$")
_NUMBER = regex.compile(r"(?<![\p{L}\p{N}])(?:\d{1,2}:\d\d|\d+(?:[.,]\d+)?(?:\s?%)?)(?!\p{N})")
_YEAR = regex.compile(r"(?:19|20)\d\d")
_LETTER = regex.compile(r"\p{L}")
_CYRILLIC = regex.compile(r"\p{Cyrillic}")
# Endings cut from Cyrillic (ru, uk, be) and English words; the longest that fits is cut,
# and a stem keeps at least four letters.
_CYR_ENDINGS = sorted(set("""
иями ями ами ого его ому ему ыми ими ых их ий ый ой ая яя ое ее ую юю ом ем ам ям ах ях
ов ев ей ия ие ии ию иях ием
ові еві ів ій ої ою ею ім
ым ымі ыя ія ае аў яў ай ці
ся сь ть ла ли ло
а я о е и ы у ю ь й і ї є ў
""".split()), key=len, reverse=True)
_LAT_ENDINGS = ("ings", "ing", "ed", "es", "s")
_STEM_CHARS = 7


@dataclass(frozen=True)
class Item:
    """One item of a watched feed, as the index needs it."""

    id: Hashable
    text: str
    published_at: datetime  # timezone-aware
    title: str = ""
    source_id: Hashable = None
    language: str = ""


@dataclass(frozen=True)
class Assignment:
    story: str  # the story's key
    created: bool  # True: the item opened a new story
    reason: str  # "new", "duplicate" or "event"
    score: float  # containment for a duplicate, cosine for an event, 0 for a new story


@dataclass(frozen=True)
class Growth:
    recent: int  # items in the last ``hours`` hours
    previous: int  # items in the ``hours`` hours before those
    ratio: float  # (recent + 1) / (previous + 1)


@dataclass
class Story:
    """A story and the signature the index matches new items against."""

    key: str
    title: str
    first_seen: datetime
    last_seen: datetime
    count: int = 0
    sources: set = field(default_factory=set)
    languages: Counter = field(default_factory=Counter)
    terms: dict[str, float] = field(default_factory=dict)  # sum of unit item vectors
    names: Counter = field(default_factory=Counter)  # names and numbers, by items
    sketches: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)  # (size, hashes)
    hours: Counter = field(default_factory=Counter)  # epoch hour → items

    @property
    def source_count(self) -> int:
        return len(self.sources)

    def growth(self, *, now: datetime, hours: int = 6) -> Growth:
        """Items in the last ``hours`` hours (up to the hour of ``now``) against the
        ``hours`` hours before them."""
        end = _hour(now)
        recent = sum(self.hours.get(h, 0) for h in range(end - hours + 1, end + 1))
        previous = sum(self.hours.get(h, 0) for h in range(end - 2 * hours + 1,
                                                             end - hours + 1))
        return Growth(recent, previous, (recent + 1) / (previous + 1))

    def signature(self) -> dict:
        """JSON-ready state (hourly counts of the last week only)."""
        last = _hour(self.last_seen)
        return {
            "key": self.key, "title": self.title,
            "first_seen": self.first_seen.isoformat(), "last_seen": self.last_seen.isoformat(),
            "count": self.count, "sources": sorted(self.sources, key=str),
            "languages": dict(self.languages),
            "terms": {t: round(w, 5) for t, w in _top(self.terms, STORY_TERMS).items()},
            "names": dict(self.names.most_common(STORY_TERMS)),
            "sketches": [[size, list(h)] for size, h in self.sketches],
            "hours": {str(h): n for h, n in self.hours.items() if h > last - 7 * 24},
        }

    @classmethod
    def from_signature(cls, data: Mapping) -> Story:
        return cls(
            key=str(data["key"]), title=data["title"],
            first_seen=datetime.fromisoformat(data["first_seen"]),
            last_seen=datetime.fromisoformat(data["last_seen"]),
            count=int(data["count"]), sources=set(data["sources"]),
            languages=Counter(data["languages"]), terms=dict(data["terms"]),
            names=Counter(data["names"]),
            sketches=[(int(size), tuple(h)) for size, h in data["sketches"]],
            hours=Counter({int(h): n for h, n in data["hours"].items()}),
        )


@dataclass
class _Features:
    vector: dict[str, float]  # unit length
    names: set[str]  # names and telling numbers
    caps: set[str]  # names, numbers and every capitalised word: looked up in stories' names
    sketch: tuple[int, ...]
    size: int  # shingles


class StoryIndex:
    """Open stories, matched incrementally; see the module docstring."""

    def __init__(self, *, window: timedelta = WINDOW, stories: Iterable[Story] = (),
                 df: Mapping[str, int] | None = None, n_docs: int = 0,
                 new_key: Callable[[Item], str] = lambda item: str(item.id)):
        self.window = window
        self.new_key = new_key
        self._stories: dict[str, Story] = {}
        self._norms: dict[str, float] = {}
        self._by_term: dict[str, dict[str, float]] = {}  # term → {story: weight / norm}
        self._by_hash: dict[int, set[str]] = {}
        self._closed: list[Story] = []
        self._newest: datetime | None = None
        self._pruned_at: datetime | None = None
        self.df: Counter = Counter(df or {})
        self.n_docs = n_docs
        restored = list(stories)
        if df is None:  # without stored statistics, each story counts for its items
            for s in restored:
                self.df.update({t: s.count for t in s.terms})
                self.n_docs += s.count
        for s in restored:
            self._open(s)

    # --- public ---------------------------------------------------------------------

    def add(self, item: Item) -> Assignment:
        """File ``item`` under an open story or a new one."""
        self._advance(item.published_at)
        f = self._features(item)
        best = self._duplicate_of(f, item.published_at)
        if best:
            key, score = best
            self._join(self._stories[key], item, f, distinct=False)
            return Assignment(key, False, "duplicate", score)
        best = self._event_of(f, item.published_at)
        if best:
            key, score = best
            self._join(self._stories[key], item, f, distinct=True)
            return Assignment(key, False, "event", score)
        key = self.new_key(item)
        if key in self._stories:
            raise ValueError(f"story key {key!r} is taken")
        story = Story(key=key, title=_title_of(item), first_seen=item.published_at,
                      last_seen=item.published_at)
        self._stories[key] = story
        self._join(story, item, f, distinct=True)
        return Assignment(key, True, "new", 0.0)

    def get(self, key: str) -> Story:
        return self._stories[key]

    def stories(self) -> list[Story]:
        """The open stories, newest activity first."""
        return sorted(self._stories.values(), key=lambda s: s.last_seen, reverse=True)

    def closed_take(self) -> list[Story]:
        """The stories closed since the last call (for the caller to store as final)."""
        out, self._closed = self._closed, []
        return out

    def state(self) -> dict:
        """JSON-ready state: the open stories' signatures and the term statistics."""
        return {"stories": [s.signature() for s in self._stories.values()],
                "df": {t: n for t, n in self.df.items() if n > 1}, "n_docs": self.n_docs}

    @classmethod
    def from_state(cls, state: Mapping, *, window: timedelta = WINDOW) -> StoryIndex:
        return cls(window=window, df=state.get("df"), n_docs=state.get("n_docs", 0),
                   stories=[Story.from_signature(s) for s in state["stories"]])

    # --- features -------------------------------------------------------------------

    def _features(self, item: Item) -> _Features:
        text = _clean(item.text or "")
        words = tokens(text)
        if len(words) < SHINGLE + MIN_SHINGLES and item.title:
            words = tokens(_clean(item.title)) + words
        shingles = {" ".join(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}
        sketch = tuple(heapq.nsmallest(SKETCH, {_hash(s) for s in shingles}))

        title = _clean(item.title) if item.title else _first_sentence(text)
        lead = " ".join(words[:LEAD_WORDS])
        tf: Counter = Counter()
        stop = stopwords()
        for weight, part in ((TITLE_WEIGHT, tokens(title)), (1.0, lead.split())):
            for w in part:
                if len(w) >= 2 and w not in stop and not w.isdigit():
                    tf[_stem(w)] += weight
        names, caps = _names(title, skip_title_case=True)
        more, more_caps = _names(" ".join(text.split()[:LEAD_WORDS]), skip_title_case=False)
        names |= more
        caps |= more_caps
        for n in names:
            if n not in tf:
                tf[n] = 1.0
        self.df.update(tf.keys())
        self.n_docs += 1
        self._maybe_decay()
        vec = {}
        for t, n in tf.items():
            idf = math.log((self.n_docs + 1) / (self.df[t] + 1)) + 1
            vec[t] = (1 + math.log(n) if n >= 1 else n) * idf * (
                ENTITY_BOOST if t in names else 1.0)
        vec = _top(vec, ITEM_TERMS)
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return _Features({t: v / norm for t, v in vec.items()}, names, caps, sketch,
                         len(shingles))

    def _maybe_decay(self) -> None:
        """Halve the document frequencies now and then, so that a long-running index
        weighs what is written this month, and forgets words nobody uses any more."""
        if self.n_docs > 200_000:
            self.df = Counter({t: n // 2 for t, n in self.df.items() if n > 1})
            self.n_docs //= 2

    # --- matching -------------------------------------------------------------------

    def _is_open(self, story: Story, at: datetime) -> bool:
        return story.first_seen - self.window <= at <= story.last_seen + self.window

    def _duplicate_of(self, f: _Features, at: datetime) -> tuple[str, float] | None:
        if f.size < MIN_SHINGLES:
            return None
        hits: Counter = Counter()
        for h in f.sketch:
            keys = self._by_hash.get(h)
            if keys and len(keys) <= HOT_POSTING:
                hits.update(keys)
        best = None
        for key, n in hits.most_common(CANDIDATES):
            if n < 3:
                break
            story = self._stories[key]
            if not self._is_open(story, at):
                continue
            for size, sketch in story.sketches:
                c = _containment(f.sketch, f.size, sketch, size)
                if c >= CONTAINMENT and min(size, f.size) >= MIN_SHINGLES and (
                        best is None or c > best[1]):
                    best = (key, c)
        return best

    def _event_of(self, f: _Features, at: datetime) -> tuple[str, float] | None:
        partial: Counter = Counter()
        for t, w in heapq.nlargest(PROBE_TERMS, f.vector.items(), key=lambda tw: tw[1]):
            posting = self._by_term.get(t)
            if posting and len(posting) <= HOT_TERM:
                for key, v in posting.items():
                    partial[key] += w * v
        rare = max(RARE_MIN, RARE_SHARE * self.n_docs)
        rare_names = {n for n in f.caps if self.df[n] <= rare}
        best = None
        for key, lower_bound in partial.most_common(CANDIDATES):
            story = self._stories[key]
            if lower_bound < MIN_PARTIAL:
                break
            if not self._is_open(story, at):
                continue
            norm = self._norms[key] or 1.0
            cos = content = 0.0
            for t, w in f.vector.items():
                if t in story.terms:
                    part = w * story.terms[t] / norm
                    cos += part
                    if t not in f.caps:
                        content += part
            shared = min(3, sum(1 for n in rare_names if n in story.names))
            if cos + NAME_CREDIT * shared >= COSINE and content >= CONTENT and (
                    best is None or cos > best[1]):
                best = (key, cos)
        return best

    # --- bookkeeping ----------------------------------------------------------------

    def _join(self, story: Story, item: Item, f: _Features, *, distinct: bool) -> None:
        at = item.published_at
        if at < story.first_seen or story.count == 0:
            story.first_seen = at
            story.title = _title_of(item) or story.title
        story.last_seen = max(story.last_seen, at)
        story.count += 1
        if item.source_id is not None:
            story.sources.add(item.source_id)
        if item.language:
            story.languages[item.language] += 1
        story.hours[_hour(at)] += 1
        if not distinct:
            return
        story.names.update(f.names)
        for t, w in f.vector.items():
            story.terms[t] = story.terms.get(t, 0.0) + w
        if len(story.terms) > 2 * STORY_TERMS:
            keep = _top(story.terms, STORY_TERMS)
            for t in story.terms.keys() - keep.keys():
                self._unpost(self._by_term, t, story.key)
            story.terms = keep
        self._post_terms(story)
        if len(story.sketches) < MAX_SKETCHES and f.size >= MIN_SHINGLES:
            story.sketches.append((f.size, f.sketch))
            for h in f.sketch:
                self._by_hash.setdefault(h, set()).add(story.key)

    def _open(self, story: Story) -> None:
        self._stories[story.key] = story
        self._post_terms(story)
        for _size, sketch in story.sketches:
            for h in sketch:
                self._by_hash.setdefault(h, set()).add(story.key)
        if self._newest is None or story.last_seen > self._newest:
            self._newest = story.last_seen

    def _advance(self, at: datetime) -> None:
        """Close the stories ``window`` behind the newest item (checked hourly)."""
        if self._newest is None or at > self._newest:
            self._newest = at
        if self._pruned_at is not None and self._newest - self._pruned_at < timedelta(hours=1):
            return
        self._pruned_at = self._newest
        limit = self._newest - self.window
        for key in [k for k, s in self._stories.items() if s.last_seen < limit]:
            story = self._stories.pop(key)
            del self._norms[key]
            for t in story.terms:
                self._unpost(self._by_term, t, key)
            for _size, sketch in story.sketches:
                for h in sketch:
                    self._unpost(self._by_hash, h, key)
            self._closed.append(story)

    def _post_terms(self, story: Story) -> None:
        """The story's terms into the term index, each weighed by the story's norm."""
        norm = math.sqrt(sum(w * w for w in story.terms.values())) or 1.0
        self._norms[story.key] = norm
        for t, w in story.terms.items():
            self._by_term.setdefault(t, {})[story.key] = w / norm

    @staticmethod
    def _unpost(postings: dict, term, key: str) -> None:
        keys = postings.get(term)
        if keys is not None:
            if isinstance(keys, dict):
                keys.pop(key, None)
            else:
                keys.discard(key)
            if not keys:
                del postings[term]


def stories_group(items: Iterable[Item], *, window: timedelta = WINDOW) -> list[Story]:
    """All the stories of ``items`` (taken in order of publication), earliest first."""
    index = StoryIndex(window=window)
    closed = []
    for item in sorted(items, key=lambda i: i.published_at):
        index.add(item)
        closed += index.closed_take()
    return sorted(closed + index.stories(), key=lambda s: (s.first_seen, s.key))


# --- text helpers ---------------------------------------------------------------------


def _hour(at: datetime) -> int:
    return int(at.timestamp() // 3600)


def _hash(shingle: str) -> int:
    return int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(),
                          "big") & _MASK


def _containment(a: tuple[int, ...], size_a: int, b: tuple[int, ...], size_b: int) -> float:
    """Estimated share of the smaller shingle set found in the larger one."""
    if not a or not b:
        return 0.0
    union = heapq.nsmallest(SKETCH, set(a) | set(b))
    sa, sb = set(a), set(b)
    both = sum(1 for h in union if h in sa and h in sb)
    j = both / len(union)
    inter = j / (1 + j) * (size_a + size_b)
    return min(1.0, inter / min(size_a, size_b))


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    """A light stem: one inflectional ending cut; a Cyrillic stem keeps at most seven
    letters (Slavic words pile suffixes up), an English one is left whole ("committee"
    and "committing" are different words)."""
    cyrillic = bool(_CYRILLIC.search(word))
    for e in _CYR_ENDINGS if cyrillic else _LAT_ENDINGS:
        if word.endswith(e) and len(word) - len(e) >= 4:
            word = word[:-len(e)]
            break
    return word[:_STEM_CHARS] if cyrillic else word


def _names(text: str, *, skip_title_case: bool) -> tuple[set[str], set[str]]:
    """Stems of the names in ``text`` and its telling numbers, and the stems of every
    capitalised word. Names are capitalised words that do not open a sentence and
    acronyms anywhere; telling numbers are decimals, percentages, times of day and three
    or more digits that are not a year. A headline In Title Case gives no names by case.
    The second set (names by case wherever they stand) only looks names up: "Укренерго"
    opening a sentence is still the name another item used mid-sentence."""
    names, caps = set(), set()
    found = [(m.start(), m.group(0)) for m in WORD.finditer(text) if m.group(0)[0].isupper()]
    words = len(WORD.findall(text))
    if not (skip_title_case and words >= 4 and len(found) >= 0.6 * words):
        stop = stopwords()
        for start, word in found:
            w = normalize_word(word)
            if len(w) < 2 or w in stop or not _LETTER.search(w):
                continue
            caps.add(_stem(w))
            if (len(word) >= 2 and word.isupper()) or not _OPENS_SENTENCE.search(text[:start]):
                names.add(_stem(w))
    for m in _NUMBER.finditer(text):
        n = m.group(0).replace(",", ".").replace(" ", "")
        if "." in n or ":" in n or n.endswith("%") or (len(n) >= 3 and not _YEAR.fullmatch(n)):
            names.add(n)
    return names, caps | names


def _clean(text: str) -> str:
    """Links, addresses and @mentions out; the English possessive too ("ECB's": "ECB")."""
    if "@" in text or "//" in text or "www." in text or "t.me/" in text:  # cheap check first
        text = _NOISE.sub(" ", text)
    return _POSSESSIVE.sub("", text) if "'" in text or "’" in text else text


def _first_sentence(text: str) -> str:
    for part in _SENTENCE_END.split(text.strip()):
        if part.strip():
            return part.strip()
    return ""


def _title_of(item: Item) -> str:
    title = " ".join((item.title or _first_sentence(item.text or "")).split())
    return title if len(title) <= TITLE_CHARS else title[:TITLE_CHARS - 1].rstrip() + "…"


def _top(weights: Mapping[str, float], n: int) -> dict[str, float]:
    if len(weights) <= n:
        return dict(weights)
    return dict(heapq.nlargest(n, weights.items(), key=lambda tw: tw[1]))
