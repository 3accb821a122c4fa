"""Facebook Pages connector against the recorded Graph API contract (fixtures/facebook)."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from smmdesk.connectors import meta
from smmdesk.connectors.base import (
    AmbiguousError,
    ChannelContext,
    Found,
    MediaFile,
    MediaKind,
    PermanentError,
    PublishRequest,
    RemoteComment,
    TransientError,
)
from smmdesk.connectors.facebook import FacebookConnector
from smmdesk.connectors.webhooks import WebhookRequest
from smmdesk.lib import http as http_lib
from smmdesk.lib.http import HttpClient
from tests.connectors.contract import load_fixture, request_body
from tests.files import mp4_bytes, png_bytes

PAGE = "104857600123456"
POST = f"{PAGE}_987654321098765"
TOKEN = "EAAPageTokenZernoCoffee"
TEXT = "New single origin from Ethiopia is in: bright, floral, a little bergamot. ☕"
SECRET = "app-secret-for-tests"
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
def no_sleep(monkeypatch):
    monkeypatch.setattr(http_lib.time, "sleep", lambda _s: None)


def make(http: HttpClient | None = None) -> FacebookConnector:
    """Build after ``contract(...)``: the client picks its transport when it is created."""
    return FacebookConnector(ChannelContext(
        id=1, external_id=PAGE, name="Zerno Coffee", credentials={"access_token": TOKEN},
        settings={"page_id": PAGE}), http)


def sent(transport, n=0):
    return request_body(transport.requests[n])


def query(transport, n=0) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(str(transport.requests[n].url)).query).items()}


def photo(tmp_path, name="latte.jpg", **kw) -> MediaFile:
    path = tmp_path / name
    path.write_bytes(png_bytes())
    return MediaFile(path=path, kind=MediaKind.IMAGE, mime="image/jpeg",
                     size=path.stat().st_size, name=name, **kw)


def video(tmp_path, name="v60.mp4") -> MediaFile:
    path = tmp_path / name
    path.write_bytes(mp4_bytes())
    return MediaFile(path=path, kind=MediaKind.VIDEO, mime="video/mp4",
                     size=path.stat().st_size, name=name)


# ---------------------------------------------------------------- OAuth


def test_it_asks_facebook_login_for_every_permission_it_uses():
    spec = FacebookConnector.oauth
    assert spec.authorize_url == "https://www.facebook.com/v25.0/dialog/oauth"
    assert spec.token_url == "https://graph.facebook.com/v25.0/oauth/access_token"
    assert spec.env_prefix == "SMMDESK_FACEBOOK" and spec.scope_separator == ","
    assert {"pages_manage_posts", "pages_manage_engagement", "read_insights",
            "instagram_content_publish", "business_management"} <= set(spec.scopes)


@pytest.fixture
def registered(monkeypatch):
    """Facebook in the registry for the generic OAuth flow (registry.py is not ours)."""
    from smmdesk.connectors import registry

    monkeypatch.setitem(registry.CONNECTORS, "facebook",
                        ("smmdesk.connectors.facebook.FacebookConnector", "Facebook"))
    registry.connector_class.cache_clear()
    yield
    registry.connector_class.cache_clear()


def test_it_connects_through_the_generic_oauth_flow(contract, app, registered):
    from smmdesk.channels.connecting import oauth_finish, oauth_start

    redirect = "https://smm.zerno.coffee/channels/oauth/callback/"
    url, pending = oauth_start(kind="facebook", redirect_uri=redirect)
    asked = parse_qs(urlsplit(url).query)
    assert url.startswith("https://www.facebook.com/v25.0/dialog/oauth?")
    assert asked["client_id"] == ["1234567890123456"] and asked["response_type"] == ["code"]
    assert asked["scope"][0].split(",")[:2] == ["pages_show_list", "pages_manage_posts"]
    assert asked["auth_type"] == ["rerequest"] and "code_challenge" not in asked
    contract("facebook", "oauth.code", "oauth.long_lived", "accounts.page1", "accounts.page2")
    accounts = oauth_finish(pending=pending, code="AQBxZernoCode", redirect_uri=redirect)
    assert [a.name for a in accounts] == ["Zerno Coffee", "Zerno Roastery"]


def test_it_lists_one_channel_per_page_the_person_can_post_to(contract, app):
    transport = contract("facebook", "oauth.long_lived", "accounts.page1", "accounts.page2")
    http = HttpClient()
    accounts = FacebookConnector.oauth_accounts({"access_token": "EAAshortLivedUserToken"},
                                                http)
    assert [(a.external_id, a.name) for a in accounts] == [
        (PAGE, "Zerno Coffee"), ("104857600777002", "Zerno Roastery")]  # Jobs: ANALYZE only
    first = accounts[0]
    assert first.credentials == {"access_token": "EAAPageTokenZernoCoffee"}
    assert first.settings == {"page_id": PAGE}
    assert first.url == f"https://www.facebook.com/{PAGE}"
    assert first.token_expires_at is None  # Page tokens from a long-lived user token
    # the Pages are read with the long-lived token, the second page by its cursor
    assert query(transport, 1)["access_token"] == "EAAlongLivedUserToken"
    assert query(transport, 2)["after"] == "QVFIUmxZ"
    shown = " ".join(t.url for t in http.trace)
    assert SECRET not in shown and "EAAshortLivedUserToken" not in shown
    assert "EAAlongLivedUserToken" not in shown


def test_it_finds_no_page_when_the_person_manages_none(contract, app):
    contract("facebook", "oauth.long_lived", "accounts.empty")
    assert FacebookConnector.oauth_accounts(
        {"access_token": "EAAshortLivedUserToken"}, HttpClient()) == []


def test_it_reports_a_refused_token_exchange(contract, app):
    contract("facebook", "oauth.long_lived_refused")
    with pytest.raises(PermanentError) as exc:
        FacebookConnector.oauth_accounts({"access_token": "EAAshortLivedUserToken"},
                                         HttpClient())
    assert exc.value.code == "token_invalid" and "sign-in expired" in exc.value.message


def test_it_has_nothing_to_refresh():
    assert make().refresh_credentials() is None


def test_it_proves_the_app_secret_with_every_call(contract, app):
    transport = contract("facebook", "page.counts")
    make().fetch_account_metrics()
    expected = hmac.new(SECRET.encode(), TOKEN.encode(), hashlib.sha256).hexdigest()
    assert query(transport)["appsecret_proof"] == expected
    assert query(transport)["access_token"] == TOKEN


# ---------------------------------------------------------------- publish


def test_it_publishes_text_to_the_page_feed(contract):
    transport = contract("facebook", "feed.text")
    result = make().publish(PublishRequest(text=TEXT))
    assert result.external_id == POST
    assert result.url == f"https://www.facebook.com/{POST}"
    assert result.extra_ids == () and result.raw == {"post_id": POST}
    assert sent(transport)[1] == {"message": TEXT}


def test_it_shares_a_link_given_in_the_options(contract):
    transport = contract("facebook", "feed.link")
    make().publish(PublishRequest(text="Our brewing guide is out",
                                  options={"link": "https://zerno.coffee/brew"}))
    assert sent(transport)[1]["link"] == "https://zerno.coffee/brew"


def test_it_uploads_one_photo_with_the_text_as_its_message(contract, tmp_path):
    transport = contract("facebook", "photos.single")
    image = photo(tmp_path, alt_text="A tulip in latte foam")
    result = make().publish(PublishRequest(text="Latte art Friday 🥛", media=(image,)))
    assert result.external_id == f"{PAGE}_987654321098770"  # the post, not the photo
    _json, form, files = sent(transport)
    assert form == {"message": "Latte art Friday 🥛", "alt_text_custom": "A tulip in latte foam"}
    assert files == {"source"}
    assert image.path.read_bytes() in transport.requests[0].content


def test_it_publishes_several_photos_as_one_post(contract, tmp_path):
    transport = contract("facebook", "photos.unpublished_a", "photos.unpublished_b",
                         "feed.album")
    media = (photo(tmp_path, "a.jpg"), photo(tmp_path, "b.jpg"))
    result = make().publish(PublishRequest(text="Three roasts for the weekend", media=media))
    assert result.external_id == f"{PAGE}_987654321098780"
    assert [sent(transport, n)[1] for n in (0, 1)] == [{"published": "false"}] * 2
    form = sent(transport, 2)[1]
    assert json.loads(form["attached_media[0]"]) == {"media_fbid": "555000111222401"}
    assert json.loads(form["attached_media[1]"]) == {"media_fbid": "555000111222402"}


def test_it_retries_an_album_whose_unpublished_upload_failed(contract, tmp_path):
    contract("facebook", "photos.unpublished_server_error")
    media = (photo(tmp_path, "a.jpg"), photo(tmp_path, "b.jpg"))
    with pytest.raises(TransientError):  # nobody sees an unpublished photo
        make(HttpClient(retries=0)).publish(PublishRequest(text="Three roasts", media=media))


def test_it_uploads_a_video_with_the_text_as_description(contract, tmp_path):
    transport = contract("facebook", "videos.upload")
    result = make().publish(PublishRequest(text="How we brew a V60", media=(video(tmp_path),)))
    assert result.external_id == f"{PAGE}_777000111222333"
    assert result.extra_ids == ("777000111222333",)
    _json, form, files = sent(transport)
    assert form == {"description": "How we brew a V60"} and files == {"source"}


def test_it_adds_the_first_comment_after_publishing(contract):
    transport = contract("facebook", "feed.text", "comments.first")
    result = make().publish(PublishRequest(text=TEXT,
                                           first_comment="Beans: zerno.coffee/ethiopia"))
    assert result.raw["first_comment"] == {"id": "987654321098765_4410099"}
    assert sent(transport, 1)[1] == {"message": "Beans: zerno.coffee/ethiopia"}


def test_a_refused_first_comment_does_not_fail_the_post(contract):
    contract("facebook", "feed.text", "comments.first_refused")
    result = make().publish(PublishRequest(text=TEXT, first_comment="x"))
    assert result.external_id == POST
    assert result.raw["first_comment"]["code"] == "invalid_parameter"
    assert "non-empty string" in result.raw["first_comment"]["error"]


# ---------------------------------------------------------------- edit, delete


def test_it_edits_the_message_of_a_post(contract):
    transport = contract("facebook", "post.edit")
    result = make().edit(POST, PublishRequest(text="Now with tasting notes: bergamot, jasmine."))
    assert result.external_id == POST
    assert sent(transport)[1] == {"message": "Now with tasting notes: bergamot, jasmine."}


def test_it_deletes_a_post(contract):
    transport = contract("facebook", "post.delete")
    make().delete(POST)
    assert transport.requests[0].method == "DELETE"


def test_it_counts_a_post_already_gone_as_deleted(contract):
    contract("facebook", "post.delete_gone")
    make().delete(POST)


def test_it_deletes_a_video_post_through_its_video(contract):
    transport = contract("facebook", "video.delete")
    make().delete(f"{PAGE}_777000111222333", extra_ids=("777000111222333",))
    assert str(transport.requests[0].url).split("?")[0].endswith("/777000111222333")


# ---------------------------------------------------------------- find_published

SINCE = datetime(2025, 11, 21, 10, 0, tzinfo=UTC)


def test_it_finds_its_post_by_the_text_despite_whitespace(contract):
    transport = contract("facebook", "posts.found")
    found = make().find_published(PublishRequest(text=TEXT), since=SINCE)
    assert found.status == Found.FOUND
    assert found.result.external_id == POST  # not the older post with the same text
    assert query(transport)["since"] == "1763719200"


def test_it_says_not_found_when_the_window_holds_no_such_post(contract):
    contract("facebook", "posts.none")
    found = make().find_published(PublishRequest(text=TEXT), since=SINCE)
    assert found.status == Found.NOT_FOUND


def test_it_reads_further_pages_of_posts(contract):
    transport = contract("facebook", "posts.page1", "posts.page2")
    found = make().find_published(PublishRequest(text=TEXT), since=SINCE)
    assert found.status == Found.FOUND and found.result.external_id == POST
    assert "access_token=EAAPageTokenZernoCoffee" in str(transport.requests[1].url)
    assert str(transport.requests[1].url).count("access_token") == 1


def test_it_cannot_tell_media_only_posts_apart(contract, tmp_path):
    contract("facebook", "posts.media_only")
    found = make().find_published(PublishRequest(text="", media=(photo(tmp_path),)),
                                  since=SINCE)
    assert found.status == Found.UNKNOWN


def test_it_does_not_rule_out_a_video_still_processing(contract, tmp_path):
    contract("facebook", "posts.none")
    found = make().find_published(PublishRequest(text=TEXT, media=(video(tmp_path),)),
                                  since=SINCE)
    assert found.status == Found.UNKNOWN and "processing" in found.note


# ---------------------------------------------------------------- comments


def test_it_reads_comments_and_replies_until_since(contract):
    transport = contract("facebook", "comments.list")
    comments = make().fetch_comments(POST, since=datetime(2025, 11, 21, tzinfo=UTC))
    assert [c.external_id for c in comments] == [
        "987654321098765_4410003", "987654321098765_4410002", "987654321098765_4410001"]
    ours, spam, question = comments
    assert ours.by_us and ours.parent_external_id == "987654321098765_4410001"
    assert spam.hidden and not spam.by_us
    assert (question.author_id, question.author_name, question.text) == (
        "6203100450777", "Taras Melnyk", "Do you ship to Lviv?")
    assert question.created_at == datetime(2025, 11, 21, 11, 0, tzinfo=UTC)
    assert question.post_external_id == POST and question.parent_external_id == ""
    assert query(transport)["filter"] == "stream"
    assert len(transport.requests) == 1  # the older comment ended the reading


def _question() -> RemoteComment:
    return RemoteComment("987654321098765_4410001", POST, "6203100450777", "Taras Melnyk",
                         "Do you ship to Lviv?", datetime(2025, 11, 21, 11, tzinfo=UTC))


def test_it_replies_as_the_page(contract):
    transport = contract("facebook", "comment.reply")
    reply = make().reply(_question(), "Yes, Nova Poshta, 1–2 days.")
    assert reply.external_id == "987654321098765_4410003"
    assert reply.by_us and reply.author_id == PAGE
    assert reply.parent_external_id == "987654321098765_4410001"
    assert sent(transport)[1] == {"message": "Yes, Nova Poshta, 1–2 days."}


def test_it_answers_a_reply_in_its_thread(contract):
    contract("facebook", "comment.reply")  # posted under the thread's top comment
    nested = replace(_question(), external_id="987654321098765_4410005",
                     parent_external_id="987654321098765_4410001")
    assert make().reply(nested, "Yes, Nova Poshta, 1–2 days.").parent_external_id == \
        "987654321098765_4410001"


@pytest.mark.parametrize(("fixture", "hidden"), [("comment.hide", True),
                                                 ("comment.unhide", False)])
def test_it_hides_and_unhides_a_comment(contract, fixture, hidden):
    transport = contract("facebook", fixture)
    make().hide_comment("987654321098765_4410002", hidden)
    assert sent(transport)[1] == {"is_hidden": "true" if hidden else "false"}


def test_it_deletes_a_comment(contract):
    transport = contract("facebook", "comment.delete")
    make().delete_comment("987654321098765_4410002")
    assert transport.requests[0].method == "DELETE"


# ---------------------------------------------------------------- metrics


def test_it_reads_post_counts_and_insights(contract):
    contract("facebook", "post.counts", "post.insights")
    assert make().fetch_post_metrics(POST) == {
        "likes": 42, "comments": 7, "reposts": 3, "views": 1840, "reach": 1210, "clicks": 64}


def test_it_keeps_the_counts_when_insights_are_refused(contract):
    contract("facebook", "post.counts", "post.insights_invalid")
    assert make().fetch_post_metrics(POST) == {"likes": 42, "comments": 7, "reposts": 3}


def test_a_retired_metric_named_by_meta_is_dropped_and_the_rest_asked_again(contract):
    transport = contract("facebook", "post.counts", "post.insights_metric_retired",
                         "post.insights_without_clicks")
    assert make().fetch_post_metrics(POST) == {
        "likes": 42, "comments": 7, "reposts": 3, "views": 900, "reach": 610}
    assert transport.requests[2].url.params["metric"] == (
        "post_media_view,post_total_media_view_unique")


def test_it_reads_followers_of_the_page(contract):
    contract("facebook", "page.counts")
    assert make().fetch_account_metrics() == {"followers": 1532, "fans": 1480}


@pytest.mark.parametrize("fixture", ["page.server_error", "page.timeout"])
def test_a_failed_read_is_transient(contract, fixture):
    contract("facebook", fixture)
    with pytest.raises(TransientError) as exc:
        make(HttpClient(secrets=[TOKEN], retries=0)).fetch_account_metrics()
    assert type(exc.value) is TransientError


def test_it_retries_a_read_after_a_server_error(contract, no_sleep):
    contract("facebook", "page.server_error", "page.counts")
    assert make().fetch_account_metrics()["followers"] == 1532


def test_a_revoked_token_breaks_the_channel_on_reads_too(contract):
    contract("facebook", "page.token_invalid")
    with pytest.raises(PermanentError) as exc:
        make().fetch_account_metrics()
    assert exc.value.channel_broken and "was removed" in exc.value.message


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(("fixture", "error", "code", "broken"), [
    ("feed.token_expired", PermanentError, "token_invalid", True),
    ("feed.password_changed", PermanentError, "token_invalid", True),
    ("feed.missing_permission", PermanentError, "missing_permission", True),
    ("feed.no_permission_named", PermanentError, "missing_permission", True),
    ("feed.invalid_parameter", PermanentError, "invalid_parameter", False),
    ("feed.blocked", PermanentError, "blocked", False),
    ("feed.duplicate", PermanentError, "duplicate", False),
    ("feed.page_throttled", TransientError, "rate_limited", None),
    ("feed.app_throttled", TransientError, "rate_limited", None),
    ("feed.bucket_throttled", TransientError, "rate_limited", None),
    ("feed.server_error", AmbiguousError, "server_error", None),
    ("feed.bad_gateway", AmbiguousError, "server_error", None),
    ("feed.not_json", AmbiguousError, "server_error", None),
    ("feed.timeout", AmbiguousError, "no_answer", None),
    ("feed.connect_error", TransientError, "unreachable", None),
])
def test_it_maps_each_refusal_of_a_post(contract, fixture, error, code, broken):
    contract("facebook", fixture)
    with pytest.raises(error) as exc:
        make().publish(PublishRequest(text=TEXT))
    assert type(exc.value) is error and exc.value.code == code
    if broken is not None:
        assert exc.value.channel_broken is broken
    assert TOKEN not in exc.value.message and TOKEN not in repr(exc.value.raw)


def test_it_tells_to_reconnect_when_the_password_changed(contract):
    contract("facebook", "feed.password_changed")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=TEXT))
    assert exc.value.message == (
        "Facebook: smmdesk's access to Zerno Coffee is no longer valid (the password of the "
        "Facebook account that connected it was changed). Reconnect the channel and sign in "
        "with Facebook again.")


def test_it_names_the_missing_permission(contract):
    contract("facebook", "feed.missing_permission")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=TEXT))
    assert "“pages_read_engagement”" in exc.value.message
    assert "Reconnect the channel" in exc.value.message


def test_it_passes_on_metas_words_for_a_bad_post(contract):
    contract("facebook", "feed.invalid_parameter")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text=TEXT))
    assert exc.value.message == "Facebook refused: Missing message or attachment."


@pytest.mark.parametrize(("fixture", "wait", "scope"), [
    ("feed.page_throttled", 17 * 60.0, "channel"),  # estimated_time_to_regain_access
    ("feed.app_throttled", 600.0, "app"),  # X-App-Usage at 100%, no estimate
    ("feed.bucket_throttled", 600.0, "channel"),
])
def test_it_waits_as_long_as_meta_says(contract, fixture, wait, scope):
    contract("facebook", fixture)
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text=TEXT))
    assert exc.value.retry_after == wait and exc.value.scope == scope
    assert f"in {round(wait / 60)} minutes" in exc.value.message


# ---------------------------------------------------------------- limits


def codes(req: PublishRequest) -> list[str]:
    return [i.code for i in FacebookConnector.validate(req)]


@pytest.mark.parametrize(("length", "ok"), [(63205, True), (63206, True), (63207, False)])
def test_it_allows_63206_characters(length, ok):
    assert (codes(PublishRequest(text="a" * length)) == []) is ok


@pytest.mark.parametrize(("count", "ok"), [(9, True), (10, True), (11, False)])
def test_it_allows_ten_photos_in_a_post(tmp_path, count, ok):
    image = photo(tmp_path)
    assert codes(PublishRequest(text="", media=(image,) * count)) == (
        [] if ok else ["too_many_media"])


def test_a_video_stays_alone(tmp_path):
    assert codes(PublishRequest(text="x", media=(video(tmp_path), photo(tmp_path)))) == [
        "video_alone"]


def test_a_link_preview_needs_a_post_without_media(tmp_path):
    req = PublishRequest(text="x", media=(photo(tmp_path),),
                         options={"link": "https://zerno.coffee"})
    assert codes(req) == ["link_with_media"]


@pytest.mark.parametrize(("kind", "size", "ok"), [
    ("image", 10 * MB, True), ("image", 10 * MB + 1, False),
    ("video", 1024 * MB, True), ("video", 1024 * MB + 1, False)])
def test_it_checks_file_sizes(tmp_path, kind, size, ok):
    media = replace(photo(tmp_path) if kind == "image" else video(tmp_path), size=size)
    assert codes(PublishRequest(text="", media=(media,))) == ([] if ok else ["media_too_large"])


def test_it_offers_only_feed_posts():
    assert codes(PublishRequest(text="x", format="story")) == ["format_unsupported"]


# ---------------------------------------------------------------- webhooks


def hook_request(body: bytes, secret: str = SECRET, method: str = "POST", **headers):
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return WebhookRequest(method=method, headers={"x-hub-signature-256": signature, **headers},
                          query={}, body=body)


def payload(name: str) -> bytes:
    return json.dumps(load_fixture("facebook", name)["request"]["json"]).encode()


def test_it_accepts_signed_page_events(app):
    answer = FacebookConnector.webhook_receive(hook_request(payload("webhook.page_events")))
    assert (answer.status, answer.body, answer.rejected) == (200, "EVENT_RECEIVED", "")
    assert [(e.kind, e.account_id, e.external_id) for e in answer.events] == [
        ("comment", PAGE, "987654321098765_4410001"),
        ("reaction", PAGE, POST),
        ("post", PAGE, POST),
        ("other", PAGE, ""),  # a Page like
        ("other", PAGE, ""),  # a rating
        ("message", PAGE, "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwl"
                          "qLP_5cgXIbu7I3rBN0P"),  # the echo and the read receipt left out
    ]
    comment = answer.events[0].data
    assert comment["message"] == "Do you ship to Lviv?" and comment["verb"] == "add"


def test_it_refuses_a_bad_signature(app):
    body = payload("webhook.page_events")
    answer = FacebookConnector.webhook_receive(hook_request(body, secret="not-the-secret"))
    assert answer.status == 403 and answer.events == [] and "X-Hub-Signature-256" in \
        answer.rejected


def test_it_refuses_an_unsigned_request(app):
    request = WebhookRequest("POST", {}, {}, payload("webhook.page_events"))
    assert FacebookConnector.webhook_receive(request).status == 403


def test_it_refuses_instagram_events_at_the_facebook_endpoint(app):
    answer = FacebookConnector.webhook_receive(hook_request(payload("webhook.instagram_object")))
    assert answer.status == 400 and answer.events == []


def test_it_refuses_a_signed_body_that_is_not_json(app):
    answer = FacebookConnector.webhook_receive(hook_request(b"<xml/>"))
    assert answer.status == 400 and answer.events == []


def test_it_refuses_other_methods(app):
    assert FacebookConnector.webhook_receive(hook_request(b"{}", method="PUT")).status == 405


def test_it_refuses_events_when_the_app_secret_is_not_set():
    answer = FacebookConnector.webhook_receive(hook_request(payload("webhook.page_events")))
    assert answer.status == 503 and "CLIENT_SECRET" in answer.rejected


def handshake(token: str, mode: str = "subscribe") -> WebhookRequest:
    return WebhookRequest("GET", {}, {"hub.mode": mode, "hub.verify_token": token,
                                      "hub.challenge": "1158201444"}, b"")


def test_it_answers_the_handshake_with_the_challenge(monkeypatch):
    monkeypatch.setenv("SMMDESK_META_VERIFY_TOKEN", "zerno-verify-7f3a")
    answer = FacebookConnector.webhook_receive(handshake("zerno-verify-7f3a"))
    assert (answer.status, answer.body, answer.rejected) == (200, "1158201444", "")


@pytest.mark.parametrize(("token", "mode"), [("wrong", "subscribe"),
                                             ("zerno-verify-7f3a", "unsubscribe")])
def test_it_refuses_a_handshake_it_did_not_ask_for(monkeypatch, token, mode):
    monkeypatch.setenv("SMMDESK_META_VERIFY_TOKEN", "zerno-verify-7f3a")
    answer = FacebookConnector.webhook_receive(handshake(token, mode))
    assert answer.status == 403 and answer.body != "1158201444"


def test_it_refuses_the_handshake_without_a_verify_token():
    assert FacebookConnector.webhook_receive(handshake("")).status == 503


def test_it_shares_the_graph_version_with_instagram():
    from smmdesk.connectors.instagram import InstagramConnector

    assert meta.GRAPH_VERSION == "v25.0"
    assert InstagramConnector.oauth is FacebookConnector.oauth
