"""Telegram connector against the recorded Bot API contract (fixtures/telegram/*.json)."""

from __future__ import annotations

import json
import re
import struct
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from PIL import Image

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
from smmdesk.connectors.registry import connector_class
from smmdesk.connectors.telegram import SECRET_HEADER, TelegramConnector
from smmdesk.connectors.webhooks import WebhookRequest
from smmdesk.lib import http as http_lib
from smmdesk.lib.http import HttpClient
from tests.connectors.contract import load_fixture, request_body

TOKEN = "7234567890:AAF4x9Qm2kZtq8Jd0Vn3Rb6Lc1Ys5We7HoA"
VALUES = {"token": TOKEN}
CHAT_ID = -1001234567890
GROUP_ID = -1001987654321  # the channel's discussion group
SETTINGS = {"chat_id": CHAT_ID, "username": "zerno_coffee", "bot_username": "zerno_bot",
            "bot_id": 7234567890, "linked_chat_id": GROUP_ID}
MB = 2**20
HOOK_SECRET = "Hq3vX9kPz2LmN7rT4wY8bC1dF6gJ0sAeU5iO_-xZqWv"  # what webhook_setup stored


def make(settings: dict | None = None, http: HttpClient | None = None) -> TelegramConnector:
    """Build after ``contract(...)``: the client picks its transport when it is created."""
    return TelegramConnector(ChannelContext(
        id=1, external_id=str(CHAT_ID), name="Zerno Coffee",
        credentials={"bot_token": TOKEN},
        settings=dict(SETTINGS if settings is None else settings)), http)


@pytest.fixture
def no_sleep(monkeypatch):
    monkeypatch.setattr(http_lib.time, "sleep", lambda _s: None)


def png(tmp_path, name="latte.png") -> MediaFile:
    path = tmp_path / name
    Image.new("RGB", (8, 6), (180, 120, 60)).save(path, "PNG")
    return MediaFile(path=path, kind=MediaKind.IMAGE, mime="image/png",
                     size=path.stat().st_size, name=name, width=8, height=6)


def mp4(tmp_path, name="pour-over.mp4") -> MediaFile:
    path = tmp_path / name
    ftyp = struct.pack(">I", 24) + b"ftypisom" + struct.pack(">I", 512) + b"isomiso2"
    path.write_bytes(ftyp + struct.pack(">I", 8) + b"free")
    return MediaFile(path=path, kind=MediaKind.VIDEO, mime="video/mp4",
                     size=path.stat().st_size, name=name)


def gif(tmp_path, name="steam.gif") -> MediaFile:
    path = tmp_path / name
    Image.new("P", (4, 4)).save(path, "GIF")
    return MediaFile(path=path, kind=MediaKind.GIF, mime="image/gif",
                     size=path.stat().st_size, name=name)


def sent(transport, n=0):
    """(json, form, files) of the n-th request the connector made."""
    return request_body(transport.requests[n])


def connect(chat="@zerno_coffee", token=TOKEN, http=None):
    return TelegramConnector.connect({"bot_token": token, "chat": chat}, http or HttpClient())


# ---------------------------------------------------------------- connect


def test_it_connects_a_public_channel(contract):
    transport = contract("telegram", "getMe.ok", "getChat.ok", "getChatMember.admin",
                         values=VALUES)
    http = HttpClient()  # built without the token: the connector must mask it anyway
    result = connect(http=http)
    assert result.external_id == "-1001234567890"
    assert result.name == "Zerno Coffee"
    assert result.credentials == {"bot_token": TOKEN}
    assert result.settings == SETTINGS
    assert result.url == "https://t.me/zerno_coffee"
    assert [str(r.url).rsplit("/", 1)[1] for r in transport.requests] == [
        "getMe", "getChat", "getChatMember"]
    assert all(TOKEN not in t.url and "/bot***/" in t.url for t in http.trace)


@pytest.mark.parametrize("typed", ["@zerno_coffee", "zerno_coffee", " https://t.me/zerno_coffee ",
                                   "t.me/zerno_coffee/42", "https://telegram.me/zerno_coffee/",
                                   "https://t.me/s/zerno_coffee"])
def test_it_accepts_the_channel_as_a_name_or_a_link(contract, typed):
    contract("telegram", "getMe.ok", "getChat.ok", "getChatMember.admin", values=VALUES)
    assert connect(chat=typed).settings["username"] == "zerno_coffee"


@pytest.mark.parametrize("typed", ["-1001234567890", "https://t.me/c/1234567890/15"])
def test_it_connects_a_private_channel_by_id_or_post_link(contract, typed):
    contract("telegram", "getMe.ok", "getChat.private", "getChatMember.admin", values=VALUES)
    result = connect(chat=typed)
    assert result.name == "Zerno Team"
    assert result.settings["chat_id"] == CHAT_ID
    assert result.settings["username"] == ""
    assert result.settings["linked_chat_id"] is None  # no discussion group: no comments
    assert result.url == ""


