"""Instagram (Business Discovery) source against the recorded contract
(fixtures/instagram/*.json)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from smmdesk.sources import registry
from smmdesk.sources.base import ACCOUNT, SourceError
from smmdesk.sources.instagram import InstagramSource

TOKEN = "EAAZernoPageToken0123456789abcdefZZ"
OURS = "17841405309211844"
APP_SECRET = "f00dfacecafe0123456789abcdef0123"
SOURCE = InstagramSource()


@pytest.fixture(autouse=True)
def _no_app_by_default(monkeypatch):
    monkeypatch.delenv("SMMDESK_FACEBOOK_CLIENT_SECRET", raising=False)
    monkeypatch.delenv("SMMDESK_FACEBOOK_CLIENT_SECRET_FILE", raising=False)


def fetch(username: str, cursor: str = "", since: datetime | None = None):
    return SOURCE.fetch(config={"ig_user_id": OURS, "username": username}, secret=TOKEN,
                        cursor=cursor, since=since)


def test_it_is_registered_for_competitors_only():
    source = registry.get("instagram")
    assert isinstance(source, InstagramSource)
    assert source.modes == {ACCOUNT}
    assert [f.name for f in source.fields] == ["username", "ig_user_id"]


# ---------------------------------------------------------------- validate


@pytest.mark.parametrize("typed", [
    "@zerno.coffee", "zerno.coffee", "Zerno.Coffee", "instagram.com/zerno.coffee",
    "https://www.instagram.com/zerno.coffee/", "https://instagram.com/zerno.coffee?igsh=abc",
])
def test_it_normalises_a_username(typed):
    assert SOURCE.validate({"ig_user_id": OURS, "username": typed}) == {
        "mode": ACCOUNT, "ig_user_id": OURS, "username": "zerno.coffee"}


@pytest.mark.parametrize(("config", "words"), [
    ({"ig_user_id": OURS, "username": ""}, "competitor's Instagram username"),
    ({"ig_user_id": OURS, "username": "https://www.instagram.com/p/DZerno01x/"}, "a post"),
    ({"ig_user_id": OURS, "username": "https://t.me/zerno"}, "not an Instagram"),
    ({"ig_user_id": OURS, "username": "zerno coffee"}, "up to 30 letters"),
    ({"ig_user_id": "", "username": "zerno.coffee"}, "connected Instagram accounts"),
    ({"mode": "search", "ig_user_id": OURS, "username": "zerno"}, "competitor's account"),
])
def test_it_refuses_bad_settings_with_a_message(config, words):
    with pytest.raises(SourceError, match=words):
        SOURCE.validate(config)


def test_it_needs_the_connected_accounts_token():
    with pytest.raises(SourceError, match="connected Instagram account") as caught:
        SOURCE.fetch(config={"ig_user_id": OURS, "username": "zerno"}, secret="", cursor="",
                     since=None)
    assert caught.value.auth


# ---------------------------------------------------------------- account


def test_it_reads_the_accounts_figures_and_posts(contract):
    transport = contract("sources:instagram", "discovery.first")
    batch = fetch("@zerno.coffee")

    assert batch.account.handle == "@zerno.coffee"
    assert batch.account.name == "Zerno Coffee"
    assert batch.account.url == "https://www.instagram.com/zerno.coffee/"
    assert (batch.account.followers, batch.account.posts) == (18400, 612)
    assert len(batch.items) == 25
    album = batch.items[0]
    assert album.external_id == "18040000000001000"
    assert album.url == "https://www.instagram.com/p/DZerno00x/"
    assert album.text.startswith("Новий лот у Зерні")
    assert album.hashtags == ("зерно", "specialtycoffee")
    assert album.published_at == datetime(2026, 2, 3, 12, 0, tzinfo=UTC)
    assert (album.likes, album.comments) == (120, 3)
    assert (album.media, album.kind) == ("album", "post")
    assert (album.author, album.author_id, album.author_followers) == (
        "Zerno Coffee", "@zerno.coffee", 18400)
    assert album.network == "" and album.reply_ref == ""  # we cannot answer on their posts
    assert batch.items[2].likes is None  # hidden by the owner: no like_count
    reel = batch.items[3]
    assert (reel.media, reel.kind) == ("video", "video")
    assert batch.items[1].media == "image"
    # no lower bound on a first fetch without "since": the newest page only
    assert not batch.more
    assert json.loads(batch.cursor) == {"last": 1770120000}
    assert TOKEN not in str(transport.requests[0].url.path)
    assert "appsecret_proof" not in transport.requests[0].url.params


def test_it_pages_back_to_the_last_sweep_with_media_after(contract):
    contract("sources:instagram", "discovery.first", "discovery.older")
    since = datetime.fromtimestamp(1767100000, UTC)
    first = fetch("zerno.coffee", since=since)
    assert first.more  # a full page with an "after" cursor

    second = fetch("zerno.coffee", cursor=first.cursor)
    # "Zerno Coffee: our first roast" (1767000000) is before since: the sweep ends
    assert [i.external_id for i in second.items] == ["18039000000000500"]
    assert second.items[0].text.startswith("Зерно відкрилося на Оболоні")
    assert not second.more
    assert json.loads(second.cursor) == {"last": 1770120000}


def test_the_newest_page_comes_back_whole_so_counts_stay_current(contract):
    contract("sources:instagram", "discovery.small")
    batch = fetch("kavalab.kyiv", cursor=json.dumps({"last": 1770100000}))
    assert [i.external_id for i in batch.items] == ["17990000000000002", "17990000000000001"]
    assert batch.items[1].text == "" and batch.items[1].likes is None
    assert batch.items[0].author == "@kavalab.kyiv"  # no display name: the handle
    assert not batch.more  # a short page is the last one
    assert json.loads(batch.cursor) == {"last": 1770100000}


def test_it_signs_the_token_when_the_app_secret_is_set(contract, monkeypatch):
    monkeypatch.setenv("SMMDESK_FACEBOOK_CLIENT_SECRET", APP_SECRET)
    transport = contract("sources:instagram", "discovery.small")
    fetch("kavalab.kyiv")
    proof = hmac.new(APP_SECRET.encode(), TOKEN.encode(), hashlib.sha256).hexdigest()
    assert transport.requests[0].url.params["appsecret_proof"] == proof


# ---------------------------------------------------------------- errors


def test_a_personal_account_is_said_to_have_no_figures(contract):
    contract("sources:instagram", "discovery.not_business")
    with pytest.raises(SourceError, match="only for business and creator accounts") as caught:
        fetch("olena.personal")
    assert not caught.value.transient and not caught.value.auth
    assert "@olena.personal" in str(caught.value.message)


@pytest.mark.parametrize(("fixture", "auth", "transient", "wait", "words"), [
    ("discovery.token_expired", True, False, None, "Session has expired"),
    ("discovery.no_permission", True, False, None, "does not have permission"),
    ("discovery.app_limit", False, True, 600.0, "slow down"),
    ("discovery.user_limit", False, True, 720.0, "slow down"),
])
def test_it_classifies_graph_api_errors(contract, fixture, auth, transient, wait, words):
    contract("sources:instagram", fixture)
    with pytest.raises(SourceError, match=words) as caught:
        fetch("zerno.coffee")
    assert caught.value.auth is auth
    assert caught.value.transient is transient
    assert caught.value.retry_after == wait
    assert ("Reconnect it under Channels" in str(caught.value.message)) is auth


def test_a_normalised_config_validates_to_itself():
    once = SOURCE.validate({"ig_user_id": OURS, "username": "https://instagram.com/Zerno.Coffee"})
    assert SOURCE.validate(once) == once
