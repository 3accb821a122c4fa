"""YouTube listening source against the recorded API contract (fixtures/youtube/*.json)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from smmdesk.sources import registry
from smmdesk.sources.base import ACCOUNT, FEED, SEARCH, SourceError
from smmdesk.sources.youtube import YoutubeSource

KEY = "AIzaSyZernoTestKey-0123456789abcdefghij"
SINCE = datetime.fromtimestamp(1770000000, UTC)  # 2026-02-02T02:40:00Z
SOURCE = YoutubeSource()


def fetch(config: dict, cursor: str = "", since: datetime | None = None):
    return SOURCE.fetch(config=config, secret=KEY, cursor=cursor, since=since)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_it_is_registered_and_polls_gently_for_the_quota():
    source = registry.get("youtube")
    assert isinstance(source, YoutubeSource)
    assert source.modes == {SEARCH, FEED, ACCOUNT}
    assert source.needs_key and "Google Cloud console" in str(source.key_help)
    assert source.every.total_seconds() >= 3600  # search.list costs 100 units of 10,000


# ---------------------------------------------------------------- validate


@pytest.mark.parametrize(("typed", "expected"), [
    ("https://www.youtube.com/@zerno", {"handle": "@zerno"}),
    ("youtube.com/@Zerno/videos", {"handle": "@zerno"}),
    ("https://m.youtube.com/@zerno?si=abc", {"handle": "@zerno"}),
    ("@zerno", {"handle": "@zerno"}),
    ("zerno", {"handle": "@zerno"}),
    ("@зерно.кава", {"handle": "@зерно.кава"}),
    ("UCzernoCoffee00000000000", {"channel_id": "UCzernoCoffee00000000000"}),
    ("https://www.youtube.com/channel/UCzernoCoffee00000000000",
     {"channel_id": "UCzernoCoffee00000000000"}),
])
def test_it_normalises_a_channel(typed, expected):
    assert SOURCE.validate({"channel": typed}) == {"mode": ACCOUNT, **expected}


@pytest.mark.parametrize("typed", [
    "https://www.youtube.com/watch?v=Zr1nC0ffeeA",
    "https://youtu.be/Zr1nC0ffeeA?t=42",
    "youtube.com/shorts/Zr1nC0ffeeA",
    "https://www.youtube.com/live/Zr1nC0ffeeA",
    "Zr1nC0ffeeA",
])
def test_it_finds_the_video_id_in_a_link(typed):
    assert SOURCE.validate({"video": typed}) == {"mode": FEED, "video": "Zr1nC0ffeeA"}


@pytest.mark.parametrize(("config", "words"), [
    ({"channel": "https://www.youtube.com/c/ZernoCoffee"}, "@handle or channel id"),
    ({"channel": "https://vimeo.com/zerno"}, "not a YouTube channel"),
    ({"channel": "@z"}, "does not look like"),
    ({"mode": ACCOUNT}, "competitor's channel"),
    ({"video": "https://www.youtube.com/@zerno"}, "one YouTube video"),
    ({"video": "https://example.com/watch?v=Zr1nC0ffeeA"}, "video's link"),
    ({"q": "  "}, "words YouTube should search"),
    ({"mode": "hashtag", "q": "zerno"}, "search videos"),
])
def test_it_refuses_bad_settings_with_a_message(config, words):
    with pytest.raises(SourceError, match=words):
        SOURCE.validate(config)


def test_it_asks_for_the_key_before_calling_youtube():
    with pytest.raises(SourceError, match="API key") as caught:
        SOURCE.fetch(config={"q": "Zerno"}, secret="", cursor="", since=None)
    assert caught.value.auth


# ---------------------------------------------------------------- search


def test_it_searches_videos_with_their_counts_page_by_page(contract):
    transport = contract("sources:youtube", "search.first", "videos.search_first",
                         "search.last", "videos.search_last", "search.empty")
    config = SOURCE.validate({"q": "Zerno coffee"})
    first = fetch(config, since=SINCE)

    assert [i.external_id for i in first.items] == ["Zr9KavaLvv1", "Zr9MinskV02"]
    review = first.items[0]
    assert review.title == "Огляд кав'ярні Зерно у Львові | чесно"  # HTML entities undone
    assert review.text.endswith("Пробуємо еспресо і фільтр у «Зерні». #зерно #кава")
    assert review.url == "https://www.youtube.com/watch?v=Zr9KavaLvv1"
    assert review.published_at == at("2026-02-02T14:05:00Z")
    assert review.author == "Кава Львів"
    assert review.author_url == "https://www.youtube.com/channel/UCkavaLviv0000000000000A"
    assert (review.views, review.likes, review.comments) == (1840, 96, 23)
    assert review.hashtags == ("зерно", "кава")
    assert (review.kind, review.media, review.network, review.reply_ref) == (
        "video", "video", "youtube", "Zr9KavaLvv1")
    assert first.items[1].likes is None  # likes hidden: no likeCount
    assert first.more

    second = fetch(config, cursor=first.cursor)
    assert [i.external_id for i in second.items] == ["Zr9Vlog0003"]
    assert not second.more
    # the next sweep starts six hours before the newest video found (index lag)
    third = fetch(config, cursor=second.cursor)
    assert third.items == [] and not third.more
    assert all(r.url.params["key"] == KEY for r in transport.requests)


def test_a_sweep_starts_where_the_cursor_says(contract):
    contract("sources:youtube", "search.first", "videos.search_first")
    batch = fetch({"q": "Zerno coffee"}, cursor=json.dumps({"after": 1770000000}))
    assert batch.more
    assert json.loads(batch.cursor) == {
        "after": 1770000000, "page": "CAIQAA",
        "top": int(at("2026-02-02T14:05:00Z").timestamp())}


# ---------------------------------------------------------------- comments


def test_it_reads_a_videos_comments_newest_first(contract):
    contract("sources:youtube", "commentThreads.first")
    batch = fetch({"video": "https://youtu.be/Zr1nC0ffeeA"})

    assert [i.external_id for i in batch.items] == [
        "UgzNewBelarusian01AaABAg", "UgzRussianComplaint2AaABAg"]
    comment = batch.items[0]
    assert comment.text == "Зерно — лепшая кава ў горадзе, але чаму так доўга чакаць?"
    assert comment.kind == "comment"
    assert comment.url == ("https://www.youtube.com/watch?v=Zr1nC0ffeeA"
                           "&lc=UgzNewBelarusian01AaABAg")
    assert (comment.author, comment.author_id) == ("@alesia_k", "UCalesiaK000000000000000")
    assert comment.author_url == "https://www.youtube.com/@alesia_k"
    assert (comment.likes, comment.comments) == (3, 1)
    assert (comment.network, comment.reply_ref) == ("youtube", "UgzNewBelarusian01AaABAg")
    assert not batch.more  # no lower bound: the newest page only
    assert json.loads(batch.cursor) == {"last": int(at("2026-02-03T10:00:00Z").timestamp())}


def test_it_pages_comments_back_to_since_then_only_new_ones(contract):
    contract("sources:youtube", "commentThreads.first", "commentThreads.older",
             "commentThreads.first")
    first = fetch({"video": "Zr1nC0ffeeA"}, since=SINCE)
    assert first.more and len(first.items) == 2
    second = fetch({"video": "Zr1nC0ffeeA"}, cursor=first.cursor)
    assert second.items == []  # 2026-02-01 is before "since"
    assert not second.more
    third = fetch({"video": "Zr1nC0ffeeA"}, cursor=second.cursor)
    assert third.items == []  # nothing newer than the newest comment seen


# ---------------------------------------------------------------- account


def test_it_reads_a_competitor_channel_with_counts(contract):
    contract("sources:youtube", "channels.zerno", "playlistItems.uploads", "videos.uploads",
             "playlistItems.uploads_older", "videos.uploads_older")
    config = SOURCE.validate({"channel": "https://www.youtube.com/@zerno"})
    first = fetch(config, since=datetime.fromisoformat("2026-01-25T00:00:00+00:00"))

    assert first.account.handle == "@zerno"
    assert first.account.name == "Zerno Coffee"
    assert first.account.url == "https://www.youtube.com/@zerno"
    assert first.account.followers == 18400
    assert first.account.posts == 212
    assert [i.external_id for i in first.items] == ["Zr1KeniaNy1", "Zr1nC0ffeeA"]  # no private
    video = first.items[1]
    assert (video.views, video.likes, video.comments) == (9870, 402, 57)
    assert video.title == "Як ми обсмажуємо Ефіопію"
    assert video.published_at == at("2026-02-01T16:00:00Z")
    assert (video.author_id, video.author_followers) == ("@zerno", 18400)
    assert first.more

    second = fetch(config, cursor=first.cursor)
    assert second.account is None  # the figures come with a sweep's first page
    assert [i.external_id for i in second.items] == ["Zr1Cupping9"]  # 01-20 is before since
    assert (second.items[0].views, second.items[0].likes) == (640, 33)
    assert not second.more
    assert json.loads(second.cursor) == {"last": int(at("2026-02-03T12:00:00Z").timestamp())}


def test_it_leaves_hidden_subscriber_counts_empty(contract):
    contract("sources:youtube", "channels.hidden", "playlistItems.uploads", "videos.uploads")
    batch = fetch({"channel": "UCzernoCoffee00000000000"})
    assert batch.account.followers is None
    assert batch.account.posts == 212


def test_it_says_when_a_handle_has_no_channel(contract):
    contract("sources:youtube", "channels.none")
    with pytest.raises(SourceError, match="no channel @zerno_fake") as caught:
        fetch({"channel": "@zerno_fake"})
    assert not caught.value.transient and not caught.value.auth


# ---------------------------------------------------------------- errors


def test_a_spent_quota_waits_for_pacific_midnight(contract):
    contract("sources:youtube", "search.quota")
    with pytest.raises(SourceError, match="midnight Pacific") as caught:
        fetch({"q": "Zerno"})
    assert caught.value.transient and not caught.value.auth
    assert 60 <= caught.value.retry_after <= 25 * 3600


@pytest.mark.parametrize(("fixture", "config", "auth", "transient", "wait", "words"), [
    ("search.rate_limited", {"q": "Zerno"}, False, True, 120.0, "slow down"),
    ("search.key_invalid", {"q": "Zerno"}, True, False, None, "did not accept the API key"),
    ("search.not_enabled", {"q": "Zerno"}, True, False, None, "not enabled"),
    ("commentThreads.disabled", {"video": "Zr1nC0ffeeA"}, False, False, None, "turned off"),
    ("commentThreads.video_gone", {"video": "Zr1nC0ffeeA"}, False, False, None, "deleted"),
])
def test_it_classifies_youtube_errors(contract, fixture, config, auth, transient, wait, words):
    contract("sources:youtube", fixture)
    with pytest.raises(SourceError, match=words) as caught:
        fetch(config)
    assert caught.value.auth is auth
    assert caught.value.transient is transient
    assert caught.value.retry_after == wait
    assert "<" not in str(caught.value.message)  # HTML from Google's messages is removed


@pytest.mark.parametrize("config", [
    {"channel": "https://www.youtube.com/@zerno"}, {"channel": "UCzernoCoffee00000000000"},
    {"video": "https://youtu.be/Zr1nC0ffeeA"}, {"q": "Zerno"},
])
def test_a_normalised_config_validates_to_itself(config):
    once = SOURCE.validate(config)
    assert SOURCE.validate(once) == once