def test_it_tells_the_person_to_make_the_bot_an_admin(contract):
    contract("telegram", "getMe.ok", "getChat.ok", "getChatMember.left", values=VALUES)
    with pytest.raises(PermanentError) as exc:
        connect()
    assert exc.value.message == (
        "Telegram: the bot @zerno_bot is not an admin of @zerno_coffee — add it as an admin "
        "with the right to post messages, then connect again.")


def test_it_tells_the_person_to_allow_the_bot_to_post(contract):
    contract("telegram", "getMe.ok", "getChat.ok", "getChatMember.admin_no_post",
             values=VALUES)
    with pytest.raises(PermanentError) as exc:
        connect()
    assert exc.value.code == "cannot_post"
    assert "@zerno_bot" in exc.value.message and "@zerno_coffee" in exc.value.message
    assert "“Post messages”" in exc.value.message


def test_it_sends_a_refused_token_back_to_botfather(contract):
    contract("telegram", "getMe.unauthorized", values=VALUES)
    with pytest.raises(PermanentError) as exc:
        connect()
    assert exc.value.code == "token_invalid"
    assert "@BotFather" in exc.value.message and "copy the whole token" in exc.value.message
    assert TOKEN not in exc.value.message


@pytest.mark.parametrize("token", ["", "not a token", "AAF4x9Qm2kZtq8Jd0Vn3Rb6Lc1Ys5We7HoA"])
def test_it_refuses_a_malformed_token_without_calling_telegram(contract, token):
    transport = contract("telegram", values=VALUES)
    with pytest.raises(PermanentError, match="@BotFather"):
        connect(token=token)
    assert transport.requests == []


def test_it_says_when_the_channel_cannot_be_found(contract):
    contract("telegram", "getMe.ok", "getChat.chat_not_found", values=VALUES)
    with pytest.raises(PermanentError) as exc:
        connect()
    assert exc.value.code == "chat_not_found"
    assert "the bot @zerno_bot cannot find the channel @zerno_coffee" in exc.value.message


def test_it_refuses_a_group(contract):
    contract("telegram", "getMe.ok", "getChat.group", values=VALUES)
    with pytest.raises(PermanentError) as exc:
        connect(chat="@zerno_chat")
    assert exc.value.code == "not_a_channel"
    assert "@zerno_chat is not a channel" in exc.value.message


@pytest.mark.parametrize("typed", ["https://t.me/+Zx9kQm2PqA1hNzQy", "t.me/joinchat/Zx9kQm2P"])
def test_it_explains_that_invite_links_cannot_be_used(contract, typed):
    transport = contract("telegram", values=VALUES)
    with pytest.raises(PermanentError) as exc:
        connect(chat=typed)
    assert exc.value.code == "invite_link" and "-100" in exc.value.message
    assert transport.requests == []


@pytest.mark.parametrize("typed", ["", "@ab", "zerno coffee", "https://example.com/zerno"])
def test_it_refuses_what_is_not_a_channel_reference(contract, typed):
    contract("telegram", values=VALUES)
    with pytest.raises(PermanentError) as exc:
        connect(chat=typed)
    assert exc.value.code == "bad_chat"


def test_it_retries_a_read_after_a_bad_gateway(contract, no_sleep):
    contract("telegram", "getMe.ok", "getChat.bad_gateway", "getChat.ok",
             "getChatMember.admin", values=VALUES)
    assert connect().external_id == "-1001234567890"


# ---------------------------------------------------------------- publish


def test_it_publishes_text_as_plain_text(contract):
    transport = contract("telegram", "sendMessage.ok", values=VALUES)
    text = "New single origin from Ethiopia is in: bright, floral, a little bergamot. ☕"
    result = make().publish(PublishRequest(text=text))
    assert result.external_id == "101"
    assert result.url == "https://t.me/zerno_coffee/101"
    assert result.extra_ids == ()
    assert result.raw == {"message_ids": [101], "date": 1767261600}
    body, _form, _files = sent(transport)
    assert body == {"chat_id": CHAT_ID, "text": text}  # no parse_mode: nothing is markup


def test_it_links_posts_of_a_private_channel(contract):
    contract("telegram", "sendMessage.ok", values=VALUES)
    connector = make(settings={**SETTINGS, "username": ""})
    result = connector.publish(PublishRequest(
        text="New single origin from Ethiopia is in: bright, floral, a little bergamot. ☕"))
    assert result.url == "https://t.me/c/1234567890/101"


def test_it_publishes_one_image_with_send_photo(contract, tmp_path):
    transport = contract("telegram", "sendPhoto.ok", values=VALUES)
    image = png(tmp_path)
    result = make().publish(PublishRequest(text="Latte art Friday 🥛", media=(image,)))
    assert (result.external_id, result.url) == ("102", "https://t.me/zerno_coffee/102")
    _body, form, files = sent(transport)
    assert form == {"chat_id": str(CHAT_ID), "caption": "Latte art Friday 🥛"}
    assert files == {"photo"}
    assert image.path.read_bytes() in transport.requests[0].content


