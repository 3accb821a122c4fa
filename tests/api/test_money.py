"""The money API: conversions (idempotent by external_id), costs and ROI."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from smmdesk.analytics.models import Conversion, Cost

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(workspace):
    return timezone.localdate(timezone.now(), workspace.tz)


def test_posting_a_conversion_changes_the_roi(api, workspace, sandbox, today):
    ws = workspace.pk
    r = api.post(f"/workspaces/{ws}/costs", {"kind": "ads", "amount": "200.00",
                                              "spent_on": today.isoformat(),
                                              "channel_id": sandbox.pk})
    assert r.status_code == 201, r.content
    assert r.json()["amount"] == "200.00" and r.json()["channel_id"] == sandbox.pk
    roi = api.get(f"/workspaces/{ws}/roi").json()
    assert roi["total"]["cost"] == "200.00" and roi["total"]["roi"] == pytest.approx(-100.0)
    r = api.post(f"/workspaces/{ws}/conversions", {
        "kind": "order", "value": 500, "external_id": "shop-1",
        "utm": {"utm_source": "sandbox"}})
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["attribution"], body["channel_id"], body["source"]) == (
        "utm", sandbox.pk, "api")
    roi = api.get(f"/workspaces/{ws}/roi?start={today - timedelta(days=6)}&end={today}"
                  f"&channel={sandbox.pk}").json()
    assert (roi["total"]["revenue"], roi["total"]["conversions"]) == ("500.00", 1)
    assert roi["total"]["roi"] == pytest.approx(150.0)
    assert roi["total"]["cost_per_result"] == "200.00"
    assert roi["by_channel"][0]["label"] == sandbox.name
    again = api.post(f"/workspaces/{ws}/conversions", {"kind": "order", "value": 999,
                                                       "external_id": "shop-1"})
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert Conversion.objects.count() == 1
    listed = api.get(f"/workspaces/{ws}/conversions").json()["items"]
    assert [c["id"] for c in listed] == [body["id"]]


def test_bad_money_input_is_a_clear_4xx(api, workspace):
    ws = workspace.pk
    r = api.post(f"/workspaces/{ws}/conversions", {"kind": "gift"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_kind"
    assert api.post(f"/workspaces/{ws}/conversions", {"value": -1}).status_code == 422
    r = api.post(f"/workspaces/{ws}/costs", {"hours": 3, "spent_on": "2026-03-01"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "hourly_rate_missing"
    r = api.get(f"/workspaces/{ws}/roi?start=2026-03-10&end=2026-03-01")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_period"
    assert not Conversion.objects.exists() and not Cost.objects.exists()


def test_costs_are_listed_and_deleted_within_the_workspace(api, api_as, workspace, outsider):
    ws = workspace.pk
    made = api.post(f"/workspaces/{ws}/costs", {"kind": "production", "amount": 40,
                                                 "spent_on": date(2026, 3, 2).isoformat(),
                                                 "note": "Photos"}).json()
    listed = api.get(f"/workspaces/{ws}/costs?start=2026-03-01&end=2026-03-31").json()["items"]
    assert [c["id"] for c in listed] == [made["id"]]
    theirs = outsider.memberships.first().workspace
    foreign = api_as(outsider).delete(f"/workspaces/{theirs.pk}/costs/{made['id']}")
    assert foreign.status_code == 404 and Cost.objects.filter(pk=made["id"]).exists()
    assert api.delete(f"/workspaces/{ws}/costs/{made['id']}").status_code == 204
    assert not Cost.objects.exists()
    assert Decimal(made["amount"]) == Decimal("40")
