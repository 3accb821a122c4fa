"""Threads connector against the recorded Threads API contract (fixtures/threads)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

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
from smmdesk.connectors.threads import ThreadsConnector, split_parts, text_length
from smmdesk.connectors.threads import common as threads_common
from smmdesk.lib.http import HttpClient
from tests.connectors.contract import request_body
from tests.files import mp4_bytes, png_bytes

USER = "25874410989551213"
MEDIA = "18052413721094862"
R2, R3 = "18052413721094901", "18052413721094902"
TOKEN = "THQVJLongLivedZernoToken"
SECRET = "threads-app-secret"
IMG = "https://smm.zerno.coffee/m/eyJhIjoxMn0:1tX9aB:latte/"
VID = "https://smm.zerno.coffee/m/eyJhIjoxM30:1tX9aC:pour/"
TEXT = "Fresh Ethiopian beans today ☕ Come taste them at Zerno!"
PERMALINK = "https://www.threads.net/@zerno.coffee/post/DCx1a2bC3dE"
THREAD = ("Why we roast light: a thread 🧵\n---\nLight roasts keep the fruit of the bean.\n"
          "---\nCome try our Kenyan AA this week!")
MB = 2**20


@pytest.fixture(autouse=True)
def _app(monkeypatch):
    monkeypatch.setenv("SMMDESK_THREADS_CLIENT_ID", "990602627938098")
    monkeypatch.setenv("SMMDESK_THREADS_CLIENT_SECRET", SECRET)


@pytest.fixture
def sleeps(monkeypatch):
    """Container waits, recorded instead of slept."""
    waited: list[float] = []
    monkeypatch.setattr(threads_common, "pause", waited.append)
    return waited


def make(http: HttpClient | None = None) -> ThreadsConnector:
    return ThreadsConnector(ChannelContext(
        id=7, external_id=USER, name="@zerno.coffee", credentials={"access_token": TOKEN},
        settings={"username": "zerno.coffee"}), http)


def jpeg(tmp_path, name="latte.jpg", url=IMG, **kw) -> MediaFile:
    path = tmp_path / name
    path.write_bytes(png_bytes())
    return MediaFile(path=path, kind=MediaKind.IMAGE, mime="image/jpeg",
                     size=path.stat().st_size, name=name, url=url, **kw)


def mp4(tmp_path, name="pour-over.mp4", url=VID) -> MediaFile:
    path = tmp_path / name
    path.write_bytes(mp4_bytes())
    return MediaFile(path=path, kind=MediaKind.VIDEO, mime="video/mp4",
                     size=path.stat().st_size, name=name, url=url)


def form(transport, n=0) -> dict:
    return request_body(transport.requests[n])[1]


def paths(transport) -> list[str]:
    return [f"{r.method} {r.url.path.removeprefix('/v1.0/')}" for r in transport.requests]


# ---------------------------------------------------------------- declarations


def test_it_declares_what_threads_allows():
    assert ThreadsConnector.kind == "threads" and ThreadsConnector.label == "Threads"
    assert ThreadsConnector.needs_public_media
    spec = ThreadsConnector.oauth
    assert spec.authorize_url == "https://threads.net/oauth/authorize"
    assert spec.token_url == "https://graph.threads.net/oauth/access_token"
    assert spec.env_prefix == "SMMDESK_THREADS"
    assert {"threads_basic", "threads_content_publish", "threads_manage_replies",
            "threads_read_replies", "threads_manage_insights"} <= set(spec.scopes)
    caps = ThreadsConnector.capabilities
    assert caps.delete and caps.reply and caps.hide_comment and not caps.edit
    assert ThreadsConnector.listing_lag is None  # the listing can lag: never NOT_FOUND


# ---------------------------------------------------------------- OAuth


def test_it_connects_the_profile_with_a_long_lived_token(contract):
    transport = contract("threads", "oauth.long_lived", "me.profile")
    before = datetime.now(UTC)
    accounts = ThreadsConnector.oauth_accounts({"access_token": "THQVJShortLivedToken",
                                                "user_id": USER}, HttpClient())
    assert len(accounts) == 1
    account = accounts[0]
    assert (account.external_id, account.name) == (USER, "@zerno.coffee")
    assert account.credentials == {"access_token": TOKEN}
    assert account.url == "https://www.threads.net/@zerno.coffee"
    assert account.settings["username"] == "zerno.coffee"
    assert 59 <= (account.token_expires_at - before).days <= 60
    assert transport.requests[0].url.path == "/access_token"


def test_a_refused_exchange_asks_to_connect_again(contract):
    contract("threads", "oauth.long_lived_refused")
    with pytest.raises(PermanentError) as exc:
        ThreadsConnector.oauth_accounts({"access_token": "THQVJShortLivedToken"}, HttpClient())
    assert exc.value.code == "token_invalid"


def test_it_refreshes_the_token_ahead_of_expiry(contract):
    contract("threads", "oauth.refresh")
    fresh = make().refresh_credentials()
    assert fresh.credentials == {"access_token": "THQVJRefreshedZernoToken"}
    assert fresh.external_id == USER and fresh.token_expires_at is not None


def test_an_expired_token_cannot_be_refreshed(contract):
    contract("threads", "oauth.refresh_expired")
    with pytest.raises(PermanentError) as exc:
        make().refresh_credentials()
    assert exc.value.channel_broken and exc.value.code == "token_invalid"
    assert "Reconnect" in exc.value.message and TOKEN not in repr(exc.value.raw)


# ---------------------------------------------------------------- publish


def test_it_publishes_a_text_post(contract, sleeps):
    transport = contract("threads", "limit.ok", "container.text", "publish.text",
                         "media.permalink")
    result = make().publish(PublishRequest(text=TEXT))
    assert (result.external_id, result.url) == (MEDIA, PERMALINK)
    assert paths(transport) == [f"GET {USER}/threads_publishing_limit", f"POST {USER}/threads",
                                f"POST {USER}/threads_publish", f"GET {MEDIA}"]
    assert form(transport, 1) == {"media_type": "TEXT", "text": TEXT}
    assert sleeps == []


def test_it_sends_a_link_preview_with_a_text_post(contract):
    transport = contract("threads", "limit.ok", "container.text_link", "publish.text",
                         "media.permalink")
    make().publish(PublishRequest(text=TEXT,
                                  options={"link_attachment": "https://zerno.coffee/beans"}))
    assert form(transport, 1)["link_attachment"] == "https://zerno.coffee/beans"


def test_it_quotes_a_post_and_limits_who_can_reply(contract):
    transport = contract("threads", "limit.ok", "container.text_options", "publish.text",
                         "media.permalink")
    make().publish(PublishRequest(text=TEXT, options={
        "reply_control": "accounts_you_follow", "quote_post_id": "18028930151157711"}))
    assert form(transport, 1) == {"media_type": "TEXT", "text": TEXT,
                                  "reply_control": "accounts_you_follow",
                                  "quote_post_id": "18028930151157711"}


def test_it_publishes_a_photo_with_its_alt_text(contract, tmp_path, sleeps):
    transport = contract("threads", "limit.ok", "container.image", "status.image_finished",
                         "publish.image", "media.permalink")
    image = jpeg(tmp_path, alt_text="A tulip drawn in latte foam")
    result = make().publish(PublishRequest(text="Latte art Friday", media=(image,)))
    assert result.external_id == MEDIA
    assert form(transport, 1) == {"media_type": "IMAGE", "image_url": IMG,
                                  "alt_text": "A tulip drawn in latte foam",
                                  "text": "Latte art Friday"}
    assert sleeps == []


def test_it_waits_for_a_video_until_it_is_finished(contract, tmp_path, sleeps):
    transport = contract("threads", "limit.ok", "container.video", "status.video_in_progress",
                         "status.video_finished", "publish.video", "media.permalink")
    result = make().publish(PublishRequest(text="How we brew a V60", media=(mp4(tmp_path),)))
    assert result.external_id == MEDIA
    assert sleeps == [10]
    assert paths(transport)[2:4] == ["GET 17889615691921702", "GET 17889615691921702"]


def test_it_gives_up_waiting_without_publishing(contract, tmp_path, sleeps):
    transport = contract("threads", "limit.ok", "container.video", "status.video_in_progress",
                         "status.video_in_progress", "status.video_in_progress")
    connector = make()
    connector.video_waits = (10, 20)
    with pytest.raises(TransientError) as exc:
        connector.publish(PublishRequest(text="How we brew a V60", media=(mp4(tmp_path),)))
    assert exc.value.code == "still_processing" and "30 seconds" in exc.value.message
    assert sleeps == [10, 20]
    assert not any(r.url.path.endswith("/threads_publish") for r in transport.requests)


def test_a_video_threads_cannot_use_is_refused_in_plain_words(contract, tmp_path, sleeps):
    contract("threads", "limit.ok", "container.video", "status.video_error")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text="How we brew a V60", media=(mp4(tmp_path),)))
    assert exc.value.code == "container_error"
    assert "pour-over.mp4" in exc.value.message and "5 minutes" in exc.value.message


def test_an_expired_container_is_made_again_later(contract, tmp_path):
    contract("threads", "limit.ok", "container.image", "status.image_expired")
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text="Latte art Friday", media=(jpeg(tmp_path),)))
    assert exc.value.code == "container_expired"


def test_it_publishes_a_carousel_of_a_photo_and_a_video(contract, tmp_path, sleeps):
    transport = contract("threads", "limit.ok", "container.item_image",
                         "status.item_image_finished", "container.item_video",
                         "status.item_video_finished", "container.carousel",
                         "status.carousel_finished", "publish.carousel", "media.permalink")
    media = (jpeg(tmp_path), mp4(tmp_path))
    result = make().publish(PublishRequest(text="Beans and brew", media=media))
    assert result.external_id == MEDIA
    assert form(transport, 1) == {"media_type": "IMAGE", "image_url": IMG,
                                  "is_carousel_item": "true"}
    assert form(transport, 5) == {"media_type": "CAROUSEL",
                                  "children": "17889615691921801,17889615691921802",
                                  "text": "Beans and brew"}


def test_a_carousel_with_one_failed_item_publishes_nothing(contract, tmp_path, sleeps):
    transport = contract("threads", "limit.ok", "container.item_image",
                         "status.item_image_finished", "container.item_video",
                         "status.item_video_error")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text="Beans and brew",
                                      media=(jpeg(tmp_path), mp4(tmp_path))))
    assert exc.value.code == "container_error"
    assert "item 2 of 2" in exc.value.message and "SMMDESK_SITE_URL" in exc.value.message
    assert not any(r.url.path.endswith("/threads_publish") for r in transport.requests)
    assert not any(form(transport, n).get("media_type") == "CAROUSEL"
                   for n in range(len(transport.requests)))


def test_it_refuses_media_on_a_server_threads_cannot_reach(contract, tmp_path):
    transport = contract("threads")
    image = jpeg(tmp_path, url="http://127.0.0.1:8000/m/eyJhIjoxMn0:1tX9aB:latte/")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text="x", media=(image,)))
    assert exc.value.code == "media_not_public" and "SMMDESK_SITE_URL" in exc.value.message
    assert transport.requests == []


# ---------------------------------------------------------------- threads of replies


THREAD_START = ("threads.list_empty", "limit.ok", "container.part1", "publish.part1",
                "media.permalink", "container.part2")


def test_it_publishes_a_thread_as_a_chain_of_replies(contract):
    transport = contract("threads", *THREAD_START, "publish.part2", "container.part3",
                         "publish.part3", "container.first_comment", "publish.first_comment")
    result = make().publish(PublishRequest(text=THREAD, format=Format.THREAD,
                                           first_comment="Menu: zerno.coffee/menu"))
    assert result.external_id == MEDIA
    assert result.extra_ids == (R2, R3, "18052413721094903")
    assert result.raw["ids"] == [MEDIA, R2, R3]
    assert form(transport, 7) == {"media_type": "TEXT", "text": "Come try our Kenyan AA "
                                  "this week!", "reply_to_id": R2}


def test_a_thread_failing_at_part_2_goes_on_from_there(contract):
    contract("threads", *THREAD_START, "publish.part2_rate_limited")
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text=THREAD, format=Format.THREAD))
    assert exc.value.code == "thread_incomplete" and exc.value.retry_after == 300
    assert exc.value.raw["thread_posted"] == [MEDIA]
    assert "1 of the 3 posts" in exc.value.message

    transport = contract("threads", "threads.list_root", "conversation.root_only", "limit.ok",
                         "media.permalink", "container.part2", "publish.part2",
                         "container.part3", "publish.part3")
    result = make().publish(PublishRequest(text=THREAD, format=Format.THREAD))
    assert (result.external_id, result.extra_ids) == (MEDIA, (R2, R3))
    sent = [form(transport, n).get("text") for n in range(len(transport.requests))]
    assert "Why we roast light: a thread 🧵" not in sent  # the first part is not posted again


def test_a_thread_resumed_by_the_engine_needs_no_listing(contract):
    """Given the ids the broken-off try made (``req.resume``), nothing is looked up: the
    thread goes on from the next part even while Threads' listing lags."""
    transport = contract("threads", "limit.ok", "media.permalink", "container.part2",
                         "publish.part2", "container.part3", "publish.part3")
    result = make().publish(PublishRequest(text=THREAD, format=Format.THREAD,
                                           resume=(MEDIA,)))
    assert (result.external_id, result.extra_ids) == (MEDIA, (R2, R3))
    assert "threads" not in [str(r.url).rsplit("/", 1)[1] for r in transport.requests
                             if r.method == "GET"]


