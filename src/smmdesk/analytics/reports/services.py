"""Making reports (one service that the web page, the API, the CLI and the schedule all
call), the report templates and their schedule, and the brand settings.

The schedule: a template with ``schedule`` weekly or monthly and ``next_run_at`` due is
claimed by one worker (a compare-and-swap UPDATE on ``claimed_by``/``claimed_until``, as
publishing and the collector do), which builds the previous complete week (Mon–Sun) or
month in the workspace's time zone, queues one e-mail per recipient list with the PDF
attached (outbox kind ``report_mail``, sent after commit) and sets the next run: the next
Monday or the 1st of the next month, 08:00 local time.
"""

from __future__ import annotations

import calendar
import logging
import re
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from smmdesk.accounts.models import Workspace
from smmdesk.analytics.conversions import analytics_settings_get
from smmdesk.analytics.models import (
    AnalyticsSettings,
    Report,
    ReportSchedule,
    ReportTemplate,
)
from smmdesk.analytics.reports.figures import report_figures, sections_clean
from smmdesk.analytics.reports.render import (
    PdfUnavailable,
    pdf_write,
    period_text,
    report_csv,
    report_html,
)
from smmdesk.core.outbox import OutboxPermanentError, outbox_enqueue
from smmdesk.lib.errors import InvalidInput

log = logging.getLogger("smmdesk.reports")

LEASE = timedelta(minutes=10)
SEND_AT = time(8, 0)
MAX_DAYS = 366
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


# --- brand (white label) -----------------------------------------------------------------

def brand_get(*, workspace: Workspace) -> dict:
    s = analytics_settings_get(workspace=workspace)
    return {"name": s.brand_name or workspace.name, "color": s.brand_color or "#2563eb",
            "logo_id": s.brand_logo_id}


def brand_save(*, workspace: Workspace, name: str, color: str, logo=None) -> AnalyticsSettings:
    """The report's white label: the brand's name, colour (#rrggbb) and logo (an image
    of the workspace's media)."""
    if color and not HEX.match(color):
        raise InvalidInput(_("Give the colour as #rrggbb, e.g. #2563eb."), code="bad_color")
    if logo is not None and (logo.workspace_id != workspace.pk
                             or not logo.mime.startswith("image/")):
        raise InvalidInput(_("The logo must be an image from this workspace's media."),
                           code="bad_logo")
    s = analytics_settings_get(workspace=workspace)
    s.brand_name, s.brand_color, s.brand_logo = name.strip()[:200], color or "#2563eb", logo
    s.save(update_fields=["brand_name", "brand_color", "brand_logo"])
    return s


# --- periods -----------------------------------------------------------------------------

def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def period_parse(text: str) -> tuple[date, date]:
    """"2026-11" (a month), "2026-W47" (an ISO week) or "2026-11-01..2026-11-30"."""
    text = (text or "").strip()
    try:
        if ".." in text:
            a, b = text.split("..", 1)
            start, end = date.fromisoformat(a.strip()), date.fromisoformat(b.strip())
        elif m := re.fullmatch(r"(\d{4})-W(\d{1,2})", text, re.I):
            start = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            end = start + timedelta(days=6)
        elif m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
            start, end = month_bounds(int(m[1]), int(m[2]))
        else:
            raise ValueError(text)
    except ValueError:
        raise InvalidInput(_("Give the period as a month (2026-11), a week (2026-W47) or "
                             "two dates (2026-11-01..2026-11-30)."), code="bad_period") from None
    return period_check(start=start, end=end)


def period_check(*, start: date, end: date) -> tuple[date, date]:
    if start < EARLIEST or end > LATEST:
        raise InvalidInput(_("Choose a period between 2000 and 2100."), code="bad_period")
    if end < start:
        raise InvalidInput(_("The period ends before it starts."), code="bad_period")
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput(_("A report covers at most a year."), code="bad_period")
    return start, end


def previous_week(today: date) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(days=7), monday - timedelta(days=1)


def previous_month(today: date) -> tuple[date, date]:
    last = today.replace(day=1) - timedelta(days=1)
    return month_bounds(last.year, last.month)


# --- building ----------------------------------------------------------------------------

def _title(start: date, end: date) -> str:
    from smmdesk.analytics.reports.render import day_text

    return _("Report for %(period)s") % {"period": f"{day_text(start)} – {day_text(end)}"}


def _channel_ids(workspace: Workspace, channel_ids) -> list[int]:
    from smmdesk.channels.models import Channel

    ids = sorted({int(c) for c in channel_ids or []})
    mine = set(Channel.objects.filter(workspace=workspace, pk__in=ids)
               .values_list("pk", flat=True))
    if set(ids) - mine:
        raise InvalidInput(_("One of the channels is not in this workspace."),
                           code="bad_channel")
    return ids


