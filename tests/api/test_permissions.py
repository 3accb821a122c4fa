"""Every API operation of the OpenAPI schema, as every role, an outsider and nobody.

The table is written by hand, independently of ``accounts/roles.py``. The permission is
checked before ninja reads the body, so an empty JSON object is enough: a role that may
act gets past the check (2xx, or 4xx about the body), one that may not gets 403.
"""

from __future__ import annotations

import re

import pytest
from django.db import transaction

from smmdesk.accounts.roles import PERMISSIONS, Perm
from smmdesk.api.v1 import api
from tests.accounts.world import PERSONAS, ROLES, build_world
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db

ALL = frozenset(ROLES)
STAFF = ALL - {"client"}
TEAM = frozenset({"owner", "manager", "editor"})
LEADS = frozenset({"owner", "manager"})
OWNER = frozenset({"owner"})
ANALYTICS = frozenset({"owner", "manager", "analyst", "client"})
SIGNED_IN = "signed_in"
LISTENING_MANAGE = frozenset({"owner", "manager", "analyst"})

WS = "/api/v1/workspaces/{ws}"
EXPECTED: dict[tuple[str, str], frozenset | str] = {
    ("GET", "/api/v1/me"): SIGNED_IN,
    ("GET", "/api/v1/workspaces"): SIGNED_IN, ("POST", "/api/v1/workspaces"): SIGNED_IN,
    ("GET", "/api/v1/tokens"): SIGNED_IN, ("POST", "/api/v1/tokens"): SIGNED_IN,
    ("DELETE", "/api/v1/tokens/{token_id}"): SIGNED_IN,
    ("GET", WS): ALL, ("PATCH", WS): OWNER, ("GET", WS + "/members"): STAFF,
    ("GET", WS + "/channels"): STAFF, ("POST", WS + "/channels"): LEADS,
    ("GET", WS + "/channels/{channel_id}"): STAFF,
    ("PATCH", WS + "/channels/{channel_id}"): LEADS,
    ("GET", WS + "/rubrics"): ALL, ("POST", WS + "/rubrics"): TEAM,
    ("GET", WS + "/campaigns"): ALL, ("POST", WS + "/campaigns"): TEAM,
    ("GET", WS + "/media"): ALL, ("POST", WS + "/media"): TEAM,
    ("GET", WS + "/media/{media_id}"): ALL,
    ("GET", WS + "/posts"): ALL, ("POST", WS + "/posts"): TEAM,
    ("GET", WS + "/posts/{post_id}"): ALL, ("PATCH", WS + "/posts/{post_id}"): TEAM,
    ("DELETE", WS + "/posts/{post_id}"): TEAM,
    ("PUT", WS + "/posts/{post_id}/variants"): TEAM,
    ("GET", WS + "/publications"): STAFF, ("POST", WS + "/publications"): TEAM,
    ("GET", WS + "/publications/{pub_id}"): STAFF,
    ("POST", WS + "/publications/{pub_id}/reschedule"): TEAM,
    ("POST", WS + "/publications/{pub_id}/cancel"): TEAM,
    ("POST", WS + "/publications/{pub_id}/retry"): TEAM,
    ("POST", WS + "/publications/{pub_id}/settle"): LEADS,
    # money (api/routers/money.py): read by analytics.view, written by money.edit
    ("GET", WS + "/conversions"): ALL - {"editor"}, ("POST", WS + "/conversions"): LEADS,
    ("GET", WS + "/costs"): ALL - {"editor"}, ("POST", WS + "/costs"): LEADS,
    ("DELETE", WS + "/costs/{cost_id}"): LEADS, ("GET", WS + "/roi"): ALL - {"editor"},
    ("GET", WS + "/reports"): ALL - {"editor"},
    ("POST", WS + "/reports"): ALL - {"editor", "client"},
    ("GET", WS + "/reports/{report_id}"): ALL - {"editor"},
    ("GET", WS + "/reports/{report_id}/pdf"): ALL - {"editor"},
    ("GET", WS + "/reports/{report_id}/csv"): ALL - {"editor"},
    # analytics (api/routers/analytics.py): read by analytics.view, goals by goals.edit,
    # links made by content.edit (as the composer's "Shorten links" makes them)
    ("GET", WS + "/metrics"): ANALYTICS, ("GET", WS + "/metrics/posts"): ANALYTICS,
    ("GET", WS + "/channels/{channel_id}/snapshots"): ANALYTICS,
    ("GET", WS + "/publications/{pub_id}/snapshots"): ANALYTICS,
    ("GET", WS + "/snapshots"): ANALYTICS,
    ("GET", WS + "/goals"): ANALYTICS, ("POST", WS + "/goals"): LEADS,
    ("GET", WS + "/goals/{goal_id}"): ANALYTICS, ("PATCH", WS + "/goals/{goal_id}"): LEADS,
    ("DELETE", WS + "/goals/{goal_id}"): LEADS,
    ("GET", WS + "/links"): ANALYTICS, ("POST", WS + "/links"): TEAM,
    ("GET", WS + "/links/{link_id}"): ANALYTICS,
    ("GET", WS + "/links/{link_id}/clicks"): ANALYTICS,
    # listening (api/routers/listening.py): read by listening.view, queries and sources
    # by listening.manage, mentions worked by mentions.answer
    ("GET", WS + "/listening/queries"): STAFF,
    ("POST", WS + "/listening/queries"): LISTENING_MANAGE,
    ("PATCH", WS + "/listening/queries/{query_id}"): LISTENING_MANAGE,
    ("DELETE", WS + "/listening/queries/{query_id}"): LISTENING_MANAGE,
    ("POST", WS + "/listening/check"): STAFF,
    ("GET", WS + "/listening/sources"): STAFF,
    ("POST", WS + "/listening/sources"): LISTENING_MANAGE,
    ("DELETE", WS + "/listening/sources/{source_id}"): LISTENING_MANAGE,
    ("GET", WS + "/listening/mentions"): STAFF,
    ("PATCH", WS + "/listening/mentions/{mention_id}"): TEAM,
    ("POST", WS + "/listening/mentions/{mention_id}/reply"): TEAM,
    ("GET", WS + "/listening/stories"): STAFF,
}