def test_it_publishes_one_video_with_send_video(contract, tmp_path):
    transport = contract("telegram", "sendVideo.ok", values=VALUES)
    video = mp4(tmp_path)
    result = make().publish(PublishRequest(text="How we brew a V60", media=(video,)))
    assert result.external_id == "103"
    assert sent(transport)[2] == {"video"}
    assert video.path.read_bytes() in transport.requests[0].content


def test_it_publishes_a_gif_with_send_animation_and_no_empty_caption(contract, tmp_path):
    transport = contract("telegram", "sendAnimation.ok", values=VALUES)
    result = make().publish(PublishRequest(text="", media=(gif(tmp_path),)))
    assert result.external_id == "104"
    _body, form, files = sent(transport)
    assert form == {"chat_id": str(CHAT_ID)}
    assert files == {"animation"}


def test_it_publishes_an_album_with_the_caption_on_the_first_item(contract, tmp_path):
    transport = contract("telegram", "sendMediaGroup.ok", values=VALUES)
    media = (png(tmp_path, "a.png"), png(tmp_path, "b.png"), mp4(tmp_path))
    result = make().publish(PublishRequest(text="Three roasts for the weekend", media=media))
    assert result.external_id == "105"
    assert result.extra_ids == ("106", "107")
    assert result.url == "https://t.me/zerno_coffee/105"
    assert result.raw["media_group_id"] == "13897213459812345"
    _body, form, files = sent(transport)
    assert files == {"file0", "file1", "file2"}
    items = json.loads(form["media"])
    assert [(i["type"], i["media"]) for i in items] == [
        ("photo", "attach://file0"), ("photo", "attach://file1"), ("video", "attach://file2")]
    assert items[0]["caption"] == "Three roasts for the weekend"
    assert all("caption" not in i for i in items[1:])
    assert all("parse_mode" not in i for i in items)


# ---------------------------------------------------------------- edit, delete, metrics


def test_it_edits_the_text_of_a_text_post(contract):
    transport = contract("telegram", "editMessageText.ok", values=VALUES)
    text = "New single origin from Ethiopia is in: bright, floral, with bergamot. ☕"
    result = make().edit("101", PublishRequest(text=text))
    assert (result.external_id, result.url) == ("101", "https://t.me/zerno_coffee/101")
    assert sent(transport)[0] == {"chat_id": CHAT_ID, "message_id": 101, "text": text}


def test_it_edits_the_caption_of_a_media_post(contract, tmp_path):
    transport = contract("telegram", "editMessageCaption.ok", values=VALUES)
    req = PublishRequest(text="Latte art Friday, again 🥛", media=(png(tmp_path),))
    assert make().edit("102", req).external_id == "102"
    assert "caption" in sent(transport)[0]


def test_it_treats_an_edit_to_the_same_text_as_done(contract):
    contract("telegram", "editMessageText.not_modified", values=VALUES)
    text = "New single origin from Ethiopia is in: bright, floral, a little bergamot. ☕"
    result = make().edit("101", PublishRequest(text=text))
    assert result.external_id == "101" and result.raw["not_modified"] is True


def test_it_deletes_a_post(contract):
    transport = contract("telegram", "deleteMessage.ok", values=VALUES)
    assert make().delete("101") is None
    assert len(transport.requests) == 1


def test_it_deletes_a_whole_album_when_given_its_other_messages(contract):
    transport = contract("telegram", "deleteMessages.ok", values=VALUES)
    make().delete("105", extra_ids=("106", "107"))
    assert sent(transport)[0]["message_ids"] == [105, 106, 107]


def test_it_counts_a_post_already_gone_as_deleted(contract):
    contract("telegram", "deleteMessage.not_found", values=VALUES)
    make().delete("101")


def test_it_explains_the_48_hour_delete_window(contract):
    contract("telegram", "deleteMessage.too_old", values=VALUES)
    with pytest.raises(PermanentError) as exc:
        make().delete("101")
    assert exc.value.code == "too_old_to_delete" and not exc.value.channel_broken
    assert "48 hours" in exc.value.message


def test_it_reads_the_subscriber_count(contract):
    contract("telegram", "getChatMemberCount.ok", values=VALUES)
    assert make().fetch_account_metrics() == {"followers": 1532}


