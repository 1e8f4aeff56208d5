"""Proof-of-delivery receipts: steps, loss, the overdue list and the daily deadline check."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from asyncpg import Record

from services.logistics import queries
from services.logistics.domain import (
    WRONG_STATE,
    AbnormalReceipt,
    DomainError,
    Explanation,
    LateCause,
    Receipt,
    ReceiptFindings,
    ReceiptOwner,
    ReceiptState,
    advance_receipt,
    check_handover,
    check_receipt,
    check_step_party,
    holder_after,
    mark_receipt_lost,
    name_receipt_owner,
    receipt_next_check_at,
    receipt_status,
    register_abnormal,
    went_overdue_on,
)
from services.logistics.queries import records
from services.logistics.workflow import RECEIPT_DEADLINE, access, events
from shared.calendar import end_of_local_day, local_date
from shared.context import Context
from shared.contracts.values import ReceiptStep, Role
from shared.errors import Forbidden
from shared.web.auth import Principal


@dataclass(frozen=True, slots=True)
class Overdue:
    """A receipt past its due day and not back, and how late it is today."""

    waybill: str
    region: str
    origin_branch: str
    transfers: int
    state: str
    due_on: date
    days_overdue: int
    hard_breach: bool


async def _locked(ctx: Context, who: Principal, waybill: str) -> tuple[Record, Receipt]:
    """The receipt of a shipment the caller sees (its row: route and holder too), locked; 409
    when none is required."""
    await access.shipment(ctx, who, waybill)
    rows = await queries.lock_receipts(ctx.conn, waybills=[waybill])
    if not rows:
        raise DomainError(WRONG_STATE, f"waybill {waybill} does not require a receipt")
    return rows[0], records.to_receipt(rows[0])


async def lose(
    ctx: Context, who: Principal, waybill: str, loss_fen: int, at: datetime | None
) -> Receipt:
    """Record that an unreturned receipt is lost and its direct loss (split staff/company)."""
    _, r = await _locked(ctx, who, waybill)
    r = mark_receipt_lost(r, loss_fen, await ctx.business_time(at, "at"))
    await queries.update_receipts(ctx.conn, rows=[records.receipt_values(r)])
    return r


@dataclass(frozen=True, slots=True)
class Stepped:
    """A receipt after a step, and what its check found wrong (empty when compliant)."""

    receipt: Receipt
    defects: tuple[str, ...] = ()
    abnormality_id: str | None = None


@dataclass(frozen=True, slots=True)
class StepRequest:
    """A receipt step as its party records it, with what the checking station found."""

    step: ReceiptStep
    at: datetime | None = None
    compliant: bool = True
    findings: ReceiptFindings | None = None
    note: str = ""
    to: str | None = None  # handed_over: the customer or salesperson who took it
    business_owner: str | None = None  # handed_over: the salesperson it is filed under


async def take_step(ctx: Context, who: Principal, waybill: str, req: StepRequest) -> Stepped:
    """Take the receipt's next step; a check against the shipper's requirements that fails
    registers an abnormal receipt (the supervisor is told) and sends it back to be signed
    again; `received` (back at the origin) stops the clock, a redo re-arms it."""
    row, before = await _locked(ctx, who, waybill)
    check_step_party(
        req.step,
        role=who.role,
        branch=who.branch,
        origin=row["origin_branch"],
        destination=row["destination_branch"],
    )
    if before.arrival_at is None:
        raise DomainError(
            WRONG_STATE, f"waybill {waybill} has not arrived: its receipt cannot move yet"
        )
    defects = check_receipt(
        before.requirements, req.step, req.findings, compliant=req.compliant, note=req.note
    )
    check_handover(req.step, req.to, req.business_owner)
    when = await ctx.business_time(req.at, "at")
    r = advance_receipt(before, req.step, when, compliant=not defects)
    if r is before:
        return Stepped(r)
    await queries.update_receipts(ctx.conn, rows=[records.receipt_values(r)])
    await queries.add_log(
        ctx.conn,
        waybill=waybill,
        type_="receipt",
        at=when,
        by=who.sub,
        detail={
            "step": req.step.value,
            "compliant": not defects,
            "state": r.state.value,
            **({"defects": defects} if defects else {}),
            **({"to": req.to} if req.to else {}),
        },
    )
    # A receipt sent back to be signed again goes to the destination that has it redone.
    holder = (
        row["destination_branch"]
        if defects
        else holder_after(
            req.step, origin=row["origin_branch"], destination=row["destination_branch"], to=req.to
        )
    )
    step_name = "redo" if defects else req.step.value
    await queries.record_custody(
        ctx.conn,
        rows=[(waybill, step_name, row["holder"], holder, None, who.sub, when, req.business_owner)],
    )
    if defects:
        found = await _register_abnormal(ctx, who, row, r, req.step, defects, when)
        if r.due_on is not None:
            await ctx.schedule(RECEIPT_DEADLINE, waybill, end_of_local_day(r.due_on))
        return Stepped(r, tuple(defects), found.abnormality_id)
    if req.step is ReceiptStep.SIGNED and before.state is ReceiptState.REDO:
        await queries.resolve_abnormalities(ctx.conn, waybill=waybill, at=when)
    await after_return(ctx, before, r, when)
    return Stepped(r)


async def after_return(ctx: Context, before: Receipt, r: Receipt, when: datetime) -> None:
    """Back at the origin: the deadline stops and receipt.returned says how late it was."""
    if r.state is ReceiptState.RECEIVED and before.state is not ReceiptState.RECEIVED:
        late = receipt_status(before, when)
        await ctx.cancel(RECEIPT_DEADLINE, r.waybill)
        await ctx.emit(events.returned(r, late.days_overdue, late.hard_breach, when))


async def _register_abnormal(
    ctx: Context,
    who: Principal,
    row: Record,
    r: Receipt,
    step: ReceiptStep,
    defects: list[str],
    at: datetime,
) -> AbnormalReceipt:
    """Register the abnormal receipt and tell the region's supervisor (receipt.abnormal)."""
    found = register_abnormal(str(uuid.uuid4()), r.waybill, r.region, step, defects, at)
    await queries.insert_abnormality(
        ctx.conn,
        abnormality_id=found.abnormality_id,
        waybill=found.waybill,
        region=found.region,
        step=found.step.value,
        defects=found.defects,
        found_by=who.sub,
        found_at=found.found_at,
    )
    await ctx.emit(events.abnormal(r, found, row["destination_branch"]))
    return found