def test_a_part_that_may_have_been_posted_is_found_before_going_on(contract):
    contract("threads", *THREAD_START, "publish.part2_timeout")
    with pytest.raises(AmbiguousError) as exc:
        make().publish(PublishRequest(text=THREAD, format=Format.THREAD))
    assert exc.value.code == "thread_incomplete"

    transport = contract("threads", "threads.list_root", "conversation.two_parts", "limit.ok",
                         "media.permalink", "container.part3", "publish.part3")
    result = make().publish(PublishRequest(text=THREAD, format=Format.THREAD))
    assert result.extra_ids == (R2, R3)
    assert [r.method for r in transport.requests].count("POST") == 2  # part 3 only


def test_it_checks_the_reply_quota_for_a_thread(contract):
    transport = contract("threads", "threads.list_empty", "limit.replies_spent")
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text=THREAD, format=Format.THREAD))
    assert exc.value.code == "publishing_limit" and "1000 replies" in exc.value.message
    assert all(r.method == "GET" for r in transport.requests)


def test_it_splits_a_thread_at_separators_and_long_parts():
    assert split_parts(THREAD) == ["Why we roast light: a thread 🧵",
                                   "Light roasts keep the fruit of the bean.",
                                   "Come try our Kenyan AA this week!"]
    long = ("Coffee is good. " * 40).strip()
    parts = split_parts(long)
    assert len(parts) == 2 and all(text_length(p) <= 500 for p in parts)
    assert parts[0].endswith(".")


