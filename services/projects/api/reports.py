"""Routes of the reports: the monthly rating, satisfaction by role and person, care compliance,
the month's deadlines and payments due (JSON or CSV)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, Response

from services.projects import reports, workflow
from services.projects.api.models import AwardIn
from services.projects.api.roles import (
    DECIDERS,
    PAYMENT_READERS,
    REPORT_READERS,
    branch_scope,
)
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
    branch: Code | None = None,
    format: Literal["json", "csv"] = "json",
    who: Principal = require(*REPORT_READERS),
) -> dict[str, Any] | Response:
    """Per project manager: projects, calls owed, calls made, compliance percentage (of one
    branch's projects when asked, or the token's branch)."""
    scope = branch_scope(who, branch)
    async with view(request) as ctx:
        report = await reports.care(ctx, project_manager, scope)
    if format == "csv":
        return Response(reports.care_csv(report), media_type="text/csv")
    return report


@router.get("/deadlines/monthly", response_model=None)
async def deadlines(
    request: Request,
    month: Month | None = None,
    branch: Code | None = None,
    format: Literal["json", "csv"] = "json",
    who: Principal = require(*REPORT_READERS),
) -> dict[str, Any] | Response:
    """Stage deadlines due in a month: met, missed, still open past due, per branch and person,
    with the missed ones."""
    scope = branch_scope(who, branch)
    async with view(request) as ctx:
        report = await reports.deadlines(ctx, month, scope)
    if format == "csv":
        return Response(reports.deadlines_csv(report), media_type="text/csv")
    return report


@router.get("/payments/monthly", response_model=None)
async def payments(
    request: Request,
    month: Month | None = None,
    branch: Code | None = None,
    format: Literal["json", "csv"] = "json",
    who: Principal = require(*PAYMENT_READERS),
) -> dict[str, Any] | Response:
    """Instalments due in a month (amount, paid, outstanding) and those overdue, per branch,
    with the overdue projects."""
    scope = branch_scope(who, branch)
    async with view(request) as ctx:
        report = await reports.payments(ctx, month, scope)
    if format == "csv":
        return Response(reports.payments_csv(report), media_type="text/csv")
    return report
