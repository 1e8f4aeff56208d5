"""Rows ↔ the domain's dataclasses, and the events a shipment's facts become."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.logistics.domain import (
    Consignee,
    Party,
    Receipt,
    ReceiptRequirements,
    ReceiptState,
    Shipment,
    ShipmentStatus,
    arrival_complete,
    arrival_due_at,
)
from shared.contracts.logistics import Contacts, ShipmentMovement
from shared.contracts.values import ConsigneeKind, ReceiptStep, ScanKind

SOURCE = "logistics"
_SHIPPER_NS = uuid.UUID("6b656675-0000-4000-8000-6c6f67697374")  # "kefu" … "logist"
_NOT_DIGITS = re.compile(r"[^\d+]")


def normalise_phone(phone: str) -> str:
    """Digits (and a leading +) only, so one shipper is one phone however it was typed."""
    return _NOT_DIGITS.sub("", phone.strip())


def shipper_id_for(phone: str) -> str:
    """A stable shipper id derived from the normalised phone."""
    return f"shp_{uuid.uuid5(_SHIPPER_NS, normalise_phone(phone)).hex[:20]}"


def mask_phone(phone: str) -> str:
    """138****0000: enough to recognise, not enough to dial."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


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


def to_receipt(row: Mapping[str, Any], s_req: ReceiptRequirements) -> Receipt:
    """The domain's view of a receipts row (requirements come from the shipment)."""
    return Receipt(
        waybill=row["waybill"],
        region=row["region"],
        origin_branch=row["origin_branch"],
        transfers=row["transfers"],
        requirements=s_req,
        state=ReceiptState(row["state"]),
        arrival_at=row["arrival_at"],
        due_on=row["due_on"],
        hard_limit_on=row["hard_limit_on"],
        steps={ReceiptStep(k): v for k, v in _times(row["steps"]).items()},
        redo_count=row["redo_count"],
        lost_at=row["lost_at"],
        loss_fen=row["loss_fen"],
        version=row["version"],
    )


def requirements_of(row: Mapping[str, Any]) -> ReceiptRequirements:
    """A receipt's requirements from a row that joined them in."""
    return ReceiptRequirements(
        required=True,
        signature=row["receipt_signature"],
        stamp=row["receipt_stamp"],
        id_number=row["receipt_id_number"],
        copies=row["receipt_copies"],
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
    )


def contacts(s: Shipment) -> Contacts:
    """The phones notifications may message about this shipment."""
    return Contacts(shipper_phone=s.shipper.phone, consignee_phone=s.consignee.phone)


def movement(
    cls: type[ShipmentMovement],
    s: Shipment,
    at: datetime,
    shipper_id: str | None = None,
    batch: int | None = None,
) -> ShipmentMovement:
    """shipment.dispatched/arrived/signed for a shipment as it now stands."""
    return cls(
        source=SOURCE,
        branch_id=s.origin_branch,
        version=s.version,
        waybill=s.waybill,
        origin=s.origin_branch,
        destination=s.destination_branch,
        region=s.region,
        transfers=s.transfers,
        promised_arrival_at=s.promised_arrival_at,
        urgent=s.urgent,
        batch=batch,
        at=at,
        contacts=contacts(s),
        receipt_required=s.receipt.required,
        shipper_id=shipper_id,
    )


def is_delayed(s: Shipment) -> bool:
    """It missed, or is known to miss, its promised arrival."""
    if arrival_complete(s) and s.last_arrival_at is not None:
        return s.last_arrival_at > s.promised_arrival_at
    return s.delay_reported_for is not None or arrival_due_at(s) > s.promised_arrival_at
