"""Scheduling in a workspace that needs approval, as a manager does it in the browser:
every missing field named at once, a flash that says the post was sent for approval and
by when it must be approved, and a calendar that marks what cannot publish on time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from smmdesk.accounts.models import ApprovalMode
from smmdesk.accounts.services import user_create, workspace_create
from smmdesk.channels.services import channel_connect
from smmdesk.content.models import Post
from smmdesk.team.services import approval_mode_set, lead_days_set
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


def test_schedule_in_an_approval_workspace_says_what_it_did(live_server, new_page, shots):
    owner = user_create(email="olena@example.com", password=PASSWORD, name="Olena")
    ws = workspace_create(name="Zerno Coffee", owner=owner, timezone_name="Europe/Kyiv")
    approval_mode_set(workspace=ws, mode=ApprovalMode.INTERNAL)
    lead_days_set(workspace=ws, days={"approval": 2})
    channel = channel_connect(workspace=ws, kind="sandbox", actor=owner,
                              data={"name": "Kyiv", "audience": "uk"})
    page = new_page()
    sign_in(page, live_server.url, "olena@example.com", PASSWORD, lands_on=f"/w/{ws.slug}/")

    # neither a channel nor a day: both are named at once
    page.goto(f"{live_server.url}/w/{ws.slug}/compose/")
    page.fill("#id_body", "Зимовий бленд: https://zerno.by/winter")
    page.click("button[name=action][value=schedule]")
    banner = page.locator(".banner.bad", has_text="Choose").inner_text()
    assert "Choose at least one channel." in banner and "Choose the day" in banner
    assert page.locator("button[name=action][value=now]").count() == 0  # needs approval
    shots(page, "missing-fields")

    # tomorrow, with a two-day approval lead: sent for approval, but already late
    tomorrow = timezone.localdate(timezone.now(), ws.tz) + timedelta(days=1)
    page.check(f"[data-channel-toggle='{channel.pk}']")
    page.fill("#id_date", tomorrow.isoformat())
    page.fill("#id_time", "10:00")
    page.click("button[name=action][value=schedule]")
    page.wait_for_url("**/posts/*/")
    flash = page.locator("ul.messages li.warning").inner_text()
    post = Post.objects.get()
    assert post.approval == "pending_team"
    assert "Sent for approval" in flash and "has passed" in flash, flash
    shots(page, "flash")

    # the calendar marks it: it needs approval by a time that has passed
    page.goto(f"{live_server.url}/w/{ws.slug}/calendar/?date={tomorrow.isoformat()}")
    chip = page.locator(".chip.at-risk")
    assert chip.count() == 1
    assert "Needs approval by" in chip.get_attribute("title")
    assert chip.locator(".risk-mark").get_attribute("aria-label").startswith(
        "Needs approval by")
    shots(page, "calendar")
    page.goto(f"{live_server.url}/w/{ws.slug}/calendar/?view=list&date="
              f"{tomorrow.isoformat()}")
    assert page.get_by_text("Needs approval by").count() == 1
    page.goto(f"{live_server.url}/w/{ws.slug}/")
    assert "1 publication will not go out on time" in page.locator("#at-risk-banner").inner_text()
    shots(page, "dashboard")


def test_a_date_in_time_names_the_approval_deadline(live_server, new_page, shots):
    owner = user_create(email="olena@example.com", password=PASSWORD, name="Olena")
    ws = workspace_create(name="Zerno Coffee", owner=owner, timezone_name="Europe/Kyiv")
    approval_mode_set(workspace=ws, mode=ApprovalMode.INTERNAL)
    lead_days_set(workspace=ws, days={"approval": 2})
    channel = channel_connect(workspace=ws, kind="sandbox", actor=owner,
                              data={"name": "Kyiv", "audience": "uk"})
    page = new_page()
    sign_in(page, live_server.url, "olena@example.com", PASSWORD, lands_on=f"/w/{ws.slug}/")
    page.goto(f"{live_server.url}/w/{ws.slug}/compose/?channel={channel.pk}")
    body = "Зимовий бленд: https://zerno.by/winter"
    page.fill("#id_body", body)
    # the counter under the text shows the length as published, the preview's number
    page.wait_for_function("() => /links counted with their UTM tags/"
                           ".test(document.getElementById('count-body').textContent)")
    counter = page.locator("#count-body").inner_text()
    preview = page.locator(f"[data-check='{channel.pk}'] .counter").inner_text()
    assert preview in counter and int(preview.split(" / ")[0]) > len(body)

    day = timezone.localdate(timezone.now(), ws.tz) + timedelta(days=6)
    page.fill("#id_date", day.isoformat())
    page.fill("#id_time", "09:30")
    page.click("button[name=action][value=schedule]")
    page.wait_for_url("**/posts/*/")
    flash = page.locator("ul.messages li.success").inner_text()
    with translation.override("en"):
        due = date_format(Post.objects.get().publications.get().scheduled_at.astimezone(ws.tz)
                          - timedelta(days=2), "DATETIME_FORMAT")
    assert flash == f"Scheduled and sent for approval. It will publish only if it is " \
                    f"approved by {due}.", flash
    shots(page, "flash-in-time")
