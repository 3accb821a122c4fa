"""The address guard: only public https addresses are called, checked where it counts."""

from __future__ import annotations

import ipaddress
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from smmdesk.lib import http as http_lib
from smmdesk.lib import netguard
from smmdesk.lib.http import HttpClient, HttpFailure
from tests.connectors.contract import FixtureTransport

REFUSED = ["https://127.0.0.1/", "https://localhost/", "https://[::1]/",
           "https://169.254.169.254/latest/meta-data/", "https://10.0.0.1/",
           "https://192.168.1.1/", "https://2130706433/", "https://0x7f000001/",
           "https://0x7f.1/", "https://127.1/", "https://017700000001/",
           "https://[::ffff:127.0.0.1]/", "https://[fc00::1]/", "https://[fe80::1]/",
           "https://[fec0::1]/", "https://[::]/", "https://0.0.0.0/", "https://100.64.0.1/",
           "https://224.0.0.1/", "https://[ff02::1]/", "https://255.255.255.255/",
           "https://240.0.0.1/", "https://[64:ff9b::7f00:1]/", "https://[2002:7f00:1::1]/",
           "https://[64:ff9b:1::1]/", "https://[::127.0.0.1]/", "https://internal.example/",
           "https://split.example/", "http://example.com/", "ftp://example.com/",
           "file:///etc/passwd", "https:///nohost", "not a url"]


@pytest.fixture
def names(fake_dns):
    fake_dns.names.update({"internal.example": ["10.1.2.3"],
                           "split.example": ["93.184.215.14", "::1"]})
    return fake_dns


@pytest.mark.parametrize("url", REFUSED)
def test_it_refuses_what_is_not_a_public_https_address(names, url):
    with pytest.raises(netguard.BlockedAddress):
        netguard.check_url(url)


@pytest.mark.parametrize("url", ["https://example.com/hook", "https://93.184.215.14:8443/",
                                 "https://[2606:4700:4700::1111]/", "https://[64:ff9b::808:808]/",
                                 "https://bücher.example/"])
def test_it_allows_public_https_addresses(names, url):
    netguard.check_url(url)


def test_the_development_setting_allows_plain_http_and_private_addresses(names, settings):
    settings.SMMDESK_ALLOW_PRIVATE_NETWORK = True
    for url in ("http://127.0.0.1:8000/", "https://internal.example/", "http://localhost/"):
        netguard.check_url(url)
    with pytest.raises(netguard.BlockedAddress):
        netguard.check_url("ftp://127.0.0.1/")


@pytest.fixture
def lab(monkeypatch):
    """The narrower development switch for a federated test server on a lab machine."""
    monkeypatch.setenv("SMMDESK_ALLOW_PLAIN_HTTP_PRIVATE", "1")


@pytest.mark.parametrize("url", ["http://10.1.2.3:8080/", "http://internal.example/",
                                 "http://127.0.0.1:3000/", "http://[fd00::7]/",
                                 "https://internal.example/"])
def test_the_plain_http_switch_allows_a_lab_server(names, lab, url):
    netguard.check_url(url)


@pytest.mark.parametrize("url", ["http://example.com/", "http://93.184.215.14/",
                                 "http://169.254.169.254/latest/meta-data/",
                                 "https://169.254.169.254/", "http://split.example/",
                                 "http://[fe80::1]/", "http://0.0.0.0/", "ftp://10.1.2.3/"])
def test_the_plain_http_switch_never_opens_public_or_link_local_addresses(names, lab, url):
    with pytest.raises(netguard.BlockedAddress):
        netguard.check_url(url)


def test_plain_http_is_refused_without_the_switch(names, monkeypatch):
    monkeypatch.delenv("SMMDESK_ALLOW_PLAIN_HTTP_PRIVATE", raising=False)
    assert not netguard.plain_http_allowed()
    for url in ("http://10.1.2.3/", "https://internal.example/"):
        with pytest.raises(netguard.BlockedAddress):
            netguard.check_url(url)


@pytest.mark.parametrize("address", ["::ffff:8.8.8.8", "2001:0:4136:e378:8000:63bf:3fff:fdd2",
                                     "2001:db8::1", "198.51.100.7"])
