"""The desk's lists: shipments by filter, receipts due, and what a release requires."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from services.logistics.api.roles import READERS, WRITERS
from services.logistics.api.views import mask_phone
from services.logistics.domain import ShipmentStatus, arrival_due_at
from services.logistics.queries.lists import ShipmentFilter
from services.logistics.workflow import lists
from shared.validation import Code, Cursor, Day, Phone
from shared.web.auth import Principal, require
from shared.web.deps import view
from shared.web.pagination import after, limit_param, page

router = APIRouter(prefix="/v1", tags=["shipments"])


def _about(description: str) -> Any:
    return Query(None, description=description)


def _item(found: lists.Listed) -> dict[str, Any]:
    s = found.shipment
    return {
        "waybill": s.waybill,
        "status": s.status.value,
        "delayed": found.delayed,
        "awaiting_release": bool(s.arrived_batches) and s.status.value != "signed",
        "dispatched_at": s.dispatched_at.isoformat(),
        "promised_arrival_at": s.promised_arrival_at.isoformat(),
        "eta": arrival_due_at(s).isoformat(),
        "origin_branch": s.origin_branch,
        "destination_branch": s.destination_branch,
        "transfer_branches": list(s.transfer_branches),
        "region": s.region,
        "batches": s.batches,
        "arrived_batches": len(s.arrived_batches),
        "last_station": s.last_station,
        "last_scan_at": s.last_scan_at.isoformat() if s.last_scan_at else None,
        "signed_at": s.signed_at.isoformat() if s.signed_at else None,
        "urgent": s.urgent,
        "receipt_required": s.receipt.required,
        "shipper": {"name": s.shipper.name, "phone": mask_phone(s.shipper.phone)},
        "consignee": {
            "name": s.consignee.name,
            "phone": mask_phone(s.consignee.phone),
            "kind": s.consignee.kind.value,
        },
    }


def shipment_filter(
    station: Code | None = _about("On the route: origin, a transfer or the destination"),
    origin_branch: Code | None = _about("Dispatched from this branch"),
    destination_branch: Code | None = _about("Going to this branch"),
    region: Code | None = _about("Of this region"),
    status: list[ShipmentStatus] | None = Query(
        None, max_length=5, description="Any of these statuses (repeat)"
    ),
    consignee_phone: Phone | None = _about("The consignee's phone, as typed"),
    shipper_phone: Phone | None = _about("The shipper's phone, as typed"),
    dispatched_from: Day | None = Query(None, description="Dispatched on or after (local day)"),
    dispatched_to: Day | None = Query(None, description="Dispatched on or before (local day)"),
    delayed: bool | None = Query(None, description="true: on its way and late; false: all others"),
    awaiting_release: bool | None = Query(
        None, description="true: (some) batches at the destination, not yet signed for"
    ),
    heading_to: Code | None = _about(
        "In transit to this station: left the stop before it, not arrived there (车辆跟踪/外发跟踪)"
    ),
) -> ShipmentFilter:
    """The list's filters from its query string (phones as the registration stores them)."""
    start, end = lists.day_range(dispatched_from, dispatched_to)
    return ShipmentFilter(
        station=station,
        origin_branch=origin_branch,
        destination_branch=destination_branch,
        region=region,
        statuses=tuple(x.value for x in status) if status else None,
        consignee_phone=lists.phone(consignee_phone, "consignee_phone"),
        shipper_phone=lists.phone(shipper_phone, "shipper_phone"),
        dispatched_from=start,
        dispatched_before=end,
        delayed=delayed,
        awaiting_release=awaiting_release,
        heading_to=heading_to,
    )


@router.get("/shipments")
async def list_shipments(
    request: Request,
    where: ShipmentFilter = Depends(shipment_filter),
    limit: int = Depends(limit_param),
    cursor: Cursor | None = None,
    who: Principal = require(*READERS),
) -> dict[str, Any]:
    """Shipments the caller may see, newest dispatched first (keyset on dispatched_at,
    waybill); a branch sees those on its route only, a regional token its region only."""
    key = after(cursor, datetime, str)
    async with view(request) as ctx:
        found = await lists.shipments(ctx, who, where, key, limit + 1)
    return page([_item(f) for f in found], limit, key=("dispatched_at", "waybill"))


@router.get("/receipts")
async def list_receipts(
    request: Request,
    branch: Code | None = _about("Receipts whose origin or destination is this branch"),
    region: Code | None = _about("Of this region"),
    within_days: int | None = Query(
        None, ge=0, le=60, description="Due within this many days (overdue ones included)"
    ),
    limit: int = Depends(limit_param),
    cursor: Cursor | None = None,
    who: Principal = require(*READERS),
) -> dict[str, Any]:
    """Receipts not yet back at the origin, soonest due first: a branch sees those it
    signs, sends or receives (its shipments as destination or origin)."""
    key = after(cursor, date, str)
    async with view(request) as ctx:
        found = await lists.receipts_due(
            ctx,
            who,
            branch=branch,
            region=region,
            within_days=within_days,
            after=key,
            limit=limit + 1,
        )
    items = [
        {
            "waybill": d.row["waybill"],
            "region": d.row["region"],
            "origin_branch": d.row["origin_branch"],
            "destination_branch": d.row["destination_branch"],
            "transfers": d.row["transfers"],
            "status": d.row["state"],
            "due_on": d.row["due_on"].isoformat(),
            "days_left": d.days_left,
            "overdue": d.overdue,
            "hard_breach": d.hard_breach,
        }
        for d in found
    ]
    return page(items, limit, key=("due_on", "waybill"))


@router.get("/shipments/{waybill}/release-requirements")
async def release_requirements(
    waybill: str, request: Request, who: Principal = require(*WRITERS)
) -> dict[str, Any]:
    """What the rules require before this consignee's goods go, shown before any ID is asked
    for; any branch on the route reads them; every code is worded in the docs."""
    async with view(request) as ctx:
        needs = await lists.release_needs(ctx, who, waybill)
    s = needs.shipment
    return {
        "waybill": s.waybill,
        "status": s.status.value,
        "ready": bool(s.arrived_batches) and s.status.value != "signed",
        "consignee": {
            "name": s.consignee.name,
            "phone": mask_phone(s.consignee.phone),
            "kind": s.consignee.kind.value,
        },
        "accepted_names": [s.consignee.name, *needs.proven_names],
        "requirements": [{"code": r.code, "text": r.text} for r in needs.requirements],
    }
