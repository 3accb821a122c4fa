"""A task is made on the Tasks page itself, for a colleague, with a deadline typed in the
workspace's time, and shows up in the list at once."""

from __future__ import annotations

import pytest

from smmdesk.accounts.roles import Role
from smmdesk.accounts.services import membership_set, user_create, workspace_create
from smmdesk.team.models import Task
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


def test_a_task_from_the_tasks_page(live_server, new_page, shots):
    owner = user_create(email="olena@example.com", password=PASSWORD, name="Olena")
    ws = workspace_create(name="Zerno Coffee", owner=owner, timezone_name="Asia/Tokyo")
    taras = user_create(email="taras@example.com", password=PASSWORD, name="Taras")
    membership_set(workspace=ws, user=taras, role=Role.EDITOR)

    page = new_page()
    sign_in(page, live_server.url, "olena@example.com", PASSWORD, lands_on=f"/w/{ws.slug}/")
    page.goto(f"{live_server.url}/w/{ws.slug}/tasks/")
    page.click("details.task-new summary")
    form = page.locator("#task-new")
    form.locator("select[name=kind]").select_option("video")
    form.locator("input[name=title]").fill("Reel from the roastery")
    form.locator("select[name=assignee]").select_option(str(taras.pk))
    form.locator("input[name=due]").fill("2030-03-05T18:00")
    shots(page, "form")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".messages")
    row = page.locator("tr", has_text="Reel from the roastery")
    assert "Taras" in row.inner_text() and "Video" in row.inner_text()
    shots(page, "listed")
    task = Task.objects.get()
    local = task.due_at.astimezone(ws.tz)
    assert (task.assignee, local.strftime("%Y-%m-%d %H:%M")) == (taras, "2030-03-05 18:00")
