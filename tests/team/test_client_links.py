"""The client's approval link can be withdrawn; a withdrawn link says so on a plain page."""

from __future__ import annotations

import pytest
from django.core import signing
from django.test import Client

from smmdesk.accounts.models import ApprovalMode
from smmdesk.accounts.roles import Role
from smmdesk.lib.errors import Forbidden
from smmdesk.team.models import ClientLink
from smmdesk.team.services import (
    _SALT,
    approval_mode_set,
    client_link_open,
    client_link_revoke,
    client_link_token,
)

pytestmark = pytest.mark.django_db

MONTH = "2030-12"


@pytest.fixture
def manager(member_factory):
    return member_factory(Role.MANAGER)


@pytest.fixture
def links(workspace):
    approval_mode_set(workspace=workspace, mode=ApprovalMode.INTERNAL_CLIENT)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_link(client: Client, workspace) -> str:
    page = client.get(f"/w/{workspace.slug}/approvals/?month={MONTH}").content.decode()
    return page.split('id="client-link" value="')[1].split('"')[0]


def test_a_withdrawn_link_shows_a_plain_page_and_a_new_one_works(links, workspace, manager):
    client = login(manager)
    old = page_link(client, workspace)
    page_link(client, workspace)
    assert ClientLink.objects.count() == 1  # opening the page again keeps the same link
    path = "/a/" + old.split("/a/")[1]
    assert Client().get(path).status_code == 200
    r = client.post(f"/w/{workspace.slug}/approvals/links/revoke/", {"month": MONTH})
    assert r.status_code == 302
    gone = Client().get(path)
    text = gone.content.decode()
    assert gone.status_code == 403 and "This approval link was withdrawn by the team" in text
    assert "Zerno Coffee" not in text  # nothing of the workspace shows
    new = page_link(client, workspace)
    assert new != old and Client().get("/a/" + new.split("/a/")[1]).status_code == 200


def test_every_copy_of_a_link_is_withdrawn_together(links, workspace, owner):
    first = client_link_token(workspace=workspace, month=MONTH, actor=owner)
    again = client_link_token(workspace=workspace, month=MONTH, actor=owner)
    assert ClientLink.objects.count() == 1
    assert client_link_revoke(workspace=workspace, month=MONTH, actor=owner) == 1
    for token in (first, again):
        with pytest.raises(Forbidden, match="withdrawn"):
            client_link_open(token)
    other_month = client_link_token(workspace=workspace, month="2031-01")
    assert client_link_open(other_month) == (workspace, "2031-01")


def test_a_link_signed_without_a_row_is_refused(links, workspace):
    forged = signing.dumps({"w": workspace.pk, "m": MONTH}, salt=_SALT, compress=True)
    with pytest.raises(Forbidden, match="not valid"):
        client_link_open(forged)


def test_only_owners_and_managers_withdraw_links(links, workspace, owner, editor):
    token = client_link_token(workspace=workspace, month=MONTH, actor=owner)
    r = login(editor).post(f"/w/{workspace.slug}/approvals/links/revoke/", {"month": MONTH})
    assert r.status_code == 403
    assert client_link_open(token) == (workspace, MONTH)
