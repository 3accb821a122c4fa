"""The Jetstream source against a real websocket server on loopback that replays recorded
Jetstream frames (tests/sources/fixtures/jetstream/posts.jsonl) from the cursor asked."""

from __future__ import annotations

import json
import socket
import threading
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import serve

from smmdesk.sources.base import SourceError
from smmdesk.sources.jetstream import DEFAULT_URL, JetstreamSource
from smmdesk.sources.registry import get

FIXTURE = Path(__file__).parent / "fixtures" / "jetstream" / "posts.jsonl"
FRAMES = [line for line in FIXTURE.read_text(encoding="utf-8").splitlines()
          if line and not line.startswith("#")]


def _time(frame: str) -> int | None:
    try:
        return json.loads(frame)["time_us"]
    except ValueError:
        return None


def _zerno(text: str) -> bool:
    low = text.lower()
    return "zerno" in low or "зерн" in low


class _Jetstream:
    """Replays FRAMES from ``cursor`` as Jetstream does (events at or after it), then
    holds the connection open (``close_after`` frames: closes it instead)."""

    def __init__(self, *, close_after: int | None = None, binary: bool = False):
        self.paths: list[str] = []
        self.close_after, self.binary = close_after, binary
        self.server = serve(self._handle, "127.0.0.1", 0)
        self.port = self.server.socket.getsockname()[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _handle(self, connection):
        self.paths.append(connection.request.path)
        query = parse_qs(urlsplit(connection.request.path).query)
        cursor = int(query.get("cursor", ["0"])[0])
        sent = 0
        for frame in FRAMES:
            if sent == self.close_after:
                return  # the handler ending closes the connection
            time_us = _time(frame)
            if time_us is not None and time_us < cursor:
                continue
            connection.send(frame)
            sent += 1
            if self.binary and sent == 1:
                connection.send(b"\x28\xb5\x2f\xfd binary, not a JSON event")
        try:
            for _message in connection:
                pass
        except ConnectionClosed:
            pass

    def url(self, host: str = "127.0.0.1") -> str:
        return f"ws://{host}:{self.port}/subscribe"

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def jetstream(allow_loopback_http):
    servers: list[_Jetstream] = []

    def start(**kwargs) -> _Jetstream:
        servers.append(_Jetstream(**kwargs))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def source():
    return get("jetstream")


def _config(server: _Jetstream, **extra) -> dict:
    return {"url": server.url(), "seconds": 5, "max_events": len(FRAMES), **extra}


# -- reading --------------------------------------------------------------------------


def test_keeps_new_posts_that_we_want(source, jetstream):
    server = jetstream(binary=True)
    batch = source.fetch(config=_config(server, max_events=len(FRAMES) + 1), secret="",
                         cursor="", since=None, wanted=_zerno)
    assert server.paths == ["/subscribe?wantedCollections=app.bsky.feed.post"]
    # Matching words in an update, a delete or a like, or no text at all: not kept.
    assert [i.text for i in batch.items] == [
        "Зерно на Подолі відкрилося після ремонту, черга аж на вулицю ☕ #кава",
        "@zerno.bsky.social do you ship your Guji to Poland?",
        "У Зерне ў Гродне сёння дэгустацыя, ідзём?"]
    podil, question, grodna = batch.items
    assert podil.external_id.startswith("at://did:plc:4xkq2t7hw3mnvbyzrc5e6udl/"
                                        "app.bsky.feed.post/")
    rkey = podil.external_id.rsplit("/", 1)[-1]
    assert podil.url == f"https://bsky.app/profile/did:plc:4xkq2t7hw3mnvbyzrc5e6udl/post/{rkey}"
    assert (podil.media, podil.language, podil.hashtags) == ("image", "uk", ("кава",))
    assert podil.published_at == datetime(2026, 12, 7, 9, 29, 59, 100000, tzinfo=UTC)
    assert podil.author_id == "did:plc:4xkq2t7hw3mnvbyzrc5e6udl" and podil.network == "bluesky"
    assert question.kind == "reply"
    assert json.loads(question.reply_ref)["root"]["uri"].startswith(
        "at://did:plc:zrn6cfq2k4w7x3ybmd5hta4e/")
    assert grodna.media == "link" and grodna.language == "be"
    # the cursor is the last event's time_us, and all events were read: more may wait
    assert batch.cursor == str(_time(FRAMES[-1])) and batch.more


def test_without_wanted_every_new_post_is_kept(source, jetstream):
    server = jetstream()
    batch = source.fetch(config=_config(server), secret="", cursor="", since=None)
    assert len(batch.items) == 6


def test_resumes_from_the_cursor(source, jetstream):
    server = jetstream()
    first = source.fetch(config=_config(server, max_events=4), secret="", cursor="", since=None,
                         wanted=_zerno)
    assert [i.text[:5] for i in first.items] == ["Зерно"]
    assert first.cursor == str(_time(FRAMES[3])) and first.more
    second = source.fetch(config=_config(server, seconds=1), secret="", cursor=first.cursor,
                          since=None, wanted=_zerno)
    assert server.paths[1] == \
        f"/subscribe?wantedCollections=app.bsky.feed.post&cursor={first.cursor}"
    # Jetstream replays from the cursor itself: the event at it is not read twice.
    assert [i.text[:5] for i in second.items] == ["@zern", "У Зер"]
    assert second.cursor == str(_time(FRAMES[-1]))


def test_first_fetch_with_since_replays_from_then(source, jetstream):
    server = jetstream()
    since = datetime(2026, 12, 7, 9, 30, 0, 10000, tzinfo=UTC)
    batch = source.fetch(config=_config(server, seconds=1), secret="", cursor="", since=since,
                         wanted=_zerno)
    assert server.paths[0].endswith(f"&cursor={int(since.timestamp() * 1_000_000)}")
    assert [i.text[:5] for i in batch.items] == ["@zern", "У Зер"]


def test_stops_after_the_seconds_it_may_read(source, jetstream):
    server = jetstream()
    started = datetime.now(UTC)
    batch = source.fetch(config=_config(server, seconds=1, max_events=1000), secret="",
                         cursor="", since=None, wanted=_zerno)
    assert 0.9 <= (datetime.now(UTC) - started).total_seconds() < 4
    assert len(batch.items) == 3 and not batch.more


def test_a_connection_closed_after_some_events_keeps_what_was_read(source, jetstream):
    server = jetstream(close_after=5)
    batch = source.fetch(config=_config(server, max_events=1000), secret="", cursor="",
                         since=None, wanted=_zerno)
    assert [i.text[:5] for i in batch.items] == ["Зерно"]
    assert batch.cursor == str(_time(FRAMES[3])) and not batch.more  # FRAMES[4] is not JSON


def test_a_connection_closed_at_once_is_transient(source, jetstream):
    server = jetstream(close_after=0)
    with pytest.raises(SourceError) as exc:
        source.fetch(config=_config(server), secret="", cursor="", since=None, wanted=_zerno)
    assert exc.value.transient and "closed the connection" in exc.value.message


def test_a_refused_connection_is_transient(source, allow_loopback_http):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once it is closed
    with pytest.raises(SourceError) as exc:
        source.fetch(config={"url": f"ws://127.0.0.1:{port}/subscribe"}, secret="", cursor="",
                     since=None, wanted=_zerno)
    assert exc.value.transient and "could not connect to 127.0.0.1" in exc.value.message


def test_it_connects_to_the_address_it_checked(source, jetstream, fake_dns):
    # "jetstream.test" exists only in the guard's table: reaching the server shows that the
    # socket went to the checked address, not to a second lookup of the name.
    server = jetstream()
    fake_dns.names["jetstream.test"] = ["127.0.0.1"]
    batch = source.fetch(config=_config(server, url=server.url("jetstream.test")), secret="",
                         cursor="", since=None, wanted=_zerno)
    assert len(batch.items) == 3


def test_probe_counts_what_arrives(source, jetstream, monkeypatch):
    monkeypatch.setattr("smmdesk.sources.jetstream.PROBE_SECONDS", 1)
    server = jetstream()
    assert source.probe({"url": server.url()}) == \
        "Jetstream answers: 6 new posts in the first seconds"


# -- the address guard and validation ---------------------------------------------------


def test_validate_defaults(source):
    assert source.validate({}) == {"mode": "feed", "url": DEFAULT_URL, "seconds": 20,
                                   "max_events": 20000}
    assert JetstreamSource.stream


def test_plain_ws_only_with_the_development_setting(source, settings):
    settings.SMMDESK_ALLOW_PRIVATE_NETWORK = False
    with pytest.raises(SourceError) as exc:
        source.validate({"url": "ws://jetstream2.us-east.bsky.network/subscribe"})
    assert "starts with wss://" in exc.value.message


@pytest.mark.parametrize("url", ["wss://10.1.2.3/subscribe", "wss://localhost:6008/subscribe",
                                 "wss://169.254.169.254/subscribe", "wss://js.lan.test/subscribe"])
def test_internal_addresses_are_refused(source, settings, fake_dns, url):
    settings.SMMDESK_ALLOW_PRIVATE_NETWORK = False
    fake_dns.names["js.lan.test"] = ["192.168.7.7"]
    with pytest.raises(SourceError) as exc:
        source.validate({"url": url})
    assert "could not connect" in exc.value.message


class _Rebinding(dict):
    """A name that answers a public address to the checks before connecting and loopback
    to the one at connect time."""

    def __init__(self, name, answers):
        super().__init__()
        self.name, self.answers = name, answers

    def __contains__(self, name):
        return name == self.name

    def __getitem__(self, name):
        return next(self.answers)


def test_a_name_that_turns_internal_after_validation_is_refused_at_connect(source, settings,
                                                                            fake_dns, jetstream):
    server = jetstream()
    settings.SMMDESK_ALLOW_PRIVATE_NETWORK = False
    settings.SMMDESK_ALLOW_PLAIN_HTTP_PRIVATE = False
    fake_dns.names = _Rebinding("jetstream.example.net",
                                iter([["93.184.215.14"], ["127.0.0.1"]]))
    # saved while the name answered a public address; at fetch time it answers loopback
    config = source.validate({"url": f"wss://jetstream.example.net:{server.port}/subscribe"})
    with pytest.raises(SourceError) as exc:
        source.fetch(config=config, secret="", cursor="", since=None, wanted=_zerno)
    assert exc.value.transient and "could not connect" in exc.value.message
    assert server.paths == []  # nothing reached the loopback server


@pytest.mark.parametrize("config", [{"url": "https://jetstream2.us-east.bsky.network"},
                                    {"url": "wss://"}, {"seconds": 0}, {"seconds": "abc"},
                                    {"max_events": 10**9}])
def test_validate_refuses_bad_settings(source, config):
    with pytest.raises(SourceError):
        source.validate(config)
