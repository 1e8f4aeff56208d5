"""The JSON the logistics API answers with: a shipment's whole record, a receipt, a release."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from services.logistics.domain import Receipt, arrival_due_at, transit_legs
from services.logistics.workflow.customer import CustomerView
from services.logistics.workflow.delivery import Release, ReleaseRequest
from services.logistics.workflow.shipments import ShipmentRecord
from shared.contracts.values import ScanKind


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def mask_phone(phone: str) -> str:
    """138****0000: enough to recognise, not enough to dial."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def mask_name(name: str) -> str:
    """王** / 上海****公司: enough for its owner to recognise, not enough to identify them."""
    text = name.strip()
    if len(text) <= 1:
        return "*"
    if len(text) <= 4:
        return text[0] + "*" * (len(text) - 1)
    return text[:2] + "*" * (len(text) - 4) + text[-2:]


def _customer_receipt(v: CustomerView) -> dict[str, Any] | None:
    """The receipt as its shipper sees it; None for a link that may not see it."""
    if v.receipt is not None and v.lateness is not None:
        return {
            "required": True,
            "status": v.receipt.state.value,
            "due_on": _iso(v.receipt.due_on),
            "overdue": v.lateness.overdue,
        }
    if v.shows_receipt:
        return {"required": False, "status": "not_required", "due_on": None, "overdue": False}
    return None


def customer_json(v: CustomerView) -> dict[str, Any]:
    """GET /v1/shipments/{waybill}/tracking: the shipment as its customer link shows it."""
    s = v.shipment
    return {
        "waybill": s.waybill,
        "status": s.status.value,
        "delayed": v.delayed,
        "promised_arrival_at": s.promised_arrival_at.isoformat(),
        "eta": arrival_due_at(s).isoformat(),
        "eta_confirmed": s.eta is not None,
        "dispatched_at": s.dispatched_at.isoformat(),
        "signed_at": _iso(s.signed_at),
        "origin_branch": s.origin_branch,
        "destination_branch": s.destination_branch,
        "batches": s.batches,
        "arrived_batches": len(s.arrived_batches),
        "timeline": [
            {"at": r["at"].isoformat(), "kind": r["kind"], "station": r["station"]} for r in v.scans
        ],
        "release": {
            "ready": bool(s.arrived_batches) and s.status.value != "signed",
            "requirements": [r.code for r in v.requirements],
        },
        "consignee": {
            "name": mask_name(s.consignee.name),
            "phone": mask_phone(s.consignee.phone),
            "kind": s.consignee.kind.value,
        },
        "shipper": {"name": mask_name(s.shipper.name), "phone": mask_phone(s.shipper.phone)},
        "receipt": _customer_receipt(v),
    }


def receipt_json(r: Receipt) -> dict[str, Any]:
    """A receipt after a step: where it stands and its steps."""
    return {
        "waybill": r.waybill,
        "status": r.state.value,
        "due_on": r.due_on.isoformat() if r.due_on else None,
        "steps": {k.value: v.isoformat() for k, v in r.steps.items()},
        "redo_count": r.redo_count,
    }


def _receipt_view(rec: ShipmentRecord) -> dict[str, Any]:
    """Where the receipt stands and how late it is."""
    r, lateness = rec.receipt, rec.lateness
    if r is None or lateness is None:
        return {"required": False, "status": "not_required", "due_on": None}
    return {
        "required": True,
        "status": r.state.value,
        "due_on": _iso(r.due_on),
        "hard_limit_on": _iso(r.hard_limit_on),
        "arrival_at": _iso(r.arrival_at),
        "overdue": lateness.overdue,
        "days_overdue": lateness.days_overdue,
        "hard_breach": lateness.hard_breach,
        "steps": {k.value: v.isoformat() for k, v in r.steps.items()},
        "redo_count": r.redo_count,
        "lost": r.lost_at is not None,
    }


