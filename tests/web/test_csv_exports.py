"""Every CSV export neutralises formulas through one helper (lib/csvsafe.py)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

import smmdesk
from smmdesk.channels.services import channel_connect
from smmdesk.content.models import PlanSlot
from smmdesk.content.plan import plan_slot_create
from smmdesk.content.services import post_create
from smmdesk.inbox.models import Lead, Message
from smmdesk.lib.csvsafe import csv_cell, csv_cell_restore
from smmdesk.publishing.services import publication_schedule

pytestmark = pytest.mark.django_db

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+380 67 000", "-5% today",
            "@SUM(A1)", "\tindent", "\rreturn"]


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def rows(response) -> list[list[str]]:
    body = b"".join(getattr(response, "streaming_content", [response.content]))
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


@pytest.fixture
def channel(workspace, owner):
    return channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                           data={"name": "=Kyiv", "audience": "uk"})


def test_the_helper_marks_every_formula_start_and_nothing_else():
    for text in FORMULAS:
        assert csv_cell(text) == "'" + text and csv_cell_restore(csv_cell(text)) == text
    for text in ("Price?", "5 - 3", "", "'quoted", "a=b"):
        assert csv_cell(text) == text and csv_cell_restore(text) == text
    assert csv_cell(None) == "" and csv_cell("-5") == "'-5"
    # A number is never a formula: it stays a number a spreadsheet can add up.
    assert csv_cell(-5) == "-5" and csv_cell(-1.5) == "-1.5"
    assert csv_cell(Decimal("-2.50")) == "-2.50"
    assert csv_cell(True) == "True"


def test_the_leads_export_neutralises_what_commenters_wrote(workspace, owner, channel):
    for n, text in enumerate(FORMULAS):  # rows as ingest stores them, without the models
        message = Message.objects.create(workspace=workspace, channel=channel, text=text,
                                         external_id=f"m{n}", created_at=timezone.now())
        Lead.objects.create(workspace=workspace, message=message, channel=channel)
    table = rows(login(owner).get(f"/w/{workspace.slug}/leads/export.csv"))
    texts = {row[5] for row in table[1:]}
    assert texts == {"'" + text for text in FORMULAS}
    assert {row[3] for row in table[1:]} == {"'=Kyiv"}


def test_the_plan_export_neutralises_and_its_import_restores(workspace, owner, channel):
    plan_slot_create(workspace=workspace, day=date(2030, 12, 2), channel=channel,
                     note="-5% for subscribers")
    export = login(owner).get(f"/w/{workspace.slug}/plan/export/?month=2030-12")
    (_header, row) = rows(export)
    assert row[2] == "'=Kyiv" and row[7] == "'-5% for subscribers"
    PlanSlot.objects.all().delete()
    body = b"".join(getattr(export, "streaming_content", [export.content]))
    r = login(owner).post(f"/w/{workspace.slug}/plan/import/",
                          {"file": SimpleUploadedFile("plan.csv", body)})
    assert r.status_code == 302
    slot = PlanSlot.objects.get()
    assert slot.note == "-5% for subscribers" and slot.channel == channel


def test_no_export_writes_csv_around_the_helper():
    """One way to write CSV: a new ``csv.writer`` elsewhere in src fails here."""
    src = Path(smmdesk.__file__).parent
    offenders = [str(p.relative_to(src)) for p in src.rglob("*.py")
                 if p.name != "csvsafe.py"
                 and re.search(r"csv\.(writer|DictWriter)\(", p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_the_plan_export_neutralises_written_posts_with_any_separator(workspace, owner,
                                                                      channel):
    post = post_create(workspace=workspace, actor=owner, title="=1+2", body="-5% today")
    publication_schedule(post=post, channel=channel, actor=owner,
                         at=datetime(2030, 12, 4, 12, tzinfo=workspace.tz))
    export = login(owner).get(f"/w/{workspace.slug}/plan/export/?month=2030-12&sep=semicolon")
    body = export.content.decode("utf-8-sig")
    (_header, row) = list(csv.reader(io.StringIO(body, newline=""), delimiter=";"))
    assert row[2] == "'=Kyiv" and row[5] == "'=1+2" and row[6] == "'-5% today"
    assert row[8] == "scheduled"
