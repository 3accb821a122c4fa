"""What the parts of the Threads connector share: addresses, OAuth, limits, counting."""

from __future__ import annotations

import re
import time
import unicodedata
from typing import Any

import httpx

from smmdesk.connectors.oauth import OAuthSpec

API = "https://graph.threads.net"
GRAPH = f"{API}/v1.0"
ENV_PREFIX = "SMMDESK_THREADS"

# https://developers.facebook.com/docs/threads/get-started/get-access-tokens-and-permissions
# threads_delete is what DELETE /{media} asks for (docs/threads/posts/delete-posts).
SCOPES = ("threads_basic", "threads_content_publish", "threads_manage_replies",
          "threads_read_replies", "threads_manage_insights", "threads_delete")

# The authorization window and the code exchange (POST, with the app secret); Meta
# documents no PKCE for it. "scope: A comma-separated list of permissions".
OAUTH = OAuthSpec(
    authorize_url="https://threads.net/oauth/authorize",
    token_url=f"{API}/oauth/access_token",
    scopes=SCOPES,
    pkce=False,
    scope_separator=",",
    env_prefix=ENV_PREFIX,
)

MB = 2**20
TEXT_MAX = 500  # "Text posts are limited to 500 characters", emojis "as UTF-8 bytes"
LINKS_MAX = 5  # more fail with THREADS_API__LINK_LIMIT_EXCEEDED
CAROUSEL_MIN, CAROUSEL_MAX = 2, 20
POSTS_PER_DAY, REPLIES_PER_DAY = 250, 1000
REPLY_CONTROLS = ("everyone", "accounts_you_follow", "mentioned_only")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
_SEPARATOR = re.compile(r"^[ \t]*-{3,}[ \t]*$", re.M)


def pause(seconds: float) -> None:
    """Every wait of the connector (container processing) goes through here, so tests
    replace it and no worker sleeps longer than the bounded schedules say."""
    time.sleep(seconds)


def text_length(text: str) -> int:
    """Characters as Threads counts them: one each, but an emoji as many as its UTF-8
    bytes (a 😀 is 4, a ❤️ with its variation selector 6)."""
    return sum(len(ch.encode()) if _is_emoji(ch) else 1 for ch in text)


def _is_emoji(ch: str) -> bool:
    code = ord(ch)
    return (code >= 0x1F000 or code in (0x200D, 0xFE0F, 0x20E3)
            or unicodedata.category(ch) == "So")


def link_count(text: str, attachment: str = "") -> int:
    """Unique URLs in the text, plus a link attachment that is not one of them."""
    links = {u.rstrip(".,;:!?)") for u in _URL.findall(text or "")}
    if attachment:
        links.add(attachment)
    return len(links)


def split_parts(text: str) -> list[str]:
    """A thread's posts: split where a line holds only "---", and further at paragraph,
    sentence or word ends where a part is longer than one post may be."""
    chunks = [c.strip() for c in _SEPARATOR.split(text or "")]
    parts = [p for c in chunks if c for p in _fit(c)]
    return parts or [(text or "").strip()]


def _fit(text: str) -> list[str]:
    out = []
    while text_length(text) > TEXT_MAX:
        room = _room(text)
        cut = _cut_at(text, room)
        out.append(text[:cut].strip())
        text = text[cut:].strip()
    return [p for p in [*out, text] if p]


def _room(text: str) -> int:
    """How many leading characters fit in one post."""
    size = 0
    for i, ch in enumerate(text):
        size += len(ch.encode()) if _is_emoji(ch) else 1
        if size > TEXT_MAX:
            return i
    return len(text)


def _cut_at(text: str, room: int) -> int:
    head = text[:room]
    for mark in ("\n\n", ". ", "! ", "? ", "… "):
        at = head.rfind(mark)
        if at > room // 2:
            return at + len(mark)
    at = head.rfind(" ")
    return at if at > 0 else room


def json_body(response: httpx.Response) -> dict | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else {"result": body}


def as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