def report_build(*, workspace: Workspace, start: date, end: date, channel_ids=None,
                 sections=None, language: str = "", template: ReportTemplate | None = None,
                 actor=None, title: str = "") -> Report:
    """Compute the figures, write the PDF and the CSV, keep all three in a Report. When
    the PDF cannot be written (WeasyPrint or Pango missing), the report keeps its figures
    and CSV and says why in ``error``."""
    start, end = period_check(start=start, end=end)
    ids = _channel_ids(workspace, channel_ids)
    language = language or (template.language if template else "") or workspace.language
    if language not in dict(settings.LANGUAGES):
        raise InvalidInput(_("Unknown language."), code="bad_language")
    sections = sections_clean(sections)
    with translation.override(language):
        figures = report_figures(workspace=workspace, start=start, end=end, channel_ids=ids,
                                 sections=sections)
        report = Report(workspace=workspace, template=template, language=language,
                        title=(title or _title(start, end))[:300], period_start=start,
                        period_end=end, sections=sections, channel_ids=ids,
                        figures=figures, created_by=actor)
        report.csv = report_csv(figures=figures)
        try:
            report.pdf = pdf_write(html=report_html(report=report, figures=figures,
                                                    brand=brand_get(workspace=workspace)))
        except PdfUnavailable as exc:
            log.warning("report PDF unavailable: %s", exc)
            report.error = (_("The PDF could not be made: WeasyPrint or its system "
                              "libraries (Pango) are missing on the server. The figures "
                              "and the CSV are kept.") + f" ({exc})")[:500]
    report.save()
    return report


def report_list(*, workspace: Workspace):
    return Report.objects.filter(workspace=workspace).defer("pdf", "csv", "figures")


def report_get(*, workspace: Workspace, report_id: int) -> Report:
    from smmdesk.lib.errors import NotFound

    report = Report.objects.filter(workspace=workspace, pk=report_id).first()
    if report is None:
        raise NotFound(_("That report does not exist (any more)."), code="report_not_found")
    return report


def report_period_text(report: Report) -> str:
    with translation.override(report.language):
        return period_text({"period": {"start": report.period_start.isoformat(),
                                       "end": report.period_end.isoformat()}})


# --- templates and the schedule ----------------------------------------------------------

def recipients_parse(text: str) -> list[str]:
    out = []
    for address in re.split(r"[\s,;]+", text or ""):
        if not address:
            continue
        try:
            validate_email(address)
        except Exception:
            raise InvalidInput(_("“%(address)s” is not an e-mail address.")
                               % {"address": address[:100]}, code="bad_recipient") from None
        out.append(address)
    return list(dict.fromkeys(out))


def next_run(*, schedule: str, now: datetime, tz) -> datetime | None:
    """The next Monday (weekly) or 1st of the month (monthly), 08:00 local, after now."""
    today = timezone.localtime(now, tz).date()
    if schedule == ReportSchedule.WEEKLY:
        day = today + timedelta(days=7 - today.weekday())
    elif schedule == ReportSchedule.MONTHLY:
        day = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    else:
        return None
    return datetime.combine(day, SEND_AT, tzinfo=tz)


def report_template_save(*, workspace: Workspace, name: str, sections, channels=(),
                         language: str = "", schedule: str = "", recipients: str = "",
                         template: ReportTemplate | None = None, actor=None,
                         now: datetime | None = None) -> ReportTemplate:
    """Create or change a report template; a schedule gets its next run."""
    if not name.strip():
        raise InvalidInput(_("Give the report a name."), code="no_name")
    if schedule not in ReportSchedule.values:
        raise InvalidInput(_("Unknown schedule."), code="bad_schedule")
    addresses = recipients_parse(recipients)
    if schedule and not addresses:
        raise InvalidInput(_("A scheduled report needs at least one recipient."),
                           code="no_recipients")
    ids = _channel_ids(workspace, [c if isinstance(c, int) else c.pk for c in channels])
    t = template or ReportTemplate(workspace=workspace, created_by=actor)
    t.name, t.sections, t.language = name.strip()[:200], sections_clean(sections), language
    if t.schedule != schedule or t.next_run_at is None:
        t.next_run_at = next_run(schedule=schedule, now=now or timezone.now(), tz=workspace.tz)
    t.schedule, t.recipients = schedule, "\n".join(addresses)
    t.save()
    t.channels.set(ids)
    return t


