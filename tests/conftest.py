from __future__ import annotations

import httpx
import pytest

from smmdesk.accounts.roles import Role
from smmdesk.accounts.services import membership_set, user_create, workspace_create
from smmdesk.lib import http as http_lib
from smmdesk.lib import netguard
from tests.connectors.contract import FakeDNS, FixtureTransport, UnexpectedRequest, load_fixture


class _DenyAll(httpx.BaseTransport):
    def handle_request(self, request):
        raise UnexpectedRequest(f"request blocked in tests: {request.method} {request.url}")


@pytest.fixture(autouse=True)
def _block_http():
    """No test reaches the network unless it installs fixtures or allows loopback."""
    http_lib.set_transport_factory(_DenyAll)
    yield
    http_lib.set_transport_factory(lambda: None)


@pytest.fixture(autouse=True)
def _reset_language():
    """A request activates its user's language in this thread; the next test starts in
    the default language, as a fresh request would."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Django's cache (heatmaps, analytics.timing.heatmap_cached) starts empty in each
    test: rolled-back rows' ids come back in the next one."""
    yield
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def fake_dns():
    """The address guard resolves names with this table, never with the DNS."""
    dns = FakeDNS()
    netguard.set_resolver(dns)
    yield dns
    netguard.set_resolver(netguard.system_resolver)


@pytest.fixture
def allow_loopback_http(settings, monkeypatch):
    http_lib.set_transport_factory(lambda: None)  # pytest-socket still blocks non-loopback
    # A loopback test server is a private address on plain http: the development setting
    # lets it through, here and in the worker processes a test starts.
    settings.SMMDESK_ALLOW_PRIVATE_NETWORK = True
    monkeypatch.setenv("SMMDESK_ALLOW_PRIVATE_NETWORK", "1")


@pytest.fixture
def contract():
    """``contract("telegram", "sendMessage.ok", values={"token": ...})`` installs fixtures;
    the test fails on a request no fixture describes and on a fixture left unused."""
    installed: list[FixtureTransport] = []

    def install(network: str, *names: str, values: dict | None = None) -> FixtureTransport:
        transport = FixtureTransport([load_fixture(network, n) for n in names], values)
        http_lib.set_transport_factory(lambda: transport)
        installed.append(transport)
        return transport

    yield install
    for transport in installed:
        assert not transport.unused(), f"fixtures never requested: {transport.unused()}"


@pytest.fixture
def owner(db):
    return user_create(email="olena@example.com", password="x", name="Olena",
                       check_password=False)


@pytest.fixture
def workspace(owner):
    return workspace_create(name="Zerno Coffee", owner=owner, timezone_name="Europe/Kyiv")


@pytest.fixture
def member_factory(workspace):
    def make(role: str, email: str | None = None):
        user = user_create(email=email or f"{role}@example.com", password="x",
                           check_password=False)
        membership_set(workspace=workspace, user=user, role=role)
        return user
    return make


@pytest.fixture
def editor(member_factory):
    return member_factory(Role.EDITOR)


@pytest.fixture
def analyst(member_factory):
    return member_factory(Role.ANALYST)


@pytest.fixture
def client_user(member_factory):
    return member_factory(Role.CLIENT)


@pytest.fixture
def outsider(db):
    """A user with a workspace of their own, and no business in ``workspace``."""
    user = user_create(email="mallory@example.com", password="x", check_password=False)
    workspace_create(name="Mallory's Shop", owner=user)
    return user


@pytest.fixture
def run_outbox(db):
    """``run_outbox()`` sends what committed work queued (mail, alerts, replies), as a
    worker would after commit; returns how many messages it tried."""
    from smmdesk.core.outbox import outbox_process

    def run(limit: int = 1000) -> int:
        return outbox_process(worker_id="test-worker", limit=limit)
    return run