# ---------------------------------------------------------------- quota and errors


def test_it_waits_when_the_daily_publishing_limit_is_used_up(contract):
    transport = contract("threads", "limit.posts_spent")
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text=TEXT))
    assert exc.value.code == "publishing_limit" and exc.value.retry_after == 3600
    assert "250 posts" in exc.value.message
    assert len(transport.requests) == 1


@pytest.mark.parametrize(("fixture", "error", "code", "broken"), [
    ("container.token_expired", PermanentError, "token_invalid", True),
    ("container.missing_permission", PermanentError, "missing_permission", True),
    ("container.rate_limited", TransientError, "rate_limited", None),
    ("container.app_throttled", TransientError, "rate_limited", None),
    ("container.is_transient", TransientError, "server_error", None),
])
def test_it_maps_each_refusal_of_a_container(contract, fixture, error, code, broken):
    contract("threads", "limit.ok", fixture)
    with pytest.raises(error) as exc:
        make(HttpClient(retries=0)).publish(PublishRequest(text=TEXT))
    assert type(exc.value) is error and exc.value.code == code
    if broken is not None:
        assert exc.value.channel_broken is broken
    assert TOKEN not in exc.value.message and TOKEN not in repr(exc.value.raw)


def test_an_expired_token_breaks_the_channel(contract):
    contract("threads", "limit.ok", "container.token_expired")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=TEXT))
    assert exc.value.channel_broken
    assert "Reconnect the channel and sign in with Threads again" in exc.value.message


