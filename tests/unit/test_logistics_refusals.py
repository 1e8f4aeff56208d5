"""Every refusal of the logistics rules as the API shows it: the code, the field a 422 names,
the status and the exact words — and the name of the time that lacks its offset."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.logistics.domain import (
    Consignee,
    DomainError,
    Inspected,
    Party,
    ReceiptFindings,
    ReceiptRequirements,
    Shipment,
    ViolationKind,
    abnormal_penalty_at,
    apply_scan,
    check_envelope,
    check_handover,
    check_receipt,
    inspect_goods,
    name_receipt_owner,
    reconcile_truck,
    record_violation,
    register_abnormal,
    register_exception,
    resolve_abnormal,
    seal_envelope,
    weekly_exception_summary,
)
from services.logistics.domain.rules import check_aware
from shared.contracts.values import ExceptionKind, ReceiptStep, ScanKind

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 11, 3, 10, tzinfo=SH)
NAIVE = datetime(2026, 11, 3, 10)


def shipment(**over: Any) -> Shipment:
    base: dict[str, Any] = dict(
        waybill="WB1",
        origin_branch="SH01",
        destination_branch="CD01",
        region="west",
        promised_arrival_at=AT + timedelta(days=2),
        dispatched_at=AT,
        shipper=Party("上海建材", "13800000000"),
        consignee=Consignee("杨民敬", "13900000000"),
    )
    base.update(over)
    return Shipment(**base)


def abnormal() -> Any:
    return register_abnormal("ab-1", "WB1", "east", ReceiptStep.SIGNED, ["stamp missing"], AT)


def envelope() -> Any:
    return seal_envelope("e1", "BJ02", "SH01", ["W1"], AT)


REFUSALS: dict[str, tuple[Callable[[], object], str, str | None, int, str]] = {
    "exception without a note": (
        lambda: register_exception(shipment(), "E1", ExceptionKind.DAMAGE, "SH01", " ", AT),
        "invalid_value",
        "note",
        422,
        "describe the damage, shortage or mismatch",
    ),
    "damaged pieces beyond those received": (
        lambda: inspect_goods([Inspected("W7", 2, damaged=3)]),
        "invalid_value",
        "received",
        422,
        "waybill W7: 3 damaged of 2 received",
    ),
    "receipt checked at a step that checks nothing": (
        lambda: check_receipt(
            ReceiptRequirements(required=True),
            ReceiptStep.SENT,
            ReceiptFindings(signature=True, stamp=False, id_number=False, copies=1),
        ),
        "invalid_value",
        "presented",
        422,
        "a receipt is checked when it is signed and when the origin receives it",
    ),
    "abnormal receipt not found by a check": (
        lambda: register_abnormal("x", "WB1", "east", ReceiptStep.SETTLED, ["d"], AT),
        "invalid_value",
        "step",
        422,
        "only a check finds an abnormal receipt",
    ),
    "abnormal receipt without a defect": (
        lambda: register_abnormal("x", "WB1", "east", ReceiptStep.RECEIVED, [], AT),
        "invalid_value",
        "defects",
        422,
        "an abnormal receipt has at least one defect",
    ),
    "receipt owner who is their own superior": (
        lambda: name_receipt_owner("east", "clerk-1", "王", "clerk-1", "王"),
        "invalid_value",
        "superior",
        422,
        "the receipt owner's superior must be someone else",
    ),
    "handover details on another step": (
        lambda: check_handover(ReceiptStep.SETTLED, "张销售", None),
        "invalid_value",
        "to",
        422,
        "only the handover names whom the receipt went to and its business owner",
    ),
    "envelope to its own branch": (
        lambda: seal_envelope("e1", "SH01", "SH01", ["W1"], AT),
        "invalid_value",
        "to_branch",
        422,
        "an envelope goes to another branch",
    ),
    "empty envelope": (
        lambda: seal_envelope("e1", "BJ02", "SH01", [], AT),
        "invalid_value",
        "waybills",
        422,
        "an envelope holds at least one receipt",
    ),
    "waybill twice in an envelope": (
        lambda: seal_envelope("e1", "BJ02", "SH01", ["W1", "W2", "W1"], AT),
        "invalid_value",
        "waybills",
        422,
        "a waybill is listed twice",
    ),
    "201 receipts in an envelope": (
        lambda: seal_envelope("e1", "BJ02", "SH01", [f"W{i}" for i in range(201)], AT),
        "invalid_value",
        "waybills",
        422,
        "an envelope holds at most 200 receipts",
    ),
    "envelope checked twice": (
        lambda: check_envelope(check_envelope(envelope(), ["W1"], AT), ["W1"], AT),
        "wrong_state",
        None,
        409,
        "envelope e1 was checked at 2026-11-03T10:00:00+08:00",
    ),
    "violation without a note": (
        lambda: record_violation("v1", "SH01", "east", ViolationKind.HARSH_TONE, " ", AT),
        "invalid_value",
        "note",
        422,
        "say what happened",
    ),
    "scan from off the route": (
        lambda: apply_scan(shipment(), ScanKind.DEPARTED, "BJ09", None, AT),
        "off_route",
        "station",
        409,
        "station 'BJ09' is not on the route of waybill WB1 (SH01 → CD01)",
    ),
    "arrival of a split shipment without its batch": (
        lambda: apply_scan(shipment(batches=2), ScanKind.ARRIVED_DESTINATION, "CD01", None, AT),
        "bad_batch",
        "batch",
        422,
        "waybill WB1 travels in 2 batches: an arrival scan must say which batch arrived",
    ),
    "batch outside the shipment's batches": (
        lambda: apply_scan(shipment(batches=2), ScanKind.ARRIVED_DESTINATION, "CD01", 3, AT),
        "bad_batch",
        "batch",
        422,
        "batch 3 is outside 1..2 for waybill WB1",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_each_refusal_has_its_code_field_status_and_words(case: str) -> None:
    act, code, field, status, detail = REFUSALS[case]
    with pytest.raises(DomainError) as refused:
        act()
    got = refused.value
    assert (got.code, got.field, got.http_status, got.detail) == (code, field, status, detail)


def test_an_envelope_holds_exactly_200_receipts() -> None:
    full = seal_envelope("e1", "BJ02", "SH01", [f"W{i}" for i in range(200)], AT)
    assert full.count == 200


NAIVE_TIMES: dict[str, tuple[Callable[[], object], str]] = {
    "register_exception": (
        lambda: register_exception(shipment(), "E1", ExceptionKind.DAMAGE, "SH01", "n", NAIVE),
        "at",
    ),
    "weekly summary start": (lambda: weekly_exception_summary([], NAIVE, AT), "week_start"),
    "weekly summary end": (lambda: weekly_exception_summary([], AT, NAIVE), "week_end"),
    "resolve_abnormal": (lambda: resolve_abnormal(abnormal(), NAIVE), "at"),
    "abnormal_penalty_at": (lambda: abnormal_penalty_at(abnormal(), NAIVE), "now"),
    "seal_envelope": (lambda: seal_envelope("e1", "BJ02", "SH01", ["W1"], NAIVE), "at"),
    "check_envelope": (lambda: check_envelope(envelope(), ["W1"], NAIVE), "at"),
    "record_violation": (
        lambda: record_violation("v1", "SH01", "east", ViolationKind.HARSH_TONE, "n", NAIVE),
        "at",
    ),
    "apply_scan": (lambda: apply_scan(shipment(), ScanKind.DEPARTED, "SH01", None, NAIVE), "at"),
    "promised arrival": (lambda: shipment(promised_arrival_at=NAIVE), "promised_arrival_at"),
    "dispatch": (lambda: shipment(dispatched_at=NAIVE), "dispatched_at"),
}


@pytest.mark.parametrize("case", sorted(NAIVE_TIMES))
def test_a_time_without_offset_is_refused_by_its_name(case: str) -> None:
    act, name = NAIVE_TIMES[case]
    with pytest.raises(ValueError) as refused:
        act()
    assert str(refused.value) == f"{name} must carry a UTC offset"


class _NoOffset(tzinfo):
    """A zone that cannot say its offset (utcoffset None): as unplaceable as no zone at all."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return None


