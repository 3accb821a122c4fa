"""``smmdesk report``: writes the PDF or CSV it says, refuses bad input clearly."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from smmdesk.analytics.models import Report
from tests.analytics.dash_history import make_history

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


def test_it_writes_a_pdf(workspace, owner, tmp_path):
    make_history(workspace, owner)
    out = tmp_path / "r.pdf"
    said = _run("--workspace", workspace.slug, "--period", "2026-12-01..2026-12-07",
                "--out", str(out), "--sections", "growth,top_posts", "--language", "uk")
    assert out.read_bytes().startswith(b"%PDF")
    assert f"wrote {out}" in said and "2026-12-01..2026-12-07" in said
    report = Report.objects.get()
    assert report.sections == ["growth", "top_posts"] and report.language == "uk"


def test_it_writes_a_csv_for_a_week(workspace, owner, tmp_path):
    make_history(workspace, owner)  # ISO week 49: 30 Nov – 6 Dec, 1050 followers at its end
    out = tmp_path / "r.csv"
    _run("--workspace", workspace.slug, "--period", "2026-W49", "--format", "csv",
         "--out", str(out), "--sections", "growth", "--language", "en")
    text = out.read_text()
    assert "growth,Growth,Followers at the end,1050" in text.replace("\r", "")


@pytest.mark.parametrize("args, message", [
    (["--workspace", "nope", "--period", "2026-11"], "No workspace"),
    (["--period", "2026-13"], "Give the period"),
    (["--period", "2026-11", "--sections", "growth,bogus"], "Unknown section"),
])
def test_bad_input_is_a_clear_error(workspace, tmp_path, args, message):
    base = ["--workspace", workspace.slug, "--out", str(tmp_path / "x.pdf")]
    with pytest.raises(CommandError, match=message):
        _run(*base, *args)
    assert not (tmp_path / "x.pdf").exists()
