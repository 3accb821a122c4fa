"""What the parts of the LinkedIn connector share: addresses, headers, URNs and the
"little" text format of post commentary."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import quote

import httpx

# The versioned REST API: every call names the version it was written against
# (https://learn.microsoft.com/en-us/linkedin/marketing/versioning). Versions live about
# a year; 202605 is documented as li-lms-2026-05.
LINKEDIN_VERSION = "202605"
API = "https://api.linkedin.com/rest"
USERINFO = "https://api.linkedin.com/v2/userinfo"
POST_URL = "https://www.linkedin.com/feed/update/{urn}/"

# little text format: "Characters reserved for little elements must be escaped to be
# treated as plaintext" (https://learn.microsoft.com/en-us/linkedin/marketing/
# community-management/shares/little-text-format). Unescaped, LinkedIn cuts the
# commentary at the first one and still answers 201. "#" is left alone so hashtags
# stay hashtags (the HashtagElement).
RESERVED = frozenset("\\|{}@[]()<>*_~")
# Inside a web address the characters that are common there (_ ~ * @ |) stay as they
# are, so the link still works; brackets are escaped, a truncated post being worse.
URL_RESERVED = frozenset("\\{}[]()<>")
_URL = re.compile(r"https?://[^\s]+")
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)


def little_text(text: str) -> str:
    """Plain text as little text: every reserved character escaped with a backslash."""
    out, pos = [], 0
    for match in _URL.finditer(text):
        out.append(_escape(text[pos:match.start()], RESERVED))
        out.append(_escape(match.group(0), URL_RESERVED))
        pos = match.end()
    out.append(_escape(text[pos:], RESERVED))
    return "".join(out)


def plain_text(little: str) -> str:
    """little text back to what a person wrote (escapes removed), for matching."""
    return _ESCAPED.sub(lambda m: m.group(1), little or "")


def _escape(text: str, reserved: frozenset[str]) -> str:
    return "".join("\\" + ch if ch in reserved else ch for ch in text)


def encoded(urn: str) -> str:
    """A URN as one path segment or Rest.li 2.0 query value: fully percent-encoded."""
    return quote(urn, safe="")


def query_url(path: str, params: dict[str, str]) -> str:
    """An API address with a Rest.li 2.0 query: values are passed as they are, so a
    caller encodes URNs with ``encoded`` and keeps List(...) syntax readable."""
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{API}/{path}?{query}" if query else f"{API}/{path}"


def headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "LinkedIn-Version": LINKEDIN_VERSION,
            "X-Restli-Protocol-Version": "2.0.0"}


def json_body(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {"elements": body}


def person_urn(sub: str) -> str:
    return f"urn:li:person:{sub}"


def org_urn(org_id: Any) -> str:
    return f"urn:li:organization:{org_id}"


def is_org(urn: str) -> bool:
    return urn.startswith("urn:li:organization:")


def sleep(seconds: float) -> None:
    """Waits between status checks go through here, so tests can stub them."""
    time.sleep(seconds)
