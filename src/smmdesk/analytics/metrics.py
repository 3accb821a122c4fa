"""Every derived metric smmdesk shows, defined once, with its formula.

Each metric is a small pure function of raw counters (analytics/models.py). The rules:

* ``None`` in → ``None`` out. A counter a network does not give is missing, never 0, so a
  metric built on it is missing too ("not available from <network>").
* Division by zero → ``None`` (a channel with no followers has no ER, not an infinite one).
* Rates are returned in percent (×100) as ``float``; counts as ``int``; money keeps the
  type it came in (``Decimal`` stays ``Decimal``).

Where the industry has two definitions, the function says which one it uses and takes a
``method`` switch (see :data:`MEAN_OF_RATIOS` and :data:`RATIO_OF_SUMS`).

:data:`METRICS` is the registry (name → label, formula text, unit, function) read by
tooltips, the docs (docs/METRICS.md) and the reports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Number = int | float | Decimal

# How a rate is averaged over several posts or days:
# MEAN_OF_RATIOS — compute the rate for each post (day) and average them (each post weighs
#   the same; the usual "average ER per post"). The default.
# RATIO_OF_SUMS — add up numerators and denominators first, then divide once (a big post
#   weighs more; the "pooled" or "weighted" ER some tools show).
MEAN_OF_RATIOS = "mean"
RATIO_OF_SUMS = "sum"
AVERAGING_METHODS = (MEAN_OF_RATIOS, RATIO_OF_SUMS)

# The counters that count as an interaction (an engaged action on a post).
INTERACTION_COUNTERS = ("likes", "comments", "reposts", "saves")


def ratio(numerator: Number | None, denominator: Number | None, *,
          percent: bool = True) -> float | None:
    """numerator / denominator (×100 when ``percent``); None if either is missing or the
    denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    value = float(numerator) / float(denominator)
    return value * 100 if percent else value


def interactions(*, likes: int | None = None, comments: int | None = None,
                 reposts: int | None = None, saves: int | None = None) -> int | None:
    """interactions = likes + comments + reposts + saves.

    Only the counters the network gives are added (Telegram's public preview gives
    reposts but no saves); a missing one is left out, not counted as 0. None when the
    network gives none of the four."""
    given = [v for v in (likes, comments, reposts, saves) if v is not None]
    return sum(given) if given else None


def interactions_of(counters: Any) -> int | None:
    """:func:`interactions` of a snapshot or a mapping with the four counters."""
    get = counters.get if isinstance(counters, dict) else (
        lambda name: getattr(counters, name, None))
    return interactions(**{name: get(name) for name in INTERACTION_COUNTERS})


def average_rate(pairs: Iterable[tuple[Number | None, Number | None]], *,
                 method: str = MEAN_OF_RATIOS) -> float | None:
    """Average a rate over (numerator, denominator) pairs, in percent.

    ``MEAN_OF_RATIOS``: mean of numerator_i / denominator_i ×100 over the pairs where both
    are given and the denominator is not 0. ``RATIO_OF_SUMS``: Σnumerator / Σdenominator
    ×100 over the same pairs. None when no pair counts."""
    if method not in AVERAGING_METHODS:
        raise ValueError(f"unknown averaging method {method!r}")
    usable = [(n, d) for n, d in pairs if n is not None and d is not None and d != 0]
    if not usable:
        return None
    if method == RATIO_OF_SUMS:
        return ratio(sum(n for n, _d in usable), sum(d for _n, d in usable))
    rates = [ratio(n, d) for n, d in usable]
    return sum(rates) / len(rates)  # type: ignore[arg-type]


# --- engagement rates ---------------------------------------------------------------

def er_post(*, interactions: int | None, followers: int | None) -> float | None:
    """ERpost = (likes + comments + reposts + saves) / followers × 100, for one post."""
    return ratio(interactions, followers)


def er_post_average(posts: Iterable[tuple[int | None, int | None]], *,
                    method: str = MEAN_OF_RATIOS) -> float | None:
    """ERpost over a period: averaged per post. ``posts`` are (interactions, followers)
    pairs; by default the mean of each post's ERpost (see :func:`average_rate`)."""
    return average_rate(posts, method=method)


def er_day(*, interactions: int | None, followers: int | None) -> float | None:
    """ERday = interactions on the day's posts / followers that day × 100."""
    return ratio(interactions, followers)


def er_day_average(days: Iterable[tuple[int | None, int | None]], *,
                   method: str = MEAN_OF_RATIOS) -> float | None:
    """ERday over a period: averaged per day (days with posts). ``days`` are
    (interactions, followers) pairs; by default the mean of each day's ERday."""
    return average_rate(days, method=method)


def er_view(*, interactions: int | None, views: int | None) -> float | None:
    """ERview = interactions / views × 100."""
    return ratio(interactions, views)


def err(*, interactions: int | None, reach: int | None) -> float | None:
    """ERR (ER by reach) = interactions / reach × 100."""
    return ratio(interactions, reach)


def err_telegram(*, views: int | None, followers: int | None) -> float | None:
    """Telegram's ERR = views / subscribers × 100 (how many subscribers saw the post)."""
    return ratio(views, followers)


