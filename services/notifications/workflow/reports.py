"""The service-level report for the period a manager asks about."""

from __future__ import annotations

from datetime import date

from services.notifications import reports
from services.notifications.domain import report_period
from services.notifications.reports import ServiceLevels
from shared.context import Context


async def service_levels(
    ctx: Context,
    *,
    week: str | None,
    first: date | None,
    last: date | None,
    branch: str | None = None,
) -> ServiceLevels:
    """A week, a date range or by default the last complete week, of every branch or one;
    snapshot figures as of now."""
    now = await ctx.now()
    period = report_period(week, first, last, now)
    return await reports.service_levels(ctx.conn, period, now, branch)
