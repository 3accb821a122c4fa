"""Links that come from outside (a network's answer, a receiver's JSON, a person's form)
and end up in an ``href``."""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_LENGTH = 500  # the URLField the links are stored in


def safe_http_url(value: object, *, max_length: int = MAX_LENGTH) -> str:
    """``value`` when it is an absolute http(s) link with a host, else "".

    A link is kept whole or dropped: ``javascript:``, ``data:``, relative and
    scheme-relative links, and anything with whitespace or control characters (browsers
    drop a tab or a newline inside ``java\\tscript:``) are dropped, and so is a link too
    long to store, since a cut one would lead somewhere else."""
    if not isinstance(value, str):
        return ""
    url = value.strip()
    if not url or len(url) > max_length or any(c.isspace() or ord(c) < 32 or ord(c) == 127
                                               for c in url):
        return ""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return ""
    return url if parts.scheme.lower() in ("http", "https") and host else ""
