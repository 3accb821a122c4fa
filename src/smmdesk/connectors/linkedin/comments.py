"""Comments on a LinkedIn post: /rest/socialActions/{urn}/comments
(https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/
comments-api).

A comment's id here is its URN, ``urn:li:comment:(<target>,<id>)``: the target is the
post's activity (or, for a reply, the comment it answers), which is what deleting and
answering need. LinkedIn nests one level: a reply to a reply joins the top comment.
The API has no way to hide a comment.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.utils import timezone

from smmdesk.connectors.base import PermanentError, RemoteComment
from smmdesk.connectors.linkedin.common import encoded, json_body, query_url

if TYPE_CHECKING:
    from smmdesk.connectors.linkedin import LinkedInConnector

THREADS_MAX = 20  # top comments whose replies are read in one run
_COMMENT_URN = re.compile(r"^urn:li:comment:\((.+),([^,()]+)\)$")


def fetch(api: LinkedInConnector, post_urn: str, *, since: datetime | None
          ) -> list[RemoteComment]:
    """Top comments, then the replies of those that have some."""
    top = _page(api, post_urn)
    items = list(top)
    threads = [c for c in top if _replies(c)][:THREADS_MAX]
    for comment in threads:
        items += _page(api, str(comment.get("commentUrn") or ""))
    comments = [_comment(api, c, post_urn) for c in items if c.get("commentUrn")]
    return [c for c in comments if since is None or c.created_at > since]


def create(api: LinkedInConnector, target: str, text: str, *, parent: str,
           obj: str = "") -> dict:
    """POST a comment on ``target`` (a post, or the comment ``parent`` it answers)."""
    body = {"actor": api.author(), "object": obj or target, "message": {"text": text}}
    if parent:
        body["parentComment"] = parent
    response = api._call("POST", f"socialActions/{encoded(target)}/comments", json=body,
                         create=True, permission=api._write_permission())
    found = json_body(response)
    found.setdefault("commentUrn", response.headers.get("x-restli-id", ""))
    return found


def reply(api: LinkedInConnector, comment: RemoteComment, text: str) -> RemoteComment:
    top = comment.parent_external_id or comment.external_id
    raw = comment.raw if isinstance(comment.raw, dict) else {}
    obj = str(raw.get("object") or "") or _target(top) or comment.post_external_id
    body = create(api, top, text, parent=top, obj=obj)
    return RemoteComment(
        external_id=str(body.get("commentUrn") or ""), post_external_id=comment.post_external_id,
        author_id=api.author(), author_name=api.channel.name, text=text,
        created_at=timezone.now(), parent_external_id=top, by_us=True, raw=body)


def delete(api: LinkedInConnector, comment_urn: str) -> None:
    """DELETE /rest/socialActions/{target}/comments/{id}?actor=...; already gone is fine."""
    match = _COMMENT_URN.match(comment_urn)
    if not match:
        raise PermanentError(f"not a LinkedIn comment URN: {comment_urn}", code="bad_id")
    target, comment_id = match.groups()
    try:
        api._call("DELETE", query_url(f"socialActions/{encoded(target)}/comments/{comment_id}",
                                      {"actor": encoded(api.author())}),
                  permission=api._write_permission())
    except PermanentError as exc:
        if exc.code != "not_found":
            raise


def _page(api: LinkedInConnector, target: str) -> list[dict]:
    body = api._json("GET", query_url(f"socialActions/{encoded(target)}/comments",
                                      {"count": "100"}), permission="r_organization_social")
    return [c for c in body.get("elements") or [] if isinstance(c, dict)]


def _replies(comment: dict) -> int:
    summary = comment.get("commentsSummary") or {}
    return int(summary.get("aggregatedTotalComments") or summary.get(
        "totalFirstLevelComments") or 0)


def _target(comment_urn: str) -> str:
    match = _COMMENT_URN.match(comment_urn)
    return match.group(1) if match else ""


def _actor_name(api: LinkedInConnector, actor: str) -> str:
    """Who wrote a comment, for the inbox. LinkedIn's versioned API answers with the
    author's URN only (reading a member's name needs a permission LinkedIn gives its
    partners alone), so the inbox shows "LinkedIn · <id>", the same in every language,
    rather than a raw URN; the URN stays in ``author_id``."""
    if actor == api.author():
        return api.channel.name
    return f"LinkedIn · {actor.rsplit(':', 1)[-1]}" if actor else "LinkedIn"


def _comment(api: LinkedInConnector, item: dict, post_urn: str) -> RemoteComment:
    actor = str(item.get("actor") or "")
    created = (item.get("created") or {}).get("time") or 0
    return RemoteComment(
        external_id=str(item["commentUrn"]), post_external_id=post_urn, author_id=actor,
        author_name=_actor_name(api, actor),
        text=str((item.get("message") or {}).get("text") or ""),
        created_at=datetime.fromtimestamp(int(created) / 1000, UTC),
        parent_external_id=str(item.get("parentComment") or ""),
        by_us=actor == api.author(), raw=item)
