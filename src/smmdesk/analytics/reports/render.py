"""A report's figures as sections of charts and tables, written as HTML (the report page
and the PDF), as a PDF (WeasyPrint) and as one CSV.

The PDF fetches nothing from outside: ``LocalFetcher`` serves only our static files and
media files under MEDIA_ROOT and refuses every other address.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlparse

import regex
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from smmdesk.analytics.models import Attribution, ConversionKind, ReportSection
from smmdesk.analytics.reports import svg
from smmdesk.content.models import FORMAT_CHOICES
from smmdesk.lib.csvsafe import SafeWriter

INT, DEC, PCT, MIN, TEXT, MONEY = "int", "dec", "pct", "min", "text", "money"
PRINT_CSS = "smmdesk/report_print.css"


class PdfUnavailable(Exception):
    """WeasyPrint or its system libraries (Pango) are missing."""


@dataclass
class Table:
    caption: str
    head: list[str]
    kinds: list[str]  # INT, DEC, ... per column
    rows: list[list] = field(default_factory=list)

    def display(self) -> list[list[str]]:
        return [[cell_text(*v) if isinstance(v, tuple) else cell_text(v, k)
                 for v, k in zip(row, self.kinds, strict=True)] for row in self.rows]


@dataclass
class Section:
    key: str
    title: str
    charts: list[str] = field(default_factory=list)  # SVG markup (escaped inside)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    posts: list[dict] = field(default_factory=list)  # top posts, with thumbnails


def cell_text(value, kind: str) -> str:
    if kind == TEXT:
        return "" if value is None else str(value)
    if value is None:
        return "—"
    if kind == PCT:
        return svg.fmt(value, 2) + " %"
    if kind in (DEC, MONEY):
        return svg.fmt(value, 2)
    if kind == MIN:
        return svg.fmt(value, 0) + " " + _("min")
    return svg.fmt(value, 0)


def day_text(value: str | date) -> str:
    day = parse_date(value) if isinstance(value, str) else value
    return date_format(day, "SHORT_DATE_FORMAT")


def period_text(figures: dict) -> str:
    p = figures["period"]
    return f"{day_text(p['start'])} – {day_text(p['end'])}"


# --- sections ---------------------------------------------------------------------------

def _kpi_labels() -> dict[str, str]:
    """KPI name → its label in the active language (the dashboard's cards)."""
    from smmdesk.analytics.dashboard import Totals, kpi_list

    cards = kpi_list(totals=Totals(), previous=Totals(), er_basis="post")
    cards += kpi_list(totals=Totals(), previous=Totals(), er_basis="day")
    return {k.name: str(k.label) for k in cards}


def _goal_table(goals: list[dict]) -> Table:
    from smmdesk.analytics.goals import format_value, status_label

    g = Table(_("Goals"), [_("Goal"), _("Now"), _("Target"), _("Done, %"), _("Status"),
                           _("Forecast")], [TEXT, TEXT, TEXT, PCT, TEXT, TEXT])
    g.rows = [[x["name"], format_value(x["metric"], x["current"]),
               format_value(x["metric"], x["target"]), x["percent"],
               str(status_label(x["status"])), format_value(x["metric"], x["forecast"])]
              for x in goals]
    return g


def _summary(f: dict, color: str) -> Section:
    s = Section(ReportSection.SUMMARY, str(ReportSection.SUMMARY.label))
    kinds = {"%": PCT, "min": MIN, "money": MONEY}
    labels = _kpi_labels()
    t = Table(_("Key figures"), [_("Metric"), _("This period"), _("Previous period"),
                                 _("Change, %")], [TEXT, INT, INT, PCT])
    for k in f["kpis"]:
        kind = kinds.get(k["unit"], INT)
        t.rows.append([labels.get(k["name"], k["name"]), (k["value"], kind),
                       (k["previous"], kind), k["change"]])
    s.tables.append(t)
    if f["goals"]:
        s.tables.append(_goal_table(f["goals"]))
    else:
        s.notes.append(_("No goals are set. Set them on the Goals page to see progress here."))
    return s


def _growth(f: dict, color: str) -> Section:
    s = Section(ReportSection.GROWTH, str(ReportSection.GROWTH.label))
    days = f["days"]
    labels = [day_text(d["day"]) for d in days]
    s.charts.append(svg.line_chart(title=_("Followers"), labels=labels,
                                   values=[d["followers"] for d in days], color=color))
    s.charts.append(svg.bar_chart(title=_("Views per day"), labels=labels,
                                  values=[d["views"] for d in days], color=color))
    s.charts.append(svg.bar_chart(title=_("Posts per day"), labels=labels,
                                  values=[d["posts"] for d in days], color=color))
    t = Table(_("Growth"), [_("Metric"), _("Value")], [TEXT, TEXT])
    t.rows = [[_("Followers at the start"), (f["followers_start"], INT)],
              [_("Followers at the end"), (f["followers_end"], INT)],
              [_("Follower growth"), (f["growth"], INT)],
              [_("Growth rate"), (f["growth_rate"], PCT)],
              [_("Views"), (f["views"], INT)], [_("Reach"), (f["reach"], INT)],
              [_("Posts"), (f["posts"], INT)],
              [_("Interactions"), (f["interactions"], INT)],
              [_("ER by followers"), (f["er"], PCT)],
              [_("ER by views"), (f["er_view"], PCT)]]
    s.tables.append(t)
    d = Table(_("By day"), [_("Day"), _("Followers"), _("Views"), _("Reach"), _("Posts")],
              [TEXT, INT, INT, INT, INT])
    d.rows = [[day_text(x["day"]), x["followers"], x["views"], x["reach"], x["posts"]]
              for x in days]
    s.tables.append(d)
    return s


def _post_table(caption: str, posts: list[dict]) -> Table:
    t = Table(caption, [_("Post"), _("Channel"), _("Published"), _("Views"),
                        _("Interactions"), _("ER by followers")],
              [TEXT, TEXT, TEXT, INT, INT, PCT])
    t.rows = [[p["title"], p["channel"], day_text(parse_datetime(p["published_at"]).date()),
               p["views"], p["interactions"], p["er_post"]] for p in posts]
    return t


def _top_posts(f: dict, color: str) -> Section:
    s = Section(ReportSection.TOP_POSTS, str(ReportSection.TOP_POSTS.label))
    s.posts = f["top"]
    s.tables.append(_post_table(_("Best posts"), f["top"]))
    s.tables.append(_post_table(_("Weakest posts"), f["bottom"]))
    if not f["top"]:
        s.notes.append(_("No post of the period has readings yet."))
    return s


def _group_table(caption: str, rows: list[dict]) -> Table:
    t = Table(caption, [_("Group"), _("Posts"), _("Views"), _("Interactions"),
                        _("ER by followers"), _("vs average, %")],
              [TEXT, INT, INT, INT, PCT, PCT])
    formats = dict(FORMAT_CHOICES)
    t.rows = [[str(formats.get(r.get("key"), r["label"])), r["posts"], r["views"],
               r["interactions"], r["er"], None if r["lift"] is None else r["lift"] * 100]
              for r in rows]
    return t


def _rubrics(f: dict, color: str) -> Section:
    s = Section(ReportSection.RUBRICS, str(ReportSection.RUBRICS.label))
    if f["rubrics"]:
        s.charts.append(svg.hbar_chart(title=_("ER by rubric"),
                                       labels=[r["label"] for r in f["rubrics"]],
                                       values=[r["er"] for r in f["rubrics"]],
                                       color=color, suffix=" %"))
    s.tables.append(_group_table(_("Rubrics"), f["rubrics"]))
    s.tables.append(_group_table(_("Formats"), f["formats"]))
    s.notes.append(_("Posts count once they are 7 days old, with their readings at 7 days."))
    return s


def _inbox(f: dict, color: str) -> Section:
    s = Section(ReportSection.INBOX, str(ReportSection.INBOX.label))
    days = f["days"]
    s.charts.append(svg.bar_chart(title=_("Incoming messages per day"),
                                  labels=[day_text(d["day"]) for d in days],
                                  values=[d["messages"] for d in days], color=color))
    t = Table(_("Inbox"), [_("Metric"), _("This period"), _("Previous period")],
              [TEXT, TEXT, TEXT])
    t.rows = [[_("Incoming messages"), (f["messages"], INT),
               (f["previous_messages"], INT)],
              [_("First reply, median"), (f["first_reply_min"], MIN),
               (f["previous_first_reply_min"], MIN)],
              [_("Leads"), (f["leads"], INT), (f["previous_leads"], INT)]]
    s.tables.append(t)
    return s


def _sentiment_label(key: str) -> str:
    return {"positive": _("Positive"), "neutral": _("Neutral"),
            "negative": _("Negative")}[key]


def _sentiment(f: dict, color: str) -> Section:
    s = Section(ReportSection.SENTIMENT, str(ReportSection.SENTIMENT.label))
    keys = ["positive", "neutral", "negative"]
    s.charts.append(svg.hbar_chart(title=_("Sentiment of incoming messages"),
                                   labels=[_sentiment_label(k) for k in keys],
                                   values=[f["shares"][k] for k in keys], color=color,
                                   suffix=" %"))
    t = Table(_("Sentiment"), [_("Sentiment"), _("Messages"), _("Share, %")],
              [TEXT, INT, PCT])
    t.rows = [[_sentiment_label(k), f["counts"][k], f["shares"][k]] for k in keys]
    s.tables.append(t)
    return s


def _no_data(s: Section) -> Section:
    s.notes.append(_("No data for this period yet: record conversions and costs on the "
                     "Money page."))
    return s


def _conversions(f: dict, color: str) -> Section:
    s = Section(ReportSection.CONVERSIONS, str(ReportSection.CONVERSIONS.label))
    if f.get("no_data"):
        return _no_data(s)
    t = Table(_("Conversions"), [_("Metric"), _("Value")], [TEXT, TEXT])
    t.rows = [[_("Leads from the inbox"), (f["leads"], INT)],
              [_("Conversions"), (f["count"], INT)],
              [_("Value, %(currency)s") % {"currency": f["currency"]},
               (f["value"], MONEY)]]
    s.tables.append(t)
    k = Table(_("By kind"), [_("Kind"), _("Conversions"), _("Value")], [TEXT, INT, MONEY])
    kinds, credited = dict(ConversionKind.choices), dict(Attribution.choices)
    k.rows = [[str(kinds.get(b["key"], b["key"])), b["count"], b["value"]]
              for b in f["by_kind"]]
    a = Table(_("By attribution"), [_("Credited to"), _("Conversions"), _("Value")],
              [TEXT, INT, MONEY])
    a.rows = [[str(credited.get(b["key"], b["key"])), b["count"], b["value"]]
              for b in f["by_attribution"]]
    s.tables += [k, a]
    return s


def _roi_label(row: dict, without: str) -> str:
    return without if row.get("none") else row["label"]


def _roi_table(caption: str, rows: list[dict], without: str = "") -> Table:
    t = Table(caption, [_("Name"), _("Cost"), _("Revenue"), _("Conversions"), _("Clicks"),
                        _("ROI, %"), _("Cost per result")],
              [TEXT, MONEY, MONEY, INT, INT, PCT, MONEY])
    t.rows = [[_roi_label(r, without), r["cost"], r["revenue"], r["conversions"], r["clicks"],
               r["roi"], r["cost_per_result"]] for r in rows]
    return t


def _roi(f: dict, color: str) -> Section:
    s = Section(ReportSection.ROI, str(ReportSection.ROI.label))
    if f.get("no_data"):
        return _no_data(s)
    with_roi = [r for r in f["by_channel"] if r["roi"] is not None]
    if with_roi:
        s.charts.append(svg.hbar_chart(title=_("ROI by channel"),
                                       labels=[_roi_label(r, _("Without a channel"))
                                               for r in with_roi],
                                       values=[r["roi"] for r in with_roi], color=color,
                                       suffix=" %"))
    s.tables.append(_roi_table(_("Total, %(currency)s") % {"currency": f["currency"]},
                               [dict(f["total"], label=_("Total"), none=False)]))
    s.tables.append(_roi_table(_("By channel"), f["by_channel"], _("Without a channel")))
    s.tables.append(_roi_table(_("By campaign"), f["by_campaign"], _("Without a campaign")))
    s.tables.append(_roi_table(_("By rubric"), f["by_rubric"], _("Without a rubric")))
    s.notes.append(_("ROI = (revenue − cost) / cost × 100."))
    return s


def _plan(f: dict, color: str) -> Section:
    s = Section(ReportSection.PLAN, str(ReportSection.PLAN.label))
    t = Table(_("Plan"), [_("Metric"), _("Value")], [TEXT, TEXT])
    t.rows = [[_("Period"), f"{day_text(f['start'])} – {day_text(f['end'])}"],
              [_("Posts scheduled"), (f["scheduled"], INT)],
              [_("Plan slots"), (f["slots"], INT)],
              [_("Slots without a post"), (f["open_slots"], INT)]]
    s.tables.append(t)
    if f["by_rubric"]:
        r = Table(_("Plan slots by rubric"), [_("Rubric"), _("Slots")], [TEXT, INT])
        r.rows = [[x["label"], x["slots"]] for x in f["by_rubric"]]
        s.tables.append(r)
    if f["posts"]:
        p = Table(_("Scheduled posts"), [_("When"), _("Channel"), _("Post")],
                  [TEXT, TEXT, TEXT])
        p.rows = [[day_text(parse_datetime(x["at"]).date()), x["channel"], x["title"]]
                  for x in f["posts"]]
        s.tables.append(p)
    if not f["slots"] and not f["scheduled"]:
        s.notes.append(_("Nothing is planned for next month yet: fill the content plan."))
    return s


SECTIONS = {
    ReportSection.SUMMARY: _summary, ReportSection.GROWTH: _growth,
    ReportSection.TOP_POSTS: _top_posts, ReportSection.RUBRICS: _rubrics,
    ReportSection.INBOX: _inbox, ReportSection.SENTIMENT: _sentiment,
    ReportSection.CONVERSIONS: _conversions, ReportSection.ROI: _roi,
    ReportSection.PLAN: _plan,
}


def report_sections(*, figures: dict, color: str = "#2563eb") -> list[Section]:
    return [SECTIONS[key](figures[key], color) for key in figures.get("sections", [])
            if key in SECTIONS and key in figures]


# --- CSV -----------------------------------------------------------------------------------

def _csv_value(value):
    value = value[0] if isinstance(value, tuple) else value
    return "" if value is None else value


def report_csv(*, figures: dict) -> str:
    """One CSV: section, table, then the table's cells (its header row first)."""
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow([_("Section"), _("Table"), _("Columns and values")])
    for s in report_sections(figures=figures):
        for t in s.tables:
            writer.writerow([s.key, t.caption, *t.head])
            for row in t.rows:
                writer.writerow([s.key, t.caption, *[_csv_value(v) for v in row]])
    return out.getvalue()


# --- HTML and PDF --------------------------------------------------------------------------

def media_uri(asset_id: int | None) -> str:
    """A file: address of a media asset under MEDIA_ROOT (for the PDF), "" if none."""
    from smmdesk.content.models import MediaAsset

    asset = MediaAsset.objects.filter(pk=asset_id).first() if asset_id else None
    if asset is None or not asset.mime.startswith("image/"):
        return ""
    return Path(asset.file.path).resolve().as_uri()


def report_html(*, report, figures: dict, brand: dict, pdf: bool = True) -> str:
    sections = report_sections(figures=figures, color=brand["color"])
    for s in sections:
        s.posts = [dict(p, src=media_uri(p.get("image_id")) if pdf else "") for p in s.posts]
    return render_to_string("analytics/report_pdf.html", {
        "report": report, "brand": brand, "sections": sections,
        "period": period_text(figures), "channels": figures.get("channels", []),
        "logo_src": media_uri(brand.get("logo_id")) if pdf else ""})


class LocalFetcher:
    """Serves only our static files and media under MEDIA_ROOT; refuses the rest."""

    def roots(self) -> list[Path]:
        css = finders.find(PRINT_CSS)
        return [Path(settings.MEDIA_ROOT).resolve(),
                *([Path(css).resolve().parent] if css else [])]

    def path_of(self, url: str) -> Path:
        parsed = urlparse(url)
        if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
            raise ValueError(f"refused: {url[:100]}")
        path = Path(unquote(parsed.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots()) or not path.is_file():
            raise ValueError(f"refused: {url[:100]}")
        return path


def _fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    local = LocalFetcher()

    class Fetcher(URLFetcher):
        def fetch(self, url, headers=None):
            path = local.path_of(url)
            return URLFetcherResponse(url, body=path.read_bytes())

    return Fetcher(fail_on_errors=False)


# Emoji: the fonts a server has rarely draw them, and a missing glyph prints as a box.
# (©, ® and ™ are in every font.)
_UNDRAWABLE = regex.compile(
    r"(?![\u00a9\u00ae\u2122])[\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F\u200D\u20E3]")


def drawable(text: str) -> str:
    """``text`` without the emoji a PDF would print as boxes."""
    return _UNDRAWABLE.sub("", text)


def pdf_write(*, html: str) -> bytes:
    """The PDF of ``html`` (emoji left out) with the print stylesheet; PdfUnavailable
    without WeasyPrint."""
    html = drawable(html)
    try:
        import weasyprint
    except (OSError, ImportError) as exc:
        raise PdfUnavailable(str(exc)) from exc
    css = finders.find(PRINT_CSS)
    fetcher = _fetcher()
    stylesheets = [weasyprint.CSS(filename=css, url_fetcher=fetcher)] if css else []
    return weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf(
        stylesheets=stylesheets)
