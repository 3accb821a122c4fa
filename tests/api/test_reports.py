"""The reports API: make one, list, read its figures, download its PDF and CSV."""

from __future__ import annotations

import pytest

from smmdesk.accounts.services import workspace_create
from tests.analytics.dash_history import make_history

pytestmark = pytest.mark.django_db

WS = "/workspaces/{}/reports"


@pytest.fixture
def history(workspace, owner):
    return make_history(workspace, owner)


def test_make_list_read_and_download(api, workspace, history):
    made = api.post(WS.format(workspace.pk), {
        "start": "2026-12-01", "end": "2026-12-07", "sections": ["growth", "top_posts"],
        "language": "en"})
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["has_pdf"] and body["sections"] == ["growth", "top_posts"]
    assert body["figures"]["growth"]["followers_end"] == 1100
    listed = api.get(WS.format(workspace.pk)).json()
    assert [r["id"] for r in listed] == [body["id"]]
    one = api.get(f"{WS.format(workspace.pk)}/{body['id']}").json()
    assert one["figures"]["growth"]["views"] == 1200
    pdf = api.get(f"{WS.format(workspace.pk)}/{body['id']}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    csv = api.get(f"{WS.format(workspace.pk)}/{body['id']}/csv")
    assert csv.status_code == 200 and b"Followers at the end,1100" in csv.content


def test_the_client_reads_but_cannot_make(api_as, workspace, member_factory, history, api):
    made = api.post(WS.format(workspace.pk), {"start": "2026-12-01", "end": "2026-12-07",
                                              "sections": ["growth"]}).json()
    client = api_as(member_factory("client"))
    assert client.get(f"{WS.format(workspace.pk)}/{made['id']}/pdf").status_code == 200
    assert client.post(WS.format(workspace.pk), {"start": "2026-12-01",
                                                  "end": "2026-12-07"}).status_code == 403


@pytest.mark.parametrize("body", [
    {"start": "2026-12-07", "end": "2026-12-01"},
    {"start": "2020-01-01", "end": "2026-01-01"},
    {"start": "2026-12-01", "end": "2026-12-07", "sections": ["bogus"]},
    {"start": "2026-12-01", "end": "2026-12-07", "channels": [999999]},
])
def test_bad_input_is_refused_and_nothing_is_made(api, workspace, history, body):
    answer = api.post(WS.format(workspace.pk), body)
    assert answer.status_code in (400, 422), answer.content
    assert "error" in answer.json()
    assert api.get(WS.format(workspace.pk)).json() == []


def test_another_workspaces_report_is_not_found(api, workspace, owner, history):
    made = api.post(WS.format(workspace.pk), {"start": "2026-12-01", "end": "2026-12-07",
                                              "sections": ["growth"]}).json()
    other = workspace_create(name="Other", owner=owner, timezone_name="UTC")
    assert api.get(f"{WS.format(other.pk)}/{made['id']}").status_code == 404
    assert api.get(f"{WS.format(other.pk)}/{made['id']}/pdf").status_code == 404
