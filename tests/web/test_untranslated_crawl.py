"""No English reaches a Russian, Ukrainian or Belarusian page.

The demo workspace is built as ``smmdesk demo`` builds it; its owner, in each of ru, uk
and be, walks every page the navigation leads to (breadth first, links under the app's own
pages, GET only, at most ``MAX_PAGES`` per language) and reads what a person sees: the
text and the ``title``, ``placeholder``, ``aria-label`` and ``alt`` of each element,
without scripts and styles. A Latin word there is English that a template or a Python
string let through, unless it is

- something the people of the workspace wrote (any word stored in a text column of the
  database: post texts, comments, channel and rubric names, the audience's comments in
  four languages): user content is theirs, not the interface's;
- a proper noun or a technical token (``ALLOWED``), or part of an address, an e-mail, a
  time zone, a hashtag or a handle.

The test fails with every page and the English it found there.
"""

from __future__ import annotations

import io
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.test import Client

from smmdesk.accounts.models import User, Workspace
from smmdesk.core.demo import DEMO_EMAIL, DEMO_SLUG

pytestmark = pytest.mark.django_db

LANGUAGES = ("ru", "uk", "be")
MAX_PAGES = 150
SAME_SHAPE = 2  # pages per path shape (ids replaced): the third post page adds nothing
SKIP_PATHS = re.compile(r"^/(logout|api|static|media|m|hooks|admin)/|/(export|download)\b"
                        r"|\.(csv|ics|json|png|jpe?g|gif|webp|mp4|txt)$")
# Query values that only move the same page in time or through pages.
MOVING = re.compile(r"^(\d+|\d{4}-\d{2}(-\d{2})?)$")

# Names and technical tokens that are the same in every language.
ALLOWED = {
    "smmdesk", "smm", "desk",  # the brand, and its logo's two halves
    "Telegram", "VK", "VKontakte", "Mastodon", "Bluesky", "Facebook", "Instagram", "Meta",
    "Threads", "YouTube", "TikTok", "LinkedIn", "Pinterest", "Twitter", "Odnoklassniki",
    "Webhook", "webhook", "Google", "Excel", "Swagger", "OpenAPI", "Zerno",
    "Django", "htmx", "Celery", "Redis", "PostgreSQL", "SQLite",
    "Sandbox",  # smmdesk's simulated network, a name like the others
    "ru", "uk", "be", "en", "mixed",  # the sandbox audience's language codes
    "Callback", "handle", "Id", "id",  # the networks' own terms, kept next to ours
    "giveaway", "vip",  # examples of what people type (a spam keyword, a tag)
    "API", "URL", "URLs", "UTM", "CSV", "JSON", "HTML", "HTTP", "HTTPS", "SMTP", "SLA",
    "OAuth", "ID", "IP", "PNG", "JPEG", "JPG", "GIF", "WebP", "MP4", "MOV", "WebM", "MB",
    "KB", "GB", "UTC", "GMT", "DST", "Ctrl", "Alt", "Shift", "Enter", "Esc", "Escape", "Tab",
    "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term",
    "English",  # the language switcher names each language in its own words
    "Bearer", "POST", "GET", "BY", "UA", "RU", "PL", "LT", "LV",  # HTTP; holidays' countries
    "QR", "OK", "TLS", "RSS", "BOM", "UTF", "DM", "DMs", "PIN", "CTA", "PDF", "ISO", "Unix",
    # engagement-rate names SMM managers use as they are in every language
    "ER", "ERR", "ERpost", "ERday", "ERview", "CTR", "ROI", "KPI",
    "Atom", "Jetstream", "Markdown",  # a feed format, Bluesky's firehose, a file format
}
# Runs that are codes, not words: the plan's CSV columns, named as the file has them.
ALLOWED_RUNS = {"day time channel rubric format title text note"}
LATIN = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]")
# A command to type, quoted: «smmdesk worker», “make run”.
COMMAND = re.compile(r"[“«\"](smmdesk|make) [a-z -]+[”»\"]")
TECHNICAL = re.compile(r"[@/#_.:=?&°]|\d")  # addresses, e-mails, zones, handles, codes
VISIBLE_ATTRS = ("title", "placeholder", "aria-label", "alt",
                 # words the page's scripts say or show: announcements, a confirmation
                 "data-say-picked", "data-say-cancelled", "data-error-text", "data-copied",
                 "data-confirm")
