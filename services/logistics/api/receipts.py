"""Proof-of-delivery receipts: steps, loss, the overdue list and the monthly report."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from pydantic import AwareDatetime, Field

from services.logistics import queries, reports, scanning, state
from services.logistics.api import common
from services.logistics.domain import (
    Receipt,
    ReceiptState,
    advance_receipt,
    mark_receipt_lost,
    receipt_status,
    report_csv,
)
from shared import outbox, timers
from shared.calendar import end_of_local_day, local_date
from shared.contracts.logistics import ReceiptReturned
from shared.contracts.values import ReceiptStep, Role
from shared.web.auth import Principal, require
from shared.web.deps import read, tx
from shared.web.errors import conflict
from shared.web.pagination import decode, limit_param, page

router = APIRouter(prefix="/v1", tags=["receipts"])


class StepIn(common.Strict):
    at: AwareDatetime | None = None
    compliant: bool = True


class LostIn(common.Strict):
    loss_fen: int = Field(ge=0, le=10**15)
    at: AwareDatetime | None = None


async def _locked_receipt(conn: Any, who: Principal, waybill: str) -> tuple[Any, Receipt]:
    ship = common.visible(who, await queries.get_shipment(conn, waybill=waybill), waybill)
    rows = await queries.lock_receipts(conn, waybills=[waybill])
    if not rows:
        raise conflict(f"waybill {waybill} does not require a receipt")
    return ship, state.to_receipt(rows[0], state.requirements_of(rows[0]))


@router.post("/shipments/{waybill}/receipt/lost")
async def receipt_lost(
    waybill: str, body: LostIn, request: Request, who: Principal = require("logistics")
) -> dict[str, Any]:
    """Record that an unreturned receipt is lost and its direct loss (split staff/company)."""
    async with tx(request) as conn:
        _, r = await _locked_receipt(conn, who, waybill)
        r = mark_receipt_lost(r, body.loss_fen, await common.business_time(request, conn, body.at))
        await queries.update_receipts(conn, rows=[state.receipt_values(r)])
    return {"waybill": waybill, "lost_at": r.lost_at.isoformat() if r.lost_at else None}


@router.post("/shipments/{waybill}/receipt/{step}")
async def receipt_step(
    waybill: str,
    step: ReceiptStep,
    request: Request,
    body: StepIn | None = Body(default=None),
    who: Principal = require("branch", "logistics", "finance"),
) -> dict[str, Any]:
    """Take the receipt's next step; `received` (back at the origin) stops the clock."""
    body = body or StepIn()
    if who.role is Role.FINANCE and step is not ReceiptStep.SETTLED:
        raise common.forbidden("finance records the settlement step only")
    async with tx(request) as conn:
        _, before = await _locked_receipt(conn, who, waybill)
        if before.arrival_at is None:
            raise conflict(f"waybill {waybill} has not arrived: its receipt cannot move yet")
        at = await common.business_time(request, conn, body.at)
        r = advance_receipt(before, step, at, body.compliant)
        if r is before:
            return _receipt_json(r)
        await queries.update_receipts(conn, rows=[state.receipt_values(r)])
        await queries.add_log(
            conn,
            waybill=waybill,
            type_="receipt",
            at=at,
            by=who.sub,
            detail={"step": step.value, "compliant": body.compliant, "state": r.state.value},
        )
        if r.state is ReceiptState.RECEIVED and before.state is not ReceiptState.RECEIVED:
            assert r.due_on is not None
            late = receipt_status(before, at)
            await timers.cancel(conn, scanning.RECEIPT_DEADLINE, waybill)
            await outbox.add(
                conn,
                ReceiptReturned(
                    source=state.SOURCE,
                    branch_id=r.origin_branch,
                    version=r.version,
                    waybill=waybill,
                    region=r.region,
                    origin_branch=r.origin_branch,
                    due_on=r.due_on,
                    days_overdue=late.days_overdue,
                    hard_breach=late.hard_breach,
                    at=at,
                ),
            )
        elif r.state is ReceiptState.REDO and r.due_on is not None:
            await timers.schedule(
                conn, scanning.RECEIPT_DEADLINE, waybill, end_of_local_day(r.due_on)
            )
    return _receipt_json(r)


def _receipt_json(r: Receipt) -> dict[str, Any]:
    return {
        "waybill": r.waybill,
        "status": r.state.value,
        "due_on": r.due_on.isoformat() if r.due_on else None,
        "steps": {k.value: v.isoformat() for k, v in r.steps.items()},
        "redo_count": r.redo_count,
    }


def _keyset(values: list[Any] | None) -> tuple[date, str] | None:
    """The (due_on, waybill) a cursor carries, or 422."""
    if values is None:
        return None
    try:
        return date.fromisoformat(str(values[0])), str(values[1])
    except (IndexError, ValueError) as exc:
        raise common.invalid("cursor", "not a cursor this API returned") from exc


@router.get("/receipts/overdue")
async def overdue_receipts(
    request: Request,
    region: str | None = None,
    limit: int = Depends(limit_param),
    cursor: str | None = None,
    who: Principal = require(*common.STAFF_READERS),
) -> dict[str, Any]:
    """Receipts past their due day and not back, oldest first."""
    after = _keyset(decode(cursor))
    async with read(request) as conn:
        now = await common.now(request, conn)
        today = local_date(now)
        rows = await queries.list_overdue_receipts(
            conn,
            today=today,
            region=common.region_scope(who, region),
            after=after,
            limit=limit + 1,
        )
    items = [
        {
            "waybill": r["waybill"],
            "region": r["region"],
            "origin_branch": r["origin_branch"],
            "transfers": r["transfers"],
            "status": r["state"],
            "due_on": r["due_on"].isoformat(),
            "days_overdue": (today - r["due_on"]).days,
            "hard_breach": r["hard_limit_on"] is not None and today > r["hard_limit_on"],
        }
        for r in rows
    ]
    return page(items, limit, key=("due_on", "waybill"))


@router.get("/reports/receipts/monthly", response_model=None)
async def monthly_receipts(
    request: Request,
    month: str | None = Query(default=None, description="YYYY-MM; default: last month"),
    region: str | None = None,
    format: str = Query(default="json", pattern="^(json|csv)$"),
    who: Principal = require(*common.STAFF_READERS),
) -> dict[str, Any] | Response:
    """Per region: unreturned and overdue receipts at month end, and the proposed penalties."""
    rules = common.settings_of(request).rules()
    async with read(request) as conn:
        if month is None:
            month = reports.previous_month(local_date(await common.now(request, conn)))
        try:
            lines = await reports.receipts_month(
                conn, month, common.region_scope(who, region), rules
            )
        except ValueError as exc:
            raise common.invalid("month", str(exc)) from exc
    if format == "csv":
        return Response(report_csv(lines), media_type="text/csv")
    return {
        "month": month.strip(),
        "regions": [reports.region_line_json(line) for line in lines],
        "penalties_fen": sum(line.penalties_fen for line in lines),
    }
