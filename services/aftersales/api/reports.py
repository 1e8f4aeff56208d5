"""The monthly repairs report (JSON or CSV)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request, Response

from services.aftersales import reports, workflow
from services.aftersales.api.models import MonthlyRepairs
from services.aftersales.api.roles import REPORTS
from shared.validation import Month
from shared.web.auth import Principal
from shared.web.deps import view

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.get(
    "/repairs/monthly",
    response_model=MonthlyRepairs,
    responses={200: {"content": {"text/csv": {"example": ",".join(reports.CSV_HEADER)}}}},
)
async def repairs_monthly(
    request: Request,
    month: Month | None = Query(None, description="YYYY-MM (Asia/Shanghai); default this month"),
    format: Literal["json", "csv"] = Query("json", description="json or csv"),
    who: Principal = REPORTS,
) -> Any:
    """Tickets opened in the month by status, service levels by step, covered and paid repairs
    with the fees quoted and paid."""
    async with view(request) as ctx:
        report = await workflow.monthly_report(ctx, month)
    if format == "csv":
        return Response(
            reports.as_csv(report),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="repairs-{report.month}.csv"'},
        )
    return reports.as_json(report)
