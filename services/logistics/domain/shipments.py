"""Shipments and their tracking scans (DOMAIN.md §4.1)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from shared.contracts.values import ConsigneeKind, ScanKind
from shared.privacy import random_id

from .errors import BAD_BATCH, OFF_ROUTE, DomainError
from .rules import check_aware, check_transfers


class ShipmentStatus(StrEnum):
    """Where a shipment stands; it only ever moves forward."""

    CREATED = "created"
    IN_TRANSIT = "in_transit"
    PARTIALLY_ARRIVED = "partially_arrived"
    ARRIVED = "arrived"
    SIGNED = "signed"


_RANK: dict[ShipmentStatus, int] = {s: i for i, s in enumerate(ShipmentStatus)}
_NOT_DIGITS = re.compile(r"[^\d+]")


def normalise_phone(phone: str) -> str:
    """Digits (and a leading +) only, so one shipper is one phone however it was typed."""
    return _NOT_DIGITS.sub("", phone.strip())


def new_shipper_id() -> str:
    """A new shipper's id: random, never derived from the phone (shown masked beside it, a
    hash of the phone would give the number back in 10,000 guesses); found again by phone."""
    return random_id("shp")


@dataclass(frozen=True, slots=True)
class Party:
    """A shipper: name and phone."""

    name: str
    phone: str


@dataclass(frozen=True, slots=True)
class Consignee:
    """Who the goods go to: a person or a company."""

    name: str
    phone: str
    kind: ConsigneeKind = ConsigneeKind.PERSON


@dataclass(frozen=True, slots=True)
class ReceiptRequirements:
    """What the shipper wants on the signed receipt (回单要求)."""

    required: bool = False
    signature: bool = True
    stamp: bool = False
    id_number: bool = False
    copies: int = 1


@dataclass(frozen=True, slots=True)
class Shipment:
    """A waybill (托运单) and everything its scans have established so far."""

    waybill: str
    origin_branch: str
    destination_branch: str
    region: str
    promised_arrival_at: datetime
    dispatched_at: datetime  # when the dispatch record (waybill) was made
    shipper: Party
    consignee: Consignee
    transfers: int = 0
    transfer_branches: tuple[str, ...] = ()
    batches: int = 1
    urgent: bool = False
    receipt: ReceiptRequirements = field(default_factory=ReceiptRequirements)
    status: ShipmentStatus = ShipmentStatus.CREATED
    eta: datetime | None = None  # the new arrival time a downstream station confirmed
    eta_station: str | None = None
    arrived_batches: Mapping[int, datetime] = field(default_factory=dict)
    last_arrival_at: datetime | None = None
    departed_at: datetime | None = None  # earliest evidence the cargo was loaded and moving
    signed_at: datetime | None = None
    last_station: str | None = None
    last_scan_kind: ScanKind | None = None
    last_scan_at: datetime | None = None
    delay_reported_for: datetime | None = None  # the deadline whose miss was last reported
    version: int = 0
    shipper_slip: bool = False  # 备注需签发货方厂家单: the shipper's own slip goes signed with it

    def __post_init__(self) -> None:
        """Refuse shapes the API must answer with 422."""
        if not self.waybill.strip():
            raise ValueError("waybill must not be empty")
        check_transfers(self.transfers)
        if len(self.transfer_branches) != self.transfers:
            raise ValueError(
                f"{self.transfers} transfer(s) need as many transfer_branches, "
                f"got {len(self.transfer_branches)}"
            )
        if self.batches < 1:
            raise ValueError("batches must be at least 1")
        if self.receipt.required and self.receipt.copies < 1:
            raise ValueError("a required receipt needs at least 1 copy")
        check_aware(self.promised_arrival_at, "promised_arrival_at")
        check_aware(self.dispatched_at, "dispatched_at")


@dataclass(frozen=True, slots=True)
class ScanRecorded:
    """Every scan is kept in the history; `applied` is False when it changed nothing."""

    waybill: str
    kind: ScanKind
    station: str
    batch: int | None
    at: datetime
    applied: bool


@dataclass(frozen=True, slots=True)
class Dispatched:
    """The cargo was first seen moving: publish `shipment.dispatched`."""

    waybill: str
    at: datetime
    batch: int | None


@dataclass(frozen=True, slots=True)
class Arrived:
    """A batch reached the destination: publish `shipment.arrived`; `complete` once all did."""

    waybill: str
    batch: int
    at: datetime
    complete: bool


@dataclass(frozen=True, slots=True)
class Signed:
    """The consignee signed for it: publish `shipment.signed`; delay checks stop."""

    waybill: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ReceiptClockStarted:
    """A required receipt's return clock runs from `arrival_at` (set again if it moves earlier)."""

    waybill: str
    arrival_at: datetime


ScanEffect = ScanRecorded | Dispatched | Arrived | Signed | ReceiptClockStarted


