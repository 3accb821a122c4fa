"""Conversions and costs from CSV (all rows or none), as content/plan_csv.py imports the
plan: every row is checked first, and one bad row imports nothing; the error names every
problem by row (as a spreadsheet numbers them, the header being row 1) and column.

Conversions: date, kind, value, promo_code, utm_source, utm_medium, utm_campaign,
utm_content, link, external_id, note. Costs: date, kind, amount, hours, channel,
campaign, note (channel and campaign by name). Separator "," or ";" (found from the
header line); only ``date`` is required; a value "1 200,50" is read as 1200.50.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from smmdesk.accounts.models import User, Workspace
from smmdesk.analytics.conversions import (
    conversion_record,
    kind_parse,
    moment_parse,
    money_parse,
)
from smmdesk.analytics.costs import (
    cost_amount,
    cost_create,
    cost_kind_parse,
    day_parse,
    hours_parse,
)
from smmdesk.analytics.models import ConversionSource
from smmdesk.channels.models import Channel
from smmdesk.content.models import Campaign
from smmdesk.lib.badinput import text_is_storable
from smmdesk.lib.csvsafe import csv_cell_restore
from smmdesk.lib.db import write_transaction
from smmdesk.lib.errors import InvalidInput, SmmdeskError

CONVERSION_COLUMNS = ["date", "kind", "value", "promo_code", "utm_source", "utm_medium",
                      "utm_campaign", "utm_content", "link", "external_id", "note"]
COST_COLUMNS = ["date", "kind", "amount", "hours", "channel", "campaign", "note"]
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class MoneyImport:
    imported: int
    skipped: int = 0  # conversions already stored (the same external_id)


def _text(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise InvalidInput(_("The file is too large (at most 5 MB)."), code="csv_too_large")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(_("The file is not UTF-8 text. Save it as “CSV UTF-8”."),
                           code="csv_encoding") from None
    if not text_is_storable(text):
        raise InvalidInput(_("The file holds a NUL character, so it is not a CSV text file. "
                             "Save it again as “CSV UTF-8”."), code="csv_encoding")
    return text


def _reader(text: str, columns: list[str]) -> csv.DictReader:
    header = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text), delimiter=max((",", ";"), key=header.count))
    if reader.fieldnames:
        reader.fieldnames = [(n or "").strip().lstrip("\ufeff").lower()
                             for n in reader.fieldnames]
    if "date" not in (reader.fieldnames or []):
        raise InvalidInput(_("Row 1: the header must have the columns %(columns)s.")
                           % {"columns": ", ".join(columns)}, code="csv_header")
    return reader


def _rows(reader: csv.DictReader, check: Callable[[dict], dict]
          ) -> tuple[list[tuple[int, dict]], list[dict]]:
    """(line, checked values) of every non-empty row, and every problem found."""
    rows, errors = [], []
    try:
        for line, raw in enumerate(reader, start=2):  # the header is row 1
            row = {k: csv_cell_restore(v).strip() if isinstance(v, str) else ""
                   for k, v in raw.items() if k}
            if not any(row.values()):
                continue  # spreadsheets often end with rows of empty cells
            if len(rows) >= MAX_ROWS:
                raise InvalidInput(_("At most %(n)d rows at a time.") % {"n": MAX_ROWS},
                                   code="csv_too_long")
            values, problems = _checked(row, check)
            rows.append((line, values))
            errors += [{"line": line, "column": c, "problem": p} for c, p in problems.items()]
    except csv.Error as exc:
        raise InvalidInput(_("Row %(line)d: %(problem)s. Nothing was imported.")
                           % {"line": reader.line_num, "problem": exc},
                           code="csv_malformed") from None
    return rows, errors


def _checked(row: dict, check: Callable[[dict], dict]) -> tuple[dict, dict[str, str]]:
    values, problems = {}, {}
    for column, read in check(row).items():
        try:
            values[column] = read()
        except SmmdeskError as exc:
            problems[column] = str(exc.message)
    return values, problems


def _refuse(errors: list[dict]) -> None:
    if errors:
        raise InvalidInput(ngettext(
            "The file has %(n)d error; nothing was imported. Fix it and import again.",
            "The file has %(n)d errors; nothing was imported. Fix them and import again.",
            len(errors)) % {"n": len(errors)}, code="csv_invalid_row",
            details={"errors": errors})


# --- conversions -------------------------------------------------------------------------

def conversions_import(*, workspace: Workspace, data: bytes) -> MoneyImport:
    """Import conversions; the same external_id as a stored one is skipped, not doubled."""
    def check(row: dict) -> dict:
        return {"date": lambda: moment_parse(row.get("date") or None, workspace=workspace)
                if row.get("date") else _missing(),
                "kind": lambda: kind_parse(row.get("kind")),
                "value": lambda: money_parse(row.get("value")),
                "external_id": lambda: _limited(row.get("external_id", ""), 200),
                "row": lambda: row}

    rows, errors = _rows(_reader(_text(data), CONVERSION_COLUMNS), check)
    _refuse(errors)
    stored = 0
    with write_transaction():
        for _line, v in rows:
            raw = v["row"]
            conversion = conversion_record(
                workspace=workspace, kind=v["kind"], value=v["value"], occurred_at=v["date"],
                external_id=v["external_id"], source=ConversionSource.CSV,
                promo_code=raw.get("promo_code", ""), link=raw.get("link", ""),
                utm={k: raw.get(k, "") for k in ("utm_source", "utm_medium", "utm_campaign",
                                                 "utm_content")},
                note=raw.get("note", ""))
            stored += conversion.created
    return MoneyImport(imported=stored, skipped=len(rows) - stored)


def _missing():
    raise InvalidInput(_("The date is missing."), code="date_required")


def _limited(value: str, limit: int) -> str:
    if len(value) > limit:
        raise InvalidInput(_("At most %(n)d characters.") % {"n": limit}, code="too_long")
    return value


# --- costs ----------------------------------------------------------------------------------

def _named(model, workspace: Workspace, name: str, message: str):
    if not name:
        return None
    found = [r for r in model.objects.filter(workspace=workspace)
             if r.name.strip().casefold() == name.casefold()]
    if not found:
        raise InvalidInput(message % {"name": name[:60]}, code="unknown_name")
    return found[0]


def costs_import(*, workspace: Workspace, data: bytes, actor: User | None) -> MoneyImport:
    def check(row: dict) -> dict:
        return {"date": lambda: day_parse(row.get("date")),
                "kind": lambda: cost_kind_parse(row.get("kind")),
                "amount": lambda: cost_amount(workspace=workspace, amount=row.get("amount"),
                                              hours=row.get("hours"))[0],
                "hours": lambda: hours_parse(row.get("hours")),
                "channel": lambda: _named(Channel, workspace, row.get("channel", ""),
                                          _("No channel is called “%(name)s”.")),
                "campaign": lambda: _named(Campaign, workspace, row.get("campaign", ""),
                                           _("No campaign is called “%(name)s”.")),
                "note": lambda: _limited(row.get("note", ""), 500)}

    rows, errors = _rows(_reader(_text(data), COST_COLUMNS), check)
    _refuse(errors)
    with write_transaction():
        for _line, v in rows:
            cost_create(workspace=workspace, kind=v["kind"], spent_on=v["date"],
                        amount=v["amount"], hours=v["hours"], channel=v["channel"],
                        campaign=v["campaign"], note=v["note"], actor=actor, source="csv")
    return MoneyImport(imported=len(rows))
