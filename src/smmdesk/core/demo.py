"""The demo workspace: a coffee roastery with sandbox channels, a year of history and a
plan for the coming weeks, so every page has something real to show on first start.

The history is seeded directly and in bulk (the past cannot be scheduled): a year of
published posts, what the analytics collector would have read of them and of the
channels (each post's ladder, each channel's day), read from the sandbox network at those
times, and the audience's comments under the last month's posts. Everything from now on
goes through the same services as a person's clicks, and the worker publishes it.

The workspace's own words (its name, rubrics, saved replies, rules, hashtag groups,
snippets, campaign and task titles) are in the language of the person who makes it
(``demo_language``); each channel's posts stay in that channel's language.
"""

from __future__ import annotations

import json
import os
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from smmdesk.accounts.models import ApprovalMode, User, Workspace
from smmdesk.accounts.roles import Role
from smmdesk.accounts.services import membership_set, user_create, workspace_create
from smmdesk.analytics.conversions import (
    analytics_settings_update,
    conversion_record,
    promo_code_create,
)
from smmdesk.analytics.costs import cost_create
from smmdesk.analytics.models import (
    ChannelSnapshot,
    CollectPlan,
    Goal,
    GoalMetric,
    PostSnapshot,
)
from smmdesk.analytics.services import CHANNEL_READ_AT, LADDER, ladder_next, snapshots_record
from smmdesk.channels.models import Channel
from smmdesk.channels.services import channel_connect
from smmdesk.content.models import Post, Rubric
from smmdesk.content.plan import plan_generate
from smmdesk.content.services import (
    campaign_create,
    hashtag_group_save,
    post_create,
    rubric_create,
    snippet_save,
)
from smmdesk.publishing.models import Publication, new_marker
from smmdesk.publishing.queue import slot_add
from smmdesk.publishing.services import (
    Published,
    publication_schedule,
    publications_record_published,
)
from smmdesk.sandbox import network
from smmdesk.sandbox.models import SandboxAccount, SandboxComment, SandboxPost
from smmdesk.sandbox.selectors import sandbox_post_path
from smmdesk.team.services import approval_mode_set, approval_submit, task_create

DEMO_EMAIL = "demo@smmdesk.local"
DEMO_SLUG = "zerno-demo"
POSTS = json.loads((Path(__file__).parent / "data" / "demo_posts.json").read_text("utf-8"))
TEXTS = json.loads((Path(__file__).parent / "data" / "demo_workspace.json").read_text("utf-8"))
CHANNELS = [  # name, audience preset, language of its posts
    ("Zerno · Minsk", "be", "be"),
    ("Zerno · Kyiv", "uk", "uk"),
    ("Zerno · Club", "ru", "ru"),
    ("Zerno Global", "en", "en"),
]
RUBRICS = [  # key (its name is in TEXTS), colour, target share
    ("useful", "#2563eb", 40),
    ("entertaining", "#db2777", 25),
    ("selling", "#16a34a", 20),
    ("team", "#f59e0b", 15),
]
SLOTS = (time(9, 0), time(13, 30), time(19, 0))
HISTORY_DAYS = 365
MONEY_DAYS = 90  # orders and costs: the last three months
MONEY_CURRENCY = {"be": "BYN", "uk": "UAH", "ru": "RUB", "en": "USD"}
COMMENT_DAYS = 30  # the audience's comments are written under the last month's posts only
RETURNING_DAYS = (45, 90)  # and under one post per channel this long ago (returning people)
HISTORY_HOURS = (8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22)
HISTORY_FORMATS = {"feed": 70, "reel": 15, "story": 15}
GOAL_DAYS_GONE = 20  # the demo's goals run for 30 days, 20 of them gone


@dataclass(frozen=True)
class Login:
    email: str
    password: str


def _login_file() -> Path:
    return settings.DATA_DIR / "demo-login.txt"


