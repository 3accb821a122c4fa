"""What is rising in the watched feeds: terms that burst against their own baseline, and
spikes in one query's hourly volume.

Pure functions over plain numbers, so the caller decides where counts live (the lead
stores per-day or per-hour counts per ``(language, term)``) and tests need no database.

Terms (:func:`terms_of`) are words in matching form (``query.text.tokens``: lower case,
ё → е, apostrophes dropped) without stop-words and numbers, two-word phrases of adjacent
non-stop-words inside one clause (a comma or a full stop ends a phrase), and hashtags
kept with their ``#``. No stemming: a trend is shown to people as it was written, so
"землетрясение" and "землетрясения" are two terms; the burst of an event lifts both.

Rising terms (:func:`rising_terms`) compare the current window (the last ``current``
buckets) with the mean of the earlier buckets of the same term, a Poisson-style z-score
whose variance is widened to what the baseline really showed::

    expected = mean(baseline) * current
    variance = current * max(mean(baseline), var(baseline)) * (1 + current / n_baseline)
    score    = (count - expected) / sqrt(variance + k)          (k = 1)
    ratio    = (count + 1) / (expected + 1)

A term rises when ``count >= min_count``, ``ratio >= min_ratio`` and ``score >=
min_score``. The ``+ k`` keeps a term never seen before from scoring infinity (its score
is its count), ``max(mean, var)`` keeps a word that swings every day (sports on
weekends) from trending on an ordinary swing, the last factor admits that a mean of seven
days is itself uncertain, and ``min_count`` keeps 0 → 2 quiet. Defaults: ``min_count=5``,
``min_ratio=3``, ``min_score=4``. Many terms mean many chances: on 200,000 pure Poisson
series (7 baseline days) about 30 pass by chance, with scores between 4 and 5, so the list
is sorted by score and cut to ``limit``; real bursts score far higher.

Spikes (:func:`spike`) look at one query's last hour and last three hours against the
same query's previous seven days of hours, by median and MAD, which a past spike or a run
of zero hours does not drag::

    expected = median(window sums over the baseline)
    noise    = sqrt((1.4826 * MAD)^2 + expected + 1)
    score    = (count - expected) / noise

``expected + 1`` is the Poisson floor: a query that is always zero has noise 1, not 0.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import regex

from smmdesk.listening.query.text import normalize_word, tokens

LANGUAGES = ("ru", "uk", "be", "en")

# Links, e-mails and @mentions are not terms; they go before the words are taken.
_NOISE = regex.compile(r"(?i)\b(?:https?://|www\.)\S+|\bt\.me/\S+|[\w.+-]+@[\w-]+\.[\w.-]+"
                       r"|(?<![\p{L}\p{N}_])@[\p{L}\p{N}_]+")
HASHTAG = regex.compile(r"(?<![\p{L}\p{N}_#&])#([\p{L}\p{N}_]+)")
# A two-word phrase never runs over punctuation: "Киев, Харьков" is not a phrase.
_CLAUSE = regex.compile(r"[.,;:!?…()\[\]{}«»\"“”„|/\n\r\t]+|\s[-–—]+\s|[–—]+")
_LETTER = regex.compile(r"\p{L}")


@cache
def stopwords(language: str = "") -> frozenset[str]:
    """The stop-words of ``language`` plus the English ones (English filler, "http" and
    "rt" turn up in posts of every language); all four lists for an unknown language."""
    langs = (language, "en") if language in LANGUAGES else LANGUAGES
    return frozenset().union(*(_stopword_file(lang) for lang in langs))


@cache
def _stopword_file(language: str) -> frozenset[str]:
    path = resources.files("smmdesk.listening").joinpath("data", "stopwords",
                                                          f"{language}.txt")
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.lstrip().startswith("#"):
            words.update(normalize_word(w) for w in line.split())
    return frozenset(words)


def _is_term(word: str, stop: frozenset[str]) -> bool:
    return len(word) >= 2 and word not in stop and bool(_LETTER.search(word))


def terms_of(text: str, language: str = "") -> list[str]:
    """The terms of ``text``, in order: unigrams, then the two-word phrases of each
    clause, then hashtags (``"#блэкаут"``). Count each term once per item
    (``set(terms_of(...))``) so that one long post cannot make a trend by itself."""
    stop = stopwords(language)
    text = _NOISE.sub(" ", text)
    tags = [f"#{normalize_word(t)}" for t in HASHTAG.findall(text)]
    tags = [t for t in tags if _LETTER.search(t) and t[1:] not in stop]
    text = HASHTAG.sub(" . ", text)
    words: list[str] = []
    phrases: list[str] = []
    for clause in _CLAUSE.split(text):
        prev = ""
        for word in tokens(clause):
            if not _is_term(word, stop):
                prev = ""
                continue
            words.append(word)
            if prev:
                phrases.append(f"{prev} {word}")
            prev = word
    return words + phrases + tags


def term_counts(texts: Iterable[tuple[str, str]]) -> Counter[tuple[str, str]]:
    """``(language, text)`` pairs → how many texts mention each ``(language, term)``."""
    counts: Counter[tuple[str, str]] = Counter()
    for language, text in texts:
        counts.update((language, t) for t in set(terms_of(text, language)))
    return counts


def series_from_rows(rows: Iterable[tuple[str, str, Hashable, int]], *,
                     buckets: Sequence[Hashable]) -> dict[tuple[str, str], list[int]]:
    """Sparse ``(language, term, bucket, count)`` rows (as a GROUP BY returns them) →
    one dense series per ``(language, term)``, in the order of ``buckets``; a bucket
    without a row is 0, a row outside ``buckets`` is ignored."""
    at = {b: i for i, b in enumerate(buckets)}
    out: dict[tuple[str, str], list[int]] = {}
    for language, term, bucket, count in rows:
        i = at.get(bucket)
        if i is not None:
            out.setdefault((language, term), [0] * len(buckets))[i] += count
    return out


@dataclass(frozen=True)
class RisingTerm:
    language: str
    term: str
    current: int  # mentions in the current window
    expected: float  # what the baseline predicts for a window that long
    baseline_rate: float  # mean mentions per bucket before the window
    ratio: float  # (current + 1) / (expected + 1)
    score: float  # burst z-score, see the module docstring


def burst_score(current: int, baseline: Sequence[int], *, window: int = 1,
                k: float = 1.0) -> tuple[float, float, float]:
    """(score, expected, baseline rate) of ``current`` mentions in ``window`` buckets
    against the ``baseline`` buckets before them."""
    if not baseline:
        raise ValueError("a burst needs at least one baseline bucket")
    rate = sum(baseline) / len(baseline)
    var = sum((x - rate) ** 2 for x in baseline) / len(baseline) if len(baseline) > 1 else rate
    expected = rate * window
    # The window's own noise plus that of a mean taken over few buckets.
    variance = window * max(rate, var) * (1 + window / len(baseline))
    score = (current - expected) / math.sqrt(variance + k)
    return score, expected, rate


def rising_terms(series: Mapping[tuple[str, str], Sequence[int]], *, current: int = 1,
                 min_count: int = 5, min_ratio: float = 3.0, min_score: float = 4.0,
                 k: float = 1.0, limit: int | None = 50) -> list[RisingTerm]:
    """The ``(language, term)`` series whose last ``current`` buckets burst above the
    earlier ones, highest score first. Every series has the same buckets, oldest first;
    stop-words of the term's language and numbers never rise, whatever the counts say."""
    out = []
    for (language, term), counts in series.items():
        if len(counts) <= current:
            raise ValueError(f"{term!r}: {len(counts)} buckets, need more than {current}")
        plain = term[1:] if term.startswith("#") else term
        if any(w in stopwords(language) for w in plain.split()) or not _LETTER.search(plain):
            continue
        now = sum(counts[-current:])
        if now < min_count:
            continue
        score, expected, rate = burst_score(now, counts[:-current], window=current, k=k)
        ratio = (now + 1) / (expected + 1)
        if ratio >= min_ratio and score >= min_score:
            out.append(RisingTerm(language, term, now, expected, rate, ratio, score))
    out.sort(key=lambda r: (-r.score, r.language, r.term))
    return out if limit is None else out[:limit]