HIDDEN_TAGS = {"script", "style", "template", "noscript", "svg", "code", "pre", "textarea",
               "kbd"}  # keys are named as on the keyboard
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class _Page(HTMLParser):
    """Visible text (one string per text node or attribute) and the links of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in HIDDEN_TAGS:
            self._hidden += tag not in VOID
            return
        if tag == "a" and a.get("href") and "download" not in a:
            self.links.append(a["href"])
        if not self._hidden and not (tag == "input" and a.get("type") == "hidden"):
            self.texts += [a[k] for k in VISIBLE_ATTRS if a.get(k)]
            if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
                self.texts.append(a["value"])

    def handle_endtag(self, tag):
        if tag in HIDDEN_TAGS and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(data)


# Columns that hold codes and secrets, not words people wrote.
NOT_WORDS = re.compile(r"(code|token|digest|password|secret|key|hash|status|kind|state|"
                       r"action|mime|path|url|email|slug|timezone|language|format|error.*)$")


def _user_text() -> str:
    """Everything stored in a text column: what people (and the demo) wrote, one per line."""
    values: list[str] = []
    for model in apps.get_models():
        fields = [f.attname for f in model._meta.concrete_fields
                  if isinstance(f, (models.CharField, models.TextField))
                  and not f.choices and not NOT_WORDS.search(f.attname)]
        if not fields or model._meta.app_label in ("contenttypes", "auth", "sessions"):
            continue
        for row in model.objects.values_list(*fields).iterator():
            values += [" ".join(str(v).split()) for v in row if v]
    return "\n".join(values)


def _letters(text: str) -> str:
    """Latin words only, one space apart: how runs and user text are compared."""
    return " " + " ".join(re.sub(r"[^A-Za-z]+", " ", text).split()) + " "


class _English:
    """Runs of Latin words that no one wrote and no name explains.

    A run of several words is someone's when what people wrote has it; a single word
    only when it is (in) a short name (a channel, a rubric, a tag) or the whole text
    around it was written by someone: a lone "post" in a long English post does not make
    the interface's "post" theirs."""

    def __init__(self, user_text: str):
        self.user_text = _letters(user_text)
        self.names = set()
        for value in user_text.split("\n"):
            if len(value.split()) <= 4:
                self.names.update(LATIN.findall(value))
        self._said: dict[str, bool] = {}

    def written(self, run: str) -> bool:
        """In what people wrote; the last word may be cut short (``truncatechars``)."""
        if run not in self._said:
            self._said[run] = _letters(run).rstrip() in self.user_text
        return self._said[run]

    def __call__(self, text: str) -> list[str]:
        tokens = COMMAND.sub(" ", text).replace("…", " ").split()
        runs, run = [], []
        for i, token in enumerate(tokens):
            words = [] if TECHNICAL.search(token) else LATIN.findall(token)
            letters = words and all(len(w) == 1 for w in words)  # a key, or "a" in a run
            if any(w not in ALLOWED and len(w) > 1 for w in words) or (letters and run):
                run.append(i)
                continue
            runs.append(run)
            run = []
        runs.append(run)
        if not any(runs) or self.written(" ".join(LATIN.findall(text))):
            return []
        said = [" ".join(tokens[i].strip("«»“”\"'()[],;!?·—–-") for i in r) for r in runs if r
                and not self._theirs(r, tokens)]
        return [p for p in said if p and p not in ALLOWED_RUNS]

    def _theirs(self, run: list[int], tokens: list[str]) -> bool:
        if len(run) > 1:
            # A saved reply says the author's name first: "{name}, we are sorry…".
            named = [i for i in run if (LATIN.findall(tokens[i]) or [""])[0] in self.names]
            rest = run[len(named):] if named == run[:len(named)] else run
            return not rest or self.written(" ".join(tokens[i] for i in run)) or (
                len(rest) > 1 and self.written(" ".join(tokens[i] for i in rest)))
        i = run[0]
        return LATIN.findall(tokens[i])[0] in self.names or any(
            len(LATIN.findall(" ".join(w))) > 1 and self.written(" ".join(w))
            for w in (tokens[max(0, i - 2):i + 1], tokens[i:i + 3]))


