"""Shipments, routes and scans (DOMAIN.md §4.1): out-of-order scans never move status back."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.logistics.domain import (
    Arrived,
    Dispatched,
    DomainError,
    ReceiptClockStarted,
    ReceiptRequirements,
    ScanRecorded,
    Shipment,
    ShipmentStatus,
    Signed,
    apply_scan,
    arrival_complete,
    new_shipper_id,
    normalise_phone,
    receipt_clock_from,
    route_branches,
)
from shared.contracts.values import ScanKind
from tests.support.shipments import a_shipment

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SH)


def shipment(**over: Any) -> Shipment:
    return a_shipment(
        **(
            dict(
                waybill="WB1",
                transfers=1,
                transfer_branches=("WH01",),
                receipt=ReceiptRequirements(required=True, copies=2),
            )
            | over
        )
    )


def test_route_is_origin_transfers_and_destination() -> None:
    s = shipment(transfers=2, transfer_branches=("WH01", "CQ01"))
    assert route_branches(s) == {"SH01", "WH01", "CQ01", "CD01"}


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"transfers": 3, "transfer_branches": ("A", "B", "C")}, "0, 1 or 2"),
        ({"transfers": 2, "transfer_branches": ("WH01",)}, "transfer_branches"),
        ({"transfers": 0, "transfer_branches": ("WH01",)}, "transfer_branches"),
        ({"batches": 0}, "batches"),
        ({"waybill": "  "}, "waybill"),
        ({"promised_arrival_at": datetime(2026, 11, 5)}, "offset"),
    ],
)
def test_invalid_shapes_are_refused(over: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        shipment(**over)


def test_scan_from_a_branch_off_the_route_is_refused_with_the_reason() -> None:
    with pytest.raises(DomainError) as err:
        apply_scan(shipment(), ScanKind.DEPARTED, "BJ09", None, at(1, 10))
    assert err.value.code == "off_route"
    assert "BJ09" in err.value.detail and "SH01 → WH01 → CD01" in err.value.detail
    assert err.value.http_status == 409


def test_batch_must_be_within_the_shipments_batches() -> None:
    s = shipment(batches=2)
    with pytest.raises(DomainError) as err:
        apply_scan(s, ScanKind.ARRIVED_DESTINATION, "CD01", 3, at(4))
    assert err.value.code == "bad_batch" and "1..2" in err.value.detail
    with pytest.raises(DomainError):
        apply_scan(s, ScanKind.ARRIVED_DESTINATION, "CD01", 0, at(4))
    with pytest.raises(DomainError, match="which batch"):
        apply_scan(s, ScanKind.ARRIVED_DESTINATION, "CD01", None, at(4))


def test_the_journey_departed_hub_arrived_signed() -> None:
    s0 = shipment()
    s1, fx = apply_scan(s0, ScanKind.DEPARTED, "SH01", None, at(1, 10))
    assert s1.status is ShipmentStatus.IN_TRANSIT and s1.version == 1
    assert fx == [
        ScanRecorded("WB1", ScanKind.DEPARTED, "SH01", None, at(1, 10), True),
        Dispatched("WB1", at(1, 10), None),
    ]
    s2, fx = apply_scan(s1, ScanKind.ARRIVED_HUB, "WH01", None, at(2, 22))
    assert s2.status is ShipmentStatus.IN_TRANSIT and s2.last_station == "WH01"
    assert len(fx) == 1
    s3, fx = apply_scan(s2, ScanKind.ARRIVED_DESTINATION, "CD01", None, at(4, 15))
    assert s3.status is ShipmentStatus.ARRIVED and s3.last_arrival_at == at(4, 15)
    assert Arrived("WB1", 1, at(4, 15), True) in fx
    assert ReceiptClockStarted("WB1", at(4, 15)) in fx
    s4, fx = apply_scan(s3, ScanKind.SIGNED, "CD01", None, at(4, 17))
    assert s4.status is ShipmentStatus.SIGNED and s4.signed_at == at(4, 17)
    assert Signed("WB1", at(4, 17)) in fx
    assert s4.last_arrival_at == at(4, 15)  # signing does not move the arrival
    assert s4.version == 4


def test_split_shipment_arrives_when_the_last_batch_does() -> None:
    s, _ = apply_scan(shipment(batches=3), ScanKind.DEPARTED, "SH01", None, at(1, 10))
    s, fx = apply_scan(s, ScanKind.ARRIVED_DESTINATION, "CD01", 2, at(3, 9))
    assert s.status is ShipmentStatus.PARTIALLY_ARRIVED and not arrival_complete(s)
    assert Arrived("WB1", 2, at(3, 9), False) in fx
    assert receipt_clock_from(s) is None
    assert not any(isinstance(e, ReceiptClockStarted) for e in fx)
    s, _ = apply_scan(s, ScanKind.ARRIVED_DESTINATION, "CD01", 1, at(6, 9))
    s, fx = apply_scan(s, ScanKind.ARRIVED_DESTINATION, "CD01", 3, at(4, 9))
    assert s.status is ShipmentStatus.ARRIVED
    assert Arrived("WB1", 3, at(4, 9), True) in fx
    # last_arrival_at is the latest batch arrival (batch 1 on the 6th), not the last scan.
    assert s.last_arrival_at == at(6, 9)
    assert ReceiptClockStarted("WB1", at(6, 9)) in fx


def test_repeated_scan_is_idempotent() -> None:
    s1, _ = apply_scan(shipment(), ScanKind.DEPARTED, "SH01", None, at(1, 10))
    s2, fx = apply_scan(s1, ScanKind.DEPARTED, "SH01", None, at(1, 10))
    assert s2 == s1 and s2.version == 1
    assert fx == [ScanRecorded("WB1", ScanKind.DEPARTED, "SH01", None, at(1, 10), False)]


def test_a_late_earlier_scan_does_not_move_status_back() -> None:
    s, _ = apply_scan(shipment(), ScanKind.ARRIVED_DESTINATION, "CD01", None, at(4, 15))
    s, _ = apply_scan(s, ScanKind.SIGNED, "CD01", None, at(4, 17))
    late, fx = apply_scan(s, ScanKind.DEPARTED, "SH01", None, at(1, 10))
    assert late.status is ShipmentStatus.SIGNED
    assert late.last_station == "CD01"  # the position stays with the latest scan
    assert late.departed_at == at(1, 10)  # but the fact is recorded
    assert isinstance(fx[0], ScanRecorded) and fx[0].applied
    assert not any(isinstance(e, Dispatched) for e in fx)
    hub, _ = apply_scan(late, ScanKind.ARRIVED_HUB, "WH01", None, at(2, 22))
    assert hub.status is ShipmentStatus.SIGNED


def test_signed_before_the_arrival_scan_then_the_arrival_scan_moves_the_clock_earlier() -> None:
    s, fx = apply_scan(shipment(), ScanKind.SIGNED, "CD01", None, at(5, 12))
    assert s.status is ShipmentStatus.SIGNED
    assert [type(e) for e in fx] == [ScanRecorded, Dispatched, Signed, ReceiptClockStarted]
    assert receipt_clock_from(s) == at(5, 12)
    s, fx = apply_scan(s, ScanKind.ARRIVED_DESTINATION, "CD01", None, at(4, 15))
    assert s.status is ShipmentStatus.SIGNED
    assert receipt_clock_from(s) == at(4, 15)
    assert ReceiptClockStarted("WB1", at(4, 15)) in fx


def test_no_receipt_clock_when_no_receipt_is_required() -> None:
    s = shipment(receipt=ReceiptRequirements(required=False))
    _, fx = apply_scan(s, ScanKind.ARRIVED_DESTINATION, "CD01", None, at(4, 15))
    assert not any(isinstance(e, ReceiptClockStarted) for e in fx)


def test_naive_scan_time_is_refused() -> None:
    with pytest.raises(ValueError, match="offset"):
        apply_scan(shipment(), ScanKind.DEPARTED, "SH01", None, datetime(2026, 11, 1, 10))


def test_shipment_is_not_mutated() -> None:
    s = shipment(batches=2)
    frozen = replace(s)
    apply_scan(s, ScanKind.ARRIVED_DESTINATION, "CD01", 1, at(4))
    assert s == frozen and dict(s.arrived_batches) == {}


def test_one_shipper_per_phone_however_it_was_typed() -> None:
    assert normalise_phone(" 138-0000 0000 ") == "13800000000"
    assert normalise_phone("+86 138 0000 0000") == "+8613800000000"
    # The id is random (the shipper is found again by its phone), never derived from it.
    sid = new_shipper_id()
    assert sid.startswith("shp_") and len(sid) == 24 and sid != new_shipper_id()


def test_each_fact_keeps_its_earliest_time_whatever_comes_later() -> None:
    """Departure, each batch's arrival and the signature keep the first time seen: a repeated
    scan later, or one from another station, only adds the scan to the history."""
    s, _ = apply_scan(shipment(batches=2), ScanKind.DEPARTED, "SH01", None, at(1, 10))
    s, _ = apply_scan(s, ScanKind.ARRIVED_HUB, "WH01", None, at(2, 22))
    assert s.departed_at == at(1, 10)
    s, _ = apply_scan(s, ScanKind.ARRIVED_DESTINATION, "CD01", 1, at(3, 9))
    s, _ = apply_scan(s, ScanKind.ARRIVED_DESTINATION, "CD01", 1, at(5, 9))
    assert dict(s.arrived_batches) == {1: at(3, 9)}
    s, _ = apply_scan(s, ScanKind.SIGNED, "CD01", None, at(6, 9))
    s, _ = apply_scan(s, ScanKind.SIGNED, "CD01", None, at(7, 9))
    assert s.signed_at == at(6, 9)
    s, _ = apply_scan(s, ScanKind.ARRIVED_DESTINATION, "CD01", 2, at(4, 9))
    assert s.signed_at == at(6, 9)  # an arrival scan after the signature keeps it
    assert dict(s.arrived_batches) == {1: at(3, 9), 2: at(4, 9)}


def test_a_batch_named_on_another_scan_is_no_arrival() -> None:
    s, fx = apply_scan(shipment(batches=2), ScanKind.DEPARTED, "SH01", 2, at(1, 10))
    assert dict(s.arrived_batches) == {} and s.status is ShipmentStatus.IN_TRANSIT
    assert fx == [
        ScanRecorded("WB1", ScanKind.DEPARTED, "SH01", 2, at(1, 10), True),
        Dispatched("WB1", at(1, 10), 2),
    ]


def test_the_first_scan_being_an_arrival_dispatches_with_its_batch() -> None:
    _, fx = apply_scan(shipment(batches=2), ScanKind.ARRIVED_DESTINATION, "CD01", 2, at(3, 9))
    assert fx[:2] == [
        ScanRecorded("WB1", ScanKind.ARRIVED_DESTINATION, "CD01", 2, at(3, 9), True),
        Dispatched("WB1", at(3, 9), 2),
    ]


def test_the_position_is_the_latest_scan_and_a_scan_at_the_same_instant_takes_it() -> None:
    s, _ = apply_scan(shipment(), ScanKind.ARRIVED_HUB, "WH01", None, at(2, 22))
    same, _ = apply_scan(s, ScanKind.DEPARTED, "SH01", None, at(2, 22))
    assert (same.last_station, same.last_scan_kind, same.last_scan_at) == (
        "SH01",
        ScanKind.DEPARTED,
        at(2, 22),
    )
    late, _ = apply_scan(s, ScanKind.DEPARTED, "SH01", None, at(1, 10))
    assert (late.last_station, late.last_scan_kind, late.last_scan_at) == (
        "WH01",
        ScanKind.ARRIVED_HUB,
        at(2, 22),
    )


def test_a_status_recorded_ahead_of_the_facts_never_moves_back() -> None:
    """A shipment whose record already says signed (e.g. signed for at the counter) stays
    signed when the scans that come in later prove less."""
    ahead = shipment(status=ShipmentStatus.SIGNED)
    s, _ = apply_scan(ahead, ScanKind.ARRIVED_HUB, "WH01", None, at(2, 22))
    assert s.status is ShipmentStatus.SIGNED and s.version == 1
