"""Making a report: figures, the PDF (its text read back through WeasyPrint's own
document), the CSV, the brand, a missing WeasyPrint, the period syntax."""

from __future__ import annotations

from datetime import date

import pytest

from smmdesk.analytics.models import Report
from smmdesk.analytics.reports import render
from smmdesk.analytics.reports.figures import next_month, report_figures
from smmdesk.analytics.reports.services import (
    brand_get,
    brand_save,
    period_parse,
    report_build,
)
from smmdesk.lib.errors import InvalidInput
from tests.analytics.dash_history import PERIOD, make_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(workspace, owner):
    return make_history(workspace, owner)


def test_the_figures_are_the_dashboards(workspace, channel):
    f = report_figures(workspace=workspace, start=PERIOD.start, end=PERIOD.end,
                       sections=["growth", "top_posts", "inbox", "sentiment"])
    g = f["growth"]
    assert (g["followers_start"], g["followers_end"], g["growth"]) == (1000, 1100, 100)
    assert (g["views"], g["reach"], g["posts"], g["interactions"]) == (1200, 700, 2, 70)
    assert [p["title"] for p in f["top_posts"]["top"]] == ["Big", "Small"]
    assert f["inbox"]["messages"] == 2 and f["inbox"]["leads"] == 1
    assert f["sentiment"]["counts"] == {"positive": 0, "neutral": 1, "negative": 1}
    assert f["sections"] == ["growth", "top_posts", "inbox", "sentiment"]
    assert "summary" not in f


def test_unknown_sections_are_dropped_and_none_means_all(workspace, channel):
    f = report_figures(workspace=workspace, start=PERIOD.start, end=PERIOD.end,
                       sections=["nope"])
    assert f["sections"][0] == "summary" and len(f["sections"]) == 9
    assert f["plan"]["start"] == "2027-01-01"


def test_next_month_follows_the_period():
    assert next_month(date(2026, 12, 7)) == (date(2027, 1, 1), date(2027, 1, 31))
    assert next_month(date(2027, 1, 31)) == (date(2027, 2, 1), date(2027, 2, 28))


def test_a_built_report_keeps_pdf_csv_and_figures(workspace, owner, channel):
    report = report_build(workspace=workspace, start=PERIOD.start, end=PERIOD.end,
                          language="en", actor=owner)
    report.refresh_from_db()
    pdf = bytes(report.pdf)
    assert pdf.startswith(b"%PDF") and report.error == ""
    assert report.figures["growth"]["followers_end"] == 1100
    assert "growth,Growth,Follower growth,100" in report.csv.replace("\r", "")
    assert report.csv.splitlines()[0].startswith("Section,Table")


def test_the_pdf_shows_the_period_and_brand(workspace, owner, channel):
    brand_save(workspace=workspace, name="Zerno Roasters", color="#aa3300")
    figures = report_figures(workspace=workspace, start=PERIOD.start, end=PERIOD.end,
                             sections=["growth"])
    report = Report(workspace=workspace, title="December", language="en",
                    period_start=PERIOD.start, period_end=PERIOD.end)
    html = render.report_html(report=report, figures=figures,
                              brand=brand_get(workspace=workspace))
    assert "Zerno Roasters" in html and "#aa3300" in html
    assert render.period_text(figures) in html
    import weasyprint

    doc = weasyprint.HTML(string=html, url_fetcher=render._fetcher()).render()
    text = " ".join(box.text for page in doc.pages for box in _texts(page._page_box))
    assert "Zerno Roasters" in text and "1,100" in text


def _texts(box):
    if hasattr(box, "text"):
        yield box
    for child in getattr(box, "children", []):
        yield from _texts(child)


def test_the_report_is_written_in_its_language(workspace, owner, channel):
    report = report_build(workspace=workspace, start=PERIOD.start, end=PERIOD.end,
                          sections=["growth"], language="ru")
    assert "Рост" in report.csv or "Подписчики" in report.csv
    assert report.language == "ru"


