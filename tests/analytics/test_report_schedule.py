"""Scheduled reports: the period they cover, the next run, the claim (two workers, one
sends), the e-mail with the PDF attached, after commit through the outbox."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from smmdesk.analytics.models import Report, ReportTemplate
from smmdesk.analytics.reports.services import (
    next_run,
    previous_month,
    previous_week,
    report_template_save,
    reports_claim,
    reports_due_run,
)
from smmdesk.core.models import OutboxMessage
from smmdesk.core.outbox import outbox_process
from smmdesk.lib.errors import InvalidInput
from tests.analytics.dash_history import make_history

pytestmark = pytest.mark.django_db
KYIV = ZoneInfo("Europe/Kyiv")


@pytest.fixture
def mail_on(settings):
    settings.SMMDESK_EMAIL_ENABLED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_the_periods_are_the_last_complete_week_and_month():
    wednesday = date(2026, 12, 9)
    assert previous_week(wednesday) == (date(2026, 11, 30), date(2026, 12, 6))
    assert previous_week(date(2026, 12, 7)) == (date(2026, 11, 30), date(2026, 12, 6))
    assert previous_month(date(2027, 1, 1)) == (date(2026, 12, 1), date(2026, 12, 31))


def test_the_next_run_is_monday_or_the_first_at_eight_local():
    now = datetime(2026, 12, 9, 15, 0, tzinfo=KYIV)
    assert next_run(schedule="weekly", now=now, tz=KYIV) == datetime(2026, 12, 14, 8, 0,
                                                                     tzinfo=KYIV)
    assert next_run(schedule="monthly", now=now, tz=KYIV) == datetime(2027, 1, 1, 8, 0,
                                                                      tzinfo=KYIV)
    assert next_run(schedule="", now=now, tz=KYIV) is None


def test_a_schedule_needs_recipients_with_real_addresses(workspace):
    with pytest.raises(InvalidInput):
        report_template_save(workspace=workspace, name="Weekly", sections=[],
                             schedule="weekly", recipients="")
    with pytest.raises(InvalidInput):
        report_template_save(workspace=workspace, name="Weekly", sections=[],
                             schedule="weekly", recipients="not-an-address")


def _due_template(workspace) -> ReportTemplate:
    t = report_template_save(workspace=workspace, name="Weekly for the client",
                             sections=["growth", "top_posts"], schedule="weekly",
                             recipients="client@example.com\nboss@example.com",
                             now=datetime(2026, 12, 1, 9, 0, tzinfo=KYIV))
    assert t.next_run_at == datetime(2026, 12, 7, 8, 0, tzinfo=KYIV)
    return t


def test_two_workers_one_claims(workspace, owner):
    _due_template(workspace)
    now = datetime(2026, 12, 7, 9, 0, tzinfo=KYIV)
    first = reports_claim(worker_id="a", now=now)
    second = reports_claim(worker_id="b", now=now)
    assert len(first) == 1 and second == []


def test_a_due_report_is_built_mailed_once_and_rescheduled(workspace, owner, mail_on):
    make_history(workspace, owner)
    template = _due_template(workspace)
    now = datetime(2026, 12, 7, 9, 0, tzinfo=KYIV)
    assert reports_due_run(worker_id="a", now=now) == 1
    assert reports_due_run(worker_id="b", now=now) == 0  # nothing due any more
    report = Report.objects.get()
    assert (report.period_start, report.period_end) == (date(2026, 11, 30), date(2026, 12, 6))
    assert report.template == template and report.sections == ["growth", "top_posts"]
    template.refresh_from_db()
    assert template.next_run_at == datetime(2026, 12, 14, 8, 0, tzinfo=KYIV)
    assert template.claimed_by == ""
    assert OutboxMessage.objects.filter(kind="report_mail").count() == 1
    assert mail.outbox == []  # sent after commit, by the outbox worker
    outbox_process(worker_id="w")
    (sent,) = mail.outbox
    assert sent.to == ["client@example.com", "boss@example.com"]
    name, content, mime = sent.attachments[0]
    assert mime == "application/pdf" and content.startswith(b"%PDF")
    assert f"/reports/{report.pk}/" in sent.body


def test_a_held_claim_is_not_taken_until_its_lease_runs_out(workspace):
    _due_template(workspace)
    now = datetime(2026, 12, 7, 9, 0, tzinfo=KYIV)
    assert reports_claim(worker_id="a", now=now)
    later = datetime(2026, 12, 7, 9, 30, tzinfo=KYIV)  # the 10-minute lease is over
    assert [t.claimed_by for t in reports_claim(worker_id="b", now=later)] == ["b"]
