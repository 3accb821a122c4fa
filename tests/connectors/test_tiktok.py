"""TikTok connector against the recorded Content Posting / Display API contract
(fixtures/tiktok)."""

from __future__ import annotations

import json
import struct
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from smmdesk.connectors import oauth
from smmdesk.connectors import tiktok as tiktok_module
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
from smmdesk.connectors.tiktok import TikTokConnector, uploads
from smmdesk.lib import http as http_lib
from smmdesk.lib.containers import mp4_duration
from smmdesk.lib.http import HttpClient
from tests.connectors.contract import request_body
from tests.files import png_bytes

OPEN_ID = "-000OFbsOZU8ikIzpRV-DvZBL2k5gVwMBg0L"
PUB = "v_pub_file~v2-1.7312086445371885611"
PUB_URL = "v_pub_url~v2-1.7312086445371885612"
PUB_PHOTO = "p_pub_url~v2-1.7312086445371885613"
PUB_INBOX = "v_inbox_file~v2-1.7312086445371885614"
VIDEO = "7312086576512798005"
CAPTION = "How we brew a V60 ☕ #coffee"
PUBLIC_URL = "https://smm.zerno.coffee/m/eyJhIjoxM30:1tX9aC:pour/"
PHOTO_URLS = ("https://smm.zerno.coffee/m/eyJhIjoxMn0:1tX9aB:latte/",
              "https://smm.zerno.coffee/m/eyJhIjoxNH0:1tX9aD:beans/")
EVERYONE = {"privacy_level": "PUBLIC_TO_EVERYONE"}


@pytest.fixture(autouse=True)
def _app(monkeypatch):
    monkeypatch.setenv("SMMDESK_TIKTOK_CLIENT_ID", "sbawx99tuchkscwygv")
    monkeypatch.setenv("SMMDESK_TIKTOK_CLIENT_SECRET", "tiktok-secret-for-tests")


@pytest.fixture(autouse=True)
def sleeps(monkeypatch):
    """Status polling pauses (and the HTTP client's), recorded instead of slept."""
    waited: list[float] = []
    monkeypatch.setattr(tiktok_module, "_pause", waited.append)
    monkeypatch.setattr(http_lib.time, "sleep", lambda s: None)
    return waited


def make(**settings) -> TikTokConnector:
    return TikTokConnector(ChannelContext(
        id=5, external_id=OPEN_ID, name="Zerno Coffee",
        credentials={"access_token": "act.zernoAccess0001",
                     "refresh_token": "rft.zernoRefresh0001", "open_id": OPEN_ID},
        settings={"username": "zerno.coffee", **settings}))


def box(name: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), name) + payload


def mp4_of(seconds: int, version: int = 0, size: int = 0) -> bytes:
    """ftyp, an mdat of ``size`` bytes, then moov/mvhd with the duration (moov last, as
    most cameras write it)."""
    if version == 1:
        times = struct.pack(">QQIQ", 0, 0, 600, seconds * 600)
    else:
        times = struct.pack(">IIII", 0, 0, 1000, seconds * 1000)
    mvhd = box(b"mvhd", bytes([version, 0, 0, 0]) + times + b"\0" * 80)
    return (box(b"ftyp", b"isom\0\0\2\0isomiso2") + box(b"mdat", b"\x11" * size)
            + box(b"moov", mvhd))


def video(tmp_path, *, seconds=42, size=0, url="") -> MediaFile:
    path = tmp_path / "pour-over.mp4"
    path.write_bytes(mp4_of(seconds, size=size))
    return MediaFile(path=path, kind=MediaKind.VIDEO, mime="video/mp4",
                     size=path.stat().st_size, name="pour-over.mp4", url=url)


def photo(tmp_path, n=0, url=PHOTO_URLS[0], mime="image/jpeg") -> MediaFile:
    path = tmp_path / f"photo{n}.jpg"
    path.write_bytes(png_bytes())
    return MediaFile(path=path, kind=MediaKind.IMAGE, mime=mime, size=path.stat().st_size,
                     name=path.name, url=url)


