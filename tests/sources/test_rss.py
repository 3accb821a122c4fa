"""News feeds (sources/rss.py) against recorded exchanges in fixtures/rss/: RSS 2.0 in
Ukrainian, Atom in English, RSS 1.0/RDF in Belarusian, and what goes wrong with feeds."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from smmdesk.sources import registry
from smmdesk.sources.base import SourceError
from smmdesk.sources.rss import RssSource, html_to_text, parse_feed

FEED = {"url": "https://kyiv-news.example/rss/"}
INTERNAL = "This address is inside your network; smmdesk only reads public sites."


def fetch(config=FEED, cursor="", since=None):
    return RssSource().fetch(config=config, secret="", cursor=cursor, since=since)


def by_id(batch):
    return {item.external_id: item for item in batch.items}


def test_it_is_the_registered_rss_source():
    assert isinstance(registry.get("rss"), RssSource)


def test_it_reads_an_rss_feed(contract):
    contract("sources:rss", "feed.ok")
    items = by_id(fetch())
    assert len(items) == 4
    price = items["kn-2026-11-20-0915"]
    assert price.title == "Ціни на каву в Києві зросли на 12% за місяць"
    assert price.url == "https://kyiv-news.example/economy/2026/11/20/kava-dorozhchaie"
    assert price.text.startswith("Ціни на каву в Києві зросли на 12% за місяць\n\n"
                                 "Обсмажувальники кави попереджають")
    assert "У Zerno Coffee кажуть" in price.text and "<" not in price.text
    assert price.published_at == datetime(2026, 11, 20, 9, 15, tzinfo=UTC)
    assert (price.language, price.author, price.kind, price.media) == ("uk", "Олена Коваль",
                                                                        "article", "image")


def test_it_takes_the_id_from_guid_then_link_and_keeps_only_web_links(contract):
    contract("sources:rss", "feed.ok")
    items = by_id(fetch())
    podil = items["https://kyiv-news.example/city/2026/11/19/novi-kaviarni-podil"]
    assert podil.author == "Редакція"  # not the e-mail address in front of it
    assert "Кав’ярні & пекарні" in podil.text
    export = items["https://kyiv-news.example/business/2026/11/19/eksport-kavy"]  # no guid
    assert "alert" not in export.text
    assert export.text.endswith("ніж торік.\nПольща\nНімеччина")
    assert items["kn-promo-77"].url == ""  # a javascript: link is dropped


def test_a_second_fetch_brings_only_new_items_and_asks_conditionally(contract):
    transport = contract("sources:rss", "feed.ok", "feed.updated")
    first = fetch()
    second = fetch(cursor=first.cursor)
    assert [i.external_id for i in second.items] == ["kn-2026-11-21-0800"]
    assert second.items[0].title.startswith("Zerno Coffee відкриває другу кав’ярню")
    sent = transport.requests[1].headers
    assert sent["if-none-match"] == '"6a1f-5e2b"'
    assert sent["if-modified-since"] == "Fri, 20 Nov 2026 09:20:04 GMT"
    assert json.loads(second.cursor)["etag"] == '"6b02-5e3c"'
    assert "if-none-match" not in transport.requests[0].headers


def test_not_modified_brings_nothing_and_keeps_the_cursor(contract):
    transport = contract("sources:rss", "feed.ok", "feed.not_modified")
    first = fetch()
    again = fetch(cursor=first.cursor)
    assert again.items == [] and again.cursor == ""
    assert transport.requests[1].headers["if-none-match"] == '"6a1f-5e2b"'


def test_a_first_fetch_leaves_out_what_is_older_than_since(contract):
    contract("sources:rss", "feed.ok")
    batch = fetch(since=datetime(2026, 11, 19, 12, 0, tzinfo=UTC))
    assert sorted(by_id(batch)) == [
        "https://kyiv-news.example/city/2026/11/19/novi-kaviarni-podil", "kn-2026-11-20-0915"]


def test_too_many_requests_is_transient_with_the_sites_wait(contract):
    contract("sources:rss", "feed.rate_limited")
    with pytest.raises(SourceError) as caught:
        fetch()
    assert caught.value.transient and caught.value.retry_after == 120.0


def test_a_server_error_is_transient(contract):
    contract("sources:rss", "feed.server_error")
    with pytest.raises(SourceError) as caught:
        fetch()
    assert caught.value.transient and "503" in str(caught.value)


def test_it_reads_an_atom_blog(contract):
    contract("sources:rss", "atom.ok")
    batch = fetch({"url": "https://brewnotes.example.com/feed.atom"})
    items = by_id(batch)
    cold = items["tag:brewnotes.example.com,2026:post-41"]
    assert cold.url == "https://brewnotes.example.com/2026/11/cold-brew-vs-iced-pour-over"
    assert cold.text == ("Cold brew vs. iced pour-over: a week of tasting\n\nI brewed the same "
                         "Ethiopian beans both ways for seven days. Here is what changed & what "
                         "did not.")
    assert (cold.language, cold.author) == ("en", "Maya Thompson")
    assert cold.author_url == "https://brewnotes.example.com/about"
    assert cold.published_at == datetime(2026, 11, 18, 16, 30, tzinfo=UTC)
    kenya = items["tag:brewnotes.example.com,2026:post-40"]
    assert kenya.title == "Zerno Coffee’s Kenya AA, reviewed"
    assert kenya.published_at == datetime(2026, 11, 12, 7, 0, tzinfo=UTC)
    assert "Bright, juicy, with a blackcurrant finish.\nGreat as a filter" in kenya.text
    blades = items["tag:brewnotes.example.com,2026:post-39"]
    assert blades.published_at == datetime(2026, 11, 5, 8, 15, tzinfo=UTC)  # from <updated>
    assert blades.url == "https://brewnotes.example.com/2026/11/blade-grinders"


def test_it_reads_an_rdf_feed_in_belarusian(contract):
    contract("sources:rss", "rdf.ok")
    items = fetch({"url": "https://kava-naviny.example.by/rss.rdf"}).items
    assert [i.title for i in items] == ["У Мінску за год адкрылася дваццаць новых кавярняў",
                                        "Кава даражэе: чаго чакаць да Новага года"]
    assert {i.language for i in items} == {"be"}
    assert items[0].published_at == datetime(2026, 11, 17, 7, 30, tzinfo=UTC)
    assert items[0].author == "Алесь Кавалёў"
    assert items[0].external_id == "https://kava-naviny.example.by/2026/11/minsk-kaviarni"


def test_a_broken_feed_without_entries_says_so(contract):
    contract("sources:rss", "feed.broken")
    with pytest.raises(SourceError) as caught:
        fetch({"url": "https://kava-naviny.example.by/rss.xml"})
    message = str(caught.value)
    assert "This feed is broken" in message and "line " in message
    assert not caught.value.transient


def test_a_web_page_that_names_its_feed_gives_the_feed_address(contract):
    contract("sources:rss", "page.autodiscovery")
    with pytest.raises(SourceError) as caught:
        RssSource().probe({"url": "https://kyiv-news.example/"})
    assert str(caught.value) == ("This is a web page; its feed is at "
                                 "https://kyiv-news.example/rss/: add that address.")


def test_a_web_page_without_a_feed_is_sent_to_the_web_page_source(contract):
    contract("sources:rss", "page.no_feed")
    with pytest.raises(SourceError) as caught:
        RssSource().probe({"url": "https://barista.example.ru/"})
    assert "Add it as a web page source instead" in str(caught.value)


def test_probe_describes_the_feed(contract):
    contract("sources:rss", "feed.ok")
    assert RssSource().probe(FEED) == "RSS 2.0, 4 items: Київські новини — Економіка і місто"


def test_it_follows_a_redirect_to_the_feed(contract):
    transport = contract("sources:rss", "feed.moved", "feed.ok")
    batch = fetch({"url": "https://kyiv-news.example/feed"})
    assert len(batch.items) == 4
    assert str(transport.requests[1].url) == "https://kyiv-news.example/rss/"


def test_a_redirect_to_an_internal_address_is_not_followed(contract):
    transport = contract("sources:rss", "feed.redirect_internal")
    with pytest.raises(SourceError) as caught:
        fetch({"url": "https://kyiv-news.example/feed"})
    assert len(transport.requests) == 1  # the metadata address was never requested
    assert "could not be reached" in str(caught.value)


@pytest.mark.parametrize("url", ["https://10.0.0.5/feed", "http://127.0.0.1:8000/rss",
                                 "localhost/rss", "https://[::1]/feed",
                                 "https://169.254.169.254/latest/",
                                 "https://intranet.zerno.example/rss"])
def test_validate_refuses_internal_addresses(url, fake_dns):
    fake_dns.names["intranet.zerno.example"] = ["192.168.1.10"]
    with pytest.raises(SourceError) as caught:
        RssSource().validate({"url": url})
    assert str(caught.value) == INTERNAL


def test_validate_normalises_the_address():
    assert RssSource().validate({"url": "  HTTP://Kyiv-News.Example/rss/#top "}) == FEED
    assert RssSource().validate({"url": "kyiv-news.example/rss/"}) == FEED
    assert RssSource().validate({"url": "https://kyiv-news.example"}) == {
        "url": "https://kyiv-news.example/"}


@pytest.mark.parametrize("url", ["", None, "ftp://kyiv-news.example/rss", "javascript:alert(1)",
                                 "https://user:pw@kyiv-news.example/rss"])
def test_validate_refuses_what_is_not_a_web_address(url):
    with pytest.raises(SourceError):
        RssSource().validate({"url": url})


def test_feedparser_gets_bytes_and_never_opens_an_address():
    parsed = parse_feed(b"https://kyiv-news.example/rss/")
    assert parsed.entries == [] and "href" not in parsed and "status" not in parsed


def test_html_to_text_keeps_lines_and_drops_markup():
    assert html_to_text("<p>One <b>two</b></p><p>three<br>four</p><style>p{}</style>") == \
        "One two\nthree\nfour"
    assert html_to_text("5 < 6 & 7") == "5 < 6 & 7"
