"""The contract's money to the fen (DOMAIN.md §2.1): plan defaults, exact boundaries, the
deposit fallback, configured due days, and the properties every split keeps."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.projects.domain import (
    DEFAULT_DEPOSIT_FEN,
    DEPOSIT_MAX_FEN,
    DEPOSIT_MIN_FEN,
    PAYMENT_DUE_DAYS,
    Due,
    PaymentPlan,
    PlannedInstallment,
    default_plan,
    due_on_after,
    is_overdue,
    plan_installments,
    split_amount,
    validate_deposit,
)
from shared.contracts.values import Installment, Stage
from shared.errors import DomainError, Invalid

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")
SIGNED = datetime(2026, 3, 10, 15, 0, tzinfo=SH)
TICK = timedelta(microseconds=1)
FIRST, MIDTERM, FINAL = Installment.FIRST, Installment.MIDTERM, Installment.FINAL


def invalid(call: object) -> Invalid:
    with pytest.raises(Invalid) as caught:
        call()  # type: ignore[operator]
    return caught.value


# --- the plan -----------------------------------------------------------------------------


def test_a_plan_made_without_figures_is_the_seeds_65_30_5() -> None:
    plan = PaymentPlan()
    assert (plan.first_pct, plan.midterm_pct, plan.final_pct) == (65, 30, 5)
    assert plan == default_plan()
    assert [plan.pct(i) for i in (FIRST, MIDTERM, FINAL)] == [65, 30, 5]


def test_a_plan_may_put_everything_on_one_instalment() -> None:
    assert PaymentPlan(100, 0, 0).pct(FIRST) == 100
    assert PaymentPlan(0, 100, 0).pct(MIDTERM) == 100
    assert PaymentPlan(0, 0, 100).pct(FINAL) == 100


@pytest.mark.parametrize(
    ("shares", "detail"),
    [
        ((101, -1, 0), "each share is a whole percent 0–100, got 101"),
        ((-1, 101, 0), "each share is a whole percent 0–100, got -1"),
        ((True, 99, 0), "each share is a whole percent 0–100, got True"),
        ((65.0, 30, 5), "each share is a whole percent 0–100, got 65.0"),
        ((60, 30, 5), "shares must sum to 100 %, got 60+30+5"),
    ],
)
def test_a_plan_refuses_shares_that_are_no_whole_percent_or_miss_100(
    shares: tuple[int, int, int], detail: str
) -> None:
    error = invalid(lambda: PaymentPlan(*shares))
    assert (error.field, error.detail, error.code) == ("plan", detail, "invalid_value")


# --- the split ----------------------------------------------------------------------------


def test_a_contract_equal_to_the_deposit_is_refused_one_fen_more_is_split() -> None:
    with pytest.raises(DomainError) as caught:
        split_amount(50_000, 50_000, default_plan())
    assert caught.value.code == "contract_below_deposit"
    assert caught.value.detail == (
        "the contract amount 500.00 yuan does not exceed the deposit paid 500.00 yuan"
    )
    # 1 fen is left: the final and the midterm are empty, the first takes it.
    assert split_amount(50_001, 50_000, default_plan()) == {FIRST: 1, MIDTERM: 0, FINAL: 0}


def test_a_deposit_above_the_final_share_comes_off_the_midterm_then_the_first() -> None:
    # 50/50/0 on 1,000 fen with 600 paid: midterm 500 - 600 < 0, so the first pays for it.
    assert split_amount(1_000, 600, PaymentPlan(50, 50, 0)) == {FIRST: 400, MIDTERM: 0, FINAL: 0}
    # 50/40/10 on 1,000 fen with 300 paid: the final's 100 is 200 short, the midterm covers it.
    assert split_amount(1_000, 300, PaymentPlan(50, 40, 10)) == {FIRST: 500, MIDTERM: 200, FINAL: 0}
    # exactly the final share: nothing moves.
    assert split_amount(1_000, 100, PaymentPlan(50, 40, 10)) == {FIRST: 500, MIDTERM: 400, FINAL: 0}


def test_the_final_takes_the_rounding_remainder_to_the_fen() -> None:
    assert split_amount(999, 0, PaymentPlan(33, 33, 34)) == {FIRST: 329, MIDTERM: 329, FINAL: 341}


# --- the rows -----------------------------------------------------------------------------


def test_rows_carry_their_clock_stage_days_and_payments() -> None:
    midterm_at = datetime(2026, 5, 1, 9, tzinfo=SH)
    rows = plan_installments(
        1_000_000,
        50_000,
        default_plan(),
        SIGNED,
        additions_fen=7_000,
        midterm_accepted_at=midterm_at,
        paid_fen={FIRST: 650_000, MIDTERM: 1},
        due_days=5,
    )
    assert rows == [
        PlannedInstallment(
            FIRST,
            650_000,
            Stage.CONTRACT,
            0,
            Due(date(2026, 3, 10), datetime(2026, 3, 11, tzinfo=SH)),
            650_000,
        ),
        PlannedInstallment(
            MIDTERM,
            307_000,
            Stage.MIDTERM_ACCEPTED,
            5,
            Due(date(2026, 5, 6), datetime(2026, 5, 7, tzinfo=SH)),
            1,
        ),
        PlannedInstallment(FINAL, 0, Stage.COMPLETED, 5, None, 0),
    ]
    assert rows[0].fully_paid and not rows[1].fully_paid
    assert (rows[1].outstanding_fen, rows[1].due_on, rows[2].due_on, rows[2].due_at) == (
        306_999,
        date(2026, 5, 6),
        None,
        None,
    )


def test_the_default_due_days_are_three_for_midterm_and_final() -> None:
    completed = datetime(2026, 6, 1, 10, tzinfo=SH)
    rows = plan_installments(1_000_000, 50_000, default_plan(), SIGNED, completed_at=completed)
    assert [r.due_days for r in rows] == [0, PAYMENT_DUE_DAYS, PAYMENT_DUE_DAYS] == [0, 3, 3]
    assert rows[2].due_on == date(2026, 6, 4)
    assert rows[0].paid_fen == 0
    assert due_on_after(completed) == Due(date(2026, 6, 4), datetime(2026, 6, 5, tzinfo=SH))


def test_an_instalment_is_overdue_from_its_bound_unless_fully_paid() -> None:
    row = PlannedInstallment(FINAL, 100, Stage.COMPLETED, 3, due_on_after(SIGNED), 99)
    bound = datetime(2026, 3, 14, tzinfo=SH)
    assert row.due_at == bound
    assert not is_overdue(row, bound - TICK)
    assert is_overdue(row, bound)
    paid = PlannedInstallment(FINAL, 100, Stage.COMPLETED, 3, due_on_after(SIGNED), 100)
    assert paid.fully_paid and paid.outstanding_fen == 0
    assert not is_overdue(paid, bound)
    over = PlannedInstallment(FINAL, 100, Stage.COMPLETED, 3, None, 150)
    assert over.outstanding_fen == 0
    assert not is_overdue(over, bound)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda naive: due_on_after(naive), "at"),
        (lambda naive: plan_installments(1_000, 0, default_plan(), naive), "signed_at"),
        (
            lambda naive: is_overdue(PlannedInstallment(FIRST, 1, Stage.CONTRACT, 0), naive),
            "now",
        ),
    ],
)
def test_a_time_without_offset_is_refused_naming_the_field(call: object, field: str) -> None:
    error = invalid(lambda: call(datetime(2026, 3, 10, 15)))  # type: ignore[operator]
    assert (error.field, error.detail) == (field, "a time must carry its UTC offset")


# --- the deposit --------------------------------------------------------------------------


def test_a_deposit_of_exactly_500_or_1000_yuan_is_accepted() -> None:
    assert (DEPOSIT_MIN_FEN, DEPOSIT_MAX_FEN, DEFAULT_DEPOSIT_FEN) == (50_000, 100_000, 50_000)
    assert validate_deposit(50_000) == 50_000
    assert validate_deposit(100_000) == 100_000


@pytest.mark.parametrize("amount", [49_999, 100_001])
def test_a_deposit_one_fen_outside_the_range_is_refused_with_the_range(amount: int) -> None:
    error = invalid(lambda: validate_deposit(amount))
    assert error.field == "amount_fen"
    assert error.detail == (
        f"a design deposit is 500.00 yuan to 1,000.00 yuan (50,000–100,000 fen), got {amount:,} fen"
    )


def test_a_configured_deposit_range_is_the_one_applied() -> None:
    assert validate_deposit(20_000, min_fen=20_000, max_fen=30_000) == 20_000
    error = invalid(lambda: validate_deposit(50_000, min_fen=20_000, max_fen=30_000))
    assert error.detail.startswith("a design deposit is 200.00 yuan to 300.00 yuan")


@pytest.mark.parametrize("amount", [True, 60_000.0, "60000"])
def test_a_deposit_is_a_whole_number_of_fen(amount: object) -> None:
    error = invalid(lambda: validate_deposit(amount))  # type: ignore[arg-type]
    assert (error.field, error.detail) == ("amount_fen", "a deposit is a whole number of fen")


# --- properties ---------------------------------------------------------------------------

PLANS = st.integers(0, 100).flatmap(
    lambda first: st.integers(0, 100 - first).map(
        lambda midterm: PaymentPlan(first, midterm, 100 - first - midterm)
    )
)


@settings(max_examples=100, derandomize=True)
@given(
    plan=PLANS,
    deposit=st.integers(0, 200_000),
    over=st.integers(1, 10**10),
    additions=st.integers(0, 10**8),
)
def test_instalments_add_up_to_the_contract_plus_additions_less_the_deposit_once(
    plan: PaymentPlan, deposit: int, over: int, additions: int
) -> None:
    amount = deposit + over
    rows = plan_installments(amount, deposit, plan, SIGNED, additions_fen=additions)
    assert sum(r.amount_fen for r in rows) + deposit == amount + additions
    assert all(r.amount_fen >= 0 for r in rows)
    parts = split_amount(amount, deposit, plan)
    # The first never exceeds its share and the midterm never exceeds its share: the deposit is
    # taken off (never added), and only once, whatever instalment it lands on.
    assert parts[FIRST] <= amount * plan.first_pct // 100
    assert parts[MIDTERM] <= amount * plan.midterm_pct // 100
    assert rows[1].amount_fen == parts[MIDTERM] + additions


@settings(max_examples=100, derandomize=True)
@given(plan=PLANS, amount=st.integers(1, 10**10), deposit=st.integers(0, 10**6))
def test_a_bigger_deposit_never_raises_what_is_left_to_pay(
    plan: PaymentPlan, amount: int, deposit: int
) -> None:
    if amount <= deposit + 1:
        return
    less = split_amount(amount, deposit, plan)
    more = split_amount(amount, deposit + 1, plan)
    assert sum(more.values()) == sum(less.values()) - 1