def test_a_zone_without_an_offset_is_no_offset() -> None:
    with pytest.raises(ValueError, match=r"^at must carry a UTC offset$"):
        check_aware(datetime(2026, 11, 3, tzinfo=_NoOffset()), "at")
    check_aware(AT, "at")


SHAPES: list[tuple[dict[str, Any], str]] = [
    ({"waybill": " "}, "waybill must not be empty"),
    ({"batches": 0}, "batches must be at least 1"),
    (
        {"receipt": ReceiptRequirements(required=True, copies=0)},
        "a required receipt needs at least 1 copy",
    ),
    ({"transfers": 1}, "1 transfer(s) need as many transfer_branches, got 0"),
    ({"transfers": 3, "transfer_branches": ("A", "B", "C")}, "transfers must be 0, 1 or 2, not 3"),
]


@pytest.mark.parametrize(("over", "message"), SHAPES)
def test_a_misshapen_shipment_is_refused_in_words(over: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        shipment(**over)


def test_a_receipt_not_required_may_ask_for_no_copy() -> None:
    assert shipment(receipt=ReceiptRequirements(required=False, copies=0)).receipt.copies == 0


@pytest.mark.parametrize(
    ("handover", "received", "message"),
    [
        ([("W1", -1)], [], "handover list: pieces cannot be negative (waybill W1)"),
        ([("W1", 1)], [("W2", -2)], "received: pieces cannot be negative (waybill W2)"),
    ],
)
def test_negative_pieces_are_refused_naming_the_list_and_waybill(
    handover: list[tuple[str, int]], received: list[tuple[str, int]], message: str
) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        reconcile_truck(handover, received, {"W1", "W2"})


def test_a_received_line_of_zero_pieces_is_a_count_not_an_error() -> None:
    findings = reconcile_truck([("W1", 2)], [("W1", 0)], {"W1"})
    assert [(f.waybill, f.kind, f.note) for f in findings] == [
        ("W1", ExceptionKind.SHORTAGE, "listed 2 piece(s), none received")
    ]