def _key(path: str, query: str) -> tuple[str, str]:
    kept = sorted((k, "" if MOVING.match(v) else v) for k, v in parse_qsl(query))
    return path, urlencode(kept)


def _shape(path: str) -> str:
    return re.sub(r"/\d+(?=/)", "/N", path)


def _crawl(client: Client, start: str, english: _English) -> tuple[dict[str, list[str]], int]:
    """Breadth first from ``start``: {page: [English phrases]} and the pages read."""
    found: dict[str, list[str]] = {}
    queue, seen, shapes, read = deque([start]), set(), {}, 0
    while queue and read < MAX_PAGES:
        url = queue.popleft()
        parts = urlsplit(url)
        key = _key(parts.path, parts.query)
        if key in seen:
            continue
        seen.add(key)
        shape = _shape(parts.path)
        if shapes.get(shape, 0) >= SAME_SHAPE:
            continue
        shapes[shape] = shapes.get(shape, 0) + 1
        r = client.get(url)
        if r.status_code in (301, 302):
            queue.append(r["Location"])
            continue
        if r.status_code != 200 or "text/html" not in r.get("Content-Type", ""):
            continue
        read += 1
        page = _Page()
        page.feed(r.content.decode())
        phrases = sorted({p for t in page.texts for p in english(" ".join(t.split()))})
        if phrases:
            found[url] = phrases
        for href in page.links:
            link = urlsplit(href)
            if link.scheme or link.netloc or not link.path.startswith("/") \
                    or SKIP_PATHS.search(link.path):
                continue
            queue.append(link.path + (f"?{link.query}" if link.query else ""))
    return found, read


@pytest.fixture
def demo_owner(db) -> tuple[User, Workspace]:
    call_command("demo", stdout=io.StringIO())
    return User.objects.get(email=DEMO_EMAIL), Workspace.objects.get(slug=DEMO_SLUG)


def test_no_english_reaches_a_ru_uk_or_be_page(demo_owner):
    user, ws = demo_owner
    english = _English(_user_text())
    report = []
    for lang in LANGUAGES:
        user.language = lang
        user.save(update_fields=["language"])
        client = Client()
        client.force_login(user)
        found, read = _crawl(client, f"/w/{ws.slug}/", english)
        assert read >= 20, f"{lang}: the crawl read only {read} pages"
        report += [f"{lang} {url} → {' | '.join(phrases)}" for url, phrases in found.items()]
    assert not report, "English on translated pages:\n" + "\n".join(report)


def test_the_check_sees_english_and_lets_names_and_user_words_pass():
    english = _English("Zerno latte art\nWinter blend is back and ready for the post office")
    assert english("Опубликовано 3 поста") == []
    assert english("Канал Telegram · latte art") == []
    assert english("olena@example.com Europe/Minsk #coffee") == []
    assert english("Winter blend is… · Статус: scheduled") == ["scheduled"]
    assert english("Sandbox (simulated network)") == ["simulated network"]
    assert english("Пост в Sandbox: post") == ["post"]  # a word of a long text is no name
    assert english("Winter blend is back and ready for the post office") == []
    page = _Page()
    page.feed('<p title="Open it">Текст<script>var x = "code";</script></p>'
              '<a href="/w/x/y/">Далее</a><input type="hidden" value="secret">')
    assert page.texts == ["Open it", "Текст", "Далее"] and page.links == ["/w/x/y/"]
