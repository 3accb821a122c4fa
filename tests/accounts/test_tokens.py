"""API tokens with an optional expiry: an expired one gets a 401 that says so."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from smmdesk.accounts.models import ApiToken
from smmdesk.accounts.services import api_token_create
from smmdesk.lib.errors import InvalidInput

pytestmark = pytest.mark.django_db


def bearer(plain: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def test_an_expired_token_is_refused_with_a_clear_401(owner):
    token, plain = api_token_create(user=owner, name="cron", expires_in_days=1)
    assert Client().get("/api/v1/me", **bearer(plain)).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    r = Client().get("/api/v1/me", **bearer(plain))
    assert r.status_code == 401
    error = r.json()["error"]
    assert error["code"] == "token_expired" and "expired on" in error["message"]


def test_a_token_without_expiry_works_until_revoked(owner):
    token, plain = api_token_create(user=owner, name="forever")
    assert token.expires_at is None and not token.expired
    assert Client().get("/api/v1/me", **bearer(plain)).status_code == 200


def test_the_api_creates_a_token_with_an_expiry(owner):
    _token, plain = api_token_create(user=owner, name="setup")
    r = Client().post("/api/v1/tokens", {"name": "report", "expires_in_days": 30},
                      content_type="application/json", **bearer(plain))
    assert r.status_code == 201
    created = ApiToken.objects.get(name="report")
    assert abs(created.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    assert r.json()["expires_at"] is not None
    too_long = Client().post("/api/v1/tokens", {"name": "x", "expires_in_days": 0},
                             content_type="application/json", **bearer(plain))
    assert too_long.status_code == 422
    with pytest.raises(InvalidInput):
        api_token_create(user=owner, name="x", expires_in_days=100_000)


def test_the_profile_page_creates_a_token_that_expires(owner):
    client = Client()
    client.force_login(owner)
    page = client.get("/profile/").content.decode()
    assert 'name="token_days"' in page and "Never expires" in page
    client.post("/profile/", {"create_token": "1", "token_name": "sheet", "token_days": "90"})
    client.post("/profile/", {"create_token": "1", "token_name": "bot", "token_days": ""})
    tokens = {t.name: t.expires_at for t in ApiToken.objects.filter(user=owner)}
    assert tokens["bot"] is None
    assert tokens["sheet"].date() == (timezone.now() + timedelta(days=90)).date()
