"""The Bluesky listening source against recorded XRPC answers
(tests/sources/fixtures/bluesky/)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from smmdesk.sources import bluesky
from smmdesk.sources.base import ACCOUNT, SEARCH, SourceError
from smmdesk.sources.registry import get

BS = "sources:bluesky"
SEARCH_CONFIG = {"q": "Зерно OR Zerno", "login": "@Olena.bsky.social"}
PASSWORD = "abcd-efgh-ijkl-mnop"
PDS = "https://amanita.us-east.host.bsky.network"


@pytest.fixture(autouse=True)
def _no_cached_sessions():
    bluesky._sessions.clear()
    yield
    bluesky._sessions.clear()


@pytest.fixture
def source():
    return get("bluesky")


def _texts(batch):
    return [i.text for i in batch.items]


# -- validate ---------------------------------------------------------------------


def test_validate_normalises_handles_and_modes(source):
    assert source.validate({"handle": "@Zerno.bsky.social"}) == {
        "mode": ACCOUNT, "handle": "zerno.bsky.social"}
    assert source.validate({"handle": "https://bsky.app/profile/zerno.bsky.social"})[
        "handle"] == "zerno.bsky.social"
    assert source.validate({"handle": "did:plc:zrn6cfq2k4w7x3ybmd5hta4e"})["handle"] == \
        "did:plc:zrn6cfq2k4w7x3ybmd5hta4e"
    assert source.validate({**SEARCH_CONFIG, "service": "pds.zerno.coffee"}) == {
        "mode": SEARCH, "q": "Зерно OR Zerno", "login": "olena.bsky.social",
        "service": "https://pds.zerno.coffee"}


@pytest.mark.parametrize("handle", ["zerno", "zerno..bsky.social", "@@zerno", "",
                                    "https://bsky.app/profile/", "zerno.bsky.social/post"])
def test_validate_refuses_bad_handles(source, handle):
    with pytest.raises(SourceError) as exc:
        source.validate({"mode": ACCOUNT, "handle": handle})
    assert "is not a handle" in exc.value.message


def test_validate_refuses_an_internal_server_address(source, fake_dns):
    fake_dns.names["pds.lan.test"] = ["10.0.0.7"]
    with pytest.raises(SourceError) as exc:
        source.validate({**SEARCH_CONFIG, "service": "https://pds.lan.test"})
    assert "could not reach the server" in exc.value.message


def test_validate_refuses_an_empty_query(source):
    with pytest.raises(SourceError):
        source.validate({"mode": SEARCH, "q": "   "})


# -- search -----------------------------------------------------------------------


def test_search_signs_in_and_asks_the_accounts_pds(source, contract):
    transport = contract(BS, "createSession.ok", "searchPosts.ok")
    batch = source.fetch(config=SEARCH_CONFIG, secret=PASSWORD, cursor="", since=None)
    search = transport.requests[1]
    assert str(search.url).startswith(f"{PDS}/xrpc/app.bsky.feed.searchPosts?")
    assert search.headers["authorization"].startswith("Bearer eyJ")
    assert _texts(batch)[0].startswith("Зерно адкрыла кавярню ў Гродне!")
    grodna, question, kenya = batch.items
    assert (grodna.media, grodna.language, grodna.author_id) == ("link", "be", "@volha.by")
    assert (grodna.likes, grodna.comments, grodna.shares) == (40, 3, 13)  # shares: reposts+quotes
    assert question.kind == "reply"
    ref = json.loads(question.reply_ref)
    assert ref["ref"] == {"uri": question.external_id, "cid": ref["ref"]["cid"]}
    assert ref["root"]["uri"].startswith("at://did:plc:zrn6cfq2k4w7x3ybmd5hta4e/")
    assert kenya.external_id == \
        "at://did:plc:4xkq2t7hw3mnvbyzrc5e6udl/app.bsky.feed.post/3n42yxspua22b"
    assert kenya.url == "https://bsky.app/profile/oksana.bsky.social/post/3n42yxspua22b"
    assert (kenya.author, kenya.media, kenya.hashtags) == ("Оксана", "album", ("кава",))
    assert kenya.published_at == datetime(2026, 12, 7, 9, 20, 11, tzinfo=UTC)
    assert kenya.network == "bluesky" and kenya.author_followers is None
    assert json.loads(kenya.reply_ref)["root"] == json.loads(kenya.reply_ref)["ref"]
    assert batch.cursor == "2026-12-07T09:20:11.000Z"


def test_next_search_overlaps_and_reuses_the_session(source, contract):
    transport = contract(BS, "createSession.ok", "searchPosts.ok", "searchPosts.next")
    first = source.fetch(config=SEARCH_CONFIG, secret=PASSWORD, cursor="", since=None)
    second = source.fetch(config=SEARCH_CONFIG, secret=PASSWORD, cursor=first.cursor,
                          since=None)
    assert len(transport.requests) == 3  # one createSession for both fetches
    assert transport.requests[2].url.params["since"] == "2026-12-07T09:10:11.000Z"
    # the post indexed late (created 09:16, before the cursor) is found; the repeat of the
    # Kenya post has the external_id it had
    assert _texts(second) == ["Кто-нибудь знает, Зерно работает 31 декабря?",
                              "Кава від «Зерна» сьогодні — просто 🔥 Фільтр Кенія: смородина "
                              "і чай. #кава",
                              "Zerno's cold brew cans finally made it to Warsaw. Not bad at all."]
    assert second.items[1].external_id == first.items[-1].external_id
    assert second.cursor == "2026-12-07T09:31:50.000Z"


def test_an_expired_session_signs_in_again_once(source, contract):
    transport = contract(BS, "createSession.ok", "searchPosts.expired", "createSession.ok",
                         "searchPosts.ok")
    bluesky._sessions.clear()
    source.fetch(config=SEARCH_CONFIG, secret=PASSWORD, cursor="", since=None)
    # the first token (cached by the first sign-in) is refused: sign in, ask again
    assert [r.url.path.rsplit("/", 1)[-1] for r in transport.requests] == [
        "com.atproto.server.createSession", "app.bsky.feed.searchPosts",
        "com.atproto.server.createSession", "app.bsky.feed.searchPosts"]


def test_search_without_a_password_tries_the_public_appview_and_says_what_is_needed(
        source, contract):
    transport = contract(BS, "searchPosts.visitor_forbidden")
    with pytest.raises(SourceError) as exc:
        source.fetch(config={"q": "Зерно OR Zerno"}, secret="", cursor="", since=None)
    assert str(transport.requests[0].url).startswith("https://public.api.bsky.app/")
    assert exc.value.auth and "app password" in exc.value.message
    assert bluesky.BlueskySource.key_modes == {SEARCH}


def test_a_password_without_a_handle(source, contract):
    contract(BS)
    with pytest.raises(SourceError) as exc:
        source.fetch(config={"q": "Зерно"}, secret=PASSWORD, cursor="", since=None)
    assert exc.value.auth and "handle of the account" in exc.value.message


def test_a_wrong_app_password(source, contract):
    contract(BS, "createSession.bad_password")
    with pytest.raises(SourceError) as exc:
        source.fetch(config=SEARCH_CONFIG, secret="wrong-pass-word-1234", cursor="", since=None)
    assert exc.value.auth and "did not accept this handle and app password" in exc.value.message


def test_rate_limit_is_transient_with_the_servers_reset(source, contract):
    contract(BS, "createSession.ok", "searchPosts.rate_limited")
    with pytest.raises(SourceError) as exc:
        source.fetch(config=SEARCH_CONFIG, secret=PASSWORD, cursor="", since=None)
    # RateLimit-Reset (epoch seconds) two minutes after the server's Date
    assert exc.value.transient and exc.value.retry_after == 120


# -- account ----------------------------------------------------------------------


def test_account_profile_and_own_posts(source, contract):
    transport = contract(BS, "getProfile.ok", "getAuthorFeed.ok")
    batch = source.fetch(config={"handle": "zerno.bsky.social"}, secret="", cursor="",
                         since=None)
    assert all(str(r.url).startswith("https://public.api.bsky.app/") for r in transport.requests)
    assert "authorization" not in transport.requests[0].headers
    account = batch.account
    assert (account.handle, account.name, account.followers, account.posts) == (
        "@zerno.bsky.social", "Zerno Coffee", 1843, 356)
    assert account.url == "https://bsky.app/profile/zerno.bsky.social"
    # the repost of Volha's post is not Zerno's own
    assert [i.media for i in batch.items] == ["text", "image", "video"]
    roast = batch.items[-1]
    assert (roast.likes, roast.comments, roast.shares) == (77, 9, 34)
    assert roast.author_followers == 1843 and roast.author_id == "@zerno.bsky.social"
    assert batch.cursor == "2026-12-07T08:00:00.000Z"


def test_account_since_leaves_older_posts_out(source, contract):
    contract(BS, "getProfile.ok", "getAuthorFeed.ok")
    batch = source.fetch(config={"handle": "zerno.bsky.social"}, secret="", cursor="",
                         since=datetime(2026, 12, 6, tzinfo=UTC))
    assert [i.media for i in batch.items] == ["image", "video"]


def test_unknown_account(source, contract):
    contract(BS, "getProfile.not_found")
    with pytest.raises(SourceError) as exc:
        source.fetch(config={"handle": "zerno-kyiv.bsky.social"}, secret="", cursor="",
                     since=None)
    assert not exc.value.transient
    assert "has no account @zerno-kyiv.bsky.social" in exc.value.message


def test_probe_names_the_account(source, contract):
    contract(BS, "getProfile.ok", "getAuthorFeed.ok")
    assert source.probe({"handle": "zerno.bsky.social"}) == \
        "Bluesky: @zerno.bsky.social, 3 recent posts"


# -- records --------------------------------------------------------------------------


@pytest.mark.parametrize(("embed", "media"), [
    (None, "text"),
    ({"$type": "app.bsky.embed.images", "images": [{}]}, "image"),
    ({"$type": "app.bsky.embed.images#view", "images": [{}, {}]}, "album"),
    ({"$type": "app.bsky.embed.gallery", "items": [{}, {}, {}]}, "album"),
    ({"$type": "app.bsky.embed.video"}, "video"),
    ({"$type": "app.bsky.embed.external#view", "external": {}}, "link"),
    ({"$type": "app.bsky.embed.record", "record": {}}, "text"),
    ({"$type": "app.bsky.embed.recordWithMedia#view",
      "media": {"$type": "app.bsky.embed.video#view"}}, "video"),
])
def test_embed_formats(embed, media):
    assert bluesky.embed_media(embed) == media


def test_a_record_that_is_not_a_post_is_no_item():
    assert bluesky.record_item(uri="at://did:plc:x/app.bsky.feed.like/3k", cid="c",
                               record={"text": "x"}) is None
    assert bluesky.record_item(uri="at://did:plc:x/app.bsky.feed.post/3k", cid="c",
                               record="broken") is None