def test_it_names_the_missing_permission(contract):
    contract("threads", "limit.ok", "container.missing_permission")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=TEXT))
    assert "“threads_content_publish”" in exc.value.message


def test_rate_limits_wait_as_long_as_threads_says(contract):
    contract("threads", "limit.ok", "container.rate_limited")
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text=TEXT))
    assert exc.value.retry_after == 120 and exc.value.scope == "channel"
    contract("threads", "limit.ok", "container.app_throttled")
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text=TEXT))
    assert exc.value.retry_after == 600 and exc.value.scope == "app"  # no header: a default


def test_media_threads_cannot_fetch_is_permanent(contract, tmp_path):
    contract("threads", "limit.ok", "container.fetch_failed")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text="Latte art Friday", media=(jpeg(tmp_path),)))
    assert exc.value.code == "media_unreachable" and not exc.value.channel_broken
    assert "could not be fetched" in exc.value.message


@pytest.mark.parametrize(("fixture", "error", "code"), [
    ("publish.timeout", AmbiguousError, "no_answer"),
    ("publish.server_error", AmbiguousError, "server_error"),
    ("publish.quota", TransientError, "publishing_limit"),
])
def test_it_maps_each_refusal_of_threads_publish(contract, fixture, error, code):
    contract("threads", "limit.ok", "container.text", fixture)
    with pytest.raises(error) as exc:
        make(HttpClient(retries=0)).publish(PublishRequest(text=TEXT))
    assert type(exc.value) is error and exc.value.code == code


