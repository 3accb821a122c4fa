"""The content plan as CSV: export a period, import it back (all rows or none).

Columns: day, time, channel, rubric, format, title, text, note. ``day`` is YYYY-MM-DD
or DD.MM.YYYY, ``time`` HH:MM or empty, ``channel`` and ``rubric`` are names as shown in
smmdesk (or empty), ``format`` is feed, story, reel or thread. A row with text becomes a
draft post in its slot.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time

from django.db import transaction
from django.utils.translation import gettext as _

from smmdesk.accounts.models import User, Workspace
from smmdesk.channels.models import Channel
from smmdesk.connectors.base import Format
from smmdesk.content.compose import ComposeInput, VariantInput, post_compose
from smmdesk.content.models import PlanSlot, Rubric
from smmdesk.content.plan import plan_slot_create
from smmdesk.lib.badinput import text_is_storable
from smmdesk.lib.csvsafe import csv_cell_restore, csv_writer
from smmdesk.lib.errors import InvalidInput

COLUMNS = ["day", "time", "channel", "rubric", "format", "title", "text", "note"]
MAX_ROWS = 5000


def plan_export(*, workspace: Workspace, start: date, end: date) -> str:
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(COLUMNS)
    slots = (PlanSlot.objects.filter(workspace=workspace, day__gte=start, day__lt=end)
             .select_related("channel", "rubric", "post"))
    for s in slots:
        writer.writerow([s.day.isoformat(), s.time.strftime("%H:%M") if s.time else "",
                         s.channel.name if s.channel else "", s.rubric.name if s.rubric else "",
                         s.format, s.post.title if s.post else "", s.post.body if s.post else "",
                         s.note])
    return out.getvalue()


def _day(value: str) -> date:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            pass
    raise ValueError(_("“%(value)s” is not a date (use 2026-12-01 or 01.12.2026)")
                     % {"value": value})


def _time(value: str) -> time | None:
    if not value.strip():
        return None
    try:
        return datetime.strptime(value.strip(), "%H:%M").time()
    except ValueError:
        raise ValueError(_("“%(value)s” is not a time (use 09:30)") % {"value": value}) from None


def _named(model, workspace: Workspace, name: str, what: str):
    if not name.strip():
        return None
    obj = model.objects.filter(workspace=workspace, name=name.strip()).first()
    if obj is None:
        raise ValueError(_("there is no %(what)s called “%(name)s”")
                         % {"what": what, "name": name.strip()})
    return obj


def _row(workspace: Workspace, row: dict) -> dict:
    # Our own export puts an apostrophe before "-5% ..." (see lib/csvsafe): take it off.
    row = {k: csv_cell_restore(v) if isinstance(v, str) else v for k, v in row.items()}
    fmt = (row.get("format") or "feed").strip().lower()
    if fmt not in Format.__members__.values():
        raise ValueError(_("“%(value)s” is not a format (feed, story, reel or thread)")
                         % {"value": fmt})
    return {"day": _day(row.get("day") or ""), "at": _time(row.get("time") or ""),
            "channel": _named(Channel, workspace, row.get("channel") or "", _("channel")),
            "rubric": _named(Rubric, workspace, row.get("rubric") or "", _("rubric")),
            "format": fmt, "note": (row.get("note") or "")[:300],
            "title": (row.get("title") or "")[:200], "text": row.get("text") or ""}


def _delimiter(text: str) -> str:
    """The header line says it: a spreadsheet saves ";" in many locales, "," in others.
    (csv.Sniffer guesses from commas inside the text too, and gives up on one column.)"""
    header = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=header.count)


def plan_import(*, workspace: Workspace, data: bytes, actor: User | None) -> int:
    """Import plan rows. Every row is checked first; one bad row imports nothing and the
    error names its line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(_("The file is not UTF-8 text. Save it as “CSV UTF-8”."),
                           code="csv_encoding") from None
    if not text_is_storable(text):  # NUL: PostgreSQL refuses it in text columns
        raise InvalidInput(_("The file holds a NUL character, so it is not a CSV text file. "
                             "Save it again as “CSV UTF-8”."), code="csv_encoding")
    reader = csv.DictReader(io.StringIO(text), delimiter=_delimiter(text))
    if reader.fieldnames:
        reader.fieldnames = [(name or "").strip().lower() for name in reader.fieldnames]
    missing = {"day"} - set(reader.fieldnames or [])
    if missing:
        raise InvalidInput(_("Line 1: the header must have the columns %(columns)s.")
                           % {"columns": ", ".join(COLUMNS)}, code="csv_header")
    try:
        rows, errors = _read(workspace, reader)
    except csv.Error as exc:  # e.g. a huge field; the reader stops before counting its line
        error = {"line": reader.line_num + 1, "problem": str(exc)}
        raise InvalidInput(_("Line %(line)d: %(problem)s. Nothing was imported.") % error,
                           code="csv_malformed", details={"errors": [error]}) from None
    if errors:
        first = errors[0]
        raise InvalidInput(_("Line %(line)d: %(problem)s. Nothing was imported.") % first,
                           code="csv_invalid_row", details={"errors": errors})
    with transaction.atomic():
        for row in rows:
            _store(workspace, row, actor)
    return len(rows)


def _read(workspace: Workspace, reader: csv.DictReader) -> tuple[list[dict], list[dict]]:
    rows, errors = [], []
    for row in reader:
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue  # spreadsheets often end with rows of empty cells
        try:
            rows.append(_row(workspace, row))
        except ValueError as exc:
            errors.append({"line": reader.line_num, "problem": str(exc)})
        if len(rows) > MAX_ROWS:
            raise InvalidInput(_("At most %(n)d rows at a time.") % {"n": MAX_ROWS},
                               code="csv_too_long")
    return rows, errors


def _store(workspace: Workspace, row: dict, actor: User | None) -> None:
    slot = plan_slot_create(workspace=workspace, day=row["day"], at=row["at"],
                            channel=row["channel"], rubric=row["rubric"], format=row["format"],
                            note=row["note"])
    if row["text"].strip() or row["title"].strip():
        # The same write path as the composer opened on this slot: a draft in the slot.
        variants = [VariantInput(channel=row["channel"], format=row["format"])] \
            if row["channel"] else []
        post_compose(workspace=workspace, actor=actor, data=ComposeInput(
            body=row["text"], title=row["title"],
            rubric_id=row["rubric"].pk if row["rubric"] else None,
            variants=variants, action="draft", slot_id=slot.pk))
