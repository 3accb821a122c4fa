"""The news page (/w/<slug>/news/): stories of the week with their items and growth,
"React to this" (one draft post per story), rising terms, the empty state and roles."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from smmdesk.content.models import Post
from smmdesk.listening.models import Item, Source, Story, TermDay

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(user, workspace) -> str:
    response = _client(user).get(f"/w/{workspace.slug}/news/")
    assert response.status_code == 200
    return response.content.decode()


def _story_html(html: str, story: Story) -> str:
    return re.search(rf'id="story-{story.pk}"(.*?)</article>', html, re.S).group(1)


def _hour(at) -> int:
    return int(at.timestamp() // 3600)


@pytest.fixture
def sources(workspace):
    return (Source.objects.create(workspace=workspace, kind="rss", name="Kyiv Daily"),
            Source.objects.create(workspace=workspace, kind="rss", name="Coffee Wire"))


def _story(workspace, key: str, title: str, items: list[tuple], *, language: str = "",
           hours: dict | None = None) -> Story:
    """A story as listening.news stores it, with items (source, title, url, hours ago)."""
    now = timezone.now()
    story = Story.objects.create(
        workspace=workspace, key=key, title=title, language=language,
        first_seen=now - timedelta(hours=max(i[3] for i in items)),
        last_seen=now - timedelta(hours=min(i[3] for i in items)),
        items_count=len(items), sources_count=len({i[0].pk for i in items}),
        signature={"hours": {str(h): n for h, n in (hours or {}).items()}})
    for n, (source, item_title, url, ago) in enumerate(items):
        Item.objects.create(workspace=workspace, source=source, external_id=f"{key}-{n}",
                            title=item_title, text=item_title, url=url, story=story,
                            published_at=now - timedelta(hours=ago))
    return story


@pytest.fixture
def frost(workspace, sources):
    """Three items from two sources: two in the last 6 hours, one 8 hours ago."""
    daily, wire = sources
    now_hour = _hour(timezone.now())
    return _story(workspace, "frost", "Frost in Brazil lifts coffee prices", [
        (wire, "Frost hits Brazil's coffee belt", "https://wire.example/frost", 8),
        (daily, "Coffee prices up after frost", "https://daily.example/frost", 2),
        (wire, "Arabica at a two-year high", "", 1),
    ], language="uk", hours={now_hour - 8: 1, now_hour - 2: 1, now_hour - 1: 1})


@pytest.fixture
def lonely(workspace, sources):
    return _story(workspace, "lonely", "A new roastery opens on Podil",
                  [(sources[0], "A new roastery opens on Podil",
                    "https://daily.example/roastery", 3)])


# --- the page -------------------------------------------------------------------------------

def test_without_news_sources_it_points_to_the_sources_page(owner, workspace):
    html = _page(owner, workspace)
    assert "No news sources yet." in html
    assert f'href="{reverse("web:listening_sources", args=[workspace.slug])}"' in html
    assert 'id="stories"' not in html


def test_a_source_that_only_finds_mentions_is_not_a_news_source(owner, workspace):
    Source.objects.create(workspace=workspace, kind="sandbox", name="Mentions", news=False)
    assert "No news sources yet." in _page(owner, workspace)


def test_stories_show_their_counts_growth_language_and_items(owner, workspace, frost, lonely):
    html = _page(owner, workspace)
    assert "No news sources yet." not in html
    story = _story_html(html, frost)
    assert "Frost in Brazil lifts coffee prices" in story
    assert re.search(r"data-items>3 items<", story)
    assert re.search(r"data-sources>2 sources<", story)
    assert re.search(r"data-growth[^>]*>\+2 in 6 h<", story)
    assert 'title="1 in the 6 hours before"' in story
    assert re.search(r"data-language>Ukrainian<", story)
    assert "first seen" in story
    # its items, each with its source and a link to the original
    assert '<a href="https://wire.example/frost" target="_blank"' in story
    assert "Coffee prices up after frost" in story and "Kyiv Daily" in story
    assert "Arabica at a two-year high" in story  # no link: shown as text
    assert story.index("Frost hits Brazil") < story.index("Arabica")  # oldest first


def test_single_item_stories_wait_behind_a_disclosure(owner, workspace, frost, lonely):
    html = _page(owner, workspace)
    singles = re.search(r'<details class="news-singles" id="singles">(.*)</details>', html,
                        re.S).group(1)
    assert "Show single items (1)" in singles
    assert f'id="story-{lonely.pk}"' in singles
    assert f'id="story-{frost.pk}"' not in singles
    assert html.index(f'id="story-{frost.pk}"') < html.index('id="singles"')


def test_stories_older_than_a_week_are_not_shown(owner, workspace, frost):
    Story.objects.filter(pk=frost.pk).update(last_seen=timezone.now() - timedelta(days=8))
    html = _page(owner, workspace)
    assert f'id="story-{frost.pk}"' not in html
    assert 'id="stories-none"' in html


def test_stories_with_more_sources_come_first(owner, workspace, sources, frost):
    wider = _story(workspace, "wide", "Cafes raise prices", [
        (sources[0], "Cafes raise prices", "https://daily.example/p", 4),
        (sources[1], "Cafes raise prices too", "https://wire.example/p", 4)])
    Story.objects.filter(pk=wider.pk).update(sources_count=3)
    html = _page(owner, workspace)
    assert html.index(f'id="story-{wider.pk}"') < html.index(f'id="story-{frost.pk}"')


# --- React to this --------------------------------------------------------------------------

def test_react_makes_one_draft_post_and_opens_it(editor, workspace, frost):
    url = f"/w/{workspace.slug}/news/{frost.pk}/react/"
    response = _client(editor).post(url)
    post = Post.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("web:post", args=[workspace.slug, post.pk])
    assert post.workspace == workspace and post.author == editor
    assert post.title == "News hook: Frost in Brazil lifts coffee prices"
    assert post.body == "Frost in Brazil lifts coffee prices\n\nhttps://wire.example/frost"
    assert not post.publications.exists()  # a draft: nothing goes out
    frost.refresh_from_db()
    assert frost.draft_post_id == post.pk
    # twice: the same draft, not a second one
    again = _client(editor).post(url)
    assert again.url == response.url
    assert Post.objects.count() == 1


def test_a_story_with_a_draft_shows_draft_made(owner, workspace, frost, lonely):
    _client(owner).post(f"/w/{workspace.slug}/news/{frost.pk}/react/")
    post = Post.objects.get()
    html = _page(owner, workspace)
    story = _story_html(html, frost)
    assert f'href="/w/{workspace.slug}/posts/{post.pk}/" data-draft>Draft made' in story
    assert "React to this" not in story
    assert "React to this" in _story_html(html, lonely)


def test_a_deleted_draft_lets_the_story_make_a_new_one(owner, workspace, frost):
    url = f"/w/{workspace.slug}/news/{frost.pk}/react/"
    _client(owner).post(url)
    Post.objects.all().delete()
    assert "React to this" in _story_html(_page(owner, workspace), frost)
    response = _client(owner).post(url)
    post = Post.objects.get()
    assert response.url == reverse("web:post", args=[workspace.slug, post.pk])
    frost.refresh_from_db()
    assert frost.draft_post_id == post.pk


def test_react_on_another_workspaces_story_is_not_found(owner, workspace, outsider):
    from smmdesk.accounts.models import Workspace

    theirs = Workspace.objects.get(name="Mallory's Shop")
    source = Source.objects.create(workspace=theirs, kind="rss", name="Theirs")
    story = _story(theirs, "x", "Their story", [(source, "Their story", "", 1)])
    response = _client(owner).post(f"/w/{workspace.slug}/news/{story.pk}/react/")
    assert response.status_code == 404
    assert not Post.objects.exists()


def test_react_is_post_only(owner, workspace, frost):
    assert _client(owner).get(f"/w/{workspace.slug}/news/{frost.pk}/react/").status_code == 405


# --- rising terms ---------------------------------------------------------------------------

def test_rising_terms_show_today_usual_and_ratio(owner, workspace, sources):
    today = timezone.localdate(timezone.now(), workspace.tz)
    for d in range(1, 15):
        TermDay.objects.create(workspace=workspace, language="uk", term="заморозки",
                               day=today - timedelta(days=d), count=1)
        TermDay.objects.create(workspace=workspace, language="uk", term="кава",
                               day=today - timedelta(days=d), count=6)
    TermDay.objects.create(workspace=workspace, language="uk", term="заморозки", day=today,
                           count=12)
    TermDay.objects.create(workspace=workspace, language="uk", term="кава", day=today,
                           count=7)
    html = _page(owner, workspace)
    trends = re.search(r'id="trends">(.*?)</aside>', html, re.S).group(1)
    assert 'data-language="uk">Ukrainian<' in trends
    row = re.search(r'<tr data-term="заморозки">(.*?)</tr>', trends, re.S).group(1)
    assert re.search(r"data-today>12<", row)
    assert re.search(r"data-usual>1.0<", row)
    assert re.search(r"data-ratio>×6.5<", row)          # (12 + 1) / (1 + 1)
    assert 'data-width="100"' in row and 'class="trend-usual" data-width="8"' in row
    assert 'data-term="кава"' not in trends             # 7 against its usual 6


def test_nothing_rising_says_so(owner, workspace, sources):
    assert 'id="trends-none"' in _page(owner, workspace)


# --- roles ------------------------------------------------------------------------------------

def test_an_analyst_reads_the_news_but_cannot_make_drafts(analyst, workspace, frost):
    html = _page(analyst, workspace)
    assert "Frost in Brazil" in html and "React to this" not in html
    response = _client(analyst).post(f"/w/{workspace.slug}/news/{frost.pk}/react/")
    assert response.status_code == 403
    assert not Post.objects.exists()
    assert Story.objects.get(pk=frost.pk).draft_post_id is None


def test_a_client_does_not_open_the_news(client_user, workspace, frost):
    assert _client(client_user).get(f"/w/{workspace.slug}/news/").status_code == 403
    response = _client(client_user).post(f"/w/{workspace.slug}/news/{frost.pk}/react/")
    assert response.status_code == 403


def test_only_those_who_manage_listening_get_the_link_to_add_sources(editor, workspace):
    html = _page(editor, workspace)
    assert "No news sources yet." in html
    assert reverse("web:listening_sources", args=[workspace.slug]) not in html


def test_the_page_runs_no_inline_script_or_style(owner, workspace, frost, lonely):
    from tests.web.test_security import assert_strict

    TermDay.objects.create(workspace=workspace, language="uk", term="заморозки",
                           day=timezone.localdate(timezone.now(), workspace.tz), count=9)
    assert_strict(_client(owner).get(f"/w/{workspace.slug}/news/"), "news")