def test_it_cannot_look_for_a_post_it_may_have_made():
    found = make().find_published(PublishRequest(text="x"),
                                  since=datetime(2026, 1, 1, tzinfo=UTC))
    assert found.status == Found.UNKNOWN


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(("fixture", "error", "code", "broken"), [
    ("sendMessage.unauthorized", PermanentError, "token_invalid", True),
    ("sendMessage.not_member", PermanentError, "not_admin", True),
    ("sendMessage.need_admin", PermanentError, "not_admin", True),
    ("sendMessage.chat_not_found", PermanentError, "chat_not_found", True),
    ("sendMessage.too_long", PermanentError, "bad_request", False),
    ("sendMessage.flood", TransientError, "rate_limited", None),
    ("sendMessage.bad_gateway", AmbiguousError, "server_error", None),
    ("sendMessage.timeout", AmbiguousError, "no_answer", None),
])
def test_it_maps_each_refusal_of_a_send(contract, fixture, error, code, broken):
    contract("telegram", fixture, values=VALUES)
    with pytest.raises(error) as exc:
        make().publish(PublishRequest(text="Hello"))
    assert type(exc.value) is error
    assert exc.value.code == code
    if broken is not None:
        assert exc.value.channel_broken is broken
    assert TOKEN not in exc.value.message and TOKEN not in repr(exc.value.raw)


def test_it_tells_how_to_fix_a_bot_that_lost_its_admin_rights(contract):
    contract("telegram", "sendMessage.need_admin", values=VALUES)
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text="Hello"))
    assert exc.value.message == (
        "Telegram: the bot @zerno_bot is not an admin of @zerno_coffee — add it as an admin "
        "with the right to post messages, then connect again.")


def test_it_tells_to_create_a_new_token_when_it_was_revoked(contract):
    contract("telegram", "sendMessage.unauthorized", values=VALUES)
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text="Hello"))
    assert "no longer valid" in exc.value.message and "@BotFather" in exc.value.message


def test_it_passes_on_telegrams_reason_for_other_bad_requests(contract):
    contract("telegram", "sendMessage.too_long", values=VALUES)
    with pytest.raises(PermanentError) as exc:
        make().publish(PublishRequest(text="Hello"))
    assert exc.value.message == "Telegram refused: Bad Request: message is too long"


@pytest.mark.parametrize(("fixture", "wait"), [("sendMessage.flood", 7.0),
                                               ("sendMessage.flood_header", 12.0)])
def test_it_waits_as_long_as_telegram_asks(contract, fixture, wait):
    contract("telegram", fixture, values=VALUES)
    with pytest.raises(TransientError) as exc:
        make().publish(PublishRequest(text="Hello"))
    assert exc.value.retry_after == wait
    assert f"in {int(wait)} seconds" in exc.value.message


def test_it_reports_a_bad_gateway_during_an_album_as_ambiguous(contract, tmp_path):
    contract("telegram", "sendMediaGroup.bad_gateway", values=VALUES)
    with pytest.raises(AmbiguousError):
        make().publish(PublishRequest(text="Two", media=(png(tmp_path), mp4(tmp_path))))


def test_it_reports_a_bad_gateway_during_an_edit_as_ambiguous(contract):
    contract("telegram", "editMessageText.bad_gateway", values=VALUES)
    with pytest.raises(AmbiguousError):
        make().edit("101", PublishRequest(text="Hello again"))


@pytest.mark.parametrize("fixture", ["getChatMemberCount.bad_gateway",
                                     "getChatMemberCount.timeout"])
def test_it_reports_a_failed_read_as_transient(contract, fixture):
    contract("telegram", fixture, values=VALUES)
    connector = make(http=HttpClient(secrets=[TOKEN], retries=0))
    with pytest.raises(TransientError) as exc:
        connector.fetch_account_metrics()
    assert type(exc.value) is TransientError


def test_it_marks_the_channel_broken_when_the_bot_was_removed(contract):
    contract("telegram", "getChatMemberCount.not_member", values=VALUES)
    with pytest.raises(PermanentError) as exc:
        make().fetch_account_metrics()
    assert exc.value.channel_broken and exc.value.code == "not_admin"


def test_it_never_writes_the_token_into_the_trace(contract, tmp_path):
    contract("telegram", "sendPhoto.ok", "sendMessage.timeout", values=VALUES)
    connector = make()
    connector.publish(PublishRequest(text="Latte art Friday 🥛", media=(png(tmp_path),)))
    with pytest.raises(AmbiguousError):
        connector.publish(PublishRequest(text="Hello"))
    urls = [t.url for t in connector.http.trace]
    assert urls == ["https://api.telegram.org/bot***/sendPhoto",
                    "https://api.telegram.org/bot***/sendMessage"]
    assert connector.http.trace[1].error == "ReadTimeout"


# ---------------------------------------------------------------- comments: polling


def events_by_id(events) -> dict:
    return {(e.kind, e.external_id): e for e in events}


def test_it_polls_comments_after_the_cursor(contract):
    transport = contract("telegram", "getUpdates.comments", values=VALUES)
    events, cursor = make().poll_events("900000")
    assert cursor == "900010"  # the last update_id: the next round confirms everything
    body, _form, _files = sent(transport)
    assert body == {"offset": 900001, "timeout": 0,
                    "allowed_updates": ["message", "edited_message", "message_reaction_count"]}
    assert all(e.account_id == str(CHAT_ID) for e in events)
    assert [(e.kind, e.external_id) for e in events] == [
        ("post", f"{GROUP_ID}:55"), ("comment", f"{GROUP_ID}:57"), ("comment", f"{GROUP_ID}:58"),
        ("comment", f"{GROUP_ID}:59"), ("comment", f"{GROUP_ID}:61"),
        ("comment", f"{GROUP_ID}:57"), ("message", "5123456789:12"), ("reaction", "101")]


