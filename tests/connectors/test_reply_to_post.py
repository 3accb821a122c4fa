"""Answering a post listening found (``Connector.reply_to_post``) on Bluesky, Mastodon, VK
and YouTube, against recorded contracts (fixtures/<network>/reply_to_post.*.json).

Each ``ref`` below is what that network's listening source writes as ``Item.reply_ref``;
the Bluesky one is made by the source's own ``record_item``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from smmdesk.connectors import base as base_module
from smmdesk.connectors.base import PermanentError, TransientError
from smmdesk.connectors.bluesky import BlueskyConnector
from smmdesk.connectors.mastodon import MastodonConnector
from smmdesk.connectors.vk import VKConnector
from smmdesk.connectors.youtube import YouTubeConnector
from smmdesk.lib.http import HttpClient
from smmdesk.sources.bluesky import record_item
from tests.connectors import test_bluesky as bs
from tests.connectors import test_mastodon as md
from tests.connectors import test_vk as vk
from tests.connectors import test_youtube as yt
from tests.connectors.contract import load_fixture, request_body


def sent_json(transport, n=0) -> dict:
    return request_body(transport.requests[n])[0]


def sent_form(transport, n=0) -> dict:
    return request_body(transport.requests[n])[1]


class FrozenDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        return datetime(2026, 3, 2, 10, 0, tzinfo=UTC).astimezone(tz)


@pytest.mark.parametrize("connector", [BlueskyConnector, MastodonConnector, VKConnector,
                                       YouTubeConnector])
def test_the_four_networks_declare_that_they_answer_listened_posts(connector):
    assert connector.capabilities.reply_to_post is True


# ---------------------------------------------------------------- Bluesky

BS_ROOT = "at://did:plc:k2vn7qb4xw3hzt5mdr6yce8a/app.bsky.feed.post/3mg4c5tq7vk2b"
BS_ROOT_CID = "bafyreigk4vq2mz7tb3xnd5rgk4vq2mz7tb3xnd5rgk4vq2mz7tb3xnd5rg"
BS_MENTION = "at://did:plc:w9ht3kd6vq2zb5xn7mre4yca/app.bsky.feed.post/3mg4d2xhqbs2b"
BS_MENTION_CID = "bafyreidx6pw3nk5zq7vbm2tdx6pw3nk5zq7vbm2tdx6pw3nk5zq7vbm2td"
BS_TEXT = "Дякуємо, що згадали Зерно! Нова Ефіопія вже на полиці ☕"


def bluesky_ref(cid: str = BS_MENTION_CID) -> str:
    """What the listening source writes for a reply in someone's thread."""
    item = record_item(uri=BS_MENTION, cid=cid, handle="marta.bsky.social", record={
        "$type": "app.bsky.feed.post", "text": "Зерно на Подолі — найкраща кава",
        "createdAt": "2026-03-02T09:40:00Z",
        "reply": {"root": {"uri": BS_ROOT, "cid": BS_ROOT_CID},
                  "parent": {"uri": BS_ROOT, "cid": BS_ROOT_CID}}})
    return item.reply_ref


def test_bluesky_answers_the_post_in_its_thread(contract):
    transport = contract("bluesky", "reply_to_post.createRecord")
    ours = bs.make().reply_to_post(bluesky_ref(), BS_TEXT)
    assert sent_json(transport)["record"]["reply"] == {
        "root": {"uri": BS_ROOT, "cid": BS_ROOT_CID},
        "parent": {"uri": BS_MENTION, "cid": BS_MENTION_CID}}
    made = load_fixture("bluesky", "reply_to_post.createRecord")["response"]["json"]
    assert ours.external_id == made["uri"] and ours.text == BS_TEXT and ours.by_us
    assert ours.parent_external_id == BS_MENTION and ours.post_external_id == BS_ROOT


def test_bluesky_looks_up_a_post_without_its_cid_and_says_when_it_is_gone(contract):
    transport = contract("bluesky", "reply_to_post.getPosts_gone")
    with pytest.raises(PermanentError) as exc:
        bs.make().reply_to_post(bluesky_ref(cid=""), BS_TEXT)
    assert exc.value.code == "not_found" and "no longer exists" in exc.value.message
    assert bs.nsids(transport) == ["app.bsky.feed.getPosts"]  # nothing was posted


def test_bluesky_waits_when_the_write_budget_is_spent(contract, monkeypatch):
    monkeypatch.setattr(base_module, "datetime", FrozenDatetime)
    contract("bluesky", "reply_to_post.rate_limited")
    with pytest.raises(TransientError) as exc:
        bs.make(http=HttpClient(retries=0)).reply_to_post(bluesky_ref(), BS_TEXT)
    assert exc.value.code == "rate_limited" and exc.value.retry_after == 60


