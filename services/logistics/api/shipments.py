"""Shipments: registration, the whole record, scans, tracking notes and confirmed ETAs."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request

from services.logistics.api import views
from services.logistics.api.models import EtaIn, NoteIn, ScanBody, ShipmentIn
from services.logistics.api.roles import READERS, WRITERS
from services.logistics.domain import Consignee, Party, ReceiptRequirements, TrackingNote
from services.logistics.workflow import scans, shipments
from shared.errors import Forbidden
from shared.web.auth import Principal, require
from shared.web.deps import change, view

router = APIRouter(prefix="/v1", tags=["shipments"])


def _registration(body: ShipmentIn) -> shipments.Registration:
    return shipments.Registration(
        waybill=body.waybill,
        origin_branch=body.origin_branch,
        destination_branch=body.destination_branch,
        region=body.region,
        transfers=body.transfers,
        transfer_branches=tuple(body.transfer_branches),
        batches=body.batches,
        promised_arrival_at=body.promised_arrival_at,
        dispatched_at=body.dispatched_at,
        urgent=body.urgent,
        shipper=Party(body.shipper.name, body.shipper.phone),
        key_customer=body.shipper.key_customer,
        consignee=Consignee(body.consignee.name, body.consignee.phone, body.consignee.kind),
        receipt=ReceiptRequirements(**body.receipt.model_dump()),
        shipper_slip=body.shipper_slip,
    )


@router.post("/shipments", status_code=201)
async def create_shipment(
    body: ShipmentIn, request: Request, who: Principal = require(*WRITERS)
) -> dict[str, Any]:
    """Register a waybill: shipment.dispatched, and the shipper registered or updated."""
    if who.is_branch and body.origin_branch != who.branch:
        raise Forbidden(f"branch {who.branch} registers shipments of its own branch only")
    async with change(request, branch_id=body.origin_branch) as ctx:
        done = await shipments.register(ctx, _registration(body), who)
    s = done.shipment
    return {
        "waybill": s.waybill,
        "status": s.status.value,
        "shipper_id": done.shipper_id,
        "promised_arrival_at": s.promised_arrival_at.isoformat(),
        "dispatched_at": s.dispatched_at.isoformat(),
        "receipt_required": s.receipt.required,
    }


@router.get("/shipments/{waybill}")
async def get_shipment(
    waybill: str, request: Request, who: Principal = require(*READERS)
) -> dict[str, Any]:
    """The shipment with its whole history, receipt and exceptions."""
    async with view(request) as ctx:
        return views.shipment_json(await shipments.record(ctx, who, waybill))


@router.post("/shipments/{waybill}/scans", status_code=202)
async def scan(
    waybill: str, body: ScanBody, request: Request, who: Principal = require(*WRITERS)
) -> dict[str, Any]:
    """Apply a scan now, through the same set-based path as the branch scanners' batches."""
    scan_id = f"http-{uuid.uuid4()}"
    async with change(request) as ctx:
        s = await scans.scan(
            ctx, who, scan_id, waybill, body.kind, body.station, body.batch, body.at
        )
    return {"scan_id": scan_id, "waybill": waybill, "status": s.status.value}


@router.post("/shipments/{waybill}/notes", status_code=201)
async def add_note(
    waybill: str, body: NoteIn, request: Request, who: Principal = require("cs", "logistics")
) -> dict[str, Any]:
    """A tracking call by customer service in the manual's columns (vehicle, outsourced-carrier
    or delivery tracking); something wrong found tells the department head and the station."""
    note = TrackingNote(
        kind=body.kind,
        note=body.note,
        called_at=body.called_at,
        contact=body.contact,
        delayed=body.delayed,
        goods_state=body.goods_state,
        delivery_service=body.delivery_service,
        abnormal=body.abnormal,
    )
    async with change(request) as ctx:
        at, flagged = await shipments.add_note(ctx, who, waybill, note, body.at)
    return {
        "waybill": waybill,
        "kind": body.kind,
        "note": body.note,
        "at": at.isoformat(),
        "flagged": flagged,
    }


@router.post("/shipments/{waybill}/eta")
async def confirm_eta(
    waybill: str,
    body: EtaIn,
    request: Request,
    who: Principal = require("cs", "logistics", "branch"),
) -> dict[str, Any]:
    """A downstream station confirmed a new arrival time: tell the customer, check again then."""
    async with change(request) as ctx:
        confirmed = await shipments.confirm_eta(
            ctx, who, waybill, body.eta, body.station, body.note, body.force_majeure
        )
    return {"waybill": waybill, "eta": confirmed.eta.isoformat(), "station": body.station}
