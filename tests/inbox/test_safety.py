"""Nothing lost, nothing done twice: bad events are refused on arrival or set aside without
holding up the rest, cursors and "done" marks move with what they brought, and with two
workers a channel is polled by one and an automatic reply is sent once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from smmdesk.channels.models import Channel, DeliveryStatus, WebhookDelivery
from smmdesk.channels.webhooks import webhook_deliveries_prune
from smmdesk.connectors.base import Connector
from smmdesk.connectors.sandbox import SandboxConnector
from smmdesk.connectors.webhooks import WebhookEvent
from smmdesk.inbox import ingest as ingest_module
from smmdesk.inbox.actions import recover_stopped_actions, run_pending
from smmdesk.inbox.collect import collect_comments, collect_pushed_and_streamed, poll_stream
from smmdesk.inbox.ingest import ingest
from smmdesk.inbox.models import ChannelPoll, Message, RuleAction
from smmdesk.inbox.polling import EVENTS, poll_advance, poll_claim
from smmdesk.inbox.services import rule_save, saved_reply_save
from smmdesk.lib.crypto import encrypt_json
from smmdesk.sandbox.models import SandboxComment
from tests.inbox.conftest import COMPLAINT, PRAISE, QUESTION

pytestmark = pytest.mark.django_db

GID = 218765432
SECRET = "Zx9-secret"


@pytest.fixture
def vk(workspace):
    return Channel.objects.create(
        workspace=workspace, kind="vk", name="Zerno VK", external_id=str(GID),
        settings={"group_id": GID, "token_type": "community"},
        credentials_encrypted=encrypt_json({"access_token": "vk1.a.token",
                                            "callback_secret": SECRET}))


def vk_comment(comment_id: int, text: str, **changed) -> dict:
    obj = {"id": comment_id, "from_id": 120034567, "post_id": 1042, "owner_id": -GID,
           "parents_stack": [], "date": int(timezone.now().timestamp()) - 60, "text": text,
           **changed}
    return {"type": "wall_reply_new", "event_id": f"e{comment_id}", "v": "5.199",
            "object": obj, "group_id": GID, "secret": SECRET}


def push(client, channel, body: dict):
    return client.post(f"/hooks/vk/{channel.pk}/", data=json.dumps(body),
                       content_type="application/json")


def stored_before_the_checks(channel, body: dict) -> WebhookDelivery:
    """A delivery accepted before events were checked on arrival (as the 1e30 one was)."""
    obj = body["object"]
    return WebhookDelivery.objects.create(
        kind="vk", channel=channel, accepted=True,
        events=[{"kind": "comment", "account_id": str(GID), "external_id": str(obj["id"]),
                 "data": {"type": body["type"], "event_id": body["event_id"], "object": obj}}])


# ---------------------------------------------------------------- on arrival


def test_a_poisoned_vk_event_is_refused_with_400_and_not_stored(client, vk):
    answer = push(client, vk, vk_comment(5112, "А доставка є?", date=1e30))
    assert answer.status_code == 400
    assert push(client, vk, vk_comment(5113, "Hi", from_id="ivan")).status_code == 400
    assert not WebhookDelivery.objects.filter(accepted=True).exists()
    refused = WebhookDelivery.objects.filter(status=DeliveryStatus.REFUSED)
    assert refused.count() == 2
    assert "date is not a plausible time" in refused.order_by("pk").first().reason
    assert push(client, vk, vk_comment(5114, "А доставка є?")).status_code == 200
    assert WebhookDelivery.objects.get(accepted=True).status == DeliveryStatus.NEW


def test_text_no_column_holds_is_cleaned_on_arrival(client, vk, pinned):
    assert push(client, vk, vk_comment(5115, "nul\x00 and \ud800 here")).status_code == 200
    collect_pushed_and_streamed()
    assert Message.objects.get(external_id="5115").text == "nul and \ufffd here"


# ---------------------------------------------------------------- one event at a time


def test_a_poisoned_event_is_set_aside_and_the_rest_goes_on(client, vk, pinned):
    push(client, vk, vk_comment(5201, PRAISE))
    bad = stored_before_the_checks(vk, vk_comment(5202, QUESTION, date=1e30))
    push(client, vk, vk_comment(5203, COMPLAINT))
    report = collect_pushed_and_streamed()
    assert report.new == 2
    assert sorted(Message.objects.values_list("external_id", flat=True)) == ["5201", "5203"]
    bad.refresh_from_db()
    assert bad.status == DeliveryStatus.SET_ASIDE and "event 1" in bad.error
    assert "year" in bad.error or "range" in bad.error  # what went wrong, for a person
    others = WebhookDelivery.objects.exclude(pk=bad.pk)
    assert set(others.values_list("status", flat=True)) == {DeliveryStatus.DONE}
    # The next round is not held up by it, and takes what came since.
    push(client, vk, vk_comment(5204, QUESTION))
    assert collect_pushed_and_streamed().new == 1
    assert Message.objects.count() == 3
    bad.refresh_from_db()
    assert bad.status == DeliveryStatus.SET_ASIDE


def test_a_delivery_that_fails_while_stored_is_set_aside_alone(client, vk, pinned,
                                                               monkeypatch):
    for n in (5301, 5302, 5303):
        push(client, vk, vk_comment(n, f"{PRAISE} {n}"))
    real = ingest_module._messages

    def breaks_on_5302(workspace, items, *args):
        if any(it.external_id == "5302" for it in items):
            raise ValueError("a value the database refused")
        return real(workspace, items, *args)

    monkeypatch.setattr(ingest_module, "_messages", breaks_on_5302)
    assert collect_pushed_and_streamed().new == 2
    assert sorted(Message.objects.values_list("external_id", flat=True)) == ["5301", "5303"]
    aside = WebhookDelivery.objects.get(status=DeliveryStatus.SET_ASIDE)
    assert aside.events[0]["external_id"] == "5302"
    assert aside.error == "ValueError: a value the database refused"


def test_a_network_wide_delivery_reaches_the_channel_its_events_name(workspace, pinned):
    page = Channel.objects.create(workspace=workspace, kind="facebook", name="Zerno Page",
                                  external_id="104857600123456")
    ms = int(timezone.now().timestamp() * 1000)
    WebhookDelivery.objects.create(kind="facebook", channel=None, accepted=True, events=[
        {"kind": "message", "account_id": page.external_id, "external_id": f"m_{n}",
         "data": {"sender": {"id": "24410001234567890"}, "timestamp": ms,
                  "message": {"mid": f"m_{n}", "text": text}}}
        for n, text in enumerate((PRAISE, QUESTION))] + [
        {"kind": "message", "account_id": "999", "external_id": "m_x",  # not ours
         "data": {"message": {"mid": "m_x", "text": "?"}}}])
    assert collect_pushed_and_streamed().new == 2
    assert set(Message.objects.values_list("channel_id", "external_id")) == {
        (page.pk, "m_0"), (page.pk, "m_1")}
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DONE


# ---------------------------------------------------------------- nothing lost


def fails_once(monkeypatch):
    """The database goes away between fetching and storing, once."""
    real, calls = ingest_module._store, []

    def store(*args):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return real(*args)

    monkeypatch.setattr(ingest_module, "_store", store)


def test_a_failure_before_storing_leaves_the_delivery_waiting(client, vk, pinned,
                                                              monkeypatch):
    push(client, vk, vk_comment(5401, PRAISE))
    fails_once(monkeypatch)
    with pytest.raises(OperationalError):
        collect_pushed_and_streamed()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.NEW and not Message.objects.exists()
    # The worker died with it: its claim runs out, and another worker takes it in once.
    WebhookDelivery.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert collect_pushed_and_streamed().new == 1
    assert collect_pushed_and_streamed().new == 0
    assert Message.objects.get().external_id == "5401"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DONE


class Stream:
    """A network's stream of events for a sandbox channel: the events after a cursor."""

    def __init__(self, monkeypatch, during=None):
        self.events: list[WebhookEvent] = []
        self.asked: list[str] = []
        stream = self

        def poll_events(connector, cursor):
            stream.asked.append(cursor)
            if during:
                during()
            after = int(cursor or 0)
            return stream.events[after:], str(len(stream.events))

        monkeypatch.setattr(SandboxConnector, "poll_events", poll_events)
        # The events carry the generic shape that the base connector reads.
        monkeypatch.setattr(SandboxConnector, "event_comment",
                            classmethod(Connector.event_comment.__func__))

    def say(self, account: str, n: int, text: str) -> None:
        self.events.append(WebhookEvent("message", account, {
            "text": text, "author_id": f"u{n}", "created_at": timezone.now().isoformat()},
            f"m{n}"))


