"""Shippers as customers: the file kept up to date, long-term rates, the monthly return visits
and their compilation for the supervisor, data requests a superior approves."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from asyncpg import Record

from services.logistics.domain import (
    Candidate,
    DataRequest,
    Rate,
    RateUnit,
    RequestStatus,
    Visit,
    VisitKind,
    VisitReport,
    agree_rate,
    decide_request,
    parse_month,
    provide_data,
    record_visit,
    visit_list,
    visit_report,
)
from services.logistics.queries import customers as files
from services.logistics.workflow.stations import month_bounds
from shared.context import Context
from shared.contracts.logistics import ShipperRegistered
from shared.errors import Invalid, NotFound
from shared.web.auth import Principal


async def shipper(ctx: Context, who: Principal, shipper_id: str, lock: bool = False) -> Record:
    """A shipper's file the caller may see: its own branch's, or any for staff (404 otherwise)."""
    row = await files.get_shipper(ctx.conn, shipper_id=shipper_id, lock=lock)
    if row is None or not who.may_see_branch(row["branch_id"]):
        raise NotFound("shipper", shipper_id)
    return row


@dataclass(frozen=True, slots=True)
class FileChange:
    """What the desk changes in a shipper's file (None: unchanged)."""

    name: str | None = None
    key_customer: bool | None = None
    contact_person: str | None = None
    address: str | None = None
    notes: str | None = None


async def update_file(
    ctx: Context, who: Principal, shipper_id: str, change: FileChange
) -> tuple[Record, list[Rate]]:
    """客户资料更新,建档: the file's fields as given; a new name or key-customer flag is told to
    notifications (shipper.registered: the monthly key-customer calls start or stop)."""
    row = await shipper(ctx, who, shipper_id, lock=True)
    values: dict[str, Any] = {
        k: v for k, v in vars_of(change).items() if v is not None and v != row[k]
    }
    if not values:
        return row, await rates(ctx, who, shipper_id)
    at = await ctx.now()
    told = "name" in values or "key_customer" in values
    if told:
        values["version"] = row["version"] + 1
    await files.update_file(ctx.conn, shipper_id=shipper_id, values=values, by=who.sub, at=at)
    fresh = await shipper(ctx, who, shipper_id)
    if told:
        await ctx.emit(
            ShipperRegistered(
                branch_id=fresh["branch_id"],
                version=fresh["version"],
                shipper_id=shipper_id,
                name=fresh["name"],
                phone=fresh["phone"],
                key_customer=fresh["key_customer"],
            )
        )
    return fresh, await rates(ctx, who, shipper_id)


def vars_of(change: FileChange) -> dict[str, Any]:
    """The change's fields by column name."""
    return {
        "name": change.name,
        "key_customer": change.key_customer,
        "contact_person": change.contact_person,
        "address": change.address,
        "notes": change.notes,
    }


def _rate(row: Record) -> Rate:
    return Rate(
        shipper_id=row["shipper_id"],
        origin=row["origin"],
        destination=row["destination"],
        unit=RateUnit(row["unit"]),
        price_fen=row["price_fen"],
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
        min_charge_fen=row["min_charge_fen"],
    )


async def rates(ctx: Context, who: Principal, shipper_id: str) -> list[Rate]:
    """A shipper's long-term rates, oldest first."""
    await shipper(ctx, who, shipper_id)
    return [_rate(r) for r in await files.rates_of(ctx.conn, shipper_id=shipper_id)]


async def add_rate(ctx: Context, who: Principal, r: Rate) -> Rate:
    """整理好长期合作的运价: a rate agreed with the shipper on a lane from a day on."""
    await shipper(ctx, who, r.shipper_id)
    agreed = agree_rate(r)
    await files.insert_rate(
        ctx.conn,
        values=dict(
            rate_id=uuid.uuid4(),
            shipper_id=agreed.shipper_id,
            origin=agreed.origin,
            destination=agreed.destination,
            unit=agreed.unit.value,
            price_fen=agreed.price_fen,
            min_charge_fen=agreed.min_charge_fen,
            valid_from=agreed.valid_from,
            valid_to=agreed.valid_to,
            by=who.sub,
            at=await ctx.now(),
        ),
    )
    return agreed


def _previous_month(month: str) -> str:
    """The YYYY-MM before `month`."""
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year - 1}-12" if mon == 1 else f"{year}-{mon - 1:02d}"


@dataclass(frozen=True, slots=True)
class Listed:
    """A shipper on a month's visit list, and its visit if made."""

    shipper_id: str
    name: str
    branch: str | None
    kind: VisitKind
    visit: Visit | None


async def _listed(ctx: Context, month: str) -> list[tuple[Record, VisitKind]]:
    """The month's list: every key customer and a sample of last month's new shippers."""
    month_bounds(month)
    since, before = parse_month(_previous_month(month))
    rows = await files.visit_candidates(ctx.conn, new_since=since, new_before=before)
    by_id = {r["shipper_id"]: r for r in rows}
    cands = [Candidate(r["shipper_id"], r["key_customer"], r["created_at"]) for r in rows]
    return [(by_id[sid], kind) for sid, kind in visit_list(cands, month, since, before)]


