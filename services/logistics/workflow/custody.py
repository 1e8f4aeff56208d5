"""Receipt custody: who holds each receipt, its handovers, the envelopes a destination seals for
its origin and the origin's check of them, and the receipts handed over but not settled."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from asyncpg import Record

from services.logistics import queries
from services.logistics.domain import (
    STEP_OUT_OF_ORDER,
    WRONG_STATE,
    DomainError,
    Envelope,
    Receipt,
    advance_receipt,
    check_envelope,
    holder_after,
    seal_envelope,
)
from services.logistics.queries import records
from services.logistics.workflow import access, receipts
from shared.context import Context
from shared.contracts.values import ReceiptStep, Role
from shared.errors import Forbidden, NotFound
from shared.web.auth import Principal


@dataclass(frozen=True, slots=True)
class HeldFilter:
    """Which receipts the custody register lists."""

    holder: str | None = None
    business_owner: str | None = None
    region: str | None = None
    branch: str | None = None
    handed_over_only: bool = False


def _own_branch(who: Principal, branch: str, what: str) -> None:
    """A branch token acts for its own branch only."""
    if who.is_branch and who.branch != branch:
        raise Forbidden(f"{what} belongs to branch {branch}, not {who.branch}")


async def _receipts_for(
    ctx: Context, env: Envelope, waybills: tuple[str, ...], step: ReceiptStep
) -> list[tuple[Record, Receipt]]:
    """The listed receipts, locked, each on the envelope's route (destination → origin)."""
    rows = {r["waybill"]: r for r in await queries.lock_receipts(ctx.conn, waybills=waybills)}
    found: list[tuple[Record, Receipt]] = []
    for waybill in waybills:
        row = rows.get(waybill)
        if row is None or (row["destination_branch"], row["origin_branch"]) != (
            env.from_branch,
            env.to_branch,
        ):
            raise DomainError(
                WRONG_STATE,
                f"waybill {waybill} has no receipt going from {env.from_branch} to {env.to_branch}",
                "waybills",
            )
        r = records.to_receipt(row)
        if step is ReceiptStep.SENT and r.arrival_at is None:
            raise DomainError(STEP_OUT_OF_ORDER, f"waybill {waybill} has not arrived", "waybills")
        found.append((row, r))
    return found


async def _move(
    ctx: Context,
    who: Principal,
    env: Envelope,
    moved: list[tuple[Record, Receipt, Receipt]],
    step: ReceiptStep,
    at: datetime,
) -> None:
    """Save the receipts a step moved, their handovers and history."""
    await queries.update_receipts(ctx.conn, rows=[records.receipt_values(r) for _, _, r in moved])
    rows = []
    for row, _, r in moved:
        holder = holder_after(
            step,
            origin=row["origin_branch"],
            destination=row["destination_branch"],
            envelope_id=env.envelope_id,
        )
        rows.append(
            (r.waybill, step.value, row["holder"], holder, env.envelope_id, who.sub, at, None)
        )
        await queries.add_log(
            ctx.conn,
            waybill=r.waybill,
            type_="receipt",
            at=at,
            by=who.sub,
            detail={"step": step.value, "state": r.state.value, "envelope_id": env.envelope_id},
        )
    await queries.record_custody(ctx.conn, rows=rows)


async def seal(
    ctx: Context,
    who: Principal,
    from_branch: str,
    to_branch: str,
    waybills: list[str],
    at: datetime | None,
) -> Envelope:
    """The destination seals signed receipts in an envelope for the origin, with their number and
    list on it (回单规范要求 4)); each is sent."""
    _own_branch(who, from_branch, "the envelope")
    when = await ctx.business_time(at, "at")
    env = seal_envelope(str(uuid.uuid4()), from_branch, to_branch, waybills, when)
    found = await _receipts_for(ctx, env, env.waybills, ReceiptStep.SENT)
    moved = [(row, r, advance_receipt(r, ReceiptStep.SENT, when)) for row, r in found]
    await queries.insert_envelope(
        ctx.conn,
        envelope_id=env.envelope_id,
        from_branch=env.from_branch,
        to_branch=env.to_branch,
        waybills=env.waybills,
        by=who.sub,
        at=when,
    )
    await _move(ctx, who, env, moved, ReceiptStep.SENT, when)
    return env


async def envelope(ctx: Context, who: Principal, envelope_id: str, lock: bool = False) -> Envelope:
    """An envelope the caller may see: its two branches, or staff (404 otherwise)."""
    try:
        key = str(uuid.UUID(envelope_id))
    except ValueError:
        raise NotFound("envelope", envelope_id) from None
    row = await queries.get_envelope(ctx.conn, envelope_id=key, lock=lock)
    if row is None or (who.is_branch and who.branch not in (row["from_branch"], row["to_branch"])):
        raise NotFound("envelope", envelope_id)
    return records.to_envelope(row)


async def check(
    ctx: Context, who: Principal, envelope_id: str, found: list[str], at: datetime | None
) -> Envelope:
    """The origin opens the envelope and checks it against its list (回单规范要求 5)): what is
    there and listed is received; what is missing or not listed is recorded for the call to
    the destination."""
    env = await envelope(ctx, who, envelope_id, lock=True)
    _own_branch(who, env.to_branch, "the envelope's check")
    when = await ctx.business_time(at, "at")
    checked = check_envelope(env, found, when)
    present = tuple(w for w in env.waybills if w not in checked.missing)
    moved = []
    for row, r in await _receipts_for(ctx, env, present, ReceiptStep.RECEIVED):
        after = advance_receipt(r, ReceiptStep.RECEIVED, checked.checked_at or when)
        if after is not r:
            moved.append((row, r, after))
    await _move(ctx, who, env, moved, ReceiptStep.RECEIVED, checked.checked_at or when)
    for _, before, after in moved:
        await receipts.after_return(ctx, before, after, checked.checked_at or when)
    await queries.mark_envelope_checked(
        ctx.conn,
        envelope_id=env.envelope_id,
        by=who.sub,
        at=checked.checked_at or when,
        missing=checked.missing,
        unexpected=checked.unexpected,
    )
    return checked


async def handovers(ctx: Context, who: Principal, waybill: str) -> tuple[Record, list[Record]]:
    """A receipt's holder now and every handover (出入清晰、可查)."""
    await access.shipment(ctx, who, waybill)
    row = await queries.get_receipt(ctx.conn, waybill=waybill)
    if row is None:
        raise DomainError(WRONG_STATE, f"waybill {waybill} does not require a receipt")
    return row, await queries.custody_of(ctx.conn, waybill=waybill)


async def held(
    ctx: Context, who: Principal, f: HeldFilter, after: tuple[datetime, str] | None, limit: int
) -> list[Record]:
    """Receipts not settled with their holder, longest held first; a branch sees those it sends
    or receives, a regional token its region."""
    branch, region = f.branch, f.region
    if who.is_branch:
        branch = who.branch
    elif who.region and who.role is not Role.ADMIN:
        region = who.region
    return await queries.list_held(
        ctx.conn,
        holder=f.holder,
        business_owner=f.business_owner,
        region=region,
        branch=branch,
        handed_over_only=f.handed_over_only,
        after=after,
        limit=limit,
    )