@dataclass(frozen=True)
class Spike:
    hours: int  # the window: the last hour or the last three hours
    count: int  # mentions in the window
    expected: float  # the usual count for a window that long (median of the baseline)
    score: float  # (count - expected) / noise, see the module docstring
    ratio: float  # (count + 1) / (expected + 1)


def spike(hourly_counts: Sequence[int], *, now_index: int | None = None,
          windows: Sequence[int] = (1, 3), history: int = 7 * 24, min_history: int = 24,
          min_count: int = 5, min_score: float = 4.0, min_ratio: float = 2.0) -> Spike | None:
    """Whether the hours ending at ``now_index`` (default: the last hour given) spike
    against up to ``history`` hours before them: the strongest of the ``windows``
    (hours) that passes ``min_count``, ``min_ratio`` and ``min_score``, or ``None``.
    Fewer than ``min_history`` hours of baseline give ``None``: no alert on a new query.
    """
    now = len(hourly_counts) - 1 if now_index is None else now_index
    if not 0 <= now < len(hourly_counts):
        raise IndexError(f"now_index {now} outside {len(hourly_counts)} hours")
    best = None
    for w in windows:
        start = now - w + 1
        base = hourly_counts[max(0, start - history):max(0, start)]
        if start < 0 or len(base) < max(min_history, w):
            continue
        count = sum(hourly_counts[start:now + 1])
        sums = _window_sums(base, w)
        expected = statistics.median(sums)
        mad = statistics.median(abs(s - expected) for s in sums)
        score = (count - expected) / math.sqrt((1.4826 * mad) ** 2 + expected + 1)
        ratio = (count + 1) / (expected + 1)
        if count >= min_count and ratio >= min_ratio and score >= min_score and (
                best is None or score > best.score):
            best = Spike(w, count, float(expected), score, ratio)
    return best


def _window_sums(values: Sequence[int], w: int) -> list[int]:
    total = sum(values[:w])
    sums = [total]
    for i in range(w, len(values)):
        total += values[i] - values[i - w]
        sums.append(total)
    return sums
