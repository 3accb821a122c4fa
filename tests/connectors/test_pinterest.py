"""Pinterest connector against the recorded API v5 contract (fixtures/pinterest)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from smmdesk.connectors.base import (
    AmbiguousError,
    ChannelContext,
    Found,
    MediaFile,
    MediaKind,
    PermanentError,
    PublishRequest,
    TransientError,
)
from smmdesk.connectors.pinterest import PINTEREST_OAUTH, PinterestConnector
from smmdesk.connectors.pinterest import media as media_module
from smmdesk.connectors.registry import CONNECTORS
from smmdesk.lib import http as http_lib
from smmdesk.lib.http import HttpClient
from tests.connectors.contract import request_body
from tests.files import mp4_bytes, png_bytes

ACCOUNT = "2783136121146311751"
BOARD, BOARD2 = "549755885175", "549755885176"
SECTION = "5195035116725909603"
PIN = "813744226420795884"
MEDIA = "5221418412563431431"
TOKEN = "pina.ZernoAccessToken0123456789abcdef"
REFRESH = "pinr.ZernoRefreshToken0123456789abcdef"
SETTINGS = {"username": "zernocoffee", "account_type": "BUSINESS", "board_id": BOARD,
            "board_name": "Latte art"}
TEXT = "Latte art Friday: our baristas pour a rosetta. Recipe inside."
PUBLIC_URL = "https://smm.zerno.coffee/m/eyJhIjoxMn0:latte/"
SINCE = datetime(2026, 12, 7, 9, 59, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_app_by_default(monkeypatch):
    for name in ("SMMDESK_PINTEREST_CLIENT_ID", "SMMDESK_PINTEREST_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def app(monkeypatch):
    monkeypatch.setenv("SMMDESK_PINTEREST_CLIENT_ID", "1484362")
    monkeypatch.setenv("SMMDESK_PINTEREST_CLIENT_SECRET", "pinterest-app-secret")


@pytest.fixture
def waits(monkeypatch):
    """Video processing waits, recorded instead of slept; the HTTP client never sleeps."""
    waited: list[float] = []
    monkeypatch.setattr(media_module, "pause", waited.append)
    monkeypatch.setattr(http_lib.time, "sleep", lambda _s: None)
    return waited


def make(settings: dict | None = None, credentials: dict | None = None,
         http: HttpClient | None = None) -> PinterestConnector:
    """Build after ``contract(...)``: the client picks its transport when it is created."""
    return PinterestConnector(ChannelContext(
        id=7, external_id=ACCOUNT, name="Zerno Coffee",
        credentials=credentials or {"access_token": TOKEN, "refresh_token": REFRESH},
        settings=dict(SETTINGS if settings is None else settings)), http)


def image(tmp_path, name="rosetta.png", **kw) -> MediaFile:
    path = tmp_path / name
    path.write_bytes(png_bytes())
    return MediaFile(path=path, kind=MediaKind.IMAGE, mime=kw.pop("mime", "image/png"),
                     size=path.stat().st_size, name=name, **kw)


def video(tmp_path, name="pour-over.mp4") -> MediaFile:
    path = tmp_path / name
    path.write_bytes(mp4_bytes())
    return MediaFile(path=path, kind=MediaKind.VIDEO, mime="video/mp4",
                     size=path.stat().st_size, name=name)


def sent(transport, n: int) -> dict:
    return request_body(transport.requests[n])[0]


def paths(transport) -> list[str]:
    return [f"{r.method} {r.url.path.removeprefix('/v5')}" for r in transport.requests]


# ---------------------------------------------------------------- declarations


def test_it_declares_oauth_limits_and_what_the_api_does_not_allow():
    spec = PinterestConnector.oauth
    assert spec is PINTEREST_OAUTH
    assert spec.authorize_url == "https://www.pinterest.com/oauth/"
    assert spec.token_url == "https://api.pinterest.com/v5/oauth/token"
    assert spec.basic_auth and spec.env_prefix == "SMMDESK_PINTEREST"
    assert set(spec.scopes) == {"boards:read", "boards:write", "pins:read", "pins:write",
                                "user_accounts:read"}
    caps = PinterestConnector.capabilities
    assert caps.delete and caps.post_metrics and caps.account_metrics and caps.find_published
    assert not (caps.comments or caps.reply or caps.hide_comment or caps.delete_comment)
    assert PinterestConnector.listing_lag is None  # the pin list may lag: never NOT_FOUND
    assert [o[0] for o in PinterestConnector.variant_options] == [
        "board", "section", "title", "link", "cover_time"]
    assert PinterestConnector.limits.text_max == 800
    assert CONNECTORS["pinterest"][1] == "Pinterest"


# ---------------------------------------------------------------- connect


def test_the_first_sign_in_asks_for_a_refresh_token_that_renews_itself(contract, app):
    """Apps made before 25 September 2025 get a continuous refresh token only when the
    code exchange asks for it."""
    from smmdesk.connectors import oauth

    contract("pinterest", "token.exchange")
    client = oauth.deployment_client(PinterestConnector.oauth)
    token = oauth.exchange_code(PinterestConnector.oauth, client,
                                code="pin-code-from-the-redirect", verifier="",
                                redirect_uri="https://smm.zerno.coffee/oauth/callback/pinterest/",
                                http=HttpClient(), network="Pinterest")
    assert token["refresh_token_expires_in"] == 5184000


def test_it_connects_the_account_with_its_first_board_as_default(contract):
    transport = contract("pinterest", "user_account.ok", "boards.page1", "boards.page2")
    token = {"access_token": TOKEN, "refresh_token": REFRESH, "expires_in": 2592000,
             "refresh_token_expires_in": 5184000, "refresh_token_expires_at": 1770076800,
             "response_type": "authorization_code", "token_type": "bearer",
             "scope": "boards:read,boards:write,pins:read,pins:write,user_accounts:read"}
    [account] = PinterestConnector.oauth_accounts(token, HttpClient())
    assert (account.external_id, account.name) == (ACCOUNT, "Zerno Coffee")
    assert account.credentials["access_token"] == TOKEN
    assert account.credentials["refresh_token"] == REFRESH
    assert account.credentials["refresh_token_expires_at"] == 1770076800
    assert account.settings == SETTINGS
    assert account.url == "https://www.pinterest.com/zernocoffee/"
    days = (account.token_expires_at - datetime.now(UTC)).days
    assert days in (29, 30)
    assert transport.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert paths(transport) == ["GET /user_account", "GET /boards", "GET /boards"]


def test_an_account_without_boards_has_no_default_and_says_so(contract):
    contract("pinterest", "user_account.ok", "boards.none")
    [account] = PinterestConnector.oauth_accounts({"access_token": TOKEN}, HttpClient())
    assert account.settings["board_id"] == ""
    assert "first board" in PinterestConnector.channel_notes(account.settings)[0]
    assert "Latte art" in PinterestConnector.channel_notes(SETTINGS)[0]


def test_it_refreshes_the_token_with_a_continuous_refresh_token(contract, app):
    transport = contract("pinterest", "token.refresh")
    result = make().refresh_credentials()
    assert result.credentials["access_token"] == "pina.ZernoAccessTokenRenewed9876543210"
    assert result.credentials["refresh_token"] == "pinr.ZernoRefreshTokenRenewed98765432"
    assert result.credentials["refresh_token_expires_at"] == 1770076800
    assert result.settings == SETTINGS
    assert 29 <= (result.token_expires_at - datetime.now(UTC)).days <= 30
    basic = base64.b64encode(b"1484362:pinterest-app-secret").decode()
    assert transport.requests[0].headers["authorization"] == f"Basic {basic}"


def test_a_refused_refresh_breaks_the_channel(contract, app):
    contract("pinterest", "token.refresh_revoked")
    with pytest.raises(PermanentError) as exc:
        make().refresh_credentials()
    assert exc.value.channel_broken and exc.value.code == "refresh_failed"
    assert "Reconnect" in exc.value.message


def test_without_a_refresh_token_there_is_nothing_to_refresh():
    assert make(credentials={"access_token": TOKEN}).refresh_credentials() is None


def test_without_the_app_the_sign_in_cannot_be_renewed():
    with pytest.raises(PermanentError) as exc:
        make().refresh_credentials()
    assert exc.value.code == "oauth_not_configured" and exc.value.channel_broken


# ---------------------------------------------------------------- publish


def test_it_publishes_an_image_pin_on_the_default_board(contract, tmp_path):
    transport = contract("pinterest", "pins.create_image")
    pic = image(tmp_path, alt_text="A rosetta poured in a white cup")
    result = make().publish(PublishRequest(text=TEXT, media=(pic,), options={
        "title": "Rosetta latte art", "link": "https://zerno.coffee/latte"}))
    assert result.external_id == PIN
    assert result.url == f"https://www.pinterest.com/pin/{PIN}/"
    assert result.raw == {"pin_id": PIN, "board_id": BOARD}
    body = sent(transport, 0)
    assert base64.b64decode(body["media_source"]["data"]) == png_bytes()
    assert "board_section_id" not in body
    assert paths(transport) == ["POST /pins"]


def test_an_image_with_a_public_address_goes_by_url(contract, tmp_path):
    transport = contract("pinterest", "pins.create_image_url")
    make().publish(PublishRequest(text="", media=(image(tmp_path, url=PUBLIC_URL),)))
    assert "data" not in sent(transport, 0)["media_source"]


def test_it_resolves_a_board_and_section_by_name(contract, tmp_path):
    transport = contract("pinterest", "boards.page1", "boards.page2", "sections.list",
                         "pins.create_in_section")
    result = make().publish(PublishRequest(text=TEXT, media=(image(tmp_path),), options={
        "board": "  coffee RECIPES ", "section": "pour-over"}))
    assert result.raw["board_id"] == BOARD2
    assert paths(transport) == ["GET /boards", "GET /boards", f"GET /boards/{BOARD2}/sections",
                                "POST /pins"]


def test_a_missing_board_fails_before_anything_is_sent_and_lists_the_boards(contract,
                                                                            tmp_path):
    transport = contract("pinterest", "boards.page1", "boards.page2")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=TEXT, media=(video(tmp_path),),
                                      options={"board": "Cold brew"}))
    assert exc.value.code == "board_not_found"
    for name in ("“Cold brew”", "“Latte art”", "“Coffee recipes”", "“Roastery life”"):
        assert name in exc.value.message
    assert all(p == "GET /boards" for p in paths(transport))  # no upload, no pin


def test_a_missing_section_lists_the_sections(contract, tmp_path):
    contract("pinterest", "boards.page1", "boards.page2", "sections.list")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=TEXT, media=(image(tmp_path),), options={
            "board": BOARD2, "section": "Cold brew"}))
    assert exc.value.code == "section_not_found"
    assert "“Pour-over”" in exc.value.message and "“Espresso”" in exc.value.message


def test_a_deleted_default_board_lists_the_boards(contract, tmp_path):
    contract("pinterest", "pins.create_board_gone", "boards.page1", "boards.page2")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=TEXT, media=(image(tmp_path),)))
    assert exc.value.code == "board_not_found"
    assert "“Latte art”" in exc.value.message and "“Coffee recipes”" in exc.value.message


def test_without_a_default_board_the_first_board_is_used(contract, tmp_path):
    transport = contract("pinterest", "boards.page1", "boards.page2", "pins.create_image_url")
    make(settings={**SETTINGS, "board_id": "", "board_name": ""}).publish(
        PublishRequest(text="", media=(image(tmp_path, url=PUBLIC_URL),)))
    assert sent(transport, 2)["board_id"] == BOARD


def test_it_publishes_a_carousel_with_each_card_linked(contract, tmp_path):
    transport = contract("pinterest", "pins.create_carousel")
    pics = tuple(image(tmp_path, f"card{i}.png", alt_text=f"Card {i}") for i in range(3))
    make().publish(PublishRequest(text=TEXT, media=pics, options={
        "link": "https://zerno.coffee/latte", "title": "Three rosettas"}))
    body = sent(transport, 0)
    items = body["media_source"]["items"]
    assert len(items) == 3
    assert items[1]["link"] == "https://zerno.coffee/latte"
    assert items[1]["description"] == "Card 1" and items[1]["content_type"] == "image/png"
    assert "alt_text" not in body  # the cards carry their own


def test_a_video_pin_takes_its_cover_from_an_image_of_the_post(contract, tmp_path, waits):
    transport = contract("pinterest", "media.register", "upload.s3", "media.succeeded",
                         "pins.create_video_cover")
    make().publish(PublishRequest(text=TEXT, media=(video(tmp_path),
                                                    image(tmp_path, url=PUBLIC_URL))))
    assert "cover_image_key_frame_time" not in sent(transport, 3)["media_source"]


def test_it_uploads_a_video_streamed_and_waits_for_processing(contract, tmp_path, waits):
    transport = contract("pinterest", "media.register", "upload.s3", "media.registered",
                         "media.processing", "media.succeeded", "pins.create_video")
    result = make().publish(PublishRequest(text=TEXT, media=(video(tmp_path),),
                                           options={"cover_time": "3"}))
    assert result.raw == {"pin_id": PIN, "board_id": BOARD, "media_id": MEDIA}
    assert paths(transport) == ["POST /media", "POST /", f"GET /media/{MEDIA}",
                                f"GET /media/{MEDIA}", f"GET /media/{MEDIA}", "POST /pins"]
    upload = transport.requests[1]
    assert upload.url.host == "pinterest-media-upload.s3-accelerate.amazonaws.com"
    assert "authorization" not in upload.headers  # no Pinterest token to the storage
    assert mp4_bytes() in upload.content
    assert waits == list(media_module.VIDEO_WAITS[:2])


def test_the_video_upload_streams_from_the_file(contract, tmp_path, waits, monkeypatch):
    contract("pinterest", "media.register", "upload.s3", "media.succeeded",
             "pins.create_video")
    clip = video(tmp_path)
    monkeypatch.setattr(type(clip.path), "read_bytes",
                        lambda _self: pytest.fail("a video must not be read whole"))
    make().publish(PublishRequest(text=TEXT, media=(clip,), options={"cover_time": "3"}))


def test_a_video_pinterest_cannot_process_is_permanent(contract, tmp_path, waits):
    contract("pinterest", "media.register", "upload.s3", "media.processing", "media.failed")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=TEXT, media=(video(tmp_path),)))
    assert exc.value.code == "video_failed" and "pour-over.mp4" in exc.value.message


def test_a_video_still_processing_after_the_waits_is_transient(contract, tmp_path, waits,
                                                               monkeypatch):
    monkeypatch.setattr(media_module, "VIDEO_WAITS", (5, 10))
    contract("pinterest", "media.register", "upload.s3", "media.processing",
             "media.processing", "media.processing")
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text=TEXT, media=(video(tmp_path),)))
    assert exc.value.code == "still_processing" and waits == [5, 10]


# ---------------------------------------------------------------- errors


def test_a_rate_limit_waits_as_long_as_pinterest_says(contract, tmp_path):
    contract("pinterest", "pins.create_rate_limited")
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text=TEXT, media=(image(tmp_path),)))
    assert exc.value.retry_after == 120 and exc.value.scope == "channel"
    assert "2 minutes" in exc.value.message


def test_a_rate_limit_without_retry_after_reads_the_reset_header(contract, tmp_path):
    contract("pinterest", "pins.create_rate_limited_reset")
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text=TEXT, media=(image(tmp_path),)))
    assert exc.value.retry_after == 45 and exc.value.code == "rate_limited"


def test_a_refused_token_without_refresh_token_breaks_the_channel(contract, tmp_path):
    contract("pinterest", "pins.create_token_expired")
    with pytest.raises(PermanentError) as exc:
        make(credentials={"access_token": TOKEN}).publish(
            PublishRequest(text=TEXT, media=(image(tmp_path),)))
    assert exc.value.channel_broken and exc.value.code == "token_invalid"
    assert exc.value.message.startswith("Reconnect the channel")


def test_a_refused_token_is_renewed_once_and_the_call_repeated(contract, tmp_path, app):
    transport = contract("pinterest", "pins.create_token_expired", "token.refresh",
                         "pins.create_image_url")
    api = make()
    result = api.publish(PublishRequest(text="", media=(image(tmp_path, url=PUBLIC_URL),)))
    assert result.external_id == PIN
    assert transport.requests[2].headers["authorization"] == (
        "Bearer pina.ZernoAccessTokenRenewed9876543210")
    assert api.rotated.credentials["refresh_token"] == "pinr.ZernoRefreshTokenRenewed98765432"


def test_a_revoked_sign_in_breaks_the_channel_after_one_renewal(contract, tmp_path, app):
    transport = contract("pinterest", "pins.create_token_expired", "token.refresh_revoked")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=TEXT, media=(image(tmp_path),)))
    assert exc.value.channel_broken and exc.value.code == "refresh_failed"
    assert len(transport.requests) == 2


def test_a_missing_scope_names_it(contract, tmp_path):
    contract("pinterest", "pins.create_missing_scope")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=TEXT, media=(image(tmp_path),)))
    assert exc.value.code == "missing_permission" and exc.value.channel_broken
    assert "“pins:write”" in exc.value.message


def test_trial_access_is_explained(contract, tmp_path):
    contract("pinterest", "pins.create_trial")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=TEXT, media=(image(tmp_path),)))
    assert exc.value.code == "trial_access" and not exc.value.channel_broken
    assert "Standard access" in exc.value.message


def test_a_server_error_while_creating_is_ambiguous(contract, tmp_path):
    contract("pinterest", "pins.create_server_error")
    with pytest.raises(AmbiguousError) as exc:
        make().publish(PublishRequest(text=TEXT, media=(image(tmp_path),)))
    assert exc.value.code == "server_error"


def test_a_timeout_after_sending_is_ambiguous(contract, tmp_path):
    contract("pinterest", "pins.create_timeout")
    with pytest.raises(AmbiguousError):
        make().publish(PublishRequest(text=TEXT, media=(image(tmp_path),)))


# ---------------------------------------------------------------- find, delete


def test_it_finds_a_published_pin_by_its_description(contract):
    contract("pinterest", "pins.list_found")
    found = make().find_published(PublishRequest(text=TEXT, options={
        "title": "Rosetta latte art"}), since=SINCE)
    assert found.status == Found.FOUND and found.result.external_id == PIN


def test_a_pin_not_listed_is_unknown_not_absent(contract):
    contract("pinterest", "pins.list_lagging")
    found = make().find_published(PublishRequest(text=TEXT), since=SINCE)
    assert found.status == Found.UNKNOWN and "lag" in found.note


def test_a_pin_without_words_cannot_be_recognised():
    found = make().find_published(PublishRequest(text=" "), since=SINCE)
    assert found.status == Found.UNKNOWN


def test_it_deletes_a_pin_and_a_gone_pin_counts_as_deleted(contract):
    transport = contract("pinterest", "pins.delete", "pins.delete_gone")
    make().delete(PIN)
    make().delete(PIN)
    assert paths(transport) == [f"DELETE /pins/{PIN}", f"DELETE /pins/{PIN}"]


# ---------------------------------------------------------------- metrics


def test_it_reads_a_pins_metrics(contract):
    transport = contract("pinterest", "pins.get_image", "pins.analytics")
    metrics = make().fetch_post_metrics(PIN)
    assert metrics == {"views": 1240, "saves": 61, "pin_clicks": 137, "outbound_clicks": 48,
                       "clicks": 185, "comments": 4, "likes": 17}
    params = transport.requests[1].url.params
    start = datetime.fromisoformat(params["start_date"]).date()
    end = datetime.fromisoformat(params["end_date"]).date()
    assert (end - start).days == 89


def test_a_video_pin_has_video_views(contract):
    contract("pinterest", "pins.get_video", "pins.analytics_video")
    metrics = make().fetch_post_metrics(PIN)
    assert metrics["video_views"] == 812 and metrics["views"] == 3020


def test_it_reads_the_account_metrics(contract):
    contract("pinterest", "user_account.ok", "user_account.analytics")
    assert make().fetch_account_metrics() == {
        "followers": 1210, "following": 347, "posts": 339, "monthly_views": 16300,
        "impressions_30d": 15020, "saves_30d": 131, "pin_clicks_30d": 288,
        "outbound_clicks_30d": 96, "engagements_30d": 410}


def test_a_server_error_on_a_read_is_transient(contract, waits):
    transport = contract("pinterest", "pins.get_server_error", "pins.get_server_error",
                         "pins.get_server_error")
    with pytest.raises(TransientError) as exc:
        make().fetch_post_metrics(PIN)
    assert exc.value.code == "server_error" and len(transport.requests) == 3


def test_account_analytics_refused_leaves_the_counts(contract):
    contract("pinterest", "user_account.ok", "user_account.analytics_personal")
    assert make().fetch_account_metrics() == {
        "followers": 1210, "following": 347, "posts": 339, "monthly_views": 16300}


# ---------------------------------------------------------------- validate


def codes(req: PublishRequest) -> set[str]:
    return {i.code for i in PinterestConnector.validate(req)}


def test_it_validates_what_a_pin_holds(tmp_path):
    clip, pic = video(tmp_path), image(tmp_path)
    assert "media_required" in codes(PublishRequest(text=TEXT))
    assert "video_pin" in codes(PublishRequest(text=TEXT, media=(clip, pic, pic)))
    assert codes(PublishRequest(text=TEXT, media=(clip, pic))) == set()
    assert "too_many_media" in codes(PublishRequest(text=TEXT, media=(pic,) * 6))
    gif = image(tmp_path, "a.webp", mime="image/webp")
    assert "media_kind" in codes(PublishRequest(text=TEXT, media=(gif,)))
    assert "alt_text_too_long" in codes(PublishRequest(text=TEXT, media=(
        image(tmp_path, alt_text="x" * 501),)))
    assert {"title_too_long", "bad_link", "bad_cover_time"} <= codes(PublishRequest(
        text=TEXT, media=(pic,), options={"title": "t" * 101, "link": "zerno.coffee",
                                          "cover_time": "3s"}))
    assert "text_too_long" in codes(PublishRequest(text="x" * 801, media=(pic,)))
