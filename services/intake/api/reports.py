"""The weekly complaint report per department."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request, Response

from services.intake import reports, workflow
from services.intake.api.models import WeeklyReport
from services.intake.api.roles import REPORTS
from shared.validation import Week
from shared.web.auth import Principal, require
from shared.web.deps import view
from shared.web.downloads import attachment

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.get(
    "/complaints/weekly",
    response_model=WeeklyReport,
    responses={200: {"content": {"text/csv": {"example": reports.as_csv([])}}}},
)
async def complaints_weekly(
    request: Request,
    week: Week | None = Query(None, description="ISO week, e.g. 2026-W47; the last one by default"),
    format: Literal["json", "csv"] = Query("json", description="json or csv"),
    who: Principal = require(*REPORTS),
) -> Any:
    """Per department: opened, resolved, escalated in the week, open at its end, median hours."""
    async with view(request) as ctx:
        label, lines = await workflow.weekly_report(ctx, who, week)
    if format == "csv":
        return Response(
            reports.as_csv(lines),
            media_type="text/csv",
            headers={"Content-Disposition": attachment(f"complaints-{label}.csv")},
        )
    return reports.as_json(label, lines)
