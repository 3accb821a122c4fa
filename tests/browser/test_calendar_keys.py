"""A post moves in the calendar without a mouse: focus it, M, an arrow, Enter. The page
says where it went, the chip is in the new day, and the publication is a day later."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from smmdesk.accounts.services import user_create, workspace_create
from smmdesk.channels.services import channel_connect
from smmdesk.content.services import post_create
from smmdesk.publishing.models import Publication
from smmdesk.publishing.services import publication_schedule
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


def _login(page, live_server, ws) -> None:
    sign_in(page, live_server.url, "olena@example.com", PASSWORD, lands_on=f"/w/{ws.slug}/")


def test_a_post_moves_a_day_with_the_keyboard(live_server, new_page, shots):
    owner = user_create(email="olena@example.com", password=PASSWORD, name="Olena")
    ws = workspace_create(name="Zerno Coffee", owner=owner, timezone_name="Europe/Kyiv")
    channel = channel_connect(workspace=ws, kind="sandbox", actor=owner, data={"name": "Kyiv"})
    post = post_create(workspace=ws, actor=owner, body="Як заварити каву")
    first = (timezone.localdate() + timedelta(days=40)).replace(day=10)
    at = datetime.combine(first, datetime.min.time(), tzinfo=ws.tz).replace(hour=9, minute=30)
    pub = publication_schedule(post=post, channel=channel, at=at, actor=owner)
    day, next_day = first.isoformat(), (first + timedelta(days=1)).isoformat()

    page = new_page()
    _login(page, live_server, ws)
    page.goto(f"{live_server.url}/w/{ws.slug}/calendar/?view=month&date={day}")
    chip = page.locator(f"[data-pub='{pub.pk}']")
    assert page.locator(f"[data-drop-date='{day}'] [data-pub='{pub.pk}']").count() == 1
    chip.focus()
    page.keyboard.press("m")
    assert "moving" in chip.get_attribute("class")
    page.keyboard.press("ArrowRight")
    # Carried, not yet saved; the arrow did not leave for the next month.
    assert page.locator(f"[data-drop-date='{next_day}'] [data-pub='{pub.pk}']").count() == 1
    assert f"date={day}" in page.url
    shots(page, "carried")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.getElementById('cal-live').textContent.startsWith('Moved')")
    assert page.evaluate("document.activeElement.dataset.pub") == str(pub.pk)
    assert "flash" in chip.get_attribute("class")
    shots(page, "dropped")

    pub.refresh_from_db()
    moved = pub.scheduled_at.astimezone(ws.tz)
    assert moved.date() == first + timedelta(days=1) and (moved.hour, moved.minute) == (9, 30)
    page.reload()
    assert page.locator(f"[data-drop-date='{next_day}'] [data-pub='{pub.pk}']").count() == 1
    assert page.locator(f"[data-drop-date='{day}'] [data-pub]").count() == 0

    # Escape puts it back and saves nothing.
    chip = page.locator(f"[data-pub='{pub.pk}']")
    chip.focus()
    page.keyboard.press("m")
    page.keyboard.press("ArrowDown")  # a week later
    page.keyboard.press("Escape")
    assert page.locator(f"[data-drop-date='{next_day}'] [data-pub='{pub.pk}']").count() == 1
    assert Publication.objects.get(pk=pub.pk).scheduled_at == pub.scheduled_at
