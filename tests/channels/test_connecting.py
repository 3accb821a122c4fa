"""OAuth connect flow, token refresh and webhook delivery, with a small fake network."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from django.utils import timezone

from smmdesk.channels.connecting import channel_refresh, channels_refresh_due
from smmdesk.channels.models import Channel, ChannelStatus, OAuthApp, WebhookDelivery
from smmdesk.channels.services import channel_context, channel_store
from smmdesk.connectors import registry
from smmdesk.connectors.base import (
    Capabilities,
    Connector,
    ConnectResult,
    Limits,
    PermanentError,
)
from smmdesk.connectors.oauth import OAuthSpec, challenge, merged_credentials
from smmdesk.connectors.webhooks import (
    WebhookAnswer,
    WebhookEvent,
    hmac_sha256_hex,
    refuse,
    signature_matches,
)
from smmdesk.lib import http as http_lib
from tests.connectors.contract import FixtureTransport

pytestmark = pytest.mark.django_db

TOKEN_URL = "https://auth.fake.example/token"


class FakeNet(Connector):
    kind = "fakenet"
    label = "FakeNet"
    limits = Limits(text_max=100)
    capabilities = Capabilities(webhooks=True)
    oauth = OAuthSpec(authorize_url="https://{instance}/authorize", token_url=TOKEN_URL,
                      scopes=("post", "read"), env_prefix="SMMDESK_FAKENET")
    refreshed = None

    @classmethod
    def oauth_accounts(cls, token, http, *, instance=""):
        return [ConnectResult(external_id=f"page{i}", name=f"Page {i}",
                              credentials={"access_token": token["access_token"],
                                           "refresh_token": token.get("refresh_token", "")},
                              token_expires_at=timezone.now() + timedelta(days=1))
                for i in (1, 2)]

    def refresh_credentials(self):
        if isinstance(FakeNet.refreshed, Exception):
            raise FakeNet.refreshed
        return FakeNet.refreshed

    @classmethod
    def webhook_receive(cls, request):
        if request.method == "GET":
            return WebhookAnswer(body=request.query.get("challenge", ""))
        expected = hmac_sha256_hex("app-secret", request.body)
        if not signature_matches(expected, request.headers.get("x-signature", "")):
            return refuse("bad signature")
        data = json.loads(request.body)
        return WebhookAnswer(events=[WebhookEvent("comment", data["page"], data)])


@pytest.fixture(autouse=True)
def fakenet(monkeypatch):
    monkeypatch.setitem(registry.CONNECTORS, "fakenet", ("tests.channels.test_connecting.FakeNet",
                                                         "FakeNet"))
    monkeypatch.setenv("SMMDESK_FAKENET_CLIENT_ID", "client-123")
    monkeypatch.setenv("SMMDESK_FAKENET_CLIENT_SECRET", "client-secret-456")
    registry.connector_class.cache_clear()
    yield
    registry.connector_class.cache_clear()


def token_transport(**extra):
    fixture = {"name": "token", "request": {"method": "POST", "url": TOKEN_URL,
                                             "form": {"grant_type": "authorization_code",
                                                      "client_id": "client-123"}},
               "response": {"status": 200, "json": {"access_token": "at-1", "refresh_token":
                                                     "rt-1", "expires_in": 3600, **extra}}}
    transport = FixtureTransport([fixture])
    http_lib.set_transport_factory(lambda: transport)
    return transport


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_sign_in_round_trip_with_pkce_and_a_choice_of_pages(owner, workspace, monkeypatch):
    monkeypatch.setattr(FakeNet, "oauth", OAuthSpec(
        authorize_url="https://fake.example/authorize", token_url=TOKEN_URL, scopes=("post",),
        env_prefix="SMMDESK_FAKENET"))
    c = login(owner)
    r = c.post(f"/w/{workspace.slug}/channels/oauth/fakenet/")
    assert r.status_code == 302
    url = urlparse(r.url)
    q = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert url.netloc == "fake.example" and q["client_id"] == "client-123"
    assert q["code_challenge_method"] == "S256" and q["redirect_uri"].endswith(
        "/oauth/callback/fakenet/")
    transport = token_transport()
    r = c.get(f"/oauth/callback/fakenet/?code=abc&state={q['state']}")
    assert r.url == f"/w/{workspace.slug}/channels/oauth-choose/"
    sent = transport.requests[0].content.decode()
    verifier = parse_qs(sent)["code_verifier"][0]
    assert challenge(verifier) == q["code_challenge"]  # PKCE ties the code to this browser
    page = c.get(r.url).content.decode()
    assert "Page 1" in page and "Page 2" in page
    c.post(r.url, {"account": ["page2"]})
    channel = Channel.objects.get()
    assert channel.name == "Page 2" and channel.kind == "fakenet"
    assert channel_context(channel).credentials["access_token"] == "at-1"
    assert "at-1" not in channel.credentials_encrypted  # encrypted at rest


def test_a_forged_state_is_refused(owner, workspace, monkeypatch):
    monkeypatch.setattr(FakeNet, "oauth", OAuthSpec(
        authorize_url="https://fake.example/authorize", token_url=TOKEN_URL,
        env_prefix="SMMDESK_FAKENET"))
    c = login(owner)
    c.post(f"/w/{workspace.slug}/channels/oauth/fakenet/")
    r = c.get("/oauth/callback/fakenet/?code=abc&state=forged", follow=True)
    assert "did not start here" in r.content.decode()
    assert not Channel.objects.exists()


def test_a_missing_app_is_explained(owner, workspace, monkeypatch):
    monkeypatch.delenv("SMMDESK_FAKENET_CLIENT_ID")
    monkeypatch.setattr(FakeNet, "oauth", OAuthSpec(
        authorize_url="https://fake.example/authorize", token_url=TOKEN_URL,
        env_prefix="SMMDESK_FAKENET"))
    r = login(owner).post(f"/w/{workspace.slug}/channels/oauth/fakenet/", follow=True)
    assert "SMMDESK_FAKENET_CLIENT_ID" in r.content.decode()


def test_per_server_apps_are_registered_once(owner, workspace, monkeypatch):
    calls = []

    def register(cls, instance, redirect_uri, http):
        calls.append(instance)
        return {"client_id": "inst-client", "client_secret": "inst-secret"}

    monkeypatch.setattr(FakeNet, "oauth", OAuthSpec(
        authorize_url="https://{instance}/oauth/authorize", token_url=TOKEN_URL,
        env_prefix="SMMDESK_FAKENET", per_instance=True))
    monkeypatch.setattr(FakeNet, "oauth_register", classmethod(register))
    c = login(owner)
    for _ in range(2):
        r = c.post(f"/w/{workspace.slug}/channels/oauth/fakenet/",
                   {"instance": "https://Social.Example/"})
        assert r.url.startswith("https://social.example/oauth/authorize?")
    assert calls == ["social.example"]
    assert "inst-secret" not in OAuthApp.objects.get().client_secret_encrypted


def test_the_sign_in_forms_post_with_a_csrf_token(owner, workspace):
    page = login(owner).get(f"/w/{workspace.slug}/channels/").content.decode()
    start = f'action="/w/{workspace.slug}/channels/oauth/mastodon/"'
    form = page.split(start)[0].rsplit("<form", 1)[1] + page.split(start)[1].split("</form>")[0]
    assert 'method="post"' in form and 'name="csrfmiddlewaretoken"' in form
    assert 'name="instance"' in form


def test_another_site_cannot_start_a_sign_in(owner, workspace, monkeypatch):
    """A link or an image on another site sends a GET; a form it posts has no CSRF token.
    Neither reaches the server named in it."""
    calls = []
    monkeypatch.setattr(FakeNet, "oauth", OAuthSpec(
        authorize_url="https://{instance}/oauth/authorize", token_url=TOKEN_URL,
        env_prefix="SMMDESK_FAKENET", per_instance=True))
    monkeypatch.setattr(FakeNet, "oauth_register",
                        classmethod(lambda cls, *args: calls.append(args) or {}))
    start = f"/w/{workspace.slug}/channels/oauth/fakenet/"
    assert login(owner).get(start + "?instance=social.example").status_code == 405
    csrf_checked = Client(enforce_csrf_checks=True)
    csrf_checked.force_login(owner)
    assert csrf_checked.post(start, {"instance": "social.example"}).status_code == 403
    assert calls == [] and not OAuthApp.objects.exists()


def test_an_outsider_cannot_start_a_sign_in(outsider, workspace):
    assert login(outsider).post(f"/w/{workspace.slug}/channels/oauth/fakenet/").status_code == 404


def store(workspace, owner, expires_in_days=1, **creds):
    return channel_store(workspace=workspace, kind="fakenet", actor=owner, result=ConnectResult(
        external_id="page1", name="Page 1",
        credentials={"access_token": "old", "refresh_token": "rt-keep", **creds},
        token_expires_at=timezone.now() + timedelta(days=expires_in_days)))


def test_a_refresh_keeps_a_refresh_token_the_network_did_not_resend(workspace, owner):
    channel = store(workspace, owner)
    later = timezone.now() + timedelta(days=60)
    FakeNet.refreshed = ConnectResult(external_id="page1", name="Page 1",
                                      credentials={"access_token": "new"},
                                      token_expires_at=later)
    assert channels_refresh_due() == 1
    channel.refresh_from_db()
    creds = channel_context(channel).credentials
    assert creds == {"access_token": "new", "refresh_token": "rt-keep"}
    assert channel.token_expires_at == later
    assert merged_credentials({"a": 1, "r": "x"}, {"a": 2, "r": ""}) == {"a": 2, "r": "x"}


def test_only_tokens_expiring_soon_are_refreshed(workspace, owner):
    store(workspace, owner, expires_in_days=30)
    FakeNet.refreshed = None
    assert channels_refresh_due() == 0


def test_a_refused_refresh_asks_for_a_reconnect(workspace, owner):
    channel = store(workspace, owner)
    FakeNet.refreshed = PermanentError("FakeNet revoked the app; reconnect.",
                                       channel_broken=True)
    assert channel_refresh(channel=channel) is False
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_RECONNECT
    assert "reconnect" in channel.status_message


def test_webhooks_verify_signatures_and_store_events(client):
    body = json.dumps({"page": "page1", "comment": "Де купити?"}).encode()
    good = client.post("/hooks/fakenet/", body, content_type="application/json",
                       HTTP_X_SIGNATURE=hmac_sha256_hex("app-secret", body))
    assert good.status_code == 200
    delivery = WebhookDelivery.objects.get(accepted=True)
    assert delivery.events[0]["account_id"] == "page1"
    assert delivery.events[0]["data"]["comment"] == "Де купити?"
    bad = client.post("/hooks/fakenet/", body, content_type="application/json",
                      HTTP_X_SIGNATURE="0" * 64)
    assert bad.status_code == 403
    assert WebhookDelivery.objects.get(accepted=False).reason == "bad signature"
    assert client.get("/hooks/fakenet/?challenge=42").content == b"42"
    assert client.post("/hooks/nosuchnet/", b"{}", content_type="application/json"
                       ).status_code == 404


def test_a_channel_link_that_is_not_http_is_not_stored(owner, workspace):
    channel = channel_store(workspace=workspace, kind="fakenet", actor=owner, result=ConnectResult(
        external_id="page1", name="Page 1", credentials={}, url="javascript:alert(1)"))
    assert channel.url == ""
