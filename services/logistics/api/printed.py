"""The cargo exception report a hub prints (打印货物异常报表): JSON, CSV and printable HTML."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from asyncpg import Record
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from shared.calendar import BUSINESS_TZ
from shared.contracts.values import ExceptionKind

ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
KIND_NAMES = {
    ExceptionKind.DAMAGE: "货损 damage",
    ExceptionKind.SHORTAGE: "货差 shortage",
    ExceptionKind.MISMATCH: "单货不符 mismatch",
}
COLUMNS = ("at", "waybill", "kind", "note", "photos", "by", "truck_check_id")


def exception_lines(rows: Sequence[Record]) -> list[dict[str, Any]]:
    """The report's lines as the API answers them."""
    return [
        {
            "exception_id": str(r["exception_id"]),
            "at": r["at"].isoformat(),
            "waybill": r["waybill"],
            "kind": r["kind"],
            "note": r["note"],
            "photos": len(r["photo_ids"]),
            "by": r["by"],
            "truck_check_id": str(r["truck_check_id"]) if r["truck_check_id"] else None,
        }
        for r in rows
    ]


def exception_csv(lines: list[dict[str, Any]]) -> str:
    """The report as CSV, one exception a row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for line in lines:
        writer.writerow([line[c] if line[c] is not None else "" for c in COLUMNS])
    return out.getvalue()


def exception_page(station: str, day: date, rows: Sequence[Record]) -> str:
    """The report as a page to print: one line per exception, then the two signatures."""
    lines = [
        {
            "time": r["at"].astimezone(BUSINESS_TZ).strftime("%H:%M"),
            "waybill": r["waybill"],
            "kind": KIND_NAMES[ExceptionKind(r["kind"])],
            "note": r["note"],
            "photos": len(r["photo_ids"]),
            "by": r["by"],
            "source": "交接清单考评 truck check" if r["truck_check_id"] else "现场登记 registered",
        }
        for r in rows
    ]
    return ENV.get_template("exception_report.html").render(
        station=station, day=day.isoformat(), lines=lines
    )
