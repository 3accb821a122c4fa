"""What the X modules share: addresses, the API tiers and what each allows."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from smmdesk.lib.env import env

API = "https://api.x.com/2"
WEB = "https://x.com"
TOKEN_URL = f"{API}/oauth2/token"
AUTHORIZE_URL = "https://x.com/i/oauth2/authorize"
# tweet.moderate.write: hiding replies (PUT /2/tweets/:id/hidden) needs it.
SCOPES = ("tweet.read", "tweet.write", "users.read", "offline.access", "media.write",
          "tweet.moderate.write")
REQUIRED_SCOPES = ("tweet.write", "offline.access", "media.write")
ENV_PREFIX = "SMMDESK_X"

TEXT_MAX = 280  # weighted characters (https://docs.x.com/fundamentals/counting-characters)
URL_WEIGHT = 23  # every link counts as a t.co link
IMAGE_MAX_BYTES = 5 * 2**20  # https://docs.x.com/x-api/media/quickstart/best-practices
GIF_MAX_BYTES = 15 * 2**20
VIDEO_MAX_BYTES = 512 * 2**20
CHUNK_BYTES = 4 * 2**20  # APPEND takes at most 5 MB a segment; 4 MB leaves room
POLL_OPTIONS = (2, 4)
POLL_OPTION_MAX = 25
POLL_MINUTES = (5, 10080)  # five minutes to seven days
ACCESS_TOKEN_LIFE = timedelta(hours=2)
MEDIA_WAIT_MAX = 300  # seconds of STATUS polling before "try again later"


@dataclass(frozen=True)
class Tier:
    """One X API access level, as https://docs.x.com/x-api/fundamentals/rate-limits and
    the pricing page described it (December 2026). The caps are per developer app
    (the deployment's), except ``posts_per_day_user``, which is per connected account."""

    code: str
    posts_per_month: int | None  # app-wide cap of created posts; None: by contract
    posts_per_day_user: int  # POST /2/tweets per user per 24 hours
    reads_per_month: int | None  # posts read back (lookups, timelines, search)
    reads: bool  # whether smmdesk reads at all on this tier (comments, metrics, lookups)


TIERS: dict[str, Tier] = {
    "free": Tier("free", 500, 17, 100, reads=False),
    "basic": Tier("basic", 50_000, 100, 15_000, reads=True),
    "pro": Tier("pro", 300_000, 100 * 96, 1_000_000, reads=True),
    "enterprise": Tier("enterprise", None, 100 * 96, None, reads=True),
}


def tier_of(settings: dict | None) -> Tier:
    """The tier stored with the channel, else the deployment's (SMMDESK_X_TIER), else
    Free: the cheapest assumption never spends reads the app does not have."""
    code = str((settings or {}).get("tier") or env(f"{ENV_PREFIX}_TIER") or "free").lower()
    return TIERS.get(code.strip(), TIERS["free"])


def post_url(username: str, post_id: str) -> str:
    return f"{WEB}/{username or 'i/web'}/status/{post_id}"


def sleep(seconds: float) -> None:
    """Every wait of this connector, in one place the tests replace."""
    time.sleep(seconds)
