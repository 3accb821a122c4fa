"""YouTube connector against the recorded Data API / Analytics contract (fixtures/youtube)."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from smmdesk.connectors import oauth
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
from smmdesk.connectors.youtube import YouTubeConnector, uploads
from smmdesk.connectors.youtube.common import seconds_to_pacific_midnight
from smmdesk.lib import http as http_lib
from smmdesk.lib.http import HttpClient
from tests.connectors.contract import request_body
from tests.files import mp4_bytes, png_bytes

CH = "UCZernoCoffeeKyiv123456A"
UU = "UU" + CH[2:]
VID = "Zr1nC0ffeeA"
T1 = "UgzOlenaAsksAboutGrind4AaABAg"
SPAM = "UgxSpamBotLinks4AaABAg"
TOKEN = "ya29.a0StaleAccessToken"
FRESH = "ya29.a0FreshAccessToken"
REFRESH = "1//0gRefreshZerno"
TEXT = "How we brew a V60 at Zerno\n15 g coffee, 250 g water, 3 minutes."
KB256 = 256 * 1024


@pytest.fixture(autouse=True)
def google_app(monkeypatch):
    monkeypatch.setenv("SMMDESK_YOUTUBE_CLIENT_ID", "1234-zerno.apps.googleusercontent.com")
    monkeypatch.setenv("SMMDESK_YOUTUBE_CLIENT_SECRET", "GOCSPX-test-secret")


@pytest.fixture
def waits(monkeypatch):
    """Upload resume waits and the HTTP client's own retry pauses, recorded not slept."""
    waited: list[float] = []
    monkeypatch.setattr(uploads, "sleep", waited.append)
    monkeypatch.setattr(http_lib.time, "sleep", lambda s: None)
    return waited


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(uploads, "CHUNK_SIZE", KB256)


def make(http: HttpClient | None = None, **creds) -> YouTubeConnector:
    credentials = {"access_token": TOKEN, "refresh_token": REFRESH, **creds}
    return YouTubeConnector(ChannelContext(
        id=7, external_id=CH, name="Zerno Coffee", credentials=credentials,
        settings={"uploads_playlist": UU}), http)


def video(tmp_path, size: int | None = None, name="v60.mp4", **kw) -> MediaFile:
    path = tmp_path / name
    path.write_bytes(mp4_bytes())
    if size is not None:
        with open(path, "r+b") as f:
            f.truncate(size)
    return MediaFile(path=path, kind=MediaKind.VIDEO, mime="video/mp4",
                     size=path.stat().st_size, name=name, **kw)


def image(tmp_path, name="cover.png") -> MediaFile:
    path = tmp_path / name
    path.write_bytes(png_bytes())
    return MediaFile(path=path, kind=MediaKind.IMAGE, mime="image/png",
                     size=path.stat().st_size, name=name)


def sent_json(transport, n=0):
    return request_body(transport.requests[n])[0]


def ranges(transport) -> list[str]:
    return [r.headers.get("content-range", "") for r in transport.requests
            if r.method == "PUT"]


# ---------------------------------------------------------------- OAuth and tokens


def test_it_asks_google_for_offline_access_with_pkce():
    spec = YouTubeConnector.oauth
    client = oauth.deployment_client(spec)
    url = oauth.authorize_url(spec, client, redirect_uri="https://smm.example/cb", state="s",
                              verifier="v" * 64)
    assert url.startswith("https://accounts.google.com/o/oauth2/v2/auth?")
    for part in ("access_type=offline", "prompt=consent", "code_challenge_method=S256",
                 "youtube.upload", "youtube.force-ssl", "yt-analytics.readonly"):
        assert part in url
    assert YouTubeConnector.refresh_ahead == timedelta(minutes=25)


