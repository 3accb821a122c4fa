"""OK.ru connector against the recorded API contract (fixtures/odnoklassniki/*.json)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from smmdesk.connectors import oauth
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
from smmdesk.connectors.odnoklassniki import OK_OAUTH, OdnoklassnikiConnector, uploads
from smmdesk.connectors.odnoklassniki.common import signature
from smmdesk.lib.http import HttpClient
from tests.connectors.contract import request_body
from tests.files import mp4_bytes, png_bytes

GID = "53038939046008"
TOKEN = "tkn1Xq7Lp0Rb9Ws4Zc2Vd8Fh6Gj3Km5Nt-s-8Yu.Iw1Oe"
NEW = "tkn1Ab3Cd5Ef7Gh9Ij1Kl3Mn5Op7Qr9St-s-2Uv.Wx4Yz"
REFRESH = "rfr5Gh7Jk9Lm1Np3Qr5St7Uv9Wx1Yz3Ab5Cd7Ef9Gh1"
APP_KEY = "CBAFJIICABABABABA"
SECRET = "C0FFEE5ECRET0123456789AB"
TOPIC = "67012345678901"
SINCE = datetime(2026, 1, 5, tzinfo=UTC)
TEXT = "Новый лот: Эфиопия Иргачеффе — цветочная, с бергамотом."


@pytest.fixture(autouse=True)
def ok_app(monkeypatch):
    monkeypatch.setenv("SMMDESK_ODNOKLASSNIKI_CLIENT_ID", "512000123456")
    monkeypatch.setenv("SMMDESK_ODNOKLASSNIKI_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("SMMDESK_ODNOKLASSNIKI_APP_KEY", APP_KEY)


def make(credentials: dict | None = None) -> OdnoklassnikiConnector:
    """Build after ``contract(...)``: the client picks its transport when it is created."""
    return OdnoklassnikiConnector(ChannelContext(
        id=1, external_id=GID, name="Кофейня «Зерно»",
        credentials=credentials or {"access_token": TOKEN, "refresh_token": REFRESH},
        settings={"group_id": GID, "shortname": "zernocoffee"}))


def form(transport, n=0) -> dict:
    return request_body(transport.requests[n])[1]


def attachment(transport, n) -> dict:
    return json.loads(form(transport, n)["attachment"])


def png(tmp_path, name) -> MediaFile:
    path = tmp_path / name
    path.write_bytes(png_bytes())
    return MediaFile(path=path, kind=MediaKind.IMAGE, mime="image/png",
                     size=path.stat().st_size, name=name)


# ---------------------------------------------------------------- signature and OAuth


def test_signature_matches_the_worked_example():
    """The example of konstantintogoi.github.io/aiookru/api (apiok.ru's scheme):
    md5(token + secret) = b1a2b897..., then md5 of the sorted pairs + that."""
    params = {"application_key": "ABCDEFGHIGKLMNOPK", "format": "json",
              "method": "events.get",
              "access_token": "-s-84W-s3egarWUsbkq-IWTucuedzTKT8VUXIA.s4Xx8IW7"}
    assert signature(params, access_token=params["access_token"],
                     app_secret="ABC123DEF456GHI789JKL123") == "232c8eb921951c4dba9b72606f9ddb4c"


def test_every_call_is_signed_and_the_secret_never_travels(contract):
    transport = contract("odnoklassniki", "group.getCounters.ok")
    assert make().fetch_account_metrics() == {"followers": 12840, "posts": 611}
    sent = form(transport)
    assert sent["application_key"] == APP_KEY and sent["access_token"] == TOKEN
    unsigned = {k: v for k, v in sent.items() if k != "sig"}
    assert sent["sig"] == signature(unsigned, access_token=TOKEN, app_secret=SECRET)
    assert SECRET.encode() not in transport.requests[0].content
    assert TOKEN not in str(transport.requests[0].url)


def test_the_oauth_spec_asks_for_ok_scopes_without_pkce():
    client = oauth.deployment_client(OK_OAUTH)
    url = oauth.authorize_url(OK_OAUTH, client, redirect_uri="https://desk.example/cb",
                              state="s1", verifier="v" * 50)
    query = parse_qs(urlsplit(url).query)
    assert url.startswith("https://connect.ok.ru/oauth/authorize?")
    assert query["scope"] == ["VALUABLE_ACCESS;LONG_ACCESS_TOKEN;PHOTO_CONTENT;"
                              "GROUP_CONTENT;VIDEO_CONTENT"]
    assert "code_challenge" not in query
    assert OK_OAUTH.token_url == "https://api.ok.ru/oauth/token.do"


def test_oauth_accounts_are_the_groups_the_user_manages(contract):
    contract("odnoklassniki", "users.getCurrentUser.ok", "group.getUserGroupsV2.ok",
             "group.getInfo.ok")
    found = OdnoklassnikiConnector.oauth_accounts(
        {"access_token": TOKEN, "refresh_token": REFRESH, "expires_in": "1800"}, HttpClient())
    assert [(c.external_id, c.settings["role"]) for c in found] == [
        (GID, "ADMIN"), ("54112233445566", "MODERATOR")]
    assert found[0].url == "https://ok.ru/zernocoffee"
    assert found[1].url == "https://ok.ru/group/54112233445566"
    assert found[0].credentials == {"access_token": TOKEN, "refresh_token": REFRESH,
                                    "user_id": "574829301122"}
    assert found[0].token_expires_at is not None


# ---------------------------------------------------------------- publishing


def test_text_two_photos_and_a_link(contract, tmp_path):
    transport = contract("odnoklassniki", "photosV2.getUploadUrl.two", "upload.photos.two",
                         "mediatopic.post.photos")
    req = PublishRequest(text=TEXT, media=(png(tmp_path, "a.png"), png(tmp_path, "b.png")),
                         options={"link": "https://zerno.coffee/lots/yirgacheffe"})
    result = make().publish(req)
    assert result.external_id == "67012345678901"
    assert result.url == f"https://ok.ru/group/{GID}/topic/67012345678901"
    assert attachment(transport, 2)["media"] == [
        {"type": "text", "text": TEXT},
        {"type": "photo", "list": [{"id": "hQ3pPq0bWm3f5LGeSEnUdt+aeYqO5Fd0R1wS"},
                                   {"id": "w1CnU6Yx4c0oN3lD8bqT1+Zt2Kp9Ux7Sa5Rb"}]},
        {"type": "link", "url": "https://zerno.coffee/lots/yirgacheffe"}]
    assert attachment(transport, 2)["onBehalfOfGroup"] == "true"


def test_a_video_is_streamed_from_disk(contract, tmp_path, monkeypatch):
    transport = contract("odnoklassniki", "video.getUploadUrl.ok", "upload.video.ok",
                         "mediatopic.post.video")
    path = tmp_path / "pour-over.mp4"
    path.write_bytes(mp4_bytes() + b"\x01" * 300_000)
    reads: list[int] = []
    real_open = uploads._open

    def spying_open(p):
        handle = real_open(p)
        read = handle.read

        def counted(size=-1):
            reads.append(size)
            return read(size)
        handle.read = counted
        return handle

    monkeypatch.setattr(uploads, "_open", spying_open)
    video = MediaFile(path=path, kind=MediaKind.VIDEO, mime="video/mp4",
                      size=path.stat().st_size, name="pour-over.mp4")
    result = make().publish(PublishRequest(text="", media=(video,)))
    assert result.external_id == "67012345678902"
    assert form(transport, 0)["file_size"] == str(video.size)
    assert reads and all(0 < size < video.size for size in reads)  # never read whole
    assert attachment(transport, 2)["media"] == [
        {"type": "movie", "list": [{"id": "8253540211234"}]}]


def test_a_poll(contract):
    transport = contract("odnoklassniki", "mediatopic.post.poll")
    req = PublishRequest(text="Выбираем зерно недели", options={
        "poll_question": "Какой лот взять?", "poll_answers": "Эфиопия\n\nКолумбия\n Кения "})
    assert OdnoklassnikiConnector.validate(req) == []
    make().publish(req)
    assert attachment(transport, 0)["media"][1] == {
        "type": "poll", "question": "Какой лот взять?", "options": "SingleChoice",
        "answers": [{"text": "Эфиопия"}, {"text": "Колумбия"}, {"text": "Кения"}]}


def test_a_poll_needs_a_question_and_two_answers():
    codes = {i.code for i in OdnoklassnikiConnector.validate(PublishRequest(
        text="x", options={"poll_question": "Какой?", "poll_answers": "Один"}))}
    assert codes == {"poll_answers"}
    codes = {i.code for i in OdnoklassnikiConnector.validate(PublishRequest(
        text="x", options={"poll_answers": "Да\nНет"}))}
    assert codes == {"poll_question"}


def test_an_expired_session_is_renewed_and_the_call_repeated(contract):
    transport = contract("odnoklassniki", "mediatopic.post.session_expired",
                         "token.refresh.ok", "mediatopic.post.text_new_token")
    api = make()
    assert api.publish(PublishRequest(text=TEXT)).external_id == "67012345678904"
    assert form(transport, 1)["refresh_token"] == REFRESH
    assert form(transport, 2)["access_token"] == NEW
    assert api.rotated is not None and api.rotated.credentials["access_token"] == NEW
    assert api.rotated.credentials["refresh_token"] == REFRESH  # OK sends none: kept


def test_a_refresh_token_that_no_longer_works_breaks_the_channel(contract):
    contract("odnoklassniki", "mediatopic.post.session_expired", "token.refresh.invalid")
    with pytest.raises(PermanentError) as err:
        make().publish(PublishRequest(text=TEXT))
    assert err.value.channel_broken and err.value.code == "refresh_failed"


def test_an_expired_session_without_refresh_token_breaks_the_channel(contract):
    contract("odnoklassniki", "mediatopic.post.session_expired")
    with pytest.raises(PermanentError) as err:
        make({"access_token": TOKEN}).publish(PublishRequest(text=TEXT))
    assert err.value.channel_broken and err.value.code == "session_expired"


def test_an_invalid_session_breaks_the_channel(contract):
    contract("odnoklassniki", "mediatopic.post.session_invalid")
    with pytest.raises(PermanentError) as err:
        make().publish(PublishRequest(text=TEXT))
    assert err.value.channel_broken and err.value.code == "session_invalid"


def test_permission_denied_names_the_permissions(contract):
    contract("odnoklassniki", "mediatopic.post.permission_denied")
    with pytest.raises(PermanentError) as err:
        make().publish(PublishRequest(text=TEXT))
    assert err.value.channel_broken and err.value.code == "permission_denied"
    assert "GROUP_CONTENT" in err.value.message and "api-support@ok.ru" in err.value.message


def test_limit_reached_waits(contract):
    contract("odnoklassniki", "mediatopic.post.limit_reached")
    with pytest.raises(TransientError) as err:
        make().publish(PublishRequest(text=TEXT))
    assert err.value.code == "limit_reached" and err.value.retry_after == 3600.0


def test_a_service_error_is_tried_again(contract):
    contract("odnoklassniki", "mediatopic.post.service")
    with pytest.raises(TransientError) as err:
        make().publish(PublishRequest(text=TEXT))
    assert err.value.code == "ok_service"


@pytest.mark.parametrize("fixture", ["mediatopic.post.timeout", "mediatopic.post.bad_gateway"])
def test_no_answer_to_a_post_is_ambiguous(contract, fixture):
    contract("odnoklassniki", fixture)
    with pytest.raises(AmbiguousError):
        make().publish(PublishRequest(text=TEXT))


def test_without_an_app_key_nothing_is_sent(contract, monkeypatch):
    transport = contract("odnoklassniki")
    monkeypatch.delenv("SMMDESK_ODNOKLASSNIKI_APP_KEY")
    with pytest.raises(PermanentError) as err:
        make().publish(PublishRequest(text=TEXT))
    assert err.value.channel_broken and "SMMDESK_ODNOKLASSNIKI_APP_KEY" in err.value.message
    assert transport.requests == []


# ---------------------------------------------------------------- find, delete


def test_find_published_by_content(contract):
    contract("odnoklassniki", "mediatopic.getTopics.found")
    found = make().find_published(PublishRequest(text=TEXT), since=SINCE)
    assert found.status == Found.FOUND and found.result.external_id == "67012345678904"


def test_a_topic_not_listed_is_unknown_never_not_found(contract):
    contract("odnoklassniki", "mediatopic.getTopics.absent")
    found = make().find_published(PublishRequest(text=TEXT), since=SINCE)
    assert found.status == Found.UNKNOWN and found.note


@pytest.mark.parametrize("fixture", ["mediatopic.deleteTopic.ok",
                                     "mediatopic.deleteTopic.not_found"])
def test_delete(contract, fixture):
    contract("odnoklassniki", fixture)
    make().delete(TOPIC)


# ---------------------------------------------------------------- comments


def test_comments_are_read_page_by_page(contract):
    contract("odnoklassniki", "discussions.getComments.first",
             "discussions.getComments.second")
    comments = make().fetch_comments(TOPIC)
    assert [c.author_name for c in comments] == ["Ирина Соколова", "Кофейня «Зерно»",
                                                 "Пётр Ильин"]
    first, ours, _last = comments
    assert first.external_id == f"{TOPIC}:MTcyOTg1NjQwMDAwMDox"
    assert first.created_at == datetime(2026, 1, 5, 11, 3, 11, tzinfo=UTC)  # Moscow time
    assert ours.by_us and ours.parent_external_id == first.external_id
    assert not first.by_us


def test_reply_as_the_group_and_delete_a_comment(contract):
    transport = contract("odnoklassniki", "discussions.addDiscussionComment.reply",
                         "discussions.deleteDiscussionComment.ok")
    comment = RemoteComment(
        external_id=f"{TOPIC}:MTcyOTg1NjQwMDAwMDox", post_external_id=TOPIC,
        author_id="574800000001", author_name="Ирина Соколова", text="А овсяное молоко есть?",
        created_at=SINCE)
    made = make().reply(comment, "Есть!")
    assert made.external_id == f"{TOPIC}:MTcyOTg1NjQwMDAwMDo0" and made.by_us
    assert form(transport, 0)["comment"] == "Есть!"
    make().delete_comment(comment.external_id)
    with pytest.raises(PermanentError):
        make().hide_comment(comment.external_id)


# ---------------------------------------------------------------- metrics


def test_post_metrics_with_statistics(contract):
    contract("odnoklassniki", "mediatopic.getByIds.ok", "group.getStatTopic.ok")
    assert make().fetch_post_metrics(TOPIC) == {
        "likes": 42, "comments": 7, "reposts": 3, "reach": 1830, "engagement": 95,
        "feedback": 52, "clicks": 14, "reports": 0, "hides": 1}


def test_post_metrics_without_statistics(contract):
    contract("odnoklassniki", "mediatopic.getByIds.ok", "group.getStatTopic.denied")
    assert make().fetch_post_metrics(TOPIC) == {"likes": 42, "comments": 7, "reposts": 3}