def demo_language(language: str | None = None) -> str:
    """The language of the person who makes the demo: the one given (the request's, or
    ``--language``), else ``SMMDESK_LANGUAGE``, else the system locale (``LC_ALL``,
    ``LC_MESSAGES``, ``LANG``), else English. Only en, ru, uk and be are written."""
    env = os.environ
    for value in (language, getattr(settings, "SMMDESK_LANGUAGE", ""), env.get("LC_ALL"),
                  env.get("LC_MESSAGES"), env.get("LANG")):
        code = (value or "").split(".")[0].split("_")[0].split("-")[0].lower()
        if code in TEXTS:
            return code
        if code not in ("", "c", "posix"):
            return "en"  # a language smmdesk does not speak: English rather than the next
    return "en"


def _demo_user(language: str = "en") -> Login:
    path = _login_file()
    user = User.objects.filter(email=DEMO_EMAIL).first()
    if user is not None and path.exists():
        return Login(DEMO_EMAIL, path.read_text(encoding="utf-8").split()[-1])
    password = secrets.token_urlsafe(9)
    if user is None:
        user_create(email=DEMO_EMAIL, password=password, name=TEXTS[language]["manager"],
                    language=language, check_password=False)
    else:
        user.set_password(password)
        user.save(update_fields=["password"])
    path.write_text(f"{DEMO_EMAIL} {password}\n", encoding="utf-8")
    path.chmod(0o600)
    return Login(DEMO_EMAIL, password)


def demo_exists() -> bool:
    return Workspace.objects.filter(slug=DEMO_SLUG).exists()


def demo_create(*, reset: bool = False, progress=lambda msg: None,
                days: int = HISTORY_DAYS,
                language: str | None = None, read_inbox: bool = True) -> Login:
    """Make the demo workspace (unless it exists), in ``demo_language(language)``.
    ``read_inbox=False`` leaves the audience's comments on the sandbox network for the
    worker to read in (``smmdesk run``: the text model may still be training)."""
    language = demo_language(language)
    login = _demo_user(language)
    existing = Workspace.objects.filter(slug=DEMO_SLUG).first()
    if existing and not reset:
        return login
    if existing:
        progress("removed the old demo workspace")
        existing.delete()
    user = User.objects.get(email=DEMO_EMAIL)
    with translation.override(language):
        _build(user, TEXTS[language], language, progress, days=days, read_inbox=read_inbox)
    return login


def _build(user, t: dict, language: str, progress, *, days: int, read_inbox: bool) -> None:
    with transaction.atomic():
        ws = _workspace(user, t, language)
        channels = _channels(ws, user)
        rubrics = _rubrics(ws, t)
    progress(f"{len(channels)} sandbox channels with simulated audiences (be, uk, ru, en); "
             f"the workspace's own texts in {language}")
    with transaction.atomic():  # one commit, not one per post
        pubs = _history(ws, user, channels, rubrics, days=days)
        post_rows, channel_rows = _measurements(ws, channels, pubs, days=days)
        _goals(ws, user, channels, t)
    comments = SandboxComment.objects.filter(
        post__account__handle__in=[c.external_id for c in channels.values()]).count()
    progress(f"{len(pubs)} posts published over the last {days} days, "
             f"{comments} comments from the audience (the last {COMMENT_DAYS} days)")
    progress(f"{post_rows} readings of those posts and {channel_rows} daily readings of "
             f"the channels; 2 goals")
    with transaction.atomic():
        planned = _plan(ws, user, channels, rubrics)
    progress(f"{planned} posts scheduled for the next two weeks")
    tasks = _team(ws, user, channels, t)
    progress(f"posting times, a four-week content plan, {tasks} tasks, "
             f"2 posts waiting for approval")
    read = _inbox(ws, user, t, read_inbox=read_inbox)
    if read_inbox:
        progress(f"{read} comments read into the inbox (a rule hides the spam)")
    from smmdesk.listening.demo import demo_listening

    progress(demo_listening(workspace=ws, user=user, read=read_inbox))
    with transaction.atomic():
        orders, costs = _money(ws, user, channels, pubs, language)
    progress(f"{orders} orders with promo codes and {costs} costs (ads, production) over "
             f"the last {MONEY_DAYS} days, for ROI")
    from smmdesk.analytics.reports.services import demo_reports

    demo_reports(workspace=ws, actor=user)
    progress("a monthly report template for the client, and last month's report")


