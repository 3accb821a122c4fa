"""A manager invites a colleague from the Team section of the settings: the invitation is
listed with its e-mail and role until accepted, and the link from the e-mail lets the
colleague in with that role."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from smmdesk.accounts.models import Membership
from smmdesk.accounts.roles import Role
from smmdesk.accounts.services import membership_set, user_create, workspace_create
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


def test_a_manager_invites_and_the_link_lets_the_colleague_in(live_server, new_page, shots,
                                                               run_outbox):
    owner = user_create(email="olena@example.com", password=PASSWORD, name="Olena")
    ws = workspace_create(name="Zerno Coffee", owner=owner, timezone_name="Europe/Kyiv")
    manager = user_create(email="marta@example.com", password=PASSWORD, name="Marta")
    membership_set(workspace=ws, user=manager, role=Role.MANAGER)

    page = new_page()
    sign_in(page, live_server.url, "marta@example.com", PASSWORD, lands_on=f"/w/{ws.slug}/")
    page.goto(f"{live_server.url}/w/{ws.slug}/settings/#members")
    form = page.locator("form.member-add")
    assert form.locator("option[value=owner]").count() == 0  # a manager makes no owners
    form.locator("input[name=email]").fill("nina@example.com")
    form.locator("select[name=role]").select_option("editor")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("table.invitations")
    row = page.locator("table.invitations tr", has_text="nina@example.com")
    assert "Editor" in row.inner_text()
    assert "An invitation was sent to nina@example.com" in page.locator(".messages").inner_text()
    shots(page, "pending")

    run_outbox()
    link = re.search(r"https?://\S+/invite/[\w-]+/", mail.outbox[-1].body)[0]
    guest = new_page()
    guest.goto(live_server.url + link[link.index("/invite/"):])
    assert "nina@example.com" in guest.inner_text("body")
    guest.fill("input[name=name]", "Nina")
    guest.fill("input[name=password]", "a long new password 42")
    shots(guest, "accept")
    guest.click("button[type=submit]")
    guest.wait_for_url(f"**/w/{ws.slug}/")
    assert "Welcome to Zerno Coffee" in guest.inner_text("body")
    assert Membership.objects.get(workspace=ws, user__email="nina@example.com").role == "editor"

    page.reload()
    assert page.locator("table.invitations").count() == 0  # accepted: no longer pending
    assert "nina@example.com" in page.inner_text("#members")
