"""The listening loop end to end on the sandbox network (this server's own tables):
claimed sources, items stored once, mentions with the model's labels, our own channels
left out, alerts once, spikes against the query's own baseline, failures that keep the
data and wait longer, and a mention answered through our connector by the outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from smmdesk.channels.services import channel_connect
from smmdesk.core.models import OutboxMessage
from smmdesk.core.outbox import outbox_process
from smmdesk.listening import fetch
from smmdesk.listening.models import Item, Mention, Query, QueryHour, Source, Spike
from smmdesk.listening.services import mention_reply, query_save, source_add
from smmdesk.nlp.model import Prediction
from smmdesk.sandbox import network
from smmdesk.sandbox.models import SandboxComment, SandboxPost
from smmdesk.sources.base import SourceError
from smmdesk.team.models import Notification

pytestmark = pytest.mark.django_db

ANGRY = "Кофейня Зерно разочаровала: ждали латте 25 минут, а он был холодный."
HAPPY = "Zerno на Немиге — лучший флэт уайт в городе"
OTHER = "Утренняя пробежка по набережной, потом завтрак дома."


@pytest.fixture
def pinned(monkeypatch):
    table = {ANGRY: Prediction("ru", "negative", "complaint", False, {"sentiment": 0.95}),
             HAPPY: Prediction("ru", "positive", "praise", False, {"sentiment": 0.9})}
    calls = []

    def classify(texts, *, workspace=None, variant=None, may_train=False):
        calls.append(list(texts))
        return [table.get(t.strip(), Prediction("ru", "neutral", "other", False))
                for t in texts]
    monkeypatch.setattr("smmdesk.listening.understand.classify", classify)
    return calls


@pytest.fixture
def blogger(db):
    return network.account_create(name="Minsk Foodie", handle="minsk_foodie",
                                  languages={"ru": 1.0})


def post(account, text, *, minutes_ago=30.0):
    return network.post_create(account=account, text=text,
                               at=timezone.now() - timedelta(minutes=minutes_ago))


@pytest.fixture
def monitor(workspace, owner):
    query_save(workspace=workspace, user=owner, name="Brand",
               text="Zerno OR (Зерно AND (кофе OR кофейня))")
    return source_add(workspace=workspace, kind="sandbox", name="Sandbox", config={},
                      news=False, probe=False)


def run():
    return fetch.listening_run(worker_id="w1", limit=10)


def test_matching_items_become_mentions_with_the_models_labels(pinned, monitor, blogger):
    post(blogger, ANGRY)
    post(blogger, HAPPY)
    post(blogger, OTHER)
    report = run()
    assert (report.sources, report.items, report.mentions) == (1, 3, 2)
    mentions = {m.item.text: m for m in Mention.objects.select_related("item")}
    assert set(mentions) == {ANGRY, HAPPY}
    assert (mentions[ANGRY].sentiment, mentions[ANGRY].intent) == ("negative", "complaint")
    assert mentions[HAPPY].sentiment == "positive"
    assert list(mentions[ANGRY].queries.values_list("name", flat=True)) == ["Brand"]
    assert mentions[ANGRY].item.author_id == "minsk_foodie"
    assert mentions[ANGRY].item.reply_ref.isdigit()


def test_nothing_is_stored_twice_and_the_cursor_moves_on(pinned, monitor, blogger):
    post(blogger, HAPPY)
    run()
    Source.objects.filter(pk=monitor.pk).update(next_fetch_at=timezone.now())
    assert run().items == 0
    post(blogger, ANGRY, minutes_ago=1)
    Source.objects.filter(pk=monitor.pk).update(next_fetch_at=timezone.now())
    assert (run().items, Item.objects.count(), Mention.objects.count()) == (1, 2, 2)
    monitor.refresh_from_db()
    last = SandboxPost.objects.order_by("-created_at").first()
    assert monitor.cursor == f"{last.created_at.isoformat()}|{last.pk}"
    assert monitor.next_fetch_at > timezone.now() + timedelta(seconds=30)


def test_a_source_another_worker_holds_is_not_read_twice(pinned, monitor, blogger):
    post(blogger, HAPPY)
    token, won = fetch.lease_due(Source, worker_id="other", limit=5, seconds=60)
    assert won == [monitor.pk]
    assert run().sources == 0
    Source.objects.filter(pk=monitor.pk).update(claimed_until=timezone.now() - timedelta(1))
    assert run().mentions == 1  # the lease ran out: taken over


def test_our_own_channels_posts_are_left_out(pinned, workspace, owner, monitor):
    channel = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                              data={"name": "Zerno", "audience": "ru"})
    ours = network.SandboxAccount.objects.get(handle=channel.external_id)
    post(ours, HAPPY)
    assert (run().items, Mention.objects.count()) == (1, 0)
    Query.objects.update(exclude_own=False, updated_at=timezone.now())
    Source.objects.update(cursor="", next_fetch_at=timezone.now())
    Item.objects.all().delete()
    assert run().mentions == 1


def test_a_negative_mention_alerts_the_owner_once(pinned, owner, monitor, blogger):
    post(blogger, ANGRY)
    run()
    notes = Notification.objects.filter(user=owner)
    assert notes.count() == 1 and "Зерно разочаровала" in notes.get().text
    Source.objects.update(next_fetch_at=timezone.now())
    run()
    assert notes.count() == 1


def test_a_spike_against_the_querys_own_baseline_alerts_once(pinned, owner, monitor, blogger):
    for day in range(1, 7):  # a quiet week: one mention a day
        post(blogger, HAPPY + f" {day}", minutes_ago=day * 24 * 60)
    for i in range(12):  # then twelve in the last hour
        post(blogger, f"Zerno распродал зимний бленд! {i}", minutes_ago=5 + i)
    run()
    spike = Spike.objects.get()
    assert spike.count == 12 and spike.expected < 2
    assert len(spike.items) == 12
    assert Notification.objects.filter(user=owner, text__contains="Brand").count() == 1
    assert sum(QueryHour.objects.values_list("count", flat=True)) == 18


def test_a_quiet_query_does_not_spike(pinned, monitor, blogger):
    for day in range(0, 7):
        post(blogger, HAPPY + f" {day}", minutes_ago=day * 24 * 60 + 30)
    run()
    assert not Spike.objects.exists()


def test_a_failed_fetch_keeps_the_data_and_waits_longer(pinned, monitor, blogger,
                                                      monkeypatch):
    post(blogger, HAPPY)
    run()

    def broken(self, **kwargs):
        raise SourceError("The site answered 503", transient=True, retry_after=600)
    monkeypatch.setattr("smmdesk.sources.sandbox.SandboxSource.fetch", broken)
    Source.objects.update(next_fetch_at=timezone.now())
    run()
    monitor.refresh_from_db()
    assert monitor.failures == 1 and monitor.last_error == "The site answered 503"
    assert monitor.next_fetch_at >= timezone.now() + timedelta(seconds=590)
    assert not monitor.claimed_by and Mention.objects.count() == 1


def test_a_wrong_key_stops_the_source_until_a_person_acts(pinned, monitor, monkeypatch):
    def refused(self, **kwargs):
        raise SourceError("The API key is not valid", auth=True)
    monkeypatch.setattr("smmdesk.sources.sandbox.SandboxSource.fetch", refused)
    run()
    monitor.refresh_from_db()
    assert monitor.needs_attention
    Source.objects.update(next_fetch_at=timezone.now())
    assert run().sources == 0


def test_a_mention_is_answered_through_our_channel_by_the_outbox(pinned, workspace, owner,
                                                                monitor, blogger):
    channel = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                              data={"name": "Zerno", "audience": "ru"})
    theirs = post(blogger, ANGRY)
    run()
    m = Mention.objects.get()
    m = mention_reply(mention=m, channel_id=channel.pk, text="Простите! Ждём вас снова",
                      user=owner)
    assert m.reply_state == "sending"
    assert not SandboxComment.objects.filter(post=theirs, by_owner=True).exists()
    assert OutboxMessage.objects.filter(kind="listening_reply").count() == 1
    outbox_process(worker_id="w1")
    m.refresh_from_db()
    assert (m.reply_state, m.status) == ("sent", "done")
    answer = SandboxComment.objects.get(post=theirs, by_owner=True)
    assert answer.text == "Простите! Ждём вас снова"
    assert answer.author_handle == channel.external_id


def test_an_answer_the_network_keeps_refusing_ends_failed_with_its_words(
        pinned, workspace, owner, monitor, blogger, monkeypatch):
    from smmdesk.connectors.base import TransientError
    from smmdesk.core.outbox import MAX_ATTEMPTS

    channel = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                              data={"name": "Zerno", "audience": "ru"})
    post(blogger, ANGRY)
    run()

    def busy(self, ref, text):
        raise TransientError("The network is busy, try later", retry_after=5)
    monkeypatch.setattr("smmdesk.connectors.sandbox.SandboxConnector.reply_to_post", busy)
    m = mention_reply(mention=Mention.objects.get(), channel_id=channel.pk, text="Простите!",
                      user=owner)
    outbox_process(worker_id="w1")
    m.refresh_from_db()
    assert m.reply_state == "sending"  # one failure: the outbox tries again later
    OutboxMessage.objects.filter(kind="listening_reply").update(
        attempts=MAX_ATTEMPTS - 1, status="failed", next_attempt_at=timezone.now())
    outbox_process(worker_id="w1")
    m.refresh_from_db()
    assert (m.reply_state, m.reply_error, m.reply_text) == (
        "failed", "The network is busy, try later", "Простите!")
