"""Replies and mentions as smmdesk keeps them: a status below one of our posts as a
comment, a mention notification as an event."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smmdesk.connectors.base import PermanentError, RemoteComment
from smmdesk.connectors.mastodon.text import _spoiled, _status_url, _when
from smmdesk.connectors.webhooks import WebhookEvent

if TYPE_CHECKING:
    from smmdesk.connectors.mastodon import MastodonConnector


def _comment(api: MastodonConnector, status: dict, post_id: str) -> RemoteComment:
    account = status.get("account") or {}
    parent = str(status.get("in_reply_to_id") or "")
    return RemoteComment(
        external_id=str(status["id"]), post_external_id=post_id,
        author_id=str(account.get("id", "")),
        author_name=account.get("display_name") or account.get("acct", ""),
        text=_spoiled(status), created_at=_when(status["created_at"]),
        parent_external_id="" if parent == post_id else parent,
        by_us=str(account.get("id")) == api._account_id(), raw=status)


def _event(api: MastodonConnector, note: dict, roots: dict[str, str]) -> WebhookEvent:
    """A mention notification; its data carries the keys ``Connector.event_comment``
    reads, with the ids ``_comment`` gives the same status: post_external_id is the
    thread's first status (``roots``), parent_external_id the status answered unless that
    is the first. A direct message has no post."""
    status, account = note["status"], note.get("account") or {}
    replied = str(status.get("in_reply_to_id") or "")
    if status.get("visibility") == "direct":
        kind = "message"
    elif str(status.get("in_reply_to_account_id")) == api._account_id():
        kind = "comment"
    else:
        kind = "mention"
    post = roots.get(replied, "") if kind != "message" else ""
    data = {"notification_id": str(note["id"]), "status_id": str(status["id"]),
            "in_reply_to_id": replied,
            "author_id": str(account.get("id", "")), "author_acct": account.get("acct", ""),
            "author_name": account.get("display_name") or account.get("acct", ""),
            "text": _spoiled(status), "url": _status_url(status),
            "visibility": status.get("visibility", ""), "created_at": status["created_at"],
            "post_external_id": post, "parent_external_id": "" if replied == post else replied,
            "by_us": str(account.get("id")) == api._account_id()}
    return WebhookEvent(kind=kind, account_id=api.channel.external_id, data=data,
                        external_id=str(status["id"]))


def _roots(api: MastodonConnector, statuses: list[dict]) -> dict[str, str]:
    """The first status of the thread each public reply is in, by the id it answers: a
    notification names only the status answered, which may be our post or a reply under
    it. One GET /api/v1/statuses/:id/context per status answered (``ancestors`` start at
    the thread's first); a thread we may not see (deleted, private) is left out."""
    roots: dict[str, str] = {}
    for status in statuses:
        replied = str(status.get("in_reply_to_id") or "")
        if not replied or replied in roots or status.get("visibility") == "direct":
            continue
        try:
            context = api._json("GET", f"/api/v1/statuses/{status['id']}/context")
        except PermanentError as exc:
            if exc.channel_broken:
                raise
            context = {}
        ancestors = (context.get("ancestors") if isinstance(context, dict) else None) or [{}]
        roots[replied] = str(ancestors[0].get("id") or "")
    return roots
