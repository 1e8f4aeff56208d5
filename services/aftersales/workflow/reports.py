"""The monthly repairs report, read at the service's clock."""

from __future__ import annotations

from services.aftersales import reports
from services.aftersales.domain import month_of
from services.aftersales.workflow.tickets import rules
from shared.context import Context
from shared.errors import Invalid


async def monthly_report(
    ctx: Context, month: str | None, branch: str | None = None
) -> reports.RepairsMonth:
    """The report for `month` (YYYY-MM; default: the current month in Asia/Shanghai), of one
    branch's tickets when given."""
    now = await ctx.now()
    label = month.strip() if month else month_of(now)
    try:
        return await reports.repairs_month(
            ctx.conn, label, now=now, rules=rules(ctx), branch=branch
        )
    except ValueError as exc:
        raise Invalid("month", str(exc)) from None
