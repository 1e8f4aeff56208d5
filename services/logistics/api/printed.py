"""The cargo exception report a hub prints (打印货物异常报表): JSON, CSV and printable HTML
(the PDF, api/pdf.py, lays out the same heading, columns and lines)."""

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
TITLE = ("货物异常报表", "Cargo exception report")
# The printed sheet's columns: (heading, key of a printed line).
PRINTED = (
    ("时间 Time", "time"),
    ("运单号 Waybill", "waybill"),
    ("类型 Kind", "kind"),
    ("说明 Note", "note"),
    ("照片 Photos", "photos"),
    ("登记人 By", "by"),
    ("来源 Source", "source"),
)
NONE_FOUND = "无异常 No exceptions"
SIGNATURES = ("清点人 Counted by", "货管部主管 Cargo supervisor")


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


def printed_lines(rows: Sequence[Record]) -> list[dict[str, Any]]:
    """The lines as printed: local time, the kind and the source by name, photos counted."""
    return [
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


def exception_page(station: str, day: date, rows: Sequence[Record]) -> str:
    """The report as a page to print: one line per exception, then the two signatures."""
    return ENV.get_template("exception_report.html").render(
        station=station,
        day=day.isoformat(),
        lines=printed_lines(rows),
        title=TITLE,
        columns=PRINTED,
        none_found=NONE_FOUND,
        signatures=SIGNATURES,
    )
