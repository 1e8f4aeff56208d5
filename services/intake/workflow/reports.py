"""The weekly complaint report: on demand for the API, every Monday to the manager."""

from __future__ import annotations

from datetime import datetime

from services.intake import queries, reports
from services.intake.domain import DepartmentWeek, previous_week
from shared.context import Context
from shared.contracts.reports import ReportPublished
from shared.contracts.values import ReportKind, Role
from shared.errors import Invalid
from shared.web.auth import Principal

WEEKLY_REPORT = "report.complaints_weekly"
WEEKLY_REPORT_KEY = "complaints"


async def weekly_report(
    ctx: Context, who: Principal, week: str | None
) -> tuple[str, list[DepartmentWeek]]:
    """The week's label (default: the last one) and its lines the caller may see."""
    label = week.strip() if week else previous_week(await ctx.now())
    try:
        lines = await reports.week_lines(ctx.conn, label)
    except ValueError as exc:
        raise Invalid("week", str(exc)) from None
    if who.role is Role.DEPT_HEAD and who.department:
        lines = [line for line in lines if line.department.value == who.department]
    return label, lines


async def publish_weekly_report(ctx: Context, due_at: datetime) -> datetime:
    """Publish the week before `due_at` to the manager; the next Monday 08:00."""
    # From the due time, not the clock: a late or catching-up firing reports its own week.
    label = previous_week(due_at)
    lines = await reports.week_lines(ctx.conn, label)
    await ctx.emit(
        ReportPublished(
            kind=ReportKind.COMPLAINTS_WEEKLY,
            period=label,
            audience=reports.AUDIENCE,
            summary=reports.as_json(label, lines),
            csv=reports.as_csv(lines),
        )
    )
    return reports.next_report_due(due_at)


async def seed_weekly_report(ctx: Context) -> None:
    """Create the weekly report's timer if it is missing (a restart never moves it)."""
    due_at = reports.next_report_due(await ctx.now())
    await queries.seed_timer(ctx.conn, kind=WEEKLY_REPORT, key=WEEKLY_REPORT_KEY, due_at=due_at)
