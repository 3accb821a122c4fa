"""VK Callback API events as the inbox keeps them: ``event_comment`` of what
``webhook_receive`` makes of each push, against what wall.getComments and wall.post
say about the same comments and post."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from smmdesk.connectors.base import PublishRequest, RemoteComment
from smmdesk.connectors.vk import VKConnector
from smmdesk.connectors.webhooks import WebhookEvent
from tests.connectors.test_vk import GID, TEXT, hook, make


def pushed(kind: str, obj: dict, event_id: str = "e1") -> RemoteComment | None:
    answer = hook({"type": kind, "event_id": event_id, "v": "5.199", "object": obj,
                   "group_id": GID, "secret": "Zx9-secret"})
    assert answer.status == 200 and len(answer.events) <= 1
    return VKConnector.event_comment(answer.events[0]) if answer.events else None


def fetched(contract) -> list[RemoteComment]:
    contract("vk", "wall.getComments.page", "wall.getComments.thread")
    return make().fetch_comments("1042")


def same_comment(c: RemoteComment) -> tuple:
    return (c.external_id, c.post_external_id, c.author_id, c.text, c.created_at,
            c.parent_external_id, c.by_us)


def test_a_pushed_comment_has_the_ids_wall_get_comments_gives_it(contract):
    read = fetched(contract)
    # wall_reply_new carries the same comment object, with the post's owner added.
    seen = [pushed("wall_reply_new", {**c.raw, "post_owner_id": -GID}) for c in read]
    assert [same_comment(c) for c in seen] == [same_comment(c) for c in read]
    assert [c.parent_external_id for c in seen] == [
        "", "5101", "5103", "", "5102", "5102", "5105", "5109"]


def test_it_names_authors_by_their_vk_address(contract):
    question, ours = fetched(contract)[:2]
    person = pushed("wall_reply_new", question.raw)
    community = pushed("wall_reply_new", ours.raw)
    assert (person.author_id, person.author_name, person.by_us) == (
        "120034567", "id120034567", False)
    assert (community.author_id, community.author_name, community.by_us) == (
        f"-{GID}", f"club{GID}", True)
    assert person.created_at == datetime.fromtimestamp(1767261400, UTC)


def test_the_post_is_named_as_publish_named_it(contract):
    contract("vk", "wall.post.text")
    published = make().publish(PublishRequest(text=TEXT, marker="pub-42-a1b2"))
    comment = pushed("wall_reply_new", {"id": 5112, "from_id": 120034567, "post_id": 1042,
                                        "owner_id": -GID, "post_owner_id": -GID,
                                        "parents_stack": [], "date": 1767262000,
                                        "text": "А доставка є?"})
    assert comment.post_external_id == published.external_id == "1042"
    assert (comment.external_id, comment.parent_external_id) == ("5112", "")


def test_a_reply_from_here_answers_the_pushed_comment(contract):
    question = fetched(contract)[0]
    comment = pushed("wall_reply_new", question.raw)
    transport = contract("vk", "wall.createComment.reply")
    make().reply(comment, "Ivan, 420 UAH for 250 g — see you!")  # the recorded request
    assert len(transport.requests) == 1


def test_a_message_has_no_post():
    message = {"message": {"id": 88, "date": 1767262100, "peer_id": 120034567,
                           "from_id": 120034567, "out": 0, "conversation_message_id": 7,
                           "text": "Привіт! Ви працюєте в неділю?"},
               "client_info": {"button_actions": ["text"], "keyboard": True}}
    assert pushed("message_new", message) == RemoteComment(
        external_id="88", post_external_id="", author_id="120034567",
        author_name="id120034567", text="Привіт! Ви працюєте в неділю?",
        created_at=datetime.fromtimestamp(1767262100, UTC), raw=message["message"])


def test_messages_in_a_group_chat_are_told_apart_by_their_number_there():
    # VK gives a community's bot id 0 for messages in a group chat.
    chat = {"date": 1767262150, "peer_id": 2000000001, "from_id": 98765432, "id": 0,
            "text": "Хто замовляв каву?"}
    first = pushed("message_new", {"message": {**chat, "conversation_message_id": 15}})
    second = pushed("message_new", {"message": {**chat, "conversation_message_id": 16}})
    assert (first.external_id, second.external_id) == ("2000000001_15", "2000000001_16")
    event = hook({"type": "message_new", "group_id": GID, "secret": "Zx9-secret",
                  "object": {"message": {**chat, "conversation_message_id": 15}}}).events[0]
    assert event.external_id == "2000000001_15"  # the event and the comment agree


def test_new_wall_posts_and_other_events_are_not_comments():
    assert pushed("wall_post_new", {"id": 1046, "owner_id": -GID, "from_id": -GID,
                                    "date": 1767262200, "text": "New post"}) is None
    assert pushed("group_join", {"user_id": 1, "join_type": "join"}) is None
    deleted = WebhookEvent("comment", str(GID), {"type": "wall_reply_delete",
                                                 "object": {"id": 5112, "post_id": 1042}},
                           "5112")
    assert VKConnector.event_comment(deleted) is None


COMMENT = {"id": 5112, "from_id": 120034567, "post_id": 1042, "owner_id": -GID,
           "parents_stack": [], "date": 1767262000, "text": "А доставка є?"}
MESSAGE = {"id": 88, "date": 1767262100, "peer_id": 120034567, "from_id": 120034567,
           "out": 0, "conversation_message_id": 7, "text": "Привіт!"}


def signed(kind: str, obj) -> dict:
    return {"type": kind, "event_id": "e1", "v": "5.199", "object": obj, "group_id": GID,
            "secret": "Zx9-secret"}


@pytest.mark.parametrize("kind,obj", [
    ("wall_reply_new", {**COMMENT, "date": 1e30}),  # stopped every worker round once
    ("wall_reply_new", {**COMMENT, "date": 99999999999}),  # the year 5138
    ("wall_reply_new", {**COMMENT, "date": "yesterday"}),
    ("wall_reply_new", {**COMMENT, "from_id": "ivan"}),
    ("wall_reply_new", {**COMMENT, "from_id": 10**30}),
    ("wall_reply_new", {**COMMENT, "id": "5112; drop"}),
    ("wall_reply_new", {**COMMENT, "id": None}),
    ("wall_reply_new", {**COMMENT, "post_id": [1042]}),
    ("wall_reply_new", {**COMMENT, "text": {"html": "x"}}),
    ("wall_reply_new", {**COMMENT, "parents_stack": ["x"]}),
    ("wall_reply_new", {**COMMENT, "parents_stack": 5}),
    ("wall_reply_new", ["not", "an", "object"]),
    ("wall_reply_new", None),
    ("message_new", {"message": {**MESSAGE, "from_id": "abc"}}),
    ("message_new", {"message": {**MESSAGE, "date": -5}}),
    ("message_new", {"message": "hello"}),
    ("message_new", {"message": {**MESSAGE, "id": 0, "conversation_message_id": None}}),
    ("wall_post_new", {"id": "new", "owner_id": -GID, "date": 1767262200, "text": "Post"}),
])
def test_a_malformed_event_is_refused_on_arrival_with_400(kind, obj):
    answer = hook(signed(kind, obj))
    assert answer.status == 400 and answer.events == []
    assert answer.rejected.startswith("malformed event")


def test_well_formed_events_pass_with_ids_as_numbers_or_their_digits():
    assert pushed("wall_reply_new", {**COMMENT, "from_id": "120034567"}).author_id == \
        "120034567"
    # No date (an old API version) is taken as "now", as before.
    assert pushed("message_new", {"message": {**MESSAGE, "date": None}}).external_id == "88"
    assert hook(signed("group_join", {"user_id": "whoever"})).status == 200  # not read
