"""Instagram webhooks as the inbox keeps them: ``event_comment`` of what
``webhook_receive`` makes of a signed notification, against what GET /{media}/comments
(``fetch_comments``) and media_publish (``publish``) say about the same comment and media."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest

from smmdesk.connectors.base import PublishRequest, RemoteComment
from smmdesk.connectors.instagram import InstagramConnector
from tests.connectors.contract import load_fixture
from tests.connectors.test_instagram import (
    CAPTION,
    MEDIA,
    app,  # noqa: F401 - the fixture: Meta's app secret, to sign with
    jpeg,
    make,
    signed,
    sleeps,  # noqa: F401 - the fixture: container polling without waiting
)

pytestmark = pytest.mark.usefixtures("app")
QUESTION = "17870913679156914"
REPLY = "17865799348089039"
MID = "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAw"


def notification(**changed) -> dict:
    """The recorded notification; ``changed`` replaces fields of its comment."""
    body = copy.deepcopy(load_fixture("instagram", "webhook.instagram_events")["request"]["json"])
    body["entry"][0]["changes"][0]["value"].update(changed)
    return body


def received(body: dict) -> list[tuple[str, str, RemoteComment | None]]:
    answer = InstagramConnector.webhook_receive(signed(json.dumps(body).encode()))
    assert answer.status == 200
    return [(e.kind, e.external_id, InstagramConnector.event_comment(e))
            for e in answer.events]


def fetched(contract) -> dict[str, RemoteComment]:
    contract("instagram", "comments.list")
    return {c.external_id: c for c in make().fetch_comments(MEDIA)}


def same_comment(c: RemoteComment) -> tuple:
    return (c.external_id, c.post_external_id, c.author_id, c.author_name, c.text,
            c.parent_external_id, c.by_us)


def test_a_pushed_reply_is_filed_under_the_media_and_the_comment_it_answers(contract):
    [(kind, external_id, comment), *_rest] = received(notification())
    assert (kind, external_id) == ("comment", REPLY)
    assert comment == RemoteComment(
        external_id=REPLY, post_external_id=MEDIA, author_id="1784140000000011",
        author_name="olena.k", text="And do you ship to Odesa?",
        created_at=datetime(2025, 11, 21, 12, 0, 1, tzinfo=UTC),  # the entry's time
        parent_external_id=QUESTION, raw=comment.raw)
    read = fetched(contract)
    assert read[QUESTION].author_id == comment.author_id  # the same person, the same id


def test_pushed_comments_are_the_ones_fetch_comments_reads(contract):
    read = fetched(contract)
    for external_id in (QUESTION, "17870913679156999"):
        c = read[external_id]
        [(_kind, _id, comment), *_rest] = received(notification(
            id=c.external_id, text=c.text, parent_id=c.parent_external_id or None,
            **{"from": {"id": c.author_id, "username": c.author_name}}))
        assert same_comment(comment) == same_comment(c)
    assert read["17870913679156999"].by_us  # the account's own reply, both ways


@pytest.mark.usefixtures("sleeps")
def test_the_media_is_named_as_publish_named_it(contract, tmp_path):
    contract("instagram", "limit.ok", "media.image", "container.image_finished",
             "media_publish.image", "media.permalink")
    published = make().publish(PublishRequest(text=CAPTION, media=(jpeg(tmp_path),)))
    [(_kind, _id, comment), *_rest] = received(notification())
    assert comment.post_external_id == published.external_id == MEDIA


def test_mentions_and_insights_are_not_comments():
    # A mention names only ids: its text and author need a Graph API call.
    found = received(notification())
    assert [(kind, comment is None) for kind, _id, comment in found] == [
        ("comment", False), ("mention", True), ("other", True), ("message", False)]


def test_a_direct_message_has_no_post():
    [*_rest, (kind, external_id, message)] = received(notification())
    assert (kind, external_id) == ("message", MID)
    assert (message.post_external_id, message.parent_external_id) == ("", "")
    assert (message.author_id, message.text) == ("1254459154682919", "Hello! Do you have decaf?")
    assert message.created_at == datetime(2025, 11, 21, 11, 59, 59, tzinfo=UTC)
    assert not message.by_us


def test_a_deleted_message_is_not_a_new_one():
    body = notification()
    body["entry"][1]["messaging"][0]["message"] = {"mid": MID, "is_deleted": True}
    assert received(body)[-1][2] is None


@pytest.mark.parametrize("body", [
    notification(**{"from": {"id": "olena.k"}}),
    notification(media={"id": 1e30}),
    notification(id=["17865799348089039"]),
    notification(text=42),
    {"object": "instagram", "entry": [{"id": "17841400008460056", "time": 1e30}]},
    {"object": "instagram", "entry": [{"id": "17841400008460056",
                                       "messaging": [{"sender": {"id": "x"}}]}]},
])
def test_a_malformed_notification_is_refused_on_arrival_with_400(body):
    answer = InstagramConnector.webhook_receive(signed(json.dumps(body).encode()))
    assert answer.status == 400 and answer.events == []
    assert answer.rejected.startswith("malformed event")
