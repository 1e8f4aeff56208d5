"""A report page's tables as files to download: CSV (one table) and XLSX (every table, one
sheet each, written by openpyxl)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font

Value = str | int | float | None
# Characters a sheet's name may not hold, and its longest name (Excel's limits).
_NOT_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_LENGTH = 31


@dataclass(frozen=True)
class Sheet:
    """One table as exported: its title, headings and rows of plain values."""

    title: str
    headings: Sequence[str]
    rows: Sequence[Sequence[Value]]


def as_csv(sheet: Sheet) -> bytes:
    """The table as CSV in UTF-8 with a byte-order mark (so Excel reads the Chinese right)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(sheet.headings)
    writer.writerows(["" if v is None else v for v in row] for row in sheet.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """The tables as one workbook, a sheet each, headings in bold, numbers as numbers."""
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for n, sheet in enumerate(sheets, start=1):
        name = _NOT_IN_SHEET_NAME.sub(" ", sheet.title)[:SHEET_NAME_LENGTH] or f"{n}"
        if name in used:
            name = f"{name[: SHEET_NAME_LENGTH - 4]} ({n})"
        used.add(name)
        ws = book.create_sheet(name)
        ws.append(list(sheet.headings))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in sheet.rows:
            ws.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
