"""The API says what the composer says: scheduling a post that needs approval sends it
for approval and gives the approval deadline; every missing field is named at once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from smmdesk.accounts.models import ApprovalMode
from smmdesk.content.models import Post
from smmdesk.team.services import approval_mode_set, lead_days_set

pytestmark = pytest.mark.django_db


def test_scheduling_with_approval_sends_it_and_gives_the_deadline(api, workspace, sandbox):
    approval_mode_set(workspace=workspace, mode=ApprovalMode.INTERNAL)
    lead_days_set(workspace=workspace, days={"approval": 2})
    at = (timezone.now() + timedelta(days=5)).replace(microsecond=0)
    r = api.post(f"/workspaces/{workspace.pk}/posts", {
        "body": "Зимовий бленд", "variants": [{"channel_id": sandbox.pk}],
        "action": "schedule", "publish_at": at.isoformat()})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["approval"] == "pending_team"
    assert body["publications"][0]["status"] == "pending_approval"
    assert datetime.fromisoformat(body["approval_due"]) == at - timedelta(days=2)
    assert api.get(f"/workspaces/{workspace.pk}/posts/{body['id']}").json()[
        "approval_due"] == body["approval_due"]


def test_without_approvals_there_is_no_deadline(api, workspace, sandbox):
    r = api.post(f"/workspaces/{workspace.pk}/posts", {
        "body": "x", "variants": [{"channel_id": sandbox.pk}], "action": "now"})
    assert r.status_code == 201
    assert (r.json()["approval"], r.json()["approval_due"]) == ("draft", None)


def test_every_missing_field_is_named_at_once(api, workspace):
    r = api.post(f"/workspaces/{workspace.pk}/posts", {"body": "x", "action": "schedule"})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "missing_fields"
    assert [f["field"] for f in error["details"]["fields"]] == ["variants", "publish_at"]
    assert "Choose at least one channel." in error["message"]
    assert not Post.objects.exists()