@pytest.mark.parametrize("ref", [
    "", "not json", "[]", json.dumps({"ref": {"uri": BS_MENTION, "cid": "x"}}),
    json.dumps({"ref": {"uri": "https://bsky.app/profile/x/post/3mg4", "cid": "x"},
                "root": {"uri": BS_ROOT, "cid": "y"}}),
    json.dumps({"ref": {"uri": BS_MENTION.replace("feed.post", "feed.like"), "cid": "x"},
                "root": {"uri": BS_ROOT, "cid": "y"}}),
])
def test_bluesky_refuses_a_reference_that_names_no_post(contract, ref):
    transport = contract("bluesky")
    with pytest.raises(PermanentError) as exc:
        bs.make().reply_to_post(ref, BS_TEXT)
    assert exc.value.code == "bad_ref" and "answer it there" in exc.value.message
    assert transport.requests == []


# ---------------------------------------------------------------- Mastodon

MD_URI = "https://toot.community/users/olena/statuses/113990555000111222"
MD_LOCAL_ID = "113990555123456789"
MD_TEXT = "Так, як світле еспресо і з молоком — дуже добре. Приходьте на дегустацію!"


def test_mastodon_resolves_the_post_on_our_server_and_answers_its_author(contract):
    transport = contract("mastodon", "reply_to_post.search", "reply_to_post.statuses_create")
    ours = md.make().reply_to_post(MD_URI, MD_TEXT)
    search = transport.requests[0]
    assert search.url.host == "mastodon.social"  # our server, not the author's
    assert search.headers["Authorization"] == f"Bearer {md.TOKEN}"
    body = sent_json(transport, 1)
    assert body["status"] == f"@olena@toot.community {MD_TEXT}"
    assert body["in_reply_to_id"] == MD_LOCAL_ID
    assert transport.requests[1].headers["idempotency-key"]
    assert ours.external_id == "113990600000000401" and ours.by_us
    assert ours.post_external_id == MD_LOCAL_ID
    assert ours.text.endswith(MD_TEXT)


def test_mastodon_says_when_our_server_cannot_find_the_post(contract):
    transport = contract("mastodon", "reply_to_post.search_none")
    with pytest.raises(PermanentError) as exc:
        md.make().reply_to_post(MD_URI, MD_TEXT)
    assert exc.value.code == "not_found"
    assert exc.value.message == ("Mastodon could not find that post from your server; it may "
                                 "be deleted or private.")
    assert len(transport.requests) == 1  # nothing was posted


def test_mastodon_asks_to_reconnect_when_the_token_may_not_search(contract):
    contract("mastodon", "reply_to_post.search_scope")
    with pytest.raises(PermanentError) as exc:
        md.make().reply_to_post(MD_URI, MD_TEXT)
    assert exc.value.code == "scope_missing" and "Reconnect the channel" in exc.value.message
    assert "@zernocoffee@mastodon.social" in exc.value.message


def test_mastodon_waits_when_the_status_budget_is_spent(contract):
    contract("mastodon", "reply_to_post.search", "reply_to_post.statuses_rate_limited")
    with pytest.raises(TransientError) as exc:
        md.make(http=HttpClient(retries=0)).reply_to_post(MD_URI, MD_TEXT)
    assert exc.value.code == "rate_limited" and exc.value.retry_after >= 1


@pytest.mark.parametrize("ref", ["", "toot.community/@olena/1", "javascript:alert(1)"])
def test_mastodon_refuses_a_reference_that_is_no_address(contract, ref):
    transport = contract("mastodon")
    with pytest.raises(PermanentError) as exc:
        md.make().reply_to_post(ref, MD_TEXT)
    assert exc.value.code == "bad_ref"
    assert transport.requests == []


# ---------------------------------------------------------------- VK

VK_REF = "50211873_2231"  # newsfeed.search found post 2231 on user 50211873's wall
VK_TEXT = "Дякуємо за відгук! Чекаємо вас знову на Подолі ☕"


def test_vk_comments_under_the_post_as_the_community(contract):
    transport = contract("vk", "reply_to_post.createComment")
    ours = vk.make().reply_to_post(VK_REF, VK_TEXT)
    form = sent_form(transport)
    assert (form["owner_id"], form["post_id"], form["from_group"]) == (
        "50211873", "2231", str(vk.GID))
    assert form["message"] == VK_TEXT and len(form["guid"]) == 32
    assert (ours.external_id, ours.post_external_id, ours.text) == ("2240", VK_REF, VK_TEXT)
    assert ours.by_us and ours.author_id == f"-{vk.GID}" and ours.author_name == "Zerno Coffee"


