"""Receipt deadlines (10/15/20, at the latest 25 days) and the receipt life cycle (§4.3)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.logistics.domain import (
    Consignee,
    DomainError,
    LogisticsRules,
    Party,
    Receipt,
    ReceiptRequirements,
    ReceiptState,
    Shipment,
    advance_receipt,
    apply_scan,
    mark_receipt_lost,
    open_receipt,
    receipt_clock_from,
    receipt_defects,
    receipt_due_on,
    receipt_hard_limit_on,
    receipt_next_check_at,
    receipt_status,
    start_receipt_clock,
)
from shared.contracts.values import ReceiptStep, ScanKind

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")
ARRIVAL = datetime(2026, 11, 1, 14, 0, tzinfo=SH)


def on(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SH)


def receipt(transfers: int, arrival_at: datetime = ARRIVAL) -> Receipt:
    r = Receipt("WB3", "west", "SH01", transfers, ReceiptRequirements(required=True))
    return start_receipt_clock(r, arrival_at)


@pytest.mark.parametrize(
    ("transfers", "due", "hard"),
    [
        (0, date(2026, 11, 11), None),
        (1, date(2026, 11, 16), None),
        (2, date(2026, 11, 21), date(2026, 11, 26)),
    ],
)
def test_deadline_table(transfers: int, due: date, hard: date | None) -> None:
    assert receipt_due_on(transfers, ARRIVAL) == due
    assert receipt_hard_limit_on(transfers, ARRIVAL) == hard


@pytest.mark.parametrize(("transfers", "days"), [(0, 10), (1, 15), (2, 20)])
def test_overdue_the_day_after_the_last_day(transfers: int, days: int) -> None:
    r = receipt(transfers)
    last_day = date(2026, 11, 1) + timedelta(days=days)
    assert receipt_status(r, on(last_day, 23)) == (False, 0, False)
    assert receipt_status(r, on(last_day + timedelta(days=1), 0)) == (True, 1, False)
    assert receipt_status(r, on(last_day + timedelta(days=3))) == (True, 3, False)


def test_two_transfers_overdue_on_day_21_and_hard_breach_on_day_26_not_before() -> None:
    r = receipt(2)
    day = lambda n: on(date(2026, 11, 1) + timedelta(days=n))  # noqa: E731
    assert receipt_status(r, day(20)) == (False, 0, False)
    assert receipt_status(r, day(21)) == (True, 1, False)
    assert receipt_status(r, day(25)) == (True, 5, False)
    assert receipt_status(r, day(26)) == (True, 6, True)


def test_direct_and_one_transfer_never_hard_breach() -> None:
    for transfers in (0, 1):
        assert not receipt_status(receipt(transfers), on(date(2027, 1, 1))).hard_breach


def test_arrival_just_before_shanghai_midnight_counts_on_that_local_day() -> None:
    late_evening = datetime(2026, 11, 1, 23, 30, tzinfo=SH)
    assert receipt_due_on(0, late_evening) == date(2026, 11, 11)
    # The same instant given in UTC (15:30 on Nov 1) is still Nov 1 in Shanghai.
    assert receipt_due_on(0, late_evening.astimezone(UTC)) == date(2026, 11, 11)
    # 16:30 UTC on Nov 1 is already 00:30 on Nov 2 in Shanghai.
    assert receipt_due_on(0, datetime(2026, 11, 1, 16, 30, tzinfo=UTC)) == date(2026, 11, 12)
    r = receipt(0, late_evening)
    assert not receipt_status(r, datetime(2026, 11, 11, 15, 59, tzinfo=UTC)).overdue
    assert receipt_status(r, datetime(2026, 11, 11, 16, 0, tzinfo=UTC)).overdue


def test_split_shipment_counts_from_the_last_batch() -> None:
    s = Shipment(
        waybill="WB3",
        origin_branch="SH01",
        destination_branch="CD01",
        region="west",
        promised_arrival_at=on(date(2026, 11, 1)),
        dispatched_at=on(date(2026, 10, 28)),
        shipper=Party("甲", "1"),
        consignee=Consignee("乙", "2"),
        batches=2,
        receipt=ReceiptRequirements(required=True),
    )
    s, _ = apply_scan(s, ScanKind.ARRIVED_DESTINATION, "CD01", 1, on(date(2026, 11, 1)))
    s, _ = apply_scan(s, ScanKind.ARRIVED_DESTINATION, "CD01", 2, on(date(2026, 11, 4)))
    r = open_receipt(s)
    assert r is not None
    clock = receipt_clock_from(s)
    assert clock is not None
    r = start_receipt_clock(r, clock)
    assert r.due_on == date(2026, 11, 14)  # 10 days from Nov 4, not Nov 1
    assert not receipt_status(r, on(date(2026, 11, 14))).overdue


def test_deadline_days_are_configurable() -> None:
    rules = LogisticsRules(receipt_days_direct=7, receipt_days_hard_limit=30)
    assert receipt_due_on(0, ARRIVAL, rules) == date(2026, 11, 8)
    assert receipt_hard_limit_on(2, ARRIVAL, rules) == date(2026, 12, 1)


def test_more_than_two_transfers_is_refused() -> None:
    with pytest.raises(ValueError):
        receipt_due_on(3, ARRIVAL)


def test_no_receipt_when_not_required_and_no_clock_before_arrival() -> None:
    r = Receipt("WB3", "west", "SH01", 0, ReceiptRequirements(required=True))
    assert receipt_status(r, on(date(2027, 1, 1))) == (False, 0, False)
    assert receipt_next_check_at(r, on(date(2027, 1, 1))) is None


def test_life_cycle_in_order_and_returned_stops_the_clock() -> None:
    r = receipt(0)
    for step in (ReceiptStep.SIGNED, ReceiptStep.SENT):
        r = advance_receipt(r, step, on(date(2026, 11, 2)))
    assert r.state is ReceiptState.SENT
    r = advance_receipt(r, ReceiptStep.RECEIVED, on(date(2026, 11, 15)))
    # Received on day 14: it was late then, but returned receipts are no longer overdue.
    assert receipt_status(r, on(date(2026, 11, 20))) == (False, 0, False)
    # As of a moment before it came back, it was still out and overdue.
    assert receipt_status(r, on(date(2026, 11, 13))) == (True, 2, False)
    r = advance_receipt(r, ReceiptStep.HANDED_OVER, on(date(2026, 11, 16)))
    r = advance_receipt(r, ReceiptStep.SETTLED, on(date(2026, 11, 17)))
    assert r.state is ReceiptState.SETTLED and r.version == 6


def test_out_of_order_steps_are_refused() -> None:
    r = receipt(1)
    with pytest.raises(DomainError) as err:
        advance_receipt(r, ReceiptStep.SENT, ARRIVAL)
    assert err.value.code == "step_out_of_order" and "required" in err.value.detail
    signed = advance_receipt(r, ReceiptStep.SIGNED, ARRIVAL)
    with pytest.raises(DomainError):
        advance_receipt(signed, ReceiptStep.SETTLED, ARRIVAL)
    assert advance_receipt(signed, ReceiptStep.SIGNED, ARRIVAL) is signed  # a replay


def test_non_compliant_signing_must_be_redone() -> None:
    r = receipt(0)
    redo = advance_receipt(r, ReceiptStep.SIGNED, ARRIVAL, compliant=False)
    assert redo.state is ReceiptState.REDO and redo.redo_count == 1
    with pytest.raises(DomainError):
        advance_receipt(redo, ReceiptStep.SENT, ARRIVAL)
    again = advance_receipt(redo, ReceiptStep.SIGNED, ARRIVAL + timedelta(hours=2))
    assert again.state is ReceiptState.SIGNED


def test_origin_check_failing_sends_it_back_and_the_clock_keeps_running() -> None:
    r = receipt(0)
    for step in (ReceiptStep.SIGNED, ReceiptStep.SENT):
        r = advance_receipt(r, step, on(date(2026, 11, 2)))
    r = advance_receipt(r, ReceiptStep.RECEIVED, on(date(2026, 11, 5)), compliant=False)
    assert r.state is ReceiptState.REDO and r.received_at is None
    assert receipt_status(r, on(date(2026, 11, 12))) == (True, 1, False)


def test_compliance_is_not_judged_at_later_steps() -> None:
    r = advance_receipt(receipt(0), ReceiptStep.SIGNED, ARRIVAL)
    with pytest.raises(DomainError):
        advance_receipt(r, ReceiptStep.SENT, ARRIVAL, compliant=False)


def test_defects_against_the_requirements() -> None:
    req = ReceiptRequirements(required=True, signature=True, stamp=True, id_number=True, copies=2)
    assert receipt_defects(req, signature=True, stamp=True, id_number=True, copies=2) == []
    assert receipt_defects(req, signature=False, stamp=False, id_number=False, copies=1) == [
        "the consignee's signature is missing",
        "the company stamp is missing",
        "the ID number is missing",
        "2 copies are required, 1 signed",
    ]


def test_next_check_is_the_end_of_the_due_day_then_daily() -> None:
    r = receipt(0)
    assert receipt_next_check_at(r, ARRIVAL) == datetime(2026, 11, 12, tzinfo=SH)
    assert receipt_next_check_at(r, on(date(2026, 11, 13))) == datetime(2026, 11, 14, tzinfo=SH)


def test_a_lost_receipt_records_its_loss() -> None:
    r = mark_receipt_lost(receipt(0), 12_345, on(date(2026, 11, 20)))
    assert r.loss_fen == 12_345 and r.lost_at == on(date(2026, 11, 20))
    with pytest.raises(DomainError):
        mark_receipt_lost(receipt(0), -1, ARRIVAL)
