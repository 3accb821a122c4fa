"""Every URL of the site, as every role, an outsider and nobody: who may open what.

The table below is written by hand, independently of ``accounts/roles.py``: a view whose
declared permission lets in other roles than the table says fails here, and so does a
URL that is not in the table or a view that declares no permission at all.
"""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from smmdesk.accounts.roles import PERMISSIONS, Perm
from tests.accounts.world import PERSONAS, ROLES, build_world

pytestmark = pytest.mark.django_db

ALL = frozenset(ROLES)
STAFF = ALL - {"client"}             # everyone but the client
TEAM = frozenset({"owner", "manager", "editor"})
LEADS = frozenset({"owner", "manager"})
OWNER = frozenset({"owner"})
PUBLIC = "public"                    # anyone, signed in or not, gets the same answer
SIGNED_IN = "signed_in"              # any signed-in user; nobody is sent to log in

W = "w/<slug:slug>/"
EXPECTED: dict[str, frozenset | str] = {
    # account pages
    "login/": PUBLIC, "logout/": PUBLIC, "api/docs": PUBLIC, "a/<str:token>/": PUBLIC,
    "a/<str:token>/media/<int:media_id>/": PUBLIC,
    "invite/<str:token>/": PUBLIC,
    "healthz": PUBLIC, "hooks/<str:kind>/": PUBLIC, "hooks/<str:kind>/<int:channel_id>/": PUBLIC,
    "hooks/conversions/<int:workspace_id>/": PUBLIC,
    "m/<str:token>/": PUBLIC,
    "l/<str:code>": PUBLIC,
    "": SIGNED_IN, "profile/": SIGNED_IN, "profile/password/": SIGNED_IN,
    "notifications/": SIGNED_IN,
    "workspaces/new/": SIGNED_IN, "oauth/callback/<str:kind>/": SIGNED_IN,
    # what a client sees: the dashboard, the plan, the calendar, posts, approvals
    W: ALL, W + "calendar/": ALL, W + "plan/": ALL, W + "plan/export/": ALL,
    W + "posts/<int:post_id>/": ALL, W + "compose/media/": ALL,
    W + "media/<int:media_id>/": ALL, W + "approvals/": ALL,
    W + "posts/<int:post_id>/approval/<str:action>/": ALL,
    W + "posts/<int:post_id>/comments/": ALL, W + "sandbox/posts/<int:sandbox_post_id>/": ALL,
    W + "goals/": ALL,
    # the desk: not for the client
    W + "publications/": STAFF, W + "publications/<int:pub_id>/": STAFF,
    W + "queue/": STAFF, W + "channels/": STAFF, W + "settings/": STAFF, W + "tasks/": STAFF,
    W + "inbox/": STAFF, W + "inbox/<int:message_id>/": STAFF, W + "leads/": STAFF,
    W + "leads/export.csv": STAFF, W + "moderation/": STAFF, W + "moderation/log/": STAFF,
    W + "moderation/replies/": STAFF, W + "moderation/metrics/": STAFF,
    W + "moderation/settings/": STAFF,
    # writing
    W + "publications/<int:pub_id>/<str:action>/": TEAM,
    W + "calendar/move/<int:pub_id>/": TEAM,
    W + "compose/": TEAM, W + "compose/check/": TEAM, W + "posts/<int:post_id>/copy/": TEAM,
    W + "posts/<int:post_id>/repeat/": TEAM, W + "posts/<int:post_id>/tasks/": TEAM,
    W + "tasks/<int:task_id>/done/": TEAM, W + "tasks/new/": TEAM,
    W + "plan/import/": TEAM, W + "plan/slots/add/": TEAM,
    W + "plan/slots/<int:slot_id>/delete/": TEAM, W + "plan/generate/": TEAM,
    W + "plan/rubrics/add/": TEAM, W + "plan/rubrics/<int:rubric_id>/": TEAM,
    W + "settings/hashtags/": TEAM, W + "settings/hashtags/<int:group_id>/": TEAM,
    W + "settings/hashtags/<int:group_id>/delete/": TEAM, W + "settings/snippets/": TEAM,
    W + "settings/snippets/<int:snippet_id>/": TEAM,
    W + "settings/snippets/<int:snippet_id>/delete/": TEAM,
    W + "inbox/bulk/": TEAM, W + "inbox/<int:message_id>/<str:action>/": TEAM,
    W + "moderation/replies/save/": TEAM,
    W + "moderation/replies/<int:reply_id>/delete/": TEAM,
    W + "leads/<int:lead_id>/": TEAM,
    # running the channels, the moderation rules and the client's links
    W + "queue/<int:channel_id>/times/add/": LEADS,
    W + "queue/<int:channel_id>/times/<int:slot_id>/remove/": LEADS,
    W + "channels/connect/<str:kind>/": LEADS, W + "channels/<int:channel_id>/status/": LEADS,
    W + "channels/<int:channel_id>/settings/": LEADS,
    W + "channels/oauth/<str:kind>/": LEADS, W + "channels/oauth-choose/": LEADS,
    W + "moderation/save/": LEADS, W + "moderation/<int:rule_id>/dry-run/": LEADS,
    W + "moderation/<int:rule_id>/enable/": LEADS, W + "moderation/<int:rule_id>/delete/": LEADS,
    W + "moderation/<int:rule_id>/move/": LEADS,
    W + "moderation/log/<int:action_id>/undo/": LEADS,
    W + "moderation/settings/save/": LEADS, W + "moderation/settings/test-alert/": LEADS,
    W + "approvals/links/revoke/": LEADS,
    W + "goals/new/": LEADS, W + "goals/<int:goal_id>/": LEADS,
    W + "goals/<int:goal_id>/delete/": LEADS,
    # inviting people (a manager never as an owner: tests/web/test_settings.py)
    W + "settings/members/": LEADS, W + "settings/invitations/<int:invitation_id>/revoke/": LEADS,
    # the workspace itself and its people
    W + "settings/workspace/": OWNER, W + "settings/approvals/": OWNER,
    # the numbers: not for the editor (tests/web/test_links.py)
    W + "links/": ALL - {"editor"}, W + "links/export.csv": ALL - {"editor"},
    W + "analytics/content/": ALL - {"editor"},
    W + "analytics/audience/": ALL - {"editor"},
    W + "analytics/audience/export/": ALL - {"editor"},
    W + "analytics/": ALL - {"editor"}, W + "analytics/export.csv": ALL - {"editor"},
    W + "analytics/money/": ALL - {"editor"},
    W + "analytics/money/export.csv": ALL - {"editor"},
    # money: conversions, costs, promo codes, the webhook's secret (tests/web/test_money_page.py)
    W + "analytics/money/conversions/add/": LEADS,
    W + "analytics/money/conversions/delete/": LEADS,
    W + "analytics/money/conversions/import/": LEADS,
    W + "analytics/money/costs/add/": LEADS, W + "analytics/money/costs/delete/": LEADS,
    W + "analytics/money/costs/import/": LEADS, W + "analytics/money/promo/add/": LEADS,
    W + "analytics/money/promo/delete/": LEADS, W + "analytics/money/settings/": LEADS,
    W + "analytics/money/settings/rotate/": LEADS,
    # reports: the client opens and downloads them; the analyst builds them
    W + "reports/": ALL - {"editor"}, W + "reports/<int:report_id>/": ALL - {"editor"},
    W + "reports/<int:report_id>/report.pdf": ALL - {"editor"},
    W + "reports/<int:report_id>/report.csv": ALL - {"editor"},
    W + "reports/make/": ALL - {"editor", "client"},
    W + "reports/brand/": ALL - {"editor", "client"},
    W + "reports/templates/<int:template_id>/delete/": ALL - {"editor", "client"},
    W + "settings/lead-times/": OWNER, W + "workers/": OWNER,
    W + "settings/members/<int:user_id>/role/": OWNER,
    W + "settings/members/<int:user_id>/remove/": OWNER,
    # competitors: the client reads the comparison, the analyst keeps the list
    W + "competitors/": ALL - {"editor"}, W + "competitors/topics/": ALL - {"editor"},
    W + "competitors/add/": ALL - {"editor", "client"},
    W + "competitors/<int:competitor_id>/pages/add/": ALL - {"editor", "client"},
    W + "competitors/<int:competitor_id>/delete/": ALL - {"editor", "client"},
    W + "competitors/pages/<int:page_id>/delete/": ALL - {"editor", "client"},
    # listening: staff read; owner/manager/analyst write queries and sources; the team answers
    W + "listening/": STAFF, W + "listening/<int:mention_id>/": STAFF,
    W + "listening/queries/": STAFF, W + "listening/sources/": STAFF,
    W + "listening/<int:mention_id>/<str:action>/": TEAM,
    W + "listening/queries/new/": ALL - {"editor", "client"},
    W + "listening/queries/check/": ALL - {"editor", "client"},
    W + "listening/queries/preview/": ALL - {"editor", "client"},
    W + "listening/queries/<int:query_id>/": ALL - {"editor", "client"},
    W + "listening/queries/<int:query_id>/enable/": ALL - {"editor", "client"},
    W + "listening/queries/<int:query_id>/delete/": ALL - {"editor", "client"},
    W + "listening/sources/add/": ALL - {"editor", "client"},
    W + "listening/sources/<int:source_id>/enable/": ALL - {"editor", "client"},
    W + "listening/sources/<int:source_id>/delete/": ALL - {"editor", "client"},
    # news: staff read it; the team makes drafts from it
    W + "news/": STAFF, W + "news/<int:story_id>/react/": TEAM,
}