def sent(transport, n) -> dict:
    return request_body(transport.requests[n])[0]


def paths(transport) -> list[str]:
    return [f"{r.method} {r.url.path}" for r in transport.requests]


# ---------------------------------------------------------------- OAuth and tokens


def test_it_declares_login_kit_with_its_scopes():
    spec = TikTokConnector.oauth
    assert spec.authorize_url == "https://www.tiktok.com/v2/auth/authorize/"
    assert spec.token_url == "https://open.tiktokapis.com/v2/oauth/token/"
    assert spec.pkce and spec.scope_separator == ","
    assert set(spec.scopes) == {"user.info.basic", "user.info.stats", "video.publish",
                                "video.upload", "video.list"}
    assert TikTokConnector.refresh_ahead == timedelta(hours=1)


def test_it_connects_the_account_that_signed_in(contract):
    transport = contract("tiktok", "user_info.basic", "creator_info.public")
    token = {"access_token": "act.zernoAccess0001", "expires_in": 86400, "open_id": OPEN_ID,
             "refresh_token": "rft.zernoRefresh0001", "refresh_expires_in": 31536000,
             "scope": "user.info.basic,video.publish,video.list", "token_type": "Bearer"}
    [account] = TikTokConnector.oauth_accounts(token, HttpClient())
    assert (account.external_id, account.name) == (OPEN_ID, "Zerno Coffee")
    assert account.credentials == {"access_token": "act.zernoAccess0001",
                                   "refresh_token": "rft.zernoRefresh0001",
                                   "open_id": OPEN_ID}
    assert account.url == "https://www.tiktok.com/@zerno.coffee"
    assert account.settings["username"] == "zerno.coffee"
    assert account.settings["scopes"] == ["user.info.basic", "video.list", "video.publish"]
    left = account.token_expires_at - timezone.now()
    assert timedelta(hours=23) < left <= timedelta(hours=24)
    assert transport.requests[0].headers["authorization"] == "Bearer act.zernoAccess0001"
    notes = TikTokConnector.channel_notes(account.settings)
    assert "user.info.stats, video.upload" in notes[0]


def test_it_refreshes_the_token_with_client_key(contract):
    transport = contract("tiktok", "token.refresh")
    fresh = make().refresh_credentials()
    form = request_body(transport.requests[0])[1]
    assert "client_id" not in form and form["client_key"] == "sbawx99tuchkscwygv"
    assert fresh.credentials == {"access_token": "act.zernoAccess0002",
                                 "refresh_token": "rft.zernoRefresh0002", "open_id": OPEN_ID}
    assert timedelta(hours=23) < fresh.token_expires_at - timezone.now() <= timedelta(hours=24)
    until = datetime.fromisoformat(fresh.settings["refresh_expires_at"])
    assert timedelta(days=364) < until - timezone.now() <= timedelta(days=365)
    assert fresh.settings["username"] == "zerno.coffee"


def test_a_refused_refresh_token_breaks_the_channel(contract):
    contract("tiktok", "token.refresh_invalid")
    with pytest.raises(PermanentError) as exc:
        make().refresh_credentials()
    assert exc.value.channel_broken and "Reconnect" in exc.value.message
    assert "Refresh token is invalid or expired." in exc.value.message


def test_nothing_to_refresh_without_a_refresh_token():
    api = TikTokConnector(ChannelContext(5, OPEN_ID, "Zerno", credentials={
        "access_token": "act.x"}))
    assert api.refresh_credentials() is None


def test_an_expired_token_is_renewed_in_the_call(contract, tmp_path):
    transport = contract("tiktok", "creator_info.token_invalid", "token.refresh",
                         "creator_info.public", "video_init.pull", "status.pull_complete")
    api = make()
    result = api.publish(PublishRequest(text=CAPTION, options=EVERYONE,
                                        media=(video(tmp_path, url=PUBLIC_URL),)))
    assert result.external_id == VIDEO
    bearer = [r.headers.get("authorization") for r in transport.requests]
    assert bearer[0] == "Bearer act.zernoAccess0001"
    assert bearer[2:] == ["Bearer act.zernoAccess0002"] * 3
    assert api.rotated.credentials["refresh_token"] == "rft.zernoRefresh0002"


