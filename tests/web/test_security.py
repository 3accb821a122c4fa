"""Login throttling, the Content-Security-Policy, the Host check and absolute links."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from smmdesk.accounts.services import api_token_create, user_create
from smmdesk.channels.services import channel_connect
from smmdesk.content.services import post_create, rubric_create
from smmdesk.inbox.models import Lead, Message
from smmdesk.team.services import client_link_token

pytestmark = pytest.mark.django_db

ATTACKER, OTHER = "203.0.113.7", "198.51.100.20"


def client_from(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def sign_in(client: Client, email: str, password: str):
    return client.post("/login/", {"username": email, "password": password})


@pytest.fixture
def people(owner):
    owner.set_password("correct horse battery")
    owner.save(update_fields=["password"])
    user_create(email="taras@example.com", password="another good one", check_password=False)
    return owner


def test_it_refuses_the_right_password_after_forty_wrong_ones(people):
    attacker = client_from(ATTACKER)
    for i in range(40):
        sign_in(attacker, "olena@example.com", f"guess {i}")
    r = sign_in(attacker, "olena@example.com", "correct horse battery")
    page = r.content.decode()
    assert r.status_code == 429 and "_auth_user_id" not in attacker.session
    assert "try again in 15 minutes" in page and r["Retry-After"]
    # Another person, elsewhere, signs in as usual.
    r = sign_in(client_from(OTHER), "taras@example.com", "another good one")
    assert r.status_code == 302


def test_it_locks_one_account_from_one_address_after_five_failures(people):
    attacker = client_from(ATTACKER)
    answers = [sign_in(attacker, "Olena@Example.com", "wrong").status_code for _ in range(5)]
    assert answers == [200, 200, 200, 200, 429]  # the fifth is told at once
    assert sign_in(attacker, "olena@example.com", "correct horse battery").status_code == 429
    # The address as a whole is not locked yet, nor the account from elsewhere.
    assert sign_in(attacker, "taras@example.com", "another good one").status_code == 302
    assert sign_in(client_from(OTHER), "olena@example.com",
                   "correct horse battery").status_code == 302


def test_it_locks_an_address_that_tries_many_accounts(people):
    attacker = client_from(ATTACKER)
    for i in range(20):
        sign_in(attacker, f"nobody{i}@example.com", "wrong")
    assert sign_in(attacker, "taras@example.com", "another good one").status_code == 429


def test_a_success_forgets_only_that_accounts_failures(people):
    attacker = client_from(ATTACKER)
    for i in range(15):
        sign_in(attacker, f"nobody{i}@example.com", "wrong")
    for _ in range(4):
        sign_in(attacker, "taras@example.com", "wrong")
    assert sign_in(attacker, "taras@example.com", "another good one").status_code == 302
    # The 15 guesses at other accounts still count: five more reach the address's 20.
    attacker = client_from(ATTACKER)
    for i in range(5):
        sign_in(attacker, f"someone{i}@example.com", "wrong")
    assert sign_in(attacker, "olena@example.com", "correct horse battery").status_code == 429


def test_a_forwarded_address_counts_only_behind_a_trusted_proxy(people):
    def spoofing(i):  # the attacker claims a new address every time
        return Client(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")

    for i in range(5):
        sign_in(spoofing(i), "olena@example.com", "wrong")
    assert sign_in(spoofing(99), "olena@example.com", "correct horse battery").status_code == 429
    with override_settings(SMMDESK_TRUSTED_PROXIES=1):
        proxied = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"forged, {OTHER}")
        assert sign_in(proxied, "olena@example.com", "correct horse battery").status_code == 302


def test_wrong_api_tokens_lock_the_address_with_429(owner):
    _token, plain = api_token_create(user=owner, name="script")
    for i in range(20):
        r = client_from(ATTACKER).get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer smm_guess{i}")
        assert r.status_code in (401, 429)
    r = client_from(ATTACKER).get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert r.status_code == 429 and r.json()["error"]["code"] == "too_many_attempts"
    assert "try again in" in r.json()["error"]["message"]
    ok = client_from(OTHER).get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert ok.status_code == 200 and ok.json()["email"] == owner.email


def test_forged_approval_links_lock_the_address(workspace):
    token = client_link_token(workspace=workspace, month="2026-12")
    for i in range(20):
        client_from(ATTACKER).get(reverse("web:client_page", args=[token[:-3] + f"x{i:02d}"]))
    r = client_from(ATTACKER).get(reverse("web:client_page", args=[token]))
    assert r.status_code == 429 and "try again in" in r.content.decode()
    assert client_from(OTHER).get(reverse("web:client_page", args=[token])).status_code == 200


# --- Content-Security-Policy -------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>",
                           re.I)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE_ATTR = re.compile(r"<[^>]+\sstyle\s*=", re.I)


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}


def assert_strict(response, where: str) -> None:
    csp = directives(response)
    assert csp["script-src"] == ["'self'"], where
    assert "'unsafe-inline'" not in csp["style-src"], where
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"], where
    assert csp["base-uri"] == ["'self'"] and csp["default-src"] == ["'self'"], where
    html = response.content.decode()
    for pattern, what in ((INLINE_SCRIPT, "inline script"), (HANDLER, "on*= handler"),
                          (STYLE_ATTR, "style attribute")):
        found = pattern.search(html)
        assert found is None, f"{where}: {what} {found and found.group(0)[:120]}"


def page_urls(slug: str, patterns=None, prefix: str = "/") -> list[str]:
    """Every page that takes no id but the workspace's: the walk covers new ones too."""
    urls = []
    for p in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            urls += page_urls(slug, p.url_patterns, route)
        elif isinstance(p, URLPattern) and set(p.pattern.converters) <= {"slug"}:
            urls.append(route.replace("<slug:slug>", slug))
    return urls