# Path parameters that are not a row id, per route; and the id a route's name means.
VALUES = {
    W + "publications/<int:pub_id>/<str:action>/": {"action": "cancel"},
    W + "posts/<int:post_id>/approval/<str:action>/": {"action": "approve"},
    W + "inbox/<int:message_id>/<str:action>/": {"action": "status"},
    W + "channels/connect/<str:kind>/": {"kind": "sandbox"},
    W + "channels/oauth/<str:kind>/": {"kind": "sandbox"},
    "oauth/callback/<str:kind>/": {"kind": "sandbox"},
    "hooks/<str:kind>/": {"kind": "sandbox"},
    "hooks/<str:kind>/<int:channel_id>/": {"kind": "sandbox"},
    "hooks/conversions/<int:workspace_id>/": {"workspace_id": "ws"},
    W + "queue/<int:channel_id>/times/<int:slot_id>/remove/": {"slot_id": "posting_slot_id"},
    W + "listening/<int:mention_id>/<str:action>/": {"action": "status"},
}
API_NAMESPACE = "api-v1"  # walked from the OpenAPI schema in tests/api/test_permissions.py


def routes(resolver=None, prefix: str = ""):
    """(route, view) for every URL pattern, includes flattened; the API aside."""
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            if p.namespace != API_NAMESPACE:
                yield from routes(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


ROUTES = dict(routes())


def url_for(route: str, world) -> str:
    token = world.ids["invitation_token" if route.startswith("invite/") else "client_token"]
    values = {**world.ids, "token": token}
    extra = VALUES.get(route, {})

    def fill(m):
        name = m.group(2)
        value = extra.get(name, name)
        return str(values.get(value, value))

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


def declared_roles(permission) -> frozenset | str:
    if permission in (Perm.PUBLIC, Perm.SIGNED_IN):
        return str(permission)
    return frozenset(PERMISSIONS[permission])


def test_the_table_covers_every_url_and_nothing_else():
    assert sorted(set(ROUTES) - set(EXPECTED)) == [], "add the new URL to EXPECTED"
    assert sorted(set(EXPECTED) - set(ROUTES)) == [], "this URL is gone"


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_every_view_declares_the_permission_of_the_table(route):
    declared = getattr(ROUTES[route], "required_permission", None)
    assert declared is not None, f"{route}: decorate the view with @requires(Perm.X)"
    assert declared_roles(declared) == EXPECTED.get(route), route


@pytest.fixture
def world(workspace, owner, outsider, member_factory):
    return build_world(workspace=workspace, owner=owner, outsider=outsider,
                       member_factory=member_factory)


def _call(client: Client, url: str):
    """GET, or POST for a view that only takes POST (with an empty form)."""
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url)
    return response


