"""One key corrects a label in a real browser: a message smmdesk is unsure of says
"uncertain"; 2 makes it a complaint, 7 negative, and then it is pinned on top."""

from __future__ import annotations

import pytest
from django.utils import timezone

from smmdesk.accounts.services import user_create, workspace_create
from smmdesk.channels.services import channel_connect
from smmdesk.inbox.models import Message
from smmdesk.nlp.models import Correction
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
VAGUE = "Ну таке. Чекала більшого, якщо чесно"


def test_digits_correct_the_message_under_the_cursor(live_server, new_page, settings, shots):
    settings.SMMDESK_NLP_THRESHOLDS = {"pin": 0.7, "alert": 0.7, "lead": 0.7, "hide": 0.85,
                                       "rule": 0.7}
    owner = user_create(email="olena@example.com", password=PASSWORD, name="Olena")
    ws = workspace_create(name="Zerno Coffee", owner=owner, timezone_name="Europe/Kyiv")
    channel = channel_connect(workspace=ws, kind="sandbox", actor=owner,
                              data={"name": "Kyiv", "audience": "uk"})
    m = Message.objects.create(
        workspace=ws, channel=channel, external_id="c1", text=VAGUE, language="uk",
        sentiment="neutral", intent="question", created_at=timezone.now(),
        confidence={"language": 0.99, "sentiment": 0.5, "intent": 0.4, "toxic": 0.9})
    page = new_page()
    sign_in(page, live_server.url, "olena@example.com", PASSWORD, lands_on=f"/w/{ws.slug}/")

    page.goto(f"{live_server.url}/w/{ws.slug}/inbox/")
    row = f"#row-{m.pk}"
    assert page.locator(f"{row} .badge.i-uncertain").count() == 1
    page.keyboard.press("?")
    assert page.locator("#inbox-keys [data-correct-key='2']").is_visible()
    page.keyboard.press("Escape")
    shots(page, "uncertain")

    page.keyboard.press("2")
    page.wait_for_function(  # sure now: no "?" after it
        f"() => document.querySelector('{row} .badge.i-intent').textContent.trim() "
        "=== 'complaint'")
    page.keyboard.press("7")
    page.wait_for_selector(f"{row}.prio")  # a sure negative complaint: pinned
    assert page.locator(f"{row} .badge.i-uncertain").count() == 0
    m.refresh_from_db()
    assert (m.intent, m.sentiment, m.priority) == ("complaint", "negative", 3)
    assert [c.tasks for c in Correction.objects.order_by("pk")] == [["intent"], ["sentiment"]]
    shots(page, "corrected")
