"""Contract fixtures: recorded request/response pairs from each network's API reference.

A fixture file lives at ``tests/connectors/fixtures/<network>/<name>.json``::

    {
      "source": "https://core.telegram.org/bots/api#sendmessage",
      "request": {"method": "POST", "url": "https://api.telegram.org/bot{token}/sendMessage",
                  "json": {"chat_id": "@zerno_coffee", "text": "Hello"}},
      "response": {"status": 200, "headers": {}, "json": {"ok": true, "result": {...}}}
    }

``request`` may hold ``json`` (a subset the sent JSON body must contain), ``form``
(fields of a urlencoded or multipart body, values as strings, subset), ``files`` (names
of multipart file fields that must be present) and ``params`` (query, subset).
``response`` holds ``json``, or ``text``, or ``text_file`` (a path beside the fixture
whose content is the body, for HTML pages).
``{placeholders}`` in the URL are filled from the ``values`` given to the transport.

``FixtureTransport`` answers each request with the first unused fixture it matches
and fails the test for a request no fixture describes: a connector cannot call an
API method that has no recorded contract.
"""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path
from urllib.parse import parse_qsl

import httpx

FIXTURES = Path(__file__).parent / "fixtures"


class UnexpectedRequest(AssertionError):
    pass


# A public address (example.com's), given to every name a test did not list: the address
# guard lets it through, and nothing connects to it because the transports are fakes.
PUBLIC_ADDRESS = "93.184.215.14"


class FakeDNS:
    """The resolver the address guard uses in tests, so no test asks the DNS: addresses
    (in every spelling getaddrinfo reads, such as 2130706433) stand for themselves,
    localhost is loopback, a name in ``names`` gets its addresses, any other a public one."""

    def __init__(self):
        self.names: dict[str, list[str]] = {}

    def __call__(self, host: str, port: int) -> list[str]:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                       flags=socket.AI_NUMERICHOST)
            return [info[4][0] for info in infos]
        except socket.gaierror:
            pass
        name = host.rstrip(".").lower()
        if name in self.names:
            return list(self.names[name])
        if name == "localhost" or name.endswith(".localhost"):
            return ["127.0.0.1", "::1"]
        return [PUBLIC_ADDRESS]


def fixture_dir(network: str) -> Path:
    """``telegram`` is under tests/connectors/fixtures; ``sources:rss`` under
    tests/sources/fixtures (another app's recorded contracts, same format)."""
    if ":" in network:
        app, sub = network.split(":", 1)
        return FIXTURES.parent.parent / app / "fixtures" / sub
    return FIXTURES / network


def load_fixture(network: str, name: str) -> dict:
    path = fixture_dir(network) / f"{name}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data.setdefault("name", f"{network}/{name}")
    text_file = data.get("response", {}).pop("text_file", None)
    if text_file:  # a long body (an HTML page) kept in a file of its own beside the fixture
        data["response"]["text"] = (path.parent / text_file).read_text(encoding="utf-8")
    return data


def _multipart_fields(request: httpx.Request) -> tuple[dict[str, str], set[str]]:
    ctype = request.headers.get("content-type", "")
    match = re.search(r"boundary=([^;]+)", ctype)
    if not match:
        return {}, set()
    boundary = match.group(1).strip('"').encode()
    fields, files = {}, set()
    for part in request.content.split(b"--" + boundary):
        head, _, body = part.partition(b"\r\n\r\n")
        name = re.search(rb'name="([^"]*)"', head)
        if not name:
            continue
        key = name.group(1).decode()
        if b"filename=" in head:
            files.add(key)
        else:
            fields[key] = body.rstrip(b"\r\n").decode("utf-8", "replace")
    return fields, files


def request_body(request: httpx.Request) -> tuple[dict | None, dict[str, str], set[str]]:
    """(json body, form fields, file field names) of a request."""
    ctype = request.headers.get("content-type", "")
    request.read()
    if ctype.startswith("application/json"):
        return json.loads(request.content or b"null"), {}, set()
    if ctype.startswith("application/x-www-form-urlencoded"):
        return None, dict(parse_qsl(request.content.decode())), set()
    if ctype.startswith("multipart/form-data"):
        fields, files = _multipart_fields(request)
        return None, fields, files
    return None, {}, set()


def _subset(expected, actual) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and _subset(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(expected) == len(actual) and all(
            _subset(e, a) for e, a in zip(expected, actual, strict=True))
    return expected == actual


class FixtureTransport(httpx.BaseTransport):
    def __init__(self, fixtures: list[dict], values: dict[str, str] | None = None):
        self.fixtures = list(fixtures)
        self.values = values or {}
        self.used: list[int] = []  # indexes: the same fixture may be loaded twice
        self.requests: list[httpx.Request] = []

    def _url(self, fixture: dict) -> str:
        return fixture["request"]["url"].format(**self.values)

    def matches(self, fixture: dict, request: httpx.Request) -> bool:
        spec = fixture["request"]
        if spec.get("method", "GET").upper() != request.method:
            return False
        want = httpx.URL(self._url(fixture))
        if (want.scheme, want.host, want.path) != (request.url.scheme, request.url.host,
                                                   request.url.path):
            return False
        params = dict(request.url.params)
        if not _subset(spec.get("params", {}), params):
            return False
        body, form, files = request_body(request)
        if "json" in spec and not _subset(spec["json"], body):
            return False
        if "form" in spec and not _subset(spec["form"], form):
            return False
        return set(spec.get("files", [])) <= files

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        for i, fixture in enumerate(self.fixtures):
            if i not in self.used and self.matches(fixture, request):
                self.used.append(i)
                return self._response(fixture, request)
        body, form, files = request_body(request)
        raise UnexpectedRequest(
            f"no contract fixture for {request.method} {request.url} "
            f"(json={body!r}, form={form!r}, files={sorted(files)!r})")

    def _response(self, fixture: dict, request: httpx.Request) -> httpx.Response:
        spec = fixture["response"]
        if spec.get("raise"):
            raise getattr(httpx, spec["raise"])("recorded transport failure", request=request)
        kwargs = {"headers": spec.get("headers", {})}
        if "json" in spec:
            kwargs["json"] = spec["json"]
        else:
            kwargs["content"] = spec.get("text", "").encode()
        return httpx.Response(spec.get("status", 200), request=request, **kwargs)

    def unused(self) -> list[str]:
        return [f["name"] for i, f in enumerate(self.fixtures) if i not in self.used]
