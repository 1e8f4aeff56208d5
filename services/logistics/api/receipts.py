"""Proof-of-delivery receipts: steps, loss, the overdue list and the monthly report."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request, Response

from services.logistics import reports
from services.logistics.api import views
from services.logistics.api.models import (
    ExplanationIn,
    LostIn,
    ReceiptCancelIn,
    ReceiptCollectedIn,
    ReceiptOwnerIn,
    StepIn,
)
from services.logistics.api.roles import STAFF_READERS, region_scope
from services.logistics.domain import Receipt, ReceiptFindings, ReceiptOwner, report_csv
from services.logistics.workflow import closing, receipts
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


@router.post("/shipments/{waybill}/receipt/explanation")
async def receipt_explanation(
    waybill: str,
    body: ExplanationIn,
    request: Request,
    who: Principal = require("logistics", "manager"),
) -> dict[str, Any]:
    """The region's explanation of a late receipt: its cause decides whether the region's
    receipt owner answers for it in the monthly report."""
    async with change(request) as ctx:
        told = await receipts.explain(ctx, who, waybill, body.cause, body.text)
    return {
        "waybill": told.waybill,
        "cause": told.cause.value,
        "text": told.text,
        "excused": told.excuses,
        "by": told.by,
        "at": told.at.isoformat(),
    }


def _closed_json(r: Receipt) -> dict[str, Any]:
    return {**views.receipt_json(r), "closed_at": r.closed_at.isoformat() if r.closed_at else None}


@router.post("/shipments/{waybill}/receipt/cancel")
async def receipt_cancel(
    waybill: str,
    body: ReceiptCancelIn,
    request: Request,
    who: Principal = require("branch", "logistics"),
) -> dict[str, Any]:
    """A cash-paid (现付) receipt is cancelled: its clock stops, nothing more is chased, a
    receipt back at the origin goes to the customer, and the shipper is told by SMS."""
    async with change(request) as ctx:
        r = await closing.cancel(ctx, who, waybill, body.note, body.at)
    return _closed_json(r)


@router.post("/shipments/{waybill}/receipt/collected")
async def receipt_collected(
    waybill: str,
    body: ReceiptCollectedIn,
    request: Request,
    who: Principal = require("branch", "logistics"),
) -> dict[str, Any]:
    """The customer collects the receipt at the origin: who signed for it is registered and
    the receipt is written off (核销); the shipper is told by SMS."""
    async with change(request) as ctx:
        r = await closing.collect(ctx, who, waybill, body.collected_by, body.at)
    return _closed_json(r)


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
    found = body.presented
    req = receipts.StepRequest(
        step=step,
        at=body.at,
        compliant=body.compliant,
        findings=ReceiptFindings(**found.model_dump()) if found is not None else None,
        note=body.note,
        to=body.to,
        business_owner=body.business_owner,
    )
    async with change(request) as ctx:
        done = await receipts.take_step(ctx, who, waybill, req)
    return {
        **views.receipt_json(done.receipt),
        "defects": list(done.defects),
        "abnormality_id": done.abnormality_id,
    }


@router.get("/receipts/abnormal")
async def abnormal_receipts(
    request: Request,
    region: Code | None = None,
    open_only: bool = Query(False, alias="open", description="true: not yet signed again"),
    limit: int = Depends(limit_param),
    cursor: Cursor | None = None,
    who: Principal = require(*STAFF_READERS),
) -> dict[str, Any]:
    """The register of abnormal receipts, newest found first: what each lacked, which check
    found it, whether it was signed again."""
    key = after(cursor, datetime, str)
    async with view(request) as ctx:
        found = await receipts.abnormal_register(
            ctx, region_scope(who, region), open_only, key, limit + 1
        )
    items = [
        {
            "abnormality_id": a.abnormality_id,
            "waybill": a.waybill,
            "region": a.region,
            "origin_branch": row["origin_branch"],
            "destination_branch": row["destination_branch"],
            "step": a.step.value,
            "defects": list(a.defects),
            "found_late": a.found_late,
            "found_by": row["found_by"],
            "found_at": a.found_at.isoformat(),
            "resolved_at": a.resolved_at.isoformat() if a.resolved_at else None,
        }
        for a, row in found
    ]
    return page(items, limit, key=("found_at", "abnormality_id"))


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


def _owner_json(o: ReceiptOwner) -> dict[str, Any]:
    return {
        "region": o.region,
        "owner": o.owner,
        "owner_name": o.owner_name,
        "superior": o.superior,
        "superior_name": o.superior_name,
    }


@router.post("/regions/{region}/receipt-owner")
async def name_receipt_owner(
    region: Code,
    body: ReceiptOwnerIn,
    request: Request,
    who: Principal = require("logistics", "manager"),
) -> dict[str, Any]:
    """A region names its receipt owner, who is given the daily chase, and the superior a
    missed chase goes to (a newer naming replaces it)."""
    named = ReceiptOwner(region, body.owner, body.owner_name, body.superior, body.superior_name)
    async with change(request) as ctx:
        owner = await receipts.name_owner(ctx, who, named)
    return _owner_json(owner)


@router.get("/regions/receipt-owners")
async def receipt_owners(
    request: Request,
    region: Code | None = None,
    who: Principal = require(*STAFF_READERS),
) -> dict[str, Any]:
    """Every region's receipt owner and superior (a regional token: its own)."""
    async with view(request) as ctx:
        found = await receipts.owners(ctx, region_scope(who, region))
    return {"items": [_owner_json(o) for o in found]}
