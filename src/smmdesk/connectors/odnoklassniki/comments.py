"""Comments under a group topic: discussions.getComments pages (oldest first) as the
inbox keeps them, with the authors' names from the answer's ``entities``. A comment is
known as "<topic id>:<comment id>" (``_comment_ref``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smmdesk.connectors.base import RemoteComment
from smmdesk.connectors.odnoklassniki.common import GROUP_TOPIC, PAGE, _moscow_time

if TYPE_CHECKING:
    from smmdesk.connectors.odnoklassniki import OdnoklassnikiConnector

MAX_PAGES = 50  # 5000 comments: more is not a post, it is a forum


def _comment_pages(api: OdnoklassnikiConnector, topic_id: str) -> list[RemoteComment]:
    found: list[RemoteComment] = []
    anchor = "FIRST"
    for _page in range(MAX_PAGES):
        page = api._call("discussions.getComments", {
            "discussionId": topic_id, "discussionType": GROUP_TOPIC, "anchor": anchor,
            "direction": "FORWARD", "count": PAGE,
            "fields": "comment.*,user.uid,user.name,group.uid,group.name"})
        page = page if isinstance(page, dict) else {}
        names = _names(page.get("entities") or {})
        items = page.get("comments") or []
        found += [_comment(api, topic_id, c, names) for c in items]
        if not items or not page.get("has_more") or not page.get("anchor"):
            break
        anchor = str(page["anchor"])
    return found


def _comment(api: OdnoklassnikiConnector, topic_id: str, c: dict, names: dict[str, str]
             ) -> RemoteComment:
    author = str(c.get("author_id") or "")
    parent = str(c.get("reply_to_comment_id") or "")
    return RemoteComment(
        external_id=_comment_ref(topic_id, c["id"]), post_external_id=topic_id,
        author_id=author,
        author_name=names.get(author, c.get("author_name") or ""),
        text=str(c.get("text") or ""), created_at=_moscow_time(c.get("date")),
        parent_external_id=_comment_ref(topic_id, parent) if parent else "",
        by_us=author == str(api._group_id()), raw=c)


def _comment_ref(topic_id: str, comment_id: object) -> str:
    """smmdesk's id for a comment: "<topic id>:<comment id>". OK's comment calls all need
    the topic (the discussion) as well as the comment."""
    return f"{topic_id}:{comment_id}"


def _names(entities: dict) -> dict[str, str]:
    people = entities.get("users") or []
    groups = entities.get("groups") or []
    return {str(e.get("uid")): str(e.get("name") or "") for e in [*people, *groups]
            if e.get("uid")}
