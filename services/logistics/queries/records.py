"""Rows ↔ the domain's dataclasses: the one mapping between the tables and the rules."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.logistics.domain import (
    AbnormalReceipt,
    CargoException,
    Consignee,
    Envelope,
    Explanation,
    LateCause,
    Lateness,
    Party,
    Receipt,
    ReceiptOwner,
    ReceiptRequirements,
    ReceiptState,
    ScanRecorded,
    Shipment,
    ShipmentStatus,
    Violation,
    ViolationKind,
)
from shared.contracts.values import ConsigneeKind, ExceptionKind, ReceiptStep, ScanKind


def _times(raw: Any) -> dict[str, datetime]:
    data = json.loads(raw) if isinstance(raw, str) else dict(raw or {})
    return {k: datetime.fromisoformat(v) for k, v in data.items()}


def to_shipment(row: Mapping[str, Any]) -> Shipment:
    """The domain's view of a shipments row."""
    return Shipment(
        waybill=row["waybill"],
        origin_branch=row["origin_branch"],
        destination_branch=row["destination_branch"],
        region=row["region"],
        promised_arrival_at=row["promised_arrival_at"],
        dispatched_at=row["dispatched_at"],
        shipper=Party(row["shipper_name"], row["shipper_phone"]),
        consignee=Consignee(
            row["consignee_name"], row["consignee_phone"], ConsigneeKind(row["consignee_kind"])
        ),
        transfers=row["transfers"],
        transfer_branches=tuple(row["transfer_branches"]),
        batches=row["batches"],
        urgent=row["urgent"],
        receipt=ReceiptRequirements(
            required=row["receipt_required"],
            signature=row["receipt_signature"],
            stamp=row["receipt_stamp"],
            id_number=row["receipt_id_number"],
            copies=row["receipt_copies"],
        ),
        status=ShipmentStatus(row["status"]),
        eta=row["eta"],
        eta_station=row["eta_station"],
        arrived_batches={int(k): v for k, v in _times(row["arrived_batches"]).items()},
        last_arrival_at=row["last_arrival_at"],
        departed_at=row["departed_at"],
        signed_at=row["signed_at"],
        last_station=row["last_station"],
        last_scan_kind=ScanKind(row["last_scan_kind"]) if row["last_scan_kind"] else None,
        last_scan_at=row["last_scan_at"],
        delay_reported_for=row["delay_reported_for"],
        version=row["version"],
        shipper_slip=bool(row.get("shipper_slip_required", False)),
    )


def shipment_row(s: Shipment, *, shipper_id: str, created_by: str) -> dict[str, Any]:
    """A new shipment's columns, for `queries.insert_shipment`."""
    return dict(
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
        shipper_slip_required=s.shipper_slip,
        version=s.version,
        created_by=created_by,
    )


def shipment_values(s: Shipment) -> tuple[Any, ...]:
    """The mutable columns of a shipment, in the order `queries.update_shipments` takes them."""
    return (
        s.waybill,
        s.status.value,
        s.eta,
        s.eta_station,
        json.dumps({str(k): v.isoformat() for k, v in s.arrived_batches.items()}),
        s.last_arrival_at,
        s.departed_at,
        s.signed_at,
        s.last_station,
        s.last_scan_kind.value if s.last_scan_kind else None,
        s.last_scan_at,
        s.delay_reported_for,
        s.version,
    )


def scan_values(scan_id: str, branch: str | None, scan: ScanRecorded) -> tuple[Any, ...]:
    """A scan as `queries.insert_scans` takes it."""
    return (
        scan_id,
        scan.waybill,
        branch,
        scan.kind.value,
        scan.station,
        scan.batch,
        scan.at,
        scan.applied,
    )