def test_a_failure_before_storing_leaves_the_cursor_where_it_was(channel, pinned,
                                                                 monkeypatch):
    stream = Stream(monkeypatch)
    stream.say(channel.external_id, 1, PRAISE)
    stream.say(channel.external_id, 2, QUESTION)
    fails_once(monkeypatch)
    with pytest.raises(OperationalError):
        collect_pushed_and_streamed()
    assert ChannelPoll.objects.get(stream=EVENTS).cursor == ""
    ChannelPoll.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert collect_pushed_and_streamed().new == 2  # the same events again
    assert ChannelPoll.objects.get(stream=EVENTS).cursor == "2"
    stream.say(channel.external_id, 3, COMPLAINT)
    assert collect_pushed_and_streamed().new == 1
    assert stream.asked == ["", "", "2"]
    assert sorted(Message.objects.values_list("external_id", flat=True)) == ["m1", "m2", "m3"]


def test_a_poisoned_polled_event_is_set_aside_and_the_cursor_moves_on(channel, pinned,
                                                                      monkeypatch):
    stream = Stream(monkeypatch)
    for n, text in enumerate((PRAISE, "poisoned", QUESTION)):
        stream.say(channel.external_id, n, text)
    generic = Connector.event_comment.__func__

    def event_comment(cls, event):
        if event.data["text"] == "poisoned":
            raise OverflowError("date value out of range")
        return generic(cls, event)

    monkeypatch.setattr(SandboxConnector, "event_comment", classmethod(event_comment))
    assert poll_stream(channel).new == 2
    aside = WebhookDelivery.objects.get(status=DeliveryStatus.SET_ASIDE)
    assert (aside.channel, aside.events[0]["external_id"]) == (channel, "m1")
    assert aside.error == "OverflowError: date value out of range"
    assert ChannelPoll.objects.get(stream=EVENTS).cursor == "3"
    stream.say(channel.external_id, 3, COMPLAINT)
    assert poll_stream(channel).new == 1  # the polling after it goes on


