"""Every workspace endpoint of the API, called by a member of another workspace: 404,
and nothing changes. The endpoint list comes from the OpenAPI document, so a new
endpoint is covered the day it is added."""

from __future__ import annotations

import re
from datetime import date

import pytest

from smmdesk.analytics.costs import cost_create
from smmdesk.analytics.goals import goal_save
from smmdesk.analytics.links import link_create
from smmdesk.api.v1 import api as ninja_api
from smmdesk.content.services import media_upload, post_create
from smmdesk.publishing.models import Publication, PublishAttempt
from smmdesk.publishing.services import publication_schedule
from tests.accounts.world import listening_rows, report_rows
from tests.files import png_bytes

pytestmark = pytest.mark.django_db


def workspace_operations():
    schema = ninja_api.get_openapi_schema(path_prefix="/api/v1")
    for path, ops in schema["paths"].items():
        if "{ws}" in path:
            for method in ops:
                yield method.upper(), path


@pytest.fixture
def rows(workspace, owner, sandbox):
    from django.core.files.uploadedfile import SimpleUploadedFile

    post = post_create(workspace=workspace, actor=owner, body="Ours")
    pub = publication_schedule(post=post, channel=sandbox, at=None, actor=owner)
    media = media_upload(workspace=workspace, actor=owner,
                         upload=SimpleUploadedFile("a.png", png_bytes()))
    goal = goal_save(workspace=workspace, name="Ours", metric="views", target=10,
                     starts_on=date(2030, 12, 1), ends_on=date(2030, 12, 31))
    link = link_create(workspace=workspace, target="https://zerno.example/")
    cost = cost_create(workspace=workspace, kind="ads", amount=5, spent_on="2030-12-01",
                       actor=owner)
    return {"ws": workspace.pk, "channel_id": sandbox.pk, "post_id": post.pk,
            "pub_id": pub.pk, "media_id": media.pk, "goal_id": goal.pk, "link_id": link.pk,
            "cost_id": cost.pk, **report_rows(workspace, owner),
            **listening_rows(workspace, owner)}


BODIES = {
    "/posts": {"body": "pwned"},
    "/channels": {"kind": "sandbox", "data": {"name": "x"}},
    "/publications": {"post_id": 0, "channel_id": 0},
    "/reschedule": {"at": "2030-01-01T10:00:00+00:00"},
    "/settle": {"outcome": "give_up"},
    "/rubrics": {"name": "x"},
    "/campaigns": {"name": "x"},
    "/variants": {"channel_id": 0, "text": "pwned"},
    "/goals": {"name": "pwned", "metric": "views", "target": 1, "starts_on": "2030-12-01",
               "ends_on": "2030-12-31"},
    "/links": {"target": "https://pwned.example/"},
    "/conversions": {"kind": "order", "value": 1},
    "/costs": {"kind": "ads", "amount": 1, "spent_on": "2030-12-01"},
}


def _body(path, rows):
    for tail, body in BODIES.items():
        if path.endswith(tail):
            body = dict(body)
            for key in ("post_id", "channel_id"):
                if key in body:
                    body[key] = rows[key]
            return body
    if path.endswith("}"):
        return {"status": "disabled", "name": "pwned", "body": "pwned"}
    return {}


@pytest.mark.parametrize("method,path", sorted(set(workspace_operations())))
def test_an_outsider_gets_404_and_changes_nothing(method, path, rows, outsider, api_as):
    client = api_as(outsider)
    url = re.sub(r"\{(\w+)\}", lambda m: str(rows[m.group(1)]), path)[len("/api/v1"):]
    before = (Publication.objects.values_list("status", "scheduled_at").first(),
              PublishAttempt.objects.count())
    if path.endswith("/media") and method == "POST":
        from django.core.files.uploadedfile import SimpleUploadedFile

        r = client.client.post(f"/api/v1{url}", {"file": SimpleUploadedFile("x.png", png_bytes())},
                               **client.headers)
    else:
        r = client.call(method, url, _body(path, rows) if method != "GET" else None)
    assert r.status_code == 404, (method, path, r.content)
    assert r.json()["error"]["code"] == "not_found"
    after = (Publication.objects.values_list("status", "scheduled_at").first(),
             PublishAttempt.objects.count())
    assert before == after


def test_every_workspace_endpoint_is_in_the_list():
    ops = set(workspace_operations())
    assert len(ops) >= 20
    assert ("POST", "/api/v1/workspaces/{ws}/publications/{pub_id}/settle") in ops