def test_an_expired_token_that_cannot_be_renewed_breaks_the_channel(contract, tmp_path):
    contract("tiktok", "creator_info.token_invalid", "token.refresh_invalid")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=CAPTION, options=EVERYONE,
                                      media=(video(tmp_path),)))
    assert exc.value.channel_broken and exc.value.code == "refresh_invalid"


def test_channel_notes_warn_before_the_sign_in_ends():
    soon = (timezone.now() + timedelta(days=5)).isoformat()
    later = (timezone.now() + timedelta(days=200)).isoformat()
    assert "reconnect" in TikTokConnector.channel_notes({"refresh_expires_at": soon})[0]
    assert TikTokConnector.channel_notes({"refresh_expires_at": later,
                                          "scopes": list(tiktok_module.SCOPES)}) == []


# ---------------------------------------------------------------- chunk rules


def test_chunk_plan_follows_the_media_transfer_guide():
    mb = 2**20
    assert uploads.chunk_plan(3 * mb) == (3 * mb, 1)  # under 5 MB: whole
    assert uploads.chunk_plan(50_000_123) == (10 * mb, 4)  # rounded down
    last = uploads.chunk_ranges(50_000_123)[-1]
    assert last == (30 * mb, 50_000_123) and last[1] - last[0] < 128 * mb
    chunk, count = uploads.chunk_plan(4 * 2**30)
    assert 5 * mb <= chunk <= 64 * mb and count <= 1000


def test_mp4_duration_is_read_from_mvhd(tmp_path):
    path = tmp_path / "v.mp4"
    path.write_bytes(mp4_of(75, size=5000))
    assert mp4_duration(path) == 75
    path.write_bytes(mp4_of(700, version=1))
    assert mp4_duration(path) == 700
    path.write_bytes(b"not a video at all")
    assert mp4_duration(path) is None


# ---------------------------------------------------------------- direct video posts


def test_it_uploads_a_video_in_chunks_streamed_from_disk(contract, tmp_path, monkeypatch,
                                                        sleeps):
    monkeypatch.setattr(uploads, "CHUNK_SIZE", 1000)
    monkeypatch.setattr(uploads, "PIECE", 256)
    read = []
    real_pieces = uploads.pieces

    def counted(path, start, end):
        for piece in real_pieces(path, start, end):
            read.append(len(piece))
            yield piece

    monkeypatch.setattr(uploads, "pieces", counted)
    media = video(tmp_path, size=3400)  # 3,5xx bytes: chunks 1000, 1000, the rest
    transport = contract("tiktok", "creator_info.public", "video_init.file_upload",
                         "upload.partial", "upload.partial", "upload.created",
                         "status.processing_upload", "status.complete")
    result = make().publish(PublishRequest(text=CAPTION, media=(media,), options={
        **EVERYONE, "disable_duet": "yes"}))
    assert result.external_id == VIDEO
    assert result.url == f"https://www.tiktok.com/@zerno.coffee/video/{VIDEO}"
    assert result.raw == {"publish_id": PUB, "mode": "direct", "source": "FILE_UPLOAD",
                          "status": "PUBLISH_COMPLETE"}
    init = sent(transport, 1)
    assert init["source_info"] == {"source": "FILE_UPLOAD", "video_size": media.size,
                                   "chunk_size": 1000, "total_chunk_count": 3}
    assert init["post_info"] == {
        "title": CAPTION, "privacy_level": "PUBLIC_TO_EVERYONE", "disable_comment": False,
        "disable_duet": True, "disable_stitch": True,  # stitches are off for this creator
        "brand_content_toggle": False, "brand_organic_toggle": False}
    puts = [r for r in transport.requests if r.method == "PUT"]
    size = media.size
    assert [r.headers["content-range"] for r in puts] == [
        f"bytes 0-999/{size}", f"bytes 1000-1999/{size}", f"bytes 2000-{size - 1}/{size}"]
    assert [r.headers["content-length"] for r in puts] == ["1000", "1000", str(size - 2000)]
    assert all("transfer-encoding" not in r.headers for r in puts)
    assert b"".join(r.content for r in puts) == media.path.read_bytes()
    assert max(read) == 256 and sum(read) == size  # never more than a piece in memory
    assert sleeps == [2]
    assert paths(transport)[-2:] == ["POST /v2/post/publish/status/fetch/"] * 2