def test_a_missing_weasyprint_is_said_not_crashed(workspace, owner, channel, monkeypatch):
    def broken(**kwargs):
        raise render.PdfUnavailable("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr("smmdesk.analytics.reports.services.pdf_write", broken)
    report = report_build(workspace=workspace, start=PERIOD.start, end=PERIOD.end,
                          sections=["growth"], language="en")
    assert report.pdf is None and "Pango" in report.error
    assert report.csv and report.figures["growth"]["posts"] == 2


def test_the_pdf_fetches_only_local_files(tmp_path, settings):
    fetcher = render.LocalFetcher()
    with pytest.raises(ValueError):
        fetcher.path_of("https://example.com/logo.png")
    with pytest.raises(ValueError):
        fetcher.path_of("file:///etc/passwd")
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "a.png").write_bytes(b"x")
    assert fetcher.path_of((tmp_path / "a.png").as_uri()) == (tmp_path / "a.png").resolve()


def test_periods_are_parsed_or_refused():
    assert period_parse("2026-11") == (date(2026, 11, 1), date(2026, 11, 30))
    assert period_parse("2026-W47") == (date(2026, 11, 16), date(2026, 11, 22))
    assert period_parse("2026-11-03..2026-11-09") == (date(2026, 11, 3), date(2026, 11, 9))
    for bad in ("2026-13", "november", "2026-11-09..2026-11-01", "2020-01-01..2026-01-01"):
        with pytest.raises(InvalidInput):
            period_parse(bad)


def test_a_foreign_channel_is_refused(workspace, owner, channel):
    with pytest.raises(InvalidInput):
        report_build(workspace=workspace, start=PERIOD.start, end=PERIOD.end,
                     channel_ids=[channel.pk + 1000])


def test_every_section_renders_with_goals_and_money(workspace, owner, channel):
    from datetime import datetime
    from decimal import Decimal

    from smmdesk.analytics.goals import goal_save
    from smmdesk.analytics.models import Conversion, Cost
    from tests.analytics.dash_history import KYIV

    goal_save(workspace=workspace, actor=owner, name="More followers",
              metric="follower_growth", target=200, starts_on=date(2026, 12, 1),
              ends_on=date(2026, 12, 31))
    Conversion.objects.create(workspace=workspace, kind="order", value=Decimal("300"),
                              occurred_at=datetime(2026, 12, 3, 12, tzinfo=KYIV),
                              source="manual", channel=channel)
    Cost.objects.create(workspace=workspace, amount=Decimal("100"), spent_on=date(2026, 12, 2),
                        channel=channel)
    report = report_build(workspace=workspace, start=PERIOD.start, end=PERIOD.end,
                          language="uk")
    f = report.figures
    assert report.pdf and f["sections"][-1] == "plan"
    assert f["summary"]["goals"][0]["current"] == 100  # 1000 → 1100 so far
    assert f["roi"]["total"]["roi"] == pytest.approx(200.0)
    assert f["conversions"]["count"] == 1
    assert "roi," in report.csv and "conversions," in report.csv
    assert "Показник" in report.csv  # "Metric", in Ukrainian


def test_the_logo_from_media_is_in_the_pdf(workspace, owner, channel, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from smmdesk.content.services import media_upload
    from tests.files import png_bytes

    settings.MEDIA_ROOT = tmp_path
    logo = media_upload(workspace=workspace, actor=owner,
                        upload=SimpleUploadedFile("logo.png", png_bytes((40, 20))))
    without = report_build(workspace=workspace, start=PERIOD.start, end=PERIOD.end,
                           sections=["growth"], language="en")
    brand_save(workspace=workspace, name="Zerno", color="#2563eb", logo=logo)
    figures = report_figures(workspace=workspace, start=PERIOD.start, end=PERIOD.end,
                             sections=["growth"])
    html = render.report_html(report=without, figures=figures,
                              brand=brand_get(workspace=workspace))
    assert (tmp_path.resolve().as_uri()) in html  # served from MEDIA_ROOT, nothing else
    with_logo = report_build(workspace=workspace, start=PERIOD.start, end=PERIOD.end,
                             sections=["growth"], language="en")
    assert b"/Image" in bytes(with_logo.pdf) and b"/Image" not in bytes(without.pdf)
