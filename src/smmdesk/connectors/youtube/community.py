"""Comments: commentThreads.list to read, comments.insert to answer,
comments.setModerationStatus to hide, comments.delete for our own."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone

from smmdesk.connectors.base import PermanentError, RemoteComment
from smmdesk.connectors.youtube.common import API, COMMENT_PAGE, api_time

if TYPE_CHECKING:
    from smmdesk.connectors.youtube import YouTubeConnector

THREAD_PAGES = 5  # at most 500 threads a read (1 unit each page)
_HIDDEN = frozenset({"heldForReview", "likelySpam", "rejected"})


def comments_fetch(api: YouTubeConnector, video_id: str, since: datetime | None
                   ) -> list[RemoteComment]:
    """Newest threads first, page after page until one reaches back past ``since``.
    Without a video id, the threads of every video of the channel. Each thread brings
    its replies (up to five; YouTube keeps the rest behind comments.list)."""
    params = {"part": "snippet,replies", "maxResults": COMMENT_PAGE, "order": "time",
              "textFormat": "plainText"}
    if video_id:
        params["videoId"] = video_id
    else:
        params["allThreadsRelatedToChannelId"] = api.channel.external_id
    found: list[RemoteComment] = []
    for _page in range(THREAD_PAGES):
        try:
            body = api.call("GET", f"{API}/commentThreads", params=params)
        except PermanentError as exc:
            if exc.code == "comments_disabled":
                return []
            raise
        threads = body.get("items") or []
        for thread in threads:
            found += _thread_comments(api, thread)
        oldest = min((c.created_at for c in found), default=None)
        if not body.get("nextPageToken") or (since and oldest and oldest <= since):
            break
        params["pageToken"] = body["nextPageToken"]
    return [c for c in found if since is None or c.created_at > since]


def _thread_comments(api: YouTubeConnector, thread: dict) -> list[RemoteComment]:
    snippet = thread.get("snippet") or {}
    video = str(snippet.get("videoId") or "")
    top = snippet.get("topLevelComment") or {}
    replies = (thread.get("replies") or {}).get("comments") or []
    return [comment_from(api, c, video) for c in (top, *replies) if c.get("id")]


def comment_from(api: YouTubeConnector, item: dict, video_id: str) -> RemoteComment:
    s = item.get("snippet") or {}
    author = str((s.get("authorChannelId") or {}).get("value") or "")
    return RemoteComment(
        external_id=str(item["id"]), post_external_id=str(s.get("videoId") or video_id),
        author_id=author, author_name=str(s.get("authorDisplayName") or ""),
        text=str(s.get("textOriginal") or s.get("textDisplay") or ""),
        created_at=api_time(s.get("publishedAt")),
        parent_external_id=str(s.get("parentId") or ""),
        by_us=bool(author) and author == api.channel.external_id,
        hidden=s.get("moderationStatus") in _HIDDEN, raw=item)


def comment_reply(api: YouTubeConnector, comment: RemoteComment, text: str) -> RemoteComment:
    """comments.insert under the thread's top comment (YouTube threads are one level)."""
    parent = comment.parent_external_id or comment.external_id
    body = api.call("POST", f"{API}/comments", params={"part": "snippet"},
                    json={"snippet": {"parentId": parent, "textOriginal": text}})
    reply = comment_from(api, body, comment.post_external_id)
    return RemoteComment(
        external_id=reply.external_id, post_external_id=comment.post_external_id,
        author_id=reply.author_id or api.channel.external_id,
        author_name=reply.author_name or api.channel.name, text=text,
        created_at=reply.created_at if body.get("snippet", {}).get("publishedAt")
        else timezone.now(), parent_external_id=parent, by_us=True, raw=body)


def comment_moderate(api: YouTubeConnector, comment_id: str, status: str) -> None:
    """setModerationStatus: heldForReview hides a comment until it is published again;
    rejected takes it off the video for good."""
    api.call("POST", f"{API}/comments/setModerationStatus", idempotent=True,
             params={"id": comment_id, "moderationStatus": status})


def comment_delete(api: YouTubeConnector, comment_id: str) -> None:
    """comments.delete works on the channel's own comments; anyone else's is rejected
    (setModerationStatus), which removes it from the video just the same."""
    try:
        api.call("DELETE", f"{API}/comments", params={"id": comment_id})
    except PermanentError as exc:
        if exc.code == "not_found":
            return
        if exc.code != "forbidden":
            raise
        comment_moderate(api, comment_id, "rejected")