@pytest.fixture
def full_workspace(workspace, owner):
    workspace.approval_mode = "internal_client"
    workspace.save(update_fields=["approval_mode"])
    channel = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                              data={"name": "Zerno · Kyiv", "audience": "uk"})
    post_create(workspace=workspace, actor=owner, body="Зимовий бленд повернувся!")
    return workspace, channel


def test_no_page_runs_inline_script_or_style(full_workspace, owner):
    workspace, _channel = full_workspace
    client = Client()
    client.force_login(owner)
    seen = 0
    for url in page_urls(workspace.slug):
        r = client.get(url)
        if r.status_code == 200 and r["Content-Type"].startswith("text/html"):
            assert_strict(r, url)
            seen += 1
    assert seen >= 15
    assert_strict(Client().get("/login/"), "/login/")
    token = client_link_token(workspace=workspace, month="2026-12")
    assert_strict(Client().get(reverse("web:client_page", args=[token])), "client page")


def test_data_driven_colours_travel_as_data_attributes(full_workspace, owner):
    workspace, _channel = full_workspace
    rubric_create(workspace=workspace, name="Useful", color="#12b76a", target_share=40)
    client = Client()
    client.force_login(owner)
    html = client.get(reverse("web:plan", args=[workspace.slug])).content.decode()
    assert 'data-color="#12b76a"' in html and 'data-left="40"' in html
    assert "style=" not in html


def test_the_api_docs_load_their_script_from_static_files():
    r = Client().get("/api/v1/docs")
    html = r.content.decode()
    assert r.status_code == 200 and "cdn." not in html
    assert INLINE_SCRIPT.search(html) is None and "swagger-ui-init.js" in html
    assert directives(r)["script-src"] == ["'self'"]


def test_only_the_channels_page_lets_a_form_lead_to_a_network(full_workspace, owner):
    workspace, _channel = full_workspace
    client = Client()
    client.force_login(owner)
    channels = client.get(reverse("web:channels", args=[workspace.slug]))
    assert directives(channels)["form-action"] == ["'self'", "https:"]
    assert directives(client.get(reverse("web:profile")))["form-action"] == ["'self'"]


# --- Host check and absolute links -------------------------------------------------------

def test_a_foreign_host_is_refused():
    assert Client().get("/login/", HTTP_HOST="evil.example").status_code == 400


@override_settings(ALLOWED_HOSTS=["*"], SITE_URL="https://desk.example.com")
def test_absolute_links_come_from_the_site_address_not_the_host(full_workspace, owner):
    workspace, _channel = full_workspace
    client = Client(HTTP_HOST="evil.example")
    client.force_login(owner)
    html = client.get(reverse("web:approvals", args=[workspace.slug])).content.decode()
    link = re.search(r'id="client-link" value="([^"]+)"', html).group(1)
    assert link.startswith("https://desk.example.com/a/") and "evil" not in html
    from smmdesk.web.views.oauth import _redirect_uri

    request = client.get("/login/").wsgi_request
    assert _redirect_uri(request, "mastodon").startswith("https://desk.example.com/")


@override_settings(ALLOWED_HOSTS=["*"], SITE_URL="https://desk.example.com")
def test_csv_links_come_from_the_site_address(full_workspace, owner):
    workspace, channel = full_workspace
    # Straight rows, not ingest(): the CSV's links are the point, not classification.
    m = Message.objects.create(workspace=workspace, channel=channel, external_id="lead-1",
                               text="Хочу замовити 2 кг", created_at=timezone.now())
    Lead.objects.create(workspace=workspace, message=m, channel=channel)
    client = Client(HTTP_HOST="evil.example")
    client.force_login(owner)
    body = client.get(f"/w/{workspace.slug}/leads/export.csv").content.decode("utf-8-sig")
    assert f"https://desk.example.com/w/{workspace.slug}/inbox/{m.pk}/" in body
    assert "evil" not in body
