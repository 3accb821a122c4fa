"""Set a goal and see its pace: the owner of a growing channel asks for 1,000 followers
and is told how many a day it takes, where the current pace leads, and the status."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from smmdesk.accounts.services import user_create, workspace_create
from smmdesk.analytics.models import ChannelSnapshot, Goal
from smmdesk.channels.services import channel_connect
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


def test_set_a_goal_and_see_its_pace(live_server, new_page, shots):
    owner = user_create(email="olena@example.com", password=PASSWORD, name="Olena")
    ws = workspace_create(name="Zerno Coffee", owner=owner, timezone_name="Europe/Kyiv")
    channel = channel_connect(workspace=ws, kind="sandbox", actor=owner,
                              data={"name": "Zerno · Kyiv", "audience": "uk"})
    today = timezone.localdate(timezone.now(), ws.tz)
    for i in range(10):  # 500 → 590, ten followers a day
        ChannelSnapshot.objects.create(workspace=ws, channel=channel,
                                       day=today - timedelta(days=9 - i), followers=500 + 10 * i)

    page = new_page()
    sign_in(page, live_server.url, "olena@example.com", PASSWORD, lands_on=f"/w/{ws.slug}/")
    page.goto(f"{live_server.url}/w/{ws.slug}/goals/")
    page.click("#goal-new")
    form = page.locator("#goal-form")
    form.locator("input[name=name]").fill("Audience of 1000")
    form.locator("select[name=metric]").select_option("followers")
    form.locator("input[name=target]").fill("1000")
    form.locator("input[name=starts_on]").fill((today - timedelta(days=9)).isoformat())
    form.locator("input[name=ends_on]").fill((today + timedelta(days=21)).isoformat())
    form.get_by_label("Zerno · Kyiv").check()
    shots(page, "form")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/w/{ws.slug}/goals/")

    card = page.locator("li.goal", has_text="Audience of 1000")
    assert card.locator(".goal-pace").inner_text() == "Needs 20 a day to reach 1,000."
    assert "At the current pace 800 by" in card.locator(".goal-forecast").inner_text()
    assert card.locator(".badge").inner_text() == "Off track"
    assert card.locator("progress").get_attribute("value") == "59"
    shots(page, "listed")
    assert list(Goal.objects.get().channels.all()) == [channel]

    page.goto(f"{live_server.url}/w/{ws.slug}/")  # the dashboard shows it too
    assert "Needs 20 a day" in page.locator("#dash-goals").inner_text()
    shots(page, "dashboard")
