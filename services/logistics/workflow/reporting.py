"""The recurring reports: last week's exceptions to customer service every Monday, last month's
receipts to each region and to the manager every 1st."""

from __future__ import annotations

from datetime import datetime

from services.logistics import queries, reports
from services.logistics.domain import report_csv
from services.logistics.workflow import EXCEPTIONS_WEEKLY, RECEIPTS_MONTHLY
from shared.calendar import BUSINESS_TZ, next_occurrence
from shared.context import Context
from shared.contracts.envelope import Event
from shared.contracts.reports import ReportPublished
from shared.contracts.values import ReportKind

# Reports go out on Monday / the 1st at 08:00 Shanghai time, for the period just ended.
WEEKLY_ANCHOR = datetime(2026, 1, 5, 8, tzinfo=BUSINESS_TZ)
MONTHLY_ANCHOR = datetime(2026, 1, 1, 8, tzinfo=BUSINESS_TZ)


async def publish_exceptions_weekly(ctx: Context) -> datetime:
    """Publish last week's exception summary to customer service; when the next one is due."""
    summary, csv_text = await reports.exceptions_week(ctx, None)
    await ctx.emit(
        ReportPublished(
            kind=ReportKind.EXCEPTIONS_WEEKLY,
            period=summary["week"],
            audience="customer_service",
            summary=summary,
            csv=csv_text,
        )
    )
    return next_occurrence("weekly", WEEKLY_ANCHOR, await ctx.now())


async def publish_receipts_monthly(ctx: Context) -> datetime:
    """Publish last month's receipts report, one per region and all regions to the manager;
    when the next one is due."""
    month, lines = await reports.receipts_month(ctx, None, None)
    emitted: list[Event] = [
        ReportPublished(
            kind=ReportKind.RECEIPTS_MONTHLY,
            period=month,
            audience=f"region:{line.region}",
            summary={"month": month, "regions": [reports.region_line_json(line)]},
            csv=report_csv([line]),
        )
        for line in lines
    ]
    emitted.append(
        ReportPublished(
            kind=ReportKind.RECEIPTS_MONTHLY,
            period=month,
            audience="manager",
            summary={"month": month, "regions": [reports.region_line_json(x) for x in lines]},
            csv=report_csv(lines),
        )
    )
    await ctx.emit(*emitted)
    return next_occurrence("monthly", MONTHLY_ANCHOR, await ctx.now())


async def seed_reports(ctx: Context) -> None:
    """Make sure the recurring report timers exist (an existing one keeps its schedule)."""
    now = await ctx.now()
    await queries.seed_timer(
        ctx.conn,
        kind=EXCEPTIONS_WEEKLY,
        key="weekly",
        due_at=next_occurrence("weekly", WEEKLY_ANCHOR, now),
    )
    await queries.seed_timer(
        ctx.conn,
        kind=RECEIPTS_MONTHLY,
        key="monthly",
        due_at=next_occurrence("monthly", MONTHLY_ANCHOR, now),
    )
