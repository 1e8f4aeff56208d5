"""A report's table as a page shows it: its chart (SVG drawn here) and its cells in the person's
language, refused (无权查看) where the service refuses the role, and downloaded as CSV or XLSX."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import Request
from markupsafe import Markup
from starlette.responses import Response

from services.console.api import exports
from services.console.api.i18n import Translator
from services.console.api.pages import HEADERS
from services.console.domain import charts
from services.console.domain.projects import yuan
from services.console.domain.reports import Cell, Column, Table, series, short
from services.console.workflow import reports as work
from shared.calendar import BUSINESS_TZ
from shared.web.downloads import attachment


@dataclass(frozen=True)
class Shown:
    """A cell as the page shows it: its text and, for a case, where it links."""

    text: str
    href: str = ""


@dataclass
class Section:
    """One table on a page: refused (无权查看), or its chart and its rows as shown."""

    key: str
    refused: bool = False
    chart: Markup = field(default_factory=Markup)
    headings: list[str] = field(default_factory=list)
    rows: list[list[Shown]] = field(default_factory=list)
    legend: list[tuple[str, int]] = field(default_factory=list)
    sheet: exports.Sheet | None = None


def heading(t: Translator, key: str) -> str:
    """A column's heading (a code the catalogue does not know yet reads as itself)."""
    return t.messages.get(key, key.rsplit(".", 1)[-1])


def _value(t: Translator, column: Column, cell: Cell) -> str | int | float | None:
    if cell is None:
        return None
    if column.label:
        return t.label(column.label, str(cell))
    if column.yuan and isinstance(cell, int):
        return cell / 100
    return cell


def _shown(t: Translator, column: Column, cell: Cell) -> Shown:
    if cell is None:
        return Shown("—")
    if column.link:
        return Shown(str(cell), column.link + quote(str(cell), safe=""))
    if column.yuan and isinstance(cell, int):
        return Shown(yuan(cell))
    if isinstance(cell, float):
        return Shown(charts.figure(cell))
    if column.time:
        return Shown(local(str(cell)))
    return Shown(str(_value(t, column, cell)))


def local(text: str) -> str:
    """A service's time in the business calendar, to the minute."""
    return datetime.fromisoformat(text).astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M")


def section(
    t: Translator, table: Table, draw: str = "", keys: Sequence[str] | None = None
) -> Section:
    """A table with its chart (`bar` or `line` of the named columns; all but the first when
    none are named) in the person's language."""
    first = table.columns[0]
    headings = [heading(t, c.key) for c in table.columns]
    chart = Markup("")
    legend: list[tuple[str, int]] = []
    if draw and table.rows:
        wanted = list(keys) if keys is not None else [c.key for c in table.columns[1:]]
        labels, runs = series(table, wanted)
        if first.label:
            labels = [t.label(first.label, label) for label in labels]
        labels = [short(label) for label in labels]
        named = [charts.Series(heading(t, s.name), s.values) for s in runs]
        drawn = charts.bar_chart if draw == "bar" else charts.line_chart
        chart = Markup(drawn(t(table.name), labels, named))
        legend = [(s.name, i % charts.COLOURS) for i, s in enumerate(named)]
    rows = [
        [_shown(t, c, v) for c, v in zip(table.columns, row, strict=True)] for row in table.rows
    ]
    sheet = exports.Sheet(
        t(table.name),
        headings,
        [[_value(t, c, v) for c, v in zip(table.columns, row, strict=True)] for row in table.rows],
    )
    return Section(
        table.name, chart=chart, headings=headings, rows=rows, legend=legend, sheet=sheet
    )


def refused(name: str) -> Section:
    """A section the service refuses this role."""
    return Section(name, refused=True)


def exported(request: Request, name: str, sections: list[Section]) -> Response:
    """The page's tables as a download: `format=xlsx` every readable one, else the one named by
    `section` (the first readable by default) as CSV."""
    readable = [s for s in sections if s.sheet is not None]
    if request.query_params.get("format") == "xlsx":
        content = exports.as_xlsx([s.sheet for s in readable if s.sheet])
        kind, suffix = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
    else:
        wanted = request.query_params.get("section", "")
        chosen = next((s for s in readable if s.key == wanted), readable[0] if readable else None)
        if chosen is None or chosen.sheet is None:
            return Response(status_code=404, headers=HEADERS)
        content, kind, suffix = exports.as_csv(chosen.sheet), "text/csv; charset=utf-8", "csv"
    return Response(
        content,
        media_type=kind,
        headers={**HEADERS, "Content-Disposition": attachment(f"{name}.{suffix}")},
    )


def readable_or(
    found: Any, names: Sequence[str], build: Callable[[Any], list[Section]]
) -> list[Section]:
    """The sections built from a service's answer, or each named one refused."""
    if isinstance(found, work.Refused):
        return [refused(n) for n in names]
    return build(found)
