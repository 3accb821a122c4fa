"""CSV that a spreadsheet opens without running anything.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula
to Excel, LibreOffice and Google Sheets (CSV injection: ``=HYPERLINK(...)`` in a comment
becomes a live link, ``=cmd|...`` worse). Every export writes through ``csv_writer`` here,
which puts an apostrophe before such a cell: spreadsheets show the text as typed.
``csv_cell_restore`` takes the apostrophe off again when smmdesk reads its own export.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """The cell as text; a number stays a number (−5 is no formula, and a spreadsheet
    must be able to add it up)."""
    text = "" if value is None else str(value)
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return text
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell_restore(text: str) -> str:
    """The cell as it was before ``csv_cell`` (an import of our own export)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


class SafeWriter:
    """``csv.writer`` whose every cell goes through ``csv_cell``."""

    def __init__(self, out, **kwargs):
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([csv_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out, **kwargs) -> SafeWriter:
    return SafeWriter(out, **kwargs)
