"""Replies under our posts (recent search by conversation) as comments for the inbox."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime
from django.utils.timezone import now

from smmdesk.connectors.base import RemoteComment

COMMENT_FIELDS = {
    "tweet.fields": "author_id,created_at,conversation_id,in_reply_to_user_id,"
                    "referenced_tweets",
    "expansions": "author_id",
    "user.fields": "username,name",
}


def replied_to(post: dict) -> str:
    """The id of the post ``post`` answers, or ""."""
    for ref in post.get("referenced_tweets") or []:
        if ref.get("type") == "replied_to":
            return str(ref.get("id") or "")
    return ""


def comments_of(data: dict, root: str, own_id: str) -> list[RemoteComment]:
    users = {u["id"]: u for u in (data.get("includes") or {}).get("users") or []}
    out = []
    for post in data.get("data") or []:
        author = users.get(post.get("author_id"), {})
        parent = replied_to(post)
        out.append(RemoteComment(
            external_id=str(post["id"]), post_external_id=root,
            author_id=str(post.get("author_id") or ""),
            author_name=str(author.get("name") or author.get("username") or ""),
            text=str(post.get("text") or ""),
            created_at=parse_datetime(str(post.get("created_at") or "")) or now(),
            parent_external_id="" if parent == root else parent,
            by_us=str(post.get("author_id") or "") == own_id, raw=post))
    return sorted(out, key=lambda c: c.created_at)
