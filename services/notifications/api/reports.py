"""Reports: the service levels (callbacks overdue, messages not delivered) and the report
e-mails sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from services.notifications import reports, workflow
from services.notifications.api.models import REPORTS, STAFF, ServiceLevelsReport
from services.notifications.queries.records import message_item
from shared.validation import Code, Cursor, Day, Week
from shared.web.auth import Principal, require
from shared.web.deps import view
from shared.web.downloads import attachment
from shared.web.pagination import after, limit_param, page

router = APIRouter(prefix="/v1", tags=["notifications"])


@router.get("/reports/sent")
async def reports_sent(
    request: Request,
    limit: int = Depends(limit_param),
    cursor: Cursor | None = Query(default=None),
    who: Principal = require(*STAFF),
) -> dict[str, Any]:
    """The report e-mails (and their webhooks) delivered or queued, oldest first."""
    async with view(request) as ctx:
        rows = await workflow.message_log(
            ctx,
            customer_id=None,
            entity_id=None,
            channel=None,
            status=None,
            template="report",
            after=after(cursor, datetime, str),
            limit=limit + 1,
        )
    return page([message_item(r) for r in rows], limit, key=("created_at", "id"))


@router.get(
    "/reports/service-levels",
    response_model=ServiceLevelsReport,
    responses={200: {"content": {"text/csv": {"example": reports.as_csv(None)}}}},
)
async def service_levels(
    request: Request,
    week: Week | None = Query(None, description="ISO week, e.g. 2026-W47; the last one by default"),
    first: Day | None = Query(None, alias="from", description="first day of a date range"),
    last: Day | None = Query(None, alias="to", description="last day of a date range (included)"),
    branch: Code | None = Query(None, description="the callbacks and messages of this branch"),
    format: Literal["json", "csv"] = Query("json", description="json or csv"),
    who: Principal = require(*REPORTS),
) -> Any:
    """Callbacks open, overdue, completed and completed late by purpose and team; messages
    sent, failed and queued past their send time by channel; every branch's, or one's."""
    async with view(request) as ctx:
        report = await workflow.service_levels(
            ctx, week=week, first=first, last=last, branch=branch
        )
    if format == "csv":
        name = report.period.week or f"{first}_{last}"
        if branch:
            name += f"-{branch}"
        return Response(
            reports.as_csv(report),
            media_type="text/csv",
            headers={"Content-Disposition": attachment(f"service-levels-{name}.csv")},
        )
    return reports.as_json(report)
