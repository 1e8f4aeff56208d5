"""The weekly complaint report per department (API.md § intake)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request, Response

from services.intake import reporting
from services.intake.domain import previous_week
from services.intake.routes.common import REPORTS, clock, invalid
from services.intake.routes.responses import WeeklyReport
from shared.contracts.values import Role
from shared.web.auth import Principal, require
from shared.web.deps import tx

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.get(
    "/complaints/weekly",
    response_model=WeeklyReport,
    responses={200: {"content": {"text/csv": {"example": reporting.as_csv([])}}}},
)
async def complaints_weekly(
    request: Request,
    week: str | None = Query(None, description="ISO week, e.g. 2026-W47; the last one by default"),
    format: Literal["json", "csv"] = Query("json", description="json or csv"),
    who: Principal = require(*REPORTS),
) -> Any:
    """Per department: opened, resolved, escalated in the week, open at its end, median hours."""
    async with tx(request) as conn:
        label = week.strip() if week else previous_week(await clock(conn, request))
        try:
            lines = await reporting.week_lines(conn, label)
        except ValueError as exc:
            raise invalid("week", str(exc)) from None
    if who.role is Role.DEPT_HEAD and who.department:
        lines = [line for line in lines if line.department.value == who.department]
    if format == "csv":
        return Response(
            reporting.as_csv(lines),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="complaints-{label}.csv"'},
        )
    return reporting.as_json(label, lines)
