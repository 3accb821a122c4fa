"""A scripted connector for engine tests: each publish does what the test says."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from smmdesk.connectors import registry
from smmdesk.connectors.base import (
    Capabilities,
    Connector,
    ConnectResult,
    FindResult,
    Found,
    Limits,
    MediaKind,
    PublishRequest,
    PublishResult,
    RateLimit,
)


class Script:
    """What the fake network does next. ``publish`` items are PublishResult or exceptions;
    ``find`` items are FindResult or exceptions."""

    def __init__(self):
        self.publish: deque = deque()
        self.find: deque = deque()
        self.published: list[PublishRequest] = []


SCRIPT = Script()


class ScriptedConnector(Connector):
    kind = "scripted"
    label = "Scripted"
    limits = Limits(text_max=280, media_max=4, media_kinds=frozenset(MediaKind))
    capabilities = Capabilities(find_published=True, delete=True)
    rate_limits: tuple[RateLimit, ...] = ()
    listing_lag = timedelta(0)  # a complete, immediate listing unless a test says otherwise

    @classmethod
    def connect(cls, data: dict, http) -> ConnectResult:
        return ConnectResult(external_id=data.get("id", "acct"), name=data.get("name", "Fake"),
                             credentials={"token": "secret-token-123"})

    def publish(self, req: PublishRequest) -> PublishResult:
        SCRIPT.published.append(req)
        outcome = SCRIPT.publish.popleft() if SCRIPT.publish else None
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome or PublishResult(f"ext-{len(SCRIPT.published)}",
                                        f"https://fake.example/{len(SCRIPT.published)}")

    def find_published(self, req: PublishRequest, *, since: datetime) -> FindResult:
        outcome = SCRIPT.find.popleft() if SCRIPT.find else FindResult(Found.NOT_FOUND)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


@pytest.fixture
def scripted(monkeypatch):
    """Register the scripted network for one test and give the test its script."""
    script = Script()
    monkeypatch.setattr("tests.fakes.SCRIPT", script)
    monkeypatch.setitem(registry.CONNECTORS, "scripted",
                        ("tests.fakes.ScriptedConnector", "Scripted"))
    registry.connector_class.cache_clear()
    yield script
    registry.connector_class.cache_clear()


def pin_model(monkeypatch, answers: dict) -> SimpleNamespace:
    """Fix the text model's answers for inbox tests (the model itself is tested in
    tests/nlp): ``answers`` maps a text to its Prediction, any other text is read as a
    neutral "other". The returned ``pin.table`` takes more texts; ``pin.calls`` records
    what was read."""
    from smmdesk.nlp.model import Prediction

    pin = SimpleNamespace(table=dict(answers), calls=[])

    def classify(texts, *, workspace=None, variant=None, may_train=False):
        pin.calls.append(list(texts))
        return [pin.table.get(t, Prediction("uk", "neutral", "other", False)) for t in texts]

    monkeypatch.setattr("smmdesk.inbox.ingest.classify", classify)
    return pin