def test_the_first_poll_starts_from_the_cursor_kept_in_the_channel_settings(
        channel, pinned, monkeypatch):
    stream = Stream(monkeypatch)
    for n in range(3):
        stream.say(channel.external_id, n, f"{PRAISE} {n}")
    Channel.objects.filter(pk=channel.pk).update(settings={"events_cursor": "2"})
    channel.refresh_from_db()
    assert poll_stream(channel).new == 1
    assert Channel.objects.get(pk=channel.pk).settings == {"events_cursor": "2"}  # untouched


def test_what_another_worker_stored_meanwhile_is_stored_once(channel, item, pinned,
                                                             monkeypatch):
    ingest([item("c1", PRAISE)])
    real, calls = ingest_module._dedup, []

    def late(items):  # the first look happened before the other worker's commit
        calls.append(1)
        return list(items) if len(calls) == 1 else real(items)

    monkeypatch.setattr(ingest_module, "_dedup", late)
    report = ingest([item("c1", PRAISE), item("c2", QUESTION, author="u2")])
    assert (report.new, report.duplicates, len(calls)) == (1, 1, 2)
    assert sorted(Message.objects.values_list("external_id", flat=True)) == ["c1", "c2"]


@pytest.mark.django_db(transaction=True)
def test_texts_are_read_before_the_write_transaction(workspace, channel, item, monkeypatch):
    seen = []

    def classify(texts, **kwargs):
        seen.append(connection.in_atomic_block)
        from smmdesk.nlp.model import Prediction

        return [Prediction("uk", "neutral", "other", False) for _t in texts]

    monkeypatch.setattr(ingest_module, "classify", classify)
    assert ingest([item("c1", PRAISE), item("c2", QUESTION, author="u2")]).new == 2
    assert seen == [False]


# ---------------------------------------------------------------- two workers


def test_two_workers_never_poll_one_channel_at_once(channel, pinned, monkeypatch):
    second = []
    stream = Stream(monkeypatch, during=lambda: second.append(
        poll_stream(channel, worker_id="worker-b")))
    stream.say(channel.external_id, 1, PRAISE)
    assert poll_stream(channel, worker_id="worker-a").new == 1
    assert second == [None] and len(stream.asked) == 1  # B found A polling, and left it
    assert poll_stream(channel, worker_id="worker-b").new == 0  # free again afterwards


def test_each_channel_keeps_its_own_cursor_and_a_lost_claim_moves_none(
        workspace, owner, channel, pinned, monkeypatch):
    from smmdesk.channels.services import channel_connect

    other = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                            data={"name": "Lviv", "audience": "uk"})
    a = poll_claim(channel=channel, stream=EVENTS, worker_id="a")
    b = poll_claim(channel=other, stream=EVENTS, worker_id="b")
    assert poll_advance(claim=a, cursor="17") and poll_advance(claim=b, cursor="4")
    assert dict(ChannelPoll.objects.values_list("channel_id", "cursor")) == {
        channel.pk: "17", other.pk: "4"}
    # A's lease ran out and C took the channel over: A's late write changes nothing.
    ChannelPoll.objects.filter(channel=channel).update(
        claimed_until=timezone.now() - timedelta(seconds=1))
    c = poll_claim(channel=channel, stream=EVENTS, worker_id="c")
    assert not poll_advance(claim=a, cursor="15")
    assert poll_advance(claim=c, cursor="18")
    assert ChannelPoll.objects.get(channel=channel).cursor == "18"


