"""Shipments: registration, the whole record, scans, tracking notes and confirmed ETAs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

import asyncpg
from fastapi import APIRouter, Request
from pydantic import AwareDatetime, Field

from services.logistics import queries, scanning, state
from services.logistics.api import common
from services.logistics.api.views import shipment_view
from services.logistics.domain import (
    Consignee,
    Party,
    ReceiptRequirements,
    Shipment,
    loading_check_due,
    set_eta,
)
from services.logistics.handlers import delayed_event
from shared import outbox, timers
from shared.contracts.envelope import Event
from shared.contracts.logistics import ShipmentDispatched, ShipperRegistered
from shared.contracts.values import ConsigneeKind, ScanKind
from shared.web.auth import Principal, require
from shared.web.deps import read, tx
from shared.web.errors import conflict

router = APIRouter(prefix="/v1", tags=["shipments"])


class ShipperIn(common.Strict):
    name: str = Field(min_length=1, max_length=200)
    phone: str = Field(min_length=5, max_length=32)
    key_customer: bool | None = Field(default=None, description="Monthly key-customer calls")


class ConsigneeIn(common.Strict):
    name: str = Field(min_length=1, max_length=200)
    phone: str = Field(min_length=5, max_length=32)
    kind: ConsigneeKind = ConsigneeKind.PERSON


class ReceiptIn(common.Strict):
    required: bool = False
    signature: bool = True
    stamp: bool = False
    id_number: bool = False
    copies: int = Field(default=1, ge=0, le=20)


class ShipmentIn(common.Strict):
    waybill: str = common.code()
    origin_branch: str = common.code()
    destination_branch: str = common.code()
    region: str = common.code()
    transfers: int = Field(default=0, ge=0, le=2)
    transfer_branches: list[str] = Field(default_factory=list, max_length=2)
    batches: int = Field(default=1, ge=1, le=100)
    promised_arrival_at: AwareDatetime
    dispatched_at: AwareDatetime | None = Field(default=None, description="Defaults to now")
    urgent: bool = False
    shipper: ShipperIn
    consignee: ConsigneeIn
    receipt: ReceiptIn = Field(default_factory=ReceiptIn)


class ScanBody(common.Strict):
    kind: ScanKind
    station: str = common.code()
    batch: int | None = Field(default=None, ge=1)
    at: AwareDatetime | None = None


class NoteIn(common.Strict):
    kind: Literal["vehicle", "outsourced"]
    note: str = Field(min_length=1, max_length=2000)
    at: AwareDatetime | None = None


class EtaIn(common.Strict):
    eta: AwareDatetime
    station: str = common.code()
    note: str = Field(default="", max_length=2000)
    force_majeure: bool = False


async def _register_shipper(
    conn: asyncpg.Connection, body: ShipperIn
) -> tuple[str, ShipperRegistered | None]:
    """Register the shipper or record a changed name / key-customer flag."""
    phone = state.normalise_phone(body.phone)
    sid = state.shipper_id_for(phone)
    key = bool(body.key_customer)
    if await queries.insert_shipper(
        conn, shipper_id=sid, name=body.name, phone=phone, key_customer=key
    ):
        version = 1
    else:
        row = await queries.get_shipper(conn, shipper_id=sid)
        assert row is not None
        key = row["key_customer"] if body.key_customer is None else body.key_customer
        if row["name"] == body.name and row["key_customer"] == key:
            return sid, None
        version = row["version"] + 1
        await queries.update_shipper(
            conn, shipper_id=sid, name=body.name, key_customer=key, version=version
        )
    event = ShipperRegistered(
        source=state.SOURCE,
        version=version,
        shipper_id=sid,
        name=body.name,
        phone=phone,
        key_customer=key,
    )
    return sid, event


def _shipment(body: ShipmentIn, dispatched_at: datetime) -> Shipment:
    try:
        return Shipment(
            waybill=body.waybill,
            origin_branch=body.origin_branch,
            destination_branch=body.destination_branch,
            region=body.region,
            promised_arrival_at=body.promised_arrival_at,
            dispatched_at=dispatched_at,
            shipper=Party(body.shipper.name, state.normalise_phone(body.shipper.phone)),
            consignee=Consignee(
                body.consignee.name.strip(),
                state.normalise_phone(body.consignee.phone),
                body.consignee.kind,
            ),
            transfers=body.transfers,
            transfer_branches=tuple(body.transfer_branches),
            batches=body.batches,
            urgent=body.urgent,
            receipt=ReceiptRequirements(**body.receipt.model_dump()),
            version=1,
        )
    except ValueError as exc:
        field = "transfer_branches" if "transfer" in str(exc) else "receipt"
        raise common.invalid(field, str(exc)) from exc


@router.post("/shipments", status_code=201)
async def create_shipment(
    body: ShipmentIn, request: Request, who: Principal = require(*common.WRITERS)
) -> dict[str, Any]:
    """Register a waybill: shipment.dispatched, and the shipper registered or updated."""
    if who.is_branch and body.origin_branch != who.branch:
        raise common.forbidden(f"branch {who.branch} registers shipments of its own branch only")
    async with tx(request) as conn:
        at = await common.business_time(request, conn, body.dispatched_at, "dispatched_at")
        s = _shipment(body, at)
        shipper_id, registered = await _register_shipper(conn, body.shipper)
        values = dict(
            waybill=s.waybill,
            origin_branch=s.origin_branch,
            destination_branch=s.destination_branch,
            region=s.region,
            transfers=s.transfers,
            transfer_branches=list(s.transfer_branches),
            batches=s.batches,
            promised_arrival_at=s.promised_arrival_at,
            dispatched_at=s.dispatched_at,
            urgent=s.urgent,
            shipper_id=shipper_id,
            shipper_name=s.shipper.name,
            shipper_phone=s.shipper.phone,
            consignee_name=s.consignee.name,
            consignee_phone=s.consignee.phone,
            consignee_kind=s.consignee.kind.value,
            receipt_required=s.receipt.required,
            receipt_signature=s.receipt.signature,
            receipt_stamp=s.receipt.stamp,
            receipt_id_number=s.receipt.id_number,
            receipt_copies=s.receipt.copies,
            version=s.version,
            created_by=who.sub,
        )
        if not await queries.insert_shipment(conn, values=values):
            raise conflict(f"waybill {s.waybill} is already registered")
        if s.receipt.required:
            await queries.insert_receipt(
                conn,
                waybill=s.waybill,
                region=s.region,
                origin_branch=s.origin_branch,
                transfers=s.transfers,
            )
        await queries.add_log(
            conn,
            waybill=s.waybill,
            type_="registered",
            at=at,
            by=who.sub,
            detail={"origin": s.origin_branch, "destination": s.destination_branch},
        )
        await timers.schedule(conn, scanning.DELAY_CHECK, s.waybill, s.promised_arrival_at)
        if s.urgent:
            await timers.schedule(conn, scanning.LOADING_CHECK, s.waybill, loading_check_due(s))
        events: list[Event] = [state.movement(ShipmentDispatched, s, at, shipper_id)]
        if registered is not None:
            events.insert(0, registered)
        await outbox.add(conn, *outbox.stamp(state.SOURCE, events, branch_id=s.origin_branch))
    return {
        "waybill": s.waybill,
        "status": s.status.value,
        "shipper_id": shipper_id,
        "promised_arrival_at": s.promised_arrival_at.isoformat(),
        "dispatched_at": at.isoformat(),
        "receipt_required": s.receipt.required,
    }


@router.get("/shipments/{waybill}")
async def get_shipment(
    waybill: str, request: Request, who: Principal = require(*common.READERS)
) -> dict[str, Any]:
    """The shipment with its whole history, receipt and exceptions."""
    async with read(request) as conn:
        row = common.visible(who, await queries.get_shipment(conn, waybill=waybill), waybill)
        return await shipment_view(conn, row, await common.now(request, conn))


@router.post("/shipments/{waybill}/scans", status_code=202)
async def scan(
    waybill: str, body: ScanBody, request: Request, who: Principal = require(*common.WRITERS)
) -> dict[str, Any]:
    """Apply a scan now, through the same set-based path as the branch scanners' batches."""
    scan_id = f"http-{uuid.uuid4()}"
    async with tx(request) as conn:
        common.visible(who, await queries.get_shipment(conn, waybill=waybill), waybill)
        at = await common.business_time(request, conn, body.at)
        item = scanning.ScanIn(
            scan_id,
            waybill,
            body.kind,
            body.station,
            body.batch,
            at,
            branch=who.branch if who.is_branch else None,
        )
        current = await scanning.apply_scans(conn, [item], common.settings_of(request).rules())
    s = current[waybill]
    return {"scan_id": scan_id, "waybill": waybill, "status": s.status.value}


