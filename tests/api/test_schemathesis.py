"""The API against its own OpenAPI schema: generated requests (valid and invalid) to every
operation, as the owner of a workspace that has data. Fails on any 500, on a status code
the schema does not list, and on a body that does not match the documented shape."""

from __future__ import annotations

from datetime import date

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from smmdesk.accounts.services import api_token_create
from smmdesk.analytics.goals import goal_save
from smmdesk.analytics.links import link_create
from smmdesk.api.v1 import api
from smmdesk.channels.services import channel_connect
from smmdesk.content.services import media_upload, post_create, variant_set
from smmdesk.publishing.services import publication_draft
from tests.files import png_bytes

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection]


schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))
schema.app = get_wsgi_application()
# Deterministic, nothing kept between runs; the bearer token is ours (not generated), and
# unknown extra query parameters (ignored by design) are not counted as invalid input.
schema.config.generation.update(deterministic=True, database="none", max_examples=15,
                                with_security_parameters=False, allow_extra_parameters=False)


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Requests go through the real WSGI handler; keep it from closing the test's database
    connection at the end of each request, as Django's own test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(db, workspace, owner):
    """A workspace with a channel, a media file, a post and its draft publication; the ids
    generated requests aim at are these (other ids are fuzzed freely)."""
    channel = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                              data={"name": "Zerno", "audience": "uk"})
    media = media_upload(workspace=workspace, actor=owner,
                         upload=SimpleUploadedFile("cup.png", png_bytes()))
    post = post_create(workspace=workspace, actor=owner, body="Flat white", title="Cup",
                       media_ids=[media.pk])
    variant_set(post=post, channel=channel, text=None, media_ids=None)
    pub = publication_draft(post=post, channel=channel, actor=owner)
    goal = goal_save(workspace=workspace, name="Leads", metric="leads", target=20,
                     starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 31))
    link = link_create(workspace=workspace, target="https://zerno.example/", post=post,
                       channel=channel)
    _token, plain = api_token_create(user=owner, name="schemathesis")
    return {"token": plain, "ids": {"ws": workspace.pk, "channel_id": channel.pk,
                                    "media_id": media.pk, "post_id": post.pk,
                                    "pub_id": pub.pk, "goal_id": goal.pk,
                                    "link_id": link.pk}}


@schema.parametrize()
@settings(max_examples=15, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_api_conforms_to_its_schema(case, seeded):
    if not case.meta.is_negative_at(ParameterLocation.PATH):
        for name, value in (case.path_parameters or {}).items():
            case.path_parameters[name] = seeded["ids"].get(name, value)
    case.call_and_validate(headers={"Authorization": f"Bearer {seeded['token']}"},
                           checks=CHECKS)
