"""Mastodon mention notifications as the inbox keeps them: ``event_comment`` of what
``poll_events`` makes of them, against what ``fetch_comments`` and ``publish`` say about
the same statuses."""

from __future__ import annotations

from datetime import UTC, datetime

from smmdesk.connectors.base import PublishRequest, RemoteComment
from smmdesk.connectors.mastodon import MastodonConnector
from tests.connectors.test_mastodon import TEXT, make

POST = "113990000000000101"


def comments_of(events) -> dict[str, RemoteComment | None]:
    return {e.external_id: MastodonConnector.event_comment(e) for e in events}


def same_comment(c: RemoteComment) -> tuple:
    return (c.external_id, c.post_external_id, c.author_id, c.author_name, c.text,
            c.created_at, c.parent_external_id, c.by_us)


def test_a_reply_to_our_post_is_the_comment_fetch_comments_reads(contract):
    contract("mastodon", "notifications.mentions", "statuses.context.reply",
             "statuses.context.ok")
    connector = make()
    events, _cursor = connector.poll_events("")
    polled = comments_of(events)["113990000000000301"]
    read = connector.fetch_comments(POST)[0]
    assert same_comment(polled) == same_comment(read)
    assert (polled.post_external_id, polled.parent_external_id) == (POST, "")
    assert polled.created_at == datetime(2026, 11, 22, 6, 20, tzinfo=UTC)


def test_the_post_is_named_as_publish_named_it(contract):
    contract("mastodon", "statuses.create.text_ok", "notifications.mentions",
             "statuses.context.reply")
    connector = make()
    published = connector.publish(PublishRequest(text=TEXT))
    events, _cursor = connector.poll_events("")
    assert comments_of(events)["113990000000000301"].post_external_id == \
        published.external_id


def test_a_reply_to_our_reply_is_filed_under_the_post(contract):
    # The notification names only the status answered (our reply 302); its thread says
    # which post it is under.
    transport = contract("mastodon", "notifications.thread_reply",
                         "statuses.context.thread_reply", "statuses.context.ok")
    connector = make()
    events, cursor = connector.poll_events("34975903")
    [comment] = comments_of(events).values()
    assert events[0].kind == "comment" and cursor == "34976010"
    assert (comment.post_external_id, comment.parent_external_id) == (
        POST, "113990000000000302")
    assert comment.text == "@zernocoffee Lovely, I will take the 1 kg bag then!"
    ours = {c.external_id: c for c in connector.fetch_comments(POST)}["113990000000000302"]
    assert ours.by_us  # what it answers is in the inbox as our reply
    assert len(transport.requests) == 3


def test_a_reply_whose_thread_is_gone_keeps_its_parent(contract):
    contract("mastodon", "notifications.thread_reply", "statuses.context.not_found")
    events, cursor = make().poll_events("34975903")
    [comment] = comments_of(events).values()
    assert (comment.post_external_id, comment.parent_external_id) == (
        "", "113990000000000302")
    assert cursor == "34976010"  # the stream goes on


def test_a_mention_and_a_private_mention_have_no_post(contract):
    contract("mastodon", "notifications.mentions", "statuses.context.reply")
    found = comments_of(make().poll_events("")[0])
    mention, message = found["113990000000000502"], found["113990000000000503"]
    assert (mention.post_external_id, mention.parent_external_id) == ("", "")
    assert mention.text == "Best flat white in Lviv: @zernocoffee"
    assert (mention.author_id, mention.author_name) == ("108198765432109876", "Olena K.")
    assert (message.post_external_id, message.parent_external_id) == ("", "")
    assert message.text == "@zernocoffee do you ship to Kraków?" and not message.by_us
