"""The Reports page: the client sees and downloads past reports; the analyst makes them,
saves templates with a schedule and sets the brand."""

from __future__ import annotations

import pytest
from django.test import Client

from smmdesk.analytics.models import AnalyticsSettings, Report, ReportTemplate
from smmdesk.analytics.reports.services import report_build
from tests.analytics.dash_history import PERIOD, make_history

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def report(workspace, owner):
    make_history(workspace, owner)
    return report_build(workspace=workspace, start=PERIOD.start, end=PERIOD.end,
                        sections=["summary", "growth", "top_posts"], language="en")


def test_the_client_sees_and_downloads_past_reports(workspace, member_factory, report):
    c = _client(member_factory("client"))
    page = c.get(f"/w/{workspace.slug}/reports/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/reports/{report.pk}/report.pdf" in html and 'id="report-form"' not in html
    pdf = c.get(f"/w/{workspace.slug}/reports/{report.pk}/report.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    detail = c.get(f"/w/{workspace.slug}/reports/{report.pk}/").content.decode()
    assert "<svg" in detail and "1,100" in detail  # the charts and the figures
    assert "style=" not in detail  # the CSP allows no inline style


def test_the_nav_shows_reports_to_those_who_may_see_them(workspace, owner, member_factory):
    assert f"/w/{workspace.slug}/reports/" in _client(owner).get(
        f"/w/{workspace.slug}/").content.decode()
    assert f"/w/{workspace.slug}/reports/" not in _client(member_factory("editor")).get(
        f"/w/{workspace.slug}/").content.decode()


def test_make_report_now_builds_and_offers_downloads(workspace, owner):
    make_history(workspace, owner)
    c = _client(owner)
    answer = c.post(f"/w/{workspace.slug}/reports/make/", {
        "name": "December", "sections": ["growth", "summary"], "period": "custom",
        "start": "2026-12-01", "end": "2026-12-07", "action": "make"},
        HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    report = Report.objects.get()
    assert report.sections == ["summary", "growth"]  # in the report's order
    assert report.title == "December" and bytes(report.pdf).startswith(b"%PDF")
    assert f"/reports/{report.pk}/report.pdf" in answer.content.decode()
    csv = c.get(f"/w/{workspace.slug}/reports/{report.pk}/report.csv")
    assert b"Followers at the end,1100" in csv.content


def test_a_bad_period_says_so_and_makes_nothing(workspace, owner):
    c = _client(owner)
    answer = c.post(f"/w/{workspace.slug}/reports/make/", {
        "name": "X", "sections": ["growth"], "period": "custom", "start": "2026-12-07",
        "end": "2026-12-01", "action": "make"}, HTTP_HX_REQUEST="true")
    assert "The period ends before it starts." in answer.content.decode()
    assert not Report.objects.exists()


def test_a_template_with_a_schedule_is_saved(workspace, owner):
    c = _client(owner)
    answer = c.post(f"/w/{workspace.slug}/reports/make/", {
        "name": "Monthly", "sections": ["growth"], "period": "last_month",
        "schedule": "monthly", "recipients": "client@example.com", "action": "save"})
    assert answer.status_code == 302
    t = ReportTemplate.objects.get()
    assert t.schedule == "monthly" and t.next_run_at and t.recipients == "client@example.com"
    assert "Monthly" in c.get(f"/w/{workspace.slug}/reports/").content.decode()


def test_the_brand_is_saved_and_a_bad_colour_refused(workspace, owner):
    c = _client(owner)
    assert c.post(f"/w/{workspace.slug}/reports/brand/", {
        "brand_name": "Zerno", "brand_color": "#112233"}).status_code == 302
    s = AnalyticsSettings.objects.get(workspace=workspace)
    assert (s.brand_name, s.brand_color) == ("Zerno", "#112233")
    assert c.post(f"/w/{workspace.slug}/reports/brand/", {
        "brand_name": "Zerno", "brand_color": "red"}).status_code == 400
    s.refresh_from_db()
    assert s.brand_color == "#112233"


def test_an_empty_page_says_what_to_do(workspace, owner, member_factory):
    html = _client(owner).get(f"/w/{workspace.slug}/reports/").content.decode()
    assert "Make report now" in html and "No reports yet" in html
