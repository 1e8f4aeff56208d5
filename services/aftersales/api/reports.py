"""The monthly repairs report (JSON or CSV)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request, Response

from services.aftersales import reports, workflow
from services.aftersales.api.models import MonthlyRepairs
from services.aftersales.api.roles import REPORTS
from shared.validation import Code, Month
from shared.web.auth import Principal
from shared.web.deps import view
from shared.web.downloads import attachment

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.get(
    "/repairs/monthly",
    response_model=MonthlyRepairs,
    responses={200: {"content": {"text/csv": {"example": ",".join(reports.CSV_HEADER)}}}},
)
async def repairs_monthly(
    request: Request,
    month: Month | None = Query(None, description="YYYY-MM (Asia/Shanghai); default this month"),
    branch: Code | None = Query(None, description="the tickets of this branch only"),
    format: Literal["json", "csv"] = Query("json", description="json or csv"),
    who: Principal = REPORTS,
) -> Any:
    """Tickets opened in the month by status, service levels by step, covered and paid repairs
    with the fees quoted and paid; all branches' tickets, or one branch's."""
    async with view(request) as ctx:
        report = await workflow.monthly_report(ctx, month, branch)
    if format == "csv":
        name = f"repairs-{report.month}{'-' + branch if branch else ''}.csv"
        return Response(
            reports.as_csv(report),
            media_type="text/csv",
            headers={"Content-Disposition": attachment(name)},
        )
    return reports.as_json(report)
