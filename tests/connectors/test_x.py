"""X connector against the recorded API v2 contract (fixtures/x/*.json)."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from smmdesk.connectors.base import (
    AmbiguousError,
    ChannelContext,
    ConnectResult,
    Format,
    Found,
    MediaFile,
    MediaKind,
    PermanentError,
    PublishRequest,
    RemoteComment,
    TransientError,
)
from smmdesk.connectors.x import XConnector, common, media
from smmdesk.connectors.x.text import thread_parts, weighted_length
from smmdesk.lib import http as http_lib
from tests.connectors.contract import FixtureTransport, load_fixture, request_body
from tests.files import mp4_bytes

USER = "1587446522018508800"
ACCESS = "Z2hUc3lmNkx0U2NNbmVpR0FKWDFEOjE3NjUxMjY4MDAwMDA6MTowOmF0OjE"
REFRESH = "cmVmcmVzaC10b2tlbi1vbmUtdGltZS11c2UtMQ"
ACCESS2 = "bVhTd0JrTnFIRlc3Z2lPZ2ZxM1pBOjE3NjUxMzQwMDAwMDA6MTowOmF0OjE"
REFRESH2 = "dkRLY2tXYk5sT0ZhM2pzN3ZZRUhOOjE3NjUxMzQwMDAwMDA6MTowOnJ0OjE"
CLIENT_ID, CLIENT_SECRET = "M1M5R3BMWjdGUjBrdDhvYkNDY2s6MTpjaQ", "x-client-secret-7Qp2"
POST = "1865432109876543210"
T1, T2, T3 = "1865432200000000001", "1865432200000000002", "1865432200000000003"
TEXT = "New single origin from Ethiopia is in: bright, floral, a little bergamot ☕"
P1 = "Our Ethiopian lot, start to cup: a thread 🧵"
P2 = "1/ It grows at 2,000 m in Guji, picked by hand and washed the same day."
P3 = "2/ We roast it light to keep the bergamot. Brew at 93 °C, 1:16."
THREAD = f"{P1}\n---\n{P2}\n---\n{P3}"
COMMENT = "Beans and brewing guide: https://zerno.coffee/ethiopia"
SINCE = datetime(2026, 12, 7, 9, 58, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _app(monkeypatch):
    monkeypatch.setenv("SMMDESK_X_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SMMDESK_X_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.delenv("SMMDESK_X_TIER", raising=False)


@pytest.fixture
def sleeps(monkeypatch):
    waited: list[float] = []
    monkeypatch.setattr(common, "sleep", waited.append)
    monkeypatch.setattr(http_lib.time, "sleep", waited.append)
    return waited


@pytest.fixture
def served():
    """Like ``contract``, for fixtures a test adjusts first (rate-limit resets are
    absolute times)."""
    installed: list[FixtureTransport] = []

    def install(*fixtures: dict) -> FixtureTransport:
        transport = FixtureTransport(list(fixtures))
        http_lib.set_transport_factory(lambda: transport)
        installed.append(transport)
        return transport

    yield install
    for transport in installed:
        assert not transport.unused(), f"fixtures never requested: {transport.unused()}"


def fixture(name: str, **headers: str) -> dict:
    data = load_fixture("x", name)
    data["response"].setdefault("headers", {}).update(headers)
    return data


def make(tier="basic", credentials=None, renewal=None, settings=None) -> XConnector:
    """Build after ``contract(...)``: the client picks its transport when it is created."""
    creds = {"access_token": ACCESS, "refresh_token": REFRESH,
             "expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}
    return XConnector(ChannelContext(
        id=7, external_id=USER, name="Zerno Coffee",
        credentials={**creds, **(credentials or {})},
        settings={"username": "zerno_coffee", "tier": tier, **(settings or {})},
        renewal=renewal))


def sent(transport, n=0):
    return request_body(transport.requests[n])


def bearer(transport, n) -> str:
    return transport.requests[n].headers["Authorization"].removeprefix("Bearer ")


def png(tmp_path, alt="") -> MediaFile:
    path = tmp_path / "v60.png"
    Image.new("RGB", (8, 6), (180, 120, 60)).save(path, "PNG")
    return MediaFile(path=path, kind=MediaKind.IMAGE, mime="image/png",
                     size=path.stat().st_size, name="v60.png", alt_text=alt)


def mp4(tmp_path, kind=MediaKind.VIDEO) -> MediaFile:
    path = tmp_path / "pour.mp4"
    path.write_bytes(mp4_bytes())  # 90 bytes: two chunks of 64
    return MediaFile(path=path, kind=kind, mime="video/mp4", size=path.stat().st_size,
                     name="pour.mp4")


# ---------------------------------------------------------------- connect and tokens


def test_oauth_is_pkce_with_basic_auth_and_the_scopes_it_uses():
    spec = XConnector.oauth
    assert spec.authorize_url == "https://x.com/i/oauth2/authorize"
    assert spec.token_url == "https://api.x.com/2/oauth2/token"
    assert spec.pkce and spec.basic_auth and spec.env_prefix == "SMMDESK_X"
    assert {"tweet.read", "tweet.write", "users.read", "offline.access",
            "media.write"} <= set(spec.scopes)


def test_oauth_accounts_names_the_account_and_keeps_the_tokens(contract, monkeypatch):
    monkeypatch.setenv("SMMDESK_X_TIER", "basic")
    t = contract("x", "users.me")
    before = datetime.now(UTC)
    [account] = XConnector.oauth_accounts(
        {"access_token": ACCESS, "refresh_token": REFRESH, "expires_in": 7200,
         "scope": " ".join(XConnector.oauth.scopes)}, http_lib.HttpClient())
    assert bearer(t, 0) == ACCESS
    assert (account.external_id, account.name) == (USER, "Zerno Coffee")
    assert account.settings == {"username": "zerno_coffee", "tier": "basic"}
    assert account.url == "https://x.com/zerno_coffee"
    assert account.credentials["refresh_token"] == REFRESH
    assert timedelta(minutes=119) < account.token_expires_at - before < timedelta(minutes=121)


def test_oauth_accounts_defaults_to_the_free_tier(contract):
    contract("x", "users.me")
    [account] = XConnector.oauth_accounts({"access_token": ACCESS, "expires_in": 7200},
                                          http_lib.HttpClient())
    assert account.settings["tier"] == "free"


def test_oauth_accounts_refuses_a_grant_without_posting(contract):
    with pytest.raises(PermanentError) as exc:
        XConnector.oauth_accounts({"access_token": ACCESS, "scope": "tweet.read users.read"},
                                  http_lib.HttpClient())
    assert exc.value.code == "scope_missing" and "tweet.write" in exc.value.message


def test_refresh_rotates_both_tokens_with_basic_auth(contract):
    t = contract("x", "oauth.refresh")
    fresh = make().refresh_credentials()
    auth = t.requests[0].headers["Authorization"]
    assert auth == "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert "client_secret" not in sent(t)[1]
    assert fresh.credentials["access_token"] == ACCESS2
    assert fresh.credentials["refresh_token"] == REFRESH2  # the old one is spent
    assert fresh.token_expires_at > datetime.now(UTC) + timedelta(minutes=119)
    assert XConnector.refresh_ahead == timedelta(minutes=30)


def test_a_revoked_refresh_token_breaks_the_channel(contract):
    contract("x", "oauth.refresh_revoked")
    with pytest.raises(PermanentError) as exc:
        make().refresh_credentials()
    assert exc.value.channel_broken and "Reconnect" in exc.value.message


def test_a_401_mid_call_renews_once_and_goes_on(contract):
    t = contract("x", "tweets.create.unauthorized", "oauth.refresh", "tweets.create.text")
    api = make()
    result = api.publish(PublishRequest(text=TEXT))
    assert result.external_id == POST
    assert bearer(t, 2) == ACCESS2
    assert api.rotated.credentials["refresh_token"] == REFRESH2  # the engine stores it


def test_renewal_goes_through_the_channel_layer_once_for_all_workers(contract):
    """Another worker renewed first: its tokens are used, no refresh is spent."""
    t = contract("x", "tweets.create.unauthorized", "tweets.create.text")
    calls = []

    def renewal(renew):
        calls.append(renew)
        return ConnectResult(USER, "Zerno Coffee", credentials={
            "access_token": ACCESS2, "refresh_token": REFRESH2})

    api = make(renewal=renewal)
    assert api.publish(PublishRequest(text=TEXT)).external_id == POST
    assert len(calls) == 1 and bearer(t, 1) == ACCESS2 and api.rotated is None


def test_a_token_about_to_expire_is_renewed_before_the_call(contract):
    t = contract("x", "oauth.refresh", "tweets.create.text")
    api = make(credentials={"expires_at": (datetime.now(UTC) + timedelta(seconds=20))
                            .isoformat()})
    api.publish(PublishRequest(text=TEXT))
    assert bearer(t, 1) == ACCESS2


def test_a_second_401_after_renewal_breaks_the_channel(contract):
    contract("x", "tweets.create.unauthorized", "oauth.refresh",
             "tweets.create.unauthorized")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=TEXT))
    assert exc.value.channel_broken and exc.value.code == "unauthorized"


def test_a_401_whose_refresh_is_refused_breaks_the_channel(contract):
    contract("x", "tweets.create.unauthorized", "oauth.refresh_revoked")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=TEXT))
    assert exc.value.channel_broken


# ---------------------------------------------------------------- weighted length


@pytest.mark.parametrize("text, length", [
    ("hello", 5),
    ("Привіт, світ", 12),  # Cyrillic weighs 1
    ("日本語", 6),  # CJK weighs 2
    ("☕", 2),
    ("👍🏽", 2),  # an emoji with a skin tone is one emoji
    ("👨‍👩‍👧", 2),  # a ZWJ family too
    ("see https://zerno.coffee/a/very/long/path?utm_source=x ok", 4 + 23 + 3),
    ("zerno.coffee.", 24),  # a bare domain is a link; the full stop is not
    ("café", 4),  # NFC: é is one character whether composed or not
    ("cafe\u0301", 4),
])
def test_weighted_length_counts_as_x_does(text, length):
    assert weighted_length(text) == length


def test_validate_uses_the_weighted_count():
    assert not XConnector.validate(PublishRequest(text="a" * 280))
    [issue] = XConnector.validate(PublishRequest(text="日" * 141))  # 282 weighted
    assert issue.code == "text_too_long" and "282" in issue.message
    url = "https://zerno.coffee/" + "x" * 300
    assert not XConnector.validate(PublishRequest(text=url))  # a link is 23


def test_validate_thread_parts_and_first_comment():
    long = " ".join(["word"] * 120)  # 599: cut into parts of at most 280
    req = PublishRequest(text=long, format=Format.THREAD)
    assert not XConnector.validate(req)
    assert all(weighted_length(p) <= 280 for p in thread_parts(req))
    assert len(thread_parts(req)) == 3
    [issue] = XConnector.validate(PublishRequest(text="ok", first_comment="日" * 141))
    assert issue.field == "first_comment"


def test_validate_media_rules(tmp_path):
    image, video = png(tmp_path), mp4(tmp_path)
    assert not XConnector.validate(PublishRequest(text="x", media=(image,) * 4))
    codes = {i.code for i in XConnector.validate(PublishRequest(text="x", media=(image,) * 5))}
    assert "too_many_media" in codes
    codes = {i.code for i in XConnector.validate(PublishRequest(text="x",
                                                                media=(video, video)))}
    assert "too_many_media" in codes
    codes = {i.code for i in XConnector.validate(PublishRequest(text="x",
                                                                media=(image, video)))}
    assert "mixed_media" in codes


def test_validate_polls(tmp_path):
    ok = PublishRequest(text="Which brew?", options={"poll_options": "V60 | AeroPress",
                                                     "poll_minutes": "60"})
    assert not XConnector.validate(ok)
    bad = PublishRequest(text="Which brew?", media=(png(tmp_path),), options={
        "poll_options": "V60\n" + "a" * 26, "poll_minutes": "20000"})
    codes = {i.code for i in XConnector.validate(bad)}
    assert codes == {"poll_choice_too_long", "poll_duration", "poll_with_media"}
    one = PublishRequest(text="?", options={"poll_options": "only one"})
    assert [i.code for i in XConnector.validate(one)] == ["poll_choices"]


# ---------------------------------------------------------------- tiers


def test_tier_notes_say_what_each_tier_allows():
    [free] = XConnector.channel_notes({})
    assert free.startswith("X Free tier: 500 posts a month") and "no reads" in free
    [basic] = XConnector.channel_notes({"tier": "basic"})
    assert "50,000 posts a month" in basic and "15,000 posts read" in basic
    [pro] = XConnector.channel_notes({"tier": "pro"})
    assert "X Pro tier" in pro and "1,000,000" in pro
    [enterprise] = XConnector.channel_notes({"tier": "enterprise"})
    assert "contract" in enterprise
    assert XConnector.metrics_source({"tier": "free"}).code == "none"
    assert XConnector.metrics_source({"tier": "basic"}).code == "api"
    assert XConnector.metrics_reads_per_run <= 2


def test_the_free_tier_reads_nothing(contract):
    contract("x")  # any request would fail the test
    api = make(tier="free")
    assert api.fetch_comments(POST) == []
    assert api.fetch_post_metrics(POST) == {}
    assert api.fetch_account_metrics() == {}
    found = api.find_published(PublishRequest(text=TEXT), since=SINCE)
    assert found.status == Found.UNKNOWN and "Free tier" in found.note


def test_an_unknown_tier_is_taken_as_free():
    assert XConnector.channel_notes({"tier": "platinum"})[0].startswith("X Free tier")


# ---------------------------------------------------------------- publishing


def test_it_publishes_text(contract):
    t = contract("x", "tweets.create.text")
    result = make().publish(PublishRequest(text=TEXT))
    assert result.external_id == POST
    assert result.url == f"https://x.com/zerno_coffee/status/{POST}"
    assert sent(t)[0] == {"text": TEXT}


def test_it_publishes_a_poll(contract):
    t = contract("x", "tweets.create.poll")
    make().publish(PublishRequest(text="Which brew tomorrow?", options={
        "poll_options": "V60\nAeroPress\nEspresso", "poll_minutes": "1440"}))
    assert sent(t)[0]["poll"] == {"options": ["V60", "AeroPress", "Espresso"],
                                  "duration_minutes": 1440}


def test_it_publishes_a_reply_to_a_post_named_by_its_address(contract):
    contract("x", "tweets.create.reply_to")
    make().publish(PublishRequest(text=TEXT, options={
        "reply_to": "https://x.com/olena_brews/status/1865000000000000042?s=20"}))


def test_it_uploads_an_image_with_alt_text(contract, tmp_path):
    t = contract("x", "media.upload.image", "media.metadata.alt", "tweets.create.image")
    result = make().publish(PublishRequest(text=TEXT, media=(
        png(tmp_path, alt="A cup of V60 on the bar"),)))
    assert result.external_id == POST
    assert sent(t, 0)[2] == {"media"}


def test_it_uploads_a_video_in_chunks_and_waits_for_processing(contract, tmp_path, sleeps,
                                                               monkeypatch):
    monkeypatch.setattr(media, "CHUNK_BYTES", 64)
    t = contract("x", "media.initialize.video", "media.append.0", "media.append.1",
                 "media.finalize.video", "media.status.in_progress",
                 "media.status.succeeded", "tweets.create.video")
    video = mp4(tmp_path)
    reads = []
    real_open = type(video.path).open

    def spy_open(path, *args, **kwargs):
        fh = real_open(path, *args, **kwargs)
        real_read = fh.read
        fh.read = lambda n=-1: reads.append(n) or real_read(n)
        return fh

    monkeypatch.setattr(type(video.path), "open", spy_open)
    result = make().publish(PublishRequest(text=TEXT, media=(video,)))
    assert result.external_id == POST
    assert sent(t, 0)[0]["total_bytes"] == video.size
    assert reads and all(n == 64 for n in reads)  # one chunk at a time, never the whole
    assert sleeps == [1.0, 5.0]  # as check_after_secs said


def test_a_gif_goes_up_in_chunks_too(contract, tmp_path, sleeps, monkeypatch):
    monkeypatch.setattr(media, "CHUNK_BYTES", 64)
    t = contract("x", "media.initialize.gif", "media.append.0", "media.append.1",
                 "media.finalize.video", "media.status.succeeded")
    path = tmp_path / "pour.gif"
    path.write_bytes(mp4_bytes())
    gif = MediaFile(path=path, kind=MediaKind.GIF, mime="image/gif", size=90, name="pour.gif")
    assert media.upload(make(), gif) == "1865432000000000200"
    assert sent(t, 0)[0]["media_category"] == "tweet_gif"


def test_failed_processing_is_permanent(contract, tmp_path, sleeps, monkeypatch):
    monkeypatch.setattr(media, "CHUNK_BYTES", 64)
    contract("x", "media.initialize.video", "media.append.0", "media.append.1",
             "media.finalize.video", "media.status.failed")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=TEXT, media=(mp4(tmp_path),)))
    assert exc.value.code == "media_failed" and "Unsupported video format" in exc.value.message


def test_processing_that_never_ends_is_tried_later_without_posting(contract, tmp_path, sleeps,
                                                                  monkeypatch):
    monkeypatch.setattr(media, "CHUNK_BYTES", 64)
    monkeypatch.setattr(media, "MEDIA_WAIT_MAX", 5)
    contract("x", "media.initialize.video", "media.append.0", "media.append.1",
             "media.finalize.video", "media.status.in_progress")
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text=TEXT, media=(mp4(tmp_path),)))
    assert exc.value.code == "media_processing" and sleeps == [1.0]


# ---------------------------------------------------------------- threads


def test_it_publishes_a_thread_with_a_first_comment(contract):
    t = contract("x", "thread.part1", "thread.part2", "thread.part3", "thread.first_comment")
    result = make().publish(PublishRequest(text=THREAD, format=Format.THREAD,
                                           first_comment=COMMENT))
    assert result.external_id == T1
    assert result.extra_ids == (T2, T3, "1865432200000000004")
    assert result.raw["ids"] == [T1, T2, T3] and result.raw["first_comment"]["ok"]
    assert len(t.requests) == 4


def test_a_thread_failing_at_part_two_goes_on_from_there(served):
    reset = str(int(time.time()) + 3600)
    served(fixture("thread.part1"), fixture("thread.part2_rate_limited",
                                            **{"x-rate-limit-reset": reset,
                                               "x-user-limit-24hour-reset": reset}))
    req = PublishRequest(text=THREAD, format=Format.THREAD)
    with pytest.raises(TransientError) as exc:
        make().publish(req)
    assert exc.value.code == "thread_incomplete"
    assert exc.value.raw["thread_posted"] == [T1] and exc.value.raw["parts"] == 3
    assert 3500 < exc.value.retry_after <= 3600
    assert "1 of the 3 posts" in exc.value.message

    # The engine hands the posted ids back: part one is not posted again.
    t = served(fixture("thread.part2"), fixture("thread.part3"))
    again = PublishRequest(text=THREAD, format=Format.THREAD,
                           resume=tuple(exc.value.raw["thread_posted"]))
    result = make().publish(again)
    assert (result.external_id, result.extra_ids) == (T1, (T2, T3))
    assert [sent(t, n)[0]["text"] for n in range(2)] == [P2, P3]


def test_a_timeout_on_a_later_part_is_ambiguous_and_names_what_is_out(contract):
    contract("x", "thread.part1", "thread.part2_timeout")
    with pytest.raises(AmbiguousError) as exc:
        make().publish(PublishRequest(text=THREAD, format=Format.THREAD))
    assert exc.value.code == "thread_incomplete" and exc.value.raw["thread_posted"] == [T1]


def test_a_refused_first_comment_does_not_fail_the_post(contract):
    contract("x", "tweets.create.text", "tweets.first_comment_forbidden")
    result = make().publish(PublishRequest(text=TEXT, first_comment=COMMENT))
    assert result.external_id == POST and result.extra_ids == ()
    assert result.raw["first_comment"]["ok"] is False


def test_the_first_comment_is_a_reply(contract):
    contract("x", "tweets.create.text", "tweets.first_comment")
    result = make().publish(PublishRequest(text=TEXT, first_comment=COMMENT))
    assert result.extra_ids == ("1865432109876543299",)


# ---------------------------------------------------------------- errors


def test_duplicate_content_is_permanent_and_says_what_to_do(contract):
    contract("x", "tweets.create.duplicate")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=TEXT))
    assert exc.value.code == "duplicate_content" and not exc.value.channel_broken
    assert "may already be there" in exc.value.message


def test_not_permitted_breaks_the_channel_for_a_post(contract):
    contract("x", "tweets.create.forbidden")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=TEXT))
    assert exc.value.channel_broken and "not permitted" in exc.value.message


def test_429_waits_for_the_24_hour_reset(served):
    soon, later = int(time.time()) + 600, int(time.time()) + 7200
    served(fixture("tweets.create.rate_limited", **{"x-rate-limit-reset": str(soon),
                                                   "x-user-limit-24hour-reset": str(later)}))
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text=TEXT))
    assert exc.value.code == "rate_limited" and exc.value.scope == "channel"
    assert 7100 < exc.value.retry_after <= 7200  # the 24-hour window is the spent one


def test_429_waits_for_the_15_minute_window_when_that_is_spent(served):
    reset = int(time.time()) + 600
    served(fixture("tweets.create.rate_limited_bare", **{
        "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}))
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text=TEXT))
    assert 500 < exc.value.retry_after <= 600


def test_429_with_retry_after_only(served):
    served(fixture("tweets.create.rate_limited_bare", **{"retry-after": "120"}))
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text=TEXT))
    assert exc.value.retry_after == 120


def test_429_without_any_header_waits_a_window(contract):
    contract("x", "tweets.create.rate_limited_bare")
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text=TEXT))
    assert exc.value.retry_after == 900


def test_a_spent_usage_cap_stops_the_whole_app_until_the_month_ends(contract):
    contract("x", "tweets.create.usage_capped")
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text=TEXT))
    assert exc.value.code == "usage_capped" and exc.value.scope == "app"
    now = datetime.now(UTC)
    first = (now.replace(day=1) + timedelta(days=32)).replace(day=1, hour=0, minute=0,
                                                              second=0, microsecond=0)
    assert abs(exc.value.retry_after - (first - now).total_seconds()) < 5


def test_a_5xx_when_posting_is_ambiguous(contract):
    contract("x", "tweets.create.server_error")
    with pytest.raises(AmbiguousError):
        make().publish(PublishRequest(text=TEXT))


def test_a_timeout_when_posting_is_ambiguous(contract):
    contract("x", "tweets.create.timeout")
    with pytest.raises(AmbiguousError) as exc:
        make().publish(PublishRequest(text=TEXT))
    assert exc.value.code == "no_answer"


# ---------------------------------------------------------------- find_published


def test_find_published_finds_a_thread_and_its_parts(contract):
    contract("x", "users.tweets.found")
    found = make().find_published(PublishRequest(text=THREAD, format=Format.THREAD),
                                  since=SINCE)
    assert found.status == Found.FOUND
    assert (found.result.external_id, found.result.extra_ids) == (T1, (T2, T3))


def test_find_published_matches_text_whose_links_x_shortened(contract):
    contract("x", "users.tweets.link")
    found = make().find_published(PublishRequest(text=COMMENT), since=SINCE)
    assert found.status == Found.FOUND and found.result.external_id == POST


def test_a_post_the_timeline_does_not_show_is_unknown_not_absent(contract):
    contract("x", "users.tweets.absent")
    found = make().find_published(PublishRequest(text=TEXT), since=SINCE)
    assert found.status == Found.UNKNOWN and "lag" in found.note
    assert XConnector.listing_lag is None


# ---------------------------------------------------------------- delete


def test_delete_removes_the_later_parts_first(contract):
    t = contract("x", "tweets.delete.part3", "tweets.delete.part2", "tweets.delete")
    make().delete(POST, (T2, T3))
    assert [r.url.path.rsplit("/", 1)[1] for r in t.requests] == [T3, T2, POST]


def test_delete_of_a_part_already_gone_goes_on(contract):
    contract("x", "tweets.delete.gone", "tweets.delete")
    make().delete(POST, (T2,))


# ---------------------------------------------------------------- comments and metrics


def test_it_reads_replies_of_the_conversation(contract):
    t = contract("x", "search.conversation")
    comments = make().fetch_comments(POST)
    assert [c.author_name for c in comments] == ["Olena", "Zerno Coffee"]
    olena, ours = comments
    assert olena.parent_external_id == "" and not olena.by_us
    assert ours.parent_external_id == olena.external_id and ours.by_us
    assert "author_id" in t.requests[0].url.params["tweet.fields"]


def test_it_replies_and_hides(contract):
    t = contract("x", "tweets.create.reply", "tweets.hidden")
    api = make()
    comment = RemoteComment("1865440000000000001", POST, "1400000000000000001", "Olena",
                            "Is it on the menu?", SINCE)
    answer = api.reply(comment, "Yes, from Friday!")
    assert answer.by_us and answer.parent_external_id == comment.external_id
    api.hide_comment(comment.external_id)
    assert sent(t, 1)[0] == {"hidden": True}


def test_a_refused_reply_does_not_break_the_channel(contract):
    contract("x", "tweets.create.reply_forbidden")
    comment = RemoteComment("1865440000000000001", POST, "1", "Olena", "?", SINCE)
    with pytest.raises(PermanentError) as exc:
        make().reply(comment, "Yes, from Friday!")
    assert not exc.value.channel_broken


def test_post_metrics(contract):
    contract("x", "tweets.lookup.metrics")
    assert make().fetch_post_metrics(POST) == {
        "views": 4131, "likes": 148, "comments": 5, "reposts": 12, "quotes": 2, "saves": 9,
        "clicks": 63}


def test_account_metrics(contract):
    contract("x", "users.me.metrics")
    assert make(tier="pro").fetch_account_metrics() == {
        "followers": 1843, "following": 212, "posts": 964}