def test_it_lets_tiktok_pull_a_public_video_with_the_creators_settings(contract, tmp_path,
                                                                      sleeps):
    transport = contract("tiktok", "creator_info.private_account", "video_init.pull",
                         "status.pull_downloading", "status.pull_complete")
    result = make().publish(PublishRequest(
        text=CAPTION, media=(video(tmp_path, url=PUBLIC_URL),),
        options={"privacy_level": "FOLLOWER_OF_CREATOR"}))
    assert result.external_id == VIDEO and result.raw["source"] == "PULL_FROM_URL"
    init = sent(transport, 1)
    assert init["source_info"] == {"source": "PULL_FROM_URL", "video_url": PUBLIC_URL}
    info = init["post_info"]
    assert (info["disable_comment"], info["disable_duet"], info["disable_stitch"]) == (
        True, True, True)  # switched off by the creator: TikTok wants them off
    assert not any(r.method == "PUT" for r in transport.requests)


def test_an_unverified_address_falls_back_to_uploading(contract, tmp_path):
    transport = contract("tiktok", "creator_info.public", "video_init.pull_unverified",
                         "video_init.file_upload", "upload.created", "status.complete")
    media = video(tmp_path, url=PUBLIC_URL)
    result = make().publish(PublishRequest(text=CAPTION, media=(media,), options=EVERYONE))
    assert result.raw["source"] == "FILE_UPLOAD"
    assert sent(transport, 2)["source_info"]["total_chunk_count"] == 1
    assert transport.requests[3].headers["content-range"] == (
        f"bytes 0-{media.size - 1}/{media.size}")


def test_a_privacy_the_creator_does_not_offer_is_refused_before_upload(contract, tmp_path):
    transport = contract("tiktok", "creator_info.private_account")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=CAPTION, media=(video(tmp_path),),
                                      options=EVERYONE))
    assert exc.value.code == "privacy_not_offered"
    assert "“Followers”" in exc.value.message and "“Only me”" in exc.value.message
    assert len(transport.requests) == 1


def test_a_video_longer_than_the_creator_may_post_is_refused(contract, tmp_path):
    contract("tiktok", "creator_info.private_account")  # 60 seconds at most
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=CAPTION, media=(video(tmp_path, seconds=75),),
                                      options={"privacy_level": "SELF_ONLY"}))
    assert exc.value.code == "video_too_long" and "60 seconds" in exc.value.message


# ---------------------------------------------------------------- status polling


def test_a_failed_post_says_why(contract, tmp_path, sleeps):
    contract("tiktok", "creator_info.public", "video_init.file_upload", "upload.created",
             "status.processing_upload", "status.failed_duration")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=CAPTION, media=(video(tmp_path),),
                                      options=EVERYONE))
    assert exc.value.code == "publish_failed:duration_check_failed"
    assert "longer than this TikTok account may post" in exc.value.message


def test_a_post_failed_because_access_was_removed_breaks_the_channel(contract, tmp_path):
    contract("tiktok", "creator_info.public", "video_init.file_upload", "upload.created",
             "status.failed_auth_removed")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=CAPTION, media=(video(tmp_path),),
                                      options=EVERYONE))
    assert exc.value.channel_broken


