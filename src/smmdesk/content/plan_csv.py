"""The content plan as CSV: export a period, import it back (all rows or none).

Columns: day, time, channel, rubric, format, title, text, note, status. ``day`` is
YYYY-MM-DD or DD.MM.YYYY, ``time`` HH:MM or empty, ``channel`` a channel's name (or its
network's, when the workspace has one channel there), ``rubric`` a rubric's name,
``format`` and ``status`` a code (feed, reel; draft, scheduled) or the label smmdesk shows
for it in any of its languages ("Reel / short", «Рилс», «Чернетка»). Column names may be
the labels too. A row with text becomes a draft post in its slot; a row whose status says
the post is already on its way (scheduled, published...) describes a post smmdesk has,
and is left out.

The export holds the period's slots and every post going out in it, each with its
status. The separator is the reader's choice (Excel expects ";" where the decimal mark is
a comma, as in ru/uk/be); the import finds it from the header line.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from smmdesk.accounts.models import User, Workspace
from smmdesk.channels.models import Channel
from smmdesk.connectors.registry import connector_class, kind_choices
from smmdesk.content.compose import ComposeInput, VariantInput, post_compose
from smmdesk.content.models import FORMAT_CHOICES, PlanSlot, Rubric
from smmdesk.content.plan import plan_slot_create
from smmdesk.lib.badinput import text_is_storable
from smmdesk.lib.csvsafe import csv_cell_restore, csv_writer
from smmdesk.lib.errors import InvalidInput
from smmdesk.publishing.models import Publication, Status

COLUMNS = ["day", "time", "channel", "rubric", "format", "title", "text", "note", "status"]
COLUMN_LABELS = [("day", gettext_lazy("Day")), ("time", gettext_lazy("Time")),
                 ("channel", gettext_lazy("Channel")), ("rubric", gettext_lazy("Rubric")),
                 ("format", gettext_lazy("Format")), ("title", gettext_lazy("Title")),
                 ("text", gettext_lazy("Text")), ("note", gettext_lazy("Note")),
                 ("status", gettext_lazy("Status"))]
LANGUAGES = ("en", "ru", "uk", "be")  # the interface's languages: labels in any of them
SEPARATORS = {"semicolon": ";", "comma": ",", "tab": "\t"}
IMPORTED = ("", Status.DRAFT)  # statuses an import turns into slots (and drafts)
MAX_ROWS = 5000


def plan_export(*, workspace: Workspace, start: date, end: date, delimiter: str = ",") -> str:
    """The period's slots, and every post going out in it, one row per channel."""
    out = io.StringIO()
    writer = csv_writer(out, delimiter=delimiter)
    writer.writerow(COLUMNS)
    writer.writerows(row for _key, row in sorted(_export_rows(workspace, start, end),
                                                 key=lambda pair: pair[0]))
    return out.getvalue()


def _export_rows(workspace: Workspace, start: date, end: date):
    tz = workspace.tz
    pubs = list(Publication.objects.filter(
        workspace=workspace, scheduled_at__gte=datetime.combine(start, time.min, tzinfo=tz),
        scheduled_at__lt=datetime.combine(end, time.min, tzinfo=tz))
        .select_related("channel", "variant", "post__rubric"))
    slots = list(PlanSlot.objects.filter(workspace=workspace, day__gte=start, day__lt=end)
                 .select_related("channel", "rubric", "post"))
    statuses = {(p.post_id, p.channel_id): p for p in Publication.objects.filter(
        post_id__in=[s.post_id for s in slots if s.post_id]).select_related("channel")}
    covered = set()
    for s in slots:
        pub = statuses.get((s.post_id, s.channel_id)) or next(
            (p for (post, _c), p in sorted(statuses.items()) if post == s.post_id), None)
        covered.add(pub.pk if pub else None)
        status = pub.status if pub else (Status.DRAFT if s.post_id else "")
        # A slot without a time or channel shows those its post goes out with.
        at = pub.scheduled_at.astimezone(tz) if pub and pub.scheduled_at else None
        hour = s.time or (at.time() if at and at.date() == s.day else None)
        channel = s.channel or (pub.channel if pub else None)
        yield (s.day, hour or time.min, 0, s.pk), [
            s.day.isoformat(), _hhmm(hour), channel.name if channel else "",
            s.rubric.name if s.rubric else "", s.format, s.post.title if s.post else "",
            s.post.body if s.post else "", s.note, status]
    for p in pubs:
        if p.pk in covered:
            continue
        at = p.scheduled_at.astimezone(tz)
        yield (at.date(), at.time(), 1, p.pk), [
            at.date().isoformat(), _hhmm(at.time()), p.channel.name,
            p.post.rubric.name if p.post.rubric else "", p.variant.format, p.post.title,
            p.variant.effective_text(), "", p.status]


