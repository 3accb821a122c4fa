"""The demo workspace: a coffee roastery with sandbox channels, a month of history and a
plan for the coming weeks, so every page has something real to show on first start.

The history is seeded directly (the past cannot be scheduled); everything from now on
goes through the same services as a person's clicks, and the worker publishes it.
"""

from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from smmdesk.accounts.models import ApprovalMode, User, Workspace
from smmdesk.accounts.roles import Role
from smmdesk.accounts.services import membership_set, user_create, workspace_create
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
from smmdesk.publishing.queue import slot_add
from smmdesk.publishing.services import publication_record_published, publication_schedule
from smmdesk.sandbox import network
from smmdesk.sandbox.models import SandboxAccount
from smmdesk.team.services import approval_mode_set, approval_submit, task_create

DEMO_EMAIL = "demo@smmdesk.local"
DEMO_SLUG = "zerno-demo"
POSTS = json.loads((Path(__file__).parent / "data" / "demo_posts.json").read_text("utf-8"))
CHANNELS = [  # name, audience preset, language of its posts
    ("Zerno · Minsk", "be", "be"),
    ("Zerno · Kyiv", "uk", "uk"),
    ("Zerno · Club", "ru", "ru"),
    ("Zerno Global", "en", "en"),
]
RUBRICS = [  # key, name, colour, target share
    ("useful", "Useful", "#2563eb", 40),
    ("entertaining", "Entertaining", "#db2777", 25),
    ("selling", "Selling", "#16a34a", 20),
    ("team", "About the team", "#f59e0b", 15),
]
SLOTS = (time(9, 0), time(13, 30), time(19, 0))


@dataclass(frozen=True)
class Login:
    email: str
    password: str


def _login_file() -> Path:
    return settings.DATA_DIR / "demo-login.txt"


def _demo_user() -> Login:
    path = _login_file()
    user = User.objects.filter(email=DEMO_EMAIL).first()
    if user is not None and path.exists():
        return Login(DEMO_EMAIL, path.read_text(encoding="utf-8").split()[-1])
    password = secrets.token_urlsafe(9)
    if user is None:
        user_create(email=DEMO_EMAIL, password=password, name="Demo Manager",
                    check_password=False)
    else:
        user.set_password(password)
        user.save(update_fields=["password"])
    path.write_text(f"{DEMO_EMAIL} {password}\n", encoding="utf-8")
    path.chmod(0o600)
    return Login(DEMO_EMAIL, password)


def demo_create(*, reset: bool = False, progress=lambda msg: None, days: int = 30) -> Login:
    login = _demo_user()
    existing = Workspace.objects.filter(slug=DEMO_SLUG).first()
    if existing and not reset:
        return login
    if existing:
        progress("removing the old demo workspace")
        existing.delete()
    user = User.objects.get(email=DEMO_EMAIL)
    with transaction.atomic():
        ws = _workspace(user)
        progress("connecting four sandbox channels (simulated audiences: be, uk, ru, en)")
        channels = _channels(ws, user)
        rubrics = _rubrics(ws)
    progress(f"writing {days} days of history and letting the audience react")
    _history(ws, user, channels, rubrics, days=days)
    progress("planning the next two weeks")
    _plan(ws, user, channels, rubrics)
    progress("setting up posting times, a content plan, tasks and approvals")
    _team(ws, user, channels)
    progress("reading the audience's comments into the inbox (a rule hides the spam)")
    _inbox(ws, user)
    return login