def test_a_post_still_processing_is_left_to_find_published(contract, tmp_path, monkeypatch,
                                                          sleeps):
    monkeypatch.setattr(TikTokConnector, "status_waits", (5,))
    contract("tiktok", "creator_info.public", "video_init.file_upload", "upload.created",
             "status.processing_upload", "status.processing_upload")
    with pytest.raises(AmbiguousError) as exc:
        make().publish(PublishRequest(text=CAPTION, media=(video(tmp_path),),
                                      options=EVERYONE))
    assert exc.value.raw == {"publish_id": PUB} and "PROCESSING_UPLOAD" in exc.value.message
    assert sleeps == [5]


def test_a_rate_limited_status_check_keeps_polling(contract, tmp_path, sleeps):
    contract("tiktok", "creator_info.public", "video_init.file_upload", "upload.created",
             "status.rate_limited", "status.complete")
    result = make().publish(PublishRequest(text=CAPTION, media=(video(tmp_path),),
                                           options=EVERYONE))
    assert result.external_id == VIDEO and sleeps == [2]


def test_a_private_post_keeps_its_publish_id(contract, tmp_path):
    transport = contract("tiktok", "creator_info.public", "video_init.file_upload",
                         "upload.created", "status.complete_private")
    api = make()
    result = api.publish(PublishRequest(text=CAPTION, media=(video(tmp_path),),
                                        options={"privacy_level": "SELF_ONLY"}))
    assert (result.external_id, result.url) == (PUB, "")
    assert api.fetch_post_metrics(PUB) == {} and len(transport.requests) == 4


# ---------------------------------------------------------------- inbox and photos


def test_inbox_mode_uploads_a_draft_without_creator_info(contract, tmp_path):
    transport = contract("tiktok", "inbox_init.file_upload", "upload.created",
                         "status.inbox")
    result = make().publish(PublishRequest(text=CAPTION, media=(video(tmp_path),),
                                           options={"mode": "inbox"}))
    assert result.external_id == PUB_INBOX and result.raw["mode"] == "inbox"
    assert "post_info" not in sent(transport, 0)
    assert paths(transport)[0] == "POST /v2/post/publish/inbox/video/init/"


def test_it_posts_photos_pulled_from_smmdesk(contract, tmp_path):
    transport = contract("tiktok", "creator_info.public", "photo_init.direct",
                         "status.photo_complete")
    media = (photo(tmp_path, 0, PHOTO_URLS[0]), photo(tmp_path, 1, PHOTO_URLS[1]))
    result = make().publish(PublishRequest(text="Two new roasts this week", media=media,
                                           options={**EVERYONE, "title": "New roasts",
                                                    "photo_cover_index": "2",
                                                    "brand_organic_toggle": "yes"}))
    assert result.url == "https://www.tiktok.com/@zerno.coffee/photo/7312086576512798777"
    body = sent(transport, 1)
    assert body["source_info"] == {"source": "PULL_FROM_URL", "photo_cover_index": 1,
                                   "photo_images": list(PHOTO_URLS)}
    assert body["post_info"] == {
        "title": "New roasts", "description": "Two new roasts this week",
        "privacy_level": "PUBLIC_TO_EVERYONE", "disable_comment": False,
        "brand_content_toggle": False, "brand_organic_toggle": True}
    assert TikTokConnector.needs_public_media


def test_photos_in_the_inbox_carry_no_privacy(contract, tmp_path):
    transport = contract("tiktok", "photo_init.inbox", "status.photo_inbox")
    result = make().publish(PublishRequest(text="Latte art", media=(photo(tmp_path),),
                                           options={"mode": "inbox"}))
    assert result.external_id == PUB_PHOTO
    assert sent(transport, 0)["post_info"] == {"title": "", "description": "Latte art"}


def test_a_post_without_media_is_refused_before_any_call(contract):
    transport = contract("tiktok")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text="Just words", options=EVERYONE))
    assert exc.value.code == "media_required" and transport.requests == []
    issues = TikTokConnector.validate(PublishRequest(text="Just words", options=EVERYONE))
    assert "media_required" in {i.code for i in issues}