def test_it_lists_the_channel_of_the_grant(contract):
    transport = contract("youtube", "channels.mine")
    token = {"access_token": TOKEN, "refresh_token": REFRESH, "expires_in": 3599}
    accounts = YouTubeConnector.oauth_accounts(token, HttpClient())
    assert len(accounts) == 1
    account = accounts[0]
    assert (account.external_id, account.name) == (CH, "Zerno Coffee")
    assert account.credentials == {"access_token": TOKEN, "refresh_token": REFRESH}
    assert account.settings == {"uploads_playlist": UU, "custom_url": "@zernocoffee"}
    assert account.url == f"https://www.youtube.com/channel/{CH}"
    assert account.token_expires_at is not None
    assert transport.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_it_explains_an_account_without_a_channel(contract):
    contract("youtube", "channels.mine_none")
    with pytest.raises(PermanentError) as exc:
        YouTubeConnector.oauth_accounts({"access_token": TOKEN, "refresh_token": REFRESH},
                                        HttpClient())
    assert exc.value.code == "no_channel"


def test_it_refuses_a_grant_without_a_refresh_token():
    with pytest.raises(PermanentError) as exc:
        YouTubeConnector.oauth_accounts({"access_token": TOKEN}, HttpClient())
    assert exc.value.code == "no_refresh_token"


def test_it_refreshes_the_access_token(contract):
    transport = contract("youtube", "token.refresh")
    fresh = make().refresh_credentials()
    assert fresh.credentials == {"access_token": FRESH, "refresh_token": REFRESH}
    assert fresh.token_expires_at is not None
    form = request_body(transport.requests[0])[1]
    assert form["client_id"] == "1234-zerno.apps.googleusercontent.com"
    assert form["client_secret"] == "GOCSPX-test-secret"


def test_a_revoked_refresh_token_breaks_the_channel(contract):
    contract("youtube", "token.invalid_grant")
    with pytest.raises(PermanentError) as exc:
        make().refresh_credentials()
    assert exc.value.channel_broken and exc.value.code == "token_invalid"
    assert "Reconnect" in exc.value.message


def test_nothing_to_refresh_without_a_refresh_token():
    assert make(refresh_token="").refresh_credentials() is None


def test_a_401_without_a_refresh_token_breaks_the_channel(contract):
    contract("youtube", "channels.unauthorized")
    with pytest.raises(PermanentError) as exc:
        make(refresh_token="").fetch_account_metrics()
    assert exc.value.channel_broken and exc.value.code == "token_invalid"


# ---------------------------------------------------------------- publish


def test_it_uploads_a_video_in_one_chunk(contract, tmp_path, waits):
    transport = contract("youtube", "upload.start", "upload.done")
    media = video(tmp_path)
    result = make().publish(PublishRequest(text=TEXT, media=(media,)))
    assert result.external_id == VID
    assert result.url == f"https://www.youtube.com/watch?v={VID}"
    assert result.raw == {"video_id": VID, "privacy": "public", "upload_status": "uploaded"}
    start = transport.requests[0]
    assert start.headers["x-upload-content-length"] == str(media.size)
    assert start.headers["x-upload-content-type"] == "video/mp4"
    assert sent_json(transport) == {
        "snippet": {"title": "How we brew a V60 at Zerno", "description": TEXT,
                    "categoryId": "22"},
        "status": {"privacyStatus": "public", "selfDeclaredMadeForKids": False}}
    assert ranges(transport) == [f"bytes 0-{media.size - 1}/{media.size}"]
    assert transport.requests[1].content == media.path.read_bytes()
    assert waits == []


def test_it_sends_the_options(contract, tmp_path, waits):
    transport = contract("youtube", "upload.start", "upload.done", "thumbnails.set",
                         "playlistItems.insert", "commentThreads.insert")
    options = {"title": "V60 guide", "tags": "coffee, #v60", "privacy": "unlisted",
               "publish_at": "2030-01-05T09:00:00+02:00", "playlist_id": "PLzernoBrewGuides01",
               "category_id": "26", "made_for_kids": "yes"}
    req = PublishRequest(text=TEXT, media=(video(tmp_path), image(tmp_path)), options=options,
                         first_comment="Beans: zerno.coffee/v60")
    result = make().publish(req)
    assert sent_json(transport) == {
        "snippet": {"title": "V60 guide", "description": TEXT, "categoryId": "26",
                    "tags": ["coffee", "v60"]},
        "status": {"privacyStatus": "private", "publishAt": "2030-01-05T07:00:00Z",
                   "selfDeclaredMadeForKids": True}}
    thumb = transport.requests[2]
    assert thumb.headers["content-type"] == "image/png"
    assert thumb.content == png_bytes()
    assert result.raw["thumbnail"]["ok"] and result.raw["playlist"]["ok"]
    assert result.raw["first_comment"] == {"ok": True, "id": "UgzFirstCommentZerno4AaABAg"}


