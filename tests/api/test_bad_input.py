"""Bad input to the API gets a clear 4xx in the error shape and changes nothing.

Each case here was a 500 found by fuzzing the API from its OpenAPI schema."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from smmdesk.api.v1 import api as ninja_api
from smmdesk.content.models import Campaign, MediaAsset, Rubric
from smmdesk.publishing.models import Publication

pytestmark = pytest.mark.django_db

HUGE = 2**63  # one past the largest bigint


def error(r) -> dict:
    return r.json()["error"]


def test_ids_past_a_bigint_are_refused_in_paths(api, workspace, make_post_api):
    post_id = make_post_api()
    for path in (f"/workspaces/{HUGE}", f"/workspaces/{HUGE}/posts"):
        r = api.get(path)  # no such workspace: the role check answers before the path is read
        assert r.status_code == 404 and error(r)["code"] == "not_found", path
    for path in (f"/workspaces/{workspace.pk}/posts/{HUGE}",
                 f"/workspaces/{workspace.pk}/publications/{10**30}",
                 f"/workspaces/{workspace.pk}/media/{HUGE}"):
        r = api.get(path)
        assert r.status_code == 422, path
        assert error(r)["code"] == "invalid_request"
    assert api.delete(f"/tokens/{HUGE}").status_code == 422
    assert api.get(f"/workspaces/{workspace.pk}/posts/{post_id}").status_code == 200


def test_ids_past_a_bigint_are_refused_in_bodies_and_queries(api, workspace, sandbox,
                                                             make_post_api):
    r = api.post(f"/workspaces/{workspace.pk}/publications",
                 {"post_id": HUGE, "channel_id": sandbox.pk})
    assert r.status_code == 422 and error(r)["details"]["fields"][0]["field"] == "post_id"
    post_id = make_post_api()
    r = api.patch(f"/workspaces/{workspace.pk}/posts/{post_id}", {"media_ids": [HUGE]})
    assert r.status_code == 422
    r = api.get(f"/workspaces/{workspace.pk}/publications?channel_id={HUGE}")
    assert r.status_code == 422
    assert not Publication.objects.exists()


@pytest.mark.parametrize("query", [f"offset={HUGE}", "offset=-1", "limit=1000000",
                                   "limit=0", f"limit={HUGE}"])
def test_paging_is_bounded(api, workspace, query):
    for what in ("posts", "media", "publications"):
        r = api.get(f"/workspaces/{workspace.pk}/{what}?{query}")
        assert r.status_code == 422, (what, query)


def test_paging_within_bounds_works(api, workspace, make_post_api):
    make_post_api("One")
    make_post_api("Two")
    r = api.get(f"/workspaces/{workspace.pk}/posts?limit=1&offset=1")
    assert r.status_code == 200 and r.json()["count"] == 2 and len(r.json()["items"]) == 1
    assert api.get(f"/workspaces/{workspace.pk}/posts?offset=2147483647").json()["items"] == []


def test_media_ids_null_is_refused_and_keeps_the_media(api, workspace, make_post_api):
    url = f"/workspaces/{workspace.pk}/media"
    upload = SimpleUploadedFile("cup.png", _png((4, 4)))
    media_id = api.client.post(f"/api/v1{url}", {"file": upload}, **api.headers).json()["id"]
    post_id = make_post_api()
    assert api.patch(f"/workspaces/{workspace.pk}/posts/{post_id}",
                     {"media_ids": [media_id]}).status_code == 200
    r = api.patch(f"/workspaces/{workspace.pk}/posts/{post_id}", {"media_ids": None})
    assert r.status_code == 422
    assert error(r)["details"]["fields"][0]["field"] == "media_ids"
    assert api.get(f"/workspaces/{workspace.pk}/posts/{post_id}").json()["media_ids"] == [
        media_id]


@pytest.mark.parametrize("tz", ["a" * 5000, "Mars/Olympus", "../../etc/passwd", "", "Europe"])
def test_a_time_zone_must_be_a_known_one(api, workspace, tz):
    r = api.post("/workspaces", {"name": "Shop", "timezone": tz})
    assert r.status_code == 422
    assert error(r)["details"]["fields"][0]["field"] == "timezone"
    r = api.patch(f"/workspaces/{workspace.pk}", {"timezone": tz})
    assert r.status_code == 422
    workspace.refresh_from_db()
    assert workspace.timezone == "Europe/Kyiv"
    assert api.patch(f"/workspaces/{workspace.pk}", {"timezone": "America/Toronto"}).json()[
        "timezone"] == "America/Toronto"


@pytest.mark.parametrize("body", [
    b'{"name": "Useful \\ud800"}',  # a lone surrogate: no UTF-8 for it
    b'{"name": "Use\\u0000ful"}',  # NUL: PostgreSQL refuses it in text
    b'{"name": "Useful", "description": "\\udfff"}',
    b'{"name": "Useful", "\\u0000": 1}',
])
def test_unstorable_text_in_json_is_refused(api, workspace, body):
    r = api.post(f"/workspaces/{workspace.pk}/rubrics", body)
    assert r.status_code == 400
    assert error(r)["code"] == "invalid_text"
    assert "cannot be stored" in error(r)["message"]
    assert not Rubric.objects.exists()


def test_unstorable_text_in_queries_and_forms_is_refused(api, workspace):
    r = api.get(f"/workspaces/{workspace.pk}/publications?status=%00")
    assert r.status_code == 400 and error(r)["code"] == "invalid_text"
    r = api.client.post(f"/api/v1/workspaces/{workspace.pk}/media",
                        {"file": SimpleUploadedFile("cup.png", _png((4, 4))),
                         "alt_text": "a\x00b"}, **api.headers)
    assert r.status_code == 400 and error(r)["code"] == "invalid_text"
    assert not MediaAsset.objects.exists()


@pytest.mark.parametrize("body", [b"[1, 2]", b"[null, null]", b'"name"', b"3", b"null"])
def test_a_body_that_is_not_a_json_object_is_refused(api, workspace, body):
    r = api.patch(f"/workspaces/{workspace.pk}", body)
    assert r.status_code == 422
    assert error(r)["details"]["fields"] == [{"field": "body",
                                              "problem": "must be a JSON object ({...})"}]
    r = api.post(f"/workspaces/{workspace.pk}/campaigns", body)
    assert r.status_code == 422 and not Campaign.objects.exists()


@pytest.mark.parametrize("body", [b"\xff\xfe{}", b'{"name": ', b"{'name': 1}"])
def test_a_body_that_is_not_json_is_refused(api, workspace, body):
    r = api.patch(f"/workspaces/{workspace.pk}", body)
    assert r.status_code == 400
    assert error(r) == {"code": "malformed_body",
                        "message": "The request body is not valid JSON."}


def test_dates_are_iso_text_not_numbers(api, workspace):
    r = api.post(f"/workspaces/{workspace.pk}/campaigns", {"name": "Winter", "starts_on": 0})
    assert r.status_code == 422 and not Campaign.objects.exists()
    r = api.get(f"/workspaces/{workspace.pk}/publications?until=0.5")
    assert r.status_code == 422
    r = api.post(f"/workspaces/{workspace.pk}/campaigns",
                 {"name": "Winter", "starts_on": "2030-12-01"})
    assert r.status_code == 201 and r.json()["starts_on"] == "2030-12-01"


def test_a_time_zone_offset_no_zone_has_is_refused_not_a_server_error(api, workspace):
    """Python reads offsets up to ±23:59, PostgreSQL stores up to ±15:59 (found by
    schemathesis on PostgreSQL: "1453-02-03T18:45:59-20:17" was a 500)."""
    r = api.get(f"/workspaces/{workspace.pk}/publications?until=1453-02-03T18:45:59-20:17")
    assert r.status_code == 422 and "-14:00 and +14:00" in r.content.decode()
    r = api.get(f"/workspaces/{workspace.pk}/publications?until=2030-02-03T18:45:59%2B14:00")
    assert r.status_code == 200


def test_text_longer_than_its_column_is_refused(api, workspace):
    r = api.post(f"/workspaces/{workspace.pk}/campaigns",
                 {"name": "Winter", "utm_campaign": "w" * 101})
    assert r.status_code == 422
    r = api.post(f"/workspaces/{workspace.pk}/campaigns",
                 {"name": "Winter", "utm_campaign": "зима"})
    assert r.status_code == 422  # a slug column: letters, digits, - and _
    assert not Campaign.objects.exists()


def test_an_oversized_image_is_refused_with_its_reason(api, workspace):
    buf = io.BytesIO()
    Image.new("1", (9000, 9000)).save(buf, "PNG")
    r = api.client.post(f"/api/v1/workspaces/{workspace.pk}/media",
                        {"file": SimpleUploadedFile("bomb.png", buf.getvalue())},
                        **api.headers)
    assert r.status_code == 400 and error(r)["code"] == "image_too_large"
    assert not MediaAsset.objects.exists()


def test_every_operation_documents_the_errors_it_can_answer():
    paths = ninja_api.get_openapi_schema(path_prefix="/api/v1")["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            codes = {int(code) for code in operation["responses"]}
            assert {400, 401, 403, 404, 422, 429} <= codes, (method, path)
            error_schema = operation["responses"][400]["content"]["application/json"]
            assert error_schema["schema"]["$ref"].endswith("/ErrorOut")


def _png(size) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buf, "PNG")
    return buf.getvalue()
