"""Proof-of-delivery receipts: steps, loss, the overdue list and the monthly report."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request, Response

from services.logistics import reports
from services.logistics.api import views
from services.logistics.api.models import LostIn, StepIn
from services.logistics.api.roles import STAFF_READERS, region_scope
from services.logistics.domain import report_csv
from services.logistics.workflow import receipts
from shared.contracts.values import ReceiptStep
from shared.validation import Code, Cursor, Month
from shared.web.auth import Principal, require
from shared.web.deps import change, view
from shared.web.pagination import after, limit_param, page

router = APIRouter(prefix="/v1", tags=["receipts"])


@router.post("/shipments/{waybill}/receipt/lost")
async def receipt_lost(
    waybill: str, body: LostIn, request: Request, who: Principal = require("logistics")
) -> dict[str, Any]:
    """Record that an unreturned receipt is lost and its direct loss (split staff/company)."""
    async with change(request) as ctx:
        r = await receipts.lose(ctx, who, waybill, body.loss_fen, body.at)
    return {"waybill": waybill, "lost_at": r.lost_at.isoformat() if r.lost_at else None}


@router.post("/shipments/{waybill}/receipt/{step}")
async def receipt_step(
    waybill: str,
    step: ReceiptStep,
    request: Request,
    body: StepIn | None = Body(default=None),
    who: Principal = require("branch", "logistics", "finance"),
) -> dict[str, Any]:
    """Take the receipt's next step as its party: the destination branch signs and sends, the
    origin branch receives and hands over, finance settles; `received` stops the clock."""
    body = body or StepIn()
    async with change(request) as ctx:
        r = await receipts.take_step(ctx, who, waybill, step, body.at, body.compliant)
    return views.receipt_json(r)


@router.get("/receipts/overdue")
async def overdue_receipts(
    request: Request,
    region: Code | None = None,
    limit: int = Depends(limit_param),
    cursor: Cursor | None = None,
    who: Principal = require(*STAFF_READERS),
) -> dict[str, Any]:
    """Receipts past their due day and not back, oldest first."""
    key = after(cursor, date, str)
    async with view(request) as ctx:
        lines = await receipts.overdue(ctx, region_scope(who, region), key, limit + 1)
    items = [
        {
            "waybill": o.waybill,
            "region": o.region,
            "origin_branch": o.origin_branch,
            "transfers": o.transfers,
            "status": o.state,
            "due_on": o.due_on.isoformat(),
            "days_overdue": o.days_overdue,
            "hard_breach": o.hard_breach,
        }
        for o in lines
    ]
    return page(items, limit, key=("due_on", "waybill"))


@router.get("/reports/receipts/monthly", response_model=None)
async def monthly_receipts(
    request: Request,
    month: Month | None = Query(default=None, description="YYYY-MM; default: last month"),
    region: Code | None = None,
    format: Literal["json", "csv"] = Query(default="json", description="json or csv"),
    who: Principal = require(*STAFF_READERS),
) -> dict[str, Any] | Response:
    """Per region: unreturned and overdue receipts at month end, and the proposed penalties."""
    async with view(request) as ctx:
        month, lines = await reports.receipts_month(ctx, month, region_scope(who, region))
    if format == "csv":
        return Response(report_csv(lines), media_type="text/csv")
    return reports.receipts_month_json(month, lines)