def test_a_refused_thumbnail_does_not_fail_the_publish(contract, tmp_path, waits):
    contract("youtube", "upload.start", "upload.done", "thumbnails.forbidden")
    result = make().publish(PublishRequest(text=TEXT, media=(video(tmp_path),
                                                             image(tmp_path))))
    assert result.external_id == VID
    assert result.raw["thumbnail"]["ok"] is False
    assert result.raw["thumbnail"]["class"] == "permanent"


def test_it_publishes_a_short(contract, tmp_path, waits):
    transport = contract("youtube", "upload.start", "upload.done")
    media = video(tmp_path, width=1080, height=1920)
    result = make().publish(PublishRequest(text="Pour-over in 30 seconds", media=(media,),
                                           format=Format.REEL))
    assert result.url == f"https://www.youtube.com/shorts/{VID}"
    snippet = sent_json(transport)["snippet"]
    assert snippet["title"] == "Pour-over in 30 seconds"
    assert snippet["description"] == "Pour-over in 30 seconds\n\n#Shorts"


def test_it_uploads_chunk_by_chunk_following_the_range(contract, tmp_path, waits,
                                                       small_chunks):
    transport = contract("youtube", "upload.start", "upload.range_256k", "upload.range_512k",
                         "upload.done")
    media = video(tmp_path, size=600 * 1024)
    make().publish(PublishRequest(text=TEXT, media=(media,)))
    assert ranges(transport) == ["bytes 0-262143/614400", "bytes 262144-524287/614400",
                                 "bytes 524288-614399/614400"]
    assert [len(r.content) for r in transport.requests[1:]] == [KB256, KB256, 90112]


def test_it_resumes_after_a_503_mid_upload(contract, tmp_path, waits, small_chunks):
    transport = contract("youtube", "upload.start", "upload.range_256k", "upload.unavailable",
                         "upload.range_256k", "upload.range_512k", "upload.done")
    media = video(tmp_path, size=600 * 1024)
    result = make().publish(PublishRequest(text=TEXT, media=(media,)))
    assert result.external_id == VID
    assert ranges(transport) == [
        "bytes 0-262143/614400", "bytes 262144-524287/614400",
        "bytes */614400",  # what do you hold? the first chunk only
        "bytes 262144-524287/614400", "bytes 524288-614399/614400"]
    assert transport.requests[3].content == b""
    assert waits == [1]


def test_it_resumes_from_what_youtube_holds_after_a_lost_connection(contract, tmp_path, waits,
                                                                    small_chunks):
    transport = contract("youtube", "upload.start", "upload.timeout", "upload.range_none",
                         "upload.range_256k", "upload.range_512k", "upload.done")
    make().publish(PublishRequest(text=TEXT, media=(video(tmp_path, size=600 * 1024),)))
    assert ranges(transport) == [
        "bytes 0-262143/614400", "bytes */614400", "bytes 0-262143/614400",
        "bytes 262144-524287/614400", "bytes 524288-614399/614400"]


def test_a_timeout_after_the_last_chunk_is_answered_by_the_session(contract, tmp_path, waits):
    transport = contract("youtube", "upload.start", "upload.timeout", "upload.done")
    media = video(tmp_path)
    result = make().publish(PublishRequest(text=TEXT, media=(media,)))
    assert result.external_id == VID
    assert ranges(transport)[-1] == f"bytes */{media.size}"