def _hhmm(value: time | None) -> str:
    return value.strftime("%H:%M") if value else ""


def separator_default(language: str | None) -> str:
    """The separator a spreadsheet in this language expects: ";" where the decimal mark is
    a comma (ru, uk, be), "," in English."""
    return "comma" if (language or "en").split("-")[0] == "en" else "semicolon"


# ---------------------------------------------------------------- labels


def _key(text: str) -> str:
    return " ".join(str(text).split()).casefold().replace("ё", "е")


def _spellings(label: str) -> list[str]:
    """A label and its parts: "Reel / short" is also "Reel" and "short"; "Instagram
    (professional accounts)" is also "Instagram"."""
    text = str(label)
    return [text, text.split(" (")[0], *text.split("/")]


def _labels(pairs) -> dict[str, str]:
    """Label (in each of the interface's languages) or code -> code."""
    out: dict[str, str] = {}
    for lang in LANGUAGES:
        with translation.override(lang):
            for code, label in pairs:
                for spelling in _spellings(label):
                    out.setdefault(_key(spelling), code)
    out.update({_key(code): code for code, _label in pairs})
    out.pop("", None)
    return out


@dataclass
class _Names:
    """What a row's words can mean in this workspace."""

    formats: dict[str, str]
    statuses: dict[str, str]
    networks: dict[str, str]
    channels: list[Channel]
    rubrics: list[Rubric]

    @classmethod
    def of(cls, workspace: Workspace) -> _Names:
        kinds = [(k, label) for k, label in kind_choices()] + [
            (k, connector_class(k).label) for k, _label in kind_choices()]
        return cls(formats=_labels(FORMAT_CHOICES), statuses=_labels(Status.choices),
                   networks=_labels(kinds),
                   channels=list(Channel.objects.filter(workspace=workspace)),
                   rubrics=list(Rubric.objects.filter(workspace=workspace)))


def _header(names: list[str | None]) -> list[str]:
    known = _labels(COLUMN_LABELS)
    return [known.get(_key(name or "").lstrip("\ufeff"), _key(name or "")) for name in names]


# ---------------------------------------------------------------- reading


def _day(value: str, names: _Names) -> date:
    if not value.strip():
        raise ValueError(_("the day is missing (use 2026-12-01 or 01.12.2026)"))
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            pass
    raise ValueError(_("“%(value)s” is not a date (use 2026-12-01 or 01.12.2026)")
                     % {"value": value})


def _time(value: str, names: _Names) -> time | None:
    if not value.strip():
        return None
    try:
        return datetime.strptime(value.strip(), "%H:%M").time()
    except ValueError:
        raise ValueError(_("“%(value)s” is not a time (use 09:30)") % {"value": value}) from None


def _channel(value: str, names: _Names) -> Channel | None:
    """A channel by its name, or by its network's when the workspace has one there."""
    if not value.strip():
        return None
    found = [c for c in names.channels if _key(c.name) == _key(value)]
    kind = names.networks.get(_key(value))
    if not found and kind:
        found = [c for c in names.channels if c.kind == kind]
        if len(found) > 1:
            raise ValueError(_("there are several channels on “%(value)s”; write the "
                               "channel's name") % {"value": value.strip()})
    if not found:
        raise ValueError(_("there is no channel called “%(name)s”") % {"name": value.strip()})
    return found[0]


def _rubric(value: str, names: _Names) -> Rubric | None:
    if not value.strip():
        return None
    found = next((r for r in names.rubrics if _key(r.name) == _key(value)), None)
    if found is None:
        raise ValueError(_("there is no rubric called “%(name)s”") % {"name": value.strip()})
    return found


def _format(value: str, names: _Names) -> str:
    if not value.strip():
        return FORMAT_CHOICES[0][0]
    if _key(value) not in names.formats:
        raise ValueError(_("“%(value)s” is not a format (%(choices)s)") % {
            "value": value.strip(), "choices": ", ".join(str(label) for _c, label
                                                         in FORMAT_CHOICES)})
    return names.formats[_key(value)]