def _history(rec: ShipmentRecord) -> list[dict[str, Any]]:
    """Scans and every other tracking fact, in business-time order."""
    entries: list[dict[str, Any]] = [
        {
            "type": "scan",
            "at": r["at"],
            "kind": r["kind"],
            "station": r["station"],
            "batch": r["batch"],
            "applied": r["applied"],
            "branch": r["branch"],
            "scan_id": r["scan_id"],
        }
        for r in rec.scans
    ]
    for r in rec.log:
        detail = json.loads(r["detail"]) if isinstance(r["detail"], str) else r["detail"]
        entries.append({"type": r["type"], "at": r["at"], "by": r["by"], **detail})
    # On a tie the recorded fact comes first: a registration precedes its first scan, a
    # release the signing it causes.
    entries.sort(key=lambda e: (e["at"], e["type"] == "scan"))
    for e in entries:
        e["at"] = e["at"].isoformat()
    return entries


def _legs(rec: ShipmentRecord) -> list[dict[str, Any]]:
    """Each stop of the route: arrived, left, and the minutes spent there."""
    scans = [(ScanKind(r["kind"]), r["station"], r["at"]) for r in rec.scans]
    return [
        {
            "station": leg.station,
            "role": leg.role,
            "arrived_at": _iso(leg.arrived_at),
            "left_at": _iso(leg.left_at),
            "dwell_minutes": int(leg.dwell.total_seconds() // 60)
            if leg.dwell is not None
            else None,
        }
        for leg in transit_legs(rec.shipment, scans)
    ]


def _exception(e: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "exception_id": str(e["exception_id"]),
        "kind": e["kind"],
        "station": e["station"],
        "note": e["note"],
        "photo_ids": list(e["photo_ids"]),
        "at": e["at"].isoformat(),
        "by": e["by"],
        "truck_check_id": str(e["truck_check_id"]) if e["truck_check_id"] else None,
    }


def shipment_json(rec: ShipmentRecord) -> dict[str, Any]:
    """GET /v1/shipments/{waybill}."""
    s = rec.shipment
    return {
        "waybill": s.waybill,
        "status": s.status.value,
        "delayed": rec.delayed,
        "eta": arrival_due_at(s).isoformat(),
        "promised_arrival_at": s.promised_arrival_at.isoformat(),
        "dispatched_at": s.dispatched_at.isoformat(),
        "origin_branch": s.origin_branch,
        "destination_branch": s.destination_branch,
        "transfers": s.transfers,
        "transfer_branches": list(s.transfer_branches),
        "region": s.region,
        "batches": s.batches,
        "arrived_batches": {str(k): v.isoformat() for k, v in sorted(s.arrived_batches.items())},
        "signed_at": _iso(s.signed_at),
        "urgent": s.urgent,
        "shipper_slip": s.shipper_slip,
        "shipper": {
            "shipper_id": rec.shipper_id,
            "name": s.shipper.name,
            "phone": mask_phone(s.shipper.phone),
        },
        "consignee": {
            "name": s.consignee.name,
            "phone": mask_phone(s.consignee.phone),
            "kind": s.consignee.kind.value,
        },
        "version": s.version,
        "history": _history(rec),
        "legs": _legs(rec),
        "receipt": _receipt_view(rec),
        "exceptions": [_exception(e) for e in rec.exceptions],
    }


def released_json(waybill: str, by: str, req: ReleaseRequest, done: Release) -> dict[str, Any]:
    """A release that happened: to whom, on what evidence, and the shipment signed."""
    return {
        "status": "released",
        "waybill": waybill,
        "release_id": str(done.release_id),
        "released_by": by,
        "to": req.presented.shown(),
        "delegate": req.delegate.shown() if req.delegate is not None else None,
        "evidence": done.decision.evidence,
        "shipment_status": done.status.value if done.status is not None else None,
        "at": done.at.isoformat(),
    }