def test_photos_on_a_private_address_are_refused(contract, tmp_path):
    contract("tiktok", "creator_info.public")
    media = (photo(tmp_path, url="http://localhost:8000/m/abc/"),)
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text="Latte", media=media, options=EVERYONE))
    assert exc.value.code == "media_not_public" and "SMMDESK_SITE_URL" in exc.value.message


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(("fixture", "kind", "code"), [
    ("video_init.unaudited", PermanentError, "unaudited_app"),
    ("video_init.too_many_posts", PermanentError, "daily_cap"),
    ("video_init.banned", PermanentError, "banned"),
    ("video_init.privacy_mismatch", PermanentError, "privacy_not_offered"),
    ("video_init.rate_limited", TransientError, "rate_limited"),
    ("video_init.active_user_cap", TransientError, "active_user_cap"),
    ("video_init.internal_error", TransientError, "server_error"),  # upload not begun
])
def test_init_errors_are_classified(contract, tmp_path, fixture, kind, code):
    contract("tiktok", "creator_info.public", fixture)
    with pytest.raises(kind) as exc:
        make().publish(PublishRequest(text=CAPTION, media=(video(tmp_path),),
                                      options=EVERYONE))
    assert type(exc.value) is kind and exc.value.code == code


def test_error_messages_name_the_fix(contract, tmp_path):
    contract("tiktok", "creator_info.public", "video_init.unaudited",
             "creator_info.public", "video_init.too_many_posts",
             "creator_info.public", "video_init.rate_limited",
             "creator_info.public", "video_init.active_user_cap")
    req = PublishRequest(text=CAPTION, media=(video(tmp_path),), options=EVERYONE)
    errors = []
    for _n in range(4):
        with pytest.raises((PermanentError, TransientError)) as exc:
            make().publish(req)
        errors.append(exc.value)
    unaudited, cap, slow, app = errors
    assert "“Only me”" in unaudited.message and "audited" in unaudited.message
    assert "15" in cap.message and "tomorrow" in cap.message
    assert slow.retry_after == 60.0 and slow.scope == "channel"
    assert app.scope == "app" and app.retry_after == 3600.0


def test_a_missing_permission_breaks_the_channel(contract, tmp_path):
    contract("tiktok", "creator_info.scope_missing")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=CAPTION, media=(video(tmp_path),),
                                      options=EVERYONE))
    assert exc.value.channel_broken and exc.value.code == "missing_permission"


def test_a_server_error_after_a_pull_init_is_ambiguous(contract, tmp_path):
    contract("tiktok", "creator_info.public", "video_init.internal_error")
    with pytest.raises(AmbiguousError):
        make().publish(PublishRequest(text=CAPTION, options=EVERYONE,
                                      media=(video(tmp_path, url=PUBLIC_URL),)))


def test_a_timeout_on_the_last_chunk_is_ambiguous(contract, tmp_path, monkeypatch):
    monkeypatch.setattr(uploads, "CHUNK_SIZE", 100)
    media = video(tmp_path, size=100)
    contract("tiktok", "creator_info.public", "video_init.file_upload", "upload.partial",
             "upload.timeout")
    with pytest.raises(AmbiguousError):
        make().publish(PublishRequest(text=CAPTION, media=(media,), options=EVERYONE))


def test_a_timeout_on_an_earlier_chunk_is_retried(contract, tmp_path, monkeypatch):
    monkeypatch.setattr(uploads, "CHUNK_SIZE", 100)
    media = video(tmp_path, size=100)
    contract("tiktok", "creator_info.public", "video_init.file_upload", "upload.timeout")
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text=CAPTION, media=(media,), options=EVERYONE))
    assert exc.value.code == "upload_interrupted"


# ---------------------------------------------------------------- find_published


def test_it_finds_the_post_by_its_caption(contract):
    transport = contract("tiktok", "video_list.first", "video_list.second")
    since = datetime.fromtimestamp(1796600000, UTC)
    found = make().find_published(PublishRequest(text=CAPTION, options=EVERYONE),
                                  since=since)
    assert found.status == Found.FOUND and found.result.external_id == VIDEO
    assert found.result.url == f"https://www.tiktok.com/@zerno.coffee/video/{VIDEO}"
    assert json.loads(transport.requests[1].content)["cursor"] == 1796635200000