def _sent_to_login(response) -> bool:
    return response.status_code == 302 and response.url.startswith("/login/")


def _answer(world, persona: str, url: str):
    client = Client()
    if persona != "anonymous":
        client.force_login(world.users[persona])
    with transaction.atomic():  # what one persona changed, the next does not see
        response = _call(client, url)
        transaction.set_rollback(True)
    return response


def _check(expected, persona: str, response) -> str | None:
    """None when the answer is what the table says, else what went wrong."""
    code = response.status_code
    allowed = code not in (401, 403, 404) and not _sent_to_login(response)
    if expected == SIGNED_IN:
        ok = _sent_to_login(response) if persona == "anonymous" else allowed
    elif persona == "anonymous":
        ok = _sent_to_login(response)
    elif persona == "outsider":
        ok = code == 404
    elif persona in expected:
        ok = allowed
    else:
        ok = code == 403
    return None if ok else f"{persona}: {code}"


@pytest.mark.parametrize("route", sorted(r for r, e in EXPECTED.items() if e != PUBLIC))
def test_each_persona_gets_what_the_table_says(route, world):
    url = url_for(route, world)
    wrong = [problem for persona in PERSONAS
             if (problem := _check(EXPECTED[route], persona, _answer(world, persona, url)))]
    assert wrong == [], f"{url}: {wrong}"