def test_disguised_and_documentation_addresses_are_not_public(address):
    assert not netguard.is_public(ipaddress.ip_address(address))


def test_the_client_refuses_before_the_transport_with_a_connect_failure(names):
    transport = FixtureTransport([])
    http_lib.set_transport_factory(lambda: transport)
    with HttpClient(retries=0) as http:
        with pytest.raises(HttpFailure) as exc:
            http.request("POST", "https://internal.example/x")
    assert str(exc.value) == "could not connect: ConnectError" and not exc.value.maybe_sent
    assert transport.requests == []
    assert http.trace[0].as_dict()["error"] == "ConnectError"


def test_the_client_does_not_follow_a_redirect(names):
    transport = FixtureTransport([{"name": "moved", "request": {
        "method": "GET", "url": "https://example.com/a"}, "response": {
        "status": 302, "headers": {"Location": "http://127.0.0.1/admin"}}}])
    http_lib.set_transport_factory(lambda: transport)
    with HttpClient(retries=0) as http:
        assert http.request("GET", "https://example.com/a").status_code == 302
        with pytest.raises(ValueError):
            http.request("GET", "https://example.com/a", follow_redirects=True)
    assert len(transport.requests) == 1


class _Answer(BaseHTTPRequestHandler):
    def do_GET(self):
        body = self.headers["Host"].encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_it_connects_to_the_address_it_checked(fake_dns, allow_loopback_http, loopback_server):
    # "pds.test" exists only in the guard's table: the connection reaching the server shows
    # the socket was opened to the checked address, not to a second lookup of the name.
    fake_dns.names["pds.test"] = ["127.0.0.1"]
    with HttpClient(retries=0) as http:
        response = http.request("GET", f"http://pds.test:{loopback_server}/")
    assert response.text == f"pds.test:{loopback_server}"


def test_a_name_that_rebinds_after_the_check_is_refused_at_connect(fake_dns, settings):
    settings.SMMDESK_ALLOW_PRIVATE_NETWORK = False
    """The first lookup (the check before the transport) says public, the one at connect
    time says loopback: the connect-time check refuses, and nothing reaches the port. The
    name is "localhost", so a transport that looked it up again itself would get in."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.3)
    answers = iter([["93.184.215.14"], ["127.0.0.1"]])
    fake_dns.names = _Rebinding(answers)
    http_lib.set_transport_factory(lambda: None)  # the real, guarded transport
    port = listener.getsockname()[1]
    with HttpClient(retries=0, timeout=1) as http, pytest.raises(HttpFailure) as exc:
        http.request("GET", f"https://localhost:{port}/")
    assert not exc.value.maybe_sent
    with pytest.raises(TimeoutError):
        listener.accept()
    listener.close()


class _Rebinding(dict):
    def __init__(self, answers):
        super().__init__()
        self.answers = answers

    def __contains__(self, name):
        return name == "localhost"

    def __getitem__(self, name):
        return next(self.answers)


def test_the_guarded_transport_uses_the_guarded_backend():
    transport = netguard.guarded_transport()
    assert isinstance(transport._pool._network_backend, netguard.GuardedBackend)
    with httpx.Client(transport=transport) as client, pytest.raises(httpx.ConnectError):
        client.get("http://10.0.0.1/")  # refused before any socket: pytest-socket is quiet


@pytest.mark.parametrize(("url", "public"), [
    ("https://smm.zerno.coffee/m/abc/", True),
    ("https://93.184.215.14/m/abc/", True),
    ("http://127.0.0.1:8000/m/abc/", False),
    ("https://10.0.0.7/m/abc/", False),
    ("https://[::ffff:192.168.1.2]/m/", False),
    ("https://desk.local/m/", False),
    ("https://localhost/m/", False),
    ("https://intranet/m/", False),
    ("", False),
])
def test_a_media_address_a_network_must_fetch_is_public(url, public):
    """Instagram, Threads and TikTok download media themselves: a local address is
    refused before the post is sent, without a DNS lookup."""
    assert netguard.public_url(url) is public