def test_a_timeout_after_the_last_chunk_with_no_answer_is_ambiguous(contract, tmp_path, waits):
    contract("youtube", "upload.start", *["upload.timeout"] * 6)
    with pytest.raises(AmbiguousError):
        make().publish(PublishRequest(text=TEXT, media=(video(tmp_path),)))
    assert waits == list(uploads.RESUME_WAITS)


def test_an_upload_that_keeps_failing_midway_is_transient(contract, tmp_path, waits,
                                                          small_chunks):
    contract("youtube", "upload.start", *["upload.unavailable"] * 6)
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text=TEXT, media=(video(tmp_path, size=600 * 1024),)))
    assert exc.value.code == "upload_interrupted"


def test_a_closed_session_after_the_last_chunk_is_ambiguous(contract, tmp_path, waits):
    contract("youtube", "upload.start", "upload.unavailable", "upload.session_gone")
    with pytest.raises(AmbiguousError) as exc:
        make().publish(PublishRequest(text=TEXT, media=(video(tmp_path),)))
    assert exc.value.code == "session_gone"


def test_a_refused_upload_is_permanent(contract, tmp_path, waits):
    contract("youtube", "upload.start", "upload.invalid_title")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=TEXT, media=(video(tmp_path),)))
    assert exc.value.code == "invalidTitle" and not exc.value.channel_broken


def test_an_expired_token_is_refreshed_and_the_call_repeated(contract, tmp_path, waits):
    transport = contract("youtube", "upload.start_expired", "token.refresh", "upload.start",
                         "upload.done")
    api = make()
    result = api.publish(PublishRequest(text=TEXT, media=(video(tmp_path),)))
    assert result.external_id == VID
    assert transport.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert transport.requests[2].headers["authorization"] == f"Bearer {FRESH}"
    assert transport.requests[3].headers["authorization"] == f"Bearer {FRESH}"
    assert api.rotated.credentials["access_token"] == FRESH  # stored by the engine


def test_a_token_expiring_during_the_upload_is_renewed(contract, tmp_path, waits, small_chunks):
    transport = contract("youtube", "upload.start", "upload.range_256k", "upload.expired_token",
                         "token.refresh", "upload.range_256k", "upload.range_512k",
                         "upload.done")
    make().publish(PublishRequest(text=TEXT, media=(video(tmp_path, size=600 * 1024),)))
    puts = [r for r in transport.requests if r.method == "PUT"]
    assert puts[2].headers["content-range"] == "bytes */614400"
    assert puts[2].headers["authorization"] == f"Bearer {FRESH}"


def test_the_renewal_goes_through_the_channel_claim(contract, tmp_path, waits):
    contract("youtube", "upload.start_expired", "upload.start", "upload.done")
    renewed = []

    def renewal(renew):  # another worker stored fresh credentials meanwhile
        renewed.append(True)
        from smmdesk.connectors.base import ConnectResult
        return ConnectResult(CH, "Zerno Coffee", {"access_token": FRESH,
                                                  "refresh_token": REFRESH})

    api = YouTubeConnector(ChannelContext(
        id=7, external_id=CH, name="Zerno Coffee", renewal=renewal,
        credentials={"access_token": TOKEN, "refresh_token": REFRESH}))
    assert api.publish(PublishRequest(text=TEXT, media=(video(tmp_path),))).external_id == VID
    assert renewed == [True] and api.rotated is None


def test_the_quota_waits_for_midnight_pacific_for_every_channel(contract, tmp_path, waits):
    contract("youtube", "upload.start_quota")
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text=TEXT, media=(video(tmp_path),)))
    assert exc.value.code == "quota_exceeded" and exc.value.scope == "app"
    assert abs(exc.value.retry_after - seconds_to_pacific_midnight()) < 5


def test_midnight_pacific_is_counted_in_california():
    # 2026-12-07 20:00 UTC is 12:00 in Los Angeles (PST): twelve hours to go.
    assert seconds_to_pacific_midnight(datetime(2026, 12, 7, 20, 0, tzinfo=UTC)) == 12 * 3600
    # Summer time (PDT, UTC-7): 06:59 UTC is 23:59 the day before.
    assert seconds_to_pacific_midnight(datetime(2026, 7, 1, 6, 59, tzinfo=UTC)) == 60


