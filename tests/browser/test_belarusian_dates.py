"""A Belarusian manager reads Belarusian dates, 24-hour times, plural forms and statuses:
not «12/08/2026 9 папоўначы», «5 пасты» or "scheduled"."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from smmdesk.accounts.services import user_create, workspace_create
from smmdesk.channels.services import channel_connect
from smmdesk.content.services import post_create
from smmdesk.publishing.services import publication_schedule
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
MINSK = ZoneInfo("Europe/Minsk")


def test_a_belarusian_reader_sees_belarusian_dates(live_server, new_page, shots):
    owner = user_create(email="alesia@example.com", password=PASSWORD, name="Алеся")
    ws = workspace_create(name="Зерне", owner=owner, timezone_name="Europe/Minsk")
    channel = channel_connect(workspace=ws, kind="sandbox", actor=owner,
                              data={"name": "Зерне · Мінск", "audience": "be"})
    at = (datetime.now(MINSK) + timedelta(days=2)).replace(hour=21, minute=5, second=0,
                                                           microsecond=0)
    for n in range(5):
        post = post_create(workspace=ws, actor=owner, body=f"Зімовы бленд {n}")
        publication_schedule(post=post, channel=channel, at=at + timedelta(minutes=n),
                             actor=owner)

    page = new_page(locale="be-BY")  # no language chosen: the browser's
    sign_in(page, live_server.url, "alesia@example.com", PASSWORD, lands_on=f"/w/{ws.slug}/")
    home = page.locator("main").inner_text()
    shots(page, "dashboard")
    assert "пастоў на бліжэйшыя 7 дзён" in home and "5 пасты" not in home
    assert at.strftime("%d.%m.%Y 21:05") in home
    assert "папаўдні" not in home and "папоўначы" not in home

    page.goto(f"{live_server.url}/w/{ws.slug}/calendar/?view=list&date={at:%Y-%m-%d}")
    listed = page.locator("main").inner_text()
    shots(page, "calendar-list")
    assert "Запланавана" in listed and "scheduled" not in listed
    months = ["студзеня", "лютага", "сакавіка", "красавіка", "мая", "чэрвеня", "ліпеня",
              "жніўня", "верасня", "кастрычніка", "лістапада", "снежня"]
    assert f"{at.day} {months[at.month - 1]}" in listed  # not the classical «сьнежня»
