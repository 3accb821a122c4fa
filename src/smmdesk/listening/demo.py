"""Listening in the demo workspace: a running monitor over local simulated feeds and
sandbox posts, so a new user sees it work offline.

- Four sandbox accounts (a Minsk food blogger, a Kyiv coffee blog, a Russian-speaking
  coffee chat, an English reviewer) post about the brand over the last week, in ru, uk,
  be and en, some of it negative, among posts about other things; in the last two hours
  many of them post about a sold-out winter blend (a spike), and a few posts are dated
  in the coming hours, so mentions keep arriving while the user looks.
- Local news feeds (RSS files written under ``SMMDESK_DATA_DIR/feeds``): several outlets
  tell the same event (frost in Brazil, arabica prices), which becomes a story.
- A competitor, Kava Lab, a sandbox account with two months of posts, one of which takes
  off (three times their median): compared with us on the competitors page.
The worker reads it all like any other source (``fetch.listening_run``); with ``read``
the demo reads once itself, so the pages are full at once.
"""

from __future__ import annotations

import json
import random
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from smmdesk.sandbox import network
from smmdesk.sandbox.models import SandboxAccount, SandboxPost

DATA = Path(__file__).parent / "data" / "demo.json"
BLOGGERS = (("minsk_foodie", "Minsk Foodie", {"be": 0.5, "ru": 0.5}),
            ("kyiv_kava_blog", "Київ · кава", {"uk": 1.0}),
            ("coffee_talk_ru", "Кофейный разговор", {"ru": 1.0}),
            ("brew_reviews", "Brew Reviews", {"en": 1.0}))
BLOGGER_LANGS = ("be", "uk", "ru", "en")


def demo_listening(*, workspace, user, read: bool = True) -> str:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    now = timezone.now()
    accounts = _accounts()
    posts = _mention_posts(data, accounts, now)
    _competitor(data, now)
    feeds = _feeds(data, workspace, now)
    _setup(workspace, user, feeds)
    if read:
        from smmdesk.competitors.fetch import pages_run
        from smmdesk.listening.fetch import listening_run

        while listening_run(worker_id="demo", limit=20).sources:
            pass
        pages_run(worker_id="demo", limit=20)
    return (f"listening: {posts} sandbox posts by 4 bloggers, {len(feeds)} local news feeds, "
            f"1 competitor")


def _account(handle: str, name: str, languages: dict, followers: int) -> SandboxAccount:
    found = SandboxAccount.objects.filter(handle=handle).first()
    return found or network.account_create(name=name, handle=handle, languages=languages,
                                           followers=followers)


def _accounts() -> dict[str, SandboxAccount]:
    rng = random.Random(7)
    return {lang: _account(handle, name, langs, rng.randint(800, 20000))
            for lang, (handle, name, langs) in zip(BLOGGER_LANGS, BLOGGERS, strict=True)}


def _mention_posts(data: dict, accounts: dict, now) -> int:
    """A week of posts about us and other things, a burst in the last two hours, a few
    still to come. Saved oldest first: the sandbox source reads them by id."""
    rng = random.Random(42)
    planned = []
    for lang, rows in data["mentions"].items():
        account = accounts[lang]
        for _round in range(3):
            for _sentiment, text in rows:
                planned.append((now - timedelta(hours=rng.uniform(3, 7 * 24)), account, text))
    for text in data["noise"] * 4:
        planned.append((now - timedelta(hours=rng.uniform(1, 7 * 24)),
                        rng.choice(list(accounts.values())), text))
    for i in range(16):
        lang = BLOGGER_LANGS[i % 4]
        planned.append((now - timedelta(minutes=rng.uniform(2, 110)), accounts[lang],
                        data["spike"][lang]))
    for i, (lang, rows) in enumerate(data["mentions"].items()):
        planned.append((now + timedelta(minutes=20 + 35 * i), accounts[lang], rows[0][1]))
    planned.sort(key=lambda p: p[0])
    network.posts_create_bulk(posts=[SandboxPost(account=a, text=t, created_at=at)
                                     for at, a, t in planned])
    return len(planned)


def _competitor(data: dict, now) -> None:
    c = data["competitor"]
    account = _account(c["handle"], c["name"], {"ru": 1.0}, 6400)
    if account.posts.exists():
        return
    rows = []
    for day in range(60, 0, -1):
        if day % 3:
            continue
        text, media = c["posts"][day % len(c["posts"])]
        rows.append(SandboxPost(account=account, text=text, media_count=int(media != "text"),
                                format="reel" if media == "video" else "feed",
                                created_at=now - timedelta(days=day, hours=-10),
                                appeal_boost=20.0 if day == 3 else 1.0))
    network.posts_create_bulk(posts=rows)


def _feeds(data: dict, workspace, now) -> list[tuple[str, str]]:
    folder = Path(settings.DATA_DIR) / "feeds"
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for key, feed in data["news"].items():
        name = f"demo-{workspace.slug}-{key}.xml"
        (folder / name).write_text(_rss(key, feed, now), encoding="utf-8")
        made.append((name, feed["title"]))
    return made


def _rss(key: str, feed: dict, now) -> str:
    entries = "".join(
        f"<item><title>{escape(title)}</title><description>{escape(body)}</description>"
        f"<link>https://news.example/{key}/{i}</link><guid>{key}-{i}</guid>"
        f"<pubDate>{format_datetime(now - timedelta(hours=hours))}</pubDate></item>"
        for i, (hours, title, body) in enumerate(feed["items"]))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{escape(feed['title'])}</title><link>https://news.example/{key}</link>"
            f"<language>{feed['language']}</language>{entries}</channel></rss>")


def _setup(workspace, user, feeds) -> None:
    from smmdesk.competitors.services import competitor_add, page_add
    from smmdesk.listening.services import query_save, source_add

    source_add(workspace=workspace, kind="sandbox", name=_("Sandbox network"),
               config={"exclude": []}, probe=False)
    for name, title in feeds:
        source_add(workspace=workspace, kind="local", name=title, config={"path": name},
                   probe=False)
    query_save(workspace=workspace, user=user, name=_("Brand"),
               text="Zerno OR ((Зерно OR Зерні) AND (кофе OR кофейня OR кава OR кавярня))")
    query_save(workspace=workspace, user=user, name=_("Winter blend"),
               text='#zernowinter OR (бленд* AND (Zerno OR Зерно)) OR "winter blend"')
    query_save(workspace=workspace, user=user, name=_("Competitor: Kava Lab"),
               text='"Kava Lab" OR кавалаб')
    competitor = competitor_add(workspace=workspace, name="Kava Lab")
    page_add(competitor=competitor, kind="sandbox", config={"handle": "kava_lab"},
             probe=False)