# ---------------------------------------------------------------- find, delete

SINCE = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_it_finds_its_post_by_the_text(contract):
    transport = contract("threads", "threads.list_found")
    found = make().find_published(PublishRequest(text=TEXT), since=SINCE)
    assert found.status == Found.FOUND
    assert (found.result.external_id, found.result.url) == (MEDIA, PERMALINK)
    assert transport.requests[0].url.params["since"] == str(int(SINCE.timestamp()))


def test_a_post_the_listing_does_not_show_is_unknown(contract):
    contract("threads", "threads.list_none")
    found = make().find_published(PublishRequest(text=TEXT), since=SINCE)
    assert found.status == Found.UNKNOWN and "lag" in found.note


def test_it_finds_a_whole_thread(contract):
    contract("threads", "threads.list_root", "conversation.whole")
    found = make().find_published(PublishRequest(text=THREAD, format=Format.THREAD),
                                  since=SINCE)
    assert found.status == Found.FOUND and found.result.extra_ids == (R2, R3)


def test_a_thread_with_parts_missing_is_unknown(contract):
    contract("threads", "threads.list_root", "conversation.two_parts")
    found = make().find_published(PublishRequest(text=THREAD, format=Format.THREAD),
                                  since=SINCE)
    assert found.status == Found.UNKNOWN and "2 of the 3" in found.note


def test_it_deletes_a_thread_last_part_first(contract):
    transport = contract("threads", "media.delete_part3", "media.delete_part2_gone",
                         "media.delete")
    make().delete(MEDIA, (R2, R3))
    assert paths(transport) == [f"DELETE {R3}", f"DELETE {R2}", f"DELETE {MEDIA}"]


def test_it_cannot_edit_a_post():
    with pytest.raises(PermanentError, match="edit"):
        make().edit(MEDIA, PublishRequest(text="x"))


# ---------------------------------------------------------------- replies


def test_it_reads_the_conversation_under_a_post(contract):
    contract("threads", "conversation.list")
    comments = make().fetch_comments(MEDIA, since=datetime(2026, 12, 7, tzinfo=UTC))
    question, ours, spam = comments
    assert (question.author_name, question.text) == ("olena.k", "Where can I buy the beans?")
    assert question.created_at == datetime(2026, 12, 7, 11, tzinfo=UTC)
    assert question.parent_external_id == MEDIA and not question.by_us
    assert ours.by_us and ours.parent_external_id == question.external_id
    assert spam.hidden and not question.hidden


def test_it_replies_to_a_reply(contract):
    transport = contract("threads", "container.reply", "publish.reply")
    comment = RemoteComment("18052413721095001", MEDIA, "olena.k", "olena.k",
                            "Where can I buy the beans?", datetime(2026, 12, 7, tzinfo=UTC))
    reply = make().reply(comment, "In our shop: zerno.coffee")
    assert reply.external_id == "18052413721095010" and reply.by_us
    assert reply.parent_external_id == "18052413721095001"
    assert form(transport) == {"media_type": "TEXT", "text": "In our shop: zerno.coffee",
                               "reply_to_id": "18052413721095001"}


@pytest.mark.parametrize(("hidden", "fixture", "value"), [
    (True, "manage_reply.hide", "true"), (False, "manage_reply.unhide", "false")])
