"""Telegram: a bot, made an admin of a channel, posts to it through the Bot API.

The person creates a bot with @BotFather, adds it to the channel as an admin with
the right to post messages, and gives smmdesk the bot token and the channel.
Every call is ``POST https://api.telegram.org/bot<token>/<method>``; the token is in
the URL path, so it is one of the client's secrets and is masked in every trace.

Comments live in the channel's discussion group (``linked_chat_id``): Telegram copies
each channel post into the group (``is_automatic_forward``, ``forward_origin`` naming
the channel post), and a comment is a group message replying to that copy, or to
another comment of its thread (``message_thread_id`` is the copy's id in the group).
A bot only sees them as an admin of the group (admins receive every message; a bot
that is not an admin would need its privacy mode turned off and to be added again).
They arrive as updates, by ``getUpdates`` (``poll_events``) or by webhook
(``webhook_receive``): the Bot API has no call that lists a post's comments.

Reference: https://core.telegram.org/bots/api (contract fixtures in
``tests/connectors/fixtures/telegram/`` record each request and answer used here).

The connector is here; ``chats`` reads the channel and token a person gives, ``updates``
turns updates into events, ``errors`` maps the Bot API's refusals, ``preview`` reads
post views from a public channel's web preview (a bot cannot read them), and ``common``
holds what they share.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
from contextlib import ExitStack
from datetime import datetime
from typing import Any

import httpx
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smmdesk.connectors.base import (
    AmbiguousError,
    Capabilities,
    ChannelContext,
    Connector,
    ConnectResult,
    FindResult,
    Issue,
    Limits,
    MediaFile,
    MediaKind,
    MetricsSource,
    PermanentError,
    PublishRequest,
    PublishResult,
    RateLimit,
    RemoteComment,
    TransientError,
)
from smmdesk.connectors.telegram import preview
from smmdesk.connectors.telegram.chats import (
    _TOKEN,
    _chat_ref,
    _connect_result,
    _internal_id,
    _require_channel,
    _require_poster,
    _shown_chat,
)
from smmdesk.connectors.telegram.common import _READS, _REPEATABLE
from smmdesk.connectors.telegram.errors import _api_error, _bad_token, _flood
from smmdesk.connectors.telegram.updates import (
    ALLOWED_UPDATES,
    _iso,
    _Scope,
    _split_id,
    _update_events,
    _user_name,
    _when,
)
from smmdesk.connectors.webhooks import WebhookAnswer, WebhookEvent, WebhookRequest, refuse
from smmdesk.lib.http import HttpClient

API = "https://api.telegram.org"
MB = 2**20
# Uploads by multipart/form-data: "10 MB max size for photos, 50 MB for other files"
# (https://core.telegram.org/bots/api#sending-files). Animations are "other files".
PHOTO_MAX_BYTES = 10 * MB
FILE_MAX_BYTES = 50 * MB

# setWebhook's secret_token comes back in this header of every push (lower-cased here).
SECRET_HEADER = "x-telegram-bot-api-secret-token"
# The public web preview is a page for browsers: wait less for it than for the API.
PREVIEW_TIMEOUT_S = 15.0

# sendPhoto / sendVideo / sendAnimation: (method, multipart field) per kind.
_SINGLE = {
    MediaKind.IMAGE: ("sendPhoto", "photo"),
    MediaKind.VIDEO: ("sendVideo", "video"),
    MediaKind.GIF: ("sendAnimation", "animation"),
}
_ALBUM_TYPE = {MediaKind.IMAGE: "photo", MediaKind.VIDEO: "video"}


class TelegramConnector(Connector):
    kind = "telegram"
    label = "Telegram"
    # Text "1-4096 characters after entities parsing", caption "0-1024 characters after
    # entities parsing" (https://core.telegram.org/bots/api#sendmessage, #sendphoto).
    # "Characters" are Unicode code points, not UTF-16 code units (only MessageEntity
    # offsets are UTF-16): the Bot API server is TDLib, which checks bot messages with
    # utf8_length(text) > option "message_text_length_max" (tdlib/td,
    # td/telegram/MessageContent.cpp, create_input_message_content), and a live probe
    # found 4096 astral emoji (8192 UTF-16 units) accepted and 4097 refused with
    # "message is too long" (https://github.com/FerroxLabs/wayland/issues/934).
    # We send plain text (no parse_mode), so what we count is what Telegram counts.
    limits = Limits(
        text_max=4096,
        caption_max=1024,
        media_max=10,  # sendMediaGroup: "must include 2-10 items"
        media_kinds=frozenset({MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.GIF}),
        image_max_bytes=PHOTO_MAX_BYTES,
        video_max_bytes=FILE_MAX_BYTES,
        gif_max_bytes=FILE_MAX_BYTES,  # sent as an animation: an "other file"
        mixed_media=True,  # an album may mix photos and videos
        counts="chars",
    )
    # Comments arrive as events only (poll_events and webhook_receive; fetch_comments has
    # nothing to ask). Post metrics: views of a public channel's posts, from its public
    # web preview (the Bot API shows bots no view counts; see ``preview``); a private
    # channel gives none. Reaction counts arrive as "reaction" events, not from a call.
    capabilities = Capabilities(delete=True, edit=True, comments=True, reply=True,
                                delete_comment=True, post_metrics=True, account_metrics=True,
                                webhooks=True)
    # https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this :
    # "not able to send more than 20 messages per minute to the same group", and
    # "not more than 30 messages per second or so" for one bot overall.
    rate_limits = (RateLimit(20, 60, "channel"), RateLimit(30, 1, "app"))
    connect_help = format_lazy(
        "{} {}",
        gettext_lazy("Create a bot with @BotFather, add it to your channel as an admin with the "
                     "right to post messages, then paste the bot's token and the channel's "
                     "@username."),
        gettext_lazy("To see and answer comments here, also add the bot to the channel's "
                     "discussion group as an admin with the right to delete messages."))
    connect_fields = (
        ("bot_token", gettext_lazy("Bot token from @BotFather"), "secret"),
        ("chat", gettext_lazy("Channel: @username or link"), "text"),
    )

    def __init__(self, channel: ChannelContext, http: HttpClient | None = None):
        super().__init__(channel, http)
        self._names: dict[str, str] | None = None  # set while connecting
        # Why the last fetch_post_metrics found no views, for logs and tests ("" if it did).
        self.metrics_note = ""

    # -- connect --------------------------------------------------------------

    @classmethod
    def connect(cls, data: dict, http: HttpClient) -> ConnectResult:
        """Check the token (getMe), find the channel (getChat) and make sure the bot is
        an admin allowed to post there (getChatMember). getChat also names the channel's
        discussion group (``linked_chat_id``, kept in settings), where comments live."""
        token = str(data.get("bot_token") or "").strip()
        if not _TOKEN.fullmatch(token):
            raise _bad_token()
        chat_ref = _chat_ref(str(data.get("chat") or ""))
        api = cls(ChannelContext(None, str(chat_ref), str(chat_ref),
                                 credentials={"bot_token": token}), http)
        try:
            bot = api._call("getMe", {})
        except PermanentError as exc:
            if exc.code == "token_invalid":
                raise _bad_token() from exc
            raise
        api._names = {"bot": "@" + bot.get("username", ""), "channel": str(chat_ref)}
        chat = api._call("getChat", {"chat_id": chat_ref})
        api._names["channel"] = _shown_chat(chat)
        _require_channel(chat, api._names)
        member = api._call("getChatMember", {"chat_id": chat["id"], "user_id": bot["id"]})
        _require_poster(member, api._names)
        return _connect_result(token, bot, chat)

    # -- publishing -------------------------------------------------------------

    @classmethod
    def validate(cls, req: PublishRequest, *, settings: dict | None = None) -> list[Issue]:
        """The shared limits, and no GIF in an album."""
        issues = super().validate(req, settings=settings)
        if len(req.media) > 1 and any(m.kind == MediaKind.GIF for m in req.media):
            issues.append(Issue("gif_in_album", _(
                "Telegram cannot put a GIF in an album with other files. Post the GIF on "
                "its own, or turn it into a video."), "media"))
        return issues

    def publish(self, req: PublishRequest) -> PublishResult:
        """Text alone: sendMessage. One file: sendPhoto, sendVideo or sendAnimation with the
        text as caption. 2-10 files: sendMediaGroup, caption on the first item. Plain text
        always (no parse_mode), so nothing in the post is read as markup."""
        chat_id = self._chat_id()
        if not req.media:
            messages = [self._call("sendMessage", {"chat_id": chat_id, "text": req.text})]
        elif len(req.media) == 1:
            messages = [self._send_one(req.media[0], req.text)]
        else:
            messages = self._call_files("sendMediaGroup", *_album(chat_id, req))
        return self._result(messages)

    def find_published(self, req: PublishRequest, *, since: datetime) -> FindResult:
        """Always UNKNOWN: the Bot API gives bots no way to read a channel's history
        (there is no "list recent posts" method, and getUpdates only returns what
        arrives while the bot listens, not what it posted itself). When a send ended
        without an answer, a person looks at the channel and decides."""
        return super().find_published(req, since=since)

    def edit(self, external_id: str, req: PublishRequest) -> PublishResult:
        """editMessageText for a text post, editMessageCaption for a post with media (for
        an album, the caption lives on its first message, which is ``external_id``)."""
        if req.media:
            method, field = "editMessageCaption", "caption"
        else:
            method, field = "editMessageText", "text"
        payload = {"chat_id": self._chat_id(), "message_id": int(external_id), field: req.text}
        try:
            message = self._call(method, payload)
        except PermanentError as exc:
            if exc.code != "not_modified":
                raise
            return PublishResult(external_id, self._url(int(external_id)),
                                 raw={"method": method, "not_modified": True})
        return self._result([message])

    def delete(self, external_id: str, extra_ids: tuple[str, ...] = ()) -> None:
        """deleteMessage; with ``extra_ids`` (the rest of an album) deleteMessages, so the
        whole album goes. A message already gone counts as deleted."""
        chat_id = self._chat_id()
        try:
            if extra_ids:
                ids = [int(i) for i in (external_id, *extra_ids)]
                self._call("deleteMessages", {"chat_id": chat_id, "message_ids": ids})
            else:
                self._call("deleteMessage", {"chat_id": chat_id,
                                             "message_id": int(external_id)})
        except PermanentError as exc:
            if exc.code != "already_deleted":
                raise

    # -- events: polling and webhooks ---------------------------------------------------

    def poll_events(self, cursor: str) -> tuple[list[WebhookEvent], str]:
        """getUpdates without waiting (timeout=0, for a worker's round): the updates after
        ``cursor`` (the last update_id seen; "" for the first round), as events (see
        ``_update_events``), and the last update_id as the next cursor. Asking with
        offset = cursor + 1 confirms everything before it, and Telegram keeps what is not
        confirmed for 24 hours. Nothing to do while a webhook of ours receives the
        updates (Telegram refuses getUpdates then)."""
        if self.channel.credentials.get("webhook_secret"):
            return [], cursor
        payload: dict[str, Any] = {"timeout": 0, "allowed_updates": ALLOWED_UPDATES}
        if re.fullmatch(r"\d+", cursor.strip()):
            payload["offset"] = int(cursor) + 1
        updates = self._call("getUpdates", payload)
        scope = _Scope.of(self.channel)
        events = [e for update in updates for e in _update_events(update, scope)]
        last = max((int(u["update_id"]) for u in updates), default=None)
        return events, cursor if last is None else str(last)

    @classmethod
    def webhook_receive(cls, request: WebhookRequest) -> WebhookAnswer:
        """One Update pushed to this channel's address (/hooks/telegram/<channel id>/),
        accepted only with the secret ``webhook_setup`` gave Telegram in the
        X-Telegram-Bot-Api-Secret-Token header (Telegram signs nothing else, and there is
        no handshake). Its events are the same as ``poll_events`` gives."""
        channel = request.channel
        secret = str((channel.credentials if channel else {}).get("webhook_secret") or "")
        if not secret:
            return refuse("no Telegram webhook is set up for this channel", status=404)
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return refuse("X-Telegram-Bot-Api-Secret-Token does not match")
        try:
            update = json.loads(request.body)
        except ValueError:
            update = None
        if not isinstance(update, dict) or "update_id" not in update:
            return WebhookAnswer(status=400, body="bad request", rejected="not a Telegram Update")
        return WebhookAnswer(events=_update_events(update, _Scope.of(channel)))

    def webhook_setup(self, url: str) -> dict:
        """setWebhook: Telegram pushes this bot's updates to ``url`` (public HTTPS, port
        443, 80, 88 or 8443) with a new random secret_token. Returns the credentials to
        store with the channel ({"webhook_secret": ...}); from then on getUpdates is
        refused, so ``poll_events`` stands aside. The webhook is the bot's, not the
        channel's: one bot serves one channel's webhook."""
        secret = secrets.token_urlsafe(32)  # 43 of A-Z a-z 0-9 _ -: what Telegram allows
        self.http.add_secret(secret)
        self._call("setWebhook", {"url": url, "secret_token": secret,
                                  "allowed_updates": ALLOWED_UPDATES})
        return {"webhook_secret": secret}

    def webhook_remove(self) -> None:
        """deleteWebhook, back to polling; the caller drops "webhook_secret" from the
        credentials. Updates not yet delivered are kept for getUpdates."""
        self._call("deleteWebhook", {"drop_pending_updates": False})

    def webhook_info(self) -> dict:
        """getWebhookInfo, for the channel page: where Telegram delivers, how many updates
        wait, and its last delivery error in its own words."""
        info = self._call("getWebhookInfo", {})
        return {"url": info.get("url", ""), "pending": int(info.get("pending_update_count", 0)),
                "last_error": info.get("last_error_message", ""),
                "last_error_at": _iso(info.get("last_error_date"))}

    # -- community --------------------------------------------------------------

    def fetch_comments(self, external_id: str, *, since: datetime | None = None
                       ) -> list[RemoteComment]:
        """Always empty: the Bot API gives bots no way to read a thread's history (no
        getHistory, no getReplies). Comments reach smmdesk only as they are written, as
        "comment" events from ``poll_events`` or ``webhook_receive``, and only while the
        bot is an admin of the discussion group."""
        return []

    def reply(self, comment: RemoteComment, text: str) -> RemoteComment:
        """sendMessage into the comment's chat (the discussion group, or the private chat
        of a direct message) with reply_parameters naming it, so Telegram files the answer
        under the same post. It appears under the bot's name: a bot cannot write as the
        channel. Plain text, as ``publish``."""
        chat_id, message_id = _split_id(comment.external_id)
        sent = self._call("sendMessage", {"chat_id": chat_id, "text": text,
                                          "reply_parameters": {"message_id": message_id}},
                          in_group=True)
        author = sent.get("from") or {}
        return RemoteComment(
            external_id=f"{chat_id}:{sent['message_id']}",
            post_external_id=comment.post_external_id,
            author_id=str(author.get("id") or self.channel.settings.get("bot_id", "")),
            author_name=_user_name(author) or self._who()["bot"],
            text=sent.get("text", text), created_at=_when(sent.get("date")),
            parent_external_id=comment.external_id, by_us=True,
            raw={"message_id": sent["message_id"], "chat_id": chat_id,
                 "message_thread_id": sent.get("message_thread_id")})

    def hide_comment(self, comment_external_id: str, hidden: bool = True) -> None:
        raise PermanentError(_("Telegram has no way to hide a comment; delete it instead."),
                             code="not_supported")

    def delete_comment(self, comment_external_id: str) -> None:
        """deleteMessage in the discussion group: the bot must be its admin with the
        “Delete messages” right, and the comment less than 48 hours old. A comment
        already gone counts as deleted."""
        chat_id, message_id = _split_id(comment_external_id)
        try:
            self._call("deleteMessage", {"chat_id": chat_id, "message_id": message_id},
                       in_group=True)
        except PermanentError as exc:
            if exc.code != "already_deleted":
                raise

    # -- metrics ---------------------------------------------------------------

    def fetch_account_metrics(self) -> dict[str, int]:
        """Subscribers of the channel (getChatMemberCount): exact, where the public
        preview rounds them ("12.3K subscribers"), and private channels have it too."""
        return {"followers": int(self._call("getChatMemberCount",
                                            {"chat_id": self._chat_id()}))}

    def fetch_post_metrics(self, external_id: str) -> dict[str, int]:
        """{"views": n} of a public channel's post, read from its public web preview (the
        Post widget page, see ``preview``): the Bot API shows bots no view counts. {} when
        the preview does not show them: a private channel (no @username; nothing is
        asked), a post deleted, a channel gone private or renamed (``metrics_note`` says
        which). Reactions arrive as "reaction" events; the preview shows no forwards."""
        self.metrics_note = ""
        username = str(self.channel.settings.get("username") or "")
        if not username or not re.fullmatch(r"\d+", str(external_id)):
            self.metrics_note = ("not a message id" if username
                                 else "private channel: no public web preview")
            return {}
        message_id = int(external_id)
        response = self.send("GET", preview.post_url(username, message_id),
                             params={"embed": "1", "mode": "tme"},
                             timeout=PREVIEW_TIMEOUT_S)
        raw = {"method": "preview", "status": response.status_code}
        if response.status_code == 429:
            raise _flood(response, {}, raw)
        if response.status_code >= 500:
            raise TransientError(_("Telegram had a problem on its side. smmdesk will try "
                                   "again."), code="server_error", raw=raw)
        if response.status_code != 200:  # a redirect: no such public channel (any more)
            self.metrics_note = f"no public preview (HTTP {response.status_code})"
            return {}
        page = preview.read_page(response.text)
        views = page.views_of(username, message_id)
        if views is None:
            self.metrics_note = page.error or "the preview shows no views for this post"
            return {}
        return {"views": views}

    @classmethod
    def metrics_source(cls, settings: dict) -> MetricsSource:
        """Views from the public web preview of a public channel; none for a private one
        (only an admin user session could read them, which smmdesk does not support)."""
        username = str(settings.get("username") or "")
        if username:
            return MetricsSource("web_preview", _(
                "Views: from the public web preview (%(preview)s), rounded as Telegram "
                "shows them there (1.2K). Subscribers: from the Bot API.")
                % {"preview": preview.preview_url(username).removeprefix("https://")})
        return MetricsSource("unavailable", _(
            "Views: not available — the channel is private, and a bot cannot read views "
            "(statistics through an admin's Telegram session are not supported yet). "
            "Subscribers: from the Bot API."))

    # -- calling the Bot API ------------------------------------------------------

    def _call(self, method: str, payload: dict, *, in_group: bool = False) -> Any:
        """``in_group``: the call acts in the discussion group (or a private chat), whose
        refusals concern comments only and never break the channel."""
        return self._request(method, in_group=in_group, json=payload)

    def _call_files(self, method: str, fields: dict, files: dict[str, MediaFile]) -> Any:
        with ExitStack() as stack:
            parts = {key: (m.name or m.path.name, stack.enter_context(m.path.open("rb")),
                           m.mime) for key, m in files.items()}
            data = {k: v if isinstance(v, str) else str(v) for k, v in fields.items()}
            return self._request(method, data=data, files=parts)

    def _request(self, method: str, *, in_group: bool = False, **kwargs: Any) -> Any:
        url = f"{API}/bot{self.channel.credentials.get('bot_token', '')}/{method}"
        try:
            response = self.send("POST", url, idempotent=method in _READS, **kwargs)
        except AmbiguousError as exc:
            if method not in _REPEATABLE:
                raise
            raise TransientError(_("%(network)s could not be reached. smmdesk will try again.")
                                 % {"network": self.label}, code="unreachable",
                                 raw=exc.raw) from exc
        body = _json(response)
        if response.status_code == 200 and body.get("ok") is True and "result" in body:
            return body["result"]
        raise _api_error(response, body, method, self._who(), in_group)

    def _send_one(self, media: MediaFile, text: str) -> dict:
        method, field = _SINGLE[media.kind]
        fields: dict[str, Any] = {"chat_id": self._chat_id()}
        if text:
            fields["caption"] = text
        if media.kind == MediaKind.VIDEO:
            fields["supports_streaming"] = "true"
        return self._call_files(method, fields, {field: media})

    def _chat_id(self) -> int | str:
        chat_id = self.channel.settings.get("chat_id") or self.channel.external_id
        return int(chat_id) if re.fullmatch(r"-?\d+", str(chat_id)) else chat_id

    def _url(self, message_id: int) -> str:
        username = self.channel.settings.get("username")
        if username:
            return f"https://t.me/{username}/{message_id}"
        return f"https://t.me/c/{_internal_id(self._chat_id())}/{message_id}"

    def _result(self, messages: list[dict]) -> PublishResult:
        ids = [int(m["message_id"]) for m in messages]
        raw = {"message_ids": ids, "date": messages[0].get("date"),
               "media_group_id": messages[0].get("media_group_id")}
        return PublishResult(external_id=str(ids[0]), url=self._url(ids[0]),
                             extra_ids=tuple(str(i) for i in ids[1:]),
                             raw={k: v for k, v in raw.items() if v is not None})

    def _who(self) -> dict[str, str]:
        if self._names:
            return self._names
        settings = self.channel.settings
        bot = settings.get("bot_username")
        token = self.channel.credentials.get("bot_token", "")
        bot_id = settings.get("bot_id") or token.split(":")[0]  # a token starts with the id
        username = settings.get("username")
        return {"bot": f"@{bot}" if bot else f"(id {bot_id})",
                "channel": f"@{username}" if username else f"“{self.channel.name}”"}


# ---------------------------------------------------------------- helpers


def _json(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _album(chat_id: int | str, req: PublishRequest) -> tuple[dict, dict[str, MediaFile]]:
    """sendMediaGroup fields: the media array refers to multipart parts by attach://name."""
    items, files = [], {}
    for n, media in enumerate(req.media):
        key = f"file{n}"
        item: dict[str, Any] = {"type": _ALBUM_TYPE[media.kind], "media": f"attach://{key}"}
        if n == 0 and req.text:
            item["caption"] = req.text
        if media.kind == MediaKind.VIDEO:
            item["supports_streaming"] = True
        items.append(item)
        files[key] = media
    fields = {"chat_id": str(chat_id), "media": json.dumps(items, ensure_ascii=False)}
    return fields, files
