"""The inbox in a real browser: the order chosen from the list stays after logging in
again, the keys follow it, and what came since the last visit is counted and marked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from smmdesk.accounts.services import user_create, workspace_create
from smmdesk.channels.services import channel_connect
from smmdesk.inbox.models import InboxVisit, Message
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


def log_in(page, live_server, slug: str) -> None:
    sign_in(page, live_server.url, "olena@example.com", PASSWORD, lands_on=f"/w/{slug}/")


def test_the_chosen_order_stays_and_new_messages_are_counted(live_server, new_page, shots):
    owner = user_create(email="olena@example.com", password=PASSWORD, name="Olena")
    ws = workspace_create(name="Zerno Coffee", owner=owner, timezone_name="Europe/Kyiv")
    channel = channel_connect(workspace=ws, kind="sandbox", actor=owner,
                              data={"name": "Kyiv", "audience": "uk"})
    now = timezone.now()

    def message(n: int, hours_ago: float, priority: int) -> Message:
        return Message.objects.create(
            workspace=ws, channel=channel, external_id=f"c{n}", text=f"Питання {n}",
            created_at=now - timedelta(hours=hours_ago), priority=priority,
            received_at=now - timedelta(hours=hours_ago))

    urgent_old, calm_new, calm_old = message(1, 5, 3), message(2, 0.2, 0), message(3, 9, 0)
    page = new_page()
    log_in(page, live_server, ws.slug)
    page.goto(f"{live_server.url}/w/{ws.slug}/inbox/")
    ids = "() => [...document.querySelectorAll('.inbox-row')].map(r => +r.dataset.id)"
    assert page.evaluate(ids) == [urgent_old.pk, calm_new.pk, calm_old.pk]
    assert page.locator(".inbox-new-count").count() == 0  # a first visit: nothing to compare

    page.select_option("select[name=sort]", "newest")
    page.wait_for_url("**sort=newest**")
    assert page.evaluate(ids) == [calm_new.pk, urgent_old.pk, calm_old.pk]
    page.wait_for_selector(f"#row-{calm_new.pk}.cursor")  # the keys follow the order shown
    page.keyboard.press("j")
    page.wait_for_selector(f"#row-{urgent_old.pk}.cursor")
    shots(page, "newest-first")

    # Two hours later two more arrive; the person logs in again the next day.
    InboxVisit.objects.filter(user=owner).update(seen_at=now - timedelta(hours=2),
                                                 since=None)
    Message.objects.filter(pk__in=[urgent_old.pk, calm_new.pk, calm_old.pk]).update(
        received_at=now - timedelta(hours=3))
    fresh = [message(4, 0.05, 0), message(5, 0.1, 2)]
    page.context.clear_cookies()
    log_in(page, live_server, ws.slug)
    page.goto(f"{live_server.url}/w/{ws.slug}/inbox/")
    assert page.locator("select[name=sort]").input_value() == "newest"
    assert page.evaluate(ids)[:3] == [fresh[0].pk, fresh[1].pk, calm_new.pk]
    assert page.locator(".inbox-new-count").inner_text() == "2 new since your last visit"
    assert page.locator(".inbox-row.fresh").count() == 2
    assert page.locator(f"#row-{calm_new.pk}.fresh").count() == 0
    shots(page, "new-since-last-visit")
