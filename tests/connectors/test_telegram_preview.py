"""Telegram post views from the public web preview (fixtures/telegram/preview.*.json and
the HTML pages under fixtures/telegram/preview/): a bot cannot read views."""

from __future__ import annotations

import pytest

from smmdesk.connectors.base import (
    Capabilities,
    ChannelContext,
    Connector,
    PermanentError,
    TransientError,
)
from smmdesk.connectors.registry import connector_class
from smmdesk.connectors.telegram import TelegramConnector
from smmdesk.connectors.telegram.preview import count, read_page
from smmdesk.lib import http as http_lib
from smmdesk.lib.http import HttpClient
from tests.connectors.contract import FIXTURES

TOKEN = "7234567890:AAF4x9Qm2kZtq8Jd0Vn3Rb6Lc1Ys5We7HoA"
VALUES = {"token": TOKEN}
CHAT_ID = -1001234567890
SETTINGS = {"chat_id": CHAT_ID, "username": "zerno_coffee", "bot_username": "zerno_bot",
            "bot_id": 7234567890, "linked_chat_id": None}
PAGES = FIXTURES / "telegram" / "preview"


def make(settings: dict | None = None, http: HttpClient | None = None) -> TelegramConnector:
    return TelegramConnector(ChannelContext(
        id=1, external_id=str(CHAT_ID), name="Zerno Coffee", credentials={"bot_token": TOKEN},
        settings=dict(SETTINGS if settings is None else settings)), http)


@pytest.fixture
def no_sleep(monkeypatch):
    monkeypatch.setattr(http_lib.time, "sleep", lambda _s: None)


# ---------------------------------------------------------------- numbers as shown


@pytest.mark.parametrize(("shown", "value"), [
    ("987", 987), ("0", 0), ("1.2K", 1200), ("63K", 63000), ("3.86K", 3860),
    ("3.4M", 3400000), ("2.19M", 2190000), ("1.5B", 1500000000), ("1,2K", 1200),
    ("1 234", 1234), ("1\u00a0234", 1234), ("12\u202f345", 12345), ("1,234", 1234),
    (" 1.2k ", 1200),
])
def test_it_reads_numbers_as_telegram_abbreviates_them(shown, value):
    assert count(shown) == value


@pytest.mark.parametrize("shown", ["", "views", "1.2.3K", "K", "-5", "1.2KM"])
def test_it_refuses_what_is_not_a_number(shown):
    assert count(shown) is None


# ---------------------------------------------------------------- one post's views


@pytest.mark.parametrize(("fixture", "post", "views"), [
    ("preview.thousands", "101", 1200),
    ("preview.millions", "102", 3400000),
    ("preview.spaced", "103", 1234),
    ("preview.exact", "104", 987),
])
def test_it_reads_a_posts_views_from_the_public_preview(contract, fixture, post, views):
    transport = contract("telegram", fixture, values=VALUES)
    connector = make()
    assert connector.fetch_post_metrics(post) == {"views": views}
    assert connector.metrics_note == ""
    request = transport.requests[0]
    assert request.method == "GET"
    assert str(request.url) == f"https://t.me/zerno_coffee/{post}?embed=1&mode=tme"
    assert TOKEN not in str(request.url)  # the preview is public: no token goes there


def test_a_post_that_shows_no_views_gives_no_views(contract):
    contract("telegram", "preview.no_views", values=VALUES)
    connector = make()
    assert connector.fetch_post_metrics("105") == {}  # missing, never 0
    assert connector.metrics_note == "the preview shows no views for this post"


def test_a_deleted_post_gives_no_views(contract):
    contract("telegram", "preview.not_found", values=VALUES)
    connector = make()
    assert connector.fetch_post_metrics("999") == {}
    assert connector.metrics_note == "Post not found"


def test_it_takes_no_views_of_another_post_than_the_one_asked(contract):
    contract("telegram", "preview.other_post", values=VALUES)  # shows zerno_coffee/100
    assert make().fetch_post_metrics("101") == {}


def test_a_channel_gone_private_gives_no_views(contract):
    contract("telegram", "preview.private", values=VALUES)
    connector = make({**SETTINGS, "username": "zerno_team"})
    assert connector.fetch_post_metrics("101") == {}
    assert connector.metrics_note == "Channel is private"


def test_a_redirect_means_no_public_preview_and_is_not_followed(contract):
    transport = contract("telegram", "preview.redirect", values=VALUES)
    connector = make()
    assert connector.fetch_post_metrics("101") == {}
    assert connector.metrics_note == "no public preview (HTTP 302)"
    assert len(transport.requests) == 1


def test_a_private_channel_asks_nothing(contract):
    transport = contract("telegram", values=VALUES)  # any request would fail the test
    connector = make({**SETTINGS, "username": ""})
    assert connector.fetch_post_metrics("101") == {}
    assert connector.metrics_note == "private channel: no public web preview"
    assert transport.requests == []


def test_a_post_id_that_is_not_a_message_id_asks_nothing(contract):
    transport = contract("telegram", values=VALUES)
    assert make().fetch_post_metrics("101/../../s/other") == {}
    assert transport.requests == []


def test_telegram_asking_to_slow_down_is_transient(contract):
    contract("telegram", "preview.rate_limited", values=VALUES)
    with pytest.raises(TransientError) as exc:
        make().fetch_post_metrics("101")
    assert exc.value.code == "rate_limited" and exc.value.retry_after == 30
    assert not isinstance(exc.value, PermanentError)


def test_a_preview_server_error_is_transient(contract, no_sleep):
    contract("telegram", "preview.bad_gateway", values=VALUES)
    with pytest.raises(TransientError) as exc:
        make(http=HttpClient(retries=0)).fetch_post_metrics("101")
    assert exc.value.code == "server_error"


def test_an_unreachable_preview_is_transient(contract, no_sleep):
    contract("telegram", "preview.unreachable", values=VALUES)
    with pytest.raises(TransientError) as exc:
        make(http=HttpClient(retries=0)).fetch_post_metrics("101")
    assert exc.value.code == "unreachable"


# ---------------------------------------------------------------- the channel's feed page


def test_it_reads_every_post_of_the_channels_feed_page():
    page = read_page((PAGES / "feed.html").read_text(encoding="utf-8"))
    assert [p.post for p in page.posts] == ["zerno_coffee/99", "zerno_coffee/100",
                                            "zerno_coffee/101"]
    assert page.views_of("zerno_coffee", 99) == 3400000
    assert page.views_of("Zerno_Coffee", 100) == 1234  # usernames ignore case
    assert page.views_of("zerno_coffee", 101) is None  # shows no views
    assert page.views_of("zerno_coffee", 102) is None  # not on the page
    assert page.error == ""


# ---------------------------------------------------------------- where the numbers come from


def test_a_public_channel_says_its_views_come_from_the_web_preview():
    source = TelegramConnector.metrics_source(SETTINGS)
    assert source.code == "web_preview"
    assert source.text.startswith("Views: from the public web preview (t.me/s/zerno_coffee)")


def test_a_private_channel_says_views_are_not_available():
    source = TelegramConnector.metrics_source({**SETTINGS, "username": ""})
    assert source.code == "unavailable"
    assert "the channel is private, and a bot cannot read views" in source.text
    assert "not supported yet" in source.text


def test_other_networks_say_where_their_metrics_come_from():
    assert connector_class("vk").metrics_source({}).text == "Metrics: read from the VK API."

    class Silent(Connector):
        label = "Silent"
        capabilities = Capabilities()

    assert Silent.metrics_source({}).code == "none"
    assert Silent.metrics_source({}).text == "Metrics: not available from Silent."
