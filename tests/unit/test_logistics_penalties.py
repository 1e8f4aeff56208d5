"""The receipt arithmetic that becomes money (§4.3): counts per region, the month's edges in
Asia/Shanghai, configured figures, and the errors a clerk sees, pinned exactly."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.logistics.domain import (
    DEFAULT_RULES,
    INVALID_VALUE,
    STEP_OUT_OF_ORDER,
    DomainError,
    LogisticsRules,
    Receipt,
    ReceiptRequirements,
    ReceiptState,
    advance_receipt,
    lost_receipt_split,
    mark_receipt_lost,
    monthly_receipts_report,
    open_receipt,
    parse_month,
    parse_week,
    receipt_due_on,
    receipt_hard_limit_on,
    receipt_next_check_at,
    receipt_status,
    report_csv,
    returned_by,
    start_receipt_clock,
)
from services.logistics.domain.shipments import Consignee, Party, Shipment
from shared.calendar import local_date
from shared.contracts.values import ReceiptStep

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")
REQUIRED = ReceiptRequirements(required=True)
NOV_START = datetime(2026, 11, 1, tzinfo=SH)
DEC_START = datetime(2026, 12, 1, tzinfo=SH)
TICK = timedelta(microseconds=1)


def exactly(message: str) -> str:
    """A `match` pattern for this whole message and nothing else."""
    return f"^{re.escape(message)}$"


def t(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=SH)


def clocked(waybill: str, region: str, transfers: int, arrival: datetime, **rules: Any) -> Receipt:
    r = Receipt(waybill, region, "SH01", transfers, REQUIRED)
    return start_receipt_clock(r, arrival, LogisticsRules(**rules) if rules else DEFAULT_RULES)


def returned(r: Receipt, at: datetime) -> Receipt:
    for step in (ReceiptStep.SIGNED, ReceiptStep.SENT, ReceiptStep.RECEIVED):
        r = advance_receipt(r, step, at)
    return r


def november(receipts: list[Receipt], rules: LogisticsRules = DEFAULT_RULES) -> Any:
    (line,) = monthly_receipts_report(receipts, "2026-11", rules)
    return line


# --- the monthly report: every record counts, each once -------------------------------------


def test_hard_breaches_are_counted_not_fined_and_late_receipts_charged_once() -> None:
    """最迟25天 is a deadline, not the 100-yuan penalty (that is for abnormal signings): three
    breaches are counted in November; their 50 yuan each fell due in October, when they went
    overdue."""
    three = [clocked(f"H{i}", "east", 2, t(10, 1 + i)) for i in range(3)]
    line = november(three)
    assert (line.overdue, line.hard_breaches) == (3, 3)
    assert (line.hard_breach_penalty_fen, line.overdue_penalty_fen, line.penalties_fen) == (0, 0, 0)
    (october,) = monthly_receipts_report(three, "2026-10")
    assert october.chase_penalty_waybills == ("H0", "H1", "H2")
    assert october.penalties_fen == 3 * 5_000


def test_every_lost_receipt_of_the_month_adds_its_staff_and_company_share() -> None:
    losses = [
        mark_receipt_lost(clocked("L1", "west", 0, t(10, 1)), 10_001, t(11, 3)),
        mark_receipt_lost(clocked("L2", "west", 0, t(10, 2)), 3_000, t(11, 20)),
    ]
    line = november(losses)
    assert line.lost == 2
    assert (line.lost_staff_fen, line.lost_company_fen) == (5_000 + 1_500, 5_001 + 1_500)
    assert line.penalties_fen == line.overdue_penalty_fen + 6_500


def test_the_configured_staff_share_of_a_loss_is_used() -> None:
    lost = mark_receipt_lost(clocked("L1", "west", 0, t(10, 1)), 10_000, t(11, 3))
    line = november([lost], LogisticsRules(lost_receipt_staff_pct=30))
    assert (line.lost_staff_fen, line.lost_company_fen) == (3_000, 7_000)


def test_a_loss_counts_in_the_month_it_happened_from_local_midnight_to_midnight() -> None:
    base = clocked("L", "west", 0, t(9, 1))
    at_start = november([mark_receipt_lost(base, 100, NOV_START)])
    assert at_start.lost == 1
    at_end = november([mark_receipt_lost(base, 100, DEC_START)])
    assert at_end.lost == 0
    last_instant = november([mark_receipt_lost(base, 100, DEC_START - TICK)])
    assert last_instant.lost == 1


def test_a_receipt_arriving_at_the_first_instant_of_the_next_month_is_not_counted() -> None:
    assert november([clocked("A", "east", 0, DEC_START)]).unreturned == 0
    assert november([clocked("A", "east", 0, DEC_START - TICK)]).unreturned == 1


def test_a_receipt_back_in_the_last_microsecond_of_the_month_is_returned() -> None:
    late = clocked("B", "east", 0, t(10, 1))
    assert november([returned(late, DEC_START - TICK)]).unreturned == 0
    assert november([returned(late, DEC_START)]).unreturned == 1


def test_report_csv_ends_lines_with_a_bare_newline() -> None:
    text = report_csv(monthly_receipts_report([clocked("A", "east", 0, t(10, 1))], "2026-11"))
    assert "\r" not in text
    assert text.endswith(",A,0,,,0,0,,,\n")


# --- the split of a loss ------------------------------------------------------------------


def test_a_loss_split_accepts_a_share_of_zero_and_of_a_hundred_percent() -> None:
    assert lost_receipt_split(999, 0) == (0, 999)
    assert lost_receipt_split(999, 100) == (999, 0)
    assert lost_receipt_split(999, 1) == (9, 990)
    assert lost_receipt_split(999, 99) == (989, 10)


@pytest.mark.parametrize(
    ("loss", "pct", "message"),
    [
        (-1, 50, "a loss cannot be negative"),
        (100, -1, "the staff share is a percentage between 0 and 100"),
        (100, 101, "the staff share is a percentage between 0 and 100"),
    ],
)
def test_a_loss_split_refuses_what_is_no_loss_or_no_share(
    loss: int, pct: int, message: str
) -> None:
    with pytest.raises(ValueError, match=exactly(message)):
        lost_receipt_split(loss, pct)


# --- months and weeks -----------------------------------------------------------------------


def test_month_and_week_labels_say_what_they_expect() -> None:
    with pytest.raises(ValueError, match=exactly("month must look like YYYY-MM")):
        parse_month("2026-13")
    with pytest.raises(ValueError, match=exactly("week must look like YYYY-Www")):
        parse_week("2026-45")
    with pytest.raises(ValueError, match=exactly("no such ISO week: 2026-W54")):
        parse_week(" 2026-W54 ")


def test_a_week_runs_from_monday_midnight_in_shanghai() -> None:
    assert parse_week(" 2026-W45 ") == (t(11, 2, 0), t(11, 9, 0))


# --- deadlines and status -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda naive: receipt_due_on(0, naive), "arrival_at"),
        (lambda naive: receipt_hard_limit_on(2, naive), "arrival_at"),
        (lambda naive: receipt_status(clocked("A", "e", 0, t(11, 1)), naive), "now"),
        (lambda naive: receipt_next_check_at(clocked("A", "e", 0, t(11, 1)), naive), "now"),
        (
            lambda naive: advance_receipt(
                clocked("A", "e", 0, t(11, 1)), ReceiptStep.SIGNED, naive
            ),
            "at",
        ),
        (lambda naive: mark_receipt_lost(clocked("A", "e", 0, t(11, 1)), 1, naive), "at"),
    ],
)
def test_a_time_without_offset_is_refused_by_name(
    call: Callable[[datetime], object], name: str
) -> None:
    with pytest.raises(ValueError, match=exactly(f"{name} must carry a UTC offset")):
        call(datetime(2026, 11, 1, 12))


def test_configured_deadlines_are_the_ones_the_clock_starts_with() -> None:
    two = clocked("A", "e", 2, t(11, 1), receipt_days_two_transfers=7, receipt_days_hard_limit=9)
    assert (two.due_on, two.hard_limit_on) == (date(2026, 11, 8), date(2026, 11, 10))
    direct = clocked("B", "e", 0, t(11, 1), receipt_days_direct=3)
    assert (direct.due_on, direct.hard_limit_on) == (date(2026, 11, 4), None)


def test_opening_a_receipt_keeps_the_shipments_waybill_region_branch_and_requirements() -> None:
    req = ReceiptRequirements(required=True, stamp=True, copies=2)
    shipment = Shipment(
        waybill="WB9",
        origin_branch="SZ02",
        destination_branch="GZ01",
        region="south",
        promised_arrival_at=t(11, 5),
        dispatched_at=t(11, 1),
        shipper=Party("S", "13800000001"),
        consignee=Consignee("C", "13800000002"),
        transfers=1,
        transfer_branches=("HZ01",),
        receipt=req,
    )
    r = open_receipt(shipment)
    assert r == Receipt("WB9", "south", "SZ02", 1, req)


def test_a_receipt_is_returned_from_the_instant_it_is_received() -> None:
    r = returned(clocked("A", "e", 0, t(11, 1)), t(11, 3))
    assert returned_by(r, t(11, 3))
    assert not returned_by(r, t(11, 3) - TICK)


def test_the_next_check_at_the_instant_a_receipt_becomes_overdue_is_the_next_midnight() -> None:
    r = clocked("A", "e", 0, t(11, 1))  # due Nov 11: overdue from Nov 12 00:00
    assert receipt_next_check_at(r, t(11, 12, 0) - TICK) == t(11, 12, 0)
    assert receipt_next_check_at(r, t(11, 12, 0)) == t(11, 13, 0)
    assert receipt_next_check_at(returned(r, t(11, 5)), t(11, 6)) is None


# --- steps, redo and loss -------------------------------------------------------------------


def test_compliance_judged_at_a_later_step_is_refused_with_its_field() -> None:
    r = advance_receipt(clocked("A", "e", 0, t(11, 1)), ReceiptStep.SIGNED, t(11, 2))
    with pytest.raises(DomainError) as caught:
        advance_receipt(r, ReceiptStep.SENT, t(11, 3), compliant=False)
    assert (caught.value.code, caught.value.field) == (INVALID_VALUE, "compliant")
    assert caught.value.detail == (
        "compliance is checked when the receipt is signed and when the origin receives it"
    )


def test_a_step_out_of_order_says_what_it_may_follow() -> None:
    r = clocked("A", "e", 0, t(11, 1))
    with pytest.raises(DomainError) as caught:
        advance_receipt(r, ReceiptStep.RECEIVED, t(11, 2))
    assert (caught.value.code, caught.value.field) == (STEP_OUT_OF_ORDER, "step")
    assert caught.value.detail == "receipt of waybill A is required: received can only follow sent"
    with pytest.raises(DomainError) as signed_twice:
        advance_receipt(returned(r, t(11, 2)), ReceiptStep.SIGNED, t(11, 3))
    assert signed_twice.value.detail.endswith("signed can only follow required, redo")


def test_a_failed_check_right_after_signing_sends_it_back_to_redo() -> None:
    signed = advance_receipt(clocked("A", "e", 0, t(11, 1)), ReceiptStep.SIGNED, t(11, 2))
    redo = advance_receipt(signed, ReceiptStep.SIGNED, t(11, 2, 13), compliant=False)
    assert (redo.state, redo.redo_count, redo.steps) == (ReceiptState.REDO, 1, {})
    assert redo.version == signed.version + 1


def test_a_failed_check_from_a_state_it_cannot_follow_is_still_out_of_order() -> None:
    fresh = clocked("A", "e", 0, t(11, 1))
    with pytest.raises(DomainError) as caught:
        advance_receipt(fresh, ReceiptStep.RECEIVED, t(11, 2), compliant=False)
    assert caught.value.code == STEP_OUT_OF_ORDER


def test_a_failed_origin_check_forgets_signing_sending_and_receiving() -> None:
    back = returned(clocked("A", "e", 0, t(11, 1)), t(11, 2))
    redo = advance_receipt(back, ReceiptStep.RECEIVED, t(11, 3), compliant=False)
    assert redo.steps == {}
    assert redo.state is ReceiptState.REDO
    assert (redo.redo_count, redo.version) == (1, back.version + 1)
    again = advance_receipt(redo, ReceiptStep.SIGNED, t(11, 4), compliant=False)
    assert (again.redo_count, again.version) == (2, redo.version + 1)


def test_a_loss_of_zero_is_recorded_and_a_negative_one_refused_by_field() -> None:
    r = clocked("A", "e", 0, t(11, 1))
    lost = mark_receipt_lost(r, 0, t(11, 20))
    assert (lost.lost_at, lost.loss_fen, lost.version) == (t(11, 20), 0, r.version + 1)
    with pytest.raises(DomainError) as caught:
        mark_receipt_lost(r, -1, t(11, 20))
    assert (caught.value.code, caught.value.detail, caught.value.field) == (
        INVALID_VALUE,
        "a loss cannot be negative",
        "loss_fen",
    )


def test_a_receipt_already_back_cannot_be_lost() -> None:
    back = returned(clocked("A", "e", 0, t(11, 1)), t(11, 2))
    with pytest.raises(DomainError) as caught:
        mark_receipt_lost(back, 100, t(11, 5))
    assert (caught.value.code, caught.value.field) == (STEP_OUT_OF_ORDER, None)
    assert caught.value.detail == "receipt of waybill A is already back at the origin"
    assert mark_receipt_lost(back, 100, t(11, 2) - TICK).lost_at == t(11, 2) - TICK


# --- properties -----------------------------------------------------------------------------

INSTANTS = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(SH)
)
DAYS = st.lists(st.integers(0, 40), min_size=3, max_size=3).map(sorted)


@settings(max_examples=100, derandomize=True)
@given(arrival=INSTANTS, days=DAYS, extra=st.integers(0, 10))
def test_deadlines_never_shrink_as_transfers_are_added(
    arrival: datetime, days: list[int], extra: int
) -> None:
    rules = LogisticsRules(*days, receipt_days_hard_limit=days[2] + extra)
    due = [receipt_due_on(n, arrival, rules) for n in range(3)]
    assert due == sorted(due)
    assert [receipt_due_on(n, arrival) for n in range(3)] == [
        local_date(arrival) + timedelta(days=d) for d in (10, 15, 20)
    ]
    hard = receipt_hard_limit_on(2, arrival, rules)
    assert hard is not None and hard >= due[2]


RECEIPTS = st.lists(
    st.tuples(
        st.sampled_from(["east", "west", "north"]),
        st.integers(0, 2),
        st.datetimes(
            min_value=datetime(2026, 9, 1), max_value=datetime(2026, 12, 5), timezones=st.just(SH)
        ),
        st.one_of(st.none(), st.integers(0, 50_000)),
    ),
    max_size=8,
)


def _make(specs: list[tuple[str, int, datetime, int | None]], prefix: str) -> list[Receipt]:
    made = []
    for i, (region, transfers, arrival, loss) in enumerate(specs):
        r = clocked(f"{prefix}{i}", region, transfers, arrival)
        if loss is not None:
            r = mark_receipt_lost(r, loss, arrival + timedelta(days=3))
        made.append(r)
    return made


def _totals(receipts: list[Receipt], rules: LogisticsRules) -> dict[str, tuple[int, ...]]:
    return {
        line.region: (
            line.unreturned,
            line.overdue,
            line.hard_breaches,
            line.lost,
            line.lost_staff_fen,
            line.lost_company_fen,
            line.penalties_fen,
        )
        for line in monthly_receipts_report(receipts, "2026-11", rules)
    }


@settings(max_examples=50, derandomize=True)
@given(a=RECEIPTS, b=RECEIPTS, staff_pct=st.integers(0, 100))
def test_penalties_are_additive_over_receipts_and_regions(
    a: list[tuple[str, int, datetime, int | None]],
    b: list[tuple[str, int, datetime, int | None]],
    staff_pct: int,
) -> None:
    rules = LogisticsRules(lost_receipt_staff_pct=staff_pct, penalty_overdue_fen=4_900)
    first, second = _make(a, "A"), _make(b, "B")
    together = _totals(first + second, rules)
    apart = [_totals(first, rules), _totals(second, rules)]
    for region, figures in together.items():
        parts = [side.get(region, (0,) * len(figures)) for side in apart]
        assert figures == tuple(x + y for x, y in zip(*parts, strict=True))
    lines = monthly_receipts_report(first + second, "2026-11", rules)
    for line in lines:
        assert line.penalties_fen == len(line.chase_penalty_waybills) * 4_900 + line.lost_staff_fen
        assert line.late == len(line.chase_penalty_waybills) + len(line.excused_waybills)
    assert [line.region for line in lines] == sorted(together)
