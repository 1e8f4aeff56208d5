"""The monthly reports the service publishes to the managers: the rating and care compliance,
each on a self-seeded timer at 08:00 Shanghai time on the 1st."""

from __future__ import annotations

from datetime import datetime

from services.projects import queries, reports
from shared.calendar import next_occurrence
from shared.context import Context
from shared.contracts.reports import ReportPublished
from shared.contracts.values import ReportKind

RATING_TIMER = "report.rating_monthly"
CARE_TIMER = "report.care_compliance_monthly"
REPORT_KEY = "projects"
REPORT_HOUR = 8
REPORT_AUDIENCE = "manager"


async def seed_timers(ctx: Context) -> None:
    """Create the monthly report timers on first start (a no-op once they exist)."""
    due = reports.first_of_next_month(await ctx.now(), REPORT_HOUR)
    for kind in (RATING_TIMER, CARE_TIMER):
        await queries.seed_timer(ctx.conn, kind=kind, key=REPORT_KEY, due_at=due, payload={})


async def _next_month(ctx: Context, due_at: datetime) -> datetime:
    # From now, not from the due time: a timer that was down for months fires once, not once
    # per missed month.
    return next_occurrence("monthly", due_at, max(due_at, await ctx.now()))


async def publish_rating(ctx: Context, due_at: datetime) -> datetime:
    """Publish the best and worst projects of the month before `due_at`; the next due time."""
    period = reports.previous_month(due_at)
    report = await reports.rating(ctx, period)
    await ctx.emit(
        ReportPublished(
            kind=ReportKind.RATING_MONTHLY,
            period=period,
            audience=REPORT_AUDIENCE,
            summary=report,
            csv=reports.rating_csv(report),
        )
    )
    return await _next_month(ctx, due_at)


async def publish_care(ctx: Context, due_at: datetime) -> datetime:
    """Publish care compliance per project manager as of now; the next due time."""
    report = await reports.care(ctx)
    await ctx.emit(
        ReportPublished(
            kind=ReportKind.CARE_COMPLIANCE_MONTHLY,
            period=reports.previous_month(due_at),
            audience=REPORT_AUDIENCE,
            summary=report,
            csv=reports.care_csv(report),
        )
    )
    return await _next_month(ctx, due_at)
