"""Competitor benchmarking: the figures we show for our own channels, worked out for
anyone's public page, and the comparisons built on them.

Pure computation: plain dataclasses in (:class:`PostFigures`, a follower series), plain
dataclasses out. The database and the pages are wired elsewhere (competitors/models.py,
the views), so every rule here is tested with numbers written by hand.

Why it is built this way:

* **The same formulas.** Interactions, ERpost, ERview, Telegram ERR, follower growth and
  growth rate come from ``analytics/metrics.py`` (docs/METRICS.md), never re-derived, so
  "our ER" and "their ER" on one table are the same number made the same way: ERpost is
  averaged per post (mean of ratios by default, the ``method`` switch as on the
  dashboard), ERview over a period is Σ interactions / Σ views of the posts that have
  both (as the dashboard does), and a counter a network does not give stays ``None``.
* **A post's followers.** A competitor's follower count is read once a day
  (``PageDay``), so a post is measured against ``PostFigures.followers`` when the caller
  knows the count on its day (:func:`with_followers` fills it from a series), else against
  the page's current count.
* **Best times** bucket posts by weekday × hour in the *workspace's* time zone (what
  the manager schedules in) and show a cell only with ``MIN_CELL_POSTS`` posts or more,
  like our own heatmap (analytics/timing.py): a median of two posts is luck.
* **Outliers** compare a post with the median of the same page's posts before it, so one
  viral post does not hide the next one and the figure needs no history from the future.
* **Topics** cluster our texts and theirs together (TF-IDF over word stems, k-means,
  fixed seed), so "their topic" and "our topic" are the same cluster and a *gap* is a
  cluster where they post and we hardly do. Words are cut to their first ``STEM`` letters
  so Russian and Ukrainian word forms meet ("вакансия", "вакансії", "вакансію"); the label
  shows each stem as the cluster writes it most often.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from functools import cache
from pathlib import Path
from statistics import mean, median
from zoneinfo import ZoneInfo

import numpy as np
from django.utils.translation import gettext_lazy as _

from smmdesk.analytics import metrics
from smmdesk.listening.query.text import normalize_word, tokens
from smmdesk.nlp.normalize import EMAIL, PHONE, URL

MEDIA_KINDS = ("text", "image", "video", "album", "link")
MIN_CELL_POSTS = 3      # a best-time cell needs this many posts (as analytics/timing.py)
OUTLIER_FACTOR = 3.0    # "three times their median"
OUTLIER_MIN_POSTS = 5   # posts before it that the median is made of, at least
OUTLIER_WINDOW = 30     # the median is of this many latest earlier posts
MAX_COMPETITORS = 10    # compare(): up to ten of theirs beside ours

BY_INTERACTIONS, BY_ER_POST, BY_ER_VIEW, BY_ER = "interactions", "er_post", "er_view", "er"
BASIS_INTERACTIONS, BASIS_VIEWS = "interactions", "views"


# --- a post -----------------------------------------------------------------------------

@dataclass(frozen=True)
class PostFigures:
    """One post of a page (ours or a competitor's) with its public counters.

    ``None`` means the network does not tell (Telegram gives no likes), never 0.
    ``shares`` are reposts/forwards. ``followers``: the page's followers on the day of the
    post when known; else the figures use the page's count passed to them.
    """

    id: int | str
    published_at: datetime
    media: str = "text"
    text: str = ""
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    views: int | None = None
    url: str = ""
    followers: int | None = None

    def __post_init__(self):
        if self.published_at.tzinfo is None or self.published_at.utcoffset() is None:
            raise ValueError("published_at must be an aware datetime")
        if self.media not in MEDIA_KINDS:
            raise ValueError(f"unknown media kind {self.media!r}")

    @property
    def interactions(self) -> int | None:
        """likes + comments + shares, the counters the network gives
        (:func:`analytics.metrics.interactions`; shares are its reposts)."""
        return metrics.interactions(likes=self.likes, comments=self.comments,
                                    reposts=self.shares)


def _base(post: PostFigures, followers: int | None) -> int | None:
    return post.followers if post.followers is not None else followers


def _er(post: PostFigures, followers: int | None) -> float | None:
    """ERpost where the followers are known, else ERview (as analytics/timing.py)."""
    base = _base(post, followers)
    if base:
        return metrics.er_post(interactions=post.interactions, followers=base)
    return metrics.er_view(interactions=post.interactions, views=post.views)


def _zone(tz: tzinfo | str) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


# --- followers over time ------------------------------------------------------------------

Series = Iterable[tuple[date, int | None]]


def _readings(series: Series) -> tuple[list[date], list[int]]:
    """(days, followers) sorted by day; days without a count left out; of several
    readings on one day the last one given counts."""
    by_day: dict[date, int] = {}
    for day, followers in series:
        if followers is not None:
            by_day[day] = followers
    days = sorted(by_day)
    return days, [by_day[d] for d in days]


def _on_or_before(days: list[date], counts: list[int], day: date) -> int | None:
    i = bisect_right(days, day)
    return counts[i - 1] if i else None


def with_followers(posts: Iterable[PostFigures], series: Series, *,
                   tz: tzinfo | str) -> list[PostFigures]:
    """The posts with ``followers`` set to the page's count on the day each was published
    (in ``tz``), or the nearest earlier day with a reading (docs/METRICS.md). A post older
    than every reading keeps what it had."""
    days, counts = _readings(series)
    zone = _zone(tz)
    out = []
    for post in posts:
        base = _on_or_before(days, counts, post.published_at.astimezone(zone).date())
        out.append(replace(post, followers=base) if base is not None else post)
    return out


@dataclass(frozen=True)
class Growth:
    start_day: date | None
    end_day: date | None
    start: int | None
    end: int | None
    follower_growth: int | None   # end − start (metrics.follower_growth)
    growth_rate: float | None     # percent (metrics.growth_rate)


def growth(series: Series, *, first_day: date | None = None,
           last_day: date | None = None) -> Growth:
    """Follower growth over a period, as the dashboard reads it: "start" is the last
    reading on or before ``first_day`` (or the first reading of the period, for a page
    followed only since then), "end" the last on or before ``last_day`` (without them:
    the series' first and last readings)."""
    days, counts = _readings(series)
    if not days:
        return Growth(None, None, None, None, None, None)
    first = days[0] if first_day is None else first_day
    last = days[-1] if last_day is None else last_day
    i, j = bisect_right(days, first), bisect_right(days, last)
    if not i and j:  # read only since inside the period (a competitor added lately):
        i = 1        # growth from the first reading, not none at all
    start, start_day = (counts[i - 1], days[i - 1]) if i else (None, None)
    end, end_day = (counts[j - 1], days[j - 1]) if j else (None, None)
    return Growth(start_day, end_day, start, end,
                  metrics.follower_growth(start=start, end=end),
                  metrics.growth_rate(start=start, end=end))


# --- the summary ------------------------------------------------------------------------

@dataclass(frozen=True)
class FormatShare:
    """One media kind's part of a page's posts."""

    media: str
    posts: int
    share: float | None            # percent of the page's posts
    er_post: float | None
    er_view: float | None
    interactions_avg: float | None


@dataclass(frozen=True)
class TimeCell:
    weekday: int                   # 0 = Monday, in the workspace's time zone
    hour: int                      # the slot's first hour
    posts: int                     # posts with a value in the cell
    value: float                   # their median (ER in percent, or interactions)


@dataclass(frozen=True)
class BestTimes:
    by: str                        # BY_ER or BY_INTERACTIONS
    slot_hours: int
    min_posts: int
    cells: tuple[TimeCell, ...]    # cells with enough posts, the best first


@dataclass(frozen=True)
class Summary:
    """A page's figures over a period. Field names that are metric names in
    ``analytics.metrics.METRICS`` mean exactly that metric (their tooltips apply)."""

    posts: int
    period_days: int
    posts_per_week: float
    followers: int | None
    er_post: float | None          # ERpost averaged per post, percent
    er_view: float | None          # Σ interactions / Σ views, percent
    err_telegram: float | None     # views / followers per post, averaged, percent
    interactions_avg: float | None
    interactions_median: float | None
    views_avg: float | None
    formats: tuple[FormatShare, ...]
    best_times: BestTimes
    growth: Growth | None = None   # when a follower series was given
    method: str = metrics.MEAN_OF_RATIOS


def posts_per_week(posts: int, *, period_days: int) -> float:
    """posts / days in the period × 7 (not in analytics/metrics.py: our own dashboard
    counts posts per day)."""
    if period_days <= 0:
        raise ValueError("period_days must be positive")
    return posts / period_days * 7


def _er_post_avg(posts: Sequence[PostFigures], followers: int | None, method: str):
    return metrics.er_post_average(((p.interactions, _base(p, followers)) for p in posts),
                                   method=method)


def _er_view_pooled(posts: Sequence[PostFigures]) -> float | None:
    """Σ interactions / Σ views over the posts that give both (the dashboard's ERview)."""
    both = [p for p in posts if p.interactions is not None and p.views is not None]
    if not both:
        return None
    return metrics.er_view(interactions=sum(p.interactions for p in both),
                           views=sum(p.views for p in both))


def _mean(values: Iterable[float | int | None]) -> float | None:
    known = [v for v in values if v is not None]
    return float(mean(known)) if known else None


def _median(values: Iterable[float | int | None]) -> float | None:
    known = [v for v in values if v is not None]
    return float(median(known)) if known else None


def format_mix(posts: Sequence[PostFigures], *, followers: int | None,
               method: str = metrics.MEAN_OF_RATIOS) -> tuple[FormatShare, ...]:
    """Per media kind present (in ``MEDIA_KINDS`` order): its posts, share, ERpost,
    ERview and average interactions."""
    by_kind: dict[str, list[PostFigures]] = defaultdict(list)
    for p in posts:
        by_kind[p.media].append(p)
    return tuple(
        FormatShare(media=kind, posts=len(group), share=metrics.ratio(len(group), len(posts)),
                    er_post=_er_post_avg(group, followers, method),
                    er_view=_er_view_pooled(group),
                    interactions_avg=_mean(p.interactions for p in group))
        for kind in MEDIA_KINDS if (group := by_kind.get(kind)))


def best_times(posts: Iterable[PostFigures], *, tz: tzinfo | str,
               followers: int | None = None, by: str | None = None,
               min_posts: int = MIN_CELL_POSTS, slot_hours: int = 1) -> BestTimes:
    """Weekday × hour cells (``slot_hours`` wide) in ``tz`` with the median of their
    posts' ER (ERpost where followers are known, else ERview) or interactions; only
    cells with at least ``min_posts`` posts that have the value, best first (then more
    posts, then the earlier slot). ``by`` defaults to ER when any post has one."""
    if slot_hours <= 0 or 24 % slot_hours:
        raise ValueError("slot_hours must divide 24")
    posts = list(posts)
    if by is None:
        by = BY_ER if any(_er(p, followers) is not None for p in posts) else BY_INTERACTIONS
    if by not in (BY_ER, BY_INTERACTIONS):
        raise ValueError(f"unknown best-time basis {by!r}")
    zone = _zone(tz)
    cells: dict[tuple[int, int], list[float]] = defaultdict(list)
    for p in posts:
        value = _er(p, followers) if by == BY_ER else p.interactions
        if value is None:
            continue
        local = p.published_at.astimezone(zone)
        cells[(local.weekday(), local.hour - local.hour % slot_hours)].append(value)
    found = [TimeCell(weekday=wd, hour=h, posts=len(v), value=float(median(v)))
             for (wd, h), v in cells.items() if len(v) >= min_posts]
    found.sort(key=lambda c: (-c.value, -c.posts, c.weekday, c.hour))
    return BestTimes(by=by, slot_hours=slot_hours, min_posts=min_posts, cells=tuple(found))


def summary(posts: Iterable[PostFigures], *, followers: int | None, period_days: int,
            tz: tzinfo | str, followers_series: Series | None = None,
            until: date | None = None, method: str = metrics.MEAN_OF_RATIOS,
            min_cell_posts: int = MIN_CELL_POSTS, slot_hours: int = 1) -> Summary:
    """A page's figures over a period of ``period_days`` days (the posts given are the
    period's posts).

    ``followers``: the page's follower count (a post's own ``followers`` wins for its
    ERpost); ``None`` and a series given: the series' last reading. ``followers_series``:
    (day, followers) readings for the growth; ``until``: the period's last day (the
    growth then runs from ``until − period_days + 1``), else the whole series.
    """
    posts = sorted(posts, key=lambda p: (p.published_at, str(p.id)))
    grown = None
    if followers_series is not None:
        series = list(followers_series)
        _days, counts = _readings(series)
        if followers is None and counts:
            followers = counts[-1]
        first = until - timedelta(days=period_days - 1) if until is not None else None
        grown = growth(series, first_day=first, last_day=until)
    return Summary(
        posts=len(posts), period_days=period_days,
        posts_per_week=posts_per_week(len(posts), period_days=period_days),
        followers=followers,
        er_post=_er_post_avg(posts, followers, method),
        er_view=_er_view_pooled(posts),
        err_telegram=metrics.average_rate(
            ((p.views, _base(p, followers)) for p in posts), method=method),
        interactions_avg=_mean(p.interactions for p in posts),
        interactions_median=_median(p.interactions for p in posts),
        views_avg=_mean(p.views for p in posts),
        formats=format_mix(posts, followers=followers, method=method),
        best_times=best_times(posts, tz=tz, followers=followers, min_posts=min_cell_posts,
                              slot_hours=slot_hours),
        growth=grown, method=method)


# --- the best posts ----------------------------------------------------------------------

@dataclass(frozen=True)
class RankedPost:
    post: PostFigures
    interactions: int | None
    er_post: float | None
    er_view: float | None


def top_posts(posts: Iterable[PostFigures], n: int = 5, *, by: str = BY_INTERACTIONS,
              followers: int | None = None) -> list[RankedPost]:
    """The ``n`` best posts by interactions, ERpost (by each post's followers, else
    ``followers``) or ERview. Posts without the figure are not ranked; a tie goes to the
    later post (as the dashboard's top posts). With one follower count for every post,
    ERpost orders as interactions do: it differs once posts carry their day's count."""
    if by not in (BY_INTERACTIONS, BY_ER_POST, BY_ER_VIEW):
        raise ValueError(f"unknown ranking {by!r}")
    rows = [RankedPost(post=p, interactions=p.interactions,
                       er_post=metrics.er_post(interactions=p.interactions,
                                               followers=_base(p, followers)),
                       er_view=metrics.er_view(interactions=p.interactions, views=p.views))
            for p in posts]
    scored = [r for r in rows if getattr(r, by) is not None]
    scored.sort(key=lambda r: (getattr(r, by), r.post.published_at, str(r.post.id)),
                reverse=True)
    return scored[:n]


# --- outliers ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Outlier:
    """A post that did ``ratio`` times the page's median of the posts before it."""

    post: PostFigures
    basis: str                     # BASIS_INTERACTIONS, or BASIS_VIEWS where that's all
    value: int
    median: float
    ratio: float
    history: int                   # earlier posts the median is made of

    @property
    def id(self) -> int | str:
        """The post's id (an alert marks the post by it)."""
        return self.post.id


def _outlier_value(post: PostFigures) -> tuple[str, int] | tuple[None, None]:
    if post.interactions is not None:
        return BASIS_INTERACTIONS, post.interactions
    if post.views is not None:
        return BASIS_VIEWS, post.views
    return None, None


def outliers(posts: Iterable[PostFigures], *, factor: float = OUTLIER_FACTOR,
             min_posts: int = OUTLIER_MIN_POSTS,
             window: int | None = OUTLIER_WINDOW) -> list[Outlier]:
    """Posts whose interactions (views where the network gives no interaction counter)
    are at least ``factor`` × the median of the page's earlier posts on the same basis:
    the latest ``window`` of them (all when ``None`` or 0), the post itself excluded, and only
    with ``min_posts`` or more of them. A median of 0 makes no outlier ("3× nothing").
    In publication order.

    Compare posts at a comparable age: a day-old post beside week-old ones is measured
    short (the caller checks a post once it is old enough)."""
    if factor <= 0 or min_posts < 1:
        raise ValueError("factor must be positive and min_posts at least 1")
    history: dict[str, list[int]] = defaultdict(list)
    found = []
    for post in sorted(posts, key=lambda p: (p.published_at, str(p.id))):
        basis, value = _outlier_value(post)
        if basis is None:
            continue
        earlier = history[basis]
        recent = earlier[-window:] if window else earlier
        if len(recent) >= min_posts:
            mid = float(median(recent))
            threshold = factor * mid
            if mid > 0 and (value >= threshold or math.isclose(value, threshold)):
                found.append(Outlier(post=post, basis=basis, value=value, median=mid,
                                     ratio=value / mid, history=len(recent)))
        earlier.append(value)
    return found


# --- topics ------------------------------------------------------------------------------

STEM = 5            # a word's key is its first letters (as analytics/audience.py)
MIN_WORD = 3        # shorter words say nothing of a topic
MAX_K = 10          # k is chosen among 2..MAX_K by silhouette
LABEL_TERMS = 3
EXAMPLES = 3
SEED = 0
STOPWORD_LANGUAGES = ("ru", "uk", "be", "en")
STOPWORD_DIR = Path(__file__).resolve().parent.parent / "listening" / "data" / "stopwords"

# A small fallback, used only for a language whose list in listening/data/stopwords/ is
# not there: function words and the words every post has ("we", "our", "today").
_BUILT_IN_STOPWORDS = {
    "en": """the and for are you your our ours this that these those with from have has
        had was were will would can could should what when where which who how all any
        some not but just about into out its it's also very too than then them they their
        there here get got now new more most one only just let's we're you're today""",
    "ru": """что как где когда это этот эта эти для или уже еще вас вам ваш ваша ваши нас
        нам наш наша наши его она они был была было были без при про над под через после
        перед тоже также даже если чтобы меня мне вот будет можно нужно есть нет так там
        тут все всё только очень кто чем сегодня завтра ждем ждём приходите""",
    "uk": """що як де коли цей ця ці для або вже ще вас вам ваш ваша ваші нас нам наш наша
        наші його вона вони був була було були буде можна треба без при про над під через
        після перед також навіть якщо щоб мене мені тут там всі все лише тільки дуже хто
        сьогодні завтра чекаємо приходьте""",
    "be": """што як дзе калі гэта гэты гэтая гэтыя для або ўжо яшчэ вас вам ваш ваша вашы
        нас нам наш наша нашы яго яна яны быў была было былі будзе можна трэба без пры пра
        над пад праз пасля перад таксама нават каб мяне мне тут там усе ўсё толькі вельмі
        хто сёння заўтра чакаем прыходзьце""",
}


@cache
def stopwords(language: str) -> frozenset[str]:
    """A language's stop words in matching form: listening/data/stopwords/<language>.txt
    (words separated by white space, ``#`` starts a comment) when present, else the
    built-in fallback."""
    path = STOPWORD_DIR / f"{language}.txt"
    if path.is_file():
        text = "\n".join(line.split("#", 1)[0]
                         for line in path.read_text(encoding="utf-8").splitlines())
    else:
        text = _BUILT_IN_STOPWORDS.get(language, "")
    return frozenset(normalize_word(w) for w in text.split())


def _stopwords(languages: Iterable[str] | None) -> frozenset[str]:
    out: set[str] = set()
    for language in (STOPWORD_LANGUAGES if languages is None else languages):
        out |= stopwords(language)
    return frozenset(out)


def _words(text: str, stop: frozenset[str]) -> list[str]:
    """The topic words of ``text``: links, addresses and phones out, then
    ``listening.query.text.tokens``; stop words, numbers and short words dropped."""
    text = PHONE.sub(" ", URL.sub(" ", EMAIL.sub(" ", text)))
    return [t for t in tokens(text)
            if len(t) >= MIN_WORD and not t.isdigit() and t not in stop
            and any(ch.isalpha() for ch in t)]


@dataclass(frozen=True)
class Example:
    account: str
    index: int                     # the post's place in that account's list
    text: str


@dataclass(frozen=True)
class Topic:
    id: int                        # 0 = the largest topic
    label: str                     # its top terms, "латте, арт, молоко"
    terms: tuple[str, ...]
    size: int
    counts: dict[str, int]         # account → its posts in the topic (every account)
    shares: dict[str, float | None]  # account → percent of its posts that have a topic
    members: dict[str, tuple[int, ...]]  # account → indices of its posts in the topic
    typical: tuple[Example, ...]   # all its posts, the most typical (nearest the centre)
                                   # first

    @property
    def examples(self) -> tuple[Example, ...]:
        """The ``EXAMPLES`` most typical posts, any account's."""
        return self.typical[:EXAMPLES]


@dataclass(frozen=True)
class Topics:
    topics: tuple[Topic, ...]
    assignments: dict[str, tuple[int | None, ...]]  # per account, per post: topic id
    posts: dict[str, int]          # account → its posts that have a topic
    k: int
    silhouette: float | None       # cosine silhouette of the clustering (−1..1)

    def topic(self, topic_id: int) -> Topic:
        return self.topics[topic_id]


Embedder = Callable[[list[str]], "np.ndarray"]


def _distinct(x) -> int:
    """How many different rows ``x`` has (k-means cannot make more clusters)."""
    if hasattr(x, "indptr"):  # sparse
        x.sort_indices()
        return len({(x.indices[a:b].tobytes(), np.round(x.data[a:b], 9).tobytes())
                    for a, b in zip(x.indptr[:-1], x.indptr[1:], strict=True)})
    return len(np.unique(np.round(x, 9), axis=0))


def _cluster(x, k: int | None, max_k: int, seed: int) -> tuple[np.ndarray, float | None]:
    """Labels for the rows of ``x`` (L2-normalised): k-means with ``k`` clusters, or the
    k in 2..max_k with the best cosine silhouette (the smaller k on a tie); never more
    clusters than different rows (a post copied five times is one point)."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    n, distinct = x.shape[0], _distinct(x)

    def fit(c: int) -> np.ndarray:
        return KMeans(n_clusters=c, n_init=10, random_state=seed).fit_predict(x)

    def score(labels: np.ndarray) -> float | None:
        if len(set(labels.tolist())) < 2 or len(set(labels.tolist())) >= n:
            return None
        sample = 2000 if n > 2000 else None
        return float(silhouette_score(x, labels, metric="cosine", sample_size=sample,
                                      random_state=seed))

    if k is not None:
        k = min(k, distinct)
        labels = fit(k) if k > 1 else np.zeros(n, dtype=int)
        return labels, score(labels)
    best: tuple[float, np.ndarray] | None = None
    for c in range(2, min(max_k, n - 1, distinct) + 1):
        labels = fit(c)
        s = score(labels)
        if s is not None and (best is None or s > best[0] + 1e-9):
            best = (s, labels)
    if best is None:
        return np.zeros(n, dtype=int), None
    return best[1], best[0]


def topics(posts_by_account: Mapping[str, Sequence[str]], *, k: int | None = None,
           languages: Iterable[str] | None = None, max_k: int = MAX_K,
           embed: Embedder | None = None, seed: int = SEED) -> Topics:
    """Cluster every account's post texts (ours and theirs together) into topics.

    TF-IDF (sublinear tf) over word stems (``STEM`` first letters of each normalised
    word, stop words of ``languages`` — default ru, uk, be, en — left out), k-means with
    a fixed seed; ``k`` or, by default, the k in 2..``max_k`` with the best cosine
    silhouette. A post with no topic word left (or, without ``embed``, none it shares
    with another post) has no topic (``None``).

    ``embed`` (optional; ``smmdesk.nlp.model.embed``, multilingual-e5-small) clusters on
    sentence vectors instead, so one topic written in Russian, Ukrainian and English is
    one topic: TF-IDF over words cannot see that "скидка", "знижка" and "discount" are
    the same thing, and would report a competitor's Ukrainian discounts as a gap beside
    our Russian ones. Labels are the TF-IDF terms either way.
    Deterministic: accounts are taken in name order, the seed is fixed.
    """
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    stop = _stopwords(languages)
    accounts = sorted(posts_by_account)
    docs: list[tuple[str, int, str, list[str]]] = []  # account, index, text, words
    for account in accounts:
        for i, text in enumerate(posts_by_account[account]):
            docs.append((account, i, text, _words(text or "", stop)))
    usable = [d for d in docs if d[3]]
    assignments = {a: [None] * len(posts_by_account[a]) for a in accounts}
    empty = Topics(topics=(), assignments={a: tuple(v) for a, v in assignments.items()},
                   posts=dict.fromkeys(accounts, 0), k=0, silhouette=None)
    if not usable:
        return empty
    vectorizer = TfidfVectorizer(analyzer=lambda words: [w[:STEM] for w in words],
                                 min_df=2 if len(usable) >= 10 else 1, sublinear_tf=True)
    try:
        tfidf = vectorizer.fit_transform([d[3] for d in usable])
    except ValueError:  # no stem in two posts
        return empty
    if embed is None:  # a post that shares no stem with another one has no topic
        keep = np.flatnonzero(tfidf.getnnz(axis=1))
        usable, tfidf = [usable[i] for i in keep], csr_matrix(tfidf[keep])
        x = tfidf
    else:  # centred: e5 vectors all lie close together; the offsets tell topics apart
        vectors = np.asarray(embed([d[2] for d in usable]), dtype=np.float64)
        x = normalize(vectors - vectors.mean(axis=0))
    labels, quality = _cluster(x, k, max_k, seed)
    stems = vectorizer.get_feature_names_out()
    return _topics(usable, labels, tfidf, x, stems, accounts, assignments, quality)


def _topics(usable, labels, tfidf, x, stems, accounts, assignments, quality) -> Topics:
    """Topics from cluster labels: ordered by size (then label), each labelled by the
    top TF-IDF terms of its posts, with per-account counts and shares, and its posts
    ordered by closeness to its centre in the clustering space ``x``."""
    groups: dict[int, list[int]] = defaultdict(list)
    for row, label in enumerate(labels.tolist()):
        groups[label].append(row)
    drafts = []
    for rows in groups.values():
        centroid = np.asarray(tfidf[rows].mean(axis=0)).ravel()
        order = sorted(range(len(stems)), key=lambda j: (-centroid[j], stems[j]))
        top = [stems[j] for j in order[:LABEL_TERMS] if centroid[j] > 0]
        forms = Counter(w for r in rows for w in usable[r][3])
        terms = tuple(_spelling(s, forms) for s in top)
        centre = np.asarray(x[rows].mean(axis=0)).ravel()
        typical = np.asarray(x[rows] @ centre).ravel()
        ranked = [rows[i] for i in sorted(range(len(rows)), key=lambda i: (
            -round(float(typical[i]), 12), usable[rows[i]][0], usable[rows[i]][1]))]
        drafts.append((terms, rows, ranked))
    drafts.sort(key=lambda d: (-len(d[1]), d[0]))
    per_account = Counter(d[0] for d in usable)
    out = []
    for topic_id, (terms, rows, ranked) in enumerate(drafts):
        members: dict[str, list[int]] = {a: [] for a in accounts}
        for r in rows:
            account, index = usable[r][0], usable[r][1]
            members[account].append(index)
            assignments[account][index] = topic_id
        out.append(Topic(
            id=topic_id, label=", ".join(terms), terms=terms, size=len(rows),
            counts={a: len(members[a]) for a in accounts},
            shares={a: metrics.ratio(len(members[a]), per_account[a]) for a in accounts},
            members={a: tuple(sorted(v)) for a, v in members.items()},
            typical=tuple(Example(usable[r][0], usable[r][1], usable[r][2])
                          for r in ranked)))
    return Topics(topics=tuple(out),
                  assignments={a: tuple(v) for a, v in assignments.items()},
                  posts={a: per_account[a] for a in accounts}, k=len(out),
                  silhouette=quality)


def _spelling(stem: str, forms: Counter) -> str:
    """A stem as the cluster writes it most often (then the shortest, then A–Z)."""
    seen = [(n, w) for w, n in forms.items() if w[:STEM] == stem]
    return min(seen, key=lambda nw: (-nw[0], len(nw[1]), nw[1]))[1] if seen else stem


# --- gaps --------------------------------------------------------------------------------

GAP_MIN_SHARE = 10.0     # percent of a competitor's posts in the topic, at least
GAP_MIN_POSTS = 3        # and at least this many of their posts
GAP_OURS_MAX_SHARE = 5.0  # we post there at most this share of our posts


@dataclass(frozen=True)
class GapAccount:
    account: str
    posts: int
    share: float


@dataclass(frozen=True)
class Gap:
    """A topic competitors post on and we hardly do."""

    topic: Topic
    ours_posts: int
    ours_share: float              # percent of our posts with a topic (0 with none)
    competitors: tuple[GapAccount, ...]  # those over the thresholds, most posts first
    examples: tuple[Example, ...]  # their most typical posts there


def gaps(topics: Topics, *, ours: str, min_share: float = GAP_MIN_SHARE,
         min_posts: int = GAP_MIN_POSTS,
         ours_max_share: float = GAP_OURS_MAX_SHARE) -> list[Gap]:
    """"What they post that we do not": topics where some competitor has ``min_posts``
    posts or more making ``min_share`` % or more of its posts, while at most
    ``ours_max_share`` % of ours are there. Biggest gap (their posts there) first."""
    if ours not in topics.posts:
        raise KeyError(f"no account {ours!r} in the topics")
    out = []
    for topic in topics.topics:
        ours_share = topic.shares[ours] or 0.0
        if ours_share > ours_max_share:
            continue
        theirs = tuple(sorted(
            (GapAccount(a, topic.counts[a], topic.shares[a] or 0.0) for a in topic.counts
             if a != ours and topic.counts[a] >= min_posts
             and (topic.shares[a] or 0.0) >= min_share),
            key=lambda g: (-g.posts, g.account)))
        if not theirs:
            continue
        named = {g.account for g in theirs}
        examples = tuple(e for e in topic.typical if e.account in named)[:EXAMPLES]
        out.append(Gap(topic=topic, ours_posts=topic.counts[ours], ours_share=ours_share,
                       competitors=theirs, examples=examples))
    out.sort(key=lambda g: (-sum(c.posts for c in g.competitors), g.topic.id))
    return out


# --- the comparison table ----------------------------------------------------------------

COMPARED = ("followers", "follower_growth", "growth_rate", "posts_per_week", "er_post",
            "er_view", "err_telegram", "interactions_avg", "interactions_median",
            "views_avg")
_NEW_LABELS = {
    "followers": _("Followers"),
    "posts_per_week": _("Posts a week"),
    "interactions_avg": _("Interactions, average per post"),
    "interactions_median": _("Interactions, median per post"),
    "views_avg": _("Views, average per post"),
}


def column_label(name: str):
    """The column's label: the metric's own (analytics.metrics.METRICS) where it is one."""
    return metrics.METRICS[name].label if name in metrics.METRICS else _NEW_LABELS[name]


@dataclass(frozen=True)
class CompareRow:
    account: str
    ours: bool
    values: dict[str, float | int | None]
    ranks: dict[str, int | None]           # 1 = the highest; ties share; None: no value
    vs_ours: dict[str, float | None]       # percent vs our value (metrics.change_percent)


def _value(s: Summary, name: str):
    if name in ("follower_growth", "growth_rate"):
        return getattr(s.growth, name) if s.growth is not None else None
    return getattr(s, name)


def compare(accounts: Mapping[str, Summary], *, ours: str | None = None) -> list[CompareRow]:
    """One row per account (ours first, then as given) for up to ``MAX_COMPETITORS``
    competitors beside us: each ``COMPARED`` figure, its rank among the accounts that
    have it (1 = the highest, equal values share a rank) and its change against ours."""
    theirs = [a for a in accounts if a != ours]
    if ours is not None and ours not in accounts:
        raise KeyError(f"no account {ours!r} to compare with")
    if len(theirs) > MAX_COMPETITORS:
        raise ValueError(f"at most {MAX_COMPETITORS} competitors can be compared")
    order = ([ours] if ours is not None else []) + theirs
    values = {a: {name: _value(accounts[a], name) for name in COMPARED} for a in order}
    ranks: dict[str, dict[str, int | None]] = {a: {} for a in order}
    for name in COMPARED:
        known = sorted((values[a][name] for a in order if values[a][name] is not None),
                       reverse=True)
        for a in order:
            v = values[a][name]
            ranks[a][name] = None if v is None else 1 + sum(1 for x in known if x > v)
    base = values[ours] if ours is not None else None
    return [CompareRow(
        account=a, ours=a == ours, values=values[a], ranks=ranks[a],
        vs_ours={name: (metrics.change_percent(current=values[a][name],
                                               previous=base[name])
                        if base is not None and a != ours else None)
                 for name in COMPARED})
        for a in order]
