"""Shipments: registration, the whole record, tracking notes, confirmed ETAs, and the delay and
loading checks the timers run."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from asyncpg import Record

from services.logistics import queries
from services.logistics.domain import (
    WRONG_STATE,
    Consignee,
    DomainError,
    EtaConfirmed,
    Party,
    Receipt,
    ReceiptRequirements,
    ReceiptStatus,
    Shipment,
    TrackingNote,
    delay_check,
    downstream_station,
    is_delayed,
    loading_check_due,
    loading_day,
    loading_unconfirmed,
    mark_delay_reported,
    new_shipper_id,
    normalise_phone,
    receipt_status,
    set_eta,
    tracking_flagged,
)
from services.logistics.queries import records
from services.logistics.workflow import DELAY_CHECK, LOADING_CHECK, access, events
from shared.context import Context, planned_time
from shared.contracts.envelope import Event
from shared.contracts.logistics import (
    ShipmentDispatched,
    ShipmentLoadingUnconfirmed,
    ShipperRegistered,
)
from shared.errors import Invalid
from shared.web.auth import Principal


@dataclass(frozen=True, slots=True)
class Registration:
    """A waybill as its branch writes it down (phones as typed, times as given)."""

    waybill: str
    origin_branch: str
    destination_branch: str
    region: str
    transfers: int
    transfer_branches: tuple[str, ...]
    batches: int
    promised_arrival_at: datetime
    dispatched_at: datetime | None
    urgent: bool
    shipper: Party
    key_customer: bool | None
    consignee: Consignee
    receipt: ReceiptRequirements
    shipper_slip: bool = False


@dataclass(frozen=True, slots=True)
class Registered:
    """A registered shipment, its shipper and when it was dispatched."""

    shipment: Shipment
    shipper_id: str


@dataclass(frozen=True, slots=True)
class ShipmentRecord:
    """Everything GET /v1/shipments/{waybill} shows, as the rules see it now."""

    shipment: Shipment
    shipper_id: str
    delayed: bool
    scans: list[Record]
    log: list[Record]
    receipt: Receipt | None
    lateness: ReceiptStatus | None
    exceptions: list[Record]


def _shipment(reg: Registration, dispatched_at: datetime) -> Shipment:
    """The new shipment, or 422 naming the field whose shape is wrong."""
    try:
        return Shipment(
            waybill=reg.waybill,
            origin_branch=reg.origin_branch,
            destination_branch=reg.destination_branch,
            region=reg.region,
            promised_arrival_at=reg.promised_arrival_at,
            dispatched_at=dispatched_at,
            shipper=Party(reg.shipper.name, normalise_phone(reg.shipper.phone)),
            consignee=Consignee(
                reg.consignee.name.strip(),
                normalise_phone(reg.consignee.phone),
                reg.consignee.kind,
            ),
            transfers=reg.transfers,
            transfer_branches=reg.transfer_branches,
            batches=reg.batches,
            urgent=reg.urgent,
            receipt=reg.receipt,
            version=1,
            shipper_slip=reg.shipper_slip,
        )
    except ValueError as exc:
        field = "transfer_branches" if "transfer" in str(exc) else "receipt"
        raise Invalid(field, str(exc)) from exc


async def _register_shipper(
    ctx: Context, shipper: Party, key_customer: bool | None, branch: str, who: Principal
) -> tuple[str, ShipperRegistered | None]:
    """Register the shipper, or record a changed name / key-customer flag when the caller owns
    the shipper (its branch, or a company-wide writer); another branch only reuses it."""
    phone = normalise_phone(shipper.phone)
    sid = new_shipper_id()
    key = bool(key_customer)
    if await queries.insert_shipper(
        ctx.conn, shipper_id=sid, name=shipper.name, phone=phone, key_customer=key, branch_id=branch
    ):
        version = 1
    else:
        row = await queries.lock_shipper_by_phone(ctx.conn, phone=phone)
        assert row is not None  # the conflicting insert has committed
        sid = row["shipper_id"]
        if not who.may_see_branch(row["branch_id"]):
            return sid, None
        key = row["key_customer"] if key_customer is None else key_customer
        if row["name"] == shipper.name and row["key_customer"] == key:
            return sid, None
        version = row["version"] + 1
        await queries.update_shipper(
            ctx.conn, shipper_id=sid, name=shipper.name, key_customer=key, version=version
        )
    event = ShipperRegistered(
        branch_id=branch,
        version=version,
        shipper_id=sid,
        name=shipper.name,
        phone=phone,
        key_customer=key,
    )
    return sid, event


async def register(ctx: Context, reg: Registration, who: Principal) -> Registered:
    """Register a waybill: shipment.dispatched, the shipper registered or updated (by the
    shipper's own branch or a company-wide writer), the receipt opened, the delay (and for
    urgent cargo the loading) check set."""
    at = await ctx.business_time(reg.dispatched_at, "dispatched_at")
    planned_time(reg.promised_arrival_at, await ctx.now(), "promised_arrival_at")
    s = _shipment(reg, at)
    shipper_id, registered = await _register_shipper(
        ctx, reg.shipper, reg.key_customer, s.origin_branch, who
    )
    row = records.shipment_row(s, shipper_id=shipper_id, created_by=who.sub)
    if not await queries.insert_shipment(ctx.conn, values=row):
        raise DomainError(WRONG_STATE, f"waybill {s.waybill} is already registered")
    if s.receipt.required:
        await queries.insert_receipt(
            ctx.conn,
            waybill=s.waybill,
            region=s.region,
            origin_branch=s.origin_branch,
            transfers=s.transfers,
        )
    await queries.add_log(
        ctx.conn,
        waybill=s.waybill,
        type_="registered",
        at=at,
        by=who.sub,
        detail={"origin": s.origin_branch, "destination": s.destination_branch},
    )
    await ctx.schedule(DELAY_CHECK, s.waybill, s.promised_arrival_at)
    if s.urgent:
        await ctx.schedule(LOADING_CHECK, s.waybill, loading_check_due(s))
    emitted: list[Event] = [events.movement(ShipmentDispatched, s, at, shipper_id)]
    if registered is not None:
        emitted.insert(0, registered)
    await ctx.emit(*emitted)
    return Registered(s, shipper_id)


async def record(ctx: Context, who: Principal, waybill: str) -> ShipmentRecord:
    """The shipment with its whole history, receipt and exceptions."""
    row = await access.shipment(ctx, who, waybill)
    s = records.to_shipment(row)
    receipt_row = await queries.get_receipt(ctx.conn, waybill=waybill)
    receipt = records.to_receipt(receipt_row) if receipt_row is not None else None
    return ShipmentRecord(
        shipment=s,
        shipper_id=row["shipper_id"],
        delayed=is_delayed(s),
        scans=await queries.list_scans(ctx.conn, waybill=waybill),
        log=await queries.list_log(ctx.conn, waybill=waybill),
        receipt=receipt,
        lateness=receipt_status(receipt, await ctx.now()) if receipt is not None else None,
        exceptions=await queries.list_exceptions(ctx.conn, waybill=waybill),
    )


async def add_note(
    ctx: Context, who: Principal, waybill: str, n: TrackingNote, at: datetime | None
) -> tuple[datetime, bool]:
    """A tracking call by customer service, in the manual's columns; something wrong found →
    shipment.tracking.flagged (the department head and the downstream station are told)."""
    row = await access.shipment(ctx, who, waybill)
    when = await ctx.business_time(at, "at")
    n = replace(
        n, called_at=await ctx.business_time(n.called_at, "called_at") if n.called_at else when
    )
    flagged = tracking_flagged(n)
    detail: dict[str, Any] = {
        "kind": n.kind,
        "note": n.note,
        "called_at": n.called_at.isoformat() if n.called_at else None,
        "contact": n.contact,
        "delayed": n.delayed,
        "goods_state": n.goods_state.value if n.goods_state else None,
        "delivery_service": n.delivery_service,
        "flagged": flagged,
    }
    await queries.add_log(
        ctx.conn,
        waybill=waybill,
        type_="note",
        at=when,
        by=who.sub,
        detail={k: v for k, v in detail.items() if v is not None},
    )
    if flagged:
        s = records.to_shipment(row)
        await ctx.emit(events.tracking_flagged(s, downstream_station(s), n))
    return when, flagged


async def confirm_eta(
    ctx: Context,
    who: Principal,
    waybill: str,
    eta: datetime,
    station: str,
    note: str,
    force_majeure: bool,
) -> EtaConfirmed:
    """A downstream station confirmed a new arrival time: tell the customer, check again then."""
    row = await access.locked_shipment(ctx, who, waybill)
    now = await ctx.now()
    planned_time(eta, now, "eta")
    s, confirmed = set_eta(records.to_shipment(row), eta, station, note, now, force_majeure)
    await queries.update_shipments(ctx.conn, rows=[records.shipment_values(s)])
    await queries.add_log(
        ctx.conn,
        waybill=waybill,
        type_="eta",
        at=now,
        by=who.sub,
        detail={
            "eta": eta.isoformat(),
            "station": station,
            "note": note,
            "force_majeure": force_majeure,
        },
    )
    await ctx.schedule(DELAY_CHECK, waybill, confirmed.eta)
    await ctx.emit(events.delayed(s, station, confirmed.eta, force_majeure, note))
    return confirmed


async def check_delay(ctx: Context, waybill: str) -> datetime | None:
    """Not arrived by the deadline in force → shipment.delayed once; when to look again."""
    rows = await queries.lock_shipments(ctx.conn, waybills=[waybill])
    if not rows:
        return None
    s = records.to_shipment(rows[0])
    now = await ctx.now()
    verdict = delay_check(s, now, ctx.config.rules())
    if verdict.report and verdict.due_at is not None and verdict.station is not None:
        s = mark_delay_reported(s, verdict.due_at)
        await queries.update_shipments(ctx.conn, rows=[records.shipment_values(s)])
        await queries.add_log(
            ctx.conn,
            waybill=s.waybill,
            type_="delayed",
            at=now,
            by=None,
            detail={"due_at": verdict.due_at.isoformat(), "station": verdict.station},
        )
        new_eta = s.eta if s.eta is not None and s.eta > now else None
        await ctx.emit(events.delayed(s, verdict.station, new_eta))
    return verdict.next_check_at


async def check_loading(ctx: Context, waybill: str) -> None:
    """Urgent cargo not seen departing on its dispatch day → shipment.loading.unconfirmed."""
    rows = await queries.lock_shipments(ctx.conn, waybills=[waybill])
    if not rows:
        return
    s = records.to_shipment(rows[0])
    now = await ctx.now()
    if not loading_unconfirmed(s, now):
        return
    day = loading_day(s)
    await queries.add_log(
        ctx.conn,
        waybill=s.waybill,
        type_="loading_unconfirmed",
        at=now,
        by=None,
        detail={"day": day.isoformat(), "station": s.origin_branch},
    )
    await ctx.emit(
        ShipmentLoadingUnconfirmed(
            branch_id=s.origin_branch,
            version=s.version,
            waybill=s.waybill,
            station=s.origin_branch,
            day=day,
        )
    )