def _money(ws, user, channels, pubs: list[Publication], language: str) -> tuple[int, int]:
    """The shop's side: a promo code per channel (in its latest post), orders naming it
    (or none) on most days, a week's ad spend per channel and a month's production
    hours, so Conversions and ROI and the reports have figures."""
    rng, now = random.Random(20261207), timezone.now()
    today = timezone.localdate(now, ws.tz)
    analytics_settings_update(workspace=ws, currency=MONEY_CURRENCY.get(language, "USD"),
                              hourly_rate=Decimal(15))
    latest = {p.channel_id: p for p in pubs}  # in publication order: the last one wins
    codes = {lang: promo_code_create(workspace=ws, code=f"ZERNO-{lang.upper()}",
                                     channel=c, post=latest[c.pk].post if c.pk in latest
                                     else None).code
             for lang, c in channels.items()}
    orders = costs = 0
    for back in range(MONEY_DAYS, 0, -1):
        day = today - timedelta(days=back)
        for lang, channel in channels.items():
            for _ in range(rng.choices((0, 1, 2), weights=(45, 40, 15))[0]):
                at = datetime.combine(day, time(rng.randint(9, 21), rng.randint(0, 59)),
                                      tzinfo=ws.tz)
                conversion_record(workspace=ws, kind="order", source="manual",
                                  value=Decimal(rng.randint(12, 48)), occurred_at=at,
                                  promo_code=codes[lang] if rng.random() < 0.75 else "",
                                  external_id=f"demo-{orders}", now=now)
                orders += 1
            if day.weekday() == 0:
                cost_create(workspace=ws, kind="ads", amount=Decimal(rng.randint(25, 60)),
                            spent_on=day, channel=channel, actor=user)
                costs += 1
            if day.day == 1:
                cost_create(workspace=ws, kind="production", hours=Decimal(12),
                            spent_on=day, channel=channel, actor=user)
                costs += 1
    return orders, costs


def _workspace(user: User, t: dict, language: str) -> Workspace:
    ws = workspace_create(name=t["workspace"], owner=user, timezone_name="Europe/Minsk",
                          language=language)
    Workspace.objects.filter(pk=ws.pk).update(slug=DEMO_SLUG)
    ws.refresh_from_db()
    for email, role in (("client@smmdesk.local", Role.CLIENT),
                        ("copywriter@smmdesk.local", Role.EDITOR)):
        # No password (nobody signs in as them): hashing one costs a second of a first start.
        member = User.objects.filter(email=email).first() or user_create(
            email=email, password=None, check_password=False)
        membership_set(workspace=ws, user=member, role=role)
    campaign_create(workspace=ws, name=t["campaign"], utm_campaign="winter-blend",
                    starts_on=timezone.localdate(), ends_on=timezone.localdate()
                    + timedelta(days=30))
    return ws


def _channels(ws: Workspace, user: User) -> dict[str, Channel]:
    channels = {}
    for name, audience, lang in CHANNELS:
        channels[lang] = channel_connect(workspace=ws, kind="sandbox", actor=user,
                                         data={"name": name, "audience": audience,
                                               "followers": str(random.randint(1200, 5200))})
    return channels


def _rubrics(ws: Workspace, t: dict) -> dict[str, Rubric]:
    return {key: rubric_create(workspace=ws, name=t["rubrics"][key], color=color,
                               target_share=share)
            for key, color, share in RUBRICS}


def _slot(day, slot: time, tz) -> datetime:
    return datetime.combine(day, slot, tzinfo=tz)


