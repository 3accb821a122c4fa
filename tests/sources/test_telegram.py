"""Public Telegram channels (sources/telegram.py) read from t.me/s/ pages recorded in
fixtures/telegram/: text, photo, video, album, link and reply posts, paging back with
?before=, and what Telegram shows for a channel without a public preview."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from smmdesk.sources import registry
from smmdesk.sources.base import Account, SourceError
from smmdesk.sources.telegram import TelegramSource, username_from

CHANNEL = {"channel": "kavovyi_ohliad", "mode": "feed"}


def fetch(config=CHANNEL, cursor="", since=None):
    return TelegramSource().fetch(config=config, secret="", cursor=cursor, since=since)


def ids(batch):
    return [int(i.external_id.split("/")[1]) for i in batch.items]


def test_it_is_the_registered_telegram_source():
    assert isinstance(registry.get("telegram"), TelegramSource)


def test_it_reads_the_posts_of_the_newest_page(contract):
    transport = contract("sources:telegram", "channel.latest")
    batch = fetch()
    assert ids(batch) == [1841, 1842, 1843, 1844, 1846, 1847]  # the service message left out
    assert batch.cursor == "1847" and len(transport.requests) == 1
    job = batch.items[0]
    assert job.text == ("Шукаємо бариста в нову кав’ярню на Подолі ☕\nГрафік 2/2, навчання за "
                        "наш рахунок. Пишіть @zerno_hr\n#кава #робота")
    assert job.url == "https://t.me/kavovyi_ohliad/1841"
    assert job.external_id == "kavovyi_ohliad/1841"
    assert job.published_at == datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
    assert (job.views, job.media, job.hashtags) == (2100, "text", ("кава", "робота"))
    assert (job.author, job.author_id, job.author_url, job.author_followers) == (
        "Кавовий огляд ☕", "@kavovyi_ohliad", "https://t.me/kavovyi_ohliad", 12300)
    assert transport.requests[0].headers["accept-language"] == "en"


def test_it_tells_the_format_and_views_of_each_post(contract):
    contract("sources:telegram", "channel.latest")
    posts = {int(i.external_id.split("/")[1]): i for i in fetch().items}
    assert [(posts[n].media, posts[n].views) for n in (1842, 1843, 1844, 1846)] == [
        ("image", 15700), ("video", 987), ("album", 48300), ("link", 734)]
    reply = posts[1847]
    assert reply.text == "Вакансію закрито, дякуємо! Команда поповнилася двома бариста."
    assert (reply.views, reply.likes, reply.shares) == (1100, None, None)


def test_a_second_fetch_brings_only_newer_posts(contract):
    transport = contract("sources:telegram", "channel.later")
    batch = fetch(cursor="1847")
    assert ids(batch) == [1849, 1850]
    assert batch.cursor == "1850" and len(transport.requests) == 1
    assert batch.items[1].hashtags == ("розіграш",)


def test_nothing_new_keeps_the_cursor(contract):
    contract("sources:telegram", "channel.latest")
    batch = fetch(cursor="1847")
    assert batch.items == [] and batch.cursor == ""


def test_it_pages_back_until_the_cursor(contract):
    transport = contract("sources:telegram", "channel.latest", "channel.older")
    batch = fetch(cursor="1836")
    assert ids(batch) == [1837, 1838, 1839, 1841, 1842, 1843, 1844, 1846, 1847]
    assert dict(transport.requests[1].url.params) == {"before": "1840"}
    assert batch.cursor == "1847"


def test_a_first_fetch_pages_back_to_since(contract):
    contract("sources:telegram", "channel.latest", "channel.older")
    batch = fetch(since=datetime(2026, 11, 16, tzinfo=UTC))
    assert ids(batch) == [1838, 1839, 1841, 1842, 1843, 1844, 1846, 1847]


def test_account_mode_returns_the_newest_page_whole_and_the_channel(contract):
    contract("sources:telegram", "channel.later")
    batch = fetch({"channel": "kavovyi_ohliad", "mode": "account"}, cursor="1847")
    assert ids(batch) == [1842, 1843, 1844, 1846, 1847, 1849, 1850]  # views refresh
    assert batch.account == Account(handle="@kavovyi_ohliad", name="Кавовий огляд ☕",
                                    url="https://t.me/kavovyi_ohliad", followers=12500)
    assert batch.cursor == "1850"


def test_probe_names_the_channel_and_its_subscribers(contract):
    contract("sources:telegram", "channel.latest")
    assert TelegramSource().probe({"channel": "@kavovyi_ohliad"}) == \
        "Telegram channel “Кавовий огляд ☕”, 12300 subscribers"


@pytest.mark.parametrize("fixture", ["channel.private", "channel.no_preview"])
def test_a_private_channel_is_explained(contract, fixture):
    transport = contract("sources:telegram", fixture)
    with pytest.raises(SourceError) as caught:
        TelegramSource().probe({"channel": "t.me/kava_private_club"})
    assert str(caught.value).startswith(
        "Telegram shows no public posts for @kava_private_club: the channel is private")
    assert not caught.value.transient
    assert len(transport.requests) == 1  # the redirect to t.me/<name> is not followed


def test_too_many_requests_is_transient(contract):
    contract("sources:telegram", "channel.rate_limited")
    with pytest.raises(SourceError) as caught:
        fetch()
    assert caught.value.transient and caught.value.retry_after == 60.0


@pytest.mark.parametrize("value", ["@kavovyi_ohliad", "kavovyi_ohliad", "t.me/kavovyi_ohliad",
                                   "https://t.me/s/kavovyi_ohliad",
                                   " https://t.me/kavovyi_ohliad/1841 ",
                                   "http://telegram.me/kavovyi_ohliad"])
def test_validate_accepts_the_ways_people_write_a_channel(value):
    assert TelegramSource().validate({"channel": value}) == CHANNEL


@pytest.mark.parametrize("value", ["", "@abc", "1kavovyi", "kavovyi-ohliad", "@" + "k" * 33,
                                   "https://example.com/kavovyi_ohliad", "https://t.me/c/123/45"])
def test_validate_refuses_what_is_not_a_channel_username(value):
    with pytest.raises(SourceError):
        TelegramSource().validate({"channel": value})


@pytest.mark.parametrize("value", ["https://t.me/+AbCdEf12345", "t.me/joinchat/AAAAAEk3"])
def test_validate_explains_an_invitation_link(value):
    with pytest.raises(SourceError) as caught:
        username_from(value)
    assert "invitation to a private channel" in str(caught.value)


def test_validate_refuses_search_mode():
    with pytest.raises(SourceError):
        TelegramSource().validate({"channel": "@kavovyi_ohliad", "mode": "search"})
