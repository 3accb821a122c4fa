"""What the Mastodon modules share: the scopes we ask for, and a stock server's limits."""

from __future__ import annotations

# https://docs.joinmastodon.org/api/oauth-scopes/#granular-scopes : the least we need.
# read:accounts works on every version (``profile`` only since 4.3). read:search: a
# mention listening found on another server is looked up from ours before we answer it.
SCOPES = ("read:accounts", "read:statuses", "read:notifications", "read:search",
          "write:statuses", "write:media")
MB = 2**20
# Defaults of a stock server (GET /api/v2/instance, configuration.*): 500 characters,
# 4 files, a link counts as 23 characters, images up to 16 MB, videos up to 99 MB
# (https://docs.joinmastodon.org/methods/instance/#v2). A server may change them.
DEFAULT_MAX_CHARACTERS = 500
DEFAULT_MAX_MEDIA = 4
DEFAULT_URL_CHARACTERS = 23
DEFAULT_DESCRIPTION_LIMIT = 1500
IMAGE_MAX_BYTES = 16 * MB
VIDEO_MAX_BYTES = 103_809_024
VISIBILITIES = ("public", "unlisted", "private")
# Servers that only know the coarse scopes (GoToSocial before 0.19: "scopes can be any
# space-separated combination of read, write, admin", docs/api/authentication.md) are
# asked for these instead; they cover ours (_require_scopes accepts them).
COARSE_SCOPES = ("read", "write")
# "Idempotency keys are stored for up to 1 hour" (POST /api/v1/statuses, header
# Idempotency-Key): a part resent later than this is a new status on Mastodon too.
IDEMPOTENCY_WINDOW_S = 3600
# How far back a resend looks for the parts of a post already out.
RESEND_LOOKBACK_S = 24 * 3600
