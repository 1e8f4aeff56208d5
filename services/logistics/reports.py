"""The weekly exception summary and the monthly receipts report: figures read through queries/,
computed by the rules, shaped as JSON and CSV (served by the API, published by the timers)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

from asyncpg import Record

from services.logistics import queries
from services.logistics.domain import (
    RegionLine,
    monthly_receipts_report,
    parse_month,
    parse_week,
    summary_csv,
    weekly_exception_summary,
)
from services.logistics.queries import records
from shared.calendar import local_date, start_of_local_day
from shared.context import Context
from shared.errors import Forbidden, Invalid
from shared.web.auth import Principal


def previous_week(today: date) -> str:
    """The ISO week before the one `today` falls in, as YYYY-Www."""
    year, week, _ = (today - timedelta(days=7)).isocalendar()
    return f"{year}-W{week:02d}"


def previous_month(today: date) -> str:
    """The month before the one `today` falls in, as YYYY-MM."""
    first = today.replace(day=1) - timedelta(days=1)
    return f"{first.year}-{first.month:02d}"


async def exceptions_week(ctx: Context, week: str | None) -> tuple[dict[str, Any], str]:
    """A week's exceptions (default: last week) per station and kind, as JSON and as CSV."""
    if week is None:
        week = previous_week(local_date(await ctx.now()))
    try:
        start, end = parse_week(week)
    except ValueError as exc:
        raise Invalid("week", str(exc)) from exc
    rows = await queries.exceptions_between(ctx.conn, start=start, end=end)
    found = [records.to_exception(r) for r in rows]
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


async def exceptions_day(ctx: Context, who: Principal, station: str, day: date) -> list[Record]:
    """One station's exceptions of one local day (货物异常报表); a branch prints its own."""
    if who.is_branch and who.branch != station:
        raise Forbidden(f"branch {who.branch} prints its own exception report, not {station}'s")
    start = start_of_local_day(day)
    return await queries.exceptions_at_station(
        ctx.conn, station=station, start=start, end=start + timedelta(days=1)
    )


def region_line_json(line: RegionLine) -> dict[str, Any]:
    """One region's line of the monthly report as JSON."""
    data = asdict(line)
    for name, value in data.items():
        if isinstance(value, tuple):
            data[name] = list(value)
    data["explanations"] = [
        {
            "waybill": e.waybill,
            "cause": e.cause.value,
            "text": e.text,
            "by": e.by,
            "at": e.at.isoformat(),
        }
        for e in line.explanations
    ]
    data["details"] = {
        "overdue_penalty_fen": line.overdue_penalty_fen,
        "hard_breach_penalty_fen": line.hard_breach_penalty_fen,
        "abnormal_penalty_fen": line.abnormal_penalty_fen,
        "lost_staff_fen": line.lost_staff_fen,
        "lost_company_fen": line.lost_company_fen,
        "overdue_waybills": list(line.overdue_waybills),
    }
    return data


async def receipts_month(
    ctx: Context, month: str | None, region: str | None
) -> tuple[str, list[RegionLine]]:
    """Per region: unreturned receipts at the end of a month (default: last month), overdue ones
    and the proposed penalties."""
    if month is None:
        month = previous_month(local_date(await ctx.now()))
    try:
        start, end = parse_month(month)
    except ValueError as exc:
        raise Invalid("month", str(exc)) from exc
    rules = ctx.config.rules()
    rows = await queries.receipts_for_month(ctx.conn, start=start, end=end, region=region)
    receipts = [records.to_receipt(r) for r in rows]
    told = await queries.explanations_of(ctx.conn, waybills=[r.waybill for r in receipts])
    # An abnormality found before the month may fall due in it (not handled in time).
    found = await queries.abnormalities_between(
        ctx.conn, start=start - rules.abnormal_handling - timedelta(days=1), end=end, region=region
    )
    lines = monthly_receipts_report(
        receipts,
        month,
        rules,
        region,
        abnormal=[records.to_abnormal(a) for a in found],
        explanations={e["waybill"]: records.to_explanation(e) for e in told},
        now=await ctx.now(),
        owners={
            o["region"]: records.to_owner(o)
            for o in await queries.receipt_owners(ctx.conn, region=region)
        },
    )
    return month, lines


def receipts_month_json(month: str, lines: list[RegionLine]) -> dict[str, Any]:
    """The monthly receipts report as JSON: each region's line and the penalties proposed."""
    return {
        "month": month.strip(),
        "regions": [region_line_json(line) for line in lines],
        "penalties_fen": sum(line.penalties_fen for line in lines),
    }
