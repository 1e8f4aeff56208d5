"""Cargo exceptions: photos, registration by hand and the daily truck check; the shipper's slip
found missing."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asyncpg import Record

from services.logistics import queries
from services.logistics.domain import (
    CargoException,
    Inspected,
    SlipMissing,
    inspect_goods,
    reconcile_truck,
    register_exception,
)
from services.logistics.domain import slip_missing as find_slip_missing
from services.logistics.queries import records
from services.logistics.workflow import access, events
from shared.context import Context
from shared.contracts.values import ExceptionKind
from shared.errors import Forbidden, Invalid, NotFound
from shared.objects import StoredObject
from shared.web.auth import Principal


@dataclass(frozen=True, slots=True)
class TruckCheck:
    """What a truck check recorded: its id, when, how many waybills and every exception."""

    check_id: uuid.UUID
    at: datetime
    waybills_checked: int
    found: list[CargoException]


async def photo_target(ctx: Context, who: Principal, waybill: str) -> None:
    """A photo may be stored for a shipment the caller sees (404 otherwise)."""
    await access.shipment(ctx, who, waybill)


async def add_photo(ctx: Context, who: Principal, waybill: str, stored: StoredObject) -> None:
    """Record a photo already in the object store against its waybill."""
    await queries.insert_photo(
        ctx.conn,
        photo_id=stored.id,
        waybill=waybill,
        sha256=stored.sha256,
        size=stored.size,
        content_type=stored.content_type,
        by=who.sub,
    )


async def photo(ctx: Context, who: Principal, waybill: str, photo_id: str) -> Record:
    """A photo of a shipment the caller sees (404 for either unknown)."""
    await access.shipment(ctx, who, waybill)
    row = await queries.get_photo(ctx.conn, waybill=waybill, photo_id=photo_id)
    if row is None:
        raise NotFound("photo", photo_id)
    return row


async def register(
    ctx: Context,
    who: Principal,
    waybill: str,
    kind: ExceptionKind,
    station: str,
    note: str,
    photo_ids: Sequence[str],
    at: datetime | None,
) -> CargoException:
    """Damage, shortage or mismatch at a station, with its photos: the supervisor is told."""
    row = await access.shipment(ctx, who, waybill)
    known = await queries.photos_of(ctx.conn, waybill=waybill, photo_ids=photo_ids)
    missing = [p for p in photo_ids if p not in known]
    if missing:
        raise Invalid("photo_ids", f"not photos of waybill {waybill}: {missing}")
    when = await ctx.business_time(at, "at")
    e = register_exception(
        records.to_shipment(row), str(uuid.uuid4()), kind, station, note, when, photo_ids
    )
    await queries.insert_exceptions(ctx.conn, rows=[records.exception_values(e, who.sub)])
    await ctx.emit(events.exception_registered(e, row["region"], row["origin_branch"]))
    return e


async def check_truck(
    ctx: Context,
    who: Principal,
    station: str,
    truck: str,
    handover: list[dict[str, Any]],
    received: list[dict[str, Any]],
    at: datetime | None,
) -> TruckCheck:
    """Check a truck against its handover list and the goods against their waybills (damage,
    inaccurate waybill information); every discrepancy becomes an exception."""
    check_id = uuid.uuid4()
    when = await ctx.business_time(at, "at")
    listed_pieces = [(x["waybill"], x["pieces"]) for x in handover]
    got_pieces = [(x["waybill"], x["pieces"]) for x in received]
    listed = sorted({w for w, _ in listed_pieces} | {w for w, _ in got_pieces})
    rows = {r["waybill"]: r for r in await queries.lock_shipments(ctx.conn, waybills=listed)}
    inspected = [
        Inspected(x["waybill"], x["pieces"], x.get("damaged", 0), x.get("waybill_issue"))
        for x in received
        if x["waybill"] in rows
    ]
    found = [
        CargoException(
            str(uuid.uuid4()), f.waybill, f.kind, station, f"truck {truck}: {f.note}", when
        )
        for f in [*reconcile_truck(listed_pieces, got_pieces, set(rows)), *inspect_goods(inspected)]
    ]
    await queries.insert_truck_check(
        ctx.conn,
        check_id=check_id,
        station=station,
        truck=truck,
        handover=handover,
        received=received,
        findings=[finding(e) for e in found],
        by=who.sub,
        at=when,
    )
    await queries.insert_exceptions(
        ctx.conn, rows=[records.exception_values(e, who.sub, check_id) for e in found]
    )
    emitted = []
    for e in found:
        ship = rows.get(e.waybill)
        region = ship["region"] if ship is not None else None
        emitted.append(
            events.exception_registered(e, region, ship["origin_branch"] if ship else station)
        )
    await ctx.emit(*emitted)
    return TruckCheck(check_id, when, len(listed), found)


def finding(e: CargoException) -> dict[str, Any]:
    """One finding of a truck check as it is recorded and answered."""
    return {
        "waybill": e.waybill,
        "kind": e.kind.value,
        "note": e.note,
        "exception_id": e.exception_id,
    }


async def slip_missing(
    ctx: Context, who: Principal, waybill: str, station: str, note: str, at: datetime | None
) -> SlipMissing:
    """货物托运凭证上备注需签发货方厂家单的,而实际上托运凭证后没有附带的,要与发货网点联系确认:
    the finding is logged and the origin is told (shipment.shipper_slip.missing)."""
    row = await access.shipment(ctx, who, waybill)
    if who.is_branch and who.branch != station:
        raise Forbidden(f"branch {who.branch} reports for its own station only")
    when = await ctx.business_time(at, "at")
    found = find_slip_missing(records.to_shipment(row), station, note, when)
    await queries.add_log(
        ctx.conn,
        waybill=waybill,
        type_="shipper_slip_missing",
        at=when,
        by=who.sub,
        detail={"station": station, "note": found.note, "origin": found.origin},
    )
    await ctx.emit(events.slip_missing(found, row["region"]))
    return found
