"""The simulated network's behaviour: a seeded audience that reacts to posts.

Everything is reproducible from seeds. A post's comments are drawn when it is made,
each with the minute it "arrives"; its views, reach, likes and reposts are a function of
the time since it was made: fast in the first hour, then levelling off over days (about
45 % at 1 h, 75 % at 6 h, 90 % at 24 h, all of it after a week or two). Nothing ticks in
the background: reading at a later time shows the audience further along.

Each account has a seeded audience profile (``audience_profile``): its clock (a UTC
offset by its main language), its daily rhythm (a morning, a lunchtime and a bigger
evening peak, at hours of its own) and its week (some audiences are busier at weekends,
others on weekdays). A post published when the audience is active gets more of its first
hours' views, so a best-time heatmap built from the posts finds the profile. Followers
follow a seeded curve in time (growth with slow waves of churn), and the account gives
its views and reach of the last 24 hours.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import secrets
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from smmdesk.sandbox.models import SandboxAccount, SandboxComment, SandboxPost

DATA = Path(__file__).parent / "data" / "audience.json"
CATEGORY_WEIGHTS = {"praise": 30, "neutral": 20, "question": 20, "negative": 12,
                    "purchase_intent": 10, "spam": 8}
REACTION_MINUTES = 12.0  # time constant of the audience's comments
# A post's views come in three waves: (share of the final views, time constant in
# minutes). The first one is the followers who see it in their feed within the hour, and
# is the one the time of day scales (``audience_activity``).
GROWTH = ((0.55, 30.0), (0.30, 8 * 60.0), (0.15, 3 * 24 * 60.0))
UTC_OFFSETS = {"ru": 3, "be": 3, "uk": 2, "en": 0}  # the audience's clock by its language
BASE_URL = "https://sandbox.smmdesk.local"


@cache
def corpus() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))["languages"]


def _rng(*parts) -> random.Random:
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def post_url(post: SandboxPost) -> str:
    return f"{BASE_URL}/{post.account.handle}/{post.pk}"


# ---------------------------------------------------------------- accounts


def account_create(*, name: str, handle: str = "", languages: dict | None = None,
                   followers: int = 1500) -> SandboxAccount:
    handle = handle or f"acct{secrets.token_hex(4)}"
    langs = languages or {"en": 1.0}
    if not set(langs) <= set(corpus()):
        raise ValueError(f"unknown languages: {sorted(set(langs) - set(corpus()))}")
    return SandboxAccount.objects.create(handle=handle, name=name, followers_base=followers,
                                         languages=langs, seed=secrets.token_hex(8))


def account_metrics(account: SandboxAccount, *, now: datetime | None = None) -> dict[str, int]:
    """Followers and posts at ``now``, and the views and reach of the 24 hours before it."""
    return account_metrics_series(account, times=[now or timezone.now()])[0]


def account_metrics_series(account: SandboxAccount, *, times: list[datetime],
                           ) -> list[dict[str, int]]:
    """``account_metrics`` at each of ``times`` (one query: a year of days at once)."""
    made = sorted(account.posts.filter(deleted_at__isnull=True, created_at__lte=max(times))
                  .values_list("created_at", flat=True))
    out = []
    for now in times:
        views, reach = _last_day(account, now)
        out.append({"followers": followers_at(account, now), "posts": bisect_right(made, now),
                    "views": views, "reach": reach})
    return out


# ---------------------------------------------------------------- the audience's rhythms


@dataclass(frozen=True)
class Profile:
    utc_offset: int  # the audience's clock, hours from UTC
    peaks: tuple[tuple[float, float, float], ...]  # (hour, width in hours, height)
    weekdays: tuple[float, ...]  # Monday .. Sunday
    growth: float  # the followers' trend, per day
    view_rate: float  # an account's daily views per follower
    norm: float  # makes the week's average activity 1

    def activity(self, hour: float, weekday: int) -> float:
        day = 0.2 + sum(height * math.exp(-(min(abs(hour - at), 24 - abs(hour - at))
                                            ** 2) / (2 * width ** 2))
                        for at, width, height in self.peaks)
        return day * self.weekdays[weekday] / self.norm

    @property
    def best_hour(self) -> int:
        return max(range(24), key=lambda h: self.activity(h + 0.5, 0))


def _main_language(account: SandboxAccount) -> str:
    return max(account.languages or {"en": 1}, key=lambda k: account.languages.get(k, 1))


def audience_profile(account: SandboxAccount) -> Profile:
    return _profile(account.seed, UTC_OFFSETS.get(_main_language(account), 0))


@lru_cache(maxsize=256)
def _profile(seed: str, utc_offset: int) -> Profile:
    rng = _rng(seed, "profile")
    peaks = ((rng.uniform(7.5, 9.0), 1.0, rng.uniform(0.25, 0.45)),
             (rng.uniform(12.0, 13.5), 1.0, rng.uniform(0.4, 0.7)),
             (rng.uniform(18.5, 21.5), 1.8, 1.0))
    weekend = rng.uniform(1.15, 1.35) if rng.random() < 0.5 else rng.uniform(0.7, 0.85)
    weekdays = (*(rng.uniform(0.92, 1.08) for _ in range(5)), weekend,
                weekend * rng.uniform(0.9, 1.05))
    profile = Profile(utc_offset=utc_offset, peaks=peaks, weekdays=weekdays,
                      growth=rng.uniform(0.0009, 0.0022), view_rate=rng.uniform(0.5, 0.9),
                      norm=1.0)
    mean = sum(profile.activity(h / 2, d) for h in range(48) for d in range(7)) / (48 * 7)
    return Profile(**{**profile.__dict__, "norm": mean})


def _local(account: SandboxAccount, at: datetime) -> datetime:
    return at.astimezone(UTC) + timedelta(hours=audience_profile(account).utc_offset)


def audience_activity(account: SandboxAccount, at: datetime) -> float:
    """How many of the audience are about at ``at`` (1 = the week's average)."""
    local = _local(account, at)
    return audience_profile(account).activity(local.hour + local.minute / 60,
                                              local.weekday())


def followers_at(account: SandboxAccount, at: datetime) -> int:
    """``followers_base`` when the account was made; a seeded trend before and after it,
    with slow waves of unfollows, so some weeks lose more than they gain."""
    days = (at - account.created_at).total_seconds() / 86400
    base = account.followers_base
    wave = 0.005 * math.sin(2 * math.pi * days / 23) + 0.002 * math.sin(2 * math.pi * days / 9)
    return max(0, int(base * math.exp(audience_profile(account).growth * days) + base * wave))


def _day_views(account: SandboxAccount, day) -> tuple[float, float]:
    rng = _rng(account.seed, "day", day.isoformat())
    noon = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    profile = audience_profile(account)
    views = (followers_at(account, noon) * profile.view_rate * profile.weekdays[day.weekday()]
             * rng.lognormvariate(0, 0.25))
    return views, views / rng.uniform(1.25, 1.6)


def _last_day(account: SandboxAccount, now: datetime) -> tuple[int, int]:
    """Views and reach in the 24 hours before ``now``, from the audience's two days."""
    local = _local(account, now)
    share = (local.hour * 60 + local.minute) / 1440
    today, yesterday = _day_views(account, local.date()), _day_views(
        account, local.date() - timedelta(days=1))
    return (int(today[0] * share + yesterday[0] * (1 - share)),
            int(today[1] * share + yesterday[1] * (1 - share)))


# ---------------------------------------------------------------- posts


@transaction.atomic
def post_create(*, account: SandboxAccount, text: str, media_count: int = 0,
                format: str = "feed", marker: str = "",
                at: datetime | None = None) -> SandboxPost:
    post = SandboxPost.objects.create(account=account, text=text, media_count=media_count,
                                      format=format, marker=marker,
                                      created_at=at or timezone.now())
    _draw_comments(post)
    return post


@transaction.atomic
def posts_create_bulk(*, posts: list[SandboxPost], comments_since: datetime | None = None,
                      ) -> list[SandboxPost]:
    """Unsaved posts (a history) saved at once; the audience's comments are written only
    under those made at or after ``comments_since`` (None: under none). The counters
    (``post_metrics``) count every comment the audience wrote, written or not."""
    made = SandboxPost.objects.bulk_create(posts, batch_size=500)
    if comments_since is not None:
        comments_draw([p for p in made if p.created_at >= comments_since])
    return made


def post_find(*, account: SandboxAccount, marker: str, since: datetime) -> SandboxPost | None:
    return (account.posts.filter(marker=marker, created_at__gte=since, deleted_at__isnull=True)
            .first())


def post_delete(post: SandboxPost) -> None:
    post.deleted_at = timezone.now()
    post.save(update_fields=["deleted_at"])


def post_edit(post: SandboxPost, *, text: str) -> None:
    post.text, post.edited_at = text, timezone.now()
    post.save(update_fields=["text", "edited_at"])


def _appeal(post: SandboxPost) -> float:
    """How much the audience likes this post, from seeds and simple traits of the post."""
    rng = _rng(post.account.seed, post.pk, "appeal")
    appeal = rng.lognormvariate(0, 0.45) * post.appeal_boost
    if post.media_count:
        appeal *= 1.35
    if post.format in ("reel", "story"):
        appeal *= 1.25
    if len(post.text) > 1500:
        appeal *= 0.8
    return appeal


def post_metrics(post: SandboxPost, *, now: datetime | None = None) -> dict[str, int]:
    return post_metrics_series(post, times=[now or timezone.now()])[0]


def post_metrics_series(post: SandboxPost, *, times: list[datetime]) -> list[dict[str, int]]:
    """The post's counters at each of ``times``."""
    return posts_metrics_series([(post, times)])[0]


def posts_metrics_series(items: list[tuple[SandboxPost, list[datetime]]],
                         ) -> list[list[dict[str, int]]]:
    """Each post's counters at each of its times (one query for them all: a year of
    history is read at once)."""
    deleted: dict[int, list[datetime]] = {}
    for post_id, at in SandboxComment.objects.filter(
            post__in=[post for post, _times in items], deleted=True,
            by_owner=False).values_list("post_id", "created_at"):
        deleted.setdefault(post_id, []).append(at)
    return [_series(post, times, deleted.get(post.pk, [])) for post, times in items]


def _series(post: SandboxPost, times: list[datetime], deleted_at: list[datetime],
            ) -> list[dict[str, int]]:
    rng = _rng(post.account.seed, post.pk, "metrics")
    followers = followers_at(post.account, post.created_at)
    final = followers * rng.uniform(0.3, 0.6) * _appeal(post)  # views, all waves done
    first = GROWTH[0][0] * audience_activity(post.account, post.created_at)
    frequency, er = rng.uniform(1.12, 1.45), rng.uniform(0.025, 0.07)
    shares = {k: rng.uniform(*span) for k, span in
              (("reposts", (0.05, 0.18)), ("saves", (0.03, 0.12)), ("clicks", (0.002, 0.01)))}
    arrivals = [c.minutes for c in _comment_plan(post)]
    deleted = [(at - post.created_at).total_seconds() / 60 for at in deleted_at]
    out = []
    for now in times:
        minutes = max(0.0, (now - post.created_at).total_seconds() / 60)
        progress = first * (1 - math.exp(-minutes / GROWTH[0][1])) + sum(
            share * (1 - math.exp(-minutes / tau)) for share, tau in GROWTH[1:])
        views = int(final * progress)
        likes = int(views * er)
        comments = (sum(m <= minutes for m in arrivals) - sum(m <= minutes for m in deleted))
        out.append({"views": views, "reach": int(views / frequency), "likes": likes,
                    "reposts": int(likes * shares["reposts"]), "comments": max(0, comments),
                    "saves": int(likes * shares["saves"]),
                    "clicks": int(views * shares["clicks"])})
    return out


# ---------------------------------------------------------------- the audience


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


@dataclass(frozen=True)
class _Planned:
    language: str
    category: str
    name: str
    handle: str
    text: str
    minutes: float  # after the post was made


def _comment_plan(post: SandboxPost) -> list[_Planned]:
    """Every comment the audience writes under the post, from its seeds."""
    rng = _rng(post.account.seed, post.pk, "comments")
    count = max(1, min(25, int(rng.gauss(6, 3) * _appeal(post))))
    plan = []
    for _ in range(count):
        lang = _pick(rng, post.account.languages)
        category = _pick(rng, CATEGORY_WEIGHTS)
        name, handle = rng.choice(corpus()[lang]["names"])
        minutes = rng.expovariate(1 / REACTION_MINUTES) + 0.2
        plan.append(_Planned(lang, category, name, handle,
                             rng.choice(corpus()[lang]["comments"][category]), minutes))
    return plan


def comments_draw(posts: list[SandboxPost]) -> None:
    """Write the audience's comments under each post (each visible from its minute)."""
    SandboxComment.objects.bulk_create([
        SandboxComment(post=post, author_name=c.name, author_handle=c.handle,
                       language=c.language, category=c.category, text=c.text,
                       created_at=post.created_at + timedelta(minutes=c.minutes))
        for post in posts for c in _comment_plan(post)], batch_size=500)


def _draw_comments(post: SandboxPost) -> None:
    comments_draw([post])


def comments_visible(post: SandboxPost, *, since: datetime | None = None,
                     now: datetime | None = None):
    qs = post.comments.filter(created_at__lte=now or timezone.now(), deleted=False)
    if since is not None:
        qs = qs.filter(created_at__gt=since)
    return qs.select_related("parent")


def owner_comment(post: SandboxPost, *, text: str, account: SandboxAccount,
                  parent: SandboxComment | None = None) -> SandboxComment:
    """A comment by the account itself: a reply, or the first comment under its post."""
    return SandboxComment.objects.create(
        post=post, parent=parent, author_handle=account.handle, author_name=account.name,
        language="", category="owner", text=text, created_at=timezone.now(), by_owner=True)


def comment_reply(comment: SandboxComment, *, text: str, account: SandboxAccount,
                  ) -> SandboxComment:
    return owner_comment(comment.post, text=text, account=account, parent=comment)


def comment_hide(comment: SandboxComment, *, hidden: bool = True) -> None:
    comment.hidden = hidden
    comment.save(update_fields=["hidden"])