def test_vk_sends_the_same_guid_for_the_same_answer_so_a_retry_is_not_a_second_comment(
        contract):
    transport = contract("vk", "reply_to_post.createComment", "reply_to_post.createComment")
    vk.make().reply_to_post(VK_REF, VK_TEXT)
    vk.make().reply_to_post(VK_REF, VK_TEXT)
    assert sent_form(transport, 0)["guid"] == sent_form(transport, 1)["guid"]


def test_vk_says_in_plain_words_that_comments_are_closed(contract):
    contract("vk", "reply_to_post.closed")
    with pytest.raises(PermanentError) as exc:
        vk.make().reply_to_post(VK_REF, VK_TEXT)
    assert exc.value.code == "comments_closed" and not exc.value.channel_broken
    assert "comments are closed" in exc.value.message
    assert "“Zerno Coffee”" in exc.value.message  # who may not comment, not whose post


def test_vk_waits_when_it_is_asked_to_slow_down(contract):
    contract("vk", "reply_to_post.too_many")
    with pytest.raises(TransientError) as exc:
        vk.make().reply_to_post(VK_REF, VK_TEXT)
    assert exc.value.code == "rate_limited" and exc.value.retry_after == 1.0


@pytest.mark.parametrize("ref", ["", "wall50211873_2231", "50211873", "50211873_-2", "a_b"])
def test_vk_refuses_a_reference_that_names_no_post(contract, ref):
    transport = contract("vk")
    with pytest.raises(PermanentError) as exc:
        vk.make().reply_to_post(ref, VK_TEXT)
    assert exc.value.code == "bad_ref"
    assert transport.requests == []


# ---------------------------------------------------------------- YouTube

YT_VIDEO = "Kv7pRq2LmXw"  # a video search found, on another channel
YT_THREAD = "UgzRussianComplaint2AaABAg"  # a comment the video's comment feed found
YT_VIDEO_TEXT = "Дякуємо за огляд! Рецепт V60 від нашого бариста: zerno.coffee/v60"
YT_REPLY_TEXT = "Вибачте за очікування. Напишіть нам, будь ласка, на hello@zerno.coffee"


def test_youtube_comments_on_a_video_it_found(contract):
    transport = contract("youtube", "reply_to_post.commentThreads_insert")
    ours = yt.make().reply_to_post(YT_VIDEO, YT_VIDEO_TEXT)
    assert transport.requests[0].url.path == "/youtube/v3/commentThreads"
    assert transport.requests[0].headers["Authorization"] == f"Bearer {yt.TOKEN}"
    assert ours.external_id == "UgwZernoOnCoffeeReview4AaABAg"
    assert (ours.post_external_id, ours.parent_external_id) == (YT_VIDEO, "")
    assert ours.text == YT_VIDEO_TEXT and ours.by_us and ours.author_id == yt.CH
    assert ours.created_at == datetime(2026, 12, 7, 10, 5, tzinfo=UTC)


def test_youtube_answers_a_comment_it_found_in_the_comments_thread(contract):
    transport = contract("youtube", "reply_to_post.comments_insert")
    ours = yt.make().reply_to_post(YT_THREAD, YT_REPLY_TEXT)
    assert sent_json(transport)["snippet"] == {"parentId": YT_THREAD,
                                               "textOriginal": YT_REPLY_TEXT}
    assert ours.external_id == f"{YT_THREAD}.9yZernoAnswer01"
    assert ours.parent_external_id == YT_THREAD and ours.post_external_id == "Zr1nC0ffeeA"
    assert ours.text == YT_REPLY_TEXT and ours.by_us


def test_youtube_says_when_comments_are_turned_off(contract):
    contract("youtube", "reply_to_post.comments_disabled")
    with pytest.raises(PermanentError) as exc:
        yt.make().reply_to_post(YT_VIDEO, YT_VIDEO_TEXT)
    assert exc.value.code == "comments_disabled" and not exc.value.channel_broken
    assert exc.value.message == "YouTube: comments are turned off for this video."


def test_youtube_waits_when_asked_to_slow_down(contract):
    contract("youtube", "reply_to_post.rate_limited")
    with pytest.raises(TransientError) as exc:
        yt.make(http=HttpClient(retries=0)).reply_to_post(YT_THREAD, YT_REPLY_TEXT)
    assert exc.value.code == "rate_limited" and exc.value.retry_after == 30


@pytest.mark.parametrize("ref", ["", "Kv7pRq2LmX", "https://youtu.be/Kv7pRq2LmXw",
                                 "Ugz Russian Complaint"])
def test_youtube_refuses_a_reference_that_names_nothing(contract, ref):
    transport = contract("youtube")
    with pytest.raises(PermanentError) as exc:
        yt.make().reply_to_post(ref, YT_VIDEO_TEXT)
    assert exc.value.code == "bad_ref"
    assert transport.requests == []