def test_it_reads_a_comment_on_a_post(contract):
    contract("telegram", "getUpdates.comments", values=VALUES)
    events, _cursor = make().poll_events("900000")
    comment = events[1]
    assert comment.data == {
        "text": "Is the Ethiopia also sold as whole beans?", "author_id": "5123456789",
        "author_name": "Olha Koval", "author_username": "olha_koval",
        "created_at": "2026-01-01T10:15:00+00:00", "post_external_id": "101",
        "parent_external_id": "", "thread_external_id": f"{GROUP_ID}:55", "by_us": False}


def test_it_pairs_the_thread_with_its_post(contract):
    contract("telegram", "getUpdates.comments", values=VALUES)
    events, _cursor = make().poll_events("900000")
    copy = events_by_id(events)[("post", f"{GROUP_ID}:55")]
    assert copy.data == {"post_external_id": "101", "thread_external_id": f"{GROUP_ID}:55",
                         "created_at": "2026-01-01T10:00:03+00:00"}


def test_it_files_a_reply_to_a_comment_under_its_parent_and_thread(contract):
    contract("telegram", "getUpdates.comments", values=VALUES)
    events, _cursor = make().poll_events("900000")
    reply = events_by_id(events)[("comment", f"{GROUP_ID}:58")].data
    assert reply["parent_external_id"] == f"{GROUP_ID}:57"
    assert reply["thread_external_id"] == f"{GROUP_ID}:55"
    assert reply["post_external_id"] == ""  # Telegram does not say: the thread does
    assert (reply["author_name"], reply["author_username"]) == ("Taras", "")


def test_it_marks_a_comment_written_as_the_channel(contract):
    contract("telegram", "getUpdates.comments", values=VALUES)
    events, _cursor = make().poll_events("900000")
    ours = events_by_id(events)[("comment", f"{GROUP_ID}:59")].data
    assert ours["by_us"] is True
    assert (ours["author_id"], ours["author_name"]) == (str(CHAT_ID), "Zerno Coffee")


def test_it_reads_a_photo_comment_and_an_edit(contract):
    contract("telegram", "getUpdates.comments", values=VALUES)
    events, _cursor = make().poll_events("900000")
    photo = events[4].data
    assert (photo["text"], photo["media"]) == ("My V60 with it this morning", "photo")
    edit = events[5]
    assert edit.external_id == f"{GROUP_ID}:57"
    assert edit.data["text"] == "Is the Ethiopia also sold as whole beans? Asking for the office"
    assert edit.data["edited_at"] == "2026-01-01T10:16:00+00:00"
    assert edit.data["post_external_id"] == "101"


def test_it_reads_a_direct_message_to_the_bot(contract):
    contract("telegram", "getUpdates.comments", values=VALUES)
    events, _cursor = make().poll_events("900000")
    dm = events_by_id(events)[("message", "5123456789:12")].data
    assert dm == {"text": "Hi! Do you deliver to Lviv?", "author_id": "5123456789",
                  "author_name": "Olha Koval", "author_username": "olha_koval",
                  "created_at": "2026-01-01T10:40:00+00:00"}


def test_it_passes_on_reaction_counts_of_a_post(contract):
    contract("telegram", "getUpdates.comments", values=VALUES)
    events, _cursor = make().poll_events("900000")
    reaction = events[-1]
    assert reaction.data == {"post_external_id": "101", "total": 21,
                             "reactions": {"❤": 12, "🔥": 5, "custom:5368324170671202286": 1,
                                           "paid": 3},
                             "created_at": "2026-01-01T10:45:00+00:00"}


def test_it_leaves_out_group_chat_that_is_not_under_a_post(contract):
    contract("telegram", "getUpdates.comments", values=VALUES)
    events, _cursor = make().poll_events("900000")
    ids = {e.external_id for e in events}
    assert f"{GROUP_ID}:62" not in ids and "-1005550001111:4012" not in ids


def test_it_finds_comments_on_posts_before_it_knows_the_discussion_group(contract):
    # A channel connected before linked_chat_id was stored, or whose group came later:
    # automatic forwards of its posts name the channel, and so do comments on them.
    contract("telegram", "getUpdates.comments", values=VALUES)
    events, cursor = make(settings={**SETTINGS, "linked_chat_id": None}).poll_events("900000")
    assert [(e.kind, e.external_id) for e in events] == [
        ("post", f"{GROUP_ID}:55"), ("comment", f"{GROUP_ID}:57"), ("comment", f"{GROUP_ID}:59"),
        ("comment", f"{GROUP_ID}:61"), ("comment", f"{GROUP_ID}:57"), ("message", "5123456789:12"),
        ("reaction", "101")]  # only the reply to a comment (58) needs the group's id
    assert cursor == "900010"


