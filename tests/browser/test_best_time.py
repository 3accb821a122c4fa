"""The queue page shows each channel's best-time heatmap, and one click adds a suggested
time as a weekly posting time."""

from __future__ import annotations

import pytest

from smmdesk.accounts.services import user_create, workspace_create
from smmdesk.publishing.models import PostingSlot
from tests.analytics.history import connect
from tests.browser.conftest import sign_in
from tests.web.test_analytics_content import make_history

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


def test_a_suggested_time_becomes_a_posting_time(live_server, new_page, shots):
    owner = user_create(email="olena@example.com", password=PASSWORD, name="Olena")
    ws = workspace_create(name="Zerno Coffee", owner=owner, timezone_name="Europe/Kyiv")
    channel = connect(ws, owner, "Zerno · Kyiv")
    make_history(ws, owner, channel)

    page = new_page()
    sign_in(page, live_server.url, "olena@example.com", PASSWORD, lands_on=f"/w/{ws.slug}/")
    page.goto(f"{live_server.url}/w/{ws.slug}/queue/")
    heat = page.locator(f"#heat-{channel.pk}")
    assert heat.locator(".heat-c").count() >= 7 * 24
    hot = heat.locator('.heat-c[data-level="4"]').first
    assert hot.bounding_box()["width"] > 5  # a visible cell, coloured by the stylesheet
    assert hot.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(55, 48, 163)"
    assert "Tue 19:00" in heat.locator(".heat-best").inner_text()
    shots(page, "heatmap")
    heat.locator('.heat-slot[data-weekday="1"][data-time="19:00"] button').click()
    page.wait_for_selector(".messages")
    assert "1 posting time added." in page.locator(".messages").inner_text()
    assert PostingSlot.objects.filter(channel=channel, weekday=1).count() == 1
    row = page.locator(f"#channel-{channel.pk}")
    assert "19:00" in row.inner_text()
    assert "already a posting time" in page.locator(f"#heat-{channel.pk}").inner_text()
    shots(page, "added")

    page.goto(f"{live_server.url}/w/{ws.slug}/analytics/content/")
    useful = page.locator('tr[data-group="Useful"]')
    assert "+33%" in useful.inner_text()
    assert useful.locator(".perf-advice").evaluate("e => getComputedStyle(e).color") \
        == "rgb(6, 118, 71)"  # above the average: green
    shots(page, "content-analytics")