def operations():
    """(METHOD, path) of every operation the schema documents."""
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method in methods:
            yield method.upper(), path


def registered():
    """(METHOD, path, operation) of every operation ninja routes, documented or not."""
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for op in view.operations:
                for method in op.methods:
                    yield method, "/api/v1" + prefix + path, op


OPERATIONS = sorted(set(operations()))


def test_the_table_covers_every_operation_and_nothing_else():
    assert sorted(set(OPERATIONS) - set(EXPECTED)) == [], "add the new route to EXPECTED"
    assert sorted(set(EXPECTED) - set(OPERATIONS)) == [], "this route is gone"


@pytest.mark.parametrize("method,path,op", [pytest.param(*r, id=f"{r[0]} {r[1]}")
                                            for r in registered()])
def test_every_route_declares_the_permission_of_the_table(method, path, op):
    declared = {getattr(cb, "permission", None) for cb in op.auth_callbacks}
    assert len(declared) == 1 and None not in declared, \
        f"{method} {path}: add auth=requires(Perm.X)"
    (permission,) = declared
    roles = str(permission) if permission == Perm.SIGNED_IN else PERMISSIONS[permission]
    assert roles == EXPECTED.get((method, path)), f"{method} {path}"


@pytest.fixture
def world(workspace, owner, outsider, member_factory):
    return build_world(workspace=workspace, owner=owner, outsider=outsider,
                       member_factory=member_factory)


def _answer(world, persona: str, method: str, path: str) -> int:
    url = re.sub(r"\{(\w+)\}", lambda m: str(world.ids[m.group(1)]), path)[len("/api/v1"):]
    with transaction.atomic():  # what one persona changed, the next does not see
        client = ApiClient(None if persona == "anonymous" else world.users[persona])
        body = None if method in ("GET", "DELETE") else {}
        status = client.call(method, url, body).status_code
        transaction.set_rollback(True)
    return status


def _ok(expected, persona: str, status: int) -> bool:
    allowed = status not in (401, 403, 404)
    if persona == "anonymous":
        return status == 401
    if expected == SIGNED_IN:
        return allowed
    if persona == "outsider":
        return status == 404
    return allowed if persona in expected else status == 403


@pytest.mark.parametrize("method,path", OPERATIONS)
def test_each_persona_gets_what_the_table_says(method, path, world):
    expected = EXPECTED[(method, path)]
    answers = {p: _answer(world, p, method, path) for p in PERSONAS}
    wrong = {p: s for p, s in answers.items() if not _ok(expected, p, s)}
    assert wrong == {}, f"{method} {path}: {wrong}"


def test_a_client_reads_no_publications_or_team_list(world):
    client = ApiClient(world.users["client"])
    for tail in ("publications", f"publications/{world.ids['pub_id']}", "members", "channels"):
        r = client.get(f"/workspaces/{world.ids['ws']}/{tail}")
        assert r.status_code == 403 and r.json()["error"]["code"] == "role_forbids", tail
