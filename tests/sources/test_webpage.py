"""Web pages (sources/webpage.py) against recorded pages in fixtures/webpage/: a Russian
blog review watched for changes, a Ukrainian news section read as a list of articles."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from smmdesk.sources import registry
from smmdesk.sources.base import SourceError
from smmdesk.sources.webpage import WebPageSource, short_hash

POST = "https://kofe-blog.example.ru/obzory/zerno-coffee-kenya"
SECTION = "https://novyny.example.com.ua/ekonomika/"
ARTICLES = "https://novyny.example.com.ua/ekonomika/2026/11/"
INTERNAL = "This address is inside your network; smmdesk only reads public sites."


def fetch(config, cursor="", since=None):
    return WebPageSource().fetch(config=config, secret="", cursor=cursor, since=since)


def listing(max_articles=2):
    return WebPageSource().validate({"url": SECTION, "links": True, "max": max_articles})


def test_it_is_the_registered_web_page_source():
    assert isinstance(registry.get("webpage"), WebPageSource)


def test_it_extracts_the_article_text_of_a_page(contract):
    contract("sources:webpage", "page.post")
    batch = fetch({"url": POST})
    [item] = batch.items
    assert item.title == "Обзор: кенийский кофе от Zerno Coffee"
    assert item.text.startswith("Обзор: кенийский кофе от Zerno Coffee\nКиевская обжарка")
    assert "бразильский лот" in item.text
    assert "Все права защищены" not in item.text and "Рецепты" not in item.text  # no chrome
    assert (item.author, item.language, item.kind) == ("Ирина Соколова", "ru", "article")
    assert item.published_at == datetime(2026, 11, 18, 7, 30, tzinfo=UTC)
    assert item.url == POST
    assert batch.cursor and item.external_id == f"{POST}#{batch.cursor[:12]}"


def test_an_unchanged_page_brings_nothing(contract):
    contract("sources:webpage", "page.post", "page.post")
    first = fetch({"url": POST})
    again = fetch({"url": POST}, cursor=first.cursor)
    assert again.items == [] and again.cursor == ""


def test_a_changed_page_brings_one_new_item_dated_now(contract):
    contract("sources:webpage", "page.post", "page.post_updated")
    first = fetch({"url": POST})
    changed = fetch({"url": POST}, cursor=first.cursor)
    [item] = changed.items
    assert "Обновлено 20 ноября" in item.text
    assert item.external_id != first.items[0].external_id
    assert changed.cursor != first.cursor
    assert datetime.now(UTC) - item.published_at < timedelta(minutes=1)


def test_the_charset_comes_from_the_page_when_the_server_names_none(contract):
    contract("sources:webpage", "page.post_no_charset")
    [item] = fetch({"url": POST}).items
    assert item.title == "Обзор: кенийский кофе от Zerno Coffee"


def test_too_many_requests_is_transient(contract):
    contract("sources:webpage", "page.rate_limited")
    with pytest.raises(SourceError) as caught:
        fetch({"url": POST})
    assert caught.value.transient and caught.value.retry_after == 300.0


def test_a_missing_page_is_not_transient(contract):
    contract("sources:webpage", "page.not_found")
    with pytest.raises(SourceError) as caught:
        fetch({"url": POST})
    assert not caught.value.transient and "404" in str(caught.value)


def test_it_follows_a_redirect_itself(contract):
    transport = contract("sources:webpage", "page.moved", "page.post")
    [item] = fetch({"url": "https://kofe-blog.example.ru/p/1842"}).items
    assert str(transport.requests[1].url) == POST
    assert item.url == "https://kofe-blog.example.ru/p/1842"


def test_a_redirect_to_an_internal_address_is_refused(contract):
    transport = contract("sources:webpage", "page.redirect_internal")
    with pytest.raises(SourceError) as caught:
        fetch({"url": "https://kofe-blog.example.ru/go"})
    assert len(transport.requests) == 1 and caught.value.transient


def test_it_stops_after_three_redirects(contract):
    transport = contract("sources:webpage", *["page.loop"] * 4)
    with pytest.raises(SourceError) as caught:
        fetch({"url": "https://kofe-blog.example.ru/loop"})
    assert "too many redirects" in str(caught.value)
    assert len(transport.requests) == 4


def test_probe_describes_the_page(contract):
    contract("sources:webpage", "page.post")
    assert WebPageSource().probe({"url": POST}).startswith(
        "Web page “Обзор: кенийский кофе от Zerno Coffee”, ")


def test_probe_says_when_a_page_has_no_text(contract):
    contract("sources:webpage", "page.app_shell")
    with pytest.raises(SourceError) as caught:
        WebPageSource().probe({"url": "https://brewclub.example.com/"})
    assert str(caught.value) == "smmdesk found no readable text on this page."


def test_probe_sends_a_feed_to_the_feed_source(contract):
    contract("sources:webpage", "page.is_feed")
    with pytest.raises(SourceError) as caught:
        WebPageSource().probe({"url": "https://kofe-blog.example.ru/feed/"})
    assert "add it as a feed source" in str(caught.value)


def test_probe_counts_the_article_links_of_a_listing(contract):
    contract("sources:webpage", "listing.section")
    assert WebPageSource().probe(listing()) == "Web page with 4 article links"


def test_a_first_listing_run_reads_the_newest_and_marks_the_rest_seen(contract):
    contract("sources:webpage", "listing.section", "article.kava", "article.zerno")
    batch = fetch(listing(2))
    assert [i.external_id for i in batch.items] == [
        ARTICLES + "20/kava-podorozhchala", ARTICLES + "19/zerno-coffee-druha-kaviarnia"]
    kava = batch.items[0]
    assert kava.title == "Кава подорожчала на 12% за місяць"
    assert (kava.author, kava.language) == ("Олена Коваль", "uk")
    assert kava.published_at == datetime(2026, 11, 20, 7, 15, tzinfo=UTC)
    assert "Новини України. Усі права захищено" not in kava.text
    assert len(json.loads(batch.cursor)["links"]) == 4 and not batch.more


def test_a_later_listing_run_reads_only_new_articles(contract):
    contract("sources:webpage", "listing.section", "article.kava", "article.zerno",
             "listing.section_later", "article.nova")
    first = fetch(listing(2))
    later = fetch(listing(2), cursor=first.cursor)
    assert [i.url for i in later.items] == [ARTICLES + "21/nova-kaviarnia-livyi-bereh"]
    assert len(json.loads(later.cursor)["links"]) == 5


def test_articles_left_over_come_in_the_next_run(contract):
    contract("sources:webpage", "listing.section", "article.kava", "article.zerno",
             "listing.section", "article.eksport_gone", "article.orenda")
    first = fetch(listing(2), cursor=json.dumps({"links": []}))
    assert len(first.items) == 2 and first.more
    rest = fetch(listing(2), cursor=first.cursor)
    # the removed article is settled (not asked for again), the other one read
    assert [i.external_id for i in rest.items] == [
        "https://www.novyny.example.com.ua/ekonomika/2026/11/17/orenda-kyiv"]
    assert not rest.more
    assert short_hash(ARTICLES + "18/eksport-kavy") in json.loads(rest.cursor)["links"]


def test_a_transient_failure_leaves_the_article_for_later(contract):
    contract("sources:webpage", "listing.section", "article.eksport_rate_limited",
             "listing.section", "article.eksport", "article.orenda")
    cursor = json.dumps({"links": [short_hash(ARTICLES + "20/kava-podorozhchala"),
                                   short_hash(ARTICLES + "19/zerno-coffee-druha-kaviarnia")]})
    batch = fetch(listing(2), cursor=cursor)
    assert batch.items == [] and not batch.more
    assert short_hash(ARTICLES + "18/eksport-kavy") not in json.loads(batch.cursor)["links"]
    later = fetch(listing(2), cursor=batch.cursor)
    assert [i.title for i in later.items] == ["Експорт кави виріс удвічі",
                                              "Оренда кав’ярень у Києві: ціни"]


def test_since_leaves_out_older_articles(contract):
    contract("sources:webpage", "listing.section", "article.kava", "article.zerno")
    batch = fetch(listing(2), since=datetime(2026, 11, 20, tzinfo=UTC))
    assert [i.title for i in batch.items] == ["Кава подорожчала на 12% за місяць"]


def test_validate_refuses_an_internal_address(fake_dns):
    fake_dns.names["wiki.zerno.example"] = ["10.1.2.3"]
    for url in ("https://wiki.zerno.example/news", "https://192.168.0.1/", "http://localhost/"):
        with pytest.raises(SourceError) as caught:
            WebPageSource().validate({"url": url})
        assert str(caught.value) == INTERNAL


def test_validate_normalises_the_listing_settings():
    assert WebPageSource().validate({"url": "novyny.example.com.ua/ekonomika/"}) == {
        "url": SECTION, "links": False}
    assert listing(50)["max"] == 10 and listing(0)["max"] == 1
    assert WebPageSource().validate({"url": SECTION, "links": "on"}) == {
        "url": SECTION, "links": True, "max": 5}
    with pytest.raises(SourceError):
        WebPageSource().validate({"url": SECTION, "links": True, "max": "many"})
