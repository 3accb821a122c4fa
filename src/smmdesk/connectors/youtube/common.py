"""What the YouTube modules share: addresses, quota figures, reading answers and times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

API = "https://www.googleapis.com/youtube/v3"
UPLOAD_API = "https://www.googleapis.com/upload/youtube/v3"
ANALYTICS_API = "https://youtubeanalytics.googleapis.com/v2/reports"
AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
TOKEN_URL = "https://oauth2.googleapis.com/token"
SCOPES = (
    "https://www.googleapis.com/auth/youtube.upload",
    "https://www.googleapis.com/auth/youtube.force-ssl",
    "https://www.googleapis.com/auth/yt-analytics.readonly",
)
# Quota (developers.google.com/youtube/v3/determine_quota_cost): 10,000 units a day per
# Google Cloud project, reset at midnight Pacific time; videos.insert costs 1,600 units,
# a list call 1, comments/thumbnails/playlistItems writes 50.
DAILY_UNITS = 10_000
UPLOAD_UNITS = 1_600
PACIFIC = ZoneInfo("America/Los_Angeles")
PAGE = 50  # playlistItems.list maxResults: "Acceptable values are 0 to 50"
COMMENT_PAGE = 100  # commentThreads.list maxResults: "1 to 100"
WATCH_URL = "https://www.youtube.com/watch?v={id}"
SHORTS_URL = "https://www.youtube.com/shorts/{id}"


def json_body(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def api_time(value: str | None) -> datetime:
    """"2026-12-01T10:15:30Z" (or with fractions of a second) → an aware datetime."""
    try:
        return datetime.fromisoformat(str(value or "").replace("Z", "+00:00"))
    except ValueError:
        return datetime.fromtimestamp(0, UTC)


def seconds_to_pacific_midnight(now: datetime | None = None) -> float:
    """The daily quota comes back at midnight in California."""
    here = (now or datetime.now(UTC)).astimezone(PACIFIC)
    midnight = datetime.combine(here.date() + timedelta(days=1), datetime.min.time(),
                                tzinfo=PACIFIC)
    return max(60.0, (midnight - here).total_seconds())


def as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