def test_it_ignores_automatic_forwards_of_other_channels(contract):
    contract("telegram", "getUpdates.comments", values=VALUES)
    other = {**SETTINGS, "chat_id": -1001111111111, "linked_chat_id": None}
    connector = TelegramConnector(ChannelContext(
        id=2, external_id="-1001111111111", name="Other", credentials={"bot_token": TOKEN},
        settings=other))
    events, _cursor = connector.poll_events("900000")
    assert [e.kind for e in events] == ["message"]  # the bot's DMs; nothing of Zerno's


def test_it_starts_polling_without_an_offset_and_keeps_the_cursor(contract):
    transport = contract("telegram", "getUpdates.empty", values=VALUES)
    assert make().poll_events("") == ([], "")
    assert "offset" not in sent(transport)[0]


def test_it_reads_the_post_from_servers_before_forward_origin(contract):
    contract("telegram", "getUpdates.legacy_forward", values=VALUES)
    events, cursor = make().poll_events("900010")
    assert [(e.kind, e.external_id) for e in events] == [("comment", f"{GROUP_ID}:70")]
    assert events[0].data["post_external_id"] == "104"
    assert cursor == "900011"


def test_it_does_not_poll_while_its_webhook_receives_the_updates(contract):
    transport = contract("telegram", values=VALUES)
    connector = TelegramConnector(ChannelContext(
        id=1, external_id=str(CHAT_ID), name="Zerno Coffee", settings=dict(SETTINGS),
        credentials={"bot_token": TOKEN, "webhook_secret": "s3cr3t-s3cr3t"}))
    assert connector.poll_events("900010") == ([], "900010")
    assert transport.requests == []


def test_it_explains_a_webhook_set_by_someone_else(contract):
    contract("telegram", "getUpdates.webhook_active", values=VALUES)
    with pytest.raises(PermanentError) as exc:
        make().poll_events("")
    assert exc.value.code == "webhook_active" and not exc.value.channel_broken
    assert "bot of its own" in exc.value.message and "@zerno_bot" in exc.value.message


def test_it_waits_when_another_program_polls_the_same_bot(contract):
    contract("telegram", "getUpdates.other_poller", values=VALUES)
    with pytest.raises(TransientError) as exc:
        make().poll_events("")
    assert exc.value.code == "updates_conflict" and exc.value.retry_after == 60.0


# ---------------------------------------------------------------- comments: webhooks


def push(secret: str | None, body: bytes | None = None, credentials: dict | None = None):
    fixture = load_fixture("telegram", "webhook.comment")["request"]
    headers = {"content-type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    channel = ChannelContext(id=1, external_id=str(CHAT_ID), name="Zerno Coffee",
                             settings=dict(SETTINGS),
                             credentials={"bot_token": TOKEN, "webhook_secret": HOOK_SECRET}
                             if credentials is None else credentials)
    raw = json.dumps(fixture["json"]).encode() if body is None else body
    return TelegramConnector.webhook_receive(WebhookRequest(
        method="POST", headers=headers, query={}, body=raw, channel=channel))


def test_it_accepts_a_push_with_its_secret(contract):
    contract("telegram", values=VALUES)  # nothing is called
    answer = push(HOOK_SECRET)
    assert (answer.status, answer.rejected) == (200, "")
    assert [(e.kind, e.external_id) for e in answer.events] == [("comment", f"{GROUP_ID}:57")]
    assert answer.events[0].data["post_external_id"] == "101"
    assert answer.events[0].account_id == str(CHAT_ID)


@pytest.mark.parametrize("given", [None, "", "s3cr3t-but-not-this-one",
                                   HOOK_SECRET[:-1], HOOK_SECRET + "x"])
def test_it_refuses_a_push_without_the_right_secret(given):
    answer = push(given)
    assert answer.status == 403 and answer.rejected and answer.events == []


def test_it_refuses_pushes_to_a_channel_without_a_webhook():
    answer = push("", credentials={"bot_token": TOKEN})
    assert answer.status == 404 and answer.rejected and answer.events == []


@pytest.mark.parametrize("body", [b"<html>", b"[1, 2]", b'{"ok": true}', b"\xff\xfe"])
def test_it_refuses_a_push_that_is_not_an_update(body):
    answer = push(HOOK_SECRET, body=body)
    assert answer.status == 400 and answer.rejected == "not a Telegram Update"


def test_it_sets_its_webhook_with_a_new_secret_each_time(contract):
    transport = contract("telegram", "setWebhook.ok", "setWebhook.ok", values=VALUES)
    connector = make()
    first = connector.webhook_setup("https://desk.zerno.coffee/hooks/telegram/1/")
    second = connector.webhook_setup("https://desk.zerno.coffee/hooks/telegram/1/")
    sent_secrets = [sent(transport, n)[0]["secret_token"] for n in (0, 1)]
    assert [first, second] == [{"webhook_secret": s} for s in sent_secrets]
    assert first != second
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32,256}", s) for s in sent_secrets)
    assert connector.http.mask(sent_secrets[0]) == "***"  # masked like the token


