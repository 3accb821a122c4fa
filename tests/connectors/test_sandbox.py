"""The sandbox network: publish, find, comments in four languages, growing metrics."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from smmdesk.channels.services import channel_connect, channel_connector
from smmdesk.connectors.base import Found, PermanentError, PublishRequest, RemoteComment
from smmdesk.sandbox import network
from smmdesk.sandbox.models import SandboxAccount, SandboxPost

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(workspace, owner):
    return channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                           data={"name": "Zerno Mixed", "audience": "mixed"})


def test_connecting_makes_a_simulated_account(channel):
    account = SandboxAccount.objects.get(handle=channel.external_id)
    assert account.name == "Zerno Mixed" and set(account.languages) == {"ru", "uk", "be", "en"}
    assert channel_connector(channel).simulated is True


def test_it_publishes_and_finds_by_marker(channel):
    connector = channel_connector(channel)
    since = timezone.now() - timedelta(minutes=1)
    result = connector.publish(PublishRequest(text="Hello", marker="m-1"))
    assert SandboxPost.objects.get(pk=result.external_id).text == "Hello"
    found = connector.find_published(PublishRequest(text="Hello", marker="m-1"), since=since)
    assert found.status == Found.FOUND and found.result.external_id == result.external_id
    missing = connector.find_published(PublishRequest(text="x", marker="m-2"), since=since)
    assert missing.status == Found.NOT_FOUND


def test_the_audience_reacts_over_the_following_minutes(channel):
    connector = channel_connector(channel)
    post_id = connector.publish(PublishRequest(text="Новий лот з Ефіопії", marker="m")).external_id
    post = SandboxPost.objects.get(pk=post_id)
    at_start = network.post_metrics(post, now=post.created_at)
    after_5 = network.post_metrics(post, now=post.created_at + timedelta(minutes=5))
    after_hour = network.post_metrics(post, now=post.created_at + timedelta(hours=1))
    assert at_start["views"] == 0
    assert 0 < after_5["views"] < after_hour["views"]
    assert after_hour["likes"] > 0
    all_comments = network.comments_visible(post, now=post.created_at + timedelta(days=1))
    assert len(all_comments) >= 1
    assert {c.language for c in all_comments} <= {"ru", "uk", "be", "en"}
    assert len(network.comments_visible(post, now=post.created_at)) == 0


def test_the_audience_is_reproducible(channel, workspace, owner):
    account = SandboxAccount.objects.get(handle=channel.external_id)
    at = timezone.now() - timedelta(days=1)
    first = network.post_create(account=account, text="same", at=at)
    texts = [c.text for c in first.comments.all()]
    first.comments.all().delete()
    network._draw_comments(first)
    assert [c.text for c in first.comments.all()] == texts


def test_a_month_of_comments_covers_every_kind_and_language(channel):
    account = SandboxAccount.objects.get(handle=channel.external_id)
    start = timezone.now() - timedelta(days=30)
    for day in range(30):
        network.post_create(account=account, text=f"post {day}",
                            at=start + timedelta(days=day))
    from smmdesk.sandbox.models import SandboxComment

    kinds = set(SandboxComment.objects.values_list("category", flat=True))
    langs = set(SandboxComment.objects.values_list("language", flat=True))
    assert kinds == {"praise", "negative", "question", "spam", "purchase_intent", "neutral"}
    assert langs == {"ru", "uk", "be", "en"}


def test_reply_hide_delete_and_metrics(channel):
    connector = channel_connector(channel)
    at = timezone.now() - timedelta(hours=2)
    account = SandboxAccount.objects.get(handle=channel.external_id)
    post = network.post_create(account=account, text="old post", at=at)
    comments = connector.fetch_comments(str(post.pk))
    assert comments, "two hours later the audience has commented"
    reply = connector.reply(comments[0], "Дякуємо!")
    assert reply.parent_external_id == comments[0].external_id
    connector.hide_comment(comments[0].external_id)
    assert post.comments.get(pk=comments[0].external_id).hidden
    assert connector.fetch_post_metrics(str(post.pk))["views"] > 0
    assert connector.fetch_account_metrics()["followers"] >= account.followers_base
    connector.delete(str(post.pk))
    post.refresh_from_db()
    assert post.deleted_at is not None


def test_a_story_needs_media(channel):
    from smmdesk.connectors.base import Format

    issues = channel_connector(channel).validate(PublishRequest(text="hi", format=Format.STORY))
    assert [i.code for i in issues] == ["media_required"]


def test_the_corpus_has_every_category_in_every_language():
    corpus = network.corpus()
    assert set(corpus) == {"ru", "uk", "be", "en"}
    for lang, data in corpus.items():
        assert len(data["names"]) >= 20, lang
        for category in network.CATEGORY_WEIGHTS:
            assert len(data["comments"][category]) >= 20, (lang, category)


def test_the_first_comment_goes_under_the_post(channel):
    connector = channel_connector(channel)
    result = connector.publish(PublishRequest(text="New roast", marker="m-fc",
                                              first_comment="Order: https://zerno.example"))
    first = SandboxPost.objects.get(pk=result.external_id).comments.get(by_owner=True)
    assert first.text == "Order: https://zerno.example" and first.parent is None


def test_its_own_comments_come_back_as_ours(channel):
    connector = channel_connector(channel)
    result = connector.publish(PublishRequest(text="New roast", marker="m-ours",
                                              first_comment="Order: https://zerno.example"))
    listed = connector.fetch_comments(result.external_id)
    [first] = [c for c in listed if c.text == "Order: https://zerno.example"]
    assert first.by_us and first.post_external_id == result.external_id
    assert not any(c.by_us for c in listed if c is not first)
    reply = connector.reply(first, "Free delivery this week")
    assert reply.by_us
    listed = {c.external_id: c for c in connector.fetch_comments(result.external_id)}
    assert listed[reply.external_id].by_us


def test_a_hidden_comment_comes_back_hidden(channel):
    connector = channel_connector(channel)
    account = SandboxAccount.objects.get(handle=channel.external_id)
    post = network.post_create(account=account, text="old post",
                               at=timezone.now() - timedelta(hours=2))
    first = connector.fetch_comments(str(post.pk))[0]
    connector.hide_comment(first.external_id)
    again = {c.external_id: c for c in connector.fetch_comments(str(post.pk))}
    assert again[first.external_id].hidden and not first.hidden


def test_it_has_no_events_to_read_as_comments(channel):
    from smmdesk.connectors.sandbox import SandboxConnector
    from smmdesk.connectors.webhooks import WebhookEvent

    connector = channel_connector(channel)
    assert connector.poll_events("") == ([], "")
    assert not connector.capabilities.webhooks
    event = WebhookEvent("comment", channel.external_id, {
        "text": "Hello", "author_id": "a", "post_external_id": "1"}, "1")
    assert SandboxConnector.event_comment(event) is None


@pytest.mark.parametrize("comment_id", ["999999", "not-a-number"])
def test_an_unknown_comment_is_a_permanent_error_in_plain_words(channel, comment_id):
    connector = channel_connector(channel)
    with pytest.raises(PermanentError, match="that comment does not exist") as caught:
        connector.hide_comment(comment_id)
    assert caught.value.code == "comment_not_found"
    remote = RemoteComment(external_id=comment_id, post_external_id="1", author_id="a",
                           author_name="A", text="?", created_at=timezone.now())
    with pytest.raises(PermanentError, match="that comment does not exist"):
        connector.reply(remote, "Дякуємо!")
