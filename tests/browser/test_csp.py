"""The pages work under the Content-Security-Policy: Chromium reports no violation."""

from __future__ import annotations

import pytest

from smmdesk.accounts.models import ApprovalMode
from smmdesk.accounts.services import user_create, workspace_create
from smmdesk.channels.services import channel_connect
from smmdesk.content.services import post_create, rubric_create
from smmdesk.team.services import approval_mode_set
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = ["", "compose/", "calendar/", "calendar/?view=week", "plan/", "queue/", "inbox/",
         "approvals/", "channels/", "settings/", "publications/", "tasks/", "leads/",
         "moderation/", "goals/", "goals/new/", "analytics/content/",
         "analytics/"]


def test_no_page_breaks_the_policy(live_server, new_page, settings):
    settings.SITE_URL = live_server.url
    owner = user_create(email="olena@example.com", password="correct horse battery",
                        name="Olena")
    ws = workspace_create(name="Zerno Coffee", owner=owner, timezone_name="Europe/Kyiv")
    approval_mode_set(workspace=ws, mode=ApprovalMode.INTERNAL_CLIENT)
    rubric_create(workspace=ws, name="Useful", color="#12b76a", target_share=40)
    channel_connect(workspace=ws, kind="sandbox", actor=owner,
                    data={"name": "Zerno · Kyiv", "audience": "uk"})
    post_create(workspace=ws, actor=owner, body="Зимовий бленд повернувся!")

    page = new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(f"{page.url}: {m.text}")
            if "Content Security Policy" in m.text else None)
    sign_in(page, live_server.url, "olena@example.com", "correct horse battery",
            lands_on=f"{live_server.url}/w/**")
    for path in PAGES:
        page.goto(f"{live_server.url}/w/{ws.slug}/{path}")
        page.wait_for_load_state("networkidle")
    # Sizes and colours that come from data are applied by desk.js, not by style="".
    page.goto(f"{live_server.url}/w/{ws.slug}/plan/")
    assert page.eval_on_selector(".bar > i", "e => e.style.left") == "calc(40% - 1px)"
    assert page.eval_on_selector(".bar > span", "e => e.style.getPropertyValue('--c')") \
        == "#12b76a"
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info")
    assert violations == []