def route_branches(s: Shipment) -> set[str]:
    """The branches a scan may come from: origin, transfers and destination."""
    return {s.origin_branch, *s.transfer_branches, s.destination_branch}


def route(s: Shipment) -> list[str]:
    """The branches in travel order."""
    return [s.origin_branch, *s.transfer_branches, s.destination_branch]


def check_on_route(s: Shipment, station: str) -> None:
    """Refuse a station that is not on the shipment's route."""
    if station not in route_branches(s):
        raise DomainError(
            OFF_ROUTE,
            f"station {station!r} is not on the route of waybill {s.waybill} "
            f"({' → '.join(route(s))})",
            field="station",
        )


def arrival_complete(s: Shipment) -> bool:
    """All batches have reached the destination."""
    return len(s.arrived_batches) >= s.batches


def receipt_clock_from(s: Shipment) -> datetime | None:
    """The arrival the receipt deadline counts from: the last batch's, once all arrived."""
    return s.last_arrival_at if arrival_complete(s) else None


def _check_batch(s: Shipment, kind: ScanKind, batch: int | None) -> int | None:
    """A batch is within 1..batches; an arrival of a split shipment must name its batch."""
    if batch is None:
        if kind is ScanKind.ARRIVED_DESTINATION:
            if s.batches > 1:
                raise DomainError(
                    BAD_BATCH,
                    f"waybill {s.waybill} travels in {s.batches} batches: "
                    "an arrival scan must say which batch arrived",
                    field="batch",
                )
            return 1
        return None
    if not 1 <= batch <= s.batches:
        raise DomainError(
            BAD_BATCH,
            f"batch {batch} is outside 1..{s.batches} for waybill {s.waybill}",
            field="batch",
        )
    return batch


def _earliest(a: datetime | None, b: datetime) -> datetime:
    return b if a is None else min(a, b)


def _derived_status(s: Shipment) -> ShipmentStatus:
    """The status the recorded facts justify."""
    if s.signed_at is not None:
        return ShipmentStatus.SIGNED
    if arrival_complete(s):
        return ShipmentStatus.ARRIVED
    if s.arrived_batches:
        return ShipmentStatus.PARTIALLY_ARRIVED
    if s.departed_at is not None:
        return ShipmentStatus.IN_TRANSIT
    return ShipmentStatus.CREATED


def apply_scan(
    s: Shipment, kind: ScanKind, station: str, batch: int | None, at: datetime
) -> tuple[Shipment, list[ScanEffect]]:
    """Merge one scan into the shipment; late or repeated scans never move it backwards."""
    check_aware(at, "at")
    check_on_route(s, station)
    batch_no = _check_batch(s, kind, batch)

    # Facts accumulate whatever order scans come in; the status is derived from them, so a
    # late scan of an earlier step can only fill in facts, never undo a later one.
    arrivals = dict(s.arrived_batches)
    departed_at = _earliest(s.departed_at, at)  # any scan proves the cargo was loaded
    signed_at = s.signed_at
    if kind is ScanKind.ARRIVED_DESTINATION and batch_no is not None:
        arrivals[batch_no] = _earliest(arrivals.get(batch_no), at)
    elif kind is ScanKind.SIGNED:
        signed_at = _earliest(signed_at, at)
        # A signature proves every batch had arrived by then; a real arrival scan that comes
        # in later can only move a batch's arrival earlier.
        for b in range(1, s.batches + 1):
            arrivals[b] = _earliest(arrivals.get(b), at)

    moved = s.last_scan_at is None or at >= s.last_scan_at
    candidate = replace(
        s,
        arrived_batches=arrivals,
        last_arrival_at=max(arrivals.values()) if arrivals else None,
        departed_at=departed_at,
        signed_at=signed_at,
        last_station=station if moved else s.last_station,
        last_scan_kind=kind if moved else s.last_scan_kind,
        last_scan_at=at if moved else s.last_scan_at,
    )
    derived = _derived_status(candidate)
    status = max(s.status, derived, key=_RANK.__getitem__)  # never backwards
    candidate = replace(candidate, status=status)

    applied = candidate != s
    effects: list[ScanEffect] = [ScanRecorded(s.waybill, kind, station, batch_no, at, applied)]
    if not applied:
        return s, effects
    new = replace(candidate, version=s.version + 1)

    if s.departed_at is None:
        effects.append(Dispatched(s.waybill, departed_at, batch_no))
    if kind is ScanKind.ARRIVED_DESTINATION and batch_no not in s.arrived_batches:
        assert batch_no is not None
        effects.append(Arrived(s.waybill, batch_no, at, arrival_complete(new)))
    if signed_at is not None and s.signed_at is None:
        effects.append(Signed(s.waybill, signed_at))
    clock = receipt_clock_from(new)
    if s.receipt.required and clock is not None and clock != receipt_clock_from(s):
        effects.append(ReceiptClockStarted(s.waybill, clock))
    return new, effects