def _visit(row: Record) -> Visit:
    return Visit(
        shipper_id=row["shipper_id"],
        month=row["month"],
        kind=VisitKind(row["kind"]),
        reached=row["reached"],
        satisfaction=row["satisfaction"],
        feedback=row["feedback"],
        by=row["by"],
        at=row["at"],
        branch=row["branch_id"],
    )


async def visits(ctx: Context, month: str) -> list[Listed]:
    """每月定期对重点客户及部分新客户进行回访: the month's list with the visits made."""
    done = {v.shipper_id: v for v in map(_visit, await files.visits_of(ctx.conn, month=month))}
    return [
        Listed(r["shipper_id"], r["name"], r["branch_id"], kind, done.get(r["shipper_id"]))
        for r, kind in await _listed(ctx, month)
    ]


async def visit(
    ctx: Context,
    who: Principal,
    shipper_id: str,
    month: str,
    reached: bool,
    satisfaction: int | None,
    feedback: str,
) -> Visit:
    """A return visit of a shipper on the month's list, with the satisfaction it gave."""
    row = await shipper(ctx, who, shipper_id)
    kinds = {r["shipper_id"]: kind for r, kind in await _listed(ctx, month)}
    if shipper_id not in kinds:
        raise Invalid("month", f"shipper {shipper_id} is not on the visit list of {month}")
    v = record_visit(
        shipper_id,
        month,
        kinds[shipper_id],
        reached,
        satisfaction,
        feedback,
        who.sub,
        await ctx.now(),
    )
    await files.insert_visit(
        ctx.conn,
        values=dict(
            visit_id=uuid.uuid4(),
            shipper_id=v.shipper_id,
            month=v.month,
            kind=v.kind.value,
            reached=v.reached,
            satisfaction=v.satisfaction,
            feedback=v.feedback,
            by=v.by,
            at=v.at,
        ),
    )
    return replace(v, branch=row["branch_id"])


async def report(ctx: Context, month: str) -> tuple[VisitReport, dict[str, str]]:
    """整理递交主管; 收集客户满意度、提供考评数据: the month's visits compiled, and the names."""
    listed = await _listed(ctx, month)
    rows = await files.visits_of(ctx.conn, month=month)
    names = {r["shipper_id"]: r["name"] for r, _ in listed} | {
        r["shipper_id"]: r["name"] for r in rows
    }
    return visit_report(
        month, [r["shipper_id"] for r, _ in listed], [_visit(r) for r in rows]
    ), names


def _request(row: Record) -> DataRequest:
    return DataRequest(
        request_id=str(row["request_id"]),
        department=row["department"],
        scope=row["scope"],
        purpose=row["purpose"],
        requested_by=row["requested_by"],
        requested_at=row["requested_at"],
        status=RequestStatus(row["status"]),
        decided_by=row["decided_by"],
        decided_at=row["decided_at"],
        decision_note=row["decision_note"],
        provided_by=row["provided_by"],
        provided_at=row["provided_at"],
    )


async def ask(
    ctx: Context, who: Principal, department: str, scope: str, purpose: str
) -> DataRequest:
    """根据相关部门需求: a department's request for data, waiting for a superior."""
    req = DataRequest(
        str(uuid.uuid4()), department, scope.strip(), purpose.strip(), who.sub, await ctx.now()
    )
    await files.insert_data_request(
        ctx.conn,
        values=dict(
            request_id=uuid.UUID(req.request_id),
            department=req.department,
            scope=req.scope,
            purpose=req.purpose,
            requested_by=req.requested_by,
            requested_at=req.requested_at,
            status=req.status.value,
        ),
    )
    return req


async def _locked(ctx: Context, request_id: str) -> DataRequest:
    try:
        key = uuid.UUID(request_id)
    except ValueError:
        raise NotFound("data request", request_id) from None
    row = await files.lock_data_request(ctx.conn, request_id=key)
    if row is None:
        raise NotFound("data request", request_id)
    return _request(row)


async def decide(
    ctx: Context, who: Principal, request_id: str, approve: bool, note: str
) -> DataRequest:
    """经上级同意: a superior approves or rejects the request, on record."""
    req = decide_request(await _locked(ctx, request_id), who.sub, approve, note, await ctx.now())
    await files.update_data_request(
        ctx.conn,
        request_id=uuid.UUID(req.request_id),
        values=dict(
            status=req.status.value,
            decided_by=req.decided_by,
            decided_at=req.decided_at,
            decision_note=req.decision_note,
        ),
    )
    return req


async def provide(ctx: Context, who: Principal, request_id: str) -> DataRequest:
    """提供相关数据与资料: recorded only for an approved request."""
    req = provide_data(await _locked(ctx, request_id), who.sub, await ctx.now())
    await files.update_data_request(
        ctx.conn,
        request_id=uuid.UUID(req.request_id),
        values=dict(
            status=req.status.value, provided_by=req.provided_by, provided_at=req.provided_at
        ),
    )
    return req


async def requests(
    ctx: Context,
    statuses: list[RequestStatus] | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[DataRequest]:
    """Data requests, newest first."""
    rows = await files.list_data_requests(
        ctx.conn,
        statuses=[s.value for s in statuses] if statuses else None,
        after=after,
        limit=limit,
    )
    return [_request(r) for r in rows]
