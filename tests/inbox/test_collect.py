"""Polling: the comments under our recent posts on a sandbox channel come into the inbox,
and polling again brings nothing twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from smmdesk.channels.models import Channel, ChannelStatus
from smmdesk.inbox.actions import network_reply
from smmdesk.inbox.collect import collect_comments, comments_of
from smmdesk.inbox.models import Message
from smmdesk.sandbox.models import SandboxComment
from tests.inbox.conftest import publish

pytestmark = pytest.mark.django_db


def visible(remote):
    return SandboxComment.objects.filter(post=remote, deleted=False,
                                         created_at__lte=timezone.now())


def test_polling_collects_the_comments_under_our_posts_once(real_model, workspace, owner,
                                                            channel, published):
    pub, remote = published
    comments = list(visible(remote))
    assert comments  # the simulated audience had its say
    report = collect_comments()
    assert (report.received, report.new, report.duplicates) == (len(comments), len(comments),
                                                                0)
    stored = Message.objects.filter(channel=channel)
    assert sorted(stored.values_list("external_id", flat=True)) == sorted(
        str(c.pk) for c in comments)
    for m in stored.select_related("author"):
        c = next(c for c in comments if str(c.pk) == m.external_id)
        assert (m.text, m.created_at, m.publication, m.post_external_id) == (
            c.text, c.created_at, pub, str(remote.pk))
        assert (m.author.network_id, m.author.name) == (c.author_handle, c.author_name)
        assert m.workspace == workspace and m.sentiment and m.intent and m.language
    again = collect_comments()
    assert (again.received, again.new, again.duplicates) == (len(comments), 0, len(comments))
    assert Message.objects.filter(channel=channel).count() == len(comments)


def test_a_second_poll_takes_only_what_is_new_and_our_answers_once(real_model, owner, channel,
                                                                   published):
    _pub, remote = published
    collect_comments()
    first = Message.objects.filter(channel=channel).order_by("created_at").first()
    ours = network_reply(first, "Дякуємо!", user=owner)  # stored when sent
    follow_up = SandboxComment.objects.create(
        post=remote, parent=SandboxComment.objects.get(pk=first.external_id),
        author_handle="olha_k", author_name="Olha K", language="uk", category="neutral",
        text="А коли буде знову?", created_at=timezone.now() - timedelta(seconds=5))
    before = Message.objects.count()
    report = collect_comments()
    assert report.new == 1 and Message.objects.count() == before + 1
    assert Message.objects.filter(by_us=True).get() == ours  # our answer is not taken twice
    new = Message.objects.get(external_id=str(follow_up.pk))
    assert new.parent == first and new.author.network_id == "olha_k"


def test_only_recent_published_posts_of_active_channels_are_polled(workspace, owner, channel):
    _old_pub, old = publish(workspace, owner, channel, body="Стара новина", days_ago=20)
    assert visible(old).exists()
    assert comments_of(channel) == [] and collect_comments().received == 0
    _pub, remote = publish(workspace, owner, channel, days_ago=1)
    assert {i.post_external_id for i in comments_of(channel)} == {str(remote.pk)}
    Channel.objects.filter(pk=channel.pk).update(status=ChannelStatus.DISABLED)
    assert collect_comments().received == 0 and not Message.objects.exists()


def test_a_comment_hidden_on_the_network_arrives_hidden(real_model, channel, published):
    _pub, remote = published
    hidden = visible(remote).first()
    SandboxComment.objects.filter(pk=hidden.pk).update(hidden=True)
    collect_comments()
    assert Message.objects.get(external_id=str(hidden.pk)).hidden
    assert Message.objects.filter(hidden=True).count() == 1