def _free(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def reports_claim(*, worker_id: str, now: datetime) -> list[ReportTemplate]:
    """Due scheduled templates, each claimed by a compare-and-swap UPDATE: a row another
    worker holds (until its lease runs out) is not taken."""
    due = ReportTemplate.objects.filter(_free(now), next_run_at__lte=now).exclude(schedule="")
    claimed = []
    for pk in list(due.values_list("pk", flat=True)[:20]):
        if ReportTemplate.objects.filter(_free(now), pk=pk, next_run_at__lte=now).update(
                claimed_by=worker_id, claimed_until=now + LEASE):
            claimed.append(pk)
    return list(ReportTemplate.objects.filter(pk__in=claimed, claimed_by=worker_id)
                .select_related("workspace"))


def report_send(*, template: ReportTemplate, now: datetime, worker_id: str) -> Report | None:
    """Build the previous complete week or month, queue the mail, set the next run."""
    ws = template.workspace
    today = timezone.localtime(now, ws.tz).date()
    start, end = (previous_week(today) if template.schedule == ReportSchedule.WEEKLY
                  else previous_month(today))
    report = report_build(workspace=ws, start=start, end=end,
                          channel_ids=list(template.channels.values_list("pk", flat=True)),
                          sections=template.sections, template=template,
                          title=f"{template.name}: {start.isoformat()} – {end.isoformat()}")
    with transaction.atomic():
        if not ReportTemplate.objects.filter(pk=template.pk, claimed_by=worker_id).update(
                claimed_by="", claimed_until=None,
                next_run_at=next_run(schedule=template.schedule, now=now, tz=ws.tz)):
            return None  # the lease ran out and another worker took it
        report_mail_enqueue(report=report, recipients=template.recipients.split())
    return report


def reports_due_run(*, worker_id: str, now: datetime | None = None) -> int:
    """Send every due scheduled report (the worker runs this now and then)."""
    now = now or timezone.now()
    sent = 0
    for template in reports_claim(worker_id=worker_id, now=now):
        try:
            sent += report_send(template=template, now=now, worker_id=worker_id) is not None
        except Exception:  # one broken template does not stop the others
            log.exception("scheduled report %s failed", template.pk)
            ReportTemplate.objects.filter(pk=template.pk, claimed_by=worker_id).update(
                claimed_by="", claimed_until=now + LEASE)
    return sent


# --- mail ----------------------------------------------------------------------------------

def report_mail_enqueue(*, report: Report, recipients: list[str]):
    """Queue the report's e-mail with its PDF attached (sent after commit)."""
    recipients = [r for r in recipients if r]
    if not recipients or not settings.SMMDESK_EMAIL_ENABLED:
        return None
    return outbox_enqueue(kind="report_mail", workspace=report.workspace,
                          dedupe_key=f"report_mail:{report.pk}",
                          payload={"report_id": report.pk, "recipients": recipients})


def _mail_text(report: Report) -> tuple[str, str]:
    with translation.override(report.language):
        link = f"{settings.SITE_URL}/w/{report.workspace.slug}/reports/{report.pk}/"
        body = _("Your report for %(period)s is attached. All past reports: %(link)s") % {
            "period": report_period_text(report), "link": link}
        if report.error:
            body += "\n\n" + report.error
        return report.title, body


def report_mail_handler(message) -> None:
    """The outbox handler of ``report_mail``: the e-mail with the PDF attached."""
    from django.core.mail import EmailMessage

    p = message.payload
    report = Report.objects.filter(pk=p.get("report_id")).select_related("workspace").first()
    if report is None or not p.get("recipients"):
        raise OutboxPermanentError("the report is gone or the message has no recipients")
    subject, body = _mail_text(report)
    mail = EmailMessage(subject, body, None, p["recipients"])
    if report.pdf:
        mail.attach(f"report-{report.period_start.isoformat()}.pdf", bytes(report.pdf),
                    "application/pdf")
    mail.send(fail_silently=False)


# --- the demo --------------------------------------------------------------------------------

def demo_reports(*, workspace: Workspace, actor, now: datetime | None = None
                 ) -> Report | None:
    """The demo's "Monthly report for the client" (all sections, sent monthly to the
    demo client) and last month's report made from it (1.3–2 s on 2 cores). A report
    that fails to build is logged and left out: the demo does not depend on it."""
    now = now or timezone.now()
    template = report_template_save(workspace=workspace, name=_("Monthly report for the client"),
                                    sections=[], schedule=ReportSchedule.MONTHLY,
                                    recipients="client@smmdesk.local", actor=actor, now=now)
    start, end = previous_month(timezone.localdate(now, workspace.tz))
    try:
        return report_build(workspace=workspace, start=start, end=end, template=template,
                            actor=actor, title=f"{template.name}: {start.isoformat()} – "
                                               f"{end.isoformat()}")
    except Exception:
        log.exception("the demo's report could not be made")
        return None
