"""The JSON a shipment is read as: status, delay, ETA, whole history, receipt, exceptions."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import asyncpg

from services.logistics import queries, state
from services.logistics.domain import arrival_due_at, receipt_status


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


async def receipt_view(conn: asyncpg.Connection, waybill: str, now: datetime) -> dict[str, Any]:
    """Where the receipt stands and how late it is."""
    row = await queries.get_receipt(conn, waybill=waybill)
    if row is None:
        return {"required": False, "status": "not_required", "due_on": None}
    r = state.to_receipt(row, state.requirements_of(row))
    lateness = receipt_status(r, now)
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


async def history_view(conn: asyncpg.Connection, waybill: str) -> list[dict[str, Any]]:
    """Scans and every other tracking fact, in business-time order."""
    entries: list[dict[str, Any]] = []
    for r in await queries.list_scans(conn, waybill=waybill):
        entries.append(
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
        )
    for r in await queries.list_log(conn, waybill=waybill):
        detail = json.loads(r["detail"]) if isinstance(r["detail"], str) else r["detail"]
        entries.append({"type": r["type"], "at": r["at"], "by": r["by"], **detail})
    # On a tie the recorded fact comes first: a registration precedes its first scan, a
    # release the signing it causes.
    entries.sort(key=lambda e: (e["at"], e["type"] == "scan"))
    for e in entries:
        e["at"] = e["at"].isoformat()
    return entries


async def shipment_view(
    conn: asyncpg.Connection, row: asyncpg.Record, now: datetime
) -> dict[str, Any]:
    """GET /v1/shipments/{waybill}."""
    s = state.to_shipment(row)
    waybill = s.waybill
    exceptions = [
        {
            "exception_id": str(e["exception_id"]),
            "kind": e["kind"],
            "station": e["station"],
            "note": e["note"],
            "photo_ids": list(e["photo_ids"]),
            "at": e["at"].isoformat(),
            "by": e["by"],
            "truck_check_id": str(e["truck_check_id"]) if e["truck_check_id"] else None,
        }
        for e in await queries.list_exceptions(conn, waybill=waybill)
    ]
    return {
        "waybill": waybill,
        "status": s.status.value,
        "delayed": state.is_delayed(s),
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
        "shipper": {
            "shipper_id": row["shipper_id"],
            "name": s.shipper.name,
            "phone": state.mask_phone(s.shipper.phone),
        },
        "consignee": {
            "name": s.consignee.name,
            "phone": state.mask_phone(s.consignee.phone),
            "kind": s.consignee.kind.value,
        },
        "version": s.version,
        "history": await history_view(conn, waybill),
        "receipt": await receipt_view(conn, waybill, now),
        "exceptions": exceptions,
    }
