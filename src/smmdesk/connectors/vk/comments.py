"""Comments on the wall: a post's threads as wall.getComments gives them, and the
Callback API events that announce new comments, messages and posts (and the comments and
messages among them as the inbox keeps them)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from smmdesk.connectors.base import RemoteComment
from smmdesk.connectors.vk.common import THREAD_ITEMS, WALL_PAGE
from smmdesk.connectors.webhooks import (
    MalformedEvent,
    WebhookEvent,
    event_dict,
    event_int,
    event_list,
    event_text,
    event_timestamp,
)

if TYPE_CHECKING:
    from smmdesk.connectors.vk import VKConnector


def _comment_pages(api: VKConnector, post_id: int) -> list[RemoteComment]:
    found: list[RemoteComment] = []
    offset = 0
    for _page in range(50):  # 5000 top-level comments: more is not a post, it is a forum
        page = api._call("wall.getComments", {
            "owner_id": api._owner_id(), "post_id": post_id, "count": WALL_PAGE,
            "offset": offset, "sort": "asc", "extended": 1,
            "thread_items_count": THREAD_ITEMS})
        names = _names(page)
        items = page.get("items", [])
        for item in items:
            found += _with_thread(api, post_id, item, names)
        offset += len(items)
        if not items or offset >= int(page.get("current_level_count")
                                      or page.get("count") or 0):
            break
    return found


def _with_thread(api: VKConnector, post_id: int, item: dict, names: dict[int, str]
                 ) -> list[RemoteComment]:
    thread = item.get("thread") or {}
    replies = thread.get("items") or []
    if int(thread.get("count") or 0) > len(replies):
        page = api._call("wall.getComments", {
            "owner_id": api._owner_id(), "post_id": post_id, "comment_id": item["id"],
            "count": WALL_PAGE, "sort": "asc", "extended": 1})
        names = names | _names(page)
        replies = page.get("items", [])
    parent = str(item["id"])
    return [_comment(api, post_id, c, names, parent if c is not item else "")
            for c in (item, *replies) if not c.get("deleted")]


def _comment(api: VKConnector, post_id: int, c: dict, names: dict[int, str], top: str
             ) -> RemoteComment:
    author = int(c.get("from_id") or 0)
    parent = str(c["reply_to_comment"]) if c.get("reply_to_comment") else top
    return RemoteComment(
        external_id=str(c["id"]), post_external_id=str(post_id), author_id=str(author),
        author_name=names.get(author, ""), text=c.get("text", ""),
        created_at=datetime.fromtimestamp(int(c.get("date") or 0), UTC),
        parent_external_id=parent, by_us=author == api._owner_id(), raw=c)


def _names(page: dict) -> dict[int, str]:
    names = {int(p["id"]): f"{p.get('first_name', '')} {p.get('last_name', '')}".strip()
             for p in page.get("profiles") or []}
    return names | {-int(g["id"]): g.get("name", "") for g in page.get("groups") or []}


_EVENT_KINDS = {"wall_reply_new": "comment", "message_new": "message", "wall_post_new": "post"}


def _callback_event(body: dict) -> WebhookEvent | None:
    """The event of one Callback API request; ``MalformedEvent`` when the fields the inbox
    reads do not have the types VK documents (numbers for ids and times, text for text)."""
    kind = _EVENT_KINDS.get(str(body.get("type")))
    if kind is None:
        return None
    obj = event_dict(body.get("object"), "object")
    item = obj.get("message", obj) if kind == "message" else obj
    _check_item(event_dict(item, "object.message"), kind)
    external_id = _message_id(item) if kind == "message" else str(item.get("id", ""))
    return WebhookEvent(kind=kind, account_id=str(body.get("group_id")),
                        external_id=external_id,
                        data={"type": body["type"], "event_id": body.get("event_id", ""),
                              "object": obj})


def _check_item(item: dict, kind: str) -> None:
    """Ids are numbers (authors and owners signed: a community is negative), the time is
    epoch seconds within a sane window, texts are text."""
    event_int(item.get("id"), "id", signed=False, required=kind != "message")
    event_int(item.get("from_id"), "from_id", required=False)
    event_timestamp(item.get("date"), "date")
    event_text(item.get("text"), "text")
    for name in ("owner_id", "peer_id", "post_owner_id"):
        event_int(item.get(name), name, required=False)
    for name in ("post_id", "reply_to_comment", "conversation_message_id"):
        event_int(item.get(name), name, signed=False, required=False)
    for n, parent in enumerate(event_list(item.get("parents_stack"), "parents_stack")):
        event_int(parent, f"parents_stack[{n}]", signed=False)
    if kind == "message" and not _message_id(item):
        raise MalformedEvent("the message has neither an id nor a conversation number")


def _message_id(message: dict) -> str:
    """A community message's id; in a group chat VK gives bots id 0, and the message is
    known by its chat (peer_id) and its number there (conversation_message_id)."""
    if int(message.get("id") or 0):
        return str(message["id"])
    if message.get("peer_id") and message.get("conversation_message_id"):
        return f"{message['peer_id']}_{message['conversation_message_id']}"
    return ""


def _callback_comment(event: WebhookEvent) -> RemoteComment | None:
    """A "comment" (wall_reply_new) as ``_comment`` reads the same comment from
    wall.getComments: its id, the post's id, the comment it answers. A "message"
    (message_new) has no post. Callbacks carry no names, so the author is named by VK's
    address for them (id123, club123). Anything else is not something a person wrote."""
    data = event.data if isinstance(event.data, dict) else {}
    obj = data.get("object") if isinstance(data.get("object"), dict) else {}
    # The community writes as its owner id, the group id negated.
    owner = -int(event.account_id) if event.account_id.lstrip("-").isdigit() else 0
    if event.kind == "comment" and data.get("type") == "wall_reply_new" and obj.get("id"):
        stack = obj.get("parents_stack") or []  # VK threads are one level deep
        parent = obj.get("reply_to_comment") or (stack[-1] if stack else "")
        return _written(obj, str(obj["id"]), str(obj.get("post_id") or ""), str(parent or ""),
                        owner)
    message = obj.get("message", obj)
    if event.kind == "message" and data.get("type") == "message_new" and _message_id(message):
        return _written(message, _message_id(message), "", "", owner,
                        out=bool(message.get("out")))
    return None


def _written(item: dict, external_id: str, post: str, parent: str, owner: int, *,
             out: bool = False) -> RemoteComment:
    author = int(item.get("from_id") or 0)
    date = int(item.get("date") or 0)
    return RemoteComment(
        external_id=external_id, post_external_id=post, author_id=str(author),
        author_name=(f"club{-author}" if author < 0 else f"id{author}") if author else "",
        text=str(item.get("text") or ""),
        created_at=datetime.fromtimestamp(date, UTC) if date else datetime.now(UTC),
        parent_external_id=parent, by_us=out or (bool(owner) and author == owner), raw=item)