def test_a_post_the_listing_does_not_show_is_unknown(contract):
    contract("tiktok", "video_list.first", "video_list.second")
    found = make().find_published(PublishRequest(text="Something else", options=EVERYONE),
                                  since=datetime.fromtimestamp(1796600000, UTC))
    assert found.status == Found.UNKNOWN and "public posts" in found.note
    assert TikTokConnector.listing_lag is None


def test_an_inbox_draft_is_never_looked_for(contract):
    transport = contract("tiktok")
    found = make().find_published(PublishRequest(text=CAPTION, options={"mode": "inbox"}),
                                  since=timezone.now())
    assert found.status == Found.UNKNOWN and transport.requests == []


# ---------------------------------------------------------------- metrics


def test_post_metrics_come_from_video_query(contract):
    contract("tiktok", "video_query.one")
    assert make().fetch_post_metrics(VIDEO) == {"views": 5231, "likes": 412, "comments": 37,
                                                "reposts": 19}


def test_a_video_the_query_does_not_return_has_no_metrics(contract):
    contract("tiktok", "video_query.none")
    assert make().fetch_post_metrics(VIDEO) == {}


def test_account_metrics_come_from_user_info(contract):
    contract("tiktok", "user_info.stats")
    assert make().fetch_account_metrics() == {"followers": 12840, "following": 37,
                                              "posts": 164}


# ---------------------------------------------------------------- declarations, validate


def test_it_declares_no_comments_and_the_privacy_choices():
    caps = TikTokConnector.capabilities
    assert not (caps.comments or caps.reply or caps.delete or caps.edit)
    assert caps.post_metrics and caps.account_metrics and caps.find_published
    options = {name: kind for name, _label, kind in TikTokConnector.variant_options}
    assert [v for v, _l in options["privacy_level"]] == [
        "PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"]
    assert {"mode", "disable_comment", "disable_duet", "disable_stitch",
            "brand_organic_toggle", "brand_content_toggle"} <= set(options)


def test_validate_applies_tiktoks_rules(tmp_path):
    def codes(**kw):
        return {i.code for i in TikTokConnector.validate(PublishRequest(**kw))}

    clip = video(tmp_path)
    assert codes(text=CAPTION, media=(clip,), options=EVERYONE) == set()
    assert "privacy_required" in codes(text=CAPTION, media=(clip,))
    assert codes(text=CAPTION, media=(clip,), options={"mode": "inbox"}) == set()
    assert "branded_private" in codes(text=CAPTION, media=(clip,), options={
        "privacy_level": "SELF_ONLY", "brand_content_toggle": "yes"})
    assert "photo_format" in codes(text="x", media=(photo(tmp_path, mime="image/png"),),
                                   options=EVERYONE)
    long_text = "a" * 3000  # over 2200 for a video, fine under photos (4000)
    assert "text_too_long" in codes(text=long_text, media=(clip,), options=EVERYONE)
    assert codes(text=long_text, media=(photo(tmp_path),), options=EVERYONE) == set()
    assert "title_too_long" in codes(text="x", media=(photo(tmp_path),),
                                     options={**EVERYONE, "title": "t" * 91})
    assert "mixed_media" in codes(text="x", media=(clip, photo(tmp_path)), options=EVERYONE)


def test_oauth_client_key_is_the_deployment_client_id():
    assert oauth.deployment_client(TikTokConnector.oauth).client_id == "sbawx99tuchkscwygv"


def test_the_sign_in_link_names_the_app_by_its_client_key():
    """TikTok calls the app's id ``client_key`` and refuses ``client_id``."""
    from smmdesk.connectors import oauth

    spec = TikTokConnector.oauth
    url = oauth.authorize_url(spec, oauth.OAuthClient("aw4tiktokkey", "s3cret"),
                              redirect_uri="https://smm.zerno.coffee/cb", state="st",
                              verifier="v" * 64)
    assert "client_key=aw4tiktokkey" in url and "client_id=" not in url
