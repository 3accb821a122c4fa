"""The fixture recorder: every exchange with a network written as a contract fixture.

Contract tests replay request/response pairs recorded from each network
(``tests/connectors/contract.py``). Most were written from the networks' API
references, because the networks cannot be reached from where smmdesk is built. A
developer who has a real account records the real thing instead: with
``SMMDESK_RECORD_FIXTURES=<folder>`` set, ``HttpClient`` writes each exchange to that
folder in the fixture format, secrets masked, ready to be replayed by the tests::

    SMMDESK_RECORD_FIXTURES=/tmp/rec smmdesk run     # publish, read comments...
    ls /tmp/rec   # 0001.api.linkedin.com.rest.posts.json ...

Secrets (tokens, app passwords) never reach the file: in the URL they become
``{token}`` (the placeholder ``FixtureTransport`` fills), elsewhere ``***``. Only the
response headers that connectors read are kept. Never set it in production: the files
hold people's posts and comments.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl

import httpx

# Response headers that connectors read (rate limits, upload sessions, ids); the rest
# (cookies, tracing) is noise or private.
KEPT_HEADERS = re.compile(
    r"^(content-type|retry-after|location|x-restli-id|x-linkedin-id|etag|range|"
    r"x-goog-upload-.*|x-ratelimit-.*|ratelimit-.*|x-rate-limit-.*|x-app-usage|"
    r"x-business-use-case-usage|x-user-limit-.*|x-app-limit-.*)$", re.I)
_counter = itertools.count(1)
_lock = threading.Lock()


def fixture_of(response: httpx.Response, mask: Callable[[str], str]) -> dict:
    """One exchange in the contract fixture format, secrets masked."""
    request = response.request
    url = request.url.copy_with(query=None)
    spec: dict = {"method": request.method,
                  "url": _mask_url(str(url), mask)}
    params = {k: mask(v) for k, v in request.url.params.items()}
    if params:
        spec["params"] = params
    spec.update(_body(request, mask))
    return {"source": "recorded by smmdesk.lib.recorder", "request": spec,
            "response": _response(response, mask)}


def record(folder: str, response: httpx.Response, mask: Callable[[str], str]) -> Path:
    """Write the exchange to ``folder`` under a numbered name; returns the file."""
    data = fixture_of(response, mask)
    with _lock:
        number = next(_counter)
    host_path = f"{response.request.url.host}{response.request.url.path}"
    name = f"{number:04d}." + re.sub(r"[^A-Za-z0-9.]+", ".", host_path).strip(".")[:120]
    target = Path(folder) / f"{name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return target


def _mask_url(url: str, mask: Callable[[str], str]) -> str:
    escaped = url.replace("{", "{{").replace("}", "}}")
    return mask(escaped).replace("***", "{token}")


def _body(request: httpx.Request, mask: Callable[[str], str]) -> dict:
    ctype = request.headers.get("content-type", "")
    try:
        content = request.content  # a streamed upload has none to show
    except httpx.RequestNotRead:
        return {}
    if ctype.startswith("application/json") and content:
        return {"json": json.loads(mask(content.decode("utf-8", "replace")))}
    if ctype.startswith("application/x-www-form-urlencoded"):
        return {"form": {k: mask(v) for k, v in parse_qsl(content.decode())}}
    if ctype.startswith("multipart/form-data"):
        files = re.findall(rb'name="([^"]*)"; filename=', content)
        return {"files": sorted({f.decode() for f in files})}
    return {}


def _response(response: httpx.Response, mask: Callable[[str], str]) -> dict:
    out: dict = {"status": response.status_code,
                 "headers": {k: mask(v) for k, v in response.headers.items()
                             if KEPT_HEADERS.match(k)}}
    text = mask(response.text)
    if "json" in response.headers.get("content-type", ""):
        try:
            out["json"] = json.loads(text)
            return out
        except ValueError:
            pass
    out["text"] = text
    return out
