"""API v1: tokens, the JSON error shape, posts and publications end to end."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from smmdesk.content.models import Post
from smmdesk.publishing.models import Publication, Status
from tests.files import png_bytes

pytestmark = pytest.mark.django_db


def soon(minutes=60):
    return (timezone.now() + timedelta(minutes=minutes)).isoformat()


def test_it_needs_a_token(api_as, workspace):
    r = api_as(None).get("/workspaces")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
    r = api_as(None).get("/workspaces", HTTP_AUTHORIZATION="Bearer smm_not-a-real-token")
    assert r.status_code == 401


def test_it_lists_my_workspaces_with_my_role(api, workspace, editor, api_as):
    assert api.get("/workspaces").json() == [{
        "id": workspace.pk, "name": "Zerno Coffee", "slug": workspace.slug,
        "timezone": "Europe/Kyiv", "language": "en", "role": "owner"}]
    assert api_as(editor).get("/workspaces").json()[0]["role"] == "editor"


def test_it_creates_a_post_for_two_channels_and_schedules_it(api, workspace, sandbox, owner):
    from smmdesk.channels.services import channel_connect

    second = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                             data={"name": "Zerno · Minsk", "audience": "be"})
    at = soon()
    r = api.post(f"/workspaces/{workspace.pk}/posts", {
        "title": "Winter blend", "body": "Зимовий бленд повернувся!",
        "variants": [{"channel_id": sandbox.pk},
                     {"channel_id": second.pk, "text": "Зімовы бленд вярнуўся!"}],
        "publish_at": at})
    assert r.status_code == 201, r.content
    post = r.json()
    assert [v["text"] for v in post["variants"]] == ["Зимовий бленд повернувся!",
                                                      "Зімовы бленд вярнуўся!"]
    assert {p["status"] for p in post["publications"]} == {"scheduled"}
    pubs = api.get(f"/workspaces/{workspace.pk}/publications?status=scheduled").json()
    assert pubs["count"] == 2


def test_too_long_text_names_the_network_and_limit_and_stores_nothing(api, workspace, sandbox):
    r = api.post(f"/workspaces/{workspace.pk}/posts", {
        "body": "x" * 5001, "variants": [{"channel_id": sandbox.pk}], "publish_at": "now"})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "text_too_long"
    assert error["message"] == "Sandbox allows at most 5000 characters; this text has 5001."
    assert error["details"]["channel_id"] == sandbox.pk
    assert not Post.objects.exists() and not Publication.objects.exists()


def test_scheduling_in_the_past_is_refused(api, workspace, sandbox, make_post_api):
    post_id = make_post_api()
    past = (timezone.now() - timedelta(hours=2)).isoformat()
    r = api.post(f"/workspaces/{workspace.pk}/publications",
                 {"post_id": post_id, "channel_id": sandbox.pk, "at": past})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "time_in_past"
    assert "in the past" in r.json()["error"]["message"]


def test_a_time_without_offset_is_the_workspaces_local_time(api, workspace, sandbox,
                                                             make_post_api):
    r = api.post(f"/workspaces/{workspace.pk}/publications",
                 {"post_id": make_post_api(), "channel_id": sandbox.pk,
                  "at": "2030-01-01T10:00:00"})
    assert r.status_code == 201
    assert Publication.objects.get().scheduled_at.isoformat() == "2030-01-01T08:00:00+00:00"


def test_a_channel_of_another_workspace_is_not_found(api, workspace, outsider, make_post_api):
    from smmdesk.accounts.models import Workspace
    from smmdesk.channels.services import channel_connect

    foreign_ws = Workspace.objects.get(memberships__user=outsider)
    foreign = channel_connect(workspace=foreign_ws, kind="sandbox", actor=outsider,
                              data={"name": "Theirs"})
    r = api.post(f"/workspaces/{workspace.pk}/publications",
                 {"post_id": make_post_api(), "channel_id": foreign.pk})
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "channel_not_found"
    assert not Publication.objects.exists()


def test_a_malformed_body_gets_a_clear_error(api, workspace):
    r = api.post(f"/workspaces/{workspace.pk}/posts", "{not json")
    assert r.status_code == 400
    assert r.json()["error"] == {"code": "malformed_body",
                                 "message": "The request body is not valid JSON."}
    r = api.post(f"/workspaces/{workspace.pk}/posts", {"variants": [{"channel_id": "x"}]})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["details"]["fields"][0]["field"] == "variants.0.channel_id"


def test_reschedule_cancel_and_attempts(api, workspace, sandbox, make_post_api):
    r = api.post(f"/workspaces/{workspace.pk}/publications",
                 {"post_id": make_post_api(), "channel_id": sandbox.pk, "at": soon()})
    pub_id = r.json()["id"]
    later = soon(180)
    r = api.post(f"/workspaces/{workspace.pk}/publications/{pub_id}/reschedule", {"at": later})
    assert r.status_code == 200
    assert r.json()["scheduled_at"][:16] == later[:16]
    r = api.post(f"/workspaces/{workspace.pk}/publications/{pub_id}/cancel")
    assert r.json()["status"] == "cancelled"
    r = api.post(f"/workspaces/{workspace.pk}/publications/{pub_id}/cancel")
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_transition"
    detail = api.get(f"/workspaces/{workspace.pk}/publications/{pub_id}").json()
    assert detail["attempts"] == [] and detail["status"] == "cancelled"


def test_a_claimed_publication_cannot_be_moved(api, workspace, sandbox, make_post_api):
    r = api.post(f"/workspaces/{workspace.pk}/publications",
                 {"post_id": make_post_api(), "channel_id": sandbox.pk})
    pub_id = r.json()["id"]
    Publication.objects.filter(pk=pub_id).update(status=Status.PUBLISHING)
    r = api.post(f"/workspaces/{workspace.pk}/publications/{pub_id}/reschedule",
                 {"at": soon()})
    assert r.status_code == 409
    assert "cannot be moved" in r.json()["error"]["message"]


def test_filters_by_status_channel_and_time(api, workspace, sandbox, make_post_api):
    for minutes in (60, 120, 600):
        api.post(f"/workspaces/{workspace.pk}/publications",
                 {"post_id": make_post_api(), "channel_id": sandbox.pk, "at": soon(minutes)})
    until = (timezone.now() + timedelta(minutes=200)).isoformat()
    r = api.get(f"/workspaces/{workspace.pk}/publications",
                data={"status": "scheduled", "channel_id": sandbox.pk, "until": until})
    assert r.json()["count"] == 2
    assert api.get(f"/workspaces/{workspace.pk}/publications",
                   data={"status": "published"}).json()["count"] == 0


def test_media_upload_checks_the_bytes(api, workspace):
    url = f"/workspaces/{workspace.pk}/media"
    ok = api.client.post(f"/api/v1{url}", {"file": SimpleUploadedFile("cup.png", png_bytes()),
                                           "alt_text": "A cup"}, **api.headers)
    assert ok.status_code == 201, ok.content
    assert ok.json()["kind"] == "image" and ok.json()["width"] == 8
    fake = SimpleUploadedFile("virus.jpg", b"MZ\x90\x00 this is an exe")
    r = api.client.post(f"/api/v1{url}", {"file": fake}, **api.headers)
    assert r.status_code == 400 and r.json()["error"]["code"] == "unsupported_file"
    assert "virus.jpg is not a supported file" in r.json()["error"]["message"]
    broken = SimpleUploadedFile("half.png", png_bytes()[:30])
    r = api.client.post(f"/api/v1{url}", {"file": broken}, **api.headers)
    assert r.status_code == 400 and r.json()["error"]["code"] == "broken_image"


def test_an_oversized_upload_is_refused(api, workspace, settings):
    settings.SMMDESK_MAX_IMAGE_MB = 0
    r = api.client.post(f"/api/v1/workspaces/{workspace.pk}/media",
                        {"file": SimpleUploadedFile("cup.png", png_bytes())}, **api.headers)
    assert r.status_code == 400 and r.json()["error"]["code"] == "file_too_large"


def test_an_analyst_can_read_but_not_write(api_as, analyst, workspace, sandbox):
    client = api_as(analyst)
    assert client.get(f"/workspaces/{workspace.pk}/publications").status_code == 200
    r = client.post(f"/workspaces/{workspace.pk}/posts", {"body": "hi"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "role_forbids"


def test_tokens_can_be_created_and_revoked(api, api_as, owner):
    r = api.post("/tokens", {"name": "reports"})
    assert r.status_code == 201
    token = r.json()["token"]
    assert token.startswith("smm_")
    other = api_as(None)
    other.headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert other.get("/me").json()["email"] == owner.email
    assert api.delete(f"/tokens/{r.json()['id']}").status_code == 204
    assert other.get("/me").status_code == 401


def test_the_openapi_document_is_served(api):
    r = api.client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert "/api/v1/workspaces/{ws}/publications" in paths


def test_a_published_post_cannot_be_edited(api, workspace, sandbox, make_post_api):
    post_id = make_post_api()
    r = api.post(f"/workspaces/{workspace.pk}/publications",
                 {"post_id": post_id, "channel_id": sandbox.pk})
    Publication.objects.filter(pk=r.json()["id"]).update(status=Status.PUBLISHED)
    r = api.patch(f"/workspaces/{workspace.pk}/posts/{post_id}", {"body": "changed"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "post_locked"
    assert Post.objects.get(pk=post_id).body == "Hello"


def test_an_edit_that_breaks_a_queued_channel_is_refused(api, workspace, sandbox,
                                                         make_post_api):
    post_id = make_post_api()
    api.post(f"/workspaces/{workspace.pk}/publications",
             {"post_id": post_id, "channel_id": sandbox.pk, "at": soon()})
    r = api.patch(f"/workspaces/{workspace.pk}/posts/{post_id}", {"body": "y" * 5001})
    assert r.status_code == 400 and r.json()["error"]["code"] == "text_too_long"
    assert Post.objects.get(pk=post_id).body == "Hello"


# ---------------------------------------------------------------- posts: fuzzing finds


def test_a_json_array_as_a_post_is_refused_and_stores_nothing(api, workspace):
    for body in ([{"body": "x"}, 2], [], "[]"):
        r = api.post(f"/workspaces/{workspace.pk}/posts", body)
        assert r.status_code in (400, 422), r.content
    assert not Post.objects.exists()


def test_null_media_on_a_new_post_is_a_clear_error(api, workspace):
    r = api.post(f"/workspaces/{workspace.pk}/posts", {"body": "x", "media_ids": None})
    assert r.status_code == 422
    assert r.json()["error"]["details"]["fields"][0]["field"] == "media_ids"
    assert not Post.objects.exists()


def test_a_post_can_go_to_the_queue_or_for_approval_as_in_the_composer(api, workspace,
                                                                        sandbox):
    from datetime import time

    from smmdesk.accounts.models import ApprovalMode
    from smmdesk.publishing.queue import slot_add
    from smmdesk.team.services import approval_mode_set

    for weekday in range(7):
        slot_add(channel=sandbox, weekday=weekday, at=time(23, 59))
    r = api.post(f"/workspaces/{workspace.pk}/posts", {
        "body": "Queued", "variants": [{"channel_id": sandbox.pk}], "action": "queue"})
    assert r.status_code == 201 and r.json()["publications"][0]["status"] == "scheduled"
    approval_mode_set(workspace=workspace, mode=ApprovalMode.INTERNAL)
    r = api.post(f"/workspaces/{workspace.pk}/posts", {
        "body": "Check me", "variants": [{"channel_id": sandbox.pk}], "action": "approval",
        "publish_at": soon()})
    assert r.status_code == 201 and r.json()["publications"][0]["status"] == "pending_approval"
    assert Post.objects.get(pk=r.json()["id"]).approval == "pending_team"


# ---------------------------------------------------------------- daylight saving (Kyiv)


def test_a_local_time_the_clocks_skip_is_refused_with_the_nearest_valid_times(
        api, workspace, sandbox):
    from tests.dst import spring_forward

    r = api.post(f"/workspaces/{workspace.pk}/posts", {
        "body": "x", "variants": [{"channel_id": sandbox.pk}],
        "publish_at": f"{spring_forward()}T03:30:00"})
    error = r.json()["error"]
    assert r.status_code == 400 and error["code"] == "time_does_not_exist"
    assert "Choose 02:59 or 04:00" in error["message"]
    assert error["details"]["after"] == f"{spring_forward()}T04:00:00+03:00"
    assert not Post.objects.exists()


def test_a_repeated_local_time_asks_for_the_offset_and_the_offset_picks_it(
        api, workspace, sandbox, make_post_api):
    from tests.dst import fall_back

    at = f"{fall_back()}T03:30:00"
    r = api.post(f"/workspaces/{workspace.pk}/posts", {
        "body": "x", "variants": [{"channel_id": sandbox.pk}], "publish_at": at})
    error = r.json()["error"]
    assert r.status_code == 400 and error["code"] == "time_ambiguous"
    assert error["details"] == {"first": f"{at}+03:00", "second": f"{at}+02:00"}
    assert not Post.objects.exists()
    for offset, utc in (("+03:00", "00:30"), ("+02:00", "01:30")):
        r = api.post(f"/workspaces/{workspace.pk}/posts", {
            "body": "x", "variants": [{"channel_id": sandbox.pk}],
            "publish_at": at + offset})
        assert r.status_code == 201, r.content
        pub = Publication.objects.get(pk=r.json()["publications"][0]["id"])
        assert pub.scheduled_at.isoformat() == f"{fall_back()}T{utc}:00+00:00"
    r = api.post(f"/workspaces/{workspace.pk}/publications",
                 {"post_id": make_post_api(), "channel_id": sandbox.pk, "at": at})
    assert r.status_code == 400 and r.json()["error"]["code"] == "time_ambiguous"
