"""Telegram updates as the inbox keeps them: ``event_comment`` of each event that
``poll_events`` and ``webhook_receive`` make of the recorded updates."""

from __future__ import annotations

from datetime import UTC, datetime

from smmdesk.connectors.base import PublishRequest, RemoteComment
from smmdesk.connectors.telegram import TelegramConnector
from tests.connectors.test_telegram import (
    CHAT_ID,
    GROUP_ID,
    HOOK_SECRET,
    VALUES,
    comment,
    make,
    push,
)

TEXT = "New single origin from Ethiopia is in: bright, floral, a little bergamot. ☕"


def polled(contract) -> dict:
    contract("telegram", "getUpdates.comments", values=VALUES)
    events, _cursor = make().poll_events("900000")
    # The edit of 57 comes after 57 and carries the same id: keep both apart by position.
    return {(e.kind, e.external_id, n): TelegramConnector.event_comment(e)
            for n, e in enumerate(events)}


def test_it_reads_a_comment_on_a_post(contract):
    found = polled(contract)
    assert found[("comment", f"{GROUP_ID}:57", 1)] == RemoteComment(
        external_id=f"{GROUP_ID}:57", post_external_id="101", author_id="5123456789",
        author_name="Olha Koval", text="Is the Ethiopia also sold as whole beans?",
        created_at=datetime(2026, 1, 1, 10, 15, tzinfo=UTC))


def test_it_files_a_reply_under_the_comment_it_answers(contract):
    reply = polled(contract)[("comment", f"{GROUP_ID}:58", 2)]
    assert reply.parent_external_id == f"{GROUP_ID}:57"
    assert reply.post_external_id == ""  # Telegram does not say; the parent does
    assert (reply.author_id, reply.author_name) == ("5234567890", "Taras")


def test_it_marks_what_the_channel_wrote_as_ours(contract):
    found = polled(contract)
    ours = found[("comment", f"{GROUP_ID}:59", 3)]
    assert ours.by_us and (ours.author_id, ours.author_name) == (str(CHAT_ID), "Zerno Coffee")
    assert not found[("comment", f"{GROUP_ID}:57", 1)].by_us


def test_a_photo_comment_keeps_its_caption_and_an_edit_its_id(contract):
    found = polled(contract)
    assert found[("comment", f"{GROUP_ID}:61", 4)].text == "My V60 with it this morning"
    edit = found[("comment", f"{GROUP_ID}:57", 5)]
    assert edit.text.endswith("Asking for the office") and edit.post_external_id == "101"


def test_a_direct_message_has_no_post(contract):
    dm = polled(contract)[("message", "5123456789:12", 6)]
    assert (dm.external_id, dm.post_external_id, dm.parent_external_id) == (
        "5123456789:12", "", "")
    assert dm.text == "Hi! Do you deliver to Lviv?" and not dm.by_us
    assert dm.created_at == datetime(2026, 1, 1, 10, 40, tzinfo=UTC)


def test_post_copies_and_reactions_are_not_comments(contract):
    found = polled(contract)
    assert found[("post", f"{GROUP_ID}:55", 0)] is None
    assert found[("reaction", "101", 7)] is None


def test_the_post_is_named_as_publish_named_it(contract):
    contract("telegram", "sendMessage.ok", "getUpdates.comments", values=VALUES)
    connector = make()
    published = connector.publish(PublishRequest(text=TEXT))
    events, _cursor = connector.poll_events("900000")
    comments = [TelegramConnector.event_comment(e) for e in events if e.kind == "comment"]
    assert published.external_id == "101"
    assert {c.post_external_id for c in comments} == {"101", ""}  # "": the reply to 57


def test_a_pushed_comment_is_the_polled_one(contract):
    pushed = TelegramConnector.event_comment(push(HOOK_SECRET).events[0])
    assert pushed == polled(contract)[("comment", f"{GROUP_ID}:57", 1)]


def test_our_reply_answers_the_comment_by_the_id_its_event_gave(contract):
    asked = polled(contract)[("comment", f"{GROUP_ID}:57", 1)]
    contract("telegram", "sendMessage.reply", values=VALUES)
    answer = make().reply(asked, "Yes! 250 g and 1 kg bags, in the shop and online.")
    assert asked == comment()  # what the reply tests answer
    assert answer.parent_external_id == asked.external_id
    assert answer.post_external_id == asked.post_external_id
    assert answer.external_id.startswith(f"{GROUP_ID}:")  # the same form as an event's id
