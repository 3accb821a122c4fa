"""What the OK.ru modules share: the API address, the request signature, which calls are
safe to repeat, and reading an answer's JSON."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx

API = "https://api.ok.ru/fb.do"
GROUP_TOPIC = "GROUP_TOPIC"  # discussionType / entityType of a group's topic
PAGE = 100  # discussions.getComments / group.getUserGroupsV2: page size we ask for
TOPICS_PAGE = 50  # mediatopic.getTopics: the latest topics find_published reads
# OK gives dates as "yyyy-MM-dd HH:mm:ss" in Moscow time (no daylight saving since 2014).
MOSCOW = timezone(timedelta(hours=3))

# Reads: safe to repeat (the HTTP client retries them on 5xx).
_READS = frozenset({"users.getCurrentUser", "group.getUserGroupsV2", "group.getInfo",
                    "group.getCounters", "group.getStatTopic", "mediatopic.getByIds",
                    "mediatopic.getTopics", "discussions.getComments",
                    "photosV2.getUploadUrl"})
# Calls where "no answer" still means "no post": reads, deletes, and the upload steps
# before mediatopic.post (a stray upload ticket is no duplicate post).
_REPEATABLE = _READS | {"mediatopic.deleteTopic", "discussions.deleteDiscussionComment",
                        "video.getUploadUrl"}
# Never signed: the token travels beside the signature (apiok.ru/dev/methods).
_UNSIGNED = frozenset({"sig", "access_token", "session_key"})


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest().lower()


def signature(params: dict[str, str], *, access_token: str, app_secret: str) -> str:
    """OK's request signature (https://apiok.ru/dev/methods, "Расчет подписи запроса"):
    session_secret_key = md5(access_token + application_secret_key); the parameters but
    the token and ``sig``, sorted by name and joined as ``k=v`` with nothing between,
    then ``sig = md5(joined + session_secret_key)``, lowercase hex."""
    secret = md5_hex(access_token + app_secret)
    joined = "".join(f"{k}={params[k]}" for k in sorted(params) if k not in _UNSIGNED)
    return md5_hex(joined + secret)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _moscow_time(value: Any) -> datetime:
    """An OK date ("2026-01-05 14:03:11", Moscow time) or epoch milliseconds, in UTC."""
    if isinstance(value, int | float) or str(value or "").isdigit():
        return datetime.fromtimestamp(int(value) / 1000, UTC)
    try:
        return datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S").replace(
            tzinfo=MOSCOW).astimezone(UTC)
    except ValueError:
        return datetime.now(UTC)
