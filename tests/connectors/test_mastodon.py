"""Mastodon connector against the recorded REST API contract (fixtures/mastodon/*.json)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from smmdesk.channels.connecting import oauth_finish, oauth_start
from smmdesk.channels.models import OAuthApp
from smmdesk.connectors import mastodon, registry
from smmdesk.connectors.base import (
    AmbiguousError,
    ChannelContext,
    Format,
    Found,
    MediaFile,
    MediaKind,
    PermanentError,
    PublishRequest,
    RemoteComment,
    TransientError,
)
from smmdesk.connectors.mastodon import (
    MastodonConnector,
    grapheme_count,
    plain_text,
    status_length,
    thread_parts,
)
from smmdesk.connectors.oauth import challenge
from smmdesk.connectors.webhooks import WebhookRequest
from smmdesk.lib import http as http_lib
from smmdesk.lib.errors import InvalidInput
from smmdesk.lib.http import HttpClient
from tests.connectors.contract import FixtureTransport, load_fixture, request_body
from tests.files import mp4_bytes, png_bytes

TOKEN = "kT9vQ2xLmR7pW4sN8bJ1cF6hD3gY5uZ0aE-oI_tXqVw"
ACCOUNT_ID = "109364578211234567"
REDIRECT = "https://desk.example.com/oauth/mastodon/callback/"
SCOPES = "read:accounts read:statuses read:notifications read:search write:statuses write:media"
MIME_TYPES = ["image/jpeg", "image/png", "image/gif", "image/heic", "image/heif", "image/webp",
              "image/avif", "video/webm", "video/mp4", "video/quicktime", "video/ogg"]
SETTINGS = {"instance": "mastodon.social", "account_id": ACCOUNT_ID, "username": "zernocoffee",
            "display_name": "Zerno Coffee", "default_visibility": "public",
            "max_characters": 500, "max_media_attachments": 4, "characters_reserved_per_url": 23,
            "image_size_limit": 16777216, "video_size_limit": 103809024,
            "description_limit": 1500, "supported_mime_types": MIME_TYPES,
            "server_version": "4.4.3", "limits_from_server": True,
            "software": "mastodon", "software_version": "4.4.3", "idempotency_keys": True,
            "counting": "mastodon", "listing_hides": [], "coarse_scopes": False}
NODEINFO = ("nodeinfo.index", "nodeinfo.v2")
TEXT = ("New single origin from Ethiopia is in: bright, floral, a little bergamot. ☕ "
        "https://zerno.coffee/ethiopia")
SINCE = datetime(2026, 11, 22, 5, 58, tzinfo=UTC)
MB = 2**20


def make(settings: dict | None = None, http: HttpClient | None = None) -> MastodonConnector:
    """Build after ``contract(...)``: the client picks its transport when it is created."""
    return MastodonConnector(ChannelContext(
        id=1, external_id=f"{ACCOUNT_ID}@mastodon.social", name="@zernocoffee@mastodon.social",
        credentials={"access_token": TOKEN},
        settings=dict(SETTINGS if settings is None else settings)), http)


@pytest.fixture
def no_sleep(monkeypatch):
    pauses: list[float] = []
    monkeypatch.setattr(http_lib.time, "sleep", pauses.append)  # the same module as ours
    return pauses


@pytest.fixture
def registered(monkeypatch):
    """The registry line the lead adds; set here so the shared OAuth flow finds us."""
    monkeypatch.setitem(registry.CONNECTORS, "mastodon", (
        "smmdesk.connectors.mastodon.MastodonConnector", "Mastodon"))
    registry.connector_class.cache_clear()
    yield
    registry.connector_class.cache_clear()


def png(tmp_path, name="latte.png", alt="Latte art with a rosetta, on a wooden table"):
    path = tmp_path / name
    path.write_bytes(png_bytes())
    return MediaFile(path=path, kind=MediaKind.IMAGE, mime="image/png",
                     size=path.stat().st_size, name=name, alt_text=alt)


def mp4(tmp_path, name="pour-over.mp4"):
    path = tmp_path / name
    path.write_bytes(mp4_bytes())
    return MediaFile(path=path, kind=MediaKind.VIDEO, mime="video/mp4",
                     size=path.stat().st_size, name=name)


def gif(tmp_path, name="steam.gif"):
    path = tmp_path / name
    path.write_bytes(b"GIF89a" + b"\x00" * 32)
    return MediaFile(path=path, kind=MediaKind.GIF, mime="image/gif",
                     size=path.stat().st_size, name=name)


def sent(transport, n=0):
    """(json, form, files) of the n-th request the connector made."""
    return request_body(transport.requests[n])


def codes(req, settings=None) -> list[str]:
    return [i.code for i in MastodonConnector.validate(req, settings=settings)]


# ---------------------------------------------------------------- connect (OAuth)


def test_it_registers_an_app_on_the_server(contract):
    transport = contract("mastodon", "apps.create.ok")
    http = HttpClient()
    app = MastodonConnector.oauth_register("mastodon.social", REDIRECT, http)
    assert app == {"client_id": "TWhM-tNSuncnqN7DBJmoyeLnk6K3iJJ71KKXxgL1hPM",
                   "client_secret": "ZEaFUFmF0umgBX1qKJDjaU99Q31lDkOU8NutzTOoliw"}
    body, _form, _files = sent(transport)
    assert body == {"client_name": "smmdesk", "redirect_uris": REDIRECT, "scopes": SCOPES}
    assert "authorization" not in transport.requests[0].headers  # a public method
    assert http.mask(app["client_secret"]) == "***"


@pytest.mark.parametrize(("fixture", "code", "words"), [
    ("apps.create.invalid_redirect", "register_refused",
     "did not register smmdesk (Validation failed: Redirect URI must be an absolute URI.)"),
    ("apps.create.not_found", "not_mastodon", "does not look like a Mastodon server"),
    ("apps.create.unreachable", "unreachable", "could not be reached"),
])
def test_it_explains_why_the_server_did_not_register_us(contract, fixture, code, words):
    contract("mastodon", fixture)
    with pytest.raises(PermanentError) as exc:
        MastodonConnector.oauth_register("mastodon.social", REDIRECT, HttpClient())
    assert exc.value.code == code
    assert words in exc.value.message and "mastodon.social" in exc.value.message


def test_it_lists_the_account_that_signed_in_with_the_servers_limits(contract):
    transport = contract("mastodon", "accounts.verify_credentials.ok", "instance.v2.ok",
                         *NODEINFO)
    token = {"access_token": TOKEN, "token_type": "Bearer", "scope": SCOPES}
    [account] = MastodonConnector.oauth_accounts(token, HttpClient(), instance="mastodon.social")
    assert account.external_id == f"{ACCOUNT_ID}@mastodon.social"
    assert account.name == "@zernocoffee@mastodon.social"
    assert account.url == "https://mastodon.social/@zernocoffee"
    assert account.credentials == {"access_token": TOKEN}
    assert account.settings == SETTINGS
    assert account.token_expires_at is None  # Mastodon tokens do not expire
    assert transport.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_it_keeps_stock_limits_for_a_server_without_the_v2_instance_api(contract):
    contract("mastodon", "accounts.verify_credentials.ok", "instance.v2.not_found", *NODEINFO)
    [account] = MastodonConnector.oauth_accounts({"access_token": TOKEN, "scope": SCOPES},
                                                 HttpClient(), instance="mastodon.social")
    assert account.settings["max_characters"] == 500
    assert account.settings["max_media_attachments"] == 4
    assert account.settings["limits_from_server"] is False
    assert "supported_mime_types" not in account.settings


def test_it_refuses_a_grant_without_the_scopes_it_needs(contract):
    transport = contract("mastodon")
    with pytest.raises(PermanentError) as exc:
        MastodonConnector.oauth_accounts({"access_token": TOKEN, "scope": "read write:media"},
                                         HttpClient(), instance="mastodon.social")
    assert exc.value.code == "scope_missing"
    assert "write:statuses" in exc.value.message and "read:statuses" not in exc.value.message
    assert transport.requests == []


def test_it_accepts_the_broad_scopes_that_cover_ours(contract):
    contract("mastodon", "accounts.verify_credentials.ok", "instance.v2.ok",
                         *NODEINFO)
    accounts = MastodonConnector.oauth_accounts({"access_token": TOKEN, "scope": "read write"},
                                                HttpClient(), instance="mastodon.social")
    assert len(accounts) == 1


def test_it_refuses_a_token_the_server_does_not_accept(contract):
    contract("mastodon", "accounts.verify_credentials.unauthorized")
    with pytest.raises(PermanentError) as exc:
        MastodonConnector.oauth_accounts({"access_token": TOKEN, "scope": SCOPES},
                                         HttpClient(), instance="mastodon.social")
    assert exc.value.code == "token_invalid"
    assert exc.value.message == ("Mastodon: mastodon.social did not accept the sign-in (The "
                                 "access token is invalid). Start the connection again.")


@pytest.mark.django_db
def test_it_connects_through_the_shared_oauth_flow(contract, registered):
    transport = contract("mastodon", "apps.create.ok", "oauth.token.ok",
                         "accounts.verify_credentials.ok", "instance.v2.ok",
                         *NODEINFO)
    url, pending = oauth_start(kind="mastodon", redirect_uri=REDIRECT,
                               instance="https://Mastodon.social/")
    query = parse_qs(urlparse(url).query)
    assert url.startswith("https://mastodon.social/oauth/authorize?")
    assert query["client_id"] == ["TWhM-tNSuncnqN7DBJmoyeLnk6K3iJJ71KKXxgL1hPM"]
    assert query["scope"] == [SCOPES]
    assert query["code_challenge"] == [challenge(pending["verifier"])]
    assert query["code_challenge_method"] == ["S256"]
    assert query["force_login"] == ["true"]
    assert OAuthApp.objects.get(kind="mastodon").instance == "mastodon.social"

    [account] = oauth_finish(pending=pending, redirect_uri=REDIRECT,
                             code="qDFUEaYrRK5c-HNmTCJbAzazwLRInJ7VHFat0wcMgCU")
    assert account.external_id == f"{ACCOUNT_ID}@mastodon.social"
    assert sent(transport, 1)[1]["code_verifier"] == pending["verifier"]


@pytest.mark.django_db
def test_it_registers_once_per_server(contract, registered):
    transport = contract("mastodon", "apps.create.ok")
    oauth_start(kind="mastodon", redirect_uri=REDIRECT, instance="mastodon.social")
    oauth_start(kind="mastodon", redirect_uri=REDIRECT, instance="mastodon.social")
    assert len(transport.requests) == 1


@pytest.mark.django_db
def test_it_shows_a_refused_registration_on_the_form(contract, registered):
    contract("mastodon", "apps.create.not_found")
    with pytest.raises(InvalidInput, match="does not look like a Mastodon server"):
        oauth_start(kind="mastodon", redirect_uri=REDIRECT, instance="mastodon.social")


@pytest.mark.django_db
@pytest.mark.parametrize("server", [
    "127.0.0.1", "localhost", "[::1]", "169.254.169.254", "10.0.0.1", "192.168.1.1",
    "2130706433", "0x7f000001", "[::ffff:127.0.0.1]", "[fc00::1]", "social.intranet.example",
    "https://127.0.0.1:3000/"])
def test_a_server_at_a_private_address_is_never_called(contract, fake_dns, registered, server):
    transport = contract("mastodon")
    fake_dns.names["social.intranet.example"] = ["172.16.5.4"]
    with pytest.raises(InvalidInput) as exc:
        oauth_start(kind="mastodon", redirect_uri=REDIRECT, instance=server)
    assert exc.value.message.startswith("Mastodon: could not reach the server")
    assert exc.value.message.endswith("Check that it is a public https address.")
    assert transport.requests == [] and not OAuthApp.objects.exists()


@pytest.mark.django_db
def test_a_user_name_in_the_server_address_is_refused(contract, registered):
    transport = contract("mastodon")
    with pytest.raises(InvalidInput):
        oauth_start(kind="mastodon", redirect_uri=REDIRECT, instance="mastodon.social@10.0.0.1")
    assert transport.requests == []


def test_it_has_nothing_to_refresh():
    assert make().refresh_credentials() is None


# ---------------------------------------------------------------- publish


def test_it_publishes_text_with_the_marker_as_idempotency_key(contract):
    transport = contract("mastodon", "statuses.create.text_ok")
    http = HttpClient()
    result = make(http=http).publish(PublishRequest(text=TEXT, marker="m-4f1c"))
    assert result.external_id == "113990000000000101"
    assert result.url == "https://mastodon.social/@zernocoffee/113990000000000101"
    assert result.extra_ids == ()
    body, _form, _files = sent(transport)
    # No visibility chosen: the account's default, read at connect, is sent (servers
    # other than Mastodon do not all apply it themselves).
    assert body == {"status": TEXT, "visibility": "public"}
    request = transport.requests[0]
    assert request.headers["idempotency-key"] == "m-4f1c"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert all(TOKEN not in t.url for t in http.trace)


def test_it_publishes_an_image_with_alt_text_content_warning_and_visibility(contract, tmp_path):
    transport = contract("mastodon", "media.upload.image_ok", "statuses.create.media_ok")
    image = png(tmp_path)
    req = PublishRequest(text="Latte art Friday 🥛", media=(image,), marker="m-77",
                         options={"content_warning": "coffee talk", "visibility": "unlisted"})
    result = make().publish(req)
    assert result.external_id == "113990000000000102"
    _body, form, files = sent(transport, 0)
    assert form == {"description": "Latte art with a rosetta, on a wooden table"}
    assert files == {"file"}
    assert image.path.read_bytes() in transport.requests[0].content
    assert "idempotency-key" not in transport.requests[0].headers
    assert sent(transport, 1)[0] == {"status": "Latte art Friday 🥛", "visibility": "unlisted",
                                     "spoiler_text": "coffee talk",
                                     "media_ids": ["113990000000000201"]}


def test_it_waits_while_the_server_processes_a_video(contract, tmp_path, no_sleep):
    transport = contract("mastodon", "media.upload.video_accepted", "media.get.video_processing",
                         "media.get.video_ready", "statuses.create.video_ok")
    result = make().publish(PublishRequest(text="How we brew a V60", media=(mp4(tmp_path),)))
    assert result.external_id == "113990000000000103"
    assert [r.method for r in transport.requests] == ["POST", "GET", "GET", "POST"]
    assert no_sleep == [1, 2]
    assert sent(transport, 3)[0]["media_ids"] == ["113990000000000202"]


def test_it_tries_later_when_a_video_takes_too_long(contract, tmp_path, no_sleep, monkeypatch):
    monkeypatch.setattr(mastodon, "MEDIA_PAUSES", (1, 2))
    contract("mastodon", "media.upload.video_accepted", "media.get.video_processing",
             "media.get.video_processing")
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text="How we brew a V60", media=(mp4(tmp_path),)))
    assert exc.value.code == "media_processing" and exc.value.retry_after == 300
    assert "pour-over.mp4" in exc.value.message


def test_it_reports_a_video_the_server_could_not_process(contract, tmp_path, no_sleep):
    contract("mastodon", "media.upload.video_accepted", "media.get.failed")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text="", media=(mp4(tmp_path),)))
    assert exc.value.code == "media_refused" and not exc.value.channel_broken
    assert exc.value.message == ("Mastodon refused the file pour-over.mp4: Error processing "
                                 "thumbnail for uploaded media")


def test_it_posts_a_thread_as_a_chain_of_replies(contract):
    transport = contract("mastodon", "accounts.statuses.short", "statuses.create.thread_1",
                         "statuses.create.thread_2", "statuses.create.thread_3")
    text = ("Three things we learned roasting for a year. A thread 🧵\n---\n"
            "1. Light roasts need rest: a week before they open up.\n\n----\n"
            "2. Water matters more than the grinder. We filter ours.\n")
    result = make().publish(PublishRequest(text=text, format=Format.THREAD, marker="m-9"))
    assert result.external_id == "113990000000000111"
    assert result.extra_ids == ("113990000000000112", "113990000000000113")
    # First a look at what a previous attempt may have posted (none here), then the parts.
    assert transport.requests[0].method == "GET"
    assert [r.headers["idempotency-key"] for r in transport.requests[1:]] == \
        ["m-9", "m-9-2", "m-9-3"]
    assert "in_reply_to_id" not in sent(transport, 1)[0]


def test_it_cuts_a_long_thread_part_at_the_last_space_that_fits():
    words = " ".join(f"word{n:03d}" for n in range(120))  # 959 characters
    parts = thread_parts(words, 500)
    assert len(parts) == 2
    assert status_length(parts[0]) <= 500 < status_length(parts[0] + " word999")
    assert " ".join(parts) == words


def test_it_adds_the_first_comment_as_a_reply_to_the_post(contract):
    transport = contract("mastodon", "statuses.create.text_ok", "statuses.create.first_comment")
    req = PublishRequest(text=TEXT, marker="m-4f1c",
                         first_comment="Beans: Yirgacheffe, washed. 250 g in the shop today.")
    result = make().publish(req)
    assert result.raw["first_comment"] == {
        "ok": True, "id": "113990000000000121",
        "url": "https://mastodon.social/@zernocoffee/113990000000000121"}
    assert result.extra_ids == ("113990000000000121",)  # deleted with the post
    assert transport.requests[1].headers["idempotency-key"] == "m-4f1c-comment"


def test_a_refused_first_comment_does_not_fail_the_publish(contract):
    contract("mastodon", "statuses.create.text_ok", "statuses.create.unprocessable")
    result = make().publish(PublishRequest(text=TEXT, first_comment="x"))
    assert result.external_id == "113990000000000101"
    assert result.extra_ids == ()
    assert result.raw["first_comment"]["ok"] is False
    assert result.raw["first_comment"]["error_class"] == "permanent"


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(("fixture", "error", "code", "broken"), [
    ("statuses.create.unauthorized", PermanentError, "token_invalid", True),
    ("statuses.create.outside_scopes", PermanentError, "scope_missing", True),
    ("statuses.create.login_disabled", PermanentError, "account_unavailable", True),
    ("statuses.create.unprocessable", PermanentError, "refused", False),
    ("statuses.create.rate_limited", TransientError, "rate_limited", None),
    ("statuses.create.server_error", AmbiguousError, "server_error", None),
    ("statuses.create.bad_gateway", AmbiguousError, "server_error", None),
    ("statuses.create.timeout", AmbiguousError, "no_answer", None),
    ("statuses.create.connect_error", TransientError, "unreachable", None),
])
def test_it_maps_each_answer_to_a_status_post(contract, fixture, error, code, broken):
    contract("mastodon", fixture)
    with pytest.raises(error) as exc:
        make().publish(PublishRequest(text="Hello"))
    assert type(exc.value) is error
    assert exc.value.code == code
    if broken is not None:
        assert exc.value.channel_broken is broken
    if error is TransientError and code == "rate_limited":
        assert exc.value.retry_after >= 1
    assert TOKEN not in exc.value.message


def test_it_passes_on_the_servers_words_for_a_refusal(contract):
    contract("mastodon", "statuses.create.unprocessable")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text="Hello"))
    assert exc.value.message == ("Mastodon refused: Validation failed: Text character limit "
                                 "of 500 exceeded")


def test_it_tells_to_reconnect_when_the_token_was_revoked(contract):
    contract("mastodon", "statuses.create.unauthorized")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text="Hello"))
    assert "@zernocoffee@mastodon.social" in exc.value.message
    assert "Reconnect the channel" in exc.value.message


def test_it_waits_until_the_rate_limit_resets(contract):
    fixture = load_fixture("mastodon", "statuses.create.rate_limited")
    reset = datetime.now(UTC) + timedelta(seconds=600)
    fixture["response"]["headers"]["x-ratelimit-reset"] = reset.isoformat()
    transport = FixtureTransport([fixture])
    http_lib.set_transport_factory(lambda: transport)
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text="Hello"))
    assert 590 <= exc.value.retry_after <= 600
    assert transport.unused() == []


@pytest.mark.parametrize(("fixture", "error", "code"), [
    ("media.upload.unsupported", PermanentError, "media_refused"),
    ("media.upload.rate_limited", TransientError, "rate_limited"),
    ("media.upload.timeout", TransientError, "unreachable"),  # no post yet: nothing to check
])
def test_it_maps_each_answer_to_an_upload(contract, tmp_path, fixture, error, code):
    contract("mastodon", fixture)
    with pytest.raises(error) as exc:
        make().publish(PublishRequest(text="Latte", media=(png(tmp_path),)))
    assert type(exc.value) is error and exc.value.code == code


def test_a_thread_broken_off_by_a_rate_limit_is_tried_again(contract):
    contract("mastodon", "statuses.create.thread_1", "statuses.create.rate_limited")
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text="Three things we learned roasting for a year. "
                                      "A thread 🧵\n---\nmore", format=Format.THREAD))
    assert exc.value.code == "thread_incomplete" and exc.value.retry_after >= 1
    assert "published 1 of the 2 posts" in exc.value.message


def test_a_thread_refused_midway_says_what_is_already_out(contract):
    contract("mastodon", "statuses.create.thread_1", "statuses.create.unprocessable")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text="Three things we learned roasting for a year. "
                                      "A thread 🧵\n---\nmore", format=Format.THREAD))
    assert exc.value.code == "thread_incomplete"
    assert "https://mastodon.social/@zernocoffee/113990000000000111" in exc.value.message


# ---------------------------------------------------------------- edit, delete


def test_it_edits_the_text_and_keeps_the_files_and_sensitive_flag(contract, tmp_path):
    transport = contract("mastodon", "statuses.get.with_media", "statuses.update.with_media")
    image = png(tmp_path, alt="A rosetta in a cup, from above")
    result = make().edit("113990000000000102",
                         PublishRequest(text="Latte art Friday, again 🥛", media=(image,)))
    assert result.external_id == "113990000000000102"
    assert result.raw == {"edited_at": "2026-11-22T07:10:00.000Z"}
    assert transport.requests[1].method == "PUT"
    assert sent(transport, 1)[0]["media_ids"] == ["113990000000000201"]


def test_it_edits_a_text_post(contract):
    transport = contract("mastodon", "statuses.get.ok", "statuses.update.text_ok")
    text = "New single origin from Ethiopia is in: bright, floral, with bergamot. ☕"
    assert make().edit("113990000000000101", PublishRequest(text=text)).external_id \
        == "113990000000000101"
    assert sent(transport, 1)[0] == {"status": text, "spoiler_text": "", "sensitive": False,
                                     "media_ids": []}


def test_a_failed_edit_is_tried_again(contract):
    contract("mastodon", "statuses.get.ok", "statuses.update.server_error")
    with pytest.raises(TransientError):
        make(http=HttpClient(retries=0)).edit("113990000000000101", PublishRequest(text="x"))


def test_it_says_when_the_post_to_edit_is_gone(contract):
    contract("mastodon", "statuses.get.not_found")
    with pytest.raises(PermanentError) as exc:
        make().edit("113990000000000199", PublishRequest(text="x"))
    assert exc.value.code == "not_found" and not exc.value.channel_broken


def test_it_deletes_a_post(contract):
    transport = contract("mastodon", "statuses.delete.ok")
    assert make().delete("113990000000000101") is None
    assert transport.requests[0].method == "DELETE"


def test_it_deletes_a_whole_thread_last_part_first(contract):
    transport = contract("mastodon", "statuses.delete.111", "statuses.delete.112",
                         "statuses.delete.113")
    make().delete("113990000000000111", extra_ids=("113990000000000112", "113990000000000113"))
    assert [r.url.path.rsplit("/", 1)[1][-3:] for r in transport.requests] == [
        "113", "112", "111"]


def test_it_counts_a_post_already_gone_as_deleted(contract):
    contract("mastodon", "statuses.delete.not_found")
    make().delete("113990000000000101")


def test_it_tries_a_rate_limited_delete_later(contract):
    contract("mastodon", "statuses.delete.rate_limited")
    with pytest.raises(TransientError) as exc:
        make(http=HttpClient(retries=0)).delete("113990000000000101")
    assert exc.value.code == "rate_limited"


# ---------------------------------------------------------------- find_published


def test_it_finds_a_post_by_its_plain_text(contract):
    transport = contract("mastodon", "accounts.statuses.found")
    found = make().find_published(PublishRequest(text=TEXT), since=SINCE)
    assert found.status == Found.FOUND
    assert found.result.external_id == "113990000000000101"  # not the reply with that text
    assert found.result.url == "https://mastodon.social/@zernocoffee/113990000000000101"
    assert dict(transport.requests[0].url.params) == {"limit": "40", "exclude_reblogs": "true"}


def test_it_matches_whitespace_and_remote_mentions_as_the_server_shows_them(contract):
    contract("mastodon", "accounts.statuses.found")
    text = TEXT.replace(" ", "\n", 1).replace("in:", "in:  ")
    found = make().find_published(PublishRequest(text=text), since=SINCE)
    assert found.status == Found.FOUND


def test_a_different_content_warning_is_not_the_same_post(contract):
    contract("mastodon", "accounts.statuses.found")
    found = make().find_published(PublishRequest(text=TEXT, options={"content_warning": "cw"}),
                                  since=SINCE)
    assert found.status == Found.NOT_FOUND


def test_it_says_not_found_once_the_listing_reaches_the_attempt(contract, monkeypatch):
    monkeypatch.setattr(mastodon, "FIND_PAGE_SIZE", 4)  # a full page: only the time decides
    contract("mastodon", "accounts.statuses.not_found")
    found = make().find_published(PublishRequest(text=TEXT), since=SINCE)
    assert found.status == Found.NOT_FOUND


def test_it_says_not_found_at_the_end_of_the_accounts_history(contract):
    contract("mastodon", "accounts.statuses.short")
    assert make().find_published(PublishRequest(text=TEXT), since=SINCE).status \
        == Found.NOT_FOUND


def test_it_pages_back_through_the_listing(contract, tmp_path, monkeypatch):
    monkeypatch.setattr(mastodon, "FIND_PAGE_SIZE", 2)
    transport = contract("mastodon", "accounts.statuses.page_1", "accounts.statuses.page_2")
    req = PublishRequest(text="Latte art Friday 🥛", media=(png(tmp_path),),
                         options={"content_warning": "coffee talk"})
    found = make().find_published(req, since=SINCE)
    assert found.status == Found.FOUND and found.result.external_id == "113990000000000102"
    assert transport.requests[1].url.params["max_id"] == "113990000000000130"


def test_it_cannot_tell_when_too_many_posts_were_made_since(contract, monkeypatch):
    monkeypatch.setattr(mastodon, "FIND_PAGE_SIZE", 2)
    monkeypatch.setattr(mastodon, "FIND_PAGES", 1)
    contract("mastodon", "accounts.statuses.page_1")
    found = make().find_published(PublishRequest(text=TEXT), since=SINCE)
    assert found.status == Found.UNKNOWN and "more than 2 posts" in found.note


def test_it_turns_status_html_into_the_text_that_was_posted():
    html = ('<p>Hi <span class="h-card"><a href="https://toot.community/@olena" class="u-url '
            'mention">@<span>olena</span></a></span> &amp; all<br />see <a href="https://zerno'
            '.coffee/a/very/long/path"><span class="invisible">https://</span><span class="ell'
            'ipsis">zerno.coffee/a/very/lo</span><span class="invisible">ng/path</span></a></p>'
            '<p>Bye</p>')
    assert plain_text(html) == ("Hi @olena & all\nsee https://zerno.coffee/a/very/long/path"
                                "\n\nBye")


# ---------------------------------------------------------------- comments


def test_it_reads_the_replies_under_a_post(contract):
    contract("mastodon", "statuses.context.ok")
    comments = make().fetch_comments("113990000000000101")
    assert [c.external_id for c in comments] == [
        "113990000000000301", "113990000000000302", "113990000000000303"]
    olena, ours, marko = comments
    assert (olena.author_id, olena.author_name) == ("108198765432109876", "Olena K.")
    assert olena.text == "@zernocoffee Is the Ethiopia good for espresso too?"
    assert olena.parent_external_id == "" and olena.post_external_id == "113990000000000101"
    assert olena.created_at == datetime(2026, 11, 22, 6, 20, tzinfo=UTC)
    assert ours.by_us and not olena.by_us
    assert ours.parent_external_id == "113990000000000301"
    assert ours.text == "@olena Yes, as a lighter espresso & in milk."
    assert marko.text == "[long review] Bought a bag, it's lovely."


def test_it_reads_only_replies_after_a_time(contract):
    contract("mastodon", "statuses.context.ok")
    comments = make().fetch_comments("113990000000000101",
                                     since=datetime(2026, 11, 22, 6, 30, tzinfo=UTC))
    assert [c.external_id for c in comments] == ["113990000000000303"]


def test_it_replies_with_a_mention_of_the_author(contract):
    transport = contract("mastodon", "statuses.context.ok", "statuses.create.reply")
    connector = make()
    olena = connector.fetch_comments("113990000000000101")[0]
    mine = connector.reply(olena, "Thank you! It is lovely as a lighter espresso.")
    assert mine.external_id == "113990000000000401" and mine.by_us
    assert mine.parent_external_id == "113990000000000301"
    assert mine.post_external_id == "113990000000000101"
    assert len(transport.requests[1].headers["idempotency-key"]) == 32


def test_it_replies_to_a_comment_known_only_by_its_id_with_its_visibility(contract):
    transport = contract("mastodon", "statuses.get.comment", "statuses.create.reply_unlisted")
    comment = RemoteComment(external_id="113990000000000303",
                            post_external_id="113990000000000101", author_id="110022233344455566",
                            author_name="Marko", text="", created_at=SINCE)
    make().reply(comment, "Glad you like it!")
    assert sent(transport, 1)[0]["visibility"] == "unlisted"


def test_it_explains_that_mastodon_cannot_hide_or_delete_replies():
    connector = make()
    with pytest.raises(PermanentError, match="hide other people's replies"):
        connector.hide_comment("113990000000000301")
    with pytest.raises(PermanentError, match="only their author or the moderators"):
        connector.delete_comment("113990000000000301")
    caps = MastodonConnector.capabilities
    assert not caps.hide_comment and not caps.delete_comment and not caps.webhooks


def test_it_has_no_webhooks_to_receive():
    answer = MastodonConnector.webhook_receive(WebhookRequest("POST", {}, {}, b"{}"))
    assert answer.status == 404 and answer.rejected


# ---------------------------------------------------------------- events (mentions)


def test_it_polls_mentions_oldest_first_with_their_kind(contract):
    contract("mastodon", "notifications.mentions", "statuses.context.reply")
    events, cursor = make().poll_events("")
    assert cursor == "34975903"
    assert [(e.kind, e.external_id) for e in events] == [
        ("comment", "113990000000000301"), ("mention", "113990000000000502"),
        ("message", "113990000000000503")]
    reply = events[0]
    assert reply.account_id == f"{ACCOUNT_ID}@mastodon.social"
    assert reply.data["in_reply_to_id"] == "113990000000000101"
    assert reply.data["author_acct"] == "olena@toot.community"
    assert reply.data["text"] == "@zernocoffee Is the Ethiopia good for espresso too?"


def test_it_keeps_the_cursor_when_nothing_new_came(contract):
    transport = contract("mastodon", "notifications.none_after")
    assert make().poll_events("34975903") == ([], "34975903")
    assert transport.requests[0].url.params["min_id"] == "34975903"


# ---------------------------------------------------------------- metrics


def test_it_reads_post_metrics(contract):
    contract("mastodon", "statuses.get.ok")
    assert make().fetch_post_metrics("113990000000000101") == {
        "likes": 31, "reposts": 9, "comments": 4, "quotes": 1}


def test_it_reads_account_metrics(contract):
    contract("mastodon", "accounts.get.ok")
    assert make().fetch_account_metrics() == {"followers": 1874, "following": 212, "posts": 431}


def test_metrics_of_a_deleted_post_are_a_refusal_not_a_broken_channel(contract):
    contract("mastodon", "statuses.get.not_found")
    with pytest.raises(PermanentError) as exc:
        make().fetch_post_metrics("113990000000000199")
    assert exc.value.code == "not_found" and not exc.value.channel_broken


def test_a_failed_read_is_transient_and_a_revoked_token_breaks_the_channel(contract):
    contract("mastodon", "accounts.get.unavailable", "accounts.get.unauthorized")
    connector = make(http=HttpClient(retries=0))
    with pytest.raises(TransientError) as exc:
        connector.fetch_account_metrics()
    assert exc.value.code == "server_error"
    with pytest.raises(PermanentError) as exc:
        connector.fetch_account_metrics()
    assert exc.value.channel_broken


# ---------------------------------------------------------------- limits


@pytest.mark.parametrize(("length", "ok"), [(499, True), (500, True), (501, False)])
def test_it_allows_500_characters_by_default(length, ok):
    issues = MastodonConnector.validate(PublishRequest(text="a" * length))
    assert (issues == []) is ok
    if not ok:
        assert issues[0].message == ("Mastodon allows at most 500 characters here, counting "
                                     "the content warning and each link as 23; this post "
                                     "has 501.")


@pytest.mark.parametrize(("length", "ok"), [(4999, True), (5000, True), (5001, False)])
def test_it_uses_the_servers_own_limit(length, ok):
    settings = {**SETTINGS, "max_characters": 5000}
    assert (codes(PublishRequest(text="a" * length), settings) == []) is ok


@pytest.mark.parametrize(("filler", "ok"), [(476, True), (477, False)])
def test_it_counts_a_link_as_23_characters(filler, ok):
    text = "a" * filler + " https://zerno.coffee/a/very/long/path/to/the/ethiopia/page"
    assert (codes(PublishRequest(text=text)) == []) is ok


def test_it_counts_the_content_warning_with_the_text():
    req = PublishRequest(text="a" * 490, options={"content_warning": "b" * 10})
    assert codes(req) == []
    assert codes(replace(req, options={"content_warning": "b" * 11})) == ["text_too_long"]


@pytest.mark.parametrize(("text", "count"), [
    ("😀", 1), ("👍🏽", 1), ("👨‍👩‍👧", 1), ("🇺🇦", 1), ("🇺🇦🇵🇱", 2), ("é", 1), ("e\u0301", 1),
    ("\r\n", 1), ("🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f", 1),
])
def test_it_counts_user_perceived_characters(text, count):
    assert grapheme_count(text) == count


def test_five_hundred_flags_fit_although_they_are_a_thousand_code_points():
    assert codes(PublishRequest(text="🇺🇦" * 500)) == []
    assert codes(PublishRequest(text="🇺🇦" * 501)) == ["text_too_long"]


def test_it_counts_a_remote_mention_by_its_local_part():
    assert status_length("@olena@toot.community hi") == len("@olena hi")


@pytest.mark.parametrize(("count", "ok"), [(3, True), (4, True), (5, False)])
def test_it_allows_four_images(tmp_path, count, ok):
    assert (codes(PublishRequest(text="", media=(png(tmp_path),) * count)) == []) is ok


def test_it_allows_images_and_gifs_together(tmp_path):
    assert codes(PublishRequest(text="", media=(png(tmp_path), gif(tmp_path)))) == []


def test_it_wants_a_video_on_its_own(tmp_path):
    assert codes(PublishRequest(text="", media=(mp4(tmp_path),))) == []
    issues = MastodonConnector.validate(PublishRequest(text="", media=(mp4(tmp_path),
                                                                       png(tmp_path))))
    assert [i.code for i in issues] == ["video_alone"]


@pytest.mark.parametrize(("maker", "size", "ok"), [
    (png, 16 * MB, True), (png, 16 * MB + 1, False),
    (mp4, 103809024, True), (mp4, 103809024 + 1, False),
])
def test_it_checks_file_sizes(tmp_path, maker, size, ok):
    media = replace(maker(tmp_path), size=size)
    assert (codes(PublishRequest(text="", media=(media,)), SETTINGS) == []) is ok


def test_it_uses_the_servers_file_rules(tmp_path):
    heic = replace(png(tmp_path), mime="image/x-tiff", name="menu.tiff")
    assert codes(PublishRequest(text="", media=(heic,)), SETTINGS) == ["media_type"]
    long_alt = replace(png(tmp_path), alt_text="a" * 1501)
    assert codes(PublishRequest(text="", media=(long_alt,)), SETTINGS) == ["alt_text_too_long"]
    small = {**SETTINGS, "image_size_limit": 8 * MB, "max_media_attachments": 2}
    big = replace(png(tmp_path), size=8 * MB + 1)
    assert codes(PublishRequest(text="", media=(big, big, big)), small) == [
        "too_many_media", "media_too_large", "media_too_large", "media_too_large"]


def test_it_validates_a_thread_part_by_part():
    long = " ".join(["word"] * 300)
    assert codes(PublishRequest(text=long, format=Format.THREAD)) == []
    unbreakable = "x" * 501
    issues = MastodonConnector.validate(PublishRequest(text=f"Intro\n---\n{unbreakable}",
                                                       format=Format.THREAD))
    assert [i.code for i in issues] == ["thread_part_too_long"]
    assert "part 2 of the thread" in issues[0].message


def test_it_supports_feed_posts_and_threads_only():
    assert codes(PublishRequest(text="hi", format=Format.STORY)) == ["format_unsupported"]


def test_it_refuses_an_unknown_visibility():
    assert codes(PublishRequest(text="hi", options={"visibility": "direct"})) == ["visibility"]


def test_it_needs_text_or_media():
    assert codes(PublishRequest(text=" \n")) == ["empty"]


def test_it_declares_what_the_composer_offers():
    names = [name for name, _label, _kind in MastodonConnector.variant_options]
    assert names == ["content_warning", "visibility"]
    choices = dict(MastodonConnector.variant_options[1][2])
    assert str(choices["private"]) == "Followers only"
    assert MastodonConnector.oauth.per_instance and "{origin}" in \
        MastodonConnector.oauth.authorize_url
    assert json.dumps(list(MastodonConnector.oauth.scopes)) == json.dumps(SCOPES.split())