def to_receipt(row: Mapping[str, Any]) -> Receipt:
    """The domain's view of a receipts row joined with its shipment's requirements."""
    return Receipt(
        waybill=row["waybill"],
        region=row["region"],
        origin_branch=row["origin_branch"],
        transfers=row["transfers"],
        requirements=ReceiptRequirements(
            required=True,
            signature=row["receipt_signature"],
            stamp=row["receipt_stamp"],
            id_number=row["receipt_id_number"],
            copies=row["receipt_copies"],
        ),
        state=ReceiptState(row["state"]),
        arrival_at=row["arrival_at"],
        due_on=row["due_on"],
        hard_limit_on=row["hard_limit_on"],
        steps={ReceiptStep(k): v for k, v in _times(row["steps"]).items()},
        redo_count=row["redo_count"],
        lost_at=row["lost_at"],
        loss_fen=row["loss_fen"],
        version=row["version"],
        closed_at=row.get("closed_at"),
    )


def receipt_values(r: Receipt) -> tuple[Any, ...]:
    """The mutable columns of a receipt, in the order `queries.update_receipts` takes them."""
    return (
        r.waybill,
        r.state.value,
        r.arrival_at,
        r.due_on,
        r.hard_limit_on,
        json.dumps({k.value: v.isoformat() for k, v in r.steps.items()}),
        r.received_at,
        r.redo_count,
        r.lost_at,
        r.loss_fen,
        r.version,
        r.closed_at,
    )


def to_exception(row: Mapping[str, Any]) -> CargoException:
    """The domain's view of an exceptions row."""
    return CargoException(
        str(row["exception_id"]),
        row["waybill"],
        ExceptionKind(row["kind"]),
        row["station"],
        row["note"],
        row["at"],
        tuple(row["photo_ids"]),
    )


def exception_values(
    e: CargoException, by: str, truck_check: uuid.UUID | None = None
) -> tuple[Any, ...]:
    """An exception as `queries.insert_exceptions` takes it."""
    return (
        uuid.UUID(e.exception_id),
        e.waybill,
        e.kind.value,
        e.station,
        e.note,
        json.dumps(list(e.photo_ids)),
        e.at,
        by,
        truck_check,
    )


def to_abnormal(row: Mapping[str, Any]) -> AbnormalReceipt:
    """The domain's view of a receipt_abnormalities row."""
    defects = json.loads(row["defects"]) if isinstance(row["defects"], str) else row["defects"]
    return AbnormalReceipt(
        abnormality_id=str(row["abnormality_id"]),
        waybill=row["waybill"],
        region=row["region"],
        step=ReceiptStep(row["step"]),
        defects=tuple(defects),
        found_at=row["found_at"],
        resolved_at=row["resolved_at"],
    )


def to_explanation(row: Mapping[str, Any]) -> Explanation:
    """The domain's view of a receipt_explanations row."""
    return Explanation(row["waybill"], LateCause(row["cause"]), row["text"], row["by"], row["at"])


def to_owner(row: Mapping[str, Any]) -> ReceiptOwner:
    """The domain's view of a receipt_owners row."""
    return ReceiptOwner(
        row["region"], row["owner"], row["owner_name"], row["superior"], row["superior_name"]
    )


def to_envelope(row: Mapping[str, Any]) -> Envelope:
    """The domain's view of a receipt_envelopes row."""
    return Envelope(
        envelope_id=str(row["envelope_id"]),
        from_branch=row["from_branch"],
        to_branch=row["to_branch"],
        waybills=tuple(row["waybills"]),
        sealed_at=row["sealed_at"],
        checked_at=row["checked_at"],
        missing=tuple(row["missing"]),
        unexpected=tuple(row["unexpected"]),
    )


def to_violation(row: Mapping[str, Any]) -> Violation:
    """The domain's view of a violations row."""
    return Violation(
        violation_id=str(row["violation_id"]),
        branch=row["branch"],
        region=row["region"],
        kind=ViolationKind(row["kind"]),
        note=row["note"],
        at=row["at"],
        waybill=row["waybill"],
        staff=row["staff"],
    )


def to_route_count(row: Mapping[str, Any]) -> tuple[str, str, Lateness, int]:
    """A route's shipments of one lateness, as the delays report adds them up."""
    lateness = Lateness(
        arrived=row["arrived"],
        arrived_late=row["arrived_late"],
        reported=row["reported"],
        eta_later=row["eta_later"],
    )
    return row["origin_branch"], row["destination_branch"], lateness, row["n"]
