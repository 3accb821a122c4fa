"""Servers that speak the Mastodon API without being Mastodon (fixtures/gotosocial/*.json,
recreated from GoToSocial's documentation), and the Mastodon cases they share: a thread
resent after the hour Mastodon keeps idempotency keys, a 401 that is not about the token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from smmdesk.channels.connecting import oauth_start
from smmdesk.connectors import mastodon as mastodon_pkg
from smmdesk.connectors.base import (
    AmbiguousError,
    ChannelContext,
    Format,
    Found,
    PermanentError,
    PublishRequest,
    RemoteComment,
)
from smmdesk.connectors.mastodon import MastodonConnector, status_length
from smmdesk.connectors.mastodon.flavour import _from_version, _version
from smmdesk.lib import netguard
from smmdesk.lib.errors import InvalidInput
from smmdesk.lib.http import HttpClient
from tests.connectors.test_mastodon import (  # noqa: F401 (registered: a fixture)
    REDIRECT,
    SCOPES,
    make,
    registered,
    sent,
)

GTS = "gts.zerno.coffee"
GTS_ACCOUNT = "01HZERNOCOFFEE0000000000AA"
GTS_TOKEN = "gts-token-Zq8s0x1vJk2mN4pR6tY9wB3cE5fH7"
NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)  # two hours after the fixtures' posts
GTS_SETTINGS = {"instance": GTS, "account_id": GTS_ACCOUNT, "username": "zerno",
                "display_name": "Zerno Coffee", "default_visibility": "unlisted",
                "max_characters": 5000, "max_media_attachments": 6,
                "characters_reserved_per_url": 25, "image_size_limit": 41943040,
                "video_size_limit": 41943040, "description_limit": 5000,
                "supported_mime_types": ["image/jpeg", "image/png", "image/gif",
                                         "image/webp", "video/mp4"],
                "server_version": "0.18.3+git-2f1c5a7", "limits_from_server": True,
                "software": "gotosocial", "software_version": "0.18.3+git-2f1c5a7",
                "idempotency_keys": False, "counting": "codepoints",
                "listing_hides": ["private", "direct"], "coarse_scopes": True}
CUPPING = "Cupping on Sunday, 11:00. Bring a spoon."
THREAD = ("Three things we learned roasting for a year. A thread 🧵\n---\n"
          "1. Light roasts need rest: a week before they open up.\n\n----\n"
          "2. Water matters more than the grinder. We filter ours.\n")


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    monkeypatch.setattr(mastodon_pkg, "_now", lambda: NOW)


def gts(settings: dict | None = None) -> MastodonConnector:
    return MastodonConnector(ChannelContext(
        id=2, external_id=f"{GTS_ACCOUNT}@{GTS}", name=f"@zerno@{GTS}",
        credentials={"access_token": GTS_TOKEN},
        settings=dict(GTS_SETTINGS if settings is None else settings)), None)


# ---------------------------------------------------------------- connecting


def test_it_registers_with_coarse_scopes_where_the_granular_ones_are_refused(contract):
    transport = contract("gotosocial", "apps.create.scope_refused", "apps.create.coarse_ok")
    app = MastodonConnector.oauth_register(GTS, REDIRECT, HttpClient())
    assert app["client_id"] == "01HCLIENTZERNO0000000000AB"
    assert app["scopes"] == "read write"
    assert sent(transport, 0)[0]["scopes"] == SCOPES
    assert sent(transport, 1)[0]["scopes"] == "read write"


def test_mastodon_keeps_the_granular_scopes(contract):
    contract("mastodon", "apps.create.ok")
    app = MastodonConnector.oauth_register("mastodon.social", REDIRECT, HttpClient())
    assert "scopes" not in app  # the sign-in asks for the granular ones


def test_it_reads_the_server_software_once_when_connecting(contract):
    transport = contract("gotosocial", "accounts.verify_credentials.ok", "instance.v2.ok",
                         "nodeinfo.index", "nodeinfo.v2")
    [account] = MastodonConnector.oauth_accounts(
        {"access_token": GTS_TOKEN, "scope": "read write"}, HttpClient(), instance=GTS)
    assert account.settings == GTS_SETTINGS
    assert [r.url.path for r in transport.requests][-2:] == ["/.well-known/nodeinfo",
                                                             "/nodeinfo/2.0"]


@pytest.mark.parametrize(("version", "software"), [
    ("4.3.2", "mastodon"), ("4.1.4+glitch", "mastodon"),
    ("2.7.2 (compatible; Akkoma 3.13.2)", "akkoma"),
    ("2.7.2 (compatible; Pleroma 2.6.3)", "pleroma"),
    ("0.17.3+git-c98ec6f", "gotosocial"), ("", ""),
])
def test_without_nodeinfo_the_instance_version_names_the_software(version, software):
    assert _from_version(version)[0] == software


def test_versions_compare_by_their_numbers():
    assert _version("0.18.3+git-2f1c5a7") < (0, 19) <= _version("0.19.0-rc1")


# ---------------------------------------------------------------- publishing


def test_it_sends_the_accounts_default_visibility(contract):
    transport = contract("gotosocial", "accounts.statuses.none", "statuses.create.text_ok")
    result = gts().publish(PublishRequest(text=CUPPING, marker="m-77"))
    assert result.external_id == "01JCUPPING0000000000000001"
    assert sent(transport, 1)[0]["visibility"] == "unlisted"


def test_a_resend_on_a_server_that_ignores_the_key_finds_the_post_instead(contract):
    transport = contract("gotosocial", "accounts.statuses.already_out")
    result = gts().publish(PublishRequest(text=CUPPING, marker="m-77"))
    assert result.external_id == "01JCUPPING0000000000000001"
    assert result.raw["already_out"] == 1
    assert [r.method for r in transport.requests] == ["GET"]  # nothing posted twice


def test_a_private_thread_broken_off_there_is_not_resent_blindly(contract):
    contract("gotosocial", "statuses.create.thread_1_private", "statuses.create.server_error")
    with pytest.raises(AmbiguousError) as exc:
        gts().publish(PublishRequest(text="Members' note: next week's roast plan.\n---\nmore",
                                     format=Format.THREAD, marker="m-78",
                                     options={"visibility": "private"}))
    assert exc.value.code == "thread_incomplete"
    assert "will not resend it by itself" in exc.value.message
    assert f"https://{GTS}/@zerno/statuses/01JPRIVATE0000000000000001" in exc.value.message


def test_a_thread_resent_after_mastodons_hour_posts_only_what_is_missing(contract):
    transport = contract("mastodon", "accounts.statuses.thread_out",
                         "statuses.context.thread_out", "statuses.create.thread_3")
    result = make().publish(PublishRequest(text=THREAD, format=Format.THREAD, marker="m-9"))
    assert result.external_id == "113990000000000111"
    assert result.extra_ids == ("113990000000000112", "113990000000000113")
    assert result.raw["already_out"] == 2
    posts = [r for r in transport.requests if r.method == "POST"]
    assert [r.headers["idempotency-key"] for r in posts] == ["m-9-3"]


def test_an_old_post_with_the_same_text_is_not_taken_for_this_one(contract, monkeypatch):
    monkeypatch.setattr(mastodon_pkg, "_now", lambda: NOW + timedelta(days=3))
    contract("gotosocial", "accounts.statuses.already_out", "statuses.create.text_ok")
    result = gts().publish(PublishRequest(text=CUPPING, marker="m-79"))
    assert "already_out" not in result.raw


def test_a_reply_there_is_looked_for_before_it_is_sent(contract):
    transport = contract("gotosocial", "statuses.context.our_reply")
    comment = RemoteComment(
        external_id="01JCOMMENT0000000000000001", post_external_id="01JCUPPING0000000000000001",
        author_id="01HMARKO", author_name="Marko", text="", created_at=NOW,
        raw={"account": {"id": "01HMARKO", "acct": "marko"}, "visibility": "unlisted"})
    mine = gts().reply(comment, "Glad you like it!")
    assert mine.external_id == "01JREPLY00000000000000001"
    assert [r.method for r in transport.requests] == ["GET"]


# ---------------------------------------------------------------- find_published


@pytest.mark.parametrize("visibility", ["private", None])
def test_it_cannot_tell_from_a_listing_that_hides_the_post(contract, visibility):
    transport = contract("gotosocial")
    settings = {**GTS_SETTINGS, "default_visibility": "private"}
    options = {"visibility": visibility} if visibility else {}
    found = gts(settings).find_published(PublishRequest(text=CUPPING, options=options),
                                         since=NOW - timedelta(hours=1))
    assert found.status is Found.UNKNOWN
    assert found.note.startswith("GoToSocial does not show followers-only and direct posts")
    assert transport.requests == []


def test_mastodon_trusts_its_listing_soon_after_the_send():
    assert MastodonConnector.listing_lag == timedelta(seconds=30)


# ---------------------------------------------------------------- errors


def test_a_400_html_page_about_the_token_breaks_the_channel(contract):
    contract("gotosocial", "accounts.get.invalid_token_html")
    with pytest.raises(PermanentError) as exc:
        gts().fetch_account_metrics()
    assert exc.value.code == "token_invalid" and exc.value.channel_broken


def test_a_401_on_someone_elses_status_is_not_a_broken_channel(contract):
    contract("gotosocial", "statuses.delete.not_author")
    with pytest.raises(PermanentError) as exc:
        gts().delete("01JSOMEONEELSE000000000001")
    assert exc.value.code == "not_author" and not exc.value.channel_broken
    assert "Only its author can edit or delete it." in exc.value.message


def test_a_401_about_the_token_on_a_delete_still_breaks_the_channel(contract):
    contract("mastodon", "statuses.delete.unauthorized_token")
    with pytest.raises(PermanentError) as exc:
        make().delete("113990000000000101")
    assert exc.value.code == "token_invalid" and exc.value.channel_broken


# ---------------------------------------------------------------- length


def test_the_server_s_counting_decides_the_length():
    text = "👍🏽" * 100 + " https://zerno.coffee/" + "x" * 60
    assert status_length(text) == 100 + 1 + 23
    assert status_length(text, counting="graphemes") == 100 + 1 + 81
    assert status_length(text, counting="codepoints") == 200 + 1 + 81


def test_validate_counts_as_the_server_does():
    settings = {**GTS_SETTINGS, "max_characters": 150}
    text = "🇺🇦" * 80  # 80 graphemes, 160 code points
    codes = [i.code for i in MastodonConnector.validate(PublishRequest(text=text),
                                                        settings=settings)]
    assert codes == ["text_too_long"]
    mastodon = {**settings, "counting": "mastodon"}
    assert MastodonConnector.validate(PublishRequest(text=text), settings=mastodon) == []


def test_a_thread_is_cut_by_the_servers_count():
    connector = gts({**GTS_SETTINGS, "max_characters": 30})
    parts = connector._parts(PublishRequest(text="🇺🇦 " * 12, format=Format.THREAD))
    assert all(len(p) <= 30 for p in parts) and len(parts) == 2


# ---------------------------------------------------------------- plain http


def test_plain_http_is_refused_without_the_development_switch(monkeypatch):
    monkeypatch.delenv("SMMDESK_ALLOW_PLAIN_HTTP_PRIVATE", raising=False)
    connector = gts({**GTS_SETTINGS, "scheme": "http"})
    assert connector._scheme() == "https"


def test_plain_http_is_used_for_a_lab_server_when_the_deployment_allows_it(monkeypatch):
    monkeypatch.setenv("SMMDESK_ALLOW_PLAIN_HTTP_PRIVATE", "1")
    connector = MastodonConnector._for("http://10.0.0.7:8080", "", HttpClient())
    assert connector._instance() == "10.0.0.7:8080" and connector._scheme() == "http"
    assert netguard.plain_http_allowed()


@pytest.mark.django_db
@pytest.mark.usefixtures("registered")
def test_an_http_address_is_refused_with_a_clear_message(contract, monkeypatch):
    monkeypatch.delenv("SMMDESK_ALLOW_PLAIN_HTTP_PRIVATE", raising=False)
    transport = contract("mastodon")
    with pytest.raises(InvalidInput) as exc:
        oauth_start(kind="mastodon", redirect_uri=REDIRECT, instance="http://10.0.0.7:8080")
    assert exc.value.code == "instance_plain_http"
    assert "over https only" in exc.value.message
    assert transport.requests == []



@pytest.mark.django_db
@pytest.mark.usefixtures("registered")
def test_a_server_that_refuses_fine_scopes_signs_in_with_coarse_ones(contract):
    """GoToSocial knows only ``read`` and ``write``: the app is registered again with
    them, and the sign-in page asks for what the app was registered with."""
    from urllib.parse import parse_qs, urlparse

    from smmdesk.channels.models import OAuthApp

    contract("gotosocial", "apps.create.scope_refused", "apps.create.coarse_ok")
    url, _pending = oauth_start(kind="mastodon", redirect_uri=REDIRECT,
                                instance="gts.zerno.coffee")
    assert parse_qs(urlparse(url).query)["scope"] == ["read write"]
    assert OAuthApp.objects.get(kind="mastodon").scopes == "read write"
    oauth_start(kind="mastodon", redirect_uri=REDIRECT, instance="gts.zerno.coffee")  # kept


@pytest.mark.django_db
@pytest.mark.usefixtures("registered")
def test_a_lab_server_over_plain_http_signs_in_where_the_deployment_allows_it(monkeypatch):
    """Development only: the app is registered and the sign-in page opened over http on
    the private address, never elsewhere."""
    import copy
    from urllib.parse import urlparse

    from smmdesk.lib import http as http_lib
    from tests.connectors.contract import FixtureTransport, load_fixture

    monkeypatch.setenv("SMMDESK_ALLOW_PLAIN_HTTP_PRIVATE", "1")
    fixture = copy.deepcopy(load_fixture("mastodon", "apps.create.ok"))
    fixture["request"]["url"] = "http://10.0.0.7:8080/api/v1/apps"
    transport = FixtureTransport([fixture])
    http_lib.set_transport_factory(lambda: transport)
    url, pending = oauth_start(kind="mastodon", redirect_uri=REDIRECT,
                               instance="http://10.0.0.7:8080/")
    assert url.startswith("http://10.0.0.7:8080/oauth/authorize?")
    assert pending["instance"] == "http://10.0.0.7:8080"
    assert urlparse(str(transport.requests[0].url)).scheme == "http"
