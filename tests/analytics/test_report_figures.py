"""The issue's must-show: ``smmdesk report`` on the demo workspace writes a PDF whose
figures agree with the raw snapshots under docs/METRICS.md.

Every figure is recomputed here from PostSnapshot/ChannelSnapshot rows with the formulas
written out (no analytics code is called), and compared with the report's figures, which
are what its PDF prints; the printed text is read back through WeasyPrint's layout."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from smmdesk.accounts.models import Workspace
from smmdesk.analytics.models import ChannelSnapshot, PostSnapshot, Report, ReportTemplate
from smmdesk.analytics.reports import render
from smmdesk.analytics.reports.services import brand_get, previous_month
from smmdesk.core.demo import DEMO_SLUG, demo_create
from smmdesk.publishing.models import Publication, Status

pytestmark = pytest.mark.django_db


def _followers_on(channel_rows: dict, day: date) -> int | None:
    """The channel's followers in its last daily reading on or before ``day``."""
    known = [(d, at, f) for d, at, f in channel_rows if d <= day and f is not None]
    return max(known)[2] if known else None


def _recompute(ws: Workspace, start: date, end: date) -> dict:
    """docs/METRICS.md, by hand, from the raw rows."""
    tz = ws.tz
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    by_channel = defaultdict(list)
    last_of_day: dict = {}
    for c, d, at, f, v, r in (ChannelSnapshot.objects.filter(workspace=ws)
                              .order_by("taken_at", "pk")
                              .values_list("channel_id", "day", "taken_at", "followers",
                                           "views", "reach")):
        by_channel[c].append((d, at, f))
        last_of_day[(c, d)] = (v, r)  # the day's last reading wins
    channels = list(ws.channels.values_list("pk", flat=True))
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    views = [v for (c, d), (v, _r) in last_of_day.items() if start <= d <= end and v is not None]
    reach = [r for (c, d), (_v, r) in last_of_day.items() if start <= d <= end and r is not None]
    pubs = {p.pk: p for p in Publication.objects.filter(
        workspace=ws, status=Status.PUBLISHED, published_at__gte=since, published_at__lt=until)}
    last = {}
    for s in PostSnapshot.objects.filter(publication_id__in=pubs).order_by("taken_at", "pk"):
        last[s.publication_id] = s
    inter, ers, inter_v, views_v = 0, [], 0, 0
    for pub_id, s in last.items():
        given = [x for x in (s.likes, s.comments, s.reposts, s.saves) if x is not None]
        if not given:
            continue
        i = sum(given)
        inter += i
        pub = pubs[pub_id]
        f = _followers_on(by_channel[pub.channel_id], pub.published_at.astimezone(tz).date())
        if f:
            ers.append(i / f * 100)  # ERpost, then the mean over posts
        if s.views is not None:
            inter_v, views_v = inter_v + i, views_v + s.views
    f_start = sum(_followers_on(by_channel[c], days[0]) or 0 for c in channels)
    f_end = sum(_followers_on(by_channel[c], days[-1]) or 0 for c in channels)
    return {"followers_start": f_start, "followers_end": f_end, "growth": f_end - f_start,
            "growth_rate": (f_end - f_start) / f_start * 100, "views": sum(views),
            "reach": sum(reach), "posts": len(pubs), "interactions": inter,
            "er": sum(ers) / len(ers), "er_view": inter_v / views_v * 100}


def _printed_text(report: Report) -> str:
    import weasyprint

    with translation.override(report.language):
        html = render.report_html(report=report, figures=report.figures,
                                  brand=brand_get(workspace=report.workspace))
        doc = weasyprint.HTML(string=html, url_fetcher=render._fetcher()).render()
    texts = []

    def walk(box):
        if hasattr(box, "text"):
            texts.append(box.text)
        for child in getattr(box, "children", []):
            walk(child)

    for page in doc.pages:
        walk(page._page_box)
    return " ".join(texts)


def test_the_demo_report_agrees_with_the_raw_snapshots(tmp_path):
    demo_create(language="en", read_inbox=False, days=70)
    ws = Workspace.objects.get(slug=DEMO_SLUG)
    start, end = previous_month(timezone.localdate(timezone.now(), ws.tz))
    out = tmp_path / "demo.pdf"
    call_command("report", "--workspace", DEMO_SLUG, "--period",
                 f"{start.isoformat()}..{end.isoformat()}", "--out", str(out),
                 "--language", "en", stdout=StringIO())
    assert out.read_bytes().startswith(b"%PDF")
    report = Report.objects.filter(workspace=ws).order_by("-pk").first()
    # The demo itself has a monthly template for the client and last month's report.
    template = ReportTemplate.objects.get(workspace=ws)
    assert template.schedule == "monthly" and len(template.sections) == 9
    assert template.reports.get().period_start == start
    assert bytes(report.pdf) == out.read_bytes()
    shown, expected = report.figures["growth"], _recompute(ws, start, end)
    for key in ("followers_start", "followers_end", "growth", "views", "reach", "posts",
                "interactions"):
        assert shown[key] == expected[key], key
    for key in ("growth_rate", "er", "er_view"):
        assert shown[key] == pytest.approx(expected[key], abs=1e-4), key
    # The raw block adds up to the figures it stands behind.
    raw = report.figures["raw"]["days"]
    assert sum(d["views"] or 0 for d in raw) == shown["views"]
    assert raw[-1]["followers"] == shown["followers_end"]
    # What the PDF prints is these figures.
    printed = _printed_text(report)
    with translation.override("en"):
        for key, kind in (("followers_end", render.INT), ("views", render.INT),
                          ("interactions", render.INT), ("er", render.PCT)):
            assert render.cell_text(expected[key], kind) in printed, key
