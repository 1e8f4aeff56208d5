"""The weekly exception summary and the monthly receipts report, read from the database."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

import asyncpg

from services.logistics import queries, state
from services.logistics.domain import (
    CargoException,
    LogisticsRules,
    RegionLine,
    monthly_receipts_report,
    parse_month,
    parse_week,
    summary_csv,
    weekly_exception_summary,
)
from shared.contracts.values import ExceptionKind


def previous_week(today: date) -> str:
    """The ISO week before the one `today` falls in, as YYYY-Www."""
    year, week, _ = (today - timedelta(days=7)).isocalendar()
    return f"{year}-W{week:02d}"


def previous_month(today: date) -> str:
    """The month before the one `today` falls in, as YYYY-MM."""
    first = today.replace(day=1) - timedelta(days=1)
    return f"{first.year}-{first.month:02d}"


async def exceptions_week(conn: asyncpg.Connection, week: str) -> tuple[dict[str, Any], str]:
    """The week's exceptions per station and kind, as JSON and as CSV (ValueError: bad week)."""
    start, end = parse_week(week)
    rows = await queries.exceptions_between(conn, start=start, end=end)
    found = [
        CargoException(
            str(r["exception_id"]),
            r["waybill"],
            ExceptionKind(r["kind"]),
            r["station"],
            r["note"],
            r["at"],
            tuple(r["photo_ids"]),
        )
        for r in rows
    ]
    lines = weekly_exception_summary(found, start, end)
    summary = {
        "week": week.strip(),
        "from": start.isoformat(),
        "to": end.isoformat(),
        "total": sum(line.count for line in lines),
        "lines": [
            {
                "station": line.station,
                "kind": line.kind.value,
                "count": line.count,
                "waybills": list(line.waybills),
            }
            for line in lines
        ],
    }
    return summary, summary_csv(lines)


def region_line_json(line: RegionLine) -> dict[str, Any]:
    """One region's line of the monthly report as JSON."""
    data = asdict(line)
    data["overdue_waybills"] = list(line.overdue_waybills)
    data["details"] = {
        "overdue_penalty_fen": line.overdue_penalty_fen,
        "hard_breach_penalty_fen": line.hard_breach_penalty_fen,
        "lost_staff_fen": line.lost_staff_fen,
        "lost_company_fen": line.lost_company_fen,
        "overdue_waybills": list(line.overdue_waybills),
    }
    return data


async def receipts_month(
    conn: asyncpg.Connection, month: str, region: str | None, rules: LogisticsRules
) -> list[RegionLine]:
    """Per region: unreturned receipts at month end, overdue ones and the proposed penalties."""
    start, end = parse_month(month)
    rows = await queries.receipts_for_month(conn, start=start, end=end, region=region)
    receipts = [state.to_receipt(r, state.requirements_of(r)) for r in rows]
    return monthly_receipts_report(receipts, month, rules, region)
