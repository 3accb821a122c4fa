"""VK connector against the recorded API contract (fixtures/vk/*.json)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

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
from smmdesk.connectors.vk import VK_ID_OAUTH, VKConnector
from smmdesk.connectors.webhooks import WebhookRequest
from smmdesk.lib import http as http_lib
from smmdesk.lib.http import HttpClient
from tests.connectors.contract import request_body
from tests.files import mp4_bytes, png_bytes

TOKEN = "vk1.a.Zr9kQm2PqA1hNzQyX7wT4bLc8sVd3Ue6HfJ0gRiKoMnBpYtW5xZaC"
USER_TOKEN = "vk2.a.Hq3nLx8Tz1Wm5Rb9Kc2Vd7Fs4Gp6Jy0Ne3Ua8Oi5Pl1Qw"
REFRESH = "vk2.a.Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0fGh3iJk"
DEVICE = "dGbP8xK2mQ9vR4tY7wZ1cF6hJ3nL5sU0"
GID = 218765432
SETTINGS = {"group_id": GID, "screen_name": "zerno_coffee", "token_type": "community"}
SINCE = datetime.fromtimestamp(1767261000, UTC)
TEXT = ("Новий лот: Ефіопія Іргачеффе — квіткова, з бергамотом. Заходьте на дегустацію ☕ "
        "https://zerno.coffee/lots/yirgacheffe")
MB = 2**20


def make(settings: dict | None = None, credentials: dict | None = None,
         http: HttpClient | None = None) -> VKConnector:
    """Build after ``contract(...)``: the client picks its transport when it is created."""
    return VKConnector(ChannelContext(
        id=1, external_id=str(GID), name="Zerno Coffee",
        credentials=credentials or {"access_token": TOKEN},
        settings=dict(SETTINGS if settings is None else settings)), http)


def make_user() -> VKConnector:
    return make(settings={**SETTINGS, "token_type": "user"},
                credentials={"access_token": USER_TOKEN, "refresh_token": REFRESH,
                             "device_id": DEVICE, "user_id": "743784474"})


@pytest.fixture
def no_sleep(monkeypatch):
    monkeypatch.setattr(http_lib.time, "sleep", lambda _s: None)


def png(tmp_path, name="latte.png", alt="") -> MediaFile:
    path = tmp_path / name
    path.write_bytes(png_bytes())
    return MediaFile(path=path, kind=MediaKind.IMAGE, mime="image/png",
                     size=path.stat().st_size, name=name, alt_text=alt)


def mp4(tmp_path, name="pour-over.mp4") -> MediaFile:
    path = tmp_path / name
    path.write_bytes(mp4_bytes())
    return MediaFile(path=path, kind=MediaKind.VIDEO, mime="video/mp4",
                     size=path.stat().st_size, name=name)


def gif(tmp_path) -> MediaFile:
    path = tmp_path / "steam.gif"
    path.write_bytes(b"GIF89a" + b"\x00" * 32)
    return MediaFile(path=path, kind=MediaKind.GIF, mime="image/gif",
                     size=path.stat().st_size, name="steam.gif")


def sent(transport, n=0):
    """(json, form, files) of the n-th request the connector made."""
    return request_body(transport.requests[n])


def methods(transport) -> list[str]:
    return [str(r.url).split("?")[0].rsplit("/", 1)[1] for r in transport.requests]


def connect(community="https://vk.com/zerno_coffee", token=TOKEN, http=None, **extra):
    return VKConnector.connect({"access_token": token, "community": community, **extra},
                               http or HttpClient())


# ---------------------------------------------------------------- connect (community token)


def test_it_connects_a_community_with_its_token(contract):
    transport = contract("vk", "groups.getById.own", "groups.getTokenPermissions.ok")
    http = HttpClient()  # built without the token: the connector must mask it anyway
    result = connect(http=http, callback_confirmation="8a1f3c2e", callback_secret="Zx9-secret")
    assert result.external_id == str(GID)
    assert result.name == "Zerno Coffee"
    assert result.url == "https://vk.com/zerno_coffee"
    assert result.credentials == {"access_token": TOKEN, "callback_secret": "Zx9-secret"}
    assert result.settings == {**SETTINGS, "callback_confirmation": "8a1f3c2e"}
    assert result.token_expires_at is None  # community tokens do not expire
    assert methods(transport) == ["groups.getById", "groups.getTokenPermissions"]
    for request in transport.requests:  # the token travels in a header, never in URL or body
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert TOKEN not in str(request.url) and TOKEN.encode() not in request.content
    assert sent(transport)[1] == {"v": "5.199", "fields": "members_count"}


@pytest.mark.parametrize("typed", ["https://vk.com/zerno_coffee", "vk.com/zerno_coffee/",
                                   "https://m.vk.com/Zerno_Coffee?w=wall-218765432_1042",
                                   "@zerno_coffee", "zerno_coffee", "club218765432",
                                   "https://vk.com/public218765432", "-218765432", ""])
def test_it_accepts_the_community_as_a_link_a_name_or_an_id(contract, typed):
    contract("vk", "groups.getById.own", "groups.getTokenPermissions.ok")
    assert connect(community=typed).external_id == str(GID)


def test_it_refuses_a_token_of_another_community(contract):
    contract("vk", "groups.getById.own")
    with pytest.raises(PermanentError) as exc:
        connect(community="vk.com/other_cafe")
    assert exc.value.code == "other_community"
    assert "“Zerno Coffee” (vk.com/zerno_coffee), not to other_cafe" in exc.value.message


def test_it_names_each_right_the_token_lacks(contract):
    contract("vk", "groups.getById.own", "groups.getTokenPermissions.messages_only")
    with pytest.raises(PermanentError) as exc:
        connect()
    assert exc.value.code == "missing_rights" and not exc.value.channel_broken
    assert exc.value.message == (
        "VK: the community token of “Zerno Coffee” lacks the rights “Wall” (wall), "
        "“Photos” (photos). In the community open Manage → API usage → Access tokens, "
        "create a token with the “Wall” and “Photos” rights, then connect again with it.")


def test_it_names_only_the_missing_photos_right(contract):
    contract("vk", "groups.getById.own", "groups.getTokenPermissions.no_photos")
    with pytest.raises(PermanentError) as exc:
        connect()
    assert "lacks the rights “Photos” (photos)." in exc.value.message


def test_it_explains_how_to_make_a_token_when_vk_refuses_it(contract):
    contract("vk", "groups.getById.bad_token")
    with pytest.raises(PermanentError) as exc:
        connect()
    assert exc.value.code == "token_invalid"
    assert "Manage → API usage → Access tokens" in exc.value.message
    assert "vk1.a." in exc.value.message and TOKEN not in exc.value.message


@pytest.mark.parametrize("token", ["", "short", "vk1.a.has spaces in the middle of it"])
def test_it_refuses_a_malformed_token_without_calling_vk(contract, token):
    transport = contract("vk")
    with pytest.raises(PermanentError) as exc:
        connect(token=token)
    assert exc.value.code == "token_invalid" and transport.requests == []


@pytest.mark.parametrize("typed", ["vk.com/wall-218765432_1042", "zerno coffee", "a"])
def test_it_refuses_what_is_not_a_community_reference(contract, typed):
    transport = contract("vk")
    with pytest.raises(PermanentError) as exc:
        connect(community=typed)
    assert exc.value.code == "bad_community" and transport.requests == []


# ---------------------------------------------------------------- VK ID (OAuth)


def test_it_lists_the_communities_a_signed_in_user_manages(contract):
    transport = contract("vk", "groups.get.managed")
    before = timezone.now()
    token = {"access_token": USER_TOKEN, "refresh_token": REFRESH, "device_id": DEVICE,
             "expires_in": 3600, "user_id": 743784474, "scope": "wall photos video groups"}
    accounts = VKConnector.oauth_accounts(token, HttpClient())
    assert [(a.external_id, a.name, a.url) for a in accounts] == [
        ("218765432", "Zerno Coffee", "https://vk.com/zerno_coffee"),
        ("219000111", "Zerno Roastery", "https://vk.com/zerno_roastery")]
    assert accounts[1].settings == {"group_id": 219000111, "screen_name": "zerno_roastery",
                                    "token_type": "user"}
    assert accounts[0].credentials == {"access_token": USER_TOKEN, "refresh_token": REFRESH,
                                       "device_id": DEVICE, "user_id": "743784474"}
    expires = accounts[0].token_expires_at
    assert before + timedelta(seconds=3590) < expires < timezone.now() + timedelta(hours=1)
    assert transport.requests[0].headers["Authorization"] == f"Bearer {USER_TOKEN}"


def test_it_explains_a_vk_id_token_without_the_wall_right(contract):
    contract("vk", "groups.get.vk_id_1051")
    with pytest.raises(PermanentError) as exc:
        VKConnector.oauth_accounts({"access_token": USER_TOKEN}, HttpClient())
    assert exc.value.code == "vk_id_not_allowed" and exc.value.channel_broken
    assert "devsupport@corp.vk.com" in exc.value.message
    assert "community access token" in exc.value.message


def test_it_describes_vk_id_endpoints_but_does_not_offer_the_button_yet():
    # The code exchange needs the device_id VK adds to the redirect; see the module doc.
    assert VKConnector.oauth is None
    assert VK_ID_OAUTH.authorize_url == "https://id.vk.com/authorize"
    assert VK_ID_OAUTH.token_url == "https://id.vk.com/oauth2/auth"
    assert VK_ID_OAUTH.pkce and VK_ID_OAUTH.scope_separator == " "
    assert {"wall", "photos", "groups"} <= set(VK_ID_OAUTH.scopes)


def test_it_refreshes_a_vk_id_token_with_its_device_id(contract, monkeypatch):
    monkeypatch.setenv("SMMDESK_VK_CLIENT_ID", "51234567")
    transport = contract("vk", "vkid.refresh.ok")
    connector = make_user()
    fresh = connector.refresh_credentials()
    assert fresh.external_id == str(GID) and fresh.name == "Zerno Coffee"
    assert fresh.credentials == {
        "access_token": "vk2.a.Nw7kRt2Yp9Lm4Qx8Zb1Vc6Hd3Fs5Gj0Ke8Ua2Oi7Pl4Qw",
        "refresh_token": "vk2.a.Rf5tGh8Jk2Lm6Np9Qr3St7Uv1Wx4Yz0Ab5Cd8Ef2Gh6Ij",
        "device_id": DEVICE, "user_id": "743784474"}
    assert fresh.settings == {**SETTINGS, "token_type": "user"}
    assert fresh.token_expires_at > timezone.now() + timedelta(minutes=59)
    _json, form, _files = sent(transport)
    assert form["state"] and "client_secret" not in form
    assert "Nw7kRt2Yp9" not in connector.http.mask(json.dumps(fresh.credentials))


def test_it_marks_the_channel_broken_when_vk_id_refuses_the_refresh(contract, monkeypatch):
    monkeypatch.setenv("SMMDESK_VK_CLIENT_ID", "51234567")
    contract("vk", "vkid.refresh.invalid_grant")
    with pytest.raises(PermanentError) as exc:
        make_user().refresh_credentials()
    assert exc.value.channel_broken and exc.value.code == "refresh_failed"
    assert "refresh token is expired" in exc.value.message


def test_it_has_nothing_to_refresh_for_a_community_token(contract):
    transport = contract("vk")
    assert make().refresh_credentials() is None
    assert transport.requests == []


def test_it_cannot_refresh_without_the_servers_vk_id_app(contract, monkeypatch):
    monkeypatch.delenv("SMMDESK_VK_CLIENT_ID", raising=False)
    contract("vk")
    with pytest.raises(PermanentError) as exc:
        make_user().refresh_credentials()
    assert exc.value.code == "oauth_not_configured" and "SMMDESK_VK_CLIENT_ID" in exc.value.message


# ---------------------------------------------------------------- publish


def test_it_posts_text_on_the_wall_as_the_community(contract):
    transport = contract("vk", "wall.post.text")
    result = make().publish(PublishRequest(text=TEXT, marker="pub-42-a1b2"))
    assert result.external_id == "1042"
    assert result.url == "https://vk.com/wall-218765432_1042"
    assert result.raw == {"post_id": 1042, "attachments": []}
    assert sent(transport)[1] == {"v": "5.199", "owner_id": "-218765432", "from_group": "1",
                                  "message": TEXT, "guid": "pub-42-a1b2"}


def test_it_uploads_photos_through_the_wall_upload_server(contract, tmp_path):
    transport = contract("vk", "photos.getWallUploadServer.ok", "upload.photo.first",
                         "photos.saveWallPhoto.first", "photos.getWallUploadServer.ok",
                         "upload.photo.second", "photos.saveWallPhoto.second",
                         "wall.post.photos")
    first, second = png(tmp_path, "a.png", alt="Rosetta on a flat white"), png(tmp_path, "b.png")
    result = make().publish(PublishRequest(text="Latte art Friday 🥛", media=(first, second)))
    assert result.external_id == "1043"
    assert result.raw["attachments"] == ["photo-218765432_457239017", "photo-218765432_457239018"]
    assert methods(transport) == [
        "photos.getWallUploadServer", "upload.php", "photos.saveWallPhoto",
        "photos.getWallUploadServer", "upload.php", "photos.saveWallPhoto", "wall.post"]
    _json, _form, files = sent(transport, 1)
    assert files == {"photo"} and first.path.read_bytes() in transport.requests[1].content
    assert "Authorization" not in transport.requests[1].headers  # VK's upload URL is signed
    assert "caption" not in sent(transport, 5)[1]


def test_it_uploads_a_video_and_attaches_it(contract, tmp_path):
    transport = contract("vk", "video.save.ok", "upload.video.ok", "wall.post.video")
    video = mp4(tmp_path)
    result = make().publish(PublishRequest(text="How we brew a V60", media=(video,)))
    assert result.external_id == "1044"
    assert result.raw["attachments"] == ["video-218765432_456239101"]
    assert sent(transport, 1)[2] == {"video_file"}
    assert video.path.read_bytes() in transport.requests[1].content


def test_it_writes_the_first_comment_as_the_community(contract):
    transport = contract("vk", "wall.post.text", "wall.createComment.first")
    result = make().publish(PublishRequest(text=TEXT, marker="pub-42-a1b2",
                                           first_comment="Запис на дегустацію — у директ 👇"))
    assert result.external_id == "1042"
    assert result.raw["first_comment"] == {"ok": True, "comment_id": 5107}
    assert methods(transport) == ["wall.post", "wall.createComment"]


def test_a_failed_first_comment_does_not_fail_the_publish(contract):
    contract("vk", "wall.post.text", "wall.createComment.first_closed")
    result = make().publish(PublishRequest(text=TEXT, marker="pub-42-a1b2",
                                           first_comment="Запис на дегустацію — у директ 👇"))
    assert result.external_id == "1042"
    assert result.raw["first_comment"]["ok"] is False
    assert result.raw["first_comment"]["code"] == "comments_closed"


def test_it_explains_that_a_community_token_cannot_upload_photos(contract, tmp_path):
    transport = contract("vk", "photos.getWallUploadServer.group_auth")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text="Latte", media=(png(tmp_path),)))
    assert exc.value.code == "needs_user_token" and not exc.value.channel_broken
    assert "photos.getWallUploadServer" in exc.value.message
    assert "wall.post" not in methods(transport)  # nothing was posted


def test_it_refuses_an_image_vk_could_not_read(contract, tmp_path):
    transport = contract("vk", "photos.getWallUploadServer.ok", "upload.photo.rejected")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text="Latte", media=(png(tmp_path),)))
    assert exc.value.code == "upload_refused" and "latte.png" in exc.value.message
    assert len(transport.requests) == 2


# ---------------------------------------------------------------- edit, delete


def test_it_edits_the_text_of_a_post(contract):
    transport = contract("vk", "wall.edit.text")
    text = "Новий лот: Ефіопія Іргачеффе — з бергамотом і жасмином ☕"
    result = make().edit("1042", PublishRequest(text=text))
    assert (result.external_id, result.url) == ("1042", "https://vk.com/wall-218765432_1042")
    assert "attachments" not in sent(transport)[1]


def test_it_keeps_the_attachments_when_editing_a_post_with_media(contract, tmp_path):
    transport = contract("vk", "wall.getById.post", "wall.edit.keep_media")
    make().edit("1043", PublishRequest(text="Latte art Friday, again 🥛",
                                       media=(png(tmp_path),)))
    assert methods(transport) == ["wall.getById", "wall.edit"]
    assert sent(transport, 1)[1]["attachments"] == (
        "photo-218765432_457239017_3b2f0e9d8c7a6b5e41,photo-218765432_457239018")


def test_it_reports_a_bad_gateway_during_an_edit_as_ambiguous(contract):
    contract("vk", "wall.edit.bad_gateway")
    with pytest.raises(AmbiguousError):
        make().edit("1042", PublishRequest(text="Hello again"))


def test_it_deletes_a_post(contract):
    transport = contract("vk", "wall.delete.ok")
    assert make().delete("1042") is None
    assert sent(transport)[1] == {"v": "5.199", "owner_id": "-218765432", "post_id": "1042"}


def test_it_counts_a_post_already_gone_as_deleted(contract):
    contract("vk", "wall.delete.not_found")
    make().delete("1042")


def test_a_failed_delete_is_tried_again_later(contract):
    contract("vk", "wall.delete.bad_gateway")
    with pytest.raises(TransientError):
        make(http=HttpClient(secrets=[TOKEN], retries=0)).delete("1042")


# ---------------------------------------------------------------- find_published


def test_it_finds_a_post_by_its_text(contract):
    transport = contract("vk", "wall.get.found")
    found = make().find_published(PublishRequest(text=TEXT), since=SINCE)
    assert found.status == Found.FOUND
    assert found.result.external_id == "1042"
    assert found.result.url == "https://vk.com/wall-218765432_1042"
    assert sent(transport)[1] == {"v": "5.199", "owner_id": "-218765432", "filter": "owner",
                                  "count": "100"}


def test_it_says_not_found_when_the_listing_reaches_back_past_the_attempt(contract):
    contract("vk", "wall.get.not_found")
    found = make().find_published(PublishRequest(text=TEXT), since=SINCE)
    assert found.status == Found.NOT_FOUND  # the same text, but posted before the attempt


def test_it_cannot_tell_when_a_hundred_posts_came_since(contract):
    contract("vk", "wall.get.incomplete")
    found = make().find_published(PublishRequest(text=TEXT), since=SINCE)
    assert found.status == Found.UNKNOWN and "more than 100 posts" in found.note


# ---------------------------------------------------------------- comments


def test_it_reads_comments_with_their_threads_and_authors(contract):
    transport = contract("vk", "wall.getComments.page", "wall.getComments.thread")
    comments = make().fetch_comments("1042")
    assert [(c.external_id, c.parent_external_id, c.author_name, c.by_us) for c in comments] == [
        ("5101", "", "Іван Петренко", False),
        ("5103", "5101", "Zerno Coffee", True),
        ("5104", "5103", "Іван Петренко", False),
        ("5102", "", "Марта Коваль", False),
        ("5105", "5102", "Олена Шевчук", False),
        ("5108", "5102", "Максим Бот", False),
        ("5109", "5105", "Марта Коваль", False),
        ("5110", "5109", "Zerno Coffee", True),
    ]  # 5106 was deleted; 5102's thread had 4 replies, only 1 came inline
    first = comments[0]
    assert first.post_external_id == "1042" and first.author_id == "120034567"
    assert first.text == "А скільки коштує 250 г?"
    assert first.created_at == datetime.fromtimestamp(1767261400, UTC)
    assert sent(transport, 1)[1]["comment_id"] == "5102"


def test_it_keeps_only_comments_since_a_time(contract):
    contract("vk", "wall.getComments.page", "wall.getComments.thread")
    comments = make().fetch_comments("1042", since=SINCE + timedelta(seconds=850))
    assert [c.external_id for c in comments] == ["5104", "5108", "5109", "5110"]


def test_closed_comments_mean_no_comments(contract):
    contract("vk", "wall.getComments.closed")
    assert make().fetch_comments("1042") == []


def test_a_failed_comment_read_is_transient(contract):
    contract("vk", "wall.getComments.bad_gateway")
    with pytest.raises(TransientError):
        make(http=HttpClient(secrets=[TOKEN], retries=0)).fetch_comments("1042")


def comment(**kw) -> RemoteComment:
    return RemoteComment(**{"external_id": "5101", "post_external_id": "1042",
                            "author_id": "120034567", "author_name": "Іван Петренко",
                            "text": "А скільки коштує 250 г?", "created_at": SINCE, **kw})


def test_it_replies_in_the_thread_as_the_community(contract):
    transport = contract("vk", "wall.createComment.reply")
    mine = make().reply(comment(), "Ivan, 420 UAH for 250 g — see you!")
    assert (mine.external_id, mine.parent_external_id, mine.post_external_id) == (
        "5111", "5101", "1042")
    assert mine.by_us and mine.author_id == "-218765432" and mine.author_name == "Zerno Coffee"
    assert sent(transport)[1]["from_group"] == "218765432"


def test_a_reply_without_an_answer_is_ambiguous(contract):
    contract("vk", "wall.createComment.timeout")
    with pytest.raises(AmbiguousError):
        make().reply(comment(), "Ivan, see you!")


def test_it_deletes_a_comment(contract):
    transport = contract("vk", "wall.deleteComment.ok")
    make().delete_comment("5108")
    assert sent(transport)[1] == {"v": "5.199", "owner_id": "-218765432", "comment_id": "5108"}


def test_a_comment_already_gone_counts_as_deleted(contract):
    contract("vk", "wall.deleteComment.not_found")
    make().delete_comment("5108")


def test_it_says_when_vk_refuses_to_delete_a_comment(contract):
    contract("vk", "wall.deleteComment.denied")
    with pytest.raises(PermanentError) as exc:
        make().delete_comment("5108")
    assert exc.value.code == "vk_211" and not exc.value.channel_broken


def test_vk_has_no_way_to_hide_a_comment():
    assert not VKConnector.capabilities.hide_comment
    with pytest.raises(PermanentError, match="does not allow hiding comments"):
        make().hide_comment("5108")


# ---------------------------------------------------------------- metrics


def test_it_reads_post_metrics_with_reach(contract):
    contract("vk", "wall.getById.post", "stats.getPostReach.ok")
    assert make().fetch_post_metrics("1043") == {
        "likes": 57, "reposts": 4, "comments": 3, "views": 1930, "reach": 2275,
        "reach_subscribers": 1410, "clicks": 31, "joins": 6, "hides": 2, "unsubscribes": 1,
        "reports": 0}


def test_it_reads_post_metrics_without_reach_when_statistics_are_closed(contract):
    contract("vk", "wall.getById.post", "stats.getPostReach.denied")
    assert make().fetch_post_metrics("1043") == {"likes": 57, "reposts": 4, "comments": 3,
                                                 "views": 1930}


def test_it_says_when_the_post_is_gone(contract):
    contract("vk", "wall.getById.gone")
    with pytest.raises(PermanentError) as exc:
        make().fetch_post_metrics("1043")
    assert exc.value.code == "not_found" and "“Zerno Coffee”" in exc.value.message


def test_it_reads_the_member_count(contract):
    transport = contract("vk", "groups.getById.members")
    assert make().fetch_account_metrics() == {"followers": 4817}
    assert sent(transport)[1]["group_id"] == "218765432"


def test_it_retries_a_read_after_a_bad_gateway(contract, no_sleep):
    contract("vk", "groups.getById.members_bad_gateway", "groups.getById.members")
    assert make().fetch_account_metrics() == {"followers": 4817}


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(("fixture", "error", "code", "broken", "wait"), [
    ("wall.post.auth_failed", PermanentError, "token_invalid", True, None),
    ("wall.post.access_denied", PermanentError, "access_denied", True, None),
    ("wall.post.group_denied", PermanentError, "not_admin", True, None),
    ("wall.post.add_denied", PermanentError, "cannot_post", True, None),
    ("wall.post.vk_id_1051", PermanentError, "vk_id_not_allowed", True, None),
    ("wall.post.group_auth", PermanentError, "needs_user_token", False, None),
    ("wall.post.bad_params", PermanentError, "bad_request", False, None),
    ("wall.post.links_forbidden", PermanentError, "links_forbidden", False, None),
    ("wall.post.too_many", TransientError, "rate_limited", None, 1.0),
    ("wall.post.flood", TransientError, "flood_control", None, 900.0),
    ("wall.post.captcha", TransientError, "captcha", None, 900.0),
    ("wall.post.ad_recent", TransientError, "ad_post_recent", None, 3600.0),
    ("wall.post.internal", AmbiguousError, "server_error", None, None),
    ("wall.post.bad_gateway", AmbiguousError, "server_error", None, None),
    ("wall.post.timeout", AmbiguousError, "no_answer", None, None),
])
def test_it_maps_each_refusal_of_a_post(contract, fixture, error, code, broken, wait):
    contract("vk", fixture)
    with pytest.raises(error) as exc:
        make().publish(PublishRequest(text="Hello"))
    assert type(exc.value) is error
    assert exc.value.code == code
    if broken is not None:
        assert exc.value.channel_broken is broken
    if wait is not None:
        assert exc.value.retry_after == wait
    assert TOKEN not in exc.value.message and TOKEN not in repr(exc.value.raw)


def test_it_tells_how_to_replace_a_revoked_community_token(contract):
    contract("vk", "wall.post.auth_failed")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text="Hello"))
    assert exc.value.message == (
        "VK: the community token of “Zerno Coffee” no longer works (deleted, or the "
        "community's API settings changed). Create a new token in Manage → API usage → "
        "Access tokens with the “Wall” and “Photos” rights, then reconnect.")


def test_it_tells_a_signed_in_channel_to_sign_in_again(contract):
    contract("vk", "wall.post.auth_failed")
    with pytest.raises(PermanentError) as exc:
        make_user().publish(PublishRequest(text="Hello"))
    assert "Reconnect it by signing in with VK again" in exc.value.message


def test_it_explains_a_closed_wall(contract):
    contract("vk", "wall.post.add_denied")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text="Hello"))
    assert "Manage → Sections → Wall" in exc.value.message
    assert "access to the wall is closed" in exc.value.message


def test_it_passes_on_vks_reason_for_bad_parameters(contract):
    contract("vk", "wall.post.bad_params")
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text="Hello"))
    assert exc.value.message == ("VK refused: One of the parameters specified was missing or "
                                 "invalid: message is too long (error 100).")


def test_it_says_when_vk_wants_a_captcha(contract):
    contract("vk", "wall.post.captcha")
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text="Hello"))
    assert exc.value.message.startswith("VK asked for a captcha")
    assert exc.value.raw["error"]["captcha_sid"] == "239633676097"
    assert "request_params" not in exc.value.raw["error"]


def test_it_never_writes_the_token_into_the_trace(contract, tmp_path):
    contract("vk", "photos.getWallUploadServer.ok", "upload.photo.second",
             "photos.saveWallPhoto.second", "wall.post.timeout")
    connector = make()
    with pytest.raises(AmbiguousError):
        connector.publish(PublishRequest(text="Hello", media=(png(tmp_path),)))
    assert connector.http.trace[-1].url == "https://api.vk.com/method/wall.post"
    assert connector.http.trace[-1].error == "ReadTimeout"
    assert all(TOKEN not in t.url for t in connector.http.trace)


# ---------------------------------------------------------------- webhooks (Callback API)


def hook(body, *, confirmation="8a1f3c2e", secret="Zx9-secret", settings_secret=None):
    settings = {**SETTINGS, "callback_confirmation": confirmation}
    credentials = {"access_token": TOKEN}
    if secret:
        credentials["callback_secret"] = secret
    if settings_secret:
        settings["callback_secret"] = settings_secret
    channel = ChannelContext(id=1, external_id=str(GID), name="Zerno Coffee",
                             credentials=credentials, settings=settings)
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return VKConnector.webhook_receive(WebhookRequest(
        method="POST", headers={"content-type": "application/json"}, query={}, body=raw,
        channel=channel))


def test_it_answers_the_confirmation_request_with_the_channels_string():
    answer = hook({"type": "confirmation", "group_id": GID, "event_id": "", "v": "5.199"})
    assert (answer.status, answer.body, answer.events, answer.rejected) == (
        200, "8a1f3c2e", [], "")


def test_it_refuses_a_confirmation_it_has_no_string_for():
    answer = hook({"type": "confirmation", "group_id": GID}, confirmation="")
    assert answer.status == 400 and answer.rejected


def test_it_turns_a_new_comment_into_an_event():
    comment_obj = {"id": 5112, "from_id": 120034567, "post_id": 1042, "owner_id": -GID,
                   "post_owner_id": -GID, "parents_stack": [], "date": 1767262000,
                   "text": "А доставка є?"}
    answer = hook({"type": "wall_reply_new", "event_id": "c1d2e3", "v": "5.199",
                   "object": comment_obj, "group_id": GID, "secret": "Zx9-secret"})
    assert (answer.status, answer.body, answer.rejected) == (200, "ok", "")
    [event] = answer.events
    assert (event.kind, event.account_id, event.external_id) == ("comment", str(GID), "5112")
    assert event.data["object"]["text"] == "А доставка є?"
    assert event.data["event_id"] == "c1d2e3"


def test_it_turns_a_message_and_a_wall_post_into_events():
    message = {"message": {"id": 88, "date": 1767262100, "peer_id": 120034567,
                           "from_id": 120034567, "text": "Привіт! Ви працюєте в неділю?"},
               "client_info": {"button_actions": ["text"], "keyboard": True}}
    answer = hook({"type": "message_new", "event_id": "m1", "v": "5.199", "object": message,
                   "group_id": GID, "secret": "Zx9-secret"})
    assert [(e.kind, e.external_id) for e in answer.events] == [("message", "88")]
    post = {"id": 1046, "owner_id": -GID, "from_id": -GID, "date": 1767262200,
            "text": "New post", "post_type": "post"}
    answer = hook({"type": "wall_post_new", "event_id": "p1", "v": "5.199", "object": post,
                   "group_id": GID, "secret": "Zx9-secret"})
    assert [(e.kind, e.external_id) for e in answer.events] == [("post", "1046")]


def test_it_acknowledges_other_events_without_making_one():
    answer = hook({"type": "group_join", "event_id": "j1", "v": "5.199", "group_id": GID,
                   "object": {"user_id": 1, "join_type": "join"}, "secret": "Zx9-secret"})
    assert (answer.status, answer.body, answer.events, answer.rejected) == (200, "ok", [], "")


def test_it_accepts_a_secret_kept_in_the_settings():
    answer = hook({"type": "wall_post_new", "group_id": GID, "secret": "from-settings",
                   "object": {"id": 1}}, secret="", settings_secret="from-settings")
    assert answer.status == 200 and len(answer.events) == 1


@pytest.mark.parametrize(("body", "secret"), [
    ({"type": "wall_reply_new", "group_id": GID, "secret": "guessed", "object": {"id": 1}},
     "Zx9-secret"),
    ({"type": "wall_reply_new", "group_id": GID, "object": {"id": 1}}, "Zx9-secret"),
    ({"type": "wall_reply_new", "group_id": GID, "secret": "", "object": {"id": 1}}, ""),
])
def test_it_refuses_an_event_without_the_right_secret(body, secret):
    answer = hook(body, secret=secret)
    assert answer.status == 403 and answer.events == [] and "secret" in answer.rejected


def test_it_refuses_an_event_for_another_community():
    answer = hook({"type": "wall_reply_new", "group_id": 1, "secret": "Zx9-secret",
                   "object": {"id": 1}})
    assert answer.status == 403 and "group_id" in answer.rejected


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]"])
def test_it_refuses_what_is_not_a_callback(raw):
    assert hook(raw).status == 400


def test_it_refuses_a_callback_without_a_channel():
    answer = VKConnector.webhook_receive(WebhookRequest(
        method="POST", headers={}, query={}, body=b'{"type": "confirmation"}', channel=None))
    assert answer.status == 400 and answer.rejected


# ---------------------------------------------------------------- limits


def issue_codes(req: PublishRequest) -> list[str]:
    return [i.code for i in VKConnector.validate(req)]


@pytest.mark.parametrize(("length", "ok"), [(16383, True), (16384, True), (16385, False)])
def test_it_allows_16384_characters(length, ok):
    issues = VKConnector.validate(PublishRequest(text="a" * length))
    assert (issues == []) is ok
    if not ok:
        assert issues[0].message == "VK allows at most 16384 characters; this text has 16385."


def test_it_counts_emoji_as_one_character_each():
    assert issue_codes(PublishRequest(text="😀" * 16384)) == []
    assert issue_codes(PublishRequest(text="😀" * 16385)) == ["text_too_long"]


@pytest.mark.parametrize(("count", "ok"), [(9, True), (10, True), (11, False)])
def test_it_allows_ten_media_in_a_post(tmp_path, count, ok):
    image = png(tmp_path)
    codes = issue_codes(PublishRequest(text="", media=(image,) * count))
    assert codes == ([] if ok else ["too_many_media"])


def test_it_allows_photos_and_videos_together(tmp_path):
    assert issue_codes(PublishRequest(text="x", media=(png(tmp_path), mp4(tmp_path)))) == []


def test_it_refuses_a_gif(tmp_path):
    assert issue_codes(PublishRequest(text="x", media=(gif(tmp_path),))) == ["media_kind"]


@pytest.mark.parametrize(("size", "ok"), [(50 * MB, True), (50 * MB + 1, False)])
def test_it_allows_photos_up_to_50_mb(tmp_path, size, ok):
    media = replace(png(tmp_path), size=size)
    assert issue_codes(PublishRequest(text="", media=(media,))) == (
        [] if ok else ["media_too_large"])


def test_it_needs_text_or_media():
    assert issue_codes(PublishRequest(text="  \n")) == ["empty"]


def test_it_declares_what_it_implements():
    caps = VKConnector.capabilities
    assert caps.delete and caps.edit and caps.comments and caps.reply and caps.delete_comment
    assert caps.post_metrics and caps.account_metrics and caps.webhooks and caps.find_published
    assert not caps.hide_comment and not caps.direct_messages and not caps.search
    assert [(r.calls, r.per_seconds, r.scope) for r in VKConnector.rate_limits] == [
        (50, 86400, "channel")]