def test_a_workers_round_skips_a_channel_polled_within_the_interval(channel, published,
                                                                    real_model, monkeypatch):
    calls = []
    monkeypatch.setattr(SandboxConnector, "fetch_comments",
                        lambda self, external_id, since=None: calls.append(1) or [])
    collect_comments(worker_id="a", due_only=True)
    collect_comments(worker_id="b", due_only=True)
    assert len(calls) == 1


def auto_reply(workspace, owner):
    saved = saved_reply_save(workspace=workspace, name="Sorry", text="{name}, вибачте!")
    rule_save(workspace=workspace, name="Answer complaints", user=owner, enabled=True,
              conditions={"intents": ["complaint"]},
              actions=[{"do": "reply", "saved_reply": saved.pk}])


def test_an_automatic_reply_is_sent_once_with_two_workers(workspace, owner, channel, pinned,
                                                          published, monkeypatch):
    _pub, remote = published
    auto_reply(workspace, owner)
    collect_comments()
    comment = SandboxComment.objects.create(
        post=remote, author_handle="olha_k", author_name="Olha", language="uk",
        category="negative", text=COMPLAINT, created_at=timezone.now())
    collect_comments()
    assert RuleAction.objects.get().state == "pending"
    real, second = SandboxConnector.reply, []

    def reply(connector, c, text):
        second.append(run_pending(worker_id="worker-b"))  # B runs while A sends
        return real(connector, c, text)

    monkeypatch.setattr(SandboxConnector, "reply", reply)
    assert run_pending(worker_id="worker-a") == 1
    assert second == [0] and run_pending(worker_id="worker-b") == 0
    assert SandboxComment.objects.filter(parent=comment, by_owner=True).count() == 1
    assert RuleAction.objects.get().state == "done"


def test_a_reply_cut_off_by_a_stopped_worker_is_not_sent_again(workspace, owner, channel,
                                                               pinned, published):
    _pub, remote = published
    auto_reply(workspace, owner)
    SandboxComment.objects.create(post=remote, author_handle="olha_k", author_name="Olha",
                                  language="uk", category="negative", text=COMPLAINT,
                                  created_at=timezone.now())
    collect_comments()
    # A worker claimed it and was killed mid-call: its claim ran out.
    RuleAction.objects.update(state="running", claimed_by="dead:1",
                              claimed_until=timezone.now() - timedelta(seconds=1))
    assert recover_stopped_actions() == 1 and run_pending() == 0
    action = RuleAction.objects.get()
    assert action.state == "failed" and "may or may not be on the network" in action.error
    assert not SandboxComment.objects.filter(by_owner=True, parent__isnull=False).exists()


def test_a_hide_cut_off_by_a_stopped_worker_is_done_again(workspace, owner, channel, pinned,
                                                          published):
    _pub, remote = published
    rule_save(workspace=workspace, name="Hide", user=owner, enabled=True,
              conditions={"intents": ["complaint"]}, actions=[{"do": "hide"}])
    comment = SandboxComment.objects.create(
        post=remote, author_handle="olha_k", author_name="Olha", language="uk",
        category="negative", text=COMPLAINT, created_at=timezone.now())
    collect_comments()
    RuleAction.objects.update(state="running", claimed_by="dead:1",
                              claimed_until=timezone.now() - timedelta(seconds=1))
    assert run_pending() == 1
    comment.refresh_from_db()
    assert comment.hidden and RuleAction.objects.get().state == "done"


# ---------------------------------------------------------------- pruning


def test_refused_deliveries_are_pruned_after_some_days(client, vk, settings):
    settings.SMMDESK_WEBHOOK_REFUSED_DAYS = 14
    now = timezone.now()
    for days in (20, 15, 3):
        push(client, vk, {**vk_comment(5500 + days, "x"), "secret": "wrong"})
        WebhookDelivery.objects.filter(pk=WebhookDelivery.objects.latest("pk").pk).update(
            received_at=now - timedelta(days=days))
    push(client, vk, vk_comment(5600, "kept"))
    WebhookDelivery.objects.filter(accepted=True).update(received_at=now - timedelta(days=90))
    assert webhook_deliveries_prune() == 2
    left = WebhookDelivery.objects.order_by("received_at")
    assert [(d.accepted, (now - d.received_at).days) for d in left] == [(True, 90), (False, 3)]
