"""Receipts that end without finance (日回单管理 2), 3)): a cash-paid one cancelled and the
customer told, one the customer collects at the origin signed out and written off."""

from __future__ import annotations

from datetime import datetime

from asyncpg import Record

from services.logistics import queries
from services.logistics.domain import (
    WRONG_STATE,
    Closure,
    DomainError,
    Receipt,
    cancel_cash_paid,
    cancelled_holder,
    write_off_collected,
)
from services.logistics.queries import records
from services.logistics.workflow import RECEIPT_DEADLINE, access, events
from shared.context import Context
from shared.errors import Forbidden
from shared.web.auth import Principal


async def _at_origin(ctx: Context, who: Principal, waybill: str) -> tuple[Record, Record, Receipt]:
    """The shipment and its receipt, locked; the origin branch's business (or the receipt
    desk's): the customer is the origin's."""
    shipment = await access.shipment(ctx, who, waybill)
    if who.is_branch and who.branch != shipment["origin_branch"]:
        raise Forbidden(
            f"the receipt's customer is the origin branch {shipment['origin_branch']}'s"
        )
    rows = await queries.lock_receipts(ctx.conn, waybills=[waybill])
    if not rows:
        raise DomainError(WRONG_STATE, f"waybill {waybill} does not require a receipt")
    return shipment, rows[0], records.to_receipt(rows[0])


async def _close(
    ctx: Context,
    who: Principal,
    row: Record,
    r: Receipt,
    how: Closure,
    holder: str,
    detail: dict[str, str],
) -> None:
    """Save the closed receipt, stop its clock, write the last handover and the history."""
    assert r.closed_at is not None
    await queries.update_receipts(ctx.conn, rows=[records.receipt_values(r)])
    await ctx.cancel(RECEIPT_DEADLINE, r.waybill)
    await queries.record_custody(
        ctx.conn,
        rows=[(r.waybill, how.value, row["holder"], holder, None, who.sub, r.closed_at, None)],
    )
    await queries.add_log(
        ctx.conn,
        waybill=r.waybill,
        type_="receipt",
        at=r.closed_at,
        by=who.sub,
        detail={"step": how.value, "state": r.state.value, **detail},
    )


async def cancel(
    ctx: Context, who: Principal, waybill: str, note: str, at: datetime | None
) -> Receipt:
    """现付类回单,要及时通知客户取消,并做好交接: the cash-paid receipt is cancelled wherever it is,
    handed to the customer if it is back, and receipt.cancelled tells the shipper."""
    shipment, row, before = await _at_origin(ctx, who, waybill)
    r = cancel_cash_paid(before, await ctx.business_time(at, "at"))
    assert r.closed_at is not None
    holder = cancelled_holder(before)
    await _close(ctx, who, row, r, Closure.CASH_PAID, holder, {"to": holder, "note": note})
    await ctx.emit(events.cancelled(r, shipment["shipper_phone"], note, r.closed_at))
    return r


async def collect(
    ctx: Context, who: Principal, waybill: str, collected_by: str, at: datetime | None
) -> Receipt:
    """客户上门取回单,作回单签收登记和系统回单核销: the customer signs for the receipt at the
    origin and it is written off; receipt.collected confirms it to the shipper."""
    shipment, row, before = await _at_origin(ctx, who, waybill)
    name = collected_by.strip()
    r = write_off_collected(before, name, await ctx.business_time(at, "at"))
    assert r.closed_at is not None
    await _close(ctx, who, row, r, Closure.COLLECTED, name, {"to": name})
    await ctx.emit(events.collected(r, shipment["shipper_phone"], name, r.closed_at))
    return r
