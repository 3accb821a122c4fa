"""Measure what a post earned, in a real browser: enter the month's ad spend, a reader
follows the post's short link, the shop posts the order through the API with that link,
the ROI on the Conversions and ROI page turns from a loss into a gain, and the client's
PDF report is downloaded with the new figures in it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from smmdesk.accounts.services import api_token_create, user_create, workspace_create
from smmdesk.analytics.links import link_create
from smmdesk.analytics.models import Click, Conversion, Report
from smmdesk.channels.services import channel_connect
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


def kpi(page, name: str) -> str:
    return page.locator(f"[data-kpi='{name}'] [data-value]").inner_text().strip()


def test_a_conversion_through_the_api_changes_roi_and_the_pdf(live_server, new_page, shots,
                                                               settings):
    base = live_server.url
    settings.SITE_URL = base
    owner = user_create(email="olena@example.com", password=PASSWORD, name="Olena",
                        language="en")
    ws = workspace_create(name="Zerno Coffee", owner=owner, timezone_name="Europe/Kyiv")
    channel = channel_connect(workspace=ws, kind="sandbox", actor=owner,
                              data={"name": "Zerno Sandbox", "audience": "uk"})
    link = link_create(workspace=ws, target=f"{base}/login/?from=post", channel=channel,
                       actor=owner)
    _, token = api_token_create(user=owner, name="shop")
    today = timezone.localdate(timezone.now(), ws.tz)

    page = new_page()
    sign_in(page, base, "olena@example.com", PASSWORD, lands_on=f"{base}/w/**")
    money = f"{base}/w/{ws.slug}/analytics/money/"
    page.goto(money)
    page.click("summary:has-text('Add a cost')")
    form = page.locator("#cost-form")
    form.locator("input[name=amount]").fill("100")
    form.locator("select[name=channel]").select_option(str(channel.pk))
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{money}**")
    assert kpi(page, "cost") == "100.00 USD"
    assert kpi(page, "roi") == "-100.00 %"  # spent, nothing earned yet
    shots(page, "cost-entered")

    reader = new_page()  # a reader of the post follows its short link
    assert reader.goto(f"{base}/l/{link.code}").ok
    assert Click.objects.filter(link=link, bot=False).count() == 1

    # The shop reports the order through the API, naming the link the buyer came by.
    answer = page.request.post(
        f"{base}/api/v1/workspaces/{ws.pk}/conversions",
        headers={"Authorization": f"Bearer {token}"},
        data={"kind": "order", "value": "250.00", "link": link.code, "external_id": "A-1"})
    assert answer.status == 201, answer.text()
    assert answer.json()["attribution"] == "click" and answer.json()["channel_id"] == channel.pk

    page.goto(money)
    assert kpi(page, "conversions") == "1"
    assert kpi(page, "revenue") == "250.00 USD"
    assert kpi(page, "roi") == "150.00 %"  # (250 − 100) / 100
    row = page.locator("table[data-roi=channel] tr", has_text="Zerno Sandbox")
    assert "150.00 %" in row.inner_text()
    shots(page, "roi-after-conversion")
    assert Conversion.objects.get().link == link

    # The report for the client, for this month so far, as a PDF.
    page.goto(f"{base}/w/{ws.slug}/reports/")
    form = page.locator("#report-form")
    form.locator("input[name=name]").fill("December for the client")
    form.locator("input[name=period][value=custom]").check()
    form.locator("input[name=start]").fill((today - timedelta(days=today.day - 1)).isoformat())
    form.locator("input[name=end]").fill(today.isoformat())
    form.locator("button[value=make]").click()
    pdf_link = page.locator("#report-made a[download]", has_text="PDF")
    pdf_link.wait_for(timeout=60_000)
    shots(page, "report-made")
    with page.expect_download() as download:
        pdf_link.click()
    data = open(download.value.path(), "rb").read()
    assert data.startswith(b"%PDF") and len(data) > 5_000
    report = Report.objects.get()
    assert bytes(report.pdf) == data
    total = report.figures["roi"]["total"]  # the figures the PDF was drawn from
    assert (total["cost"], total["revenue"], total["roi"]) == (100, 250, 150)