def test_a_rate_limit_honours_retry_after(contract, tmp_path, waits):
    contract("youtube", "upload.start_rate_limited")
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text=TEXT, media=(video(tmp_path),)))
    assert exc.value.code == "rate_limited" and exc.value.retry_after == 30
    assert exc.value.scope == "channel"


def test_the_daily_upload_limit_is_transient(contract, tmp_path, waits):
    contract("youtube", "upload.start_upload_limit")
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text=TEXT, media=(video(tmp_path),)))
    assert exc.value.code == "upload_limit" and exc.value.retry_after == 6 * 3600


@pytest.mark.parametrize("fixture", ["upload.start_no_permission", "upload.start_forbidden"])
def test_missing_permissions_break_the_channel_with_the_fix(contract, tmp_path, waits, fixture):
    contract("youtube", fixture)
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=TEXT, media=(video(tmp_path),)))
    assert exc.value.channel_broken
    assert "Reconnect" in exc.value.message and "tick every box" in exc.value.message


class CountingTransport(httpx.BaseTransport):
    """A session that takes every chunk: counts the bytes of each request and the
    largest piece handed over at once, as a socket would, keeping none of them."""

    def __init__(self, size: int):
        self.size, self.held, self.sizes, self.largest_piece = size, 0, [], 0

    def handle_request(self, request):
        if request.method == "POST":
            return httpx.Response(200, headers={
                "location": "https://www.googleapis.com/upload/youtube/v3/videos?upload_id=x"})
        sent = 0
        for piece in request.stream:
            sent += len(piece)
            self.largest_piece = max(self.largest_piece, len(piece))
        assert int(request.headers["content-length"]) == sent
        assert "transfer-encoding" not in request.headers
        self.sizes.append(sent)
        self.held += sent
        if self.held >= self.size:
            return httpx.Response(201, json={"id": VID, "status": {}})
        return httpx.Response(308, headers={"range": f"bytes=0-{self.held - 1}"})


def test_a_2_gb_video_is_never_held_in_memory(tmp_path, waits):
    size = 2 * 2**30
    transport = CountingTransport(size)
    http_lib.set_transport_factory(lambda: transport)
    media = video(tmp_path, size=size, name="roastery-tour.mp4")  # sparse: no disk used
    tracemalloc.start()
    try:
        result = make().publish(PublishRequest(text=TEXT, media=(media,)))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.external_id == VID
    assert len(transport.sizes) == size // uploads.CHUNK_SIZE == 256
    assert sum(transport.sizes) == size and max(transport.sizes) <= uploads.CHUNK_SIZE
    assert transport.largest_piece <= uploads.PIECE_SIZE
    assert peak < 4 * uploads.PIECE_SIZE  # a piece at a time: never a chunk, never the file


# ---------------------------------------------------------------- validate


def test_a_short_longer_than_three_minutes_is_refused(tmp_path):
    """YouTube reads a Short's length from the file; so does smmdesk (its mvhd box)."""
    import struct

    def mp4(seconds: int) -> MediaFile:
        def box(kind, payload):
            return struct.pack(">I", 8 + len(payload)) + kind + payload
        mvhd = box(b"mvhd", b"\0\0\0\0" + struct.pack(">IIII", 0, 0, 1000, seconds * 1000)
                   + b"\0" * 80)
        path = tmp_path / f"short-{seconds}.mp4"
        path.write_bytes(box(b"ftyp", b"isom\0\0\2\0isomiso2") + box(b"moov", mvhd))
        return MediaFile(path=path, kind=MediaKind.VIDEO, mime="video/mp4",
                         size=path.stat().st_size, width=1080, height=1920)

    def codes(seconds):
        req = PublishRequest(text="Pour-over in 60 s", format=Format.REEL,
                             media=(mp4(seconds),))
        return {i.code for i in YouTubeConnector.validate(req)}

    assert "shorts_too_long" not in codes(175)
    assert "shorts_too_long" in codes(200)