def _status(value: str, names: _Names) -> str:
    if not value.strip():
        return ""
    if _key(value) not in names.statuses:
        raise ValueError(_("“%(value)s” is not a status (%(choices)s)") % {
            "value": value.strip(), "choices": ", ".join(str(label) for _c, label
                                                         in Status.choices)})
    return names.statuses[_key(value)]


READERS = {"day": ("day", _day), "at": ("time", _time), "channel": ("channel", _channel),
           "rubric": ("rubric", _rubric), "format": ("format", _format),
           "status": ("status", _status)}


def _row(row: dict, names: _Names) -> tuple[dict, dict[str, str]]:
    """The row's values, and what is wrong with it: {column: problem}, every column."""
    # Our own export puts an apostrophe before "-5% ..." (see lib/csvsafe): take it off.
    row = {k: csv_cell_restore(v) if isinstance(v, str) else v for k, v in row.items()}
    out = {"note": (row.get("note") or "")[:300], "title": (row.get("title") or "")[:200],
           "text": row.get("text") or ""}
    problems = {}
    for key, (column, read) in READERS.items():
        try:
            out[key] = read(row.get(column) or "", names)
        except ValueError as exc:
            problems[column] = str(exc)
    return out, problems


def _delimiter(text: str) -> str:
    """The header line says it: a spreadsheet saves ";" in many locales, "," in others.
    (csv.Sniffer guesses from commas inside the text too, and gives up on one column.)"""
    header = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=header.count)


@dataclass(frozen=True)
class PlanImport:
    imported: int  # rows that became slots (and drafts)
    skipped: int  # rows of posts already on their way (scheduled, published...)


def plan_import(*, workspace: Workspace, data: bytes, actor: User | None) -> PlanImport:
    """Import plan rows. Every row is checked first; one bad row imports nothing, and the
    errors name every problem of every row, by row (as a spreadsheet numbers them, the
    header being row 1) and column."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(_("The file is not UTF-8 text. Save it as “CSV UTF-8”."),
                           code="csv_encoding") from None
    if not text_is_storable(text):  # NUL: PostgreSQL refuses it in text columns
        raise InvalidInput(_("The file holds a NUL character, so it is not a CSV text file. "
                             "Save it again as “CSV UTF-8”."), code="csv_encoding")
    reader = csv.DictReader(io.StringIO(text), delimiter=_delimiter(text))
    shown = {}  # column -> its name as the file writes it, for the errors
    if reader.fieldnames:
        original = [(name or "").strip().lstrip("\ufeff") for name in reader.fieldnames]
        reader.fieldnames = _header(reader.fieldnames)
        shown = dict(zip(reader.fieldnames, original, strict=True))
    missing = {"day"} - set(reader.fieldnames or [])
    if missing:
        raise InvalidInput(_("Row 1: the header must have the columns %(columns)s.")
                           % {"columns": ", ".join(COLUMNS)}, code="csv_header")
    counter = Counter()
    try:
        rows, errors = _read(reader, _Names.of(workspace), counter)
    except csv.Error as exc:  # e.g. a huge field: the file cannot be read past it
        error = {"line": counter["rows"] + 2, "column": "", "problem": str(exc)}
        raise InvalidInput(_("Row %(line)d: %(problem)s. Nothing was imported.") % error,
                           code="csv_malformed") from None
    for error in errors:
        error["column"] = shown.get(error["column"]) or error["column"]
    if errors:
        raise InvalidInput(ngettext(
            "The file has %(n)d error; nothing was imported. Fix it and import again.",
            "The file has %(n)d errors; nothing was imported. Fix them and import again.",
            len(errors)) % {"n": len(errors)}, code="csv_invalid_row",
            details={"errors": errors})
    wanted = [row for row in rows if row["status"] in IMPORTED]
    with transaction.atomic():
        for row in wanted:
            _store(workspace, row, actor)
    return PlanImport(imported=len(wanted), skipped=len(rows) - len(wanted))


def _read(reader: csv.DictReader, names: _Names, counter: Counter
          ) -> tuple[list[dict], list[dict]]:
    rows, errors = [], []
    for number, row in enumerate(reader, start=2):  # the header is row 1
        counter["rows"] += 1
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue  # spreadsheets often end with rows of empty cells
        values, problems = _row(row, names)
        rows.append(values)
        errors += [{"line": number, "column": column, "problem": problem}
                   for column, problem in problems.items()]
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
