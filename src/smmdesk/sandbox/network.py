"""The simulated network's behaviour: a seeded audience that reacts to posts.

Everything is reproducible from seeds. A post's comments are drawn when it is made,
each with the minute it "arrives"; its views, likes and reposts are a function of the
time since it was made (fast at first, then levelling off over an hour or so). Nothing
ticks in the background: reading at a later time shows the audience further along.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import secrets
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from smmdesk.sandbox.models import SandboxAccount, SandboxComment, SandboxPost

DATA = Path(__file__).parent / "data" / "audience.json"
CATEGORY_WEIGHTS = {"praise": 30, "neutral": 20, "question": 20, "negative": 12,
                    "purchase_intent": 10, "spam": 8}
REACTION_MINUTES = 12.0  # time constant of the audience's reaction
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
    now = now or timezone.now()
    posts = list(account.posts.filter(deleted_at__isnull=True, created_at__lte=now))
    gained = sum(post_metrics(p, now=now)["likes"] // 12 for p in posts)
    return {"followers": account.followers_base + gained, "posts": len(posts)}


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
    appeal = rng.lognormvariate(0, 0.45)
    if post.media_count:
        appeal *= 1.35
    if post.format in ("reel", "story"):
        appeal *= 1.25
    if len(post.text) > 1500:
        appeal *= 0.8
    return appeal


def post_metrics(post: SandboxPost, *, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    minutes = max(0.0, (now - post.created_at).total_seconds() / 60)
    progress = 1 - math.exp(-minutes / REACTION_MINUTES)
    rng = _rng(post.account.seed, post.pk, "metrics")
    reach = post.account.followers_base * rng.uniform(0.25, 0.6) * _appeal(post)
    er = rng.uniform(0.025, 0.07)
    views = int(reach * progress)
    likes = int(views * er)
    comments = post.comments.filter(created_at__lte=now, deleted=False, by_owner=False).count()
    return {"views": views, "likes": likes, "reposts": int(likes * rng.uniform(0.05, 0.18)),
            "comments": comments, "saves": int(likes * rng.uniform(0.03, 0.12)),
            "clicks": int(views * rng.uniform(0.002, 0.01))}


# ---------------------------------------------------------------- the audience


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _draw_comments(post: SandboxPost) -> None:
    rng = _rng(post.account.seed, post.pk, "comments")
    count = max(1, min(25, int(rng.gauss(6, 3) * _appeal(post))))
    rows = []
    for _ in range(count):
        lang = _pick(rng, post.account.languages)
        category = _pick(rng, CATEGORY_WEIGHTS)
        name, handle = rng.choice(corpus()[lang]["names"])
        minutes = rng.expovariate(1 / REACTION_MINUTES) + 0.2
        rows.append(SandboxComment(
            post=post, author_name=name, author_handle=handle, language=lang,
            category=category, text=rng.choice(corpus()[lang]["comments"][category]),
            created_at=post.created_at + timedelta(minutes=minutes)))
    SandboxComment.objects.bulk_create(rows)


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
