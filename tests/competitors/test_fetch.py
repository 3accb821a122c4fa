"""Competitor pages read by the worker: claimed, posts kept and updated (counts grow),
one row of public figures per day, and a post three times their median told once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from smmdesk.competitors.fetch import pages_run
from smmdesk.competitors.metrics import outliers
from smmdesk.competitors.models import Page, PageDay, Post
from smmdesk.competitors.selectors import page_figures
from smmdesk.competitors.services import competitor_add, page_add
from smmdesk.lib.errors import InvalidInput
from smmdesk.sandbox import network
from smmdesk.sandbox.models import SandboxPost
from smmdesk.team.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def rival(db):
    account = network.account_create(name="Kava Lab", handle="kava_lab",
                                     languages={"ru": 1.0}, followers=6400)
    now = timezone.now()
    network.posts_create_bulk(posts=[
        SandboxPost(account=account, text=f"Пост {d}", created_at=now - timedelta(days=d),
                    appeal_boost=20.0 if d == 2 else 1.0) for d in range(30, 0, -2)])
    return account


@pytest.fixture
def page(workspace, rival):
    competitor = competitor_add(workspace=workspace, name="Kava Lab")
    return page_add(competitor=competitor, kind="sandbox", config={"handle": "kava_lab"})


def test_a_page_is_read_with_its_posts_counts_and_followers(page, rival):
    assert pages_run(worker_id="w1") == 1
    assert Post.objects.filter(page=page).count() == 15
    first = Post.objects.filter(page=page).order_by("published_at").first()
    assert first.views > 0 and first.likes is not None
    day = PageDay.objects.get(page=page)
    assert day.followers == network.account_metrics(rival)["followers"]
    page.refresh_from_db()
    assert page.last_ok_at is not None and page.next_fetch_at > timezone.now()


def test_a_second_read_updates_the_counts_and_adds_no_rows(page):
    pages_run(worker_id="w1")
    Post.objects.filter(page=page).update(views=0)
    Page.objects.filter(pk=page.pk).update(next_fetch_at=timezone.now())
    pages_run(worker_id="w1")
    assert Post.objects.filter(page=page).count() == 15
    assert not Post.objects.filter(page=page, views=0).exists()
    assert PageDay.objects.filter(page=page).count() == 1


def test_a_post_three_times_their_median_alerts_once(page, owner):
    pages_run(worker_id="w1")
    took_off = Post.objects.filter(page=page, alerted_at__isnull=False)
    texts = set(took_off.values_list("text", flat=True))
    assert "Пост 2" in texts  # the boosted one; the simulated audience may lift another
    expected = {f.id for f in outliers(page_figures(page=page))}
    recent = Post.objects.filter(pk__in=expected,
                                 published_at__gte=timezone.now() - timedelta(days=14))
    assert set(took_off.values_list("pk", flat=True)) == set(recent.values_list("pk",
                                                                                flat=True))
    told = Notification.objects.filter(user=owner, text__contains="Kava Lab")
    assert told.count() == len(texts)
    Page.objects.filter(pk=page.pk).update(next_fetch_at=timezone.now())
    pages_run(worker_id="w1")
    assert told.count() == len(texts)


def test_an_unknown_account_is_refused_and_nothing_is_saved(workspace):
    competitor = competitor_add(workspace=workspace, name="Nobody")
    with pytest.raises(InvalidInput):
        page_add(competitor=competitor, kind="sandbox", config={"handle": "no_such"})
    assert not Page.objects.exists()


def test_a_network_without_public_pages_is_refused(workspace):
    competitor = competitor_add(workspace=workspace, name="X")
    with pytest.raises(InvalidInput):
        page_add(competitor=competitor, kind="rss", config={"url": "https://a.example/"})
