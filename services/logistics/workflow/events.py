"""The events a shipment's and a receipt's facts become (source and branch: the origin's)."""

from __future__ import annotations

from datetime import datetime

from services.logistics.domain import (
    AbnormalReceipt,
    CargoException,
    Receipt,
    ReceiptOwner,
    Shipment,
    SlipMissing,
    TrackingNote,
)
from shared.contracts.logistics import (
    Contacts,
    ReceiptAbnormal,
    ReceiptCancelled,
    ReceiptCollected,
    ReceiptOverdue,
    ReceiptReturned,
    ShipmentDelayed,
    ShipmentExceptionRegistered,
    ShipmentMovement,
    ShipmentShipperSlipMissing,
    ShipmentTrackingFlagged,
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


def delayed(
    s: Shipment,
    station: str,
    new_eta: datetime | None,
    force_majeure: bool = False,
    reason: str | None = None,
) -> ShipmentDelayed:
    """shipment.delayed for a shipment as it now stands (the customer and the station are told;
    force majeure: the department supervisor too)."""
    return ShipmentDelayed(
        branch_id=s.origin_branch,
        version=s.version,
        waybill=s.waybill,
        promised_arrival_at=s.promised_arrival_at,
        new_eta=new_eta,
        station=station,
        contacts=contacts(s),
        region=s.region,
        force_majeure=force_majeure,
        reason=reason or None,
    )


def tracking_flagged(s: Shipment, station: str, n: TrackingNote) -> ShipmentTrackingFlagged:
    """shipment.tracking.flagged: the department head and the downstream station are told."""
    return ShipmentTrackingFlagged(
        branch_id=s.origin_branch,
        version=s.version,
        waybill=s.waybill,
        region=s.region,
        station=station,
        kind=n.kind,
        goods_state=n.goods_state.value if n.goods_state is not None else None,
        note=n.note,
        at=n.called_at or s.last_scan_at or s.dispatched_at,
    )


def exception_registered(
    e: CargoException, region: str | None, branch: str | None
) -> ShipmentExceptionRegistered:
    """shipment.exception.registered: the cargo supervisor is told."""
    return ShipmentExceptionRegistered(
        branch_id=branch,
        waybill=e.waybill,
        exception_id=e.exception_id,
        kind=e.kind,
        station=e.station,
        photos=list(e.photo_ids),
        note=e.note,
        region=region,
    )


def returned(r: Receipt, days_overdue: int, hard_breach: bool, at: datetime) -> ReceiptReturned:
    """receipt.returned: back at the origin, and how late it was."""
    assert r.due_on is not None
    return ReceiptReturned(
        branch_id=r.origin_branch,
        version=r.version,
        waybill=r.waybill,
        region=r.region,
        origin_branch=r.origin_branch,
        due_on=r.due_on,
        days_overdue=days_overdue,
        hard_breach=hard_breach,
        at=at,
    )


def overdue(
    r: Receipt, version: int, days_overdue: int, hard_breach: bool, owner: ReceiptOwner | None
) -> ReceiptOverdue:
    """receipt.overdue: still out past its due day (once a local day), for the region's owner."""
    assert r.due_on is not None
    return ReceiptOverdue(
        branch_id=r.origin_branch,
        version=version,
        waybill=r.waybill,
        region=r.region,
        origin_branch=r.origin_branch,
        due_on=r.due_on,
        days_overdue=days_overdue,
        hard_breach=hard_breach,
        owner=owner.owner if owner is not None else None,
        superior=owner.superior if owner is not None else None,
    )


def abnormal(r: Receipt, found: AbnormalReceipt, destination: str) -> ReceiptAbnormal:
    """receipt.abnormal: the region's supervisor is told, the destination has it signed again."""
    assert r.due_on is not None
    return ReceiptAbnormal(
        branch_id=r.origin_branch,
        version=r.version,
        waybill=r.waybill,
        region=r.region,
        origin_branch=r.origin_branch,
        destination_branch=destination,
        due_on=r.due_on,
        abnormality_id=found.abnormality_id,
        step=found.step,
        defects=list(found.defects),
        found_late=found.found_late,
        at=found.found_at,
    )


def cancelled(r: Receipt, shipper_phone: str, note: str, at: datetime) -> ReceiptCancelled:
    """receipt.cancelled: a cash-paid receipt is cancelled, the shipper is told."""
    return ReceiptCancelled(
        branch_id=r.origin_branch,
        version=r.version,
        waybill=r.waybill,
        region=r.region,
        origin_branch=r.origin_branch,
        due_on=r.due_on,
        contacts=Contacts(shipper_phone=shipper_phone),
        at=at,
        note=note or None,
    )


def collected(r: Receipt, shipper_phone: str, collected_by: str, at: datetime) -> ReceiptCollected:
    """receipt.collected: the customer took the receipt at the origin; it is written off."""
    return ReceiptCollected(
        branch_id=r.origin_branch,
        version=r.version,
        waybill=r.waybill,
        region=r.region,
        origin_branch=r.origin_branch,
        due_on=r.due_on,
        contacts=Contacts(shipper_phone=shipper_phone),
        at=at,
        collected_by=collected_by,
    )


def slip_missing(found: SlipMissing, region: str) -> ShipmentShipperSlipMissing:
    """shipment.shipper_slip.missing: the origin is told to confirm the shipper's slip."""
    return ShipmentShipperSlipMissing(
        branch_id=found.origin,
        waybill=found.waybill,
        region=region,
        origin_branch=found.origin,
        station=found.station,
        note=found.note or None,
        at=found.at,
    )