def test_it_explains_an_address_telegram_cannot_deliver_to(contract):
    contract("telegram", "setWebhook.bad_webhook", values=VALUES)
    with pytest.raises(PermanentError) as exc:
        make().webhook_setup("http://127.0.0.1:8000/hooks/telegram/1/")
    assert exc.value.code == "bad_webhook" and not exc.value.channel_broken
    assert "An HTTPS URL must be provided for webhook" in exc.value.message
    assert "SMMDESK_SITE_URL" in exc.value.message


def test_it_removes_its_webhook(contract):
    transport = contract("telegram", "deleteWebhook.ok", values=VALUES)
    assert make().webhook_remove() is None
    assert sent(transport)[0] == {"drop_pending_updates": False}


def test_it_reports_how_the_webhook_is_doing(contract):
    contract("telegram", "getWebhookInfo.ok", values=VALUES)
    assert make().webhook_info() == {
        "url": "https://desk.zerno.coffee/hooks/telegram/1/", "pending": 3,
        "last_error": "Wrong response from the webhook: 502 Bad Gateway",
        "last_error_at": "2026-01-01T11:00:00+00:00"}


# ---------------------------------------------------------------- comments: answering


def comment(external_id=f"{GROUP_ID}:57", post="101") -> RemoteComment:
    return RemoteComment(external_id=external_id, post_external_id=post,
                         author_id="5123456789", author_name="Olha Koval",
                         text="Is the Ethiopia also sold as whole beans?",
                         created_at=datetime(2026, 1, 1, 10, 15, tzinfo=UTC))


def test_it_has_no_comment_history_to_fetch(contract):
    transport = contract("telegram", values=VALUES)
    assert make().fetch_comments("101") == []
    assert transport.requests == []


def test_it_replies_in_the_thread_of_the_comment(contract):
    transport = contract("telegram", "sendMessage.reply", values=VALUES)
    answer = make().reply(comment(), "Yes! 250 g and 1 kg bags, in the shop and online.")
    assert sent(transport)[0] == {"chat_id": GROUP_ID,
                                  "text": "Yes! 250 g and 1 kg bags, in the shop and online.",
                                  "reply_parameters": {"message_id": 57}}
    assert answer.external_id == f"{GROUP_ID}:63"
    assert answer.parent_external_id == f"{GROUP_ID}:57"
    assert answer.post_external_id == "101"
    assert answer.by_us and answer.author_id == "7234567890"
    assert answer.author_name == "Zerno Poster"
    assert answer.created_at == datetime(2026, 1, 1, 10, 50, tzinfo=UTC)
    assert answer.raw["message_thread_id"] == 55


def test_it_answers_a_direct_message(contract):
    contract("telegram", "sendMessage.reply_dm", values=VALUES)
    answer = make().reply(comment("5123456789:12", post=""), "We do: Nova Poshta, 1-2 days.")
    assert answer.external_id == "5123456789:13" and answer.by_us


@pytest.mark.parametrize(("fixture", "code", "words"), [
    ("sendMessage.reply_to_deleted", "comment_gone", "has been deleted"),
    ("sendMessage.group_not_member", "group_not_admin",
     "Add the bot to that group as an admin with the right to delete messages"),
])
def test_it_explains_why_a_reply_was_refused(contract, fixture, code, words):
    contract("telegram", fixture, values=VALUES)
    with pytest.raises(PermanentError) as exc:
        make().reply(comment(), "Yes!")
    assert exc.value.code == code and words in exc.value.message
    assert not exc.value.channel_broken  # the channel itself still publishes


def test_it_says_when_a_person_blocked_the_bot(contract):
    contract("telegram", "sendMessage.blocked", values=VALUES)
    with pytest.raises(PermanentError) as exc:
        make().reply(comment("5123456789:12", post=""), "We do: Nova Poshta, 1-2 days.")
    assert exc.value.code == "blocked" and not exc.value.channel_broken


@pytest.mark.parametrize("bad", ["57", "abc:57", f"{GROUP_ID}:", f"{GROUP_ID}:x"])
def test_it_refuses_what_does_not_name_a_comment(contract, bad):
    transport = contract("telegram", values=VALUES)
    with pytest.raises(PermanentError) as exc:
        make().delete_comment(bad)
    assert exc.value.code == "bad_comment_id" and transport.requests == []


def test_it_deletes_a_comment_in_the_group(contract):
    transport = contract("telegram", "deleteMessage.comment", values=VALUES)
    assert make().delete_comment(f"{GROUP_ID}:58") is None
    assert sent(transport)[0] == {"chat_id": GROUP_ID, "message_id": 58}


def test_it_counts_a_comment_already_gone_as_deleted(contract):
    contract("telegram", "deleteMessage.comment_gone", values=VALUES)
    make().delete_comment(f"{GROUP_ID}:58")


