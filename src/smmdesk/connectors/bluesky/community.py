"""Replies and notifications as smmdesk keeps them: a post below one of ours as a
comment, a reply, mention or quote notification as an event, and such an event as the
same comment ``fetch_comments`` gives."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from smmdesk.connectors.base import RemoteComment
from smmdesk.connectors.bluesky.common import _EVENT_KINDS, _created, _parse_time, _strong
from smmdesk.connectors.webhooks import WebhookEvent

if TYPE_CHECKING:
    from smmdesk.connectors.bluesky import BlueskyConnector


def _comment(api: BlueskyConnector, post: dict, post_id: str, hidden: set[str]) -> RemoteComment:
    record, author = post.get("record") or {}, post.get("author") or {}
    reply = record.get("reply") or {}
    ref = {"uri": post["uri"], "cid": post["cid"]}
    return RemoteComment(
        external_id=post["uri"], post_external_id=post_id,
        author_id=author.get("handle") or author.get("did", ""),
        author_name=author.get("displayName") or author.get("handle", ""),
        text=str(record.get("text", "")), created_at=_created(record, post),
        parent_external_id=(reply.get("parent") or {}).get("uri", ""),
        by_us=author.get("did") == api._did(), hidden=post["uri"] in hidden,
        raw={"ref": ref, "root": _strong(reply.get("root") or ref),
             "author_did": author.get("did", "")})


def _event(api: BlueskyConnector, n: dict) -> WebhookEvent:
    record, author = n.get("record") or {}, n.get("author") or {}
    reply = record.get("reply") or {}
    return WebhookEvent(kind=_EVENT_KINDS[n["reason"]], account_id=api._did(),
                        external_id=str(n.get("uri", "")), data={
                            "reason": n["reason"], "uri": n.get("uri"),
                            "cid": n.get("cid"), "text": record.get("text", ""),
                            "created_at": record.get("createdAt") or n.get("indexedAt"),
                            "author_did": author.get("did"),
                            "author_handle": author.get("handle"),
                            "author_name": author.get("displayName") or author.get("handle"),
                            "subject": n.get("reasonSubject", ""),
                            "parent_uri": (reply.get("parent") or {}).get("uri", ""),
                            "root_uri": (reply.get("root") or {}).get("uri", "")})


def _event_comment(event: WebhookEvent) -> RemoteComment | None:
    """A "comment" (a reply) or "mention" (a mention or a quote) as ``_comment`` reads the
    same post from getPostThread: under its thread's root (for a quote, the post it
    quotes), answering its parent post, by an author named by handle."""
    d = event.data if isinstance(event.data, dict) else {}
    if event.kind not in ("comment", "mention") or not str(event.external_id).startswith(
            "at://"):
        return None
    quote = d.get("reason") == "quote"
    did = str(d.get("author_did") or "")
    return RemoteComment(
        external_id=event.external_id,
        post_external_id=str((d.get("subject") if quote else d.get("root_uri")) or ""),
        author_id=str(d.get("author_handle") or did),
        author_name=str(d.get("author_name") or d.get("author_handle") or ""),
        text=str(d.get("text") or ""),
        created_at=_parse_time(d.get("created_at")) or datetime.now(UTC),
        parent_external_id="" if quote else str(d.get("parent_uri") or ""),
        by_us=bool(did) and did == event.account_id, raw=d)