def _history(ws, user, channels, rubrics, *, days: int) -> list[Publication]:
    """``days`` of published posts (1–2 a channel a day, by the rubrics' target shares, at
    hours spread over the day), written in bulk with their posts on the network; the
    audience's comments only under the last COMMENT_DAYS' posts."""
    rng, now = random.Random(20261122), timezone.now()
    today = timezone.localdate(now, ws.tz)
    accounts = {a.handle: a for a in SandboxAccount.objects.filter(
        handle__in=[c.external_id for c in channels.values()])}
    drafts = []  # (channel, rubric key, text, when, format)
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        for lang, channel in channels.items():
            for _ in range(rng.choices((0, 1, 2), weights=(10, 55, 35))[0]):
                key = rng.choices([r[0] for r in RUBRICS], weights=[r[2] for r in RUBRICS])[0]
                text = rng.choice([x for r, x in POSTS[lang] if r == key])
                at = datetime.combine(day, time(rng.choice(HISTORY_HOURS), rng.randint(0, 59)),
                                      tzinfo=ws.tz)
                fmt = rng.choices(list(HISTORY_FORMATS), weights=HISTORY_FORMATS.values())[0]
                drafts.append((channel, key, text, at, fmt))
    posts = Post.objects.bulk_create(
        [Post(workspace=ws, author=user, body=text, rubric=rubrics[key],
              created_at=at - timedelta(days=1)) for _c, key, text, at, _f in drafts],
        batch_size=500)
    markers = [new_marker() for _ in drafts]
    remote = network.posts_create_bulk(posts=[
        SandboxPost(account=accounts[c.external_id], text=text, format=fmt,
                    media_count=int(fmt != "feed"), marker=marker,
                    created_at=at + timedelta(seconds=2))
        for (c, _k, text, at, fmt), marker in zip(drafts, markers, strict=True)],
        comments_since=now - timedelta(days=COMMENT_DAYS))
    return publications_record_published(items=[
        Published(post=post, channel=c, at=at, published_at=r.created_at,
                  external_id=str(r.pk), marker=marker, format=fmt,
                  external_url=settings.SITE_URL + sandbox_post_path(slug=ws.slug,
                                                                     post_id=r.pk))
        for (c, _k, _t, at, fmt), post, r, marker in zip(drafts, posts, remote, markers,
                                                         strict=True)],
        actor=user, worker_id="demo-history")


