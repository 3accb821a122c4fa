"""A rotating refresh token (Bluesky's) works once: of two workers renewing a channel at
the same time, one renews and the other reads the tokens it stored."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from smmdesk.channels.connecting import channel_refresh
from smmdesk.channels.models import Channel, ChannelStatus
from smmdesk.channels.services import (
    channel_connect,
    channel_connector,
    channel_context,
    channel_fresh_connector,
)
from smmdesk.connectors import registry
from smmdesk.connectors.base import Connector, ConnectResult, PermanentError

pytestmark = pytest.mark.django_db(transaction=True)


class Network:
    """The network's side: each refresh token is accepted once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.spent: list[str] = []


NETWORK = Network()


class RotatingConnector(Connector):
    kind = "rotating"
    label = "Rotating"
    refresh_ahead = timedelta(minutes=30)

    @classmethod
    def connect(cls, data: dict, http) -> ConnectResult:
        return ConnectResult(external_id="acct", name="Rotating", credentials={"refresh": "r0"},
                             token_expires_at=timezone.now() + timedelta(hours=2))

    def refresh_credentials(self) -> ConnectResult:
        token = self.channel.credentials["refresh"]
        with NETWORK.lock:
            if token in NETWORK.spent:
                raise PermanentError("This refresh token was already used.",
                                     code="ExpiredToken", channel_broken=True)
            NETWORK.spent.append(token)
        time.sleep(0.3)  # the network takes a moment: the other worker arrives meanwhile
        return ConnectResult(external_id="acct", name="Rotating",
                             credentials={"refresh": f"r{int(token[1:]) + 1}"},
                             token_expires_at=timezone.now() + timedelta(hours=2))


@pytest.fixture
def rotating(monkeypatch, workspace, owner):
    monkeypatch.setattr(f"{__name__}.NETWORK", Network())
    monkeypatch.setitem(registry.CONNECTORS, "rotating",
                        (f"{__name__}.RotatingConnector", "Rotating"))
    registry.connector_class.cache_clear()
    channel = channel_connect(workspace=workspace, kind="rotating", data={}, actor=owner)
    yield channel
    registry.connector_class.cache_clear()


def together(fn, n: int = 2) -> list:
    """``fn(channel)`` in ``n`` threads, each with the channel as loaded before any of
    them renews it."""
    copies = [Channel.objects.get(pk=Channel.objects.get().pk) for _ in range(n)]
    barrier, results = threading.Barrier(n), [None] * n

    def run(i):
        try:
            barrier.wait(10)
            results[i] = fn(copies[i])
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_workers_publishing_with_an_expired_token_renew_it_once(rotating):
    Channel.objects.filter(pk=rotating.pk).update(
        token_expires_at=timezone.now() - timedelta(minutes=1))
    connectors = together(channel_fresh_connector)
    assert [c.channel.credentials["refresh"] for c in connectors] == ["r1", "r1"]
    assert NETWORK.spent == ["r0"]
    channel = Channel.objects.get(pk=rotating.pk)
    assert channel.status == ChannelStatus.ACTIVE and channel.refresh_lease_until is None
    assert channel_context(channel).credentials["refresh"] == "r1"


def test_two_workers_renewing_ahead_of_expiry_renew_it_once(rotating):
    Channel.objects.filter(pk=rotating.pk).update(
        token_expires_at=timezone.now() + timedelta(minutes=10))
    results = together(lambda channel: channel_refresh(channel=channel))
    assert sorted(results) == [False, True]
    assert NETWORK.spent == ["r0"]
    channel = Channel.objects.get(pk=rotating.pk)
    assert channel.status == ChannelStatus.ACTIVE
    assert channel_context(channel).credentials["refresh"] == "r1"
    # The next renewal uses the new token, not the spent one.
    Channel.objects.filter(pk=rotating.pk).update(
        token_expires_at=timezone.now() + timedelta(minutes=10))
    assert channel_refresh(channel=Channel.objects.get(pk=rotating.pk))
    assert NETWORK.spent == ["r0", "r1"]


def test_two_workers_whose_tokens_run_out_in_a_call_renew_them_once(rotating):
    """The mid-call renewal (Bluesky's refused access token) goes through the claim too:
    the first worker renews and stores at once, the second gets those tokens back."""
    channel = Channel.objects.get(pk=rotating.pk)

    def renew_in_call(channel):
        connector = channel_connector(channel)
        return connector.renew_in_call(connector.refresh_credentials).credentials["refresh"]

    assert sorted(together(renew_in_call)) == ["r1", "r1"]
    assert NETWORK.spent == ["r0"]
    assert channel_context(Channel.objects.get(pk=channel.pk)).credentials["refresh"] == "r1"
    # A connector made before that renewal (it still holds r0) spends nothing either.
    late = channel_connector(channel)
    assert late.renew_in_call(late.refresh_credentials).credentials["refresh"] == "r1"
    assert NETWORK.spent == ["r0"] and late.rotated is None
