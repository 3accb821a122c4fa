"""Bluesky notifications as the inbox keeps them: ``event_comment`` of what
``poll_events`` makes of listNotifications, against what getPostThread (``fetch_comments``)
and createRecord (``publish``) say about the same posts."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from smmdesk.connectors.base import PublishRequest, RemoteComment
from smmdesk.connectors.bluesky import BlueskyConnector
from smmdesk.connectors.bluesky.community import _event
from smmdesk.connectors.webhooks import WebhookEvent
from tests.connectors.contract import load_fixture
from tests.connectors.test_bluesky import (
    DID,
    HANDLE,
    OLENA_DID,
    OLENA_REPLY,
    OUR_ANSWER,
    POST_URI,
    TEXT,
    make,
)

MARKO_DID = "did:plc:m4rk6ot3vq2bx7kz5wnhyd3e"


def polled(contract) -> dict[str, RemoteComment | None]:
    contract("bluesky", "listNotifications.first")
    events, _cursor = make().poll_events("")
    return {e.data["reason"]: BlueskyConnector.event_comment(e) for e in events}


def same_comment(c: RemoteComment) -> tuple:
    return (c.external_id, c.post_external_id, c.author_id, c.author_name, c.text,
            c.created_at, c.parent_external_id, c.by_us)


def test_a_reply_is_the_comment_get_post_thread_reads(contract):
    reply = polled(contract)["reply"]
    contract("bluesky", "getPostThread.ok")
    read = {c.external_id: c for c in make().fetch_comments(POST_URI)}[OLENA_REPLY]
    assert same_comment(reply) == same_comment(read)
    assert (reply.external_id, reply.post_external_id, reply.parent_external_id) == (
        OLENA_REPLY, POST_URI, POST_URI)  # a direct reply answers the post itself
    assert (reply.author_id, reply.author_name) == ("olena-reads.bsky.social", "Олена")
    assert reply.created_at == datetime(2026, 3, 2, 10, 12, 40, tzinfo=UTC)


def test_the_post_is_named_as_publish_named_it(contract):
    contract("bluesky", "createRecord.text")
    published = make().publish(PublishRequest(text=TEXT))
    assert polled(contract)["reply"].post_external_id == published.external_id


def test_a_quote_is_filed_under_the_post_it_quotes(contract):
    quote = polled(contract)["quote"]
    assert quote.external_id.startswith(f"at://{MARKO_DID}/")
    assert (quote.post_external_id, quote.parent_external_id) == (POST_URI, "")
    assert (quote.author_id, quote.author_name) == ("marko.bsky.social", "marko.bsky.social")
    assert quote.text == "This roastery is the real deal"


def test_a_mention_outside_a_thread_has_no_post(contract):
    mention = polled(contract)["mention"]
    assert (mention.post_external_id, mention.parent_external_id) == ("", "")
    assert mention.text == "Best flat white in Lviv: @zerno.bsky.social"
    assert not mention.by_us and mention.raw["author_did"] == OLENA_DID


def test_a_reply_to_our_answer_is_under_the_post_and_the_answer(contract):
    contract("bluesky")
    notes = load_fixture("bluesky", "listNotifications.first")["response"]["json"]
    note = copy.deepcopy(next(n for n in notes["notifications"] if n["reason"] == "reply"))
    note["record"]["reply"]["parent"] = {"uri": OUR_ANSWER, "cid": "bafyreiour"}
    comment = BlueskyConnector.event_comment(_event(make(), note))
    assert (comment.post_external_id, comment.parent_external_id) == (POST_URI, OUR_ANSWER)
    assert not comment.by_us


def test_likes_and_follows_never_become_comments(contract):
    assert set(polled(contract)) == {"reply", "mention", "quote"}
    like = WebhookEvent("reaction", DID, {"reason": "like", "uri": POST_URI},
                        "at://did:plc:x/app.bsky.feed.like/1")
    assert BlueskyConnector.event_comment(like) is None


def test_our_answers_are_ours_both_ways(contract):
    contract("bluesky", "getPostThread.ok", "createRecord.reply")
    connector = make()
    read = {c.external_id: c for c in connector.fetch_comments(POST_URI)}
    mine = connector.reply(read[OLENA_REPLY], "Дякуємо, Олено! Чекаємо в суботу ☕")
    assert read[OUR_ANSWER].by_us and mine.by_us
    assert mine.author_id == read[OUR_ANSWER].author_id == HANDLE
    event = WebhookEvent("comment", DID, {"reason": "reply", "author_did": DID,
                                          "author_handle": HANDLE, "text": "Так!",
                                          "root_uri": POST_URI, "parent_uri": OLENA_REPLY},
                         OUR_ANSWER)
    assert BlueskyConnector.event_comment(event).by_us
