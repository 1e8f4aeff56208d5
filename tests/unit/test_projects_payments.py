"""Payments on a project (signing, instalments, added items): each refusal's code and words,
every field kept, each change counted once in the version, the moment the contract takes
effect when the first instalment is paid in parts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.projects.domain import (
    PaymentPlan,
    Project,
    add_item,
    record_payment,
    sign_contract,
)
from services.projects.domain.model import Addition, Contract, Payment, StageEntry
from services.projects.domain.payments import installment_row
from shared.contracts.values import Installment, Stage
from shared.errors import DomainError

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 10, 15, 0, tzinfo=SH)
NAIVE = datetime(2026, 3, 10, 15, 0)
AMOUNT = 20_000_000  # 200,000 yuan: first 13,000,000, midterm 6,000,000, final 1,000,000


def in_design(**fields: object) -> Project:
    base = Project(
        id="p-1",
        customer_id="c-1",
        stage=Stage.DESIGN,
        version=3,
        scheme_approved_at=T0,
        history=(StageEntry(Stage.CONSULTATION, T0 - timedelta(days=9)),),
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def signed() -> Project:
    return sign_contract(in_design(), AMOUNT, T0)


def refused(call: Callable[[], object]) -> DomainError:
    with pytest.raises(DomainError) as info:
        call()
    return info.value


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_signing_keeps_the_contract_and_is_one_change() -> None:
    p = sign_contract(in_design(), AMOUNT, T0, main_materials_by_company=True)
    assert p.contract == Contract(AMOUNT, T0, PaymentPlan(65, 30, 5), None, True)
    assert p.version == 4
    plan = PaymentPlan(60, 30, 10)
    assert sign_contract(in_design(), AMOUNT, T0, plan).contract == Contract(AMOUNT, T0, plan)


def test_a_plan_with_no_first_share_takes_effect_at_signing() -> None:
    p = sign_contract(in_design(), AMOUNT, T0, PaymentPlan(0, 95, 5))
    assert p.contract is not None and p.contract.effective_at == T0
    # One fen of first share is still a share to pay.
    p = sign_contract(in_design(), 100, T0, PaymentPlan(1, 0, 99))
    assert p.contract is not None and p.contract.effective_at is None


def test_a_refused_signing_says_why() -> None:
    err = refused(lambda: sign_contract(signed(), AMOUNT, T0))
    assert (err.code, err.detail) == (
        "contract_already_signed",
        "the construction contract is already signed",
    )
    err = refused(lambda: sign_contract(in_design(stage=Stage.CONTRACT), AMOUNT, T0))
    assert (err.code, err.detail) == (
        "not_in_design",
        "the contract is signed at the end of `design`; the project is at `contract`",
    )
    for approved in (None, at(1)):
        err = refused(lambda a=approved: sign_contract(in_design(scheme_approved_at=a), AMOUNT, T0))
        assert (err.code, err.detail) == (
            "scheme_not_approved",
            "the customer has not approved the scheme and quote before signing the contract",
        )
    err = refused(lambda: sign_contract(in_design(), AMOUNT, NAIVE))
    assert (err.field, err.detail) == ("signed_at", "a time must carry its UTC offset")


def test_each_payment_is_one_change_with_its_receipt() -> None:
    p = record_payment(in_design(), Installment.DEPOSIT, 50_000, T0, by="fin-1")
    assert p.payments == (Payment(Installment.DEPOSIT, 50_000, T0, "RC-P1-01", "fin-1"),)
    assert p.version == 4
    p = sign_contract(p, AMOUNT, at(1))
    p = record_payment(p, "first", 1_000_000, at(2))
    assert p.payments[-1] == Payment(Installment.FIRST, 1_000_000, at(2), "RC-P1-02", None)
    assert p.version == 6


def test_a_refused_payment_says_why() -> None:
    err = refused(lambda: record_payment(in_design(), "tip", 100, T0))
    assert (err.code, err.detail) == (
        "unknown_installment",
        "unknown instalment 'tip'; one of deposit, first, midterm, final",
    )
    err = refused(lambda: record_payment(signed(), Installment.DEPOSIT, 100, at(1)))
    assert (err.code, err.detail) == (
        "deposit_after_contract",
        "the design deposit is paid before the contract; after signing, pay instalments",
    )
    p = record_payment(signed(), Installment.FIRST, 12_000_000, at(1))
    err = refused(lambda: record_payment(p, Installment.FIRST, 1_000_001, at(2)))
    assert (err.code, err.detail) == (
        "overpayment",
        "10,000.01 yuan would bring the first instalment to 130,000.01 yuan, "
        "more than its 130,000.00 yuan",
    )
    err = refused(lambda: record_payment(in_design(), Installment.FIRST, 100, T0))
    assert (err.code, err.detail) == ("no_contract", "no construction contract is signed yet")
    err = refused(lambda: record_payment(in_design(), Installment.DEPOSIT, 100, NAIVE))
    assert (err.field, err.detail) == ("paid_at", "a time must carry its UTC offset")


def test_a_first_instalment_paid_in_parts_takes_effect_with_the_last_fen() -> None:
    p = record_payment(signed(), Installment.FIRST, 12_999_999, at(1))
    assert p.contract is not None and p.contract.effective_at is None
    p = record_payment(p, Installment.FIRST, 1, at(2))
    assert p.contract is not None and p.contract.effective_at == at(2)
    assert installment_row(p, Installment.FIRST).paid_fen == 13_000_000


def test_an_added_item_is_kept_trimmed_and_is_one_change() -> None:
    p = add_item(signed(), " extra sockets ", 80_000, at(3))
    assert p.additions == (Addition("extra sockets", 80_000, at(3)),)
    assert p.version == signed().version + 1


def test_a_refused_item_says_why() -> None:
    err = refused(lambda: add_item(in_design(), "sockets", 100, T0))
    assert (err.code, err.detail) == (
        "no_contract",
        "added items belong to a signed construction contract",
    )
    done = replace(signed(), stage=Stage.COMPLETED)
    err = refused(lambda: add_item(done, "sockets", 100, T0))
    assert (err.code, err.detail) == ("project_completed", "no items can be added after completion")
    err = refused(lambda: add_item(signed(), "sockets", 100, NAIVE))
    assert (err.field, err.detail) == ("at", "a time must carry its UTC offset")
