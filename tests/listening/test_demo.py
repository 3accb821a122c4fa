"""The demo's monitor works offline: mentions arrive from the sandbox's bloggers, the
local news feeds form a story, the sold-out blend makes a spike, and the competitor is
read and can be compared with us; posts dated later keep arriving."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from smmdesk.channels.services import channel_connect
from smmdesk.competitors.models import Page, Post
from smmdesk.competitors.selectors import competitor_list, competitor_side
from smmdesk.listening.demo import demo_listening
from smmdesk.listening.fetch import listening_run
from smmdesk.listening.models import Item, Mention, Source, Spike, Story
from smmdesk.nlp.model import Prediction

pytestmark = pytest.mark.django_db


@pytest.fixture
def quick_model(monkeypatch):
    def classify(texts, *, workspace=None, variant=None, may_train=False):
        return [Prediction("ru", "negative" if "разочаровала" in t else "neutral", "other",
                           False, {"sentiment": 0.95}) for t in texts]
    monkeypatch.setattr("smmdesk.listening.understand.classify", classify)


@pytest.fixture
def demo(workspace, owner, quick_model, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                    data={"name": "Zerno", "audience": "ru"})
    demo_listening(workspace=workspace, user=owner, read=True)
    return workspace


def test_mentions_arrive_in_four_languages(demo):
    mentions = Mention.objects.filter(workspace=demo)
    assert mentions.count() >= 40
    assert set(mentions.values_list("language", flat=True)) >= {"ru"}
    texts = list(mentions.values_list("item__text", flat=True))
    for word in ("Zerno на Немиге", "Кав'ярня Zerno", "Кавярня Zerno", "Zerno Coffee's"):
        assert any(word in t for t in texts), word
    assert mentions.filter(sentiment="negative").exists()


def test_a_story_forms_from_several_outlets(demo):
    story = Story.objects.filter(workspace=demo).order_by("-sources_count").first()
    assert story.sources_count >= 3
    assert "Бразили" in story.title or "Brazil" in story.title


def test_the_sold_out_blend_makes_a_spike(demo):
    spike = Spike.objects.get(query__name="Winter blend")
    assert spike.count >= 5 and spike.expected < 2


def test_the_competitor_is_read_and_compared(demo):
    page = Page.objects.get(competitor__workspace=demo)
    assert Post.objects.filter(page=page).count() >= 15
    assert Post.objects.filter(page=page, alerted_at__isnull=False).exists()
    (competitor,) = competitor_list(workspace=demo)
    side = competitor_side(competitor=competitor, days=90, tz=demo.tz)
    assert side.summary.posts >= 15 and side.summary.er_post is not None


def test_mentions_keep_arriving(demo):
    before = Mention.objects.filter(workspace=demo).count()
    later = timezone.now() + timedelta(hours=3)
    Source.objects.filter(workspace=demo).update(next_fetch_at=timezone.now())
    from unittest import mock
    with mock.patch("django.utils.timezone.now", return_value=later):
        listening_run(worker_id="w", limit=10)
    assert Mention.objects.filter(workspace=demo).count() > before
    assert Item.objects.filter(workspace=demo, published_at__gt=timezone.now()).exists()
