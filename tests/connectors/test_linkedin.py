"""LinkedIn connector against the recorded REST API contract (fixtures/linkedin)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

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
from smmdesk.connectors.linkedin import OAUTH, LinkedInConnector, common, uploads
from smmdesk.connectors.linkedin.common import little_text, plain_text
from smmdesk.lib.http import HttpClient
from tests.connectors.contract import request_body
from tests.files import mp4_bytes, png_bytes

TOKEN = "AQXaccessZernoCoffee"
ORG = "urn:li:organization:2414183"
ME = "urn:li:person:782bbtaQ"
SHARE = "urn:li:share:7250000000000000001"
ACT = "urn:li:activity:7250000000000000100"
C1 = f"urn:li:comment:({ACT},7250000000000000201)"
C2 = f"urn:li:comment:({ACT},7250000000000000202)"


@pytest.fixture(autouse=True)
def _app(monkeypatch):
    monkeypatch.setenv("SMMDESK_LINKEDIN_CLIENT_ID", "78zernoclient")
    monkeypatch.setenv("SMMDESK_LINKEDIN_CLIENT_SECRET", "linkedin-secret-for-tests")


@pytest.fixture
def sleeps(monkeypatch):
    """Video status waits, recorded instead of slept."""
    waited: list[float] = []
    monkeypatch.setattr(common, "sleep", waited.append)
    return waited


def make(author: str = ORG, **settings) -> LinkedInConnector:
    account = "organization" if author == ORG else "member"
    return LinkedInConnector(ChannelContext(
        id=5, external_id=author, name="Zerno Coffee", credentials={"access_token": TOKEN},
        settings={"author": author, "account": account, **settings}), HttpClient())


def image(tmp_path, name="latte.png", **kw) -> MediaFile:
    path = tmp_path / name
    path.write_bytes(png_bytes())
    return MediaFile(path=path, kind=MediaKind.IMAGE, mime="image/png",
                     size=path.stat().st_size, name=name, **kw)


def video(tmp_path) -> MediaFile:
    path = tmp_path / "roast.mp4"
    path.write_bytes((mp4_bytes() + bytes(range(256)))[:100])
    return MediaFile(path=path, kind=MediaKind.VIDEO, mime="video/mp4", size=100,
                     name="roast.mp4")


def pdf(tmp_path) -> MediaFile:
    path = tmp_path / "menu.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    return MediaFile(path=path, kind=MediaKind.DOCUMENT, mime="application/pdf",
                     size=path.stat().st_size, name="menu.pdf")


def sent(transport, n: int) -> dict:
    return request_body(transport.requests[n])[0]


# ---------------------------------------------------------------- little text


def test_little_text_escapes_every_reserved_character():
    text = "a(b)c[d]e{f}g<h>i@j|k~l_m*n\\o #tag"
    assert little_text(text) == (
        "a\\(b\\)c\\[d\\]e\\{f\\}g\\<h\\>i\\@j\\|k\\~l\\_m\\*n\\\\o #tag")
    assert plain_text(little_text(text)) == text


def test_little_text_leaves_web_addresses_working():
    text = "See https://zerno.coffee/beans_2026?x=a*b~c and (more)"
    assert little_text(text) == "See https://zerno.coffee/beans_2026?x=a*b~c and \\(more\\)"
    assert little_text("https://en.wikipedia.org/wiki/Coffee_(drink)") == \
        "https://en.wikipedia.org/wiki/Coffee_\\(drink\\)"


# ---------------------------------------------------------------- OAuth


def test_oauth_spec_has_no_pkce_and_the_documented_endpoints():
    assert OAUTH.pkce is False
    assert OAUTH.authorize_url == "https://www.linkedin.com/oauth/v2/authorization"
    assert OAUTH.token_url == "https://www.linkedin.com/oauth/v2/accessToken"
    assert {"openid", "profile", "w_member_social", "w_organization_social",
            "r_organization_social", "rw_organization_admin"} <= set(OAUTH.scopes)


def test_it_lists_the_member_and_the_pages_they_administer(contract):
    transport = contract("linkedin", "userinfo.ok", "acls.two_pages", "organizations.two")
    accounts = LinkedInConnector.oauth_accounts({
        "access_token": TOKEN, "expires_in": 5184000, "refresh_token": "AQWrefreshZerno",
        "refresh_token_expires_in": 31536000,
        "scope": "openid,profile,r_organization_social,rw_organization_admin,"
                 "w_member_social,w_organization_social"}, HttpClient())
    member, page, jobs = accounts
    assert (member.external_id, member.name) == (ME, "Olena Kovalenko")
    assert member.settings["author"] == ME and member.settings["account"] == "member"
    assert (page.external_id, page.name) == (ORG, "Zerno Coffee")
    assert page.url == "https://www.linkedin.com/company/zerno-coffee/"
    assert page.settings["author"] == ORG and page.settings["account"] == "organization"
    assert jobs.external_id == "urn:li:organization:5515715"
    assert page.credentials == {"access_token": TOKEN, "refresh_token": "AQWrefreshZerno"}
    assert page.token_expires_at > datetime.now(UTC) + timedelta(days=59)
    assert "refresh_token_expires_at" in page.settings
    request = transport.requests[1]
    assert request.headers["LinkedIn-Version"] == common.LINKEDIN_VERSION
    assert request.headers["X-Restli-Protocol-Version"] == "2.0.0"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_a_grant_without_page_scopes_gives_only_the_member(contract):
    contract("linkedin", "userinfo.ok")
    accounts = LinkedInConnector.oauth_accounts({
        "access_token": TOKEN, "expires_in": 5184000,
        "scope": "openid,profile,w_member_social"}, HttpClient())
    assert [a.external_id for a in accounts] == [ME]
    notes = LinkedInConnector.channel_notes(accounts[0].settings)
    assert any("no renewal" in n and "reconnect" in n for n in notes)
    assert any("r_member_postAnalytics" in n for n in notes)
    assert LinkedInConnector.metrics_source(accounts[0].settings).code == "none"


def test_page_listing_refused_names_the_permission(contract):
    contract("linkedin", "userinfo.ok", "acls.forbidden")
    with pytest.raises(PermanentError) as exc:
        LinkedInConnector.oauth_accounts({"access_token": TOKEN,
                                          "scope": "rw_organization_admin"}, HttpClient())
    assert "rw_organization_admin" in exc.value.message and exc.value.channel_broken


def test_a_grant_of_unknown_scopes_without_page_access_gives_the_member(contract):
    contract("linkedin", "userinfo.ok", "acls.forbidden")
    accounts = LinkedInConnector.oauth_accounts({"access_token": TOKEN}, HttpClient())
    assert [a.external_id for a in accounts] == [ME]


def test_it_refreshes_with_a_refresh_token(contract):
    transport = contract("linkedin", "token.refresh")
    api = LinkedInConnector(ChannelContext(
        id=5, external_id=ORG, name="Zerno Coffee",
        credentials={"access_token": TOKEN, "refresh_token": "AQWrefreshZerno"},
        settings={"author": ORG, "account": "organization"}), HttpClient())
    fresh = api.refresh_credentials()
    assert fresh.credentials["access_token"] == "AQXnewAccessZerno"
    assert fresh.credentials["refresh_token"] == "AQWrefreshZerno"
    assert fresh.token_expires_at > datetime.now(UTC) + timedelta(days=59)
    assert fresh.settings["author"] == ORG
    assert "rw_organization_admin" in fresh.settings["scopes"]
    assert request_body(transport.requests[0])[1]["client_secret"] == \
        "linkedin-secret-for-tests"
    notes = LinkedInConnector.channel_notes(fresh.settings)
    assert any("renews" in n for n in notes)


def test_a_revoked_refresh_token_breaks_the_channel(contract):
    contract("linkedin", "token.refresh_revoked")
    api = LinkedInConnector(ChannelContext(
        id=5, external_id=ORG, name="Zerno Coffee",
        credentials={"access_token": TOKEN, "refresh_token": "AQWrefreshZerno"},
        settings={"author": ORG}), HttpClient())
    with pytest.raises(PermanentError) as exc:
        api.refresh_credentials()
    assert exc.value.code == "oauth_denied"


def test_without_a_refresh_token_there_is_nothing_to_refresh():
    assert make().refresh_credentials() is None


# ---------------------------------------------------------------- publish


def test_it_publishes_escaped_text_to_a_page(contract):
    transport = contract("linkedin", "posts.create_text")
    text = ("New blend (Ethiopia & Brazil) [limited] {1kg} <3 @zerno | _fresh_ ~ *roasted* "
            "\\o/ #coffee https://zerno.coffee/beans_2026")
    result = make().publish(PublishRequest(text=text))
    assert result.external_id == SHARE
    assert result.url == f"https://www.linkedin.com/feed/update/{SHARE}/"
    assert sent(transport, 0)["distribution"]["feedDistribution"] == "MAIN_FEED"
    assert transport.requests[0].headers["LinkedIn-Version"] == common.LINKEDIN_VERSION


def test_it_publishes_on_the_members_profile(contract):
    contract("linkedin", "posts.create_member")
    assert make(ME).publish(PublishRequest(text="Hello from my profile")).external_id == SHARE


def test_it_publishes_an_image_with_alt_text(contract, tmp_path):
    transport = contract("linkedin", "images.init", "upload.image", "posts.create_image")
    media = image(tmp_path, alt_text="A tulip in latte foam")
    result = make().publish(PublishRequest(text="Latte art", media=(media,)))
    assert result.external_id == SHARE
    put = transport.requests[1]
    assert put.method == "PUT" and put.content == media.path.read_bytes()
    assert put.headers["Content-Length"] == str(media.size)
    assert "transfer-encoding" not in put.headers


def test_it_publishes_several_images_as_a_multi_image_post(contract, tmp_path):
    contract("linkedin", "images.init", "upload.image", "images.init_2", "upload.image_2",
             "posts.create_multi")
    media = (image(tmp_path, "a.png"), image(tmp_path, "b.png"))
    assert make().publish(PublishRequest(text="Two roasts", media=media)).external_id == SHARE


def test_it_uploads_a_video_in_parts_streamed_from_disk(contract, tmp_path, sleeps,
                                                        monkeypatch):
    monkeypatch.setattr(uploads, "CHUNK", 16)  # parts of 40 bytes read 16 at a time
    reads: list[int] = []
    real_read = uploads._read

    def counting(path, offset, length):
        for chunk in real_read(path, offset, length):
            reads.append(len(chunk))
            yield chunk

    monkeypatch.setattr(uploads, "_read", counting)
    transport = contract("linkedin", "videos.init", "upload.video_part1",
                         "upload.video_part2", "upload.video_part3", "videos.finalize",
                         "videos.processing", "videos.available", "posts.create_video")
    media = video(tmp_path)
    result = make().publish(PublishRequest(text="How we roast", media=(media,)))
    assert result.external_id == SHARE
    data = media.path.read_bytes()
    puts = [r for r in transport.requests if r.method == "PUT"]
    assert [r.content for r in puts] == [data[0:40], data[40:80], data[80:100]]
    assert max(reads) == 16  # never more than a chunk in memory
    assert sleeps == [uploads.VIDEO_WAITS[0]]


def test_a_video_linkedin_cannot_process_is_permanent(contract, tmp_path, sleeps):
    contract("linkedin", "videos.init", "upload.video_part1", "upload.video_part2",
             "upload.video_part3", "videos.finalize", "videos.failed")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text="How we roast", media=(video(tmp_path),)))
    assert exc.value.code == "video_failed"


def test_a_video_still_processing_is_retried_later(contract, tmp_path, sleeps, monkeypatch):
    monkeypatch.setattr(uploads, "VIDEO_WAITS", (1, 2))
    contract("linkedin", "videos.init", "upload.video_part1", "upload.video_part2",
             "upload.video_part3", "videos.finalize", "videos.processing",
             "videos.processing", "videos.processing")
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text="How we roast", media=(video(tmp_path),)))
    assert exc.value.code == "still_processing"
    assert sleeps == [1, 2]


def test_it_publishes_a_pdf_document(contract, tmp_path):
    transport = contract("linkedin", "documents.init", "upload.document",
                         "posts.create_document")
    media = pdf(tmp_path)
    result = make().publish(PublishRequest(text="Our 2026 coffee menu", media=(media,),
                                           options={"document_title": "Menu 2026"}))
    assert result.external_id == SHARE
    assert transport.requests[1].content == media.path.read_bytes()
    assert transport.requests[1].headers["Content-Type"] == "application/pdf"


def test_it_publishes_a_poll(contract):
    contract("linkedin", "posts.create_poll")
    req = PublishRequest(text="Tell us", options={
        "poll_question": "How do you take your coffee?",
        "poll_options": "Espresso; Filter; Cold brew", "poll_duration": "SEVEN_DAYS"})
    assert LinkedInConnector.validate(req) == []
    assert make().publish(req).external_id == SHARE


def test_it_publishes_a_link_as_an_article(contract):
    contract("linkedin", "posts.create_article")
    req = PublishRequest(text="Read our story", options={
        "link_url": "https://zerno.coffee/story", "link_title": "The Zerno story"})
    assert make().publish(req).external_id == SHARE


def test_the_first_comment_is_written_as_the_page(contract):
    transport = contract("linkedin", "posts.create_poll", "comments.first")
    req = PublishRequest(text="Tell us", first_comment="Menu: zerno.coffee", options={
        "poll_question": "How do you take your coffee?",
        "poll_options": "Espresso; Filter; Cold brew", "poll_duration": "SEVEN_DAYS"})
    result = make().publish(req)
    assert result.raw["first_comment"] == {
        "id": f"urn:li:comment:({ACT},7250000000000000299)"}
    assert transport.requests[1].url.path == f"/rest/socialActions/{SHARE}/comments"


# ---------------------------------------------------------------- validation


def test_validation_of_polls():
    req = PublishRequest(text="", options={"poll_question": "?" * 141,
                                           "poll_options": "only one",
                                           "poll_duration": "ONE_WEEK"})
    codes = {i.code for i in LinkedInConnector.validate(req)}
    assert {"poll_question", "poll_options", "poll_duration"} <= codes
    long = PublishRequest(text="x", options={"poll_question": "Q?",
                                             "poll_options": "a; " + "b" * 31})
    assert "poll_option_long" in {i.code for i in LinkedInConnector.validate(long)}


def test_validation_of_media(tmp_path):
    doc, vid = pdf(tmp_path), video(tmp_path)
    mixed = PublishRequest(text="x", media=(doc, vid))
    assert "one_video_or_document" in {i.code for i in LinkedInConnector.validate(mixed)}
    big = MediaFile(path=doc.path, kind=MediaKind.DOCUMENT, mime="application/pdf",
                    size=101 * 2**20, name="menu.pdf")
    assert "media_too_large" in {i.code for i in LinkedInConnector.validate(
        PublishRequest(text="x", media=(big,)))}
    too_many = tuple(image(tmp_path, f"{i}.png") for i in range(21))
    assert "too_many_media" in {i.code for i in LinkedInConnector.validate(
        PublishRequest(text="x", media=too_many))}
    assert "text_too_long" in {i.code for i in LinkedInConnector.validate(
        PublishRequest(text="x" * 3001))}
    link = PublishRequest(text="x", media=(image(tmp_path),),
                          options={"link_url": "https://zerno.coffee"})
    assert "link_and_media" in {i.code for i in LinkedInConnector.validate(link)}


# ---------------------------------------------------------------- errors


def test_a_revoked_token_breaks_the_channel(contract):
    contract("linkedin", "posts.revoked")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text="Hi"))
    assert exc.value.channel_broken and exc.value.code == "token_revoked"
    assert "Reconnect" in exc.value.message


def test_an_expired_token_breaks_the_channel(contract):
    contract("linkedin", "posts.expired")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text="Hi"))
    assert exc.value.channel_broken and "expired" in exc.value.message


def test_a_missing_permission_is_named(contract):
    contract("linkedin", "posts.forbidden")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text="Hi"))
    assert exc.value.channel_broken and exc.value.code == "missing_permission"
    assert "w_organization_social" in exc.value.message


def test_a_duplicate_is_permanent_and_names_the_original(contract):
    contract("linkedin", "posts.duplicate")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text="Hi"))
    assert exc.value.code == "duplicate" and not exc.value.channel_broken
    assert exc.value.raw["duplicate_of"] == SHARE


def test_throttling_waits_an_hour_without_retry_after(contract):
    contract("linkedin", "posts.throttled_member")
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text="Hi"))
    assert exc.value.retry_after == 3600 and exc.value.scope == "channel"


def test_application_throttling_with_retry_after(contract):
    contract("linkedin", "posts.throttled_app")
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text="Hi"))
    assert exc.value.retry_after == 120 and exc.value.scope == "app"


def test_a_server_error_mid_publish_is_ambiguous(contract):
    contract("linkedin", "posts.server_error")
    with pytest.raises(AmbiguousError):
        make().publish(PublishRequest(text="Hi"))


def test_a_timeout_after_sending_is_ambiguous(contract):
    contract("linkedin", "posts.timeout")
    with pytest.raises(AmbiguousError):
        make().publish(PublishRequest(text="Hi"))


def test_an_answer_without_the_post_id_is_ambiguous(contract):
    contract("linkedin", "posts.create_no_id")
    with pytest.raises(AmbiguousError) as exc:
        make().publish(PublishRequest(text="Hi"))
    assert exc.value.code == "no_id"


# ---------------------------------------------------------------- find, delete


def test_it_finds_a_page_post_by_its_text(contract):
    transport = contract("linkedin", "posts.list")
    found = make().find_published(PublishRequest(text="Our beans (fresh) are _back_"),
                                  since=datetime(2026, 12, 1, tzinfo=UTC))
    assert found.status == Found.FOUND and found.result.external_id == SHARE
    assert transport.requests[0].url.params["author"] == ORG


def test_a_post_not_listed_is_unknown_never_not_found(contract):
    contract("linkedin", "posts.list_empty")
    found = make().find_published(PublishRequest(text="Something new"),
                                  since=datetime(2026, 12, 1, tzinfo=UTC))
    assert found.status == Found.UNKNOWN
    assert LinkedInConnector.listing_lag is None


def test_an_old_post_with_the_same_text_is_not_taken(contract):
    contract("linkedin", "posts.list")
    found = make().find_published(PublishRequest(text="Older post"),
                                  since=datetime(2026, 12, 1, tzinfo=UTC))
    assert found.status == Found.UNKNOWN


def test_member_posts_cannot_be_listed():
    found = make(ME).find_published(PublishRequest(text="Hi"), since=datetime.now(UTC))
    assert found.status == Found.UNKNOWN and "personal profile" in found.note


def test_it_deletes_a_post_and_a_gone_one(contract):
    transport = contract("linkedin", "posts.delete", "posts.delete_gone")
    make().delete(SHARE)
    make().delete(SHARE)
    assert "urn%3Ali%3Ashare%3A" in str(transport.requests[0].url)


# ---------------------------------------------------------------- comments


def test_it_reads_comments_and_their_replies(contract):
    contract("linkedin", "comments.list", "comments.replies")
    comments = make().fetch_comments(SHARE)
    assert [c.external_id for c in comments][:2] == [C1, C2]
    reply = comments[2]
    assert reply.parent_external_id == C1 and reply.by_us
    assert comments[0].text == "Which beans are in it?"
    assert comments[0].created_at == datetime.fromtimestamp(1796641200, UTC)
    # LinkedIn gives the author's URN only: the inbox shows its id, not the raw URN.
    assert comments[0].author_id.startswith("urn:li:person:")
    assert comments[0].author_name == "LinkedIn · " + comments[0].author_id.rsplit(":", 1)[1]
    assert reply.author_name == "Zerno Coffee"


def test_comments_since_a_time(contract):
    contract("linkedin", "comments.list", "comments.replies")
    since = datetime.fromtimestamp(1796644000, UTC)
    assert [c.external_id for c in make().fetch_comments(SHARE, since=since)][0] == C2


def test_it_replies_in_the_thread(contract):
    transport = contract("linkedin", "comments.reply")
    comment = RemoteComment(external_id=C1, post_external_id=SHARE, author_id="x",
                            author_name="", text="Which beans?",
                            created_at=datetime.now(UTC), raw={"object": ACT})
    answer = make().reply(comment, "Thank you!")
    assert answer.parent_external_id == C1 and answer.by_us
    assert answer.external_id.endswith("7250000000000000302)")
    assert sent(transport, 0)["parentComment"] == C1


def test_it_deletes_a_comment_and_cannot_hide_one(contract):
    contract("linkedin", "comments.delete")
    make().delete_comment(C2)
    with pytest.raises(PermanentError) as exc:
        make().hide_comment(C2)
    assert exc.value.code == "not_supported"


def test_member_comments_are_not_readable():
    assert make(ME).fetch_comments(SHARE) == []


# ---------------------------------------------------------------- metrics


def test_page_post_metrics(contract):
    contract("linkedin", "stats.share")
    assert make().fetch_post_metrics(SHARE) == {
        "views": 1204, "reach": 812, "clicks": 33, "likes": 41, "comments": 5, "reposts": 7}


def test_page_followers(contract):
    contract("linkedin", "network_sizes")
    assert make().fetch_account_metrics() == {"followers": 3120}


def test_member_post_metrics_with_the_analytics_permission(contract):
    contract("linkedin", "member_analytics.impression", "member_analytics.members_reached",
             "member_analytics.reaction", "member_analytics.comment",
             "member_analytics.reshare")
    api = make(ME, scopes=["r_member_postAnalytics", "w_member_social"])
    assert api.fetch_post_metrics(SHARE) == {
        "views": 950, "reach": 610, "likes": 38, "comments": 6, "reposts": 2}
    assert api.fetch_account_metrics() == {}


def test_member_post_metrics_refused_give_nothing(contract):
    contract("linkedin", "member_analytics.forbidden")
    assert make(ME, scopes=["r_member_postAnalytics"]).fetch_post_metrics(SHARE) == {}


def test_member_post_metrics_without_the_permission_ask_nothing():
    assert make(ME, scopes=["w_member_social"]).fetch_post_metrics(SHARE) == {}


def test_a_failed_part_upload_is_retried_later_and_sent_once(contract, tmp_path):
    transport = contract("linkedin", "videos.init", "upload.video_part1_error")
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text="How we roast", media=(video(tmp_path),)))
    assert exc.value.code == "server_error"
    assert len(transport.requests) == 2  # the streamed part is never resent blindly
