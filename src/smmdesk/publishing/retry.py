"""When to try again, by error class. See ARCHITECTURE.md, "Publishing: the guarantees"."""

from __future__ import annotations

import random

# Seconds before the n-th retry of a transient failure (n starts at 1).
TRANSIENT_BACKOFF = (15, 60, 300, 900, 1800, 3600)
MAX_PUBLISH_ATTEMPTS = len(TRANSIENT_BACKOFF) + 1
# Seconds before the n-th look on the network for an unconfirmed publication.
CHECK_BACKOFF = (5, 30, 120, 600, 1800)
MAX_CHECKS = len(CHECK_BACKOFF)


def _jitter(seconds: float) -> float:
    return seconds * random.uniform(0.85, 1.15)


def transient_delay(attempt: int, retry_after: float | None) -> float | None:
    """Seconds to wait after the ``attempt``-th failed try; None: give up."""
    if attempt >= MAX_PUBLISH_ATTEMPTS:
        return None
    backoff = _jitter(TRANSIENT_BACKOFF[attempt - 1])
    return max(backoff, retry_after or 0.0)


def check_delay(check: int) -> float | None:
    """Seconds before the next look after ``check`` looks; None: ask a person."""
    if check >= MAX_CHECKS:
        return None
    return _jitter(CHECK_BACKOFF[check])
