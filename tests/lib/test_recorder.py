"""The fixture recorder: what a developer with a real account records, the contract tests
replay. Here the "network" is itself a replay of Telegram's recorded contract."""

from __future__ import annotations

import json

from smmdesk.connectors.telegram import TelegramConnector
from smmdesk.lib import http as http_lib
from smmdesk.lib.http import HttpClient
from tests.connectors.contract import FixtureTransport, load_fixture

TOKEN = "7234567890:AAF4x9Qm2kZtq8Jd0Vn3Rb6Lc1Ys5We7HoA"
NAMES = ("getMe.ok", "getChat.ok", "getChatMember.admin")


def connect():
    return TelegramConnector.connect({"bot_token": TOKEN, "chat": "@zerno_coffee"},
                                     HttpClient())


def test_it_records_each_exchange_as_a_fixture_without_secrets(settings, tmp_path):
    network = FixtureTransport([load_fixture("telegram", n) for n in NAMES], {"token": TOKEN})
    http_lib.set_transport_factory(lambda: network)
    settings.SMMDESK_RECORD_FIXTURES = str(tmp_path)
    connect()
    files = sorted(tmp_path.glob("*.json"))
    assert [f.name.split(".")[-2] for f in files] == ["getMe", "getChat", "getChatMember"]
    for f in files:
        assert TOKEN not in f.read_text(encoding="utf-8")
    first = json.loads(files[0].read_text(encoding="utf-8"))
    assert first["request"]["url"] == "https://api.telegram.org/bot{token}/getMe"
    assert first["response"]["status"] == 200 and first["response"]["json"]["ok"] is True


def test_what_it_recorded_replays_to_the_same_result(settings, tmp_path):
    network = FixtureTransport([load_fixture("telegram", n) for n in NAMES], {"token": TOKEN})
    http_lib.set_transport_factory(lambda: network)
    settings.SMMDESK_RECORD_FIXTURES = str(tmp_path)
    live = connect()
    settings.SMMDESK_RECORD_FIXTURES = ""
    recorded = [json.loads(f.read_text(encoding="utf-8")) | {"name": f.name}
                for f in sorted(tmp_path.glob("*.json"))]
    replay = FixtureTransport(recorded, {"token": TOKEN})
    http_lib.set_transport_factory(lambda: replay)
    assert connect() == live
    assert not replay.unused()
