"""Shared pieces of the inbox core tests: a sandbox channel, a published post with its
simulated audience, incoming items, the text model pinned where a test needs to know
exactly what it says, and a Telegram bot for alerts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from smmdesk.channels.services import channel_connect
from smmdesk.content.services import post_create
from smmdesk.inbox.ingest import Incoming
from smmdesk.inbox.services import inbox_settings_save
from smmdesk.nlp.model import Prediction, get_model
from smmdesk.publishing.models import Publication, Status
from smmdesk.publishing.services import publication_schedule
from smmdesk.sandbox import network
from smmdesk.sandbox.models import SandboxAccount
from tests.fakes import pin_model

BOT_TOKEN = "7012345678:AAExampleTokenForTests"
ALERT_CHAT = "-1001234567890"  # the chat of the recorded sendMessage.alert fixture

COMPLAINT = "Замовила каву, прийшла розбита пачка, і вже тиждень ніхто не відповідає!"
PRAISE = "Дуже смачна кава, дякую! Ви найкращі"
QUESTION = "Скільки коштує доставка до Львова?"
PURCHASE = "Хочу замовити 2 кг, як оплатити?"
SPAM = "Free followers for your page!!! bit.ly/abc"
INSULT = "ти дурень, купи собі мізки"

# What the pinned model says of each text; anything else is a neutral Ukrainian "other".
UNDERSTOOD = {
    COMPLAINT: Prediction("uk", "negative", "complaint", False, {"sentiment": 0.9}),
    PRAISE: Prediction("uk", "positive", "praise", False),
    QUESTION: Prediction("uk", "neutral", "question", False),
    PURCHASE: Prediction("uk", "neutral", "purchase", False),
    SPAM: Prediction("en", "neutral", "spam", False),
    INSULT: Prediction("uk", "negative", "purchase", True),
}


@pytest.fixture(scope="session")
def real_model():
    """The real fast model, for the tests that read texts with it: trained once a session
    (or loaded from the test data folder), so its cost shows up here, not in one test."""
    return get_model(corrections=[])


@pytest.fixture
def pinned(monkeypatch):
    """The text model's answers fixed; see tests.fakes.pin_model."""
    return pin_model(monkeypatch, UNDERSTOOD)


@pytest.fixture
def channel(workspace, owner):
    return channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                           data={"name": "Kyiv", "audience": "uk"})


@pytest.fixture
def item(channel):
    """``item("c1", "text", minutes_ago=5, author="u1", ...)``: an Incoming on ``channel``
    (or on ``on=`` another one)."""
    def make(external_id: str, text: str, *, minutes_ago: float = 5, author: str = "u1",
             name: str = "Olha Kovalenko", on=None, **extra) -> Incoming:
        return Incoming(channel=on or channel, external_id=external_id, text=text,
                        created_at=timezone.now() - timedelta(minutes=minutes_ago),
                        author_id=author, author_name=name, **extra)
    return make


def publish(workspace, owner, channel, *, body: str = "Новий бленд «Карпати»: "
            "https://zerno.example/k", days_ago: float = 1) -> tuple[Publication, object]:
    """Our post, published on the sandbox network ``days_ago``; the simulated audience
    comments under it. Returns the publication and the network's post."""
    post = post_create(workspace=workspace, actor=owner, body=body)
    pub = publication_schedule(post=post, channel=channel, at=None, actor=owner)
    account = SandboxAccount.objects.get(handle=channel.external_id)
    at = timezone.now() - timedelta(days=days_ago)
    remote = network.post_create(account=account, text=body, at=at)
    Publication.objects.filter(pk=pub.pk).update(status=Status.PUBLISHED, published_at=at,
                                                 external_id=str(remote.pk))
    pub.refresh_from_db()
    return pub, remote


@pytest.fixture
def published(workspace, owner, channel):
    return publish(workspace, owner, channel)


@pytest.fixture
def telegram_bot(workspace, contract):
    """Alerts through the workspace's bot. ``telegram_bot(text, ...)`` expects one
    sendMessage per text (the recorded sendMessage.alert exchange, carrying that text)
    and returns the transport; the ``contract`` fixture fails the test on any other
    request and on an expected one never made."""
    inbox_settings_save(workspace=workspace, telegram_bot_token=BOT_TOKEN,
                        telegram_chat_id=ALERT_CHAT)

    def expect(*texts: str):
        transport = contract("telegram", *["sendMessage.alert"] * len(texts),
                             values={"token": BOT_TOKEN})
        for fixture, text in zip(transport.fixtures, texts, strict=True):
            fixture["request"]["json"]["text"] = text
        return transport
    return expect
