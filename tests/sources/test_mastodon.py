"""The Mastodon listening source against recorded answers of the Mastodon API
(tests/sources/fixtures/mastodon/)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from smmdesk.lib import http as http_lib
from smmdesk.sources import mastodon
from smmdesk.sources.base import ACCOUNT, FEED, SEARCH, SourceError
from smmdesk.sources.registry import get

M = "sources:mastodon"
TAG = {"mode": FEED, "server": "mastodon.social", "tag": "#кофе"}
# The ids of the recorded statuses (snowflakes of their times).
A, B, C, D, E, F = ("117744262840324011", "117744216375298203", "117744158965760991",
                    "117740981452800077", "117744308846595120", "117744249733121500")
Z1, Z2, Z3, Z4 = ("117743969894400011", "117740312985600012", "117733176115200013",
                  "117727926681600014")
# Remote statuses keep their home server's id in their uri.
A_URI, D_URI, F_URI = "113744264937400001", "113740000000000077", "113744250000001500"


@pytest.fixture
def source():
    return get("mastodon")


def _ids(batch):
    return [i.external_id.rsplit("/", 1)[-1] for i in batch.items]


# -- validate ---------------------------------------------------------------------


def test_validate_normalises_each_mode(source):
    assert source.validate({"server": " HTTPS://Mastodon.Social/ ", "tag": "#кофе"}) == {
        "mode": FEED, "server": "mastodon.social", "tag": "кофе"}
    assert source.validate({"server": "mastodon.social", "timeline": "Local"}) == {
        "mode": FEED, "server": "mastodon.social", "timeline": "local"}
    assert source.validate({"server": "mastodon.social", "q": "  Зерно   кава "}) == {
        "mode": SEARCH, "server": "mastodon.social", "q": "Зерно кава"}
    # An account is read on its own server unless another is named.
    assert source.validate({"acct": "@zerno@Mastodon.Social"}) == {
        "mode": ACCOUNT, "server": "mastodon.social", "acct": "zerno@mastodon.social"}
    assert source.validate({"acct": "https://fosstodon.org/@markw"})["server"] == "fosstodon.org"
    assert source.validate({"server": "xn--80aaahbo2bhb.xn--p1ai", "acct": "zerno"})["acct"] == \
        "zerno"
    # IDN server names become punycode.
    assert source.validate({"server": "кава.укр", "tag": "кава"})["server"] == \
        "xn--80aaf4a.xn--j1amh"


@pytest.mark.parametrize("server", ["mastodon social", "https://mastodon.social/about",
                                    "http://mastodon.social", "zerno@mastodon.social", "",
                                    "-bad-.social"])
def test_validate_refuses_what_is_not_a_server_name(source, server):
    with pytest.raises(SourceError) as exc:
        source.validate({"server": server, "tag": "кофе"})
    assert "is not a server name" in exc.value.message


@pytest.mark.parametrize("server", ["10.0.0.5", "127.0.0.1", "169.254.169.254",
                                    "mastodon.internal.test"])
def test_validate_refuses_internal_addresses_like_unreachable_ones(source, fake_dns, server):
    fake_dns.names["mastodon.internal.test"] = ["192.168.1.20"]
    with pytest.raises(SourceError) as exc:
        source.validate({"server": server, "tag": "кофе"})
    assert "could not reach the server" in exc.value.message


@pytest.mark.parametrize("acct", ["zerno@", "@", "zer no@mastodon.social",
                                  "https://mastodon.social/users/zerno/statuses/1"])
def test_validate_refuses_bad_account_addresses(source, acct):
    with pytest.raises(SourceError) as exc:
        source.validate({"server": "mastodon.social", "acct": acct})
    assert "is not an account address" in exc.value.message


@pytest.mark.parametrize("config", [{"tag": "два слова"}, {"tag": "#"}, {"timeline": "home"},
                                    {"mode": SEARCH, "q": "  "}, {"mode": "trends"}])
def test_validate_refuses_bad_feeds_and_queries(source, config):
    with pytest.raises(SourceError):
        source.validate({"server": "mastodon.social", **config})


# -- feed -------------------------------------------------------------------------


def test_tag_feed_parses_statuses(source, contract):
    contract(M, "tag.first")
    batch = source.fetch(config=TAG, secret="", cursor="", since=None)
    assert _ids(batch) == [D_URI, C, B, A_URI]
    assert batch.cursor == A and not batch.more
    oksana = batch.items[-1]
    assert oksana.external_id == \
        "https://mastodon.online/users/oksana_brew/statuses/113744264937400001"
    assert oksana.url == "https://mastodon.online/@oksana_brew/113744264937400001"
    assert oksana.text.startswith("Нарешті дійшла до «Зерна» на Подолі")
    assert oksana.text.endswith("#кофе #кава") and "<" not in oksana.text
    assert oksana.published_at == datetime(2026, 12, 7, 9, 14, 30, tzinfo=UTC)
    assert (oksana.author, oksana.author_id) == ("Оксана ☕", "@oksana_brew@mastodon.online")
    assert oksana.author_url == "https://mastodon.online/@oksana_brew"
    assert oksana.author_followers == 412 and oksana.language == "uk"
    assert (oksana.likes, oksana.shares, oksana.comments) == (14, 3, 2)
    assert oksana.media == "album" and oksana.hashtags == ("кофе", "кава")
    assert oksana.network == "mastodon" and oksana.reply_ref == oksana.external_id
    by_id = {i.external_id.rsplit("/", 1)[-1]: i for i in batch.items}
    assert by_id[B].media == "link" and by_id[B].author_id == "@lena_kofe@mastodon.social"
    assert by_id[C].media == "video" and by_id[C].language == "be"


def test_first_fetch_keeps_only_what_is_newer_than_since(source, contract):
    contract(M, "tag.first")
    batch = source.fetch(config=TAG, secret="", cursor="",
                         since=datetime(2026, 12, 7, tzinfo=UTC))
    assert _ids(batch) == [C, B, A_URI]
    assert batch.cursor == A  # the cursor still moves past what was left out


def test_next_fetch_asks_from_the_cursor_less_the_overlap(source, contract):
    transport = contract(M, "tag.next")
    batch = source.fetch(config=TAG, secret="", cursor=A, since=None)
    # ten minutes of snowflake ids (ms << 16) below the cursor: F federated late, with an
    # id older than A's, and is found; A comes again with the same external_id.
    assert transport.requests[0].url.params["since_id"] == str(int(A) - (600_000 << 16))
    assert _ids(batch) == [F_URI, A_URI, E]
    assert batch.cursor == E
    warned = batch.items[-1]
    assert warned.text.startswith("[кофе, жалоба] Честно: в Зерно на Подоле")


def test_cursor_never_moves_back(source, contract):
    contract(M, "public.local")  # answers statuses older than the cursor (the overlap)
    newer = str(int(E) + 1)
    batch = source.fetch(config={"server": "mastodon.social", "timeline": "local"}, secret="",
                         cursor=newer, since=None)
    assert len(batch.items) == 2 and batch.cursor == newer


def test_pages_follow_the_link_header(source, contract, monkeypatch):
    monkeypatch.setattr(mastodon, "PAGE", 2)
    transport = contract(M, "tag.paged_1", "tag.paged_2")
    batch = source.fetch(config=TAG, secret="", cursor=B, since=None)
    assert transport.requests[1].url.params["max_id"] == A
    assert len(batch.items) == 3 and batch.cursor == E


def test_local_timeline(source, contract):
    contract(M, "public.local")
    batch = source.fetch(config={"server": "mastodon.social", "timeline": "local"}, secret="",
                         cursor="", since=None)
    assert _ids(batch) == [C, B]


def test_timeline_closed_to_visitors_asks_for_a_token(source, contract):
    contract(M, "public.unauthorized")
    with pytest.raises(SourceError) as exc:
        source.fetch(config={"server": "mastodon.social", "timeline": "public"}, secret="",
                     cursor="", since=None)
    assert exc.value.auth and not exc.value.transient
    assert "only to signed-in users" in exc.value.message


# -- search -----------------------------------------------------------------------


def test_search_without_a_token_says_so_and_asks_nothing(source, contract):
    transport = contract(M)
    with pytest.raises(SourceError) as exc:
        source.fetch(config={"server": "mastodon.social", "q": "Зерно"}, secret="", cursor="",
                     since=None)
    assert exc.value.auth and "access token" in exc.value.message
    assert transport.requests == []
    assert mastodon.MastodonSource.key_modes == {SEARCH}


def test_search_with_a_token(source, contract):
    transport = contract(M, "search.ok")
    batch = source.fetch(config={"server": "mastodon.social", "q": "Зерно"},
                         secret="tok-zerno-1234", cursor="", since=None)
    assert transport.requests[0].headers["authorization"] == "Bearer tok-zerno-1234"
    # the followers-only post the token may see is not listening material
    assert [i.text for i in batch.items] == [
        "Zerno coffee roasters ship to Poland now, ordered the Guji.",
        "Зерно открыли третью кофейню, теперь на Оболони. Кто был?"]
    assert batch.cursor == "117744186163200005"


def test_search_cursor_asks_min_id_less_the_overlap(source, contract):
    transport = contract(M, "search.unauthorized")
    with pytest.raises(SourceError):
        source.fetch(config={"server": "mastodon.social", "q": "Зерно"}, secret="tok-1234",
                     cursor="117744186163200005", since=None)
    assert transport.requests[0].url.params["min_id"] == \
        str(117744186163200005 - (600_000 << 16))


def test_search_with_a_revoked_token(source, contract):
    contract(M, "search.unauthorized")
    with pytest.raises(SourceError) as exc:
        source.fetch(config={"server": "mastodon.social", "q": "Зерно"}, secret="old-token",
                     cursor="", since=None)
    assert exc.value.auth and "no longer accepts" in exc.value.message


def test_rate_limit_is_transient_with_the_servers_reset(source, contract):
    contract(M, "search.rate_limited")
    with pytest.raises(SourceError) as exc:
        source.fetch(config={"server": "mastodon.social", "q": "Зерно"}, secret="tok-1234",
                     cursor="", since=None)
    # X-RateLimit-Reset 09:35:00 against the server's Date 09:30:00, whatever our clock says
    assert exc.value.transient and exc.value.retry_after == 300
    assert "300 seconds" in exc.value.message


# -- account ----------------------------------------------------------------------


def test_account_posts_and_figures(source, contract):
    transport = contract(M, "lookup.ok", "account.statuses")
    batch = source.fetch(config={"acct": "zerno@mastodon.social"}, secret="", cursor="",
                         since=None)
    # an account of the server asked is looked up by its local name
    assert transport.requests[0].url.params["acct"] == "zerno"
    account = batch.account
    assert (account.handle, account.followers, account.posts) == (
        "@zerno@mastodon.social", 1843, 356)
    assert account.url == "https://mastodon.social/@zerno"
    assert _ids(batch) == [Z3, Z2, Z1]
    roast, cupping, beans = batch.items
    assert (roast.media, roast.likes, roast.shares, roast.comments) == ("video", 77, 30, 9)
    assert (cupping.media, beans.media) == ("text", "image")
    assert beans.author_followers == 1843 and batch.cursor == Z1


def test_account_rereads_back_to_what_it_saw(source, contract, monkeypatch):
    monkeypatch.setattr(mastodon, "PAGE", 2)
    transport = contract(M, "lookup.ok", "account.page_1", "account.page_2")
    batch = source.fetch(config={"acct": "zerno@mastodon.social"}, secret="", cursor=Z3,
                         since=None)
    # page 2 reaches Z3, the newest post of the last fetch: no third page is asked for,
    # and the posts already known come again with today's counts.
    assert len(transport.requests) == 3
    assert _ids(batch) == [Z4, Z3, Z2, Z1] and batch.cursor == Z1


def test_unknown_account(source, contract):
    contract(M, "lookup.not_found")
    with pytest.raises(SourceError) as exc:
        source.fetch(config={"server": "mastodon.social", "acct": "zerno_kyiv"}, secret="",
                     cursor="", since=None)
    assert not exc.value.transient and "has no account zerno_kyiv" in exc.value.message


# -- probe ------------------------------------------------------------------------


def test_probe_reads_the_instance_and_one_batch(source, contract):
    contract(M, "instance.v2.ok", "tag.first")
    assert source.probe(TAG) == "Mastodon 4.5.2 at mastodon.social: 4 posts"


def test_probe_of_a_server_that_is_not_mastodon(source, contract):
    contract(M, "instance.v2.not_found", "instance.v1.not_found")
    with pytest.raises(SourceError) as exc:
        source.probe({"server": "shop.zerno.coffee", "tag": "кава"})
    assert "does not look like a Mastodon server" in exc.value.message


class _Refused(httpx.BaseTransport):
    def handle_request(self, request):
        raise httpx.ConnectError("refused", request=request)


def test_unreachable_server_is_transient(source):
    http_lib.set_transport_factory(_Refused)
    with pytest.raises(SourceError) as exc:
        source.fetch(config=TAG, secret="", cursor="", since=None)
    assert exc.value.transient and "could not be reached" in exc.value.message


def test_a_server_that_turned_internal_after_saving_is_not_called(source, contract, fake_dns):
    transport = contract(M)
    config = source.validate(TAG)
    fake_dns.names["mastodon.social"] = ["10.0.0.5"]
    with pytest.raises(SourceError) as exc:
        source.fetch(config=config, secret="", cursor="", since=None)
    # refused by the address guard before any request, and told like an unreachable server
    assert transport.requests == []
    assert exc.value.transient and "could not be reached" in exc.value.message
