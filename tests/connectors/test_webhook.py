"""The webhook connector: our own small protocol, signed, with lookup by marker."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from smmdesk.connectors.base import (
    AmbiguousError,
    ChannelContext,
    Found,
    MediaFile,
    MediaKind,
    PermanentError,
    PublishRequest,
    TransientError,
)
from smmdesk.connectors.webhook import WebhookConnector
from smmdesk.lib.http import HttpClient
from tests.connectors.contract import request_body
from tests.files import png_bytes

SECRET = "s3cret-webhook-key"
UNREACHABLE = "Webhook: could not reach the address. Check that it is a public https address."


def connector(lookup=True):
    settings = {"url": "https://hooks.example.com/smm", "lookup_url":
                "https://hooks.example.com/lookup" if lookup else ""}
    return WebhookConnector(ChannelContext(id=1, external_id="x", name="Site",
                                           credentials={"secret": SECRET}, settings=settings))


def test_it_posts_a_signed_payload_with_the_marker(contract):
    transport = contract("webhook", "publish.ok")
    result = connector().publish(PublishRequest(text="Привіт", marker="abc123"))
    assert result.external_id == "post-77" and result.url == "https://example.com/p/77"
    request = transport.requests[0]
    _json, form, _files = request_body(request)
    payload = form["payload"].encode()
    expected = "sha256=" + hmac.new(SECRET.encode(), payload, hashlib.sha256).hexdigest()
    assert request.headers["X-Smmdesk-Signature"] == expected
    assert json.loads(payload)["text"] == "Привіт"
    assert request.headers["Idempotency-Key"] == "abc123"


def test_it_sends_media_as_multipart_files(contract, tmp_path):
    path = tmp_path / "cup.png"
    path.write_bytes(png_bytes())
    media = MediaFile(path=path, kind=MediaKind.IMAGE, mime="image/png", size=path.stat().st_size,
                      name="cup.png")
    transport = contract("webhook", "publish.multipart")
    connector().publish(PublishRequest(text="x", media=(media,), marker="m"))
    _json, _form, files = request_body(transport.requests[0])
    assert files == {"media0"}


@pytest.mark.parametrize("fixture,error,code", [
    ("publish.429", TransientError, "http_429"),
    ("publish.500", AmbiguousError, "http_500"),
    ("publish.410", PermanentError, "http_410"),
])
def test_it_maps_answers_to_error_classes(contract, fixture, error, code):
    contract("webhook", fixture)
    with pytest.raises(error) as exc:
        connector().publish(PublishRequest(text="x", marker="m"))
    assert exc.value.code == code
    if error is TransientError:
        assert exc.value.retry_after == 30
    if error is PermanentError:
        assert exc.value.channel_broken


def test_the_receivers_answer_is_never_shown_to_the_person(contract):
    contract("webhook", "publish.410")
    with pytest.raises(PermanentError) as exc:
        connector().publish(PublishRequest(text="x", marker="m"))
    assert exc.value.message == "Webhook: the receiver refused the post (HTTP 410)."
    assert exc.value.raw == "this endpoint is gone"  # kept for the attempt record only


@pytest.mark.parametrize("fixture,error", [("publish.refused", TransientError),
                                           ("publish.timeout", AmbiguousError)])
def test_a_closed_port_and_a_timeout_read_the_same(contract, fixture, error):
    contract("webhook", fixture)
    with pytest.raises(error) as exc:
        connector().publish(PublishRequest(text="x", marker="m"))
    assert exc.value.message == UNREACHABLE


def test_a_redirect_is_not_followed(contract):
    transport = contract("webhook", "publish.redirect")
    with pytest.raises(PermanentError) as exc:
        connector().publish(PublishRequest(text="x", marker="m"))
    assert exc.value.message == UNREACHABLE and exc.value.channel_broken
    assert [str(r.url) for r in transport.requests] == ["https://hooks.example.com/smm"]


def test_a_name_that_now_resolves_to_a_private_address_is_not_called(contract, fake_dns):
    transport = contract("webhook")
    fake_dns.names["hooks.example.com"] = ["10.0.0.7"]
    with pytest.raises(TransientError) as exc:
        connector().publish(PublishRequest(text="x", marker="m"))
    assert exc.value.message == UNREACHABLE
    assert transport.requests == []


def test_a_timeout_after_sending_is_ambiguous(contract):
    contract("webhook", "publish.timeout")
    with pytest.raises(AmbiguousError):
        connector().publish(PublishRequest(text="x", marker="m"))


def test_lookup_settles_by_marker(contract):
    contract("webhook", "lookup.found", "lookup.missing")
    from django.utils import timezone

    c = connector()
    found = c.find_published(PublishRequest(text="x", marker="abc123"), since=timezone.now())
    assert found.status == Found.FOUND and found.result.external_id == "post-77"
    missing = c.find_published(PublishRequest(text="x", marker="zzz"), since=timezone.now())
    assert missing.status == Found.NOT_FOUND


def test_without_a_lookup_url_it_cannot_tell():
    from django.utils import timezone

    found = connector(lookup=False).find_published(PublishRequest(text="x", marker="m"),
                                                    since=timezone.now())
    assert found.status == Found.UNKNOWN


def test_connect_checks_the_urls():
    with pytest.raises(PermanentError, match="must start with https://"):
        WebhookConnector.connect({"url": "ftp://x"}, HttpClient())
    result = WebhookConnector.connect({"url": "https://a.example/x", "name": "Site"}, HttpClient())
    assert result.name == "Site" and len(result.credentials["secret"]) > 20


REFUSED = ["https://127.0.0.1/", "https://localhost/hook", "https://[::1]/",
           "https://169.254.169.254/latest/meta-data/", "https://10.0.0.1/",
           "https://192.168.1.1/", "https://2130706433/", "https://0x7f000001/",
           "https://0x7f.1/", "https://[::ffff:127.0.0.1]/", "https://[fc00::1]/",
           "https://[fe80::1]/", "https://100.64.0.1/", "https://0.0.0.0/",
           "https://224.0.0.1/", "https://[64:ff9b::a9fe:a9fe]/", "https://intranet.example/",
           "http://hooks.example.com/smm"]


@pytest.mark.parametrize("url", REFUSED)
@pytest.mark.parametrize("field", ["url", "lookup_url"])
def test_connect_refuses_addresses_that_are_not_public_https(contract, fake_dns, url, field):
    transport = contract("webhook")
    fake_dns.names["intranet.example"] = ["93.184.215.14", "192.168.0.10"]  # one bad of two
    data = {"url": "https://hooks.example.com/smm", field: url}
    with pytest.raises(PermanentError) as exc:
        WebhookConnector.connect(data, HttpClient())
    assert exc.value.message == UNREACHABLE and exc.value.code == "unreachable"
    assert transport.requests == []


def test_the_development_setting_lets_a_loopback_server_through(settings):
    settings.SMMDESK_ALLOW_PRIVATE_NETWORK = True
    result = WebhookConnector.connect({"url": "http://127.0.0.1:8025/hook"}, HttpClient())
    assert result.settings["url"] == "http://127.0.0.1:8025/hook"


def test_it_receives_nothing_to_read_as_comments():
    from smmdesk.connectors.webhooks import WebhookEvent, WebhookRequest

    assert WebhookConnector.webhook_receive(WebhookRequest("POST", {}, {}, b"{}")).status == 404
    assert connector().poll_events("") == ([], "")
    event = WebhookEvent("comment", "x", {"text": "Hello", "post_external_id": "post-77"}, "1")
    assert WebhookConnector.event_comment(event) is None