@router.post("/shipments/{waybill}/notes", status_code=201)
async def add_note(
    waybill: str, body: NoteIn, request: Request, who: Principal = require("cs", "logistics")
) -> dict[str, Any]:
    """A tracking note by customer service (vehicle or outsourced-carrier tracking)."""
    async with tx(request) as conn:
        common.visible(who, await queries.get_shipment(conn, waybill=waybill), waybill)
        at = await common.business_time(request, conn, body.at)
        await queries.add_log(
            conn,
            waybill=waybill,
            type_="note",
            at=at,
            by=who.sub,
            detail={"kind": body.kind, "note": body.note},
        )
    return {"waybill": waybill, "kind": body.kind, "note": body.note, "at": at.isoformat()}


@router.post("/shipments/{waybill}/eta")
async def confirm_eta(
    waybill: str,
    body: EtaIn,
    request: Request,
    who: Principal = require("cs", "logistics", "branch"),
) -> dict[str, Any]:
    """A downstream station confirmed a new arrival time: tell the customer, check again then."""
    async with tx(request) as conn:
        rows = await queries.lock_shipments(conn, waybills=[waybill])
        row = common.visible(who, rows[0] if rows else None, waybill)
        now = await common.now(request, conn)
        s, confirmed = set_eta(
            state.to_shipment(row), body.eta, body.station, body.note, now, body.force_majeure
        )
        await queries.update_shipments(conn, rows=[state.shipment_values(s)])
        await queries.add_log(
            conn,
            waybill=waybill,
            type_="eta",
            at=now,
            by=who.sub,
            detail={
                "eta": body.eta.isoformat(),
                "station": body.station,
                "note": body.note,
                "force_majeure": body.force_majeure,
            },
        )
        await timers.schedule(conn, scanning.DELAY_CHECK, waybill, confirmed.eta)
        await outbox.add(conn, delayed_event(s, body.station, confirmed.eta))
    return {"waybill": waybill, "eta": confirmed.eta.isoformat(), "station": body.station}
