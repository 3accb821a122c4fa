"""VK listening source against the recorded API contract (fixtures/vk/*.json)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from smmdesk.sources import registry
from smmdesk.sources.base import ACCOUNT, FEED, SEARCH, SourceError
from smmdesk.sources.vk import VkSource
from tests.connectors.contract import request_body

TOKEN = "vk.service.7f3a9c1e2b7d4a8f9e6c0b1d2a3f4e5c6b7a8d9e0f1a2b3c4d5e"
SINCE = datetime.fromtimestamp(1770000000, UTC)
SOURCE = VkSource()


def fetch(config: dict, cursor: str = "", since: datetime | None = None):
    return SOURCE.fetch(config=config, secret=TOKEN, cursor=cursor, since=since)


def test_it_is_registered_with_its_modes_and_key():
    source = registry.get("vk")
    assert isinstance(source, VkSource)
    assert source.modes == {FEED, SEARCH, ACCOUNT}
    assert source.needs_key and "service" in str(source.key_help)


# ---------------------------------------------------------------- validate


@pytest.mark.parametrize(("typed", "expected"), [
    ("vk.com/zerno_coffee", {"domain": "zerno_coffee"}),
    ("https://vk.com/Zerno_Coffee", {"domain": "zerno_coffee"}),
    ("https://m.vk.com/zerno_coffee?from=groups", {"domain": "zerno_coffee"}),
    ("@zerno_coffee", {"domain": "zerno_coffee"}),
    ("zerno_coffee", {"domain": "zerno_coffee"}),
    ("vk.ru/club218765432", {"owner_id": -218765432}),
    ("public218765432", {"owner_id": -218765432}),
    ("-218765432", {"owner_id": -218765432}),
    ("https://vk.com/id743784474", {"owner_id": 743784474}),
])
def test_it_normalises_a_wall_address(typed, expected):
    assert SOURCE.validate({"wall": typed}) == {"mode": FEED, **expected}


@pytest.mark.parametrize(("config", "words"), [
    ({"wall": ""}, "Enter the VK community"),
    ({"wall": "https://t.me/zerno_coffee"}, "not a VK address"),
    ({"wall": "https://vk.com/wall-218765432_1050"}, "one post"),
    ({"wall": "zerno coffee!"}, "does not look like"),
    ({"mode": SEARCH, "q": "   "}, "words VK should search"),
    ({"mode": ACCOUNT, "wall": "vk.com/id743784474"}, "communities only"),
    ({"mode": "hashtag", "wall": "zerno_coffee"}, "follow a wall"),
])
def test_it_refuses_bad_settings_with_a_message(config, words):
    with pytest.raises(SourceError, match=words):
        SOURCE.validate(config)


def test_it_takes_search_words_and_an_explicit_owner_id():
    assert SOURCE.validate({"q": "  Зерно   кофе "}) == {"mode": SEARCH, "q": "Зерно кофе"}
    assert SOURCE.validate({"mode": ACCOUNT, "owner_id": "-218765432"}) == {
        "mode": ACCOUNT, "owner_id": -218765432}


def test_it_asks_for_the_token_before_calling_vk():
    with pytest.raises(SourceError, match="service token") as caught:
        SOURCE.fetch(config={"q": "Зерно"}, secret="", cursor="", since=None)
    assert caught.value.auth


# ---------------------------------------------------------------- feed


def test_it_reads_a_wall_with_authors_counts_and_formats(contract):
    transport = contract("sources:vk", "wall.get.feed")
    batch = fetch({"wall": "vk.com/coffee_minsk"})

    assert [i.external_id for i in batch.items] == [
        "-31234567_120", "-31234567_4512", "-31234567_4511", "-31234567_4509"]
    post = batch.items[1]
    assert post.url == "https://vk.com/wall-31234567_4512"
    assert post.published_at == datetime.fromtimestamp(1770040000, UTC)
    assert post.author == "Алеся Карпенка"
    assert (post.author_id, post.author_url) == ("alesia_k", "https://vk.com/alesia_k")
    assert post.author_followers == 312
    assert (post.likes, post.comments, post.shares, post.views) == (87, 12, 4, 3120)
    assert post.media == "album"  # two photos
    assert post.hashtags == ("зерно", "кава")  # "#кава@coffee_minsk" is the hashtag кава
    assert (post.network, post.reply_ref) == ("vk", "-31234567_4512")
    repost = batch.items[2]
    assert "як ми обсмажуємо ефіопію" in repost.text  # the shared post's text counts
    assert repost.media == "video"
    assert repost.author == "Кофейный Минск" and repost.author_followers == 48211
    assert batch.items[3].media == "link"
    assert batch.items[0].media == "text"
    # no "since" on a first fetch: one page, and the cursor remembers the newest post
    assert not batch.more
    assert json.loads(batch.cursor) == {"last": 4512}
    _, form, _ = request_body(transport.requests[0])
    assert form["access_token"] == TOKEN
    assert TOKEN not in str(transport.requests[0].url)


def test_it_keeps_only_posts_newer_than_the_cursor_and_ignores_the_old_pinned_one(contract):
    contract("sources:vk", "wall.get.feed")
    batch = fetch({"wall": "coffee_minsk"}, cursor=json.dumps({"last": 4510}))

    assert [i.external_id for i in batch.items] == ["-31234567_4512", "-31234567_4511"]
    assert not batch.more
    assert json.loads(batch.cursor) == {"last": 4512}


def test_it_pages_back_to_since_on_the_first_fetch(contract):
    contract("sources:vk", "wall.get.feed", "wall.get.feed_older")
    first = fetch({"wall": "coffee_minsk"}, since=SINCE)

    assert [i.external_id for i in first.items] == [
        "-31234567_4512", "-31234567_4511", "-31234567_4509"]  # the pinned post is older
    assert first.more
    second = fetch({"wall": "coffee_minsk"}, cursor=first.cursor)  # the cursor holds "since"

    # 4507 is older than "since" (1769990000 < 1770000000): the sweep ends there
    assert second.items == []
    assert not second.more
    assert json.loads(second.cursor) == {"last": 4512}


# ---------------------------------------------------------------- search


def test_it_searches_posts_page_by_page_and_starts_the_next_sweep_an_hour_back(contract):
    transport = contract("sources:vk", "newsfeed.search.first", "newsfeed.search.last",
                         "newsfeed.search.again")
    config = SOURCE.validate({"q": "Зерно кофе"})
    first = fetch(config, since=SINCE)

    assert [i.external_id for i in first.items] == ["-31234567_4512", "50211873_2231"]
    complaint = first.items[1]
    assert complaint.author == "Дмитрий Орлов" and complaint.author_id == "id50211873"
    assert complaint.url == "https://vk.com/wall50211873_2231"
    assert complaint.reply_ref == "50211873_2231"
    assert first.more

    second = fetch(config, cursor=first.cursor, since=SINCE)
    assert [i.external_id for i in second.items] == ["-149887766_877"]
    assert second.items[0].author == "Kyiv Food Notes"
    assert second.items[0].author_followers == 20311
    assert not second.more
    assert json.loads(second.cursor) == {"start": 1770040000 - 3600}

    third = fetch(config, cursor=second.cursor)
    assert third.items == [] and not third.more
    _, form, _ = request_body(transport.requests[2])
    assert form["start_time"] == str(1770040000 - 3600) and "start_from" not in form


# ---------------------------------------------------------------- account


def test_it_reads_a_competitor_community_with_its_followers_and_counts(contract):
    contract("sources:vk", "groups.getById.zerno", "wall.get.zerno_own")
    config = SOURCE.validate({"mode": ACCOUNT, "wall": "https://vk.com/zerno_coffee"})
    batch = fetch(config, cursor=json.dumps({"last": 1050}))

    assert batch.account.handle == "zerno_coffee"
    assert batch.account.name == "Zerno Coffee"
    assert batch.account.url == "https://vk.com/zerno_coffee"
    assert batch.account.followers == 4817
    assert batch.account.posts == 241
    # the newest page comes back whole, so the counts of recent posts stay current
    assert [i.external_id for i in batch.items] == [
        "-218765432_1052", "-218765432_1050", "-218765432_1046"]
    video = batch.items[1]
    assert (video.likes, video.comments, video.shares, video.views) == (132, 19, 21, 6400)
    assert video.media == "video" and batch.items[0].media == "image"
    assert video.author == "Zerno Coffee" and video.author_followers == 4817
    assert not batch.more
    assert json.loads(batch.cursor) == {"last": 1052}


def test_it_says_when_the_competitor_community_is_gone(contract):
    contract("sources:vk", "groups.getById.gone")
    with pytest.raises(SourceError, match="deleted or blocked") as caught:
        fetch({"mode": ACCOUNT, "wall": "zerno_old"})
    assert not caught.value.transient and not caught.value.auth


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(("fixture", "config", "auth", "transient", "wait", "words"), [
    ("newsfeed.search.auth_failed", {"q": "Зерно"}, True, False, None, "did not accept"),
    ("newsfeed.search.group_auth", {"q": "Зерно"}, True, False, None, "service token"),
    ("newsfeed.search.too_many", {"q": "Зерно"}, False, True, 1.0, "slow down"),
    ("newsfeed.search.flood", {"q": "Зерно"}, False, True, 900.0, "slow down"),
    ("newsfeed.search.rate_limit", {"q": "Зерно"}, False, True, 3600.0, "slow down"),
    ("newsfeed.search.bad_params", {"q": "Зерно"}, False, False, None, "Check the address"),
    ("wall.get.access_denied", {"wall": "zerno_club"}, False, False, None, "closed"),
    ("wall.get.deleted", {"wall": "id743784474"}, False, False, None, "deleted or blocked"),
    ("wall.get.private", {"wall": "id743784474"}, False, False, None, "private"),
])
def test_it_classifies_vk_errors(contract, fixture, config, auth, transient, wait, words):
    contract("sources:vk", fixture)
    with pytest.raises(SourceError, match=words) as caught:
        fetch(config)
    assert caught.value.auth is auth
    assert caught.value.transient is transient
    assert caught.value.retry_after == wait


@pytest.mark.parametrize("config", [
    {"wall": "https://vk.com/zerno_coffee"}, {"mode": ACCOUNT, "wall": "club218765432"},
    {"q": "Зерно"},
])
def test_a_normalised_config_validates_to_itself(config):
    once = SOURCE.validate(config)
    assert SOURCE.validate(once) == once
