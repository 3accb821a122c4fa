"""Bot API updates (https://core.telegram.org/bots/api#update) as smmdesk's events."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _

from smmdesk.connectors.base import ChannelContext, PermanentError
from smmdesk.connectors.webhooks import WebhookEvent

# The updates we ask for (https://core.telegram.org/bots/api#update): comments and direct
# messages, their edits, and reaction counts of channel posts ("message_reaction_count"
# comes only when asked for by name, and only to a bot that is an admin of the channel).
ALLOWED_UPDATES = ["message", "edited_message", "message_reaction_count"]
# What a comment may carry instead of (or besides) text, in the order we name it.
_MEDIA = ("photo", "video", "animation", "sticker", "voice", "video_note", "audio",
          "document", "poll", "location")


@dataclass(frozen=True)
class _Scope:
    """Whose updates these are: a bot's updates cover every chat it is in, and only those
    of this channel, its discussion group and the bot's private chats become events."""

    account: str  # the channel's external id, as every event carries it
    channel_id: int | None
    group_id: int | None

    @classmethod
    def of(cls, channel: ChannelContext) -> _Scope:
        settings = channel.settings
        return cls(channel.external_id,
                   _number(settings.get("chat_id")) or _number(channel.external_id),
                   _number(settings.get("linked_chat_id")))


def _update_events(update: dict, scope: _Scope) -> list[WebhookEvent]:
    """One Update (https://core.telegram.org/bots/api#update) as events:

    - "comment": a discussion-group message under a post of this channel, external id
      "<group id>:<message id>"; data: text, author_id, author_name, author_username,
      created_at (ISO, UTC), edited_at (edits), media, by_us (written as the channel),
      post_external_id (the channel post's id; "" for a reply to a comment, whose payload
      does not say: the thread tells), parent_external_id (the comment replied to, or ""),
      thread_external_id ("<group id>:<id of the post's copy in the group>").
    - "post": the copy Telegram makes of each channel post in the group, pairing
      thread_external_id with post_external_id, so replies to comments find their post.
    - "message": a direct message to the bot, external id "<chat id>:<message id>".
    - "reaction": new reaction counts of a channel post, external id the post's id.
    Only automatic forwards of this channel's posts exist in its discussion group, so
    they and the comments on them are recognised even before ``linked_chat_id`` is known;
    replies to comments need it. Other chats (plain group chat, other groups the bot is
    in) give nothing."""
    if isinstance(update.get("message_reaction_count"), dict):
        return _reaction_events(update["message_reaction_count"], scope)
    msg = update.get("message") or update.get("edited_message")
    if not isinstance(msg, dict) or not isinstance(msg.get("chat"), dict):
        return []
    if msg["chat"].get("type") == "private":
        return [_event("message", msg, scope, {})]
    if msg.get("is_automatic_forward"):
        post, thread = _post_of(msg, scope), f"{msg['chat'].get('id')}:{msg['message_id']}"
        return [] if post is None else [WebhookEvent(
            "post", scope.account, {"post_external_id": post, "thread_external_id": thread,
                                    "created_at": _iso(msg.get("date"))}, thread)]
    place = _place(msg, scope)
    return [] if place is None else [_event("comment", msg, scope, place)]


def _place(msg: dict, scope: _Scope) -> dict | None:
    """Where a group message sits: under which post, replying to which comment."""
    parent = msg.get("reply_to_message") or {}
    if not parent or msg.get("is_topic_message"):
        return None  # plain group chat, or a forum topic: not a comment on a post
    group = msg["chat"].get("id")
    if parent.get("is_automatic_forward"):
        post = _post_of(parent, scope)
        return None if post is None else {
            "post_external_id": post, "parent_external_id": "",
            "thread_external_id": f"{group}:{parent['message_id']}"}
    thread = msg.get("message_thread_id")
    if group != scope.group_id or thread is None:
        return None
    return {"post_external_id": "", "parent_external_id": f"{group}:{parent['message_id']}",
            "thread_external_id": f"{group}:{thread}"}


def _post_of(copy: dict, scope: _Scope) -> str | None:
    """The post of this channel an automatic forward copies: forward_origin (Bot API 7.0+),
    or forward_from_chat / forward_from_message_id from servers older than that."""
    origin = copy.get("forward_origin") or {}
    chat, message_id = origin.get("chat") or {}, origin.get("message_id")
    if origin.get("type") != "channel":
        chat, message_id = copy.get("forward_from_chat") or {}, copy.get("forward_from_message_id")
    if message_id is None or scope.channel_id is None or chat.get("id") != scope.channel_id:
        return None
    return str(message_id)


def _event(kind: str, msg: dict, scope: _Scope, place: dict) -> WebhookEvent:
    sender = msg.get("sender_chat") or {}
    author = sender or msg.get("from") or {}
    data = {"text": msg.get("text") or msg.get("caption") or "",
            "author_id": str(author.get("id", "")),
            "author_name": sender.get("title") or _user_name(author),
            "author_username": author.get("username", ""),
            "created_at": _iso(msg.get("date")), **place}
    if kind == "comment":
        data["by_us"] = bool(sender) and sender.get("id") == scope.channel_id
    if msg.get("edit_date"):
        data["edited_at"] = _iso(msg["edit_date"])
    media = next((m for m in _MEDIA if m in msg), "")
    if media:
        data["media"] = media
    return WebhookEvent(kind, scope.account, data, f"{msg['chat']['id']}:{msg['message_id']}")


def _reaction_events(update: dict, scope: _Scope) -> list[WebhookEvent]:
    """MessageReactionCountUpdated of a channel post: counts per emoji (custom emoji as
    "custom:<id>", paid stars as "paid"), replacing the earlier counts."""
    if scope.channel_id is None or (update.get("chat") or {}).get("id") != scope.channel_id:
        return []
    counts: dict[str, int] = {}
    for reaction in update.get("reactions") or []:
        kind = reaction.get("type") or {}
        key = kind.get("emoji") or (f"custom:{kind['custom_emoji_id']}"
                                    if kind.get("custom_emoji_id") else kind.get("type", "?"))
        counts[key] = counts.get(key, 0) + int(reaction.get("total_count") or 0)
    post = str(update["message_id"])
    return [WebhookEvent("reaction", scope.account,
                         {"post_external_id": post, "reactions": counts,
                          "total": sum(counts.values()), "created_at": _iso(update.get("date"))},
                         post)]


def _number(value: Any) -> int | None:
    return int(value) if re.fullmatch(r"-?\d+", str(value)) else None


def _user_name(user: dict) -> str:
    return " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p)


def _when(timestamp: Any) -> datetime:
    return datetime.fromtimestamp(int(timestamp or 0), UTC)


def _iso(timestamp: Any) -> str:
    return _when(timestamp).isoformat() if timestamp else ""


def _split_id(external_id: str) -> tuple[int, int]:
    """"<chat id>:<message id>", as comment events name a comment."""
    chat, _sep, message = str(external_id).rpartition(":")
    if not (re.fullmatch(r"-?\d+", chat) and message.isdigit()):
        raise PermanentError(_("Telegram: “%(id)s” does not name a comment.")
                             % {"id": external_id}, code="bad_comment_id")
    return int(chat), int(message)