def _workspace(user: User) -> Workspace:
    ws = workspace_create(name="Zerno Coffee Roasters (demo)", owner=user,
                          timezone_name="Europe/Minsk", language="en")
    Workspace.objects.filter(pk=ws.pk).update(slug=DEMO_SLUG)
    ws.refresh_from_db()
    for email, role in (("client@smmdesk.local", Role.CLIENT),
                        ("copywriter@smmdesk.local", Role.EDITOR)):
        member = User.objects.filter(email=email).first() or user_create(
            email=email, password=secrets.token_urlsafe(12), check_password=False)
        membership_set(workspace=ws, user=member, role=role)
    campaign_create(workspace=ws, name="Winter blend launch", utm_campaign="winter-blend",
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


def _rubrics(ws: Workspace) -> dict[str, Rubric]:
    return {key: rubric_create(workspace=ws, name=name, color=color, target_share=share)
            for key, name, color, share in RUBRICS}


def _slot(day, slot: time, tz) -> datetime:
    return datetime.combine(day, slot, tzinfo=tz)


def _history(ws, user, channels, rubrics, *, days: int) -> None:
    rng = random.Random(20261122)
    now = timezone.now()
    today = timezone.localdate(now, ws.tz)
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        for lang, channel in channels.items():
            if rng.random() < 0.45:
                continue
            rubric_key, text = rng.choice(POSTS[lang])
            at = _slot(day, rng.choice(SLOTS), ws.tz) + timedelta(minutes=rng.randint(0, 20))
            _published(ws, user, channel, rubrics[rubric_key], text, at)


@transaction.atomic
def _published(ws, user, channel: Channel, rubric: Rubric, text: str, at: datetime) -> None:
    post = post_create(workspace=ws, actor=user, body=text, rubric_id=rubric.pk)
    account = SandboxAccount.objects.get(handle=channel.external_id)
    remote = network.post_create(account=account, text=text, at=at + timedelta(seconds=2))
    pub = publication_record_published(
        post=post, channel=channel, at=at, published_at=remote.created_at,
        external_id=str(remote.pk), external_url=network.post_url(remote), actor=user,
        worker_id="demo-history")
    remote.marker = pub.marker
    remote.save(update_fields=["marker"])


def _team(ws, user, channels) -> None:
    """Posting slots, a generated plan for the coming weeks, hashtag groups, snippets,
    production tasks (one overdue) and two posts waiting for approval."""
    copywriter = User.objects.get(email="copywriter@smmdesk.local")
    for channel in channels.values():
        for weekday in range(5):
            for at in SLOTS:
                slot_add(channel=channel, weekday=weekday, at=at)
    start = timezone.localdate(timezone.now(), ws.tz) + timedelta(days=15)
    plan_generate(workspace=ws, start=start, weeks=4, per_week={"feed": 2, "story": 1,
                                                                "reel": 1},
                  channels=[channels["uk"], channels["be"]], at=time(13, 30))
    hashtag_group_save(workspace=ws, name="Brand", tags="zerno specialtycoffee kava")
    hashtag_group_save(workspace=ws, name="Minsk", tags="мінск кава_мінск")
    snippet_save(workspace=ws, name="Shop link", text="Замовити: https://zerno.example/shop")
    posts = list(Post.objects.filter(workspace=ws, publications__status="scheduled")
                 .order_by("publications__scheduled_at").distinct()[:6])
    for n, post in enumerate(posts[2:]):
        task_create(workspace=ws, actor=user, kind=("design", "copy", "video", "copy")[n],
                    post=post, assignee=copywriter)
    if posts:
        task_create(workspace=ws, actor=user, kind="design", post=posts[-1], assignee=user,
                    title="Photo of the new bags", due_at=timezone.now() - timedelta(hours=5))
    approval_mode_set(workspace=ws, mode=ApprovalMode.INTERNAL_CLIENT)
    for lang in ("be", "en"):
        rubric_key, text = POSTS[lang][4]
        post = post_create(workspace=ws, actor=copywriter, body=text)
        publication_schedule(post=post, channel=channels[lang],
                             at=timezone.now() + timedelta(days=4), actor=copywriter)
        approval_submit(post=post, actor=copywriter)


REPLIES = [  # name, language, intent, sentiment, text
    ("Thanks", "en", "praise", "", "Thank you, {name}! Glad you liked it ☕"),
    ("Дякуємо", "uk", "praise", "", "Дякуємо, {name}! Раді, що сподобалось ☕"),
    ("Дзякуй", "be", "praise", "", "Дзякуй, {name}! Рады, што спадабалася ☕"),
    ("Спасибо", "ru", "praise", "", "Спасибо, {name}! Рады, что понравилось ☕"),
    ("Sorry", "en", "complaint", "negative",
     "{name}, we are sorry. Please write to us in direct messages: we will sort it out today."),
    ("Вибачте", "uk", "complaint", "negative",
     "{name}, перепрошуємо. Напишіть нам у директ — розберемося сьогодні ж."),
    ("Прабачце", "be", "complaint", "negative",
     "{name}, прабачце. Напішыце нам у асабістыя — разбяромся сёння ж."),
    ("Извините", "ru", "complaint", "negative",
     "{name}, извините нас. Напишите в личные сообщения — разберёмся сегодня же."),
    ("How to order", "", "purchase", "", "{name}, order here: https://zerno.example/shop 🙌"),
]


def _inbox(ws, user) -> None:
    from smmdesk.inbox.actions import run_pending
    from smmdesk.inbox.collect import collect_comments
    from smmdesk.inbox.services import inbox_settings_save, rule_save, saved_reply_save

    inbox_settings_save(workspace=ws, sla_minutes=60, responsible_id=user.pk)
    for name, lang, intent, sentiment, text in REPLIES:
        saved_reply_save(workspace=ws, name=name, text=text, language=lang, for_intent=intent,
                         for_sentiment=sentiment)
    rule_save(workspace=ws, name="Hide spam", user=user, enabled=True,
              conditions={"intents": ["spam"]},
              actions=[{"do": "hide"}, {"do": "status", "status": "spam"},
                       {"do": "label", "label": "Spam"}])
    collect_comments()
    while run_pending():
        pass


def _plan(ws, user, channels, rubrics) -> None:
    rng = random.Random(7)
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