def test_it_explains_a_comment_it_may_not_delete(contract):
    contract("telegram", "deleteMessage.comment_forbidden", values=VALUES)
    with pytest.raises(PermanentError) as exc:
        make().delete_comment(f"{GROUP_ID}:58")
    assert exc.value.code == "cannot_delete_comment" and not exc.value.channel_broken
    assert "48 hours" in exc.value.message and "“Delete messages”" in exc.value.message


def test_it_tries_a_comment_delete_again_after_a_bad_gateway(contract):
    contract("telegram", "deleteMessage.comment_bad_gateway", values=VALUES)
    with pytest.raises(TransientError) as exc:
        make().delete_comment(f"{GROUP_ID}:58")
    assert type(exc.value) is TransientError and exc.value.code == "server_error"


def test_it_cannot_hide_a_comment(contract):
    transport = contract("telegram", values=VALUES)
    with pytest.raises(PermanentError, match="delete it instead"):
        make().hide_comment(f"{GROUP_ID}:58")
    assert transport.requests == []


def test_it_has_no_post_metrics_to_offer_for_a_private_channel(contract):
    transport = contract("telegram", values=VALUES)
    assert make({**SETTINGS, "username": ""}).fetch_post_metrics("101") == {}
    assert transport.requests == []  # views of public channels: test_telegram_preview.py


# ---------------------------------------------------------------- limits


def issue_codes(req: PublishRequest) -> list[str]:
    return [i.code for i in TelegramConnector.validate(req)]


@pytest.mark.parametrize(("length", "ok"), [(4095, True), (4096, True), (4097, False)])
def test_it_allows_4096_characters_of_text(length, ok):
    issues = TelegramConnector.validate(PublishRequest(text="a" * length))
    assert (issues == []) is ok
    if not ok:
        assert issues[0].message == ("Telegram allows at most 4096 characters; "
                                     "this text has 4097.")


@pytest.mark.parametrize(("count", "ok"), [(4096, True), (4097, False)])
def test_it_counts_emoji_as_one_character_each(count, ok):
    # 4096 astral emoji are 8192 UTF-16 code units; Telegram counts code points.
    issues = TelegramConnector.validate(PublishRequest(text="😀" * count))
    assert (issues == []) is ok


@pytest.mark.parametrize(("length", "ok"), [(1023, True), (1024, True), (1025, False)])
def test_it_allows_1024_characters_of_caption(tmp_path, length, ok):
    issues = TelegramConnector.validate(PublishRequest(text="a" * length,
                                                       media=(png(tmp_path),)))
    assert (issues == []) is ok
    if not ok:
        assert issues[0].message == ("Telegram allows at most 1024 characters in a caption "
                                     "under media; this text has 1025.")


@pytest.mark.parametrize(("count", "ok"), [(10, True), (11, False)])
def test_it_allows_ten_files_in_an_album(tmp_path, count, ok):
    image = png(tmp_path)
    codes = issue_codes(PublishRequest(text="", media=(image,) * count))
    assert codes == ([] if ok else ["too_many_media"])


def test_it_refuses_a_gif_in_an_album(tmp_path):
    req = PublishRequest(text="", media=(png(tmp_path), gif(tmp_path)))
    issues = TelegramConnector.validate(req)
    assert [i.code for i in issues] == ["gif_in_album"]
    assert issues[0].message.startswith("Telegram cannot put a GIF in an album")


def test_it_accepts_a_gif_on_its_own(tmp_path):
    assert issue_codes(PublishRequest(text="", media=(gif(tmp_path),))) == []


@pytest.mark.parametrize(("kind_maker", "size", "ok"), [
    (png, 10 * MB, True), (png, 10 * MB + 1, False),
    (mp4, 50 * MB, True), (mp4, 50 * MB + 1, False),
    (gif, 20 * MB, True), (gif, 50 * MB + 1, False),
])
def test_it_checks_file_sizes_per_telegram_method(tmp_path, kind_maker, size, ok):
    media = replace(kind_maker(tmp_path), size=size)
    issues = TelegramConnector.validate(PublishRequest(text="", media=(media,)))
    assert [i.code for i in issues] == ([] if ok else ["media_too_large"])


def test_it_needs_text_or_media():
    assert issue_codes(PublishRequest(text="  \n")) == ["empty"]


def test_it_is_the_registered_telegram_connector():
    assert connector_class("telegram") is TelegramConnector
    caps = TelegramConnector.capabilities
    assert caps.delete and caps.edit and caps.account_metrics
    assert caps.comments and caps.reply and caps.delete_comment and caps.webhooks
    assert caps.post_metrics  # from the public web preview, for public channels
    assert not caps.hide_comment and not caps.find_published


def test_it_tells_how_to_get_comments_when_connecting():
    help_text = str(TelegramConnector.connect_help)
    assert help_text.startswith("Create a bot with @BotFather")
    assert "discussion group as an admin with the right to delete messages" in help_text