def _measurements(ws, channels, pubs: list[Publication], *, days: int) -> tuple[int, int]:
    """What the collector would have read over the year, from the network at those times:
    each publication's ladder (LADDER, as far as its age allows, then its plan goes on
    from there) and each channel's daily reading. Returns (post, channel) snapshots."""
    now, rows, plans = timezone.now(), [], []
    remote = {str(p.pk): p for p in SandboxPost.objects.select_related("account").filter(
        pk__in=[int(p.external_id) for p in pubs])}
    ladders = [[pub.published_at + after for after in LADDER
                if pub.published_at + after <= now] for pub in pubs]
    series = network.posts_metrics_series([(remote[pub.external_id], times)
                                           for pub, times in zip(pubs, ladders, strict=True)])
    for pub, times, readings in zip(pubs, ladders, series, strict=True):
        rows.extend(PostSnapshot(
            workspace=ws, publication=pub, channel_id=pub.channel_id, taken_at=at,
            age_hours=int((at - pub.published_at).total_seconds() // 3600), **counters)
            for at, counters in zip(times, readings, strict=True))
        step, next_at = ladder_next(published_at=pub.published_at, now=now)
        plans.append(CollectPlan(publication=pub, channel_id=pub.channel_id, step=step,
                                 next_at=next_at))
    snapshots_record(snapshots=rows)  # with each post's latest reading (PostLatest)
    CollectPlan.objects.bulk_create(plans, batch_size=1000)
    daily, today = [], timezone.localdate(now, ws.tz)
    dates = [today - timedelta(days=back) for back in range(days, 0, -1)]
    times = [datetime.combine(day, CHANNEL_READ_AT, tzinfo=ws.tz) for day in dates]
    for channel in channels.values():
        account = SandboxAccount.objects.get(handle=channel.external_id)
        readings = network.account_metrics_series(account, times=times)
        daily.extend(ChannelSnapshot(workspace=ws, channel=channel, day=day, taken_at=at,
                                     **counters)
                     for day, at, counters in zip(dates, times, readings, strict=True))
    ChannelSnapshot.objects.bulk_create(daily, batch_size=1000)
    return len(rows), len(daily)


def _goals(ws, user, channels, t: dict) -> None:
    """Two goals for 30 days, 20 of them gone (so each has a pace and a forecast on
    whatever day the demo is made): new followers, with a target under the pace so far
    (on track), and leads, with one above it (at risk). Leads are the buyers among the
    comments the inbox reads (under the last two weeks' posts)."""
    now = timezone.now()
    today = timezone.localdate(now, ws.tz)
    first, last = today - timedelta(days=GOAL_DAYS_GONE), today + timedelta(
        days=29 - GOAL_DAYS_GONE)
    handles = [c.external_id for c in channels.values()]
    start = datetime.combine(first, time(0), tzinfo=ws.tz)
    followers = dict(ChannelSnapshot.objects.filter(workspace=ws, day=first - timedelta(1))
                     .values_list("channel_id", "followers"))
    gained = sum(ChannelSnapshot.objects.filter(workspace=ws, day=today - timedelta(1))
                 .values_list("followers", flat=True)) - sum(followers.values())
    leads = SandboxComment.objects.filter(
        post__account__handle__in=handles, category="purchase_intent", created_at__gte=start,
        post__created_at__gte=now - timedelta(days=14)).count()
    per_period = 30 / GOAL_DAYS_GONE
    for key, metric, target in (
            ("followers", GoalMetric.FOLLOWER_GROWTH, max(10, gained * per_period * 0.65)),
            ("leads", GoalMetric.LEADS, max(5, leads * per_period))):
        Goal.objects.create(workspace=ws, name=t["goals"][key], metric=metric,
                            target=Decimal(int(target)), starts_on=first, ends_on=last,
                            created_by=user)


def _team(ws, user, channels, t: dict) -> int:
    """Posting slots, a generated plan for the coming weeks, hashtag groups, snippets,
    production tasks (one overdue) and two posts waiting for approval. Returns how many
    tasks it set."""
    copywriter = User.objects.get(email="copywriter@smmdesk.local")
    for channel in channels.values():
        for weekday in range(5):
            for at in SLOTS:
                slot_add(channel=channel, weekday=weekday, at=at)
    start = timezone.localdate(timezone.now(), ws.tz) + timedelta(days=15)
    plan_generate(workspace=ws, start=start, weeks=4, per_week={"feed": 2, "story": 1,
                                                                "reel": 1},
                  channels=[channels["uk"], channels["be"]], at=time(13, 30))
    for name, tags in t["hashtag_groups"]:
        hashtag_group_save(workspace=ws, name=name, tags=tags)
    for name, text in t["snippets"]:
        snippet_save(workspace=ws, name=name, text=text)
    posts = list(Post.objects.filter(workspace=ws, publications__status="scheduled")
                 .order_by("publications__scheduled_at").distinct()[:6])
    for n, post in enumerate(posts[2:]):
        task_create(workspace=ws, actor=user, kind=("design", "copy", "video", "copy")[n],
                    post=post, assignee=copywriter)
    if posts:
        task_create(workspace=ws, actor=user, kind="design", post=posts[-1], assignee=user,
                    title=t["task"], due_at=timezone.now() - timedelta(hours=5))
    approval_mode_set(workspace=ws, mode=ApprovalMode.INTERNAL_CLIENT)
    for lang in ("be", "en"):
        rubric_key, text = POSTS[lang][4]
        post = post_create(workspace=ws, actor=copywriter, body=text)
        publication_schedule(post=post, channel=channels[lang],
                             at=timezone.now() + timedelta(days=4), actor=copywriter)
        approval_submit(post=post, actor=copywriter)
    return ws.tasks.count()


REPLIES = [  # name (a key of TEXTS' replies), language of the text, intent, sentiment, text
    ("thanks", "en", "praise", "", "Thank you, {name}! Glad you liked it ☕"),
    ("thanks", "uk", "praise", "", "Дякуємо, {name}! Раді, що сподобалось ☕"),
    ("thanks", "be", "praise", "", "Дзякуй, {name}! Рады, што спадабалася ☕"),
    ("thanks", "ru", "praise", "", "Спасибо, {name}! Рады, что понравилось ☕"),
    ("sorry", "en", "complaint", "negative",
     "{name}, we are sorry. Please write to us in direct messages: we will sort it out today."),
    ("sorry", "uk", "complaint", "negative",
     "{name}, перепрошуємо. Напишіть нам у директ — розберемося сьогодні ж."),
    ("sorry", "be", "complaint", "negative",
     "{name}, прабачце. Напішыце нам у асабістыя — разбяромся сёння ж."),
    ("sorry", "ru", "complaint", "negative",
     "{name}, извините нас. Напишите в личные сообщения — разберёмся сегодня же."),
]


def _inbox(ws, user, t: dict, *, read_inbox: bool = True) -> int:
    """Saved replies, the spam rule, and (``read_inbox``) the audience's comments read in
    now; returns how many were."""
    from smmdesk.inbox.actions import run_pending
    from smmdesk.inbox.collect import collect_comments
    from smmdesk.inbox.services import inbox_settings_save, rule_save, saved_reply_save

    inbox_settings_save(workspace=ws, sla_minutes=60, responsible_id=user.pk)
    for key, lang, intent, sentiment, text in REPLIES:
        saved_reply_save(workspace=ws, name=f"{t['replies'][key]} · {lang.upper()}", text=text,
                         language=lang, for_intent=intent, for_sentiment=sentiment)
    saved_reply_save(workspace=ws, name=t["replies"]["order"], text=t["order_reply"],
                     for_intent="purchase")
    rule_save(workspace=ws, name=t["rule"], user=user, enabled=True,
              conditions={"intents": ["spam"]},
              actions=[{"do": "hide"}, {"do": "status", "status": "spam"},
                       {"do": "label", "label": t["spam_label"]}])
    if not read_inbox:
        return 0
    read = collect_comments().new + _older_comments(ws)
    while run_pending():
        pass
    return read


def _older_comments(ws: Workspace) -> int:
    """The comments under one post per channel about RETURNING_DAYS ago, read in too:
    the same people write again months later (returning commenters on the audience page).
    A few dozen messages; their leads are dated then, outside the goals' period."""
    from smmdesk.channels.services import channel_connector
    from smmdesk.inbox.collect import incoming, take_in

    now, items = timezone.now(), []
    for channel in Channel.objects.filter(workspace=ws, kind="sandbox").order_by("pk"):
        ids = [pub.external_id for back in RETURNING_DAYS if (pub := Publication.objects
               .filter(channel=channel, published_at__lte=now - timedelta(days=back))
               .order_by("-published_at").first())]
        network.comments_draw(list(SandboxPost.objects.filter(pk__in=ids)))
        connector = channel_connector(channel)
        try:
            items += [incoming(channel, c) for i in ids for c in connector.fetch_comments(i)]
        finally:
            connector.http.close()
    return take_in([(it.external_id, [it]) for it in items], on_stored=lambda keys: None,
                   on_error=lambda key, err: None).new


def _plan(ws, user, channels, rubrics) -> int:
    rng, made = random.Random(7), 2
    now = timezone.now()
    soon = [now + timedelta(minutes=2), now + timedelta(minutes=5)]
    for lang, at in zip(("uk", "en"), soon, strict=True):
        rubric_key, text = rng.choice(POSTS[lang])
        post = post_create(workspace=ws, actor=user, body=text,
                           rubric_id=rubrics[rubric_key].pk)
        publication_schedule(post=post, channel=channels[lang], at=at, actor=user)
    today = timezone.localdate(now, ws.tz)
    for ahead in range(1, 15):
        day = today + timedelta(days=ahead)
        for lang, channel in channels.items():
            if rng.random() < 0.5:
                continue
            rubric_key, text = rng.choice(POSTS[lang])
            post = post_create(workspace=ws, actor=user, body=text,
                               rubric_id=rubrics[rubric_key].pk)
            publication_schedule(post=post, channel=channel,
                                 at=_slot(day, rng.choice(SLOTS), ws.tz), actor=user)
            made += 1
    return made
