"""Routes of the reports: the monthly rating, satisfaction by role and person, care compliance
(JSON or CSV)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, Response

from services.projects import reports, workflow
from services.projects.api.models import AwardIn
from services.projects.api.roles import DECIDERS, REPORT_READERS
from shared.validation import Code, Month
from shared.web.auth import Principal, require
from shared.web.deps import change, view

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.get("/rating/monthly", response_model=None)
async def rating(
    request: Request,
    month: Month | None = None,
    format: Literal["json", "csv"] = "json",
    who: Principal = require(*REPORT_READERS),
) -> dict[str, Any] | Response:
    """Best and worst projects of a month (default: this month) with their scores."""
    async with view(request) as ctx:
        report = await reports.rating(ctx, month)
    if format == "csv":
        return Response(reports.rating_csv(report), media_type="text/csv")
    return report


@router.post("/rating/monthly/awards", status_code=201)
async def award(
    body: AwardIn, request: Request, who: Principal = require(*DECIDERS)
) -> dict[str, Any]:
    """A reward for a best project or a penalty for a worst one of a past month (奖优罚劣)."""
    async with change(request) as ctx:
        return await workflow.decide_award(
            ctx,
            body.month,
            project_id=body.project_id,
            kind=body.kind,
            amount_fen=body.amount_fen,
            reason=body.reason,
            by=who.sub,
            at=body.at,
        )


@router.get("/satisfaction", response_model=None)
async def satisfaction(
    request: Request,
    month: Month | None = None,
    format: Literal["json", "csv"] = "json",
    who: Principal = require(*REPORT_READERS),
) -> dict[str, Any] | Response:
    """How customers rated each designer, inspector, foreman and engineering manager."""
    async with view(request) as ctx:
        report = await reports.satisfaction(ctx, month)
    if format == "csv":
        return Response(reports.satisfaction_csv(report), media_type="text/csv")
    return report


@router.get("/care-compliance", response_model=None)
async def care_compliance(
    request: Request,
    project_manager: Code | None = None,
    format: Literal["json", "csv"] = "json",
    who: Principal = require(*REPORT_READERS),
) -> dict[str, Any] | Response:
    """Per project manager: projects, calls owed, calls made, compliance percentage."""
    async with view(request) as ctx:
        report = await reports.care(ctx, project_manager)
    if format == "csv":
        return Response(reports.care_csv(report), media_type="text/csv")
    return report