async def abnormal_register(
    ctx: Context,
    region: str | None,
    open_only: bool,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[tuple[AbnormalReceipt, Record]]:
    """The abnormal receipts, newest found first, each with its route."""
    rows = await queries.list_abnormalities(
        ctx.conn, region=region, open_only=open_only, after=after, limit=limit
    )
    return [(records.to_abnormal(row), row) for row in rows]


async def explain(
    ctx: Context, who: Principal, waybill: str, cause: LateCause, text: str
) -> Explanation:
    """Record the region's explanation of a late receipt (回单未返情况说明); 409 unless it went
    overdue."""
    _, r = await _locked(ctx, who, waybill)
    now = await ctx.now()
    day = went_overdue_on(r)
    if day is None or day > local_date(now):
        raise DomainError(WRONG_STATE, f"the receipt of waybill {waybill} is not late")
    told = Explanation(waybill, cause, text, who.sub, now)
    await queries.upsert_explanation(
        ctx.conn, waybill=waybill, cause=cause.value, text=text, by=who.sub, at=now
    )
    await queries.add_log(
        ctx.conn,
        waybill=waybill,
        type_="receipt_explanation",
        at=now,
        by=who.sub,
        detail={"cause": cause.value, "text": text},
    )
    return told


async def name_owner(ctx: Context, who: Principal, named: ReceiptOwner) -> ReceiptOwner:
    """A region names its receipt owner and the owner's superior (a regional token: its own
    region only)."""
    if who.region and who.role is not Role.ADMIN and who.region != named.region:
        raise Forbidden(f"a token of region {who.region} cannot name region {named.region}'s owner")
    owner = name_receipt_owner(
        named.region, named.owner, named.owner_name, named.superior, named.superior_name
    )
    await queries.upsert_receipt_owner(
        ctx.conn,
        region=owner.region,
        owner=owner.owner,
        owner_name=owner.owner_name,
        superior=owner.superior,
        superior_name=owner.superior_name,
        by=who.sub,
        at=await ctx.now(),
    )
    return owner


async def owners(ctx: Context, region: str | None) -> list[ReceiptOwner]:
    """The regions' receipt owners (one region's, or every region's)."""
    return [records.to_owner(r) for r in await queries.receipt_owners(ctx.conn, region=region)]


async def overdue(
    ctx: Context, region: str | None, after: tuple[date, str] | None, limit: int
) -> list[Overdue]:
    """Receipts past their due day and not back, oldest due first."""
    today = local_date(await ctx.now())
    rows = await queries.list_overdue_receipts(
        ctx.conn, today=today, region=region, after=after, limit=limit
    )
    return [
        Overdue(
            waybill=r["waybill"],
            region=r["region"],
            origin_branch=r["origin_branch"],
            transfers=r["transfers"],
            state=r["state"],
            due_on=r["due_on"],
            days_overdue=(today - r["due_on"]).days,
            hard_breach=r["hard_limit_on"] is not None and today > r["hard_limit_on"],
        )
        for r in rows
    ]


async def check_deadline(ctx: Context, waybill: str) -> datetime | None:
    """A receipt past due and not back → receipt.overdue (once a local day while it stays out);
    when to look again."""
    rows = await queries.lock_receipts(ctx.conn, waybills=[waybill])
    if not rows:
        return None
    row = rows[0]
    r = records.to_receipt(row)
    now = await ctx.now()
    status = receipt_status(r, now)
    today = local_date(now)
    if status.overdue and r.due_on is not None and row["overdue_reported_on"] != today:
        # Each day's report is a new fact: a newer version, so no consumer takes it as stale.
        version = r.version + 1
        await queries.mark_overdue_reported(ctx.conn, waybill=r.waybill, on=today, version=version)
        named = await owners(ctx, r.region)
        await ctx.emit(
            events.overdue(
                r, version, status.days_overdue, status.hard_breach, named[0] if named else None
            )
        )
    return receipt_next_check_at(r, now)