def test_it_validates_a_post():
    def issues(req):
        return {i.code for i in YouTubeConnector.validate(req)}

    v = MediaFile(path=__import__("pathlib").Path("v.mp4"), kind=MediaKind.VIDEO,
                  mime="video/mp4", size=10, width=1920, height=1080)
    img = MediaFile(path=__import__("pathlib").Path("c.png"), kind=MediaKind.IMAGE,
                    mime="image/png", size=10)
    assert issues(PublishRequest(text="Hi", media=(v,))) == set()
    assert issues(PublishRequest(text="Hi")) >= {"media_required", "one_video"}
    assert "one_video" in issues(PublishRequest(text="Hi", media=(v, v)))
    assert "one_thumbnail" in issues(PublishRequest(text="Hi", media=(v, img, img)))
    assert "text_too_long" in issues(PublishRequest(text="ї" * 2501, media=(v,)))
    assert "text_too_long" not in issues(PublishRequest(text="i" * 5000, media=(v,)))
    assert "angle_brackets" in issues(PublishRequest(text="a <b>", media=(v,)))
    assert "title_too_long" in issues(PublishRequest(text="Hi", media=(v,),
                                                     options={"title": "t" * 101}))
    assert "privacy" in issues(PublishRequest(text="Hi", media=(v,),
                                              options={"privacy": "friends"}))
    assert "publish_at" in issues(PublishRequest(text="Hi", media=(v,),
                                                 options={"publish_at": "tomorrow"}))
    assert "publish_at" in issues(PublishRequest(text="Hi", media=(v,),
                                                 options={"publish_at": "2001-01-01T00:00"}))
    assert "shorts_vertical" in issues(PublishRequest(text="Hi", media=(v,),
                                                      format=Format.REEL))
    assert "format_unsupported" in issues(PublishRequest(text="Hi", media=(v,),
                                                         format=Format.STORY))


def test_the_title_comes_from_the_first_line():
    from smmdesk.connectors.youtube.videos import video_title

    assert video_title(PublishRequest(text="\n<b>Big</b> news\nmore")) == "bBig/b news"
    long = video_title(PublishRequest(text="w" * 150))
    assert len(long) == 100 and long.endswith("…")


# ---------------------------------------------------------------- find_published


