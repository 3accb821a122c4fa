"""What the VK modules share: page sizes, which calls are safe to repeat, and reading
an answer's JSON."""

from __future__ import annotations

import httpx

WALL_PAGE = 100  # wall.get / wall.getComments: "maximum 100"
THREAD_ITEMS = 10  # wall.getComments thread_items_count: maximum 10

# Reads: safe to repeat (the HTTP client retries them on 5xx).
_READS = frozenset({"groups.getById", "groups.get", "groups.getTokenPermissions", "wall.get",
                    "wall.getById", "wall.getComments", "stats.getPostReach",
                    "photos.getWallUploadServer"})
# Calls where "no answer" still means "no post": reads, deletes, and the upload steps
# before wall.post (a stray photo in the wall album is no duplicate post).
_REPEATABLE = _READS | {"wall.delete", "wall.deleteComment", "photos.saveWallPhoto",
                        "video.save"}
_UPLOAD_METHODS = frozenset({"photos.getWallUploadServer", "photos.saveWallPhoto", "video.save"})


def _json(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
