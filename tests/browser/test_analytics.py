"""The analytics dashboard in a browser: Chart.js (served by the app) draws each chart from
its data island, the table fallback opens, and the page keeps to the CSP."""

from __future__ import annotations

import pytest

from smmdesk.accounts.services import user_create, workspace_create
from smmdesk.publishing.models import Publication
from tests.analytics.dash_history import make_history
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERIOD = "from=2026-12-01&to=2026-12-07"


def test_the_dashboard_draws_its_charts_with_a_table_beside(live_server, new_page, shots):
    owner = user_create(email="olena@example.com", password="correct horse battery",
                        name="Olena")
    ws = workspace_create(name="Zerno Coffee", owner=owner, timezone_name="Europe/Kyiv")
    make_history(ws, owner)
    page = new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(f"{page.url}: {m.text}")
            if "Content Security Policy" in m.text else None)
    sign_in(page, live_server.url, "olena@example.com", "correct horse battery",
            lands_on=f"{live_server.url}/w/**")

    page.click("nav.nav >> text=Analytics")
    page.wait_for_url(f"{live_server.url}/w/{ws.slug}/analytics/")
    page.goto(f"{live_server.url}/w/{ws.slug}/analytics/?{PERIOD}")
    page.wait_for_selector("canvas[data-chart=followers][data-drawn]")
    drawn = page.eval_on_selector(
        "canvas[data-chart=followers]",
        "c => Chart.getChart(c).data.datasets[0].data")
    assert drawn == [1000, 1000, 1050, 1050, 1050, 1050, 1100]
    views = page.eval_on_selector(
        "canvas[data-chart=views]", "c => Chart.getChart(c).data.datasets[0].data")
    assert views == [500, None, None, None, None, None, 700]  # gaps, not zeros
    box = page.eval_on_selector("canvas[data-chart=er]", "c => c.getBoundingClientRect().height")
    assert box > 100  # sized by analytics.css, not by a style attribute
    shots(page, "dashboard")

    page.click("#chart-followers summary")
    cells = page.locator("[data-chart-table=followers] tbody tr").first.locator("td")
    assert cells.nth(1).inner_text() == "1,000"
    assert "ERpost" in page.get_attribute("[data-kpi=er_post] .metric-name", "title")

    big = Publication.objects.get(post__title="Big")
    page.goto(f"{live_server.url}/w/{ws.slug}/publications/{big.pk}/")
    page.wait_for_selector("canvas[data-chart=post-curve][data-drawn='2']")
    shots(page, "post-curve")
    assert violations == []
