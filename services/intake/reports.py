"""The weekly complaint report: its figures from intake's tables (queries/), as JSON and CSV."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

import asyncpg

from services.intake import queries
from services.intake.domain import (
    DepartmentWeek,
    parse_iso_week,
    report_csv,
    total_by_category,
    total_by_cause,
    weekly_report,
)
from services.intake.queries import records
from shared.calendar import BUSINESS_TZ, next_occurrence

# Any Monday 08:00 in Asia/Shanghai: the weekly schedule keeps its weekday and wall-clock time.
MONDAY_0800 = datetime(2024, 1, 1, 8, 0, tzinfo=BUSINESS_TZ)
AUDIENCE = "manager"


async def week_lines(conn: asyncpg.Connection, label: str) -> list[DepartmentWeek]:
    """The report's lines for an ISO week label (ValueError for a bad label)."""
    start, end = parse_iso_week(label)
    rows = await queries.report_rows(conn, start=start, end=end)
    return weekly_report((records.report_row(r) for r in rows), start, end)


def as_json(label: str, lines: list[DepartmentWeek]) -> dict[str, Any]:
    """The report body: {week, departments: [...], by_cause, by_category}."""
    return {
        "week": label,
        "departments": [{**asdict(line), "department": line.department.value} for line in lines],
        "by_cause": total_by_cause(lines),
        "by_category": total_by_category(lines),
    }


def as_csv(lines: list[DepartmentWeek]) -> str:
    """The report as CSV."""
    return report_csv(lines)


def next_report_due(after: datetime) -> datetime:
    """The first Monday 08:00 (Asia/Shanghai) strictly after `after`."""
    return next_occurrence("weekly", MONDAY_0800, after)