def love_rate(*, likes: int | None, followers: int | None) -> float | None:
    """Love rate = likes / followers × 100."""
    return ratio(likes, followers)


def talk_rate(*, comments: int | None, followers: int | None) -> float | None:
    """Talk rate = comments / followers × 100."""
    return ratio(comments, followers)


def amplification_rate(*, reposts: int | None, followers: int | None) -> float | None:
    """Amplification rate = reposts / followers × 100."""
    return ratio(reposts, followers)


# --- growth ------------------------------------------------------------------------

def follower_growth(*, start: int | None, end: int | None) -> int | None:
    """Follower growth = followers at the end − followers at the start (may be < 0)."""
    if start is None or end is None:
        return None
    return end - start


def growth_rate(*, start: int | None, end: int | None) -> float | None:
    """Growth rate = (followers at the end − at the start) / followers at the start × 100."""
    return ratio(follower_growth(start=start, end=end), start)


def change_percent(*, current: Number | None, previous: Number | None) -> float | None:
    """Change vs the previous period = (current − previous) / |previous| × 100."""
    if current is None or previous is None or previous == 0:
        return None
    return (float(current) - float(previous)) / abs(float(previous)) * 100


# --- links and money ---------------------------------------------------------------

CTR_BY_VIEWS = "views"
CTR_BY_REACH = "reach"


def ctr(*, clicks: int | None, views: int | None = None, reach: int | None = None,
        base: str = CTR_BY_VIEWS) -> float | None:
    """CTR = link clicks / views × 100 (by default), or clicks / reach × 100 with
    ``base="reach"`` (clicks per person reached rather than per showing)."""
    if base not in (CTR_BY_VIEWS, CTR_BY_REACH):
        raise ValueError(f"unknown CTR base {base!r}")
    return ratio(clicks, views if base == CTR_BY_VIEWS else reach)


def cost_per_result(*, cost: Number | None, results: int | None) -> Number | None:
    """Cost per result = cost / results (leads, clicks, conversions). None without
    costs or without results."""
    if cost is None or results is None or results == 0:
        return None
    if isinstance(cost, Decimal):
        return cost / Decimal(results)
    return cost / results


def roi(*, revenue: Number | None, cost: Number | None) -> float | None:
    """ROI = (revenue − cost) / cost × 100. None without costs."""
    if revenue is None or cost is None or cost == 0:
        return None
    return (float(revenue) - float(cost)) / float(cost) * 100


# --- the registry ------------------------------------------------------------------

PERCENT = "%"
COUNT = "count"
MONEY = "money"


@dataclass(frozen=True)
class Metric:
    name: str
    label: str | Promise
    formula: str | Promise
    unit: str
    function: Callable[..., Any]

    def tooltip(self) -> str:
        """"Label: formula", for a ``title`` attribute."""
        return f"{self.label}: {self.formula}"


_REGISTRY = (
    Metric("interactions", _("Interactions"),
           _("likes + comments + reposts + saves (the counters the network gives)"),
           COUNT, interactions),
    Metric("er_post", _("ER by followers (ERpost)"),
           _("(likes + comments + reposts + saves) / followers × 100, per post, "
             "averaged over posts"), PERCENT, er_post),
    Metric("er_day", _("ER by day (ERday)"),
           _("interactions on the day's posts / followers × 100, averaged over days"),
           PERCENT, er_day),
    Metric("er_view", _("ER by views (ERview)"),
           _("interactions / views × 100"), PERCENT, er_view),
    Metric("err", _("ER by reach (ERR)"),
           _("interactions / reach × 100"), PERCENT, err),
    Metric("err_telegram", _("Telegram ERR"),
           _("views / subscribers × 100"), PERCENT, err_telegram),
    Metric("love_rate", _("Love rate"), _("likes / followers × 100"), PERCENT, love_rate),
    Metric("talk_rate", _("Talk rate"), _("comments / followers × 100"), PERCENT, talk_rate),
    Metric("amplification_rate", _("Amplification rate"),
           _("reposts / followers × 100"), PERCENT, amplification_rate),
    Metric("follower_growth", _("Follower growth"),
           _("followers at the end − followers at the start"), COUNT, follower_growth),
    Metric("growth_rate", _("Growth rate"),
           _("(followers at the end − at the start) / followers at the start × 100"),
           PERCENT, growth_rate),
    Metric("ctr", _("CTR"), _("link clicks / views × 100"), PERCENT, ctr),
    Metric("cost_per_result", _("Cost per result"), _("cost / results"), MONEY,
           cost_per_result),
    Metric("roi", _("ROI"), _("(revenue − cost) / cost × 100"), PERCENT, roi),
)

METRICS: dict[str, Metric] = {m.name: m for m in _REGISTRY}


def metric_get(name: str) -> Metric:
    """The registered metric ``name`` (KeyError for an unknown one)."""
    return METRICS[name]


def metric_tooltips() -> dict[str, str]:
    """name → "Label: formula" in the active language, for templates."""
    return {name: m.tooltip() for name, m in METRICS.items()}
