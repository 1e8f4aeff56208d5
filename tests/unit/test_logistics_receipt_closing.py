"""Receipts that end without finance (日回单管理 2), 3)): a cash-paid receipt cancelled and the
customer told, a receipt the customer collects at the origin written off — and either stops its
clock, its chase and its 50-yuan penalty from then on."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.logistics.domain import (
    VOID,
    Closure,
    DomainError,
    Receipt,
    ReceiptRequirements,
    ReceiptState,
    advance_receipt,
    cancel_cash_paid,
    cancelled_holder,
    monthly_receipts_report,
    receipt_next_check_at,
    receipt_status,
    returned_by,
    start_receipt_clock,
    went_overdue_on,
    write_off_collected,
)
from shared.contracts.values import ReceiptStep

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")
ARRIVED = datetime(2026, 11, 2, 9, tzinfo=SH)  # direct: due 12 Nov
AT = datetime(2026, 11, 5, 10, tzinfo=SH)
TICK = timedelta(microseconds=1)


def receipt(*steps: ReceiptStep) -> Receipt:
    r = start_receipt_clock(
        Receipt("WB1", "east", "SH01", 0, ReceiptRequirements(required=True)), ARRIVED
    )
    for i, step in enumerate(steps):
        r = advance_receipt(r, step, ARRIVED + timedelta(hours=i + 1))
    return r


OPEN_STATES = [
    (),
    (ReceiptStep.SIGNED,),
    (ReceiptStep.SIGNED, ReceiptStep.SENT),
    (ReceiptStep.SIGNED, ReceiptStep.SENT, ReceiptStep.RECEIVED),
    (ReceiptStep.SIGNED, ReceiptStep.SENT, ReceiptStep.RECEIVED, ReceiptStep.HANDED_OVER),
]


@pytest.mark.parametrize("steps", OPEN_STATES)
def test_duty_cash_paid_receipt_is_cancelled_wherever_it_is(steps: tuple[ReceiptStep, ...]) -> None:
    before = receipt(*steps)
    r = cancel_cash_paid(before, AT)
    assert (r.state, r.closed_at, r.version) == (ReceiptState.CANCELLED, AT, before.version + 1)
    assert r.steps == before.steps
    # 做好交接: back at the origin it goes to the customer; still out, nobody returns it.
    back = ReceiptStep.RECEIVED in steps
    assert cancelled_holder(before) == ("customer" if back else VOID)


def test_duty_cash_paid_receipt_redone_is_cancelled_too() -> None:
    redo = advance_receipt(receipt(ReceiptStep.SIGNED), ReceiptStep.SIGNED, AT, compliant=False)
    assert redo.state is ReceiptState.REDO
    assert cancel_cash_paid(redo, AT).state is ReceiptState.CANCELLED
    assert cancelled_holder(redo) == VOID


def test_duty_cash_paid_receipt_cannot_be_cancelled_once_ended() -> None:
    settled = receipt(
        ReceiptStep.SIGNED,
        ReceiptStep.SENT,
        ReceiptStep.RECEIVED,
        ReceiptStep.HANDED_OVER,
        ReceiptStep.SETTLED,
    )
    for ended in (settled, cancel_cash_paid(receipt(), AT), collected()):
        with pytest.raises(DomainError) as err:
            cancel_cash_paid(ended, AT)
        assert err.value.code == "wrong_state"
        assert f"is {ended.state.value}: it cannot be cancelled" in err.value.detail


def collected() -> Receipt:
    back = receipt(ReceiptStep.SIGNED, ReceiptStep.SENT, ReceiptStep.RECEIVED)
    return write_off_collected(back, "王芳", AT)


def test_duty_customer_collects_receipt_at_the_origin_and_it_is_written_off() -> None:
    back = receipt(ReceiptStep.SIGNED, ReceiptStep.SENT, ReceiptStep.RECEIVED)
    r = write_off_collected(back, " 王芳 ", AT)
    assert (r.state, r.closed_at, r.version) == (ReceiptState.WRITTEN_OFF, AT, back.version + 1)
    assert r.steps == back.steps and returned_by(r, r.steps[ReceiptStep.RECEIVED])


@pytest.mark.parametrize("steps", [s for s in OPEN_STATES if ReceiptStep.RECEIVED not in s[-1:]])
def test_duty_customer_collects_receipt_only_once_received_at_the_origin(
    steps: tuple[ReceiptStep, ...],
) -> None:
    with pytest.raises(DomainError) as err:
        write_off_collected(receipt(*steps), "王芳", AT)
    assert err.value.code == "wrong_state"
    assert "a customer collects it once it is received at the origin" in err.value.detail


def test_duty_customer_collects_receipt_names_who_signed_for_it() -> None:
    back = receipt(ReceiptStep.SIGNED, ReceiptStep.SENT, ReceiptStep.RECEIVED)
    with pytest.raises(DomainError) as err:
        write_off_collected(back, "  ", AT)
    assert (err.value.code, err.value.field) == ("invalid_value", "collected_by")
    assert err.value.detail == "who collected the receipt is required"


def test_closing_needs_an_aware_time() -> None:
    naive = datetime(2026, 11, 5, 10)
    back = receipt(ReceiptStep.SIGNED, ReceiptStep.SENT, ReceiptStep.RECEIVED)
    for close in (
        lambda: cancel_cash_paid(back, naive),
        lambda: write_off_collected(back, "王", naive),
    ):
        with pytest.raises(ValueError, match="at must carry a UTC offset"):
            close()


def test_duty_cash_paid_receipt_cancelled_stops_its_clock_and_chase() -> None:
    r = cancel_cash_paid(receipt(ReceiptStep.SIGNED), AT)
    late = datetime(2026, 11, 20, 10, tzinfo=SH)
    assert receipt_status(r, late) == (False, 0, False)
    assert receipt_next_check_at(r, late) is None
    # Before the cancellation it was out like any other.
    assert not returned_by(r, AT - TICK) and returned_by(r, AT)
    # Cancelled before its due day: it never went overdue, no 50 yuan.
    assert went_overdue_on(r) is None
    # Cancelled after it went overdue: it did go overdue (13 Nov) and is charged that month.
    after = cancel_cash_paid(receipt(ReceiptStep.SIGNED), late)
    assert went_overdue_on(after) == datetime(2026, 11, 13).date()


def test_duty_closed_receipts_are_not_unreturned_at_month_end() -> None:
    cancelled = cancel_cash_paid(receipt(), AT)
    written_off = collected()
    out = replace(receipt(), waybill="WB2")
    [line] = monthly_receipts_report([cancelled, written_off, out], "2026-11")
    assert (line.unreturned, line.overdue, line.overdue_waybills) == (1, 1, ("WB2",))
    assert line.chase_penalty_waybills == ("WB2",) and line.overdue_penalty_fen == 5000


def test_closures_are_named() -> None:
    assert [c.value for c in Closure] == ["cash_paid", "collected"]