@pytest.mark.parametrize("route", sorted(r for r, e in EXPECTED.items() if e == PUBLIC))
def test_a_public_page_answers_everyone_alike(route, world):
    """No workspace role changes what a public page does, and nobody is sent to log in."""
    url = url_for(route, world)
    answers = {persona: _answer(world, persona, url) for persona in PERSONAS}
    anonymous = answers["anonymous"]
    assert anonymous.status_code not in (401, 403), url
    # Only logging out sends everybody, signed in or not, to the login page.
    assert not _sent_to_login(anonymous) or all(map(_sent_to_login, answers.values())), url
    codes = {persona: r.status_code for persona, r in answers.items() if persona != "anonymous"}
    assert len(set(codes.values())) == 1, f"{url}: {codes}"


def test_a_client_reads_no_leads_messages_or_moderation_log(world):
    client = Client()
    client.force_login(world.users["client"])
    slug = world.workspace.slug
    for tail in ("leads/", "leads/export.csv", "moderation/log/", "inbox/",
                 f"inbox/{world.ids['message_id']}/"):
        response = client.get(f"/w/{slug}/{tail}")
        assert response.status_code == 403, tail
        assert "Скільки коштує" not in response.content.decode()


def test_the_menu_shows_a_client_only_what_they_may_open(world):
    client = Client()
    client.force_login(world.users["client"])
    slug = world.workspace.slug
    page = client.get(f"/w/{slug}/").content.decode()
    for tail in ("calendar/", "plan/", "approvals/"):
        assert f'href="/w/{slug}/{tail}"' in page, tail
    for tail in ("leads/", "moderation/", "inbox/", "settings/", "publications/", "queue/"):
        assert f'href="/w/{slug}/{tail}"' not in page, tail