def test_it_finds_the_video_in_the_uploads_playlist(contract):
    transport = contract("youtube", "playlistItems.uploads_found")
    found = make().find_published(PublishRequest(text=TEXT),
                                  since=datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    assert found.status == Found.FOUND and found.result.external_id == VID
    assert transport.requests[0].url.params["maxResults"] == "50"


def test_a_video_missing_from_the_lagging_uploads_list_is_unknown(contract):
    contract("youtube", "playlistItems.uploads_without_it")
    found = make().find_published(PublishRequest(text=TEXT),
                                  since=datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    assert found.status == Found.UNKNOWN and "delay" in found.note
    assert YouTubeConnector.listing_lag is None


def test_an_older_video_with_the_same_text_is_not_ours(contract):
    contract("youtube", "playlistItems.uploads_found")
    found = make().find_published(PublishRequest(text=TEXT),
                                  since=datetime(2026, 12, 2, tzinfo=UTC))
    assert found.status == Found.UNKNOWN


def test_it_deletes_a_video_and_a_gone_one_counts(contract):
    contract("youtube", "videos.delete", "videos.delete_gone")
    make().delete(VID)
    make().delete(VID)


# ---------------------------------------------------------------- comments


def test_it_reads_a_videos_comments_with_replies(contract):
    transport = contract("youtube", "commentThreads.video")
    comments = make().fetch_comments(VID)
    assert [c.external_id for c in comments] == [T1, T1 + ".9xZernoReply01", SPAM]
    first, reply, _spam = comments
    assert (first.author_name, first.text, first.by_us) == (
        "Olena K", "What grind size do you use?", False)
    assert first.created_at == datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert (reply.parent_external_id, reply.by_us) == (T1, True)
    assert transport.requests[0].url.params["textFormat"] == "plainText"


def test_it_reads_the_whole_channels_comments_and_since(contract):
    contract("youtube", "commentThreads.channel")
    comments = make().fetch_comments("", since=datetime(2026, 12, 1, tzinfo=UTC))
    assert [c.external_id for c in comments] == [T1, T1 + ".9xZernoReply01"]
    assert comments[0].post_external_id == VID


def test_comments_turned_off_mean_no_comments(contract):
    contract("youtube", "commentThreads.disabled")
    assert make().fetch_comments(VID) == []


def test_it_replies_under_the_top_comment(contract):
    transport = contract("youtube", "comments.insert")
    reply_to = RemoteComment(T1 + ".9xZernoReply01", VID, CH, "Zerno Coffee", "salt",
                             datetime(2026, 12, 1, tzinfo=UTC), parent_external_id=T1)
    reply = make().reply(reply_to, "Thanks, Olena!")
    assert reply.external_id == T1 + ".9xZernoReply02"
    assert (reply.parent_external_id, reply.by_us, reply.post_external_id) == (T1, True, VID)
    assert sent_json(transport) == {"snippet": {"parentId": T1,
                                                "textOriginal": "Thanks, Olena!"}}


def test_it_hides_and_shows_a_comment(contract):
    contract("youtube", "comments.moderate_heldForReview", "comments.moderate_published")
    make().hide_comment(SPAM)
    make().hide_comment(SPAM, hidden=False)


def test_it_deletes_our_comment_and_rejects_anyone_elses(contract):
    contract("youtube", "comments.delete", "comments.delete_forbidden",
             "comments.moderate_rejected")
    make().delete_comment(T1 + ".9xZernoReply01")
    make().delete_comment(SPAM)


# ---------------------------------------------------------------- metrics


def test_it_reads_a_videos_metrics(contract):
    transport = contract("youtube", "videos.statistics", "analytics.video")
    metrics = make().fetch_post_metrics(VID)
    assert metrics == {"views": 1523, "likes": 87, "comments": 12, "reposts": 14,
                       "watch_minutes": 3120, "subscribers_gained": 9}
    params = transport.requests[1].url.params
    assert params["startDate"] == "2005-04-23" and params["endDate"]


def test_metrics_without_analytics_still_count(contract):
    contract("youtube", "videos.statistics", "analytics.forbidden")
    assert make().fetch_post_metrics(VID) == {"views": 1523, "likes": 87, "comments": 12}


def test_metrics_of_a_deleted_video(contract):
    contract("youtube", "videos.statistics_none")
    with pytest.raises(PermanentError) as exc:
        make().fetch_post_metrics(VID)
    assert exc.value.code == "not_found"


def test_it_reads_the_channels_metrics(contract):
    contract("youtube", "channels.statistics", "channels.statistics_hidden")
    assert make().fetch_account_metrics() == {"followers": 12400, "posts": 318,
                                              "views": 1843021}
    assert make().fetch_account_metrics() == {"posts": 318, "views": 1843021}


def test_quota_is_declared():
    assert YouTubeConnector.metrics_reads_per_run <= 10
    assert YouTubeConnector.rate_limits[0].scope == "app"
    names = {name for name, _label, _kind in YouTubeConnector.variant_options}
    assert names == {"title", "privacy", "publish_at", "tags", "playlist_id", "category_id",
                     "made_for_kids"}


def test_a_token_expiring_mid_upload_without_a_refresh_token_breaks_the_channel(
        contract, tmp_path, waits):
    contract("youtube", "upload.start", "upload.expired_token")
    with pytest.raises(PermanentError) as exc:
        make(refresh_token="").publish(PublishRequest(text=TEXT, media=(video(tmp_path),)))
    assert exc.value.channel_broken


def test_a_video_without_text_is_named_after_its_file(contract, tmp_path, waits):
    transport = contract("youtube", "upload.start", "upload.done")
    make().publish(PublishRequest(text="", media=(video(tmp_path, name="roast-day.mp4"),)))
    assert sent_json(transport)["snippet"]["title"] == "roast-day"
