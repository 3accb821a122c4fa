"""The competitors page (/w/<slug>/competitors/): the comparison against rows made by
hand, the per-competitor figures, the topics partial, adding and deleting competitors
and pages, and who may do what."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from smmdesk.accounts.roles import Role
from smmdesk.competitors.models import Competitor, Page, PageDay, Post
from smmdesk.sandbox import network

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(workspace, tail: str = "") -> str:
    return f"/w/{workspace.slug}/competitors/{tail}"


def _get(user, workspace, tail: str = "", **headers) -> str:
    response = _client(user).get(_url(workspace, tail), headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def _row(html: str, account: str) -> str:
    return re.search(rf'<tr class="[^"]*" data-account="{re.escape(account)}">(.*?)</tr>',
                     html, re.S).group(1)


def _cell(row: str, metric: str) -> str:
    cell = re.search(rf'data-metric="{metric}">(.*?)</td>', row, re.S).group(1)
    return re.search(r"<span data-value>(.*?)</span>", cell, re.S).group(1)


def _island(html: str, id_: str) -> dict:
    return json.loads(re.search(rf'<script id="{id_}" type="application/json">(.*?)</script>',
                                html, re.S).group(1))


@pytest.fixture
def kava(workspace):
    """Kava Lab: one page, followers 1,000 ten days ago and 1,100 today, three posts this
    month with 11, 22 and 33 interactions and 100, 200, 300 views."""
    competitor = Competitor.objects.create(workspace=workspace, name="Kava Lab")
    page = Page.objects.create(competitor=competitor, kind="sandbox",
                               config={"handle": "kava_lab"}, name="kava_lab",
                               url="https://sandbox.example/kava_lab",
                               last_ok_at=timezone.now() - timedelta(hours=2))
    today = timezone.localdate(timezone.now(), workspace.tz)
    PageDay.objects.create(page=page, day=today - timedelta(days=10), followers=1000)
    PageDay.objects.create(page=page, day=today, followers=1100)
    now = timezone.now()
    for i, (likes, comments, shares, views) in enumerate(
            [(5, 3, 3, 100), (10, 6, 6, 200), (15, 9, 9, 300)]):
        Post.objects.create(page=page, external_id=f"k{i}", text=f"Kava post {i}",
                            url=f"https://sandbox.example/kava_lab/{i}",
                            published_at=now - timedelta(days=2 + i), likes=likes,
                            comments=comments, shares=shares, views=views)
    return competitor


# --- the page -------------------------------------------------------------------------------

def test_without_competitors_it_says_what_to_do(owner, workspace):
    html = _get(owner, workspace)
    assert "No competitors yet" in html
    for network_title in ("Telegram channel", "VK", "YouTube", "Bluesky", "Mastodon",
                          "Instagram"):
        assert network_title in html
    assert 'href="#competitor-add"' in html
    assert f'action="/w/{workspace.slug}/competitors/add/"' in html
    assert 'id="compare-table"' not in html


def test_the_comparison_shows_our_row_and_theirs_with_their_numbers(owner, workspace, kava):
    html = _get(owner, workspace)
    ours, theirs = _row(html, "Zerno Coffee"), _row(html, "Kava Lab")
    assert re.search(r'<tr class="ours" data-account="Zerno Coffee">', html)
    assert _cell(theirs, "followers") == "1,100"
    assert _cell(theirs, "follower_growth") == "100"
    assert _cell(theirs, "growth_rate") == "10.00 %"
    assert _cell(theirs, "posts_per_week") == "0.7"          # 3 posts / 30 days × 7
    assert _cell(theirs, "er_post") == "2.00 %"              # (1 % + 2 % + 3 %) / 3
    assert _cell(theirs, "er_view") == "11.00 %"             # 66 / 600
    assert _cell(theirs, "interactions_avg") == "22"
    assert _cell(theirs, "views_avg") == "200"
    assert _cell(ours, "posts_per_week") == "0"              # we posted nothing
    assert _cell(ours, "er_post") == "—"                     # no figure, never a 0
    assert "#1" in re.search(r'data-metric="posts_per_week">(.*?)</td>', theirs, re.S).group(1)
    # the metric's own label and formula, as on our dashboard
    assert 'title="ER by followers (ERpost): (likes + comments + reposts + saves)' in html
    assert _cell(theirs, "err_telegram") == "18.18 %"         # 200 views / 1,100 on average
    assert 'id="compare-missing"' not in html


def test_a_figure_no_account_has_is_left_out_and_named(owner, workspace, kava):
    Post.objects.update(views=None)
    html = _get(owner, workspace)
    for name in ("er_view", "err_telegram", "views_avg"):
        assert f'data-metric="{name}"' not in html
    missing = re.search(r'id="compare-missing">(.*?)</p>', html, re.S).group(1)
    assert "Telegram ERR" in missing and "Views, average per post" in missing
    assert _cell(_row(html, "Kava Lab"), "er_post") == "2.00 %"


def test_the_charts_carry_the_table_numbers_and_a_table_fallback(owner, workspace, kava):
    html = _get(owner, workspace)
    er = _island(html, "chart-data-competitors-er")
    assert er["type"] == "bar"
    assert er["labels"] == ["Zerno Coffee", "Kava Lab"]
    assert er["series"][0]["values"] == [None, 2.0]
    posts = _island(html, "chart-data-competitors-posts")
    assert posts["series"][0]["values"] == [0.0, 0.7]
    assert 'data-chart-table="competitors-er"' in html
    assert 'data-chart="competitors-posts"' in html


def test_each_competitor_shows_growth_formats_top_posts_and_pages(owner, workspace, kava):
    page = kava.pages.get()
    Page.objects.create(competitor=kava, kind="telegram", config={"channel": "kavalab"},
                        name="kavalab", last_error="Telegram has no channel @kavalab.")
    html = _get(owner, workspace)
    card = re.search(rf'id="competitor-{kava.pk}"(.*?)</section>', html, re.S).group(1)
    assert re.search(r"data-followers>1,100<", card)
    assert re.search(r"data-growth>\+100 \(10.00 %\)<", card)
    assert 'data-media="text"' in card and "100.00 %" in card
    top = re.findall(r'data-post="(\d+)"', card)
    best = Post.objects.get(external_id="k2")
    assert top[0] == str(best.pk)  # 33 interactions first
    assert "https://sandbox.example/kava_lab/2" in card
    assert "the last reading failed:" in card
    assert "Telegram has no channel @kavalab." in card
    assert f'data-page="{page.pk}"' in card and "read " in card


def test_a_post_that_took_off_is_listed_and_an_alert_link_highlights_it(owner, workspace,
                                                                         kava):
    post = Post.objects.get(external_id="k1")
    Post.objects.filter(pk=post.pk).update(alerted_at=timezone.now())
    html = _get(owner, workspace)
    assert "Took off" in html
    assert f'id="took-off-{post.pk}" class=""' in html
    html = _get(owner, workspace, f"?post={post.pk}")
    assert f'id="took-off-{post.pk}" class="highlight"' in html
    assert f'<tr id="post-{post.pk}" class="highlight"' in html


def test_the_period_changes_what_is_counted(owner, workspace, kava):
    Post.objects.filter(external_id="k2").update(
        published_at=timezone.now() - timedelta(days=20))
    week = _row(_get(owner, workspace, "?days=7"), "Kava Lab")
    assert _cell(week, "posts_per_week") == "2"  # 2 posts in 7 days
    month = _row(_get(owner, workspace, "?days=30"), "Kava Lab")
    assert _cell(month, "posts_per_week") == "0.7"


def test_the_main_page_leaves_the_topics_to_the_htmx_partial(owner, workspace, kava):
    html = _get(owner, workspace)
    assert f'hx-get="/w/{workspace.slug}/competitors/topics/?days=30"' in html
    assert 'hx-trigger="load"' in html
    assert 'id="topics-table"' not in html


COFFEE = ["Латте арт на молоке: наш бариста рисует розетту",
          "Латте арт мастер-класс: молоко, питчер и розетта",
          "Розетта и латте арт: как взбить молоко",
          "Латте арт для начинающих: молоко и розетта"]
JOBS = ["Вакансия бариста: ищем бариста в команду кофейни",
        "Открыта вакансия бариста в новой кофейне",
        "Бариста, вакансия: кофейня ждет резюме",
        "Вакансия: бариста в кофейню на Подоле"]


def test_the_topics_partial_finds_what_they_post_and_we_do_not(owner, workspace, kava):
    page = kava.pages.get()
    now = timezone.now()
    for i, text in enumerate(COFFEE + JOBS):
        Post.objects.create(page=page, external_id=f"t{i}", text=text,
                            url=f"https://sandbox.example/t/{i}",
                            published_at=now - timedelta(hours=5 + i), likes=1)
    html = _get(owner, workspace, "topics/?days=30", HX_Request="true")
    assert "<html" not in html  # a fragment for htmx
    assert 'id="topics-table"' in html
    assert "What they post that we do not" in html
    gaps = re.findall(r'data-gap="([^"]+)"', html)
    assert gaps and any("латте" in g or "вакансия" in g or "бариста" in g for g in gaps)
    assert "https://sandbox.example/t/" in html  # example posts link to the original
    full = _get(owner, workspace, "topics/?days=30")
    assert "<html" in full and 'id="topics-table"' in full


def test_topics_are_worked_out_once_for_the_same_posts(owner, workspace, kava, monkeypatch):
    from smmdesk.competitors import metrics

    calls = []
    real = metrics.topics
    monkeypatch.setattr(metrics, "topics", lambda texts, **kw: calls.append(1) or real(texts))
    _get(owner, workspace, "topics/", HX_Request="true")
    _get(owner, workspace, "topics/", HX_Request="true")
    assert len(calls) == 1
    Post.objects.create(page=kava.pages.get(), external_id="new", text="A new post",
                        published_at=timezone.now(), likes=1)
    _get(owner, workspace, "topics/", HX_Request="true")
    assert len(calls) == 2  # other texts: worked out again


def test_topics_without_posts_say_so(owner, workspace, kava):
    Post.objects.all().delete()
    html = _get(owner, workspace, "topics/", HX_Request="true")
    assert 'id="topics-none"' in html


# --- adding and deleting --------------------------------------------------------------------

def test_an_analyst_adds_a_competitor(analyst, workspace):
    response = _client(analyst).post(_url(workspace, "add/"), {"name": " Kava Lab ",
                                                               "days": "7"})
    assert response.status_code == 302
    assert response.url == _url(workspace) + "?days=7"
    assert list(Competitor.objects.values_list("name", flat=True)) == ["Kava Lab"]


def test_a_competitor_without_a_name_or_twice_is_refused_and_nothing_saved(owner, workspace,
                                                                           kava):
    response = _client(owner).post(_url(workspace, "add/"), {"name": "  "})
    assert response.status_code == 400
    assert "Give the competitor a name." in response.content.decode()
    response = _client(owner).post(_url(workspace, "add/"), {"name": "Kava Lab"})
    assert response.status_code == 400
    assert "There is already a competitor with that name." in response.content.decode()
    assert Competitor.objects.count() == 1


def test_an_eleventh_competitor_is_refused(owner, workspace):
    for i in range(10):
        Competitor.objects.create(workspace=workspace, name=f"Rival {i}")
    html = _get(owner, workspace)
    assert 'id="competitors-full"' in html
    response = _client(owner).post(_url(workspace, "add/"), {"name": "Rival 11"})
    assert response.status_code == 400
    error = re.search(r'id="competitor-add-error">(.*?)</p>', response.content.decode(),
                      re.S).group(1)
    assert error == "smmdesk compares at most 10 competitors. Delete one to add another."
    assert Competitor.objects.count() == 10


def test_a_sandbox_page_is_added(owner, workspace, kava):
    network.account_create(name="Brew Bros", handle="brew_bros")
    rival = Competitor.objects.create(workspace=workspace, name="Brew Bros")
    response = _client(owner).post(_url(workspace, f"{rival.pk}/pages/add/"),
                                   {"kind": "sandbox", "address": "@brew_bros"})
    assert response.status_code == 302
    page = rival.pages.get()
    assert (page.kind, page.config, page.name) == ("sandbox", {"handle": "brew_bros"},
                                                    "brew_bros")


@pytest.mark.parametrize(("data", "message"), [
    ({"kind": "sandbox", "address": "@nobody_here"}, "The sandbox has no account @nobody_here."),
    ({"kind": "sandbox", "address": ""}, "Enter the page&#x27;s address or handle."),
    ({"kind": "rss", "address": "https://news.example/feed"},
     "smmdesk cannot follow a competitor&#x27;s page there yet."),
    ({"kind": "telegram", "address": "ab"}, "A Telegram channel&#x27;s username has 5 to 32"),
    ({"kind": "instagram", "address": "@kava"},
     "Choose your connected Instagram account"),
])
def test_a_bad_page_shows_the_error_next_to_its_form_and_saves_nothing(owner, workspace, kava,
                                                                       data, message):
    response = _client(owner).post(_url(workspace, f"{kava.pk}/pages/add/"), data)
    assert response.status_code == 400
    html = response.content.decode()
    card = re.search(rf'id="competitor-{kava.pk}"(.*?)</section>', html, re.S).group(1)
    error = re.search(r'data-page-error>(.*?)</p>', card, re.S).group(1)
    assert message in error
    assert f'value="{data["address"]}"' in card  # what was typed stays in the field
    assert kava.pages.count() == 1


def test_competitors_and_pages_are_deleted(owner, workspace, kava):
    page = kava.pages.get()
    response = _client(owner).post(_url(workspace, f"pages/{page.pk}/delete/"))
    assert response.status_code == 302
    assert not Page.objects.exists()
    response = _client(owner).post(_url(workspace, f"{kava.pk}/delete/"))
    assert response.status_code == 302
    assert not Competitor.objects.exists()


def test_another_workspaces_competitor_is_not_found(owner, workspace, outsider):
    from smmdesk.accounts.models import Workspace

    theirs = Competitor.objects.create(
        workspace=Workspace.objects.get(name="Mallory's Shop"), name="Hidden")
    page = Page.objects.create(competitor=theirs, kind="sandbox", config={"handle": "x"})
    client = _client(owner)
    assert client.post(_url(workspace, f"{theirs.pk}/delete/")).status_code == 404
    assert client.post(_url(workspace, f"pages/{page.pk}/delete/")).status_code == 404
    assert client.post(_url(workspace, f"{theirs.pk}/pages/add/"),
                       {"kind": "sandbox", "address": "x"}).status_code == 404
    assert Competitor.objects.filter(pk=theirs.pk).exists() and Page.objects.exists()


# --- roles --------------------------------------------------------------------------------------

def test_a_client_sees_the_comparison_but_cannot_add(member_factory, workspace, kava):
    client_user = member_factory(Role.CLIENT)
    html = _get(client_user, workspace)
    assert 'data-account="Kava Lab"' in html
    assert 'id="competitor-add"' not in html and "/pages/add/" not in html
    assert "/delete/" not in html
    response = _client(client_user).post(_url(workspace, "add/"), {"name": "Brew Bros"})
    assert response.status_code == 403
    assert Competitor.objects.count() == 1


def test_an_editor_does_not_open_competitors(editor, workspace, kava):
    assert _client(editor).get(_url(workspace)).status_code == 403
    assert _client(editor).get(_url(workspace, "topics/")).status_code == 403


def test_an_analyst_sees_the_forms(analyst, workspace, kava):
    html = _get(analyst, workspace)
    assert 'id="competitor-add"' in html
    assert f'action="/w/{workspace.slug}/competitors/{kava.pk}/pages/add/"' in html
    assert 'data-help="A public channel&#x27;s @username or its t.me address."' in html


def test_best_times_show_a_weekday_and_hour_once_three_posts_share_it(owner, workspace, kava):
    from django.utils.dates import WEEKDAYS

    html = _get(owner, workspace)
    assert "Not enough posts yet: a time counts once it has 3 posts." in html
    page = kava.pages.get()
    at = timezone.now().replace(minute=10) - timedelta(days=1)
    for weeks, likes in ((0, 11), (1, 22), (2, 44)):  # ER 1 %, 2 %, 4 %: median 2 %
        Post.objects.create(page=page, external_id=f"w{weeks}", text="Weekly",
                            published_at=at - timedelta(weeks=weeks), likes=likes)
    html = _get(owner, workspace)
    local = at.astimezone(workspace.tz)
    times = re.search(r'<ol class="best-times">(.*?)</ol>', html, re.S).group(1)
    first = re.search(r"<li>(.*?)</li>", times, re.S).group(1)
    assert f"{WEEKDAYS[local.weekday()]} {local.hour:02d}:00–{(local.hour + 1) % 24:02d}:00" \
        in first
    assert "2.00 %" in first and "3 posts" in first


def test_the_pages_run_no_inline_script_or_style(owner, workspace, kava):
    from tests.web.test_security import assert_strict

    Post.objects.filter(external_id="k1").update(alerted_at=timezone.now())
    client = _client(owner)
    assert_strict(client.get(_url(workspace)), "competitors")
    assert_strict(client.get(_url(workspace, "topics/")), "competitors topics")
