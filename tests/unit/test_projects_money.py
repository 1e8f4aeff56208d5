"""Money rules: the 65/30/5 plan in integer fen, due dates, payments and overdue checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.projects.config import ProjectsSettings
from services.projects.domain import (
    Approval,
    PaymentPlan,
    Project,
    StageEntry,
    add_item,
    approve,
    default_plan,
    due_on_after,
    enter_stage,
    is_overdue,
    open_project,
    overdue_installments,
    plan_installments,
    project_installments,
    record_payment,
    sign_contract,
    validate_deposit,
)
from shared.contracts.values import Installment, Stage
from shared.errors import DomainError, Invalid

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")
SIGNED = datetime(2026, 3, 10, 15, 0, tzinfo=SH)
LATE = datetime(2026, 3, 1, 23, 30, tzinfo=SH)


def amounts(rows: list) -> list[int]:
    return [r.amount_fen for r in rows]


def test_default_plan_is_65_30_5() -> None:
    plan = default_plan()
    assert (plan.first_pct, plan.midterm_pct, plan.final_pct) == (65, 30, 5)


@pytest.mark.parametrize("shares", [(60, 30, 5), (65, 30, 6), (101, 0, -1), (65, 35, 0.0)])
def test_plan_shares_must_be_whole_percents_summing_to_100(shares: tuple) -> None:
    with pytest.raises(Invalid):
        PaymentPlan(*shares)


def test_worked_example_200000_yuan_with_500_yuan_deposit() -> None:
    rows = plan_installments(20_000_000, 50_000, default_plan(), SIGNED)
    assert [r.installment for r in rows] == [
        Installment.FIRST,
        Installment.MIDTERM,
        Installment.FINAL,
    ]
    assert amounts(rows) == [13_000_000, 6_000_000, 950_000]  # 130,000 / 60,000 / 9,500 yuan
    assert sum(amounts(rows)) == 20_000_000 - 50_000
    first, midterm, final = rows
    assert first.due_on == date(2026, 3, 10)  # due at signing
    assert first.due_at == datetime(2026, 3, 11, tzinfo=SH)
    assert (midterm.due, final.due) == (None, None)  # unknown until the acceptances
    assert (midterm.due_after, final.due_after) == (Stage.MIDTERM_ACCEPTED, Stage.COMPLETED)


def test_added_items_are_due_with_the_midterm_payment() -> None:
    rows = plan_installments(20_000_000, 50_000, default_plan(), SIGNED, additions_fen=1_234_567)
    assert amounts(rows) == [13_000_000, 7_234_567, 950_000]


def test_a_1000_yuan_deposit_is_deducted_from_the_final_instalment() -> None:
    rows = plan_installments(20_000_000, 100_000, default_plan(), SIGNED)
    assert amounts(rows) == [13_000_000, 6_000_000, 900_000]


def test_custom_plan_puts_the_rounding_remainder_on_the_final() -> None:
    rows = plan_installments(12_345_679, 50_000, PaymentPlan(70, 25, 5), SIGNED)
    # 70 % = 8,641,975.3 → 8,641,975; 25 % = 3,086,419.75 → 3,086,419; the rest − deposit.
    assert amounts(rows) == [8_641_975, 3_086_419, 567_285]
    assert sum(amounts(rows)) == 12_345_679 - 50_000


def test_a_deposit_larger_than_the_final_share_comes_off_the_midterm() -> None:
    rows = plan_installments(10_000_000, 80_000, PaymentPlan(70, 30, 0), SIGNED)
    assert amounts(rows) == [7_000_000, 2_920_000, 0]


def test_deposit_range_is_500_to_1000_yuan() -> None:
    assert validate_deposit(50_000) == 50_000
    assert validate_deposit(100_000) == 100_000
    for bad in (49_999, 100_001, 0):
        with pytest.raises(Invalid):
            validate_deposit(bad)


@pytest.mark.parametrize(
    "fact_at",
    [
        LATE,  # 23:30 on 1 March in Shanghai
        datetime(2026, 3, 1, 15, 30, tzinfo=ZoneInfo("UTC")),  # the same instant in UTC
    ],
)
def test_within_3_days_runs_to_the_end_of_local_day_plus_3(fact_at: datetime) -> None:
    due = due_on_after(fact_at, 3)
    assert due.due_on == date(2026, 3, 4)
    assert due.due_at == datetime(2026, 3, 5, 0, 0, tzinfo=SH)


def test_a_fact_just_after_shanghai_midnight_counts_from_the_next_day() -> None:
    due = due_on_after(datetime(2026, 3, 1, 16, 30, tzinfo=ZoneInfo("UTC")), 3)  # 00:30 on 2 Mar
    assert due.due_on == date(2026, 3, 5)


def _contracted(deposit: int = 50_000, amount: int = 20_000_000) -> Project:
    p = open_project("p-1", "c-1", datetime(2026, 2, 1, 9, tzinfo=SH))
    p = record_payment(p, Installment.DEPOSIT, deposit, datetime(2026, 2, 2, 9, tzinfo=SH))
    p = replace(p, stage=Stage.DESIGN)
    p = approve(p, Approval.SCHEME_AND_QUOTE, SIGNED)
    return sign_contract(p, amount, SIGNED)


def test_midterm_due_3_days_after_midterm_acceptance_and_overdue_at_the_bound() -> None:
    p = enter_stage(_contracted(), Stage.MIDTERM_ACCEPTED, LATE + timedelta(days=30))
    p = add_item(p, "extra socket", 20_000, LATE + timedelta(days=29))
    midterm = project_installments(p)[1]
    assert midterm.amount_fen == 6_020_000
    assert midterm.due_on == date(2026, 4, 3)  # accepted 23:30 on 31 March
    bound = datetime(2026, 4, 4, tzinfo=SH)
    assert not is_overdue(midterm, bound - timedelta(microseconds=1))
    assert is_overdue(midterm, bound)
    assert [r.installment for r in overdue_installments(p, bound)] == [
        Installment.FIRST,
        Installment.MIDTERM,
    ]
    p = record_payment(p, Installment.FIRST, 13_000_000, SIGNED)
    p = record_payment(p, Installment.MIDTERM, 6_020_000, bound)
    assert overdue_installments(p, bound + timedelta(days=1)) == []


def test_final_due_3_days_after_completion() -> None:
    completed = datetime(2026, 6, 30, 18, tzinfo=SH)
    p = replace(_contracted(), history=(StageEntry(Stage.COMPLETED, completed),))
    final = project_installments(p)[2]
    assert final.amount_fen == 950_000
    assert final.due_on == date(2026, 7, 3)


def test_partial_payments_accumulate_and_the_full_first_makes_the_contract_effective() -> None:
    p = _contracted()
    p = record_payment(p, Installment.FIRST, 5_000_000, SIGNED)
    assert p.contract is not None and p.contract.effective_at is None
    paid = SIGNED + timedelta(hours=2)
    p = record_payment(p, Installment.FIRST, 8_000_000, paid)
    assert project_installments(p)[0].paid_fen == 13_000_000
    assert p.contract is not None and p.contract.effective_at == paid


def test_a_first_instalment_dated_before_signing_takes_effect_at_signing() -> None:
    p = record_payment(_contracted(), Installment.FIRST, 13_000_000, SIGNED - timedelta(hours=1))
    assert p.contract is not None and p.contract.effective_at == SIGNED


def test_overpayment_is_refused() -> None:
    p = record_payment(_contracted(), Installment.FINAL, 900_000, SIGNED)
    with pytest.raises(DomainError) as err:
        record_payment(p, Installment.FINAL, 50_001, SIGNED)
    assert err.value.code == "overpayment"
    assert "9,500.00 yuan" in err.value.detail


def test_unknown_installment_is_refused() -> None:
    with pytest.raises(DomainError) as err:
        record_payment(_contracted(), "bonus", 100, SIGNED)
    assert err.value.code == "unknown_installment"


def test_instalments_need_a_contract_and_the_deposit_comes_before_it() -> None:
    with pytest.raises(DomainError) as before:
        record_payment(open_project("p", "c", SIGNED), Installment.FIRST, 100, SIGNED)
    assert before.value.code == "no_contract"
    with pytest.raises(DomainError) as after:
        record_payment(_contracted(), Installment.DEPOSIT, 100, SIGNED)
    assert after.value.code == "deposit_after_contract"


@pytest.mark.parametrize("bad", [0, -1, 10.5])
def test_amounts_are_positive_whole_fen(bad: object) -> None:
    with pytest.raises(Invalid):
        record_payment(_contracted(), Installment.FIRST, bad, SIGNED)  # type: ignore[arg-type]


def test_contract_plan_uses_the_deposit_actually_paid() -> None:
    rows = project_installments(_contracted(deposit=100_000))
    assert [r.amount_fen for r in rows] == [13_000_000, 6_000_000, 900_000]


def test_contract_signing_and_added_items_rules() -> None:
    p = _contracted()
    with pytest.raises(DomainError) as again:
        sign_contract(p, 1, SIGNED)
    assert again.value.code == "contract_already_signed"
    with pytest.raises(DomainError) as no_contract:
        add_item(open_project("p", "c", SIGNED), "x", 100, SIGNED)
    assert no_contract.value.code == "no_contract"
    done = enter_stage(p, Stage.COMPLETED, SIGNED + timedelta(days=60))
    with pytest.raises(DomainError) as late:
        add_item(done, "x", 100, SIGNED + timedelta(days=61))
    assert late.value.code == "project_completed"


def test_settings_defaults_and_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    s = ProjectsSettings()
    assert s.http_port == 8002
    assert s.default_deposit_fen == 50_000
    assert s.payment_plan() == PaymentPlan(65, 30, 5)
    monkeypatch.setenv("KEFU_PROJECTS_PLAN_FIRST_PCT", "70")
    monkeypatch.setenv("KEFU_PROJECTS_PLAN_MIDTERM_PCT", "25")
    assert ProjectsSettings().payment_plan() == PaymentPlan(70, 25, 5)
    monkeypatch.setenv("KEFU_PROJECTS_PLAN_MIDTERM_PCT", "30")
    with pytest.raises(ValueError, match="sum to 100"):
        ProjectsSettings()
