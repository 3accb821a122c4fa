"""Connecting a channel: what the person typed (a bot token, a channel's @name, link or
id) as Bot API values, and the checks that the bot may post in the channel."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from smmdesk.connectors.base import ConnectResult, PermanentError
from smmdesk.connectors.telegram.errors import _not_admin_message

_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
_LINK = re.compile(r"(?:https?://)?(?:www\.)?(?:t|telegram)\.me/(?P<rest>[^?#]+)", re.I)
_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")


def _chat_ref(text: str) -> int | str:
    """What the person typed (@name, name, a t.me link, -100… id) -> Bot API chat_id."""
    text = text.strip()
    link = _LINK.fullmatch(text)
    if link:
        parts = link.group("rest").strip("/").split("/")
        if parts[0] == "s" and len(parts) > 1:  # the web preview: t.me/s/<name>
            parts = parts[1:]
        if parts[0] == "c" and len(parts) > 1 and parts[1].isdigit():
            return int("-100" + parts[1])  # a private channel's post link: t.me/c/<id>/<n>
        if parts[0].startswith("+") or parts[0] == "joinchat":
            raise PermanentError(_(
                "Telegram: an invite link cannot be used to connect. Enter the channel's "
                "numeric id (it starts with -100), or the link of one of its posts "
                "(t.me/c/…)."), code="invite_link")
        text = parts[0]
    if re.fullmatch(r"-\d+", text):
        return int(text)
    name = text.removeprefix("@")
    if _USERNAME.fullmatch(name):
        return "@" + name
    raise PermanentError(_(
        "Telegram: “%(chat)s” is not a channel name or link. Enter the channel as @username, "
        "as a t.me link, or as its numeric id (it starts with -100).") % {"chat": text},
        code="bad_chat")


def _shown_chat(chat: dict) -> str:
    return f"@{chat['username']}" if chat.get("username") else f"“{chat.get('title', '')}”"


def _require_channel(chat: dict, who: dict[str, str]) -> None:
    if chat.get("type") != "channel":
        raise PermanentError(_(
            "Telegram: %(channel)s is not a channel. smmdesk posts to Telegram channels; "
            "enter a channel the bot is an admin of.") % who, code="not_a_channel")


def _require_poster(member: dict, who: dict[str, str]) -> None:
    if member.get("status") != "administrator":
        raise PermanentError(_not_admin_message(who), code="not_admin")
    if not member.get("can_post_messages"):
        raise PermanentError(_(
            "Telegram: the bot %(bot)s is an admin of %(channel)s but may not post messages — "
            "in the channel's admin list, turn on “Post messages” for the bot, then connect "
            "again.") % who, code="cannot_post")


def _connect_result(token: str, bot: dict, chat: dict) -> ConnectResult:
    username = chat.get("username") or ""
    return ConnectResult(
        external_id=str(chat["id"]),
        name=chat.get("title") or username,
        credentials={"bot_token": token},
        settings={"chat_id": chat["id"], "username": username,
                  "bot_username": bot.get("username", ""), "bot_id": bot["id"],
                  "linked_chat_id": chat.get("linked_chat_id")},  # the discussion group
        url=f"https://t.me/{username}" if username else "",
    )


def _internal_id(chat_id: int | str) -> str:
    """-1001234567890 -> 1234567890, the id in t.me/c/ links of private channels."""
    text = str(chat_id)
    return text[4:] if text.startswith("-100") else text.lstrip("-")
