"""Facebook Page webhooks as the inbox keeps them: ``event_comment`` of what
``webhook_receive`` makes of a signed notification, against what GET /{post}/comments
(``fetch_comments``) and the Pages API (``publish``) say about the same comment and post."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest

from smmdesk.connectors.base import PublishRequest, RemoteComment
from smmdesk.connectors.facebook import FacebookConnector
from tests.connectors.contract import load_fixture
from tests.connectors.test_facebook import (
    PAGE,
    POST,
    TEXT,
    app,  # noqa: F401 - the fixture: Meta's app secret, to sign with
    hook_request,
    make,
)

pytestmark = pytest.mark.usefixtures("app")
QUESTION = "987654321098765_4410001"
MID = "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P"


def notification(**changed) -> dict:
    """The recorded notification; ``changed`` replaces fields of its first change (the
    comment)."""
    body = copy.deepcopy(load_fixture("facebook", "webhook.page_events")["request"]["json"])
    body["entry"][0]["changes"][0]["value"].update(changed)
    return body


def received(body: dict) -> list[tuple[str, str, RemoteComment | None]]:
    answer = FacebookConnector.webhook_receive(hook_request(json.dumps(body).encode()))
    assert answer.status == 200
    return [(e.kind, e.external_id, FacebookConnector.event_comment(e)) for e in answer.events]


def same_comment(c: RemoteComment) -> tuple:
    return (c.external_id, c.post_external_id, c.author_id, c.author_name, c.text,
            c.created_at, c.parent_external_id, c.by_us)


def fetched(contract) -> dict[str, RemoteComment]:
    contract("facebook", "comments.list")  # its older comment ends the reading
    since = datetime(2025, 11, 21, tzinfo=UTC)
    return {c.external_id: c for c in make().fetch_comments(POST, since=since)}


def test_a_pushed_comment_is_the_one_fetch_comments_reads(contract):
    [(kind, external_id, comment), *_rest] = received(notification())
    read = fetched(contract)[QUESTION]
    assert (kind, external_id) == ("comment", QUESTION)
    assert same_comment(comment) == same_comment(read)
    assert comment.created_at == datetime(2025, 11, 21, 11, 0, tzinfo=UTC)
    assert (comment.post_external_id, comment.parent_external_id) == (POST, "")


def test_a_pushed_reply_of_the_page_is_ours_under_its_comment(contract):
    ours = fetched(contract)["987654321098765_4410003"]
    [(_kind, _id, comment), *_rest] = received(notification(
        comment_id="987654321098765_4410003", parent_id=QUESTION,
        **{"from": {"id": PAGE, "name": "Zerno Coffee"}}, message=ours.text,
        created_time=int(ours.created_at.timestamp())))
    assert same_comment(comment) == same_comment(ours)
    assert comment.by_us and comment.parent_external_id == QUESTION


def test_the_post_is_named_as_publish_named_it(contract):
    contract("facebook", "feed.text")
    published = make().publish(PublishRequest(text=TEXT))
    [(_kind, _id, comment), *_rest] = received(notification())
    assert comment.post_external_id == published.external_id == POST


def test_reactions_posts_and_other_changes_are_not_comments():
    found = received(notification())
    assert [(kind, comment is None) for kind, _id, comment in found] == [
        ("comment", False), ("reaction", True), ("post", True), ("other", True),
        ("other", True), ("message", False)]


def test_a_removed_or_hidden_comment_is_not_a_new_one():
    for verb in ("remove", "hide", "unhide"):
        assert received(notification(verb=verb))[0][2] is None
    assert received(notification(verb="edited"))[0][2].external_id == QUESTION


def test_a_messenger_message_has_no_post():
    [*_rest, (kind, external_id, message)] = received(notification())
    assert (kind, external_id) == ("message", MID)
    assert message == RemoteComment(
        external_id=MID, post_external_id="", author_id="24410001234567890", author_name="",
        text="Hi! Are you open on Sunday?",
        created_at=datetime(2025, 11, 21, 11, 59, 59, tzinfo=UTC), raw=message.raw)


def test_a_mention_of_the_page_names_its_author():
    in_comment = {"field": "mention", "value": {
        "post_id": "3333_4444", "comment_id": "4444_5555", "item": "comment", "verb": "add",
        "sender_id": "6203100450999", "sender_name": "Oksana", "created_time": 1763730000,
        "message": "@Zerno Coffee has the best flat white"}}
    in_post = {"field": "mention", "value": {
        "post_id": "3333_4445", "item": "post", "verb": "add", "sender_id": "6203100450999",
        "sender_name": "Oksana", "created_time": 1763730100}}
    body = {"object": "page", "entry": [{"id": PAGE, "time": 1763730200,
                                         "changes": [in_comment, in_post]}]}
    (kind, _id, comment), (_kind, _id2, post) = received(body)
    assert kind == "mention" and comment.external_id == "4444_5555"
    assert (comment.post_external_id, comment.author_id, comment.author_name) == (
        "3333_4444", "6203100450999", "Oksana")
    assert comment.text == "@Zerno Coffee has the best flat white"
    assert (post.external_id, post.post_external_id, post.text) == ("3333_4445", "", "")


def with_messaging(**changed) -> dict:
    body = notification()
    body["entry"][1]["messaging"][0].update(changed)
    return body


@pytest.mark.parametrize("body", [
    notification(created_time=1e30),  # stopped every worker round once
    notification(created_time="last tuesday"),
    notification(created_time=99999999999),
    notification(**{"from": {"id": "taras", "name": "Taras"}}),
    notification(**{"from": "Taras"}),
    notification(comment_id={"id": 1}),
    notification(message=["Do you ship?"]),
    with_messaging(timestamp=10**30),
    with_messaging(sender={"id": "../../me"}),
    with_messaging(message="hello"),
    with_messaging(message={"mid": 5, "text": "hi"}),
    {"object": "page", "entry": "everything"},
    {"object": "page", "entry": [["not an entry"]]},
    {"object": "page", "entry": [{"id": "104857600123456", "changes": {"field": "feed"}}]},
    {"object": "page", "entry": [{"id": "104857600123456", "changes": [{"value": 7}]}]},
    {"object": "page", "entry": [{"id": "104857600123456", "messaging": [None]}]},
    {"object": "page", "entry": [{"id": None, "changes": []}]},
])
def test_a_malformed_notification_is_refused_on_arrival_with_400(body):
    answer = FacebookConnector.webhook_receive(hook_request(json.dumps(body).encode()))
    assert answer.status == 400 and answer.events == []
    assert answer.rejected.startswith("malformed event")


def test_times_as_graph_api_text_or_milliseconds_still_pass():
    kinds = [kind for kind, _id, _c in received(notification(
        created_time="2025-11-21T11:00:00+0000"))]
    assert kinds[0] == "comment"
    assert received(with_messaging(timestamp="1763726399000"))[-1][0] == "message"