def test_it_hides_and_unhides_a_reply(contract, hidden, fixture, value):
    transport = contract("threads", fixture)
    make().hide_comment("18052413721095003", hidden)
    assert form(transport) == {"hide": value}


def test_a_nested_reply_cannot_be_hidden(contract):
    contract("threads", "manage_reply.nested")
    with pytest.raises(PermanentError) as exc:
        make().hide_comment("18052413721095002")
    assert "top-level" in exc.value.message


# ---------------------------------------------------------------- metrics


def test_it_reads_post_insights(contract):
    contract("threads", "insights.post")
    assert make().fetch_post_metrics(MEDIA) == {
        "views": 4523, "likes": 187, "replies": 42, "comments": 42, "reposts": 23,
        "quotes": 8, "shares": 5}


def test_refused_insights_give_nothing(contract):
    contract("threads", "insights.post_refused")
    assert make().fetch_post_metrics(MEDIA) == {}


def test_it_reads_account_insights(contract):
    contract("threads", "insights.user")
    assert make().fetch_account_metrics() == {
        "views": 215, "likes": 61, "replies": 14, "reposts": 3, "quotes": 1,
        "followers": 2310}


def test_account_insights_with_a_revoked_token_break_the_channel(contract):
    contract("threads", "insights.user_token_expired")
    with pytest.raises(PermanentError) as exc:
        make().fetch_account_metrics()
    assert exc.value.channel_broken


# ---------------------------------------------------------------- limits


def codes(req: PublishRequest) -> list[str]:
    return [i.code for i in ThreadsConnector.validate(req)]


@pytest.mark.parametrize(("length", "ok"), [(499, True), (500, True), (501, False)])
def test_a_post_holds_500_characters(length, ok):
    assert (codes(PublishRequest(text="a" * length)) == []) is ok


def test_an_emoji_counts_as_its_utf8_bytes():
    assert text_length("😀") == 4 and text_length("Кава") == 4
    assert codes(PublishRequest(text="a" * 496 + "😀")) == []
    assert codes(PublishRequest(text="a" * 497 + "😀")) == ["text_too_long"]


def test_a_thread_checks_each_part_not_the_whole():
    assert codes(PublishRequest(text=("word " * 300).strip(), format=Format.THREAD)) == []


def test_it_allows_five_links():
    five = " ".join(f"https://zerno.coffee/{n}" for n in range(5))
    assert codes(PublishRequest(text=five)) == []
    assert codes(PublishRequest(text=five, options={
        "link_attachment": "https://zerno.coffee/menu"})) == ["too_many_links"]
    assert codes(PublishRequest(text=five, options={
        "link_attachment": "https://zerno.coffee/0"})) == []  # the same link counts once


@pytest.mark.parametrize(("count", "ok"), [(20, True), (21, False)])
def test_a_carousel_holds_up_to_20_files(tmp_path, count, ok):
    image = jpeg(tmp_path)
    assert codes(PublishRequest(text="x", media=(image,) * count)) == (
        [] if ok else ["too_many_media"])


def test_photos_weigh_at_most_8_mb(tmp_path):
    assert codes(PublishRequest(text="x", media=(replace(jpeg(tmp_path), size=8 * MB + 1),))
                 ) == ["media_too_large"]


def test_it_checks_the_per_post_options(tmp_path):
    assert codes(PublishRequest(text="x", options={"reply_control": "nobody"})) == [
        "reply_control"]
    assert codes(PublishRequest(text="x", options={"quote_post_id": "threads.net/p/1"})) == [
        "quote_post_id"]
    assert codes(PublishRequest(text="x", media=(jpeg(tmp_path),), options={
        "link_attachment": "https://zerno.coffee"})) == ["link_attachment"]
    assert codes(PublishRequest(text="x", options={"link_attachment": "zerno.coffee"})) == [
        "link_attachment"]


def test_photos_are_jpeg_or_png(tmp_path):
    webp = replace(jpeg(tmp_path, "latte.webp"), mime="image/webp")
    png = replace(jpeg(tmp_path, "latte.png"), mime="image/png")
    assert codes(PublishRequest(text="x", media=(png,))) == []
    issues = ThreadsConnector.validate(PublishRequest(text="x", media=(webp,)))
    assert [i.code for i in issues] == ["image_format"] and "WEBP" in issues[0].message
