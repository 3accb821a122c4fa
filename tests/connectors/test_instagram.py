"""Instagram connector against the recorded Graph API contract (fixtures/instagram)."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from smmdesk.connectors import instagram as instagram_module
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
from smmdesk.connectors.instagram import InstagramConnector
from smmdesk.connectors.webhooks import WebhookRequest
from smmdesk.lib import http as http_lib
from smmdesk.lib.http import HttpClient
from tests.connectors.contract import load_fixture, request_body
from tests.files import mp4_bytes, png_bytes

PAGE = "104857600123456"
IG = "17841400008460056"
MEDIA = "17895695668004550"
TOKEN = "EAAPageTokenZernoCoffee"
SECRET = "app-secret-for-tests"
BASE = "https://smm.zerno.coffee/m"
URL_IMG = f"{BASE}/eyJhIjoxMn0:1tX9aB:latte/"
URL_VID = f"{BASE}/eyJhIjoxM30:1tX9aC:pour/"
URL_A = f"{BASE}/eyJhIjoxNH0:1tX9aD:beans/"
CAPTION = "Latte art Friday 🥛 #latteart #zernocoffee"
MB = 2**20


@pytest.fixture(autouse=True)
def _no_app_by_default(monkeypatch):
    for name in ("SMMDESK_FACEBOOK_CLIENT_ID", "SMMDESK_FACEBOOK_CLIENT_SECRET",
                 "SMMDESK_META_VERIFY_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def app(monkeypatch):
    monkeypatch.setenv("SMMDESK_FACEBOOK_CLIENT_ID", "1234567890123456")
    monkeypatch.setenv("SMMDESK_FACEBOOK_CLIENT_SECRET", SECRET)


@pytest.fixture
def sleeps(monkeypatch):
    """Container polling waits, recorded instead of slept."""
    waited: list[float] = []
    monkeypatch.setattr(http_lib.time, "sleep", waited.append)
    return waited


def make(http: HttpClient | None = None) -> InstagramConnector:
    return InstagramConnector(ChannelContext(
        id=2, external_id=IG, name="@zerno.coffee", credentials={"access_token": TOKEN},
        settings={"page_id": PAGE, "page_name": "Zerno Coffee", "username": "zerno.coffee"}),
        http)


def jpeg(tmp_path, name="latte.jpg", url=URL_IMG, **kw) -> MediaFile:
    path = tmp_path / name
    path.write_bytes(png_bytes())
    fields = {"width": 1080, "height": 1350, **kw}
    return MediaFile(path=path, kind=MediaKind.IMAGE, mime="image/jpeg",
                     size=path.stat().st_size, name=name, url=url, **fields)


def mp4(tmp_path, name="pour-over.mp4", url=URL_VID) -> MediaFile:
    path = tmp_path / name
    path.write_bytes(mp4_bytes())
    return MediaFile(path=path, kind=MediaKind.VIDEO, mime="video/mp4",
                     size=path.stat().st_size, name=name, url=url)


def form(transport, n=0) -> dict:
    return request_body(transport.requests[n])[1]


def paths(transport) -> list[str]:
    return [f"{r.method} {r.url.path.removeprefix('/v25.0/')}" for r in transport.requests]


# ---------------------------------------------------------------- OAuth


def test_it_lists_the_instagram_accounts_linked_to_the_pages(contract, app):
    contract("instagram", "oauth.long_lived", "accounts.two_pages", "page.linked",
             "page.not_linked")
    accounts = InstagramConnector.oauth_accounts({"access_token": "EAAshortLivedUserToken"},
                                                 HttpClient())
    assert len(accounts) == 1
    account = accounts[0]
    assert (account.external_id, account.name) == (IG, "@zerno.coffee")
    assert account.credentials == {"access_token": TOKEN}  # the Page's token
    assert account.settings == {"page_id": PAGE, "page_name": "Zerno Coffee",
                                "username": "zerno.coffee"}
    assert account.url == "https://www.instagram.com/zerno.coffee/"


def test_it_explains_how_to_link_an_instagram_account(contract, app):
    contract("instagram", "oauth.long_lived", "accounts.two_pages", "page.not_linked_main",
             "page.not_linked")
    with pytest.raises(PermanentError) as exc:
        InstagramConnector.oauth_accounts({"access_token": "EAAshortLivedUserToken"},
                                          HttpClient())
    assert exc.value.code == "no_instagram_account"
    assert "professional account" in exc.value.message and "Linked accounts" in \
        exc.value.message


def test_it_says_why_media_must_be_public():
    assert InstagramConnector.needs_public_media
    assert "SMMDESK_SITE_URL" in str(InstagramConnector.connect_help)
    assert "must be reachable from the internet" in " ".join(instagram_module.__doc__.split())


# ---------------------------------------------------------------- publish


def test_it_publishes_a_photo_in_three_steps(contract, tmp_path, sleeps):
    transport = contract("instagram", "limit.ok", "media.image", "container.image_finished",
                         "media_publish.image", "media.permalink")
    result = make().publish(PublishRequest(text=CAPTION, media=(jpeg(tmp_path),)))
    assert result.external_id == MEDIA
    assert result.url == "https://www.instagram.com/p/DCx1a2bC3dE/"
    assert result.raw == {"media_id": MEDIA, "container_id": "17889455560051444"}
    assert paths(transport) == [
        f"GET {IG}/content_publishing_limit", f"POST {IG}/media", "GET 17889455560051444",
        f"POST {IG}/media_publish", f"GET {MEDIA}"]
    assert form(transport, 1) == {"image_url": URL_IMG, "caption": CAPTION}
    assert sleeps == []  # ready at the first look


def test_it_sends_the_alt_text_of_a_photo(contract, tmp_path):
    transport = contract("instagram", "limit.ok", "media.image", "container.image_finished",
                         "media_publish.image", "media.permalink")
    image = jpeg(tmp_path, alt_text="A tulip drawn in latte foam")
    make().publish(PublishRequest(text=CAPTION, media=(image,)))
    assert form(transport, 1)["alt_text"] == "A tulip drawn in latte foam"


def test_it_waits_for_the_container_and_adds_the_first_comment(contract, tmp_path, sleeps):
    transport = contract("instagram", "limit.ok", "media.image", "container.image_in_progress",
                         "container.image_finished", "media_publish.image", "media.permalink",
                         "media.first_comment")
    result = make().publish(PublishRequest(text=CAPTION, media=(jpeg(tmp_path),),
                                           first_comment="Beans: link in bio"))
    assert sleeps == [1]
    assert result.raw["first_comment"] == {"id": "17870913679156000"}
    assert form(transport, 6) == {"message": "Beans: link in bio"}


def test_it_publishes_a_reel(contract, tmp_path, sleeps):
    transport = contract("instagram", "limit.ok", "media.reel", "container.reel_in_progress",
                         "container.reel_in_progress", "container.reel_finished",
                         "media_publish.reel", "media.permalink")
    result = make().publish(PublishRequest(text="How we brew a V60", media=(mp4(tmp_path),),
                                           format=Format.REEL))
    assert result.external_id == MEDIA
    assert form(transport, 1) == {"media_type": "REELS", "video_url": URL_VID,
                                  "caption": "How we brew a V60", "share_to_feed": "true"}
    assert sleeps == [5, 10]  # videos are looked at less often


def test_it_publishes_a_story_without_a_caption(contract, tmp_path):
    transport = contract("instagram", "limit.ok", "media.story", "container.story_finished",
                         "media_publish.story", "story.permalink")
    result = make().publish(PublishRequest(text="", media=(jpeg(tmp_path),),
                                           format=Format.STORY, first_comment="ignored"))
    assert result.external_id == "17895695668009999"
    assert form(transport, 1) == {"media_type": "STORIES", "image_url": URL_IMG}
    assert "first_comment" not in result.raw  # stories take no comments


def test_it_publishes_a_carousel_of_a_photo_and_a_video(contract, tmp_path):
    transport = contract("instagram", "limit.ok", "media.carousel_item_image",
                         "container.item_image_finished", "media.carousel_item_video",
                         "container.item_video_finished", "media.carousel",
                         "container.carousel_finished", "media_publish.carousel",
                         "media.permalink")
    media = (jpeg(tmp_path, "beans.jpg", url=URL_A), mp4(tmp_path))
    result = make().publish(PublishRequest(text="Beans and brew", media=media))
    assert result.external_id == MEDIA
    assert form(transport, 1) == {"is_carousel_item": "true", "image_url": URL_A}
    assert form(transport, 3) == {"is_carousel_item": "true", "media_type": "VIDEO",
                                  "video_url": URL_VID}
    assert form(transport, 5) == {"media_type": "CAROUSEL",
                                  "children": "17889455560051701,17889455560051702",
                                  "caption": "Beans and brew"}


def test_it_refuses_media_on_a_server_instagram_cannot_reach(contract, tmp_path):
    transport = contract("instagram")
    image = jpeg(tmp_path, url="http://127.0.0.1:8000/m/eyJhIjoxMn0:1tX9aB:latte/")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=CAPTION, media=(image,)))
    assert exc.value.code == "media_not_public"
    assert "SMMDESK_SITE_URL" in exc.value.message and "127.0.0.1" in exc.value.message
    assert transport.requests == []


@pytest.mark.parametrize("url", ["", "http://localhost:8000/m/x/", "http://10.0.0.5/m/x/",
                                 "http://smm.local/m/x/", "http://192.168.1.20/m/x/"])
def test_it_knows_private_addresses(contract, tmp_path, url):
    contract("instagram")
    with pytest.raises(PermanentError, match="cannot be reached from the internet"):
        make().publish(PublishRequest(text=CAPTION, media=(jpeg(tmp_path, url=url),)))


def test_it_waits_when_the_daily_publishing_limit_is_used_up(contract, tmp_path):
    transport = contract("instagram", "limit.reached")
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text=CAPTION, media=(jpeg(tmp_path),)))
    assert exc.value.code == "publishing_limit" and exc.value.retry_after == 3600
    assert "100 posts" in exc.value.message
    assert len(transport.requests) == 1  # no container made


@pytest.mark.parametrize(("fixture", "error", "code"), [
    ("container.image_error", PermanentError, "container_error"),
    ("container.image_expired", PermanentError, "container_error"),
    ("container.image_error_retry", TransientError, "container_retry"),
])
def test_it_reports_a_container_instagram_could_not_process(contract, tmp_path, fixture,
                                                            error, code):
    contract("instagram", "limit.ok", "media.image", fixture)
    with pytest.raises(error) as exc:
        make().publish(PublishRequest(text=CAPTION, media=(jpeg(tmp_path),)))
    assert type(exc.value) is error and exc.value.code == code
    assert "latte.jpg" in exc.value.message


def test_it_tells_which_error_instagram_gave(contract, tmp_path):
    contract("instagram", "limit.ok", "media.image", "container.image_error")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=CAPTION, media=(jpeg(tmp_path),)))
    assert exc.value.message == ("Instagram could not process latte.jpg: Error: Media upload "
                                 "has failed with error code 2207009")


def test_it_gives_up_waiting_without_publishing(contract, tmp_path, sleeps):
    transport = contract("instagram", "limit.ok", "media.image", "container.image_in_progress",
                         "container.image_in_progress", "container.image_in_progress")
    connector = make()
    connector.image_waits = (1, 2)
    with pytest.raises(TransientError) as exc:
        connector.publish(PublishRequest(text=CAPTION, media=(jpeg(tmp_path),)))
    assert exc.value.code == "still_processing" and "3 seconds" in exc.value.message
    assert sleeps == [1, 2]
    assert not any(r.url.path.endswith("/media_publish") for r in transport.requests)


@pytest.mark.parametrize(("fixture", "error", "code", "broken"), [
    ("media.fetch_failed", PermanentError, "media_unreachable", False),
    ("media.token_expired", PermanentError, "token_invalid", True),
    ("media.missing_permission", PermanentError, "missing_permission", True),
    ("media.rate_limited", TransientError, "rate_limited", None),
    ("media.server_retry", TransientError, "not_ready", None),
])
def test_it_maps_each_refusal_of_a_container(contract, tmp_path, fixture, error, code, broken):
    contract("instagram", "limit.ok", fixture)
    with pytest.raises(error) as exc:
        make().publish(PublishRequest(text=CAPTION, media=(jpeg(tmp_path),)))
    assert type(exc.value) is error and exc.value.code == code
    if broken is not None:
        assert exc.value.channel_broken is broken
    assert TOKEN not in exc.value.message and TOKEN not in repr(exc.value.raw)


def test_a_server_error_on_a_container_is_only_transient(contract, tmp_path):
    contract("instagram", "limit.ok", "media.server_error")
    with pytest.raises(TransientError) as exc:  # a container is not a post
        make(HttpClient(retries=0)).publish(PublishRequest(text=CAPTION,
                                                           media=(jpeg(tmp_path),)))
    assert type(exc.value) is TransientError


def test_it_names_the_missing_instagram_permission(contract, tmp_path):
    contract("instagram", "limit.ok", "media.missing_permission")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=CAPTION, media=(jpeg(tmp_path),)))
    assert "“instagram_content_publish”" in exc.value.message


def test_it_waits_as_long_as_the_usage_header_says(contract, tmp_path):
    contract("instagram", "limit.ok", "media.rate_limited")
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text=CAPTION, media=(jpeg(tmp_path),)))
    assert exc.value.retry_after == 300.0 and exc.value.scope == "channel"


PUBLISH_STEPS = ("limit.ok", "media.image", "container.image_finished")


@pytest.mark.parametrize(("fixture", "error", "code"), [
    ("media_publish.server_error", AmbiguousError, "server_error"),
    ("media_publish.timeout", AmbiguousError, "no_answer"),
    ("media_publish.quota", TransientError, "publishing_limit"),
    ("media_publish.spam", PermanentError, "blocked"),
    ("media_publish.not_ready", TransientError, "not_ready"),
])
def test_it_maps_each_refusal_of_media_publish(contract, tmp_path, fixture, error, code):
    contract("instagram", *PUBLISH_STEPS, fixture)
    with pytest.raises(error) as exc:
        make().publish(PublishRequest(text=CAPTION, media=(jpeg(tmp_path),)))
    assert type(exc.value) is error and exc.value.code == code
    if error is PermanentError:
        assert not exc.value.channel_broken


def test_it_cannot_edit_or_delete_a_post():
    connector = make()
    caps = InstagramConnector.capabilities
    assert not caps.edit and not caps.delete
    with pytest.raises(PermanentError, match="Instagram does not let apps delete"):
        connector.delete(MEDIA)
    with pytest.raises(PermanentError, match="edit a published post"):
        connector.edit(MEDIA, PublishRequest(text="x"))


# ---------------------------------------------------------------- find_published

SINCE = datetime(2025, 11, 21, 10, 0, tzinfo=UTC)


def test_it_finds_its_post_by_the_caption(contract):
    contract("instagram", "media.list_found")
    found = make().find_published(PublishRequest(text=CAPTION), since=SINCE)
    assert found.status == Found.FOUND
    assert found.result.external_id == MEDIA  # not last week's post with the same caption
    assert found.result.url == "https://www.instagram.com/p/DCx1a2bC3dE/"


def test_it_says_not_found_when_the_listing_has_no_such_post(contract):
    contract("instagram", "media.list_none")
    assert make().find_published(PublishRequest(text=CAPTION),
                                 since=SINCE).status == Found.NOT_FOUND


def test_it_cannot_recognise_a_story(contract, tmp_path):
    contract("instagram")
    found = make().find_published(PublishRequest(text="", media=(jpeg(tmp_path),),
                                                 format=Format.STORY), since=SINCE)
    assert found.status == Found.UNKNOWN


# ---------------------------------------------------------------- comments


def test_it_reads_comments_with_their_replies(contract):
    contract("instagram", "comments.list")
    comments = make().fetch_comments(MEDIA, since=datetime(2025, 11, 20, tzinfo=UTC))
    assert [c.external_id for c in comments] == [
        "17870913679156914", "17870913679156999", "17870913679157001"]
    question, ours, spam = comments
    assert (question.author_name, question.text) == ("olena.k", "Where can I buy the beans?")
    assert question.created_at == datetime(2025, 11, 21, 11, tzinfo=UTC)
    assert not question.by_us and question.post_external_id == MEDIA
    assert ours.by_us and ours.parent_external_id == "17870913679156914"
    assert spam.hidden


def test_it_replies_to_a_comment(contract):
    transport = contract("instagram", "comment.reply")
    comment = RemoteComment("17870913679156914", MEDIA, "1784140000000011", "olena.k",
                            "Where can I buy the beans?", datetime(2025, 11, 21, tzinfo=UTC))
    reply = make().reply(comment, "In our shop: zerno.coffee")
    assert reply.external_id == "17870913679156999" and reply.by_us
    assert reply.author_name == "zerno.coffee"
    assert reply.parent_external_id == "17870913679156914"
    assert form(transport) == {"message": "In our shop: zerno.coffee"}


def test_it_hides_a_comment(contract):
    transport = contract("instagram", "comment.hide")
    make().hide_comment("17870913679157001")
    assert form(transport) == {"hide": "true"}


@pytest.mark.parametrize("fixture", ["comment.delete", "comment.delete_gone"])
def test_it_deletes_a_comment(contract, fixture):
    transport = contract("instagram", fixture)
    make().delete_comment("17870913679157001")
    assert transport.requests[0].method == "DELETE"


# ---------------------------------------------------------------- metrics


def test_it_reads_post_counts_and_insights(contract):
    transport = contract("instagram", "media.counts", "media.insights")
    assert make().fetch_post_metrics(MEDIA) == {
        "likes": 120, "comments": 14, "reach": 1630, "saves": 48, "reposts": 21, "views": 2904}
    assert transport.requests[1].url.params["metric"] == "reach,saved,shares,views"


def test_it_asks_story_metrics_a_story_has(contract):
    contract("instagram", "story.counts", "story.insights")
    metrics = make().fetch_post_metrics("17895695668009999")
    assert metrics == {"likes": 0, "comments": 0, "reach": 410, "reposts": 3, "views": 530,
                       "replies": 6}


def test_it_keeps_the_counts_when_insights_are_refused(contract):
    contract("instagram", "media.counts", "media.insights_refused")
    assert make().fetch_post_metrics(MEDIA) == {"likes": 120, "comments": 14}


def test_a_refused_metric_does_not_fail_the_other_insights(contract):
    # "metric[3] must be one of ...": views (the 4th asked) is dropped, the rest asked once
    # more; the accepted names listed after the colon are not read as refused.
    transport = contract("instagram", "media.counts", "media.insights_metric_refused",
                         "media.insights_without_views")
    assert make().fetch_post_metrics(MEDIA) == {
        "likes": 120, "comments": 14, "reach": 1630, "saves": 48, "reposts": 21}
    assert transport.requests[2].url.params["metric"] == "reach,saved,shares"


def test_a_second_refusal_is_not_retried_again(contract):
    transport = contract("instagram", "media.counts", "media.insights_metric_refused",
                         "media.insights_refused_again")
    assert make().fetch_post_metrics(MEDIA) == {"likes": 120, "comments": 14}
    assert len(transport.requests) == 3


def test_it_reads_followers_and_posts(contract):
    contract("instagram", "user.counts")
    assert make().fetch_account_metrics() == {"followers": 2310, "posts": 187}


# ---------------------------------------------------------------- limits


def codes(req: PublishRequest) -> list[str]:
    return [i.code for i in InstagramConnector.validate(req)]


@pytest.mark.parametrize(("length", "ok"), [(2199, True), (2200, True), (2201, False)])
def test_it_allows_2200_characters_of_caption(tmp_path, length, ok):
    assert (codes(PublishRequest(text="a" * length, media=(jpeg(tmp_path),))) == []) is ok


def test_it_counts_an_emoji_as_two(tmp_path):
    image = jpeg(tmp_path)
    assert codes(PublishRequest(text="😀" * 1100, media=(image,))) == []
    assert codes(PublishRequest(text="😀" * 1101, media=(image,))) == ["text_too_long"]


@pytest.mark.parametrize(("count", "ok"), [(29, True), (30, True), (31, False)])
def test_it_allows_30_hashtags(tmp_path, count, ok):
    text = " ".join(f"#coffee{n}" for n in range(count))
    assert codes(PublishRequest(text=text, media=(jpeg(tmp_path),))) == (
        [] if ok else ["too_many_hashtags"])


@pytest.mark.parametrize(("count", "ok"), [(19, True), (20, True), (21, False)])
def test_it_allows_20_mentions(tmp_path, count, ok):
    text = " ".join(f"@friend_{n}" for n in range(count)) + " write to hi@zerno.coffee"
    assert codes(PublishRequest(text=text, media=(jpeg(tmp_path),))) == (
        [] if ok else ["too_many_mentions"])


@pytest.mark.parametrize(("count", "ok"), [(2, True), (9, True), (10, True), (11, False)])
def test_a_carousel_holds_two_to_ten_items(tmp_path, count, ok):
    image = jpeg(tmp_path)
    assert codes(PublishRequest(text="x", media=(image,) * count)) == (
        [] if ok else ["too_many_media"])


def test_a_post_needs_media():
    assert codes(PublishRequest(text="Just words")) == ["media_required"]


def test_it_accepts_only_jpeg_photos(tmp_path):
    png = replace(jpeg(tmp_path, "latte.png"), mime="image/png")
    issues = InstagramConnector.validate(PublishRequest(text="x", media=(png,)))
    assert [i.code for i in issues] == ["jpeg_only"]
    assert issues[0].message == ("Instagram accepts only JPEG photos from apps, and latte.png "
                                 "is PNG: save it as JPEG (.jpg) and attach it again.")


@pytest.mark.parametrize(("size", "ok"), [(8 * MB, True), (8 * MB + 1, False)])
def test_photos_weigh_at_most_8_mb(tmp_path, size, ok):
    image = replace(jpeg(tmp_path), size=size)
    assert codes(PublishRequest(text="x", media=(image,))) == ([] if ok else ["media_too_large"])


@pytest.mark.parametrize(("fmt", "size", "ok"), [
    (Format.REEL, 300 * MB, True), (Format.REEL, 300 * MB + 1, False),
    (Format.STORY, 100 * MB, True), (Format.STORY, 100 * MB + 1, False)])
def test_video_sizes_depend_on_the_format(tmp_path, fmt, size, ok):
    video = replace(mp4(tmp_path), size=size)
    assert codes(PublishRequest(text="", media=(video,), format=fmt)) == (
        [] if ok else ["media_too_large"])


@pytest.mark.parametrize(("width", "height", "ok"), [
    (1080, 1350, True), (1080, 566, True), (1080, 1080, True),
    (1080, 1920, False), (1080, 500, False)])
def test_feed_photos_keep_a_4_5_to_1_91_ratio(tmp_path, width, height, ok):
    image = jpeg(tmp_path, width=width, height=height)
    assert codes(PublishRequest(text="x", media=(image,))) == ([] if ok else ["aspect_ratio"])


def test_a_story_may_be_tall(tmp_path):
    image = jpeg(tmp_path, width=1080, height=1920)
    assert codes(PublishRequest(text="", media=(image,), format=Format.STORY)) == []


def test_a_single_video_is_a_reel(tmp_path):
    assert codes(PublishRequest(text="x", media=(mp4(tmp_path),))) == ["video_is_reel"]


def test_a_reel_is_one_video(tmp_path):
    assert codes(PublishRequest(text="x", media=(jpeg(tmp_path),), format=Format.REEL)) == [
        "reel_needs_video"]


def test_a_story_is_one_file_without_text(tmp_path):
    image = jpeg(tmp_path)
    assert codes(PublishRequest(text="Hello", media=(image, image), format=Format.STORY)) == [
        "story_one_file", "story_text"]


# ---------------------------------------------------------------- webhooks


def signed(body: bytes, secret: str = SECRET) -> WebhookRequest:
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return WebhookRequest("POST", {"x-hub-signature-256": signature}, {}, body)


def payload(name: str) -> bytes:
    return json.dumps(load_fixture("instagram", name)["request"]["json"]).encode()


def test_it_accepts_signed_comments_mentions_and_messages(app):
    answer = InstagramConnector.webhook_receive(signed(payload("webhook.instagram_events")))
    assert answer.status == 200 and answer.rejected == ""
    assert [(e.kind, e.account_id, e.external_id) for e in answer.events] == [
        ("comment", IG, "17865799348089039"),
        ("mention", IG, "17894227972186120"),
        ("other", IG, ""),
        ("message", IG, "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAw"),
    ]
    comment = answer.events[0].data
    assert comment["text"] == "And do you ship to Odesa?"
    assert comment["media"]["id"] == MEDIA and comment["from"]["username"] == "olena.k"


def test_it_refuses_a_bad_signature(app):
    answer = InstagramConnector.webhook_receive(signed(payload("webhook.instagram_events"),
                                                       secret="guess"))
    assert answer.status == 403 and answer.events == []


def test_it_refuses_page_events_at_the_instagram_endpoint(app):
    answer = InstagramConnector.webhook_receive(signed(payload("webhook.page_object")))
    assert answer.status == 400 and "instagram" in answer.rejected


def test_it_answers_the_handshake(monkeypatch):
    monkeypatch.setenv("SMMDESK_META_VERIFY_TOKEN", "zerno-verify-7f3a")
    request = WebhookRequest("GET", {}, {"hub.mode": "subscribe", "hub.challenge": "98765",
                                         "hub.verify_token": "zerno-verify-7f3a"}, b"")
    assert InstagramConnector.webhook_receive(request).body == "98765"
