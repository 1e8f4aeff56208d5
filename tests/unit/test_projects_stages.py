"""The project stage machine: order, guards, sign-offs and the automatic warranty."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.projects.domain import (
    REQUIRED_SIGNOFFS,
    STAGE_ORDER,
    Approval,
    Project,
    apply_transition,
    approve,
    auto_warranty,
    check_transition,
    is_active,
    missing_signoffs,
    next_stage,
    open_project,
    record_payment,
    record_signoff,
    required_parties,
    sign_contract,
    stage_index,
    start_warranty,
)
from shared.contracts.values import Installment, SignoffParty, Stage
from shared.errors import DomainError, Invalid
from tests.support.projects import with_documents

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 1, 10, 0, tzinfo=SH)
CONTRACT_FEN = 20_000_000  # 200,000.00 yuan
DEPOSIT_FEN = 50_000  # 500 yuan
FIRST_FEN = 13_000_000  # 65 %
ALL_FOUR = {
    SignoffParty.SUPERVISOR,
    SignoffParty.DESIGNER,
    SignoffParty.FOREMAN,
    SignoffParty.CUSTOMER,
}
TRADE = {SignoffParty.SUPERVISOR, SignoffParty.FOREMAN, SignoffParty.CUSTOMER}


def day(n: int) -> datetime:
    """Business time n days after T0."""
    return T0 + timedelta(days=n)


def sign_all(
    p: Project, stage: Stage, at: datetime, skip: set[SignoffParty] | None = None
) -> Project:
    """Every required party signs for `stage`, except those in `skip`."""
    for party in sorted(required_parties(stage) - (skip or set())):
        p = record_signoff(p, stage, party, f"{party.value} Wang", at)
    return p


def prepare(p: Project, stage: Stage, at: datetime) -> Project:
    """Record the facts entering `stage` needs."""
    if stage == Stage.DESIGN_AGREEMENT:
        p = record_payment(p, Installment.DEPOSIT, DEPOSIT_FEN, at)
    if stage == Stage.CONTRACT:
        p = approve(p, Approval.SCHEME_AND_QUOTE, at)
        p = with_documents(sign_contract(p, CONTRACT_FEN, at), stage, at)
    if stage == Stage.WORKS_STARTED:
        p = record_payment(p, Installment.FIRST, FIRST_FEN, at)
        p = approve(p, Approval.CONSTRUCTION_DRAWINGS, at)
    if stage in REQUIRED_SIGNOFFS:
        p = sign_all(p, stage, at)
    return with_documents(p, stage, at)


def walk_to(target: Stage) -> Project:
    """A project moved, one stage a day, up to `target` (a manual stage)."""
    p = open_project("3f2a9c1b-7d4e-4a0b-9c3d-000000000001", "c-1", T0)
    n = 0
    while p.stage != target:
        nxt = next_stage(p.stage)
        assert nxt is not None
        n += 1
        p = apply_transition(prepare(p, nxt, day(n)), nxt, day(n))
    return p


def refusal(p: Project, to: Stage | str, at: datetime) -> DomainError:
    with pytest.raises(DomainError) as err:
        check_transition(p, to, at)
    return err.value


def test_stage_order_is_the_fifteen_api_stages() -> None:
    assert [s.value for s in STAGE_ORDER] == [
        "consultation", "measurement", "quotation", "design_agreement", "design", "contract",
        "works_started", "materials_accepted", "plumbing_electrical_accepted",
        "midterm_accepted", "carpentry_accepted", "tiling_accepted", "painting_accepted",
        "completed", "warranty",
    ]  # fmt: skip
    assert len(STAGE_ORDER) == 15


@pytest.mark.parametrize("to", STAGE_ORDER[1:-1])
def test_every_manual_transition_is_allowed_when_its_rules_are_met(to: Stage) -> None:
    before = walk_to(STAGE_ORDER[stage_index(to) - 1])
    at = day(30)
    after = apply_transition(prepare(before, to, at), to, at)
    assert after.stage == to
    assert after.history[-1].stage == to and after.history[-1].at == at
    assert after.version > before.version


def test_full_walk_reaches_completed_with_one_history_entry_per_stage() -> None:
    p = walk_to(Stage.COMPLETED)
    assert [e.stage for e in p.history] == list(STAGE_ORDER[:-1])
    assert p.completed_on == date(2026, 3, 14)  # 13 transitions, one a day from 2026-03-01


def test_skipping_a_stage_is_refused() -> None:
    err = refusal(open_project("p", "c", T0), Stage.QUOTATION, day(1))
    assert err.code == "skipping"
    assert "next stage is `measurement`" in err.detail


def test_going_back_is_refused() -> None:
    p = walk_to(Stage.DESIGN)
    assert refusal(p, Stage.QUOTATION, day(9)).code == "going_back"
    assert refusal(p, Stage.DESIGN, day(9)).code == "same_stage"


def test_unknown_stage_is_invalid_input() -> None:
    with pytest.raises(Invalid):
        check_transition(open_project("p", "c", T0), "demolition", day(1))


def test_design_agreement_needs_the_500_yuan_deposit() -> None:
    p = with_documents(walk_to(Stage.QUOTATION), Stage.DESIGN_AGREEMENT, day(5))
    err = refusal(p, Stage.DESIGN_AGREEMENT, day(5))
    assert err.code == "deposit_unpaid"
    assert "500.00 yuan" in err.detail
    p = record_payment(p, Installment.DEPOSIT, 49_999, day(5))
    assert refusal(p, Stage.DESIGN_AGREEMENT, day(5)).code == "deposit_unpaid"
    p = record_payment(p, Installment.DEPOSIT, 1, day(5))
    check_transition(p, Stage.DESIGN_AGREEMENT, day(5))


def test_deposit_above_1000_yuan_is_refused() -> None:
    p = record_payment(open_project("p", "c", T0), Installment.DEPOSIT, 100_000, day(1))
    with pytest.raises(DomainError) as err:
        record_payment(p, Installment.DEPOSIT, 1, day(1))
    assert err.value.code == "overpayment"


def test_contract_without_the_customers_approval_is_refused() -> None:
    p = walk_to(Stage.DESIGN)
    err = refusal(p, Stage.CONTRACT, day(9))
    assert err.code == "scheme_not_approved"
    assert "no construction contract is signed" in err.detail  # every unmet rule is named
    with pytest.raises(DomainError) as signing:
        sign_contract(p, CONTRACT_FEN, day(9))
    assert signing.value.code == "scheme_not_approved"


def test_contract_stage_needs_a_signed_contract() -> None:
    p = approve(walk_to(Stage.DESIGN), Approval.SCHEME_AND_QUOTE, day(9))
    assert refusal(p, Stage.CONTRACT, day(9)).code == "contract_not_signed"
    p = with_documents(sign_contract(p, CONTRACT_FEN, day(9)), Stage.CONTRACT, day(9))
    check_transition(p, Stage.CONTRACT, day(9))


def test_scheme_approval_only_in_design() -> None:
    with pytest.raises(DomainError) as err:
        approve(walk_to(Stage.QUOTATION), Approval.SCHEME_AND_QUOTE, day(9))
    assert err.value.code == "not_in_design"


def _ready_to_start() -> Project:
    p = walk_to(Stage.CONTRACT)
    p = approve(p, Approval.CONSTRUCTION_DRAWINGS, day(10))
    return sign_all(p, Stage.WORKS_STARTED, day(10))


def test_works_cannot_start_before_65_percent_is_paid() -> None:
    p = record_payment(_ready_to_start(), Installment.FIRST, FIRST_FEN - 1, day(10))
    err = refusal(p, Stage.WORKS_STARTED, day(10))
    assert err.code == "contract_not_effective"
    assert "65 %: 129,999.99 yuan of 130,000.00 yuan" in err.detail
    p = record_payment(p, Installment.FIRST, 1, day(10))
    assert p.contract is not None and p.contract.effective_at == day(10)
    check_transition(p, Stage.WORKS_STARTED, day(10))


def test_works_cannot_start_before_the_payment_that_made_the_contract_effective() -> None:
    p = record_payment(_ready_to_start(), Installment.FIRST, FIRST_FEN, day(11))
    assert refusal(p, Stage.WORKS_STARTED, day(10)).code == "contract_not_effective"


def test_works_cannot_start_without_the_customers_signature_on_the_drawings() -> None:
    p = sign_all(walk_to(Stage.CONTRACT), Stage.WORKS_STARTED, day(10))
    p = record_payment(p, Installment.FIRST, FIRST_FEN, day(10))
    assert refusal(p, Stage.WORKS_STARTED, day(10)).code == "drawings_not_signed"


def test_works_cannot_start_without_the_four_party_handover() -> None:
    assert required_parties(Stage.WORKS_STARTED) == ALL_FOUR
    p = walk_to(Stage.CONTRACT)
    p = approve(p, Approval.CONSTRUCTION_DRAWINGS, day(10))
    p = record_payment(p, Installment.FIRST, FIRST_FEN, day(10))
    p = sign_all(p, Stage.WORKS_STARTED, day(10), skip={SignoffParty.CUSTOMER})
    err = refusal(p, Stage.WORKS_STARTED, day(10))
    assert err.code == "signoffs_missing"
    assert err.detail.endswith("missing: customer")


@pytest.mark.parametrize(
    ("stage", "parties"),
    [
        (Stage.MATERIALS_ACCEPTED, TRADE),
        (Stage.PLUMBING_ELECTRICAL_ACCEPTED, TRADE),
        (Stage.MIDTERM_ACCEPTED, ALL_FOUR),
        (Stage.CARPENTRY_ACCEPTED, TRADE),
        (Stage.TILING_ACCEPTED, TRADE),
        (Stage.PAINTING_ACCEPTED, TRADE),
        (Stage.COMPLETED, ALL_FOUR),
    ],
)
def test_acceptance_needs_every_required_signoff(stage: Stage, parties: set[SignoffParty]) -> None:
    assert required_parties(stage) == parties
    before = with_documents(walk_to(STAGE_ORDER[stage_index(stage) - 1]), stage, day(30))
    for absent in parties:
        p = sign_all(before, stage, day(30), skip={absent})
        assert missing_signoffs(p, stage) == {absent}
        err = refusal(p, stage, day(30))
        assert err.code == "signoffs_missing"
        assert err.detail.endswith(f"missing: {absent.value}")
    check_transition(sign_all(before, stage, day(30)), stage, day(30))


def test_a_signoff_dated_after_the_transition_does_not_count() -> None:
    before = walk_to(Stage.PAINTING_ACCEPTED)
    p = sign_all(before, Stage.COMPLETED, day(31))
    assert refusal(p, Stage.COMPLETED, day(30)).code == "signoffs_missing"


def test_signoffs_only_for_acceptance_stages_not_yet_reached() -> None:
    p = walk_to(Stage.WORKS_STARTED)
    with pytest.raises(DomainError) as err:
        record_signoff(p, Stage.WORKS_STARTED, SignoffParty.CUSTOMER, "Li", day(20))
    assert err.value.code == "stage_already_reached"
    with pytest.raises(Invalid):
        record_signoff(p, Stage.DESIGN, SignoffParty.CUSTOMER, "Li", day(20))
    with pytest.raises(Invalid):
        record_signoff(p, Stage.COMPLETED, "neighbour", "Li", day(20))


def test_a_repeated_signoff_replaces_the_earlier_one() -> None:
    p = walk_to(Stage.WORKS_STARTED)
    p = record_signoff(p, Stage.MATERIALS_ACCEPTED, SignoffParty.CUSTOMER, "Li", day(20))
    p = record_signoff(p, Stage.MATERIALS_ACCEPTED, SignoffParty.CUSTOMER, "Li Na", day(21))
    assert [s.name for s in p.signoffs if s.stage == Stage.MATERIALS_ACCEPTED] == ["Li Na"]


def test_a_transition_cannot_be_backdated_before_the_current_stage() -> None:
    p = walk_to(Stage.MEASUREMENT)  # reached at day(1)
    assert refusal(p, Stage.QUOTATION, day(0)).code == "before_current_stage"


def test_warranty_is_never_a_manual_transition() -> None:
    p = walk_to(Stage.COMPLETED)
    err = refusal(p, Stage.WARRANTY, day(30))
    assert err.code == "automatic_stage"
    assert "final payment" in err.detail


def test_completion_date_is_the_shanghai_day() -> None:
    p = sign_all(walk_to(Stage.PAINTING_ACCEPTED), Stage.COMPLETED, day(20))
    p = with_documents(p, Stage.COMPLETED, day(20))
    at = datetime(2026, 6, 30, 16, 30, tzinfo=ZoneInfo("UTC"))  # 00:30 on 1 July in Shanghai
    assert apply_transition(p, Stage.COMPLETED, at).completed_on == date(2026, 7, 1)


def test_warranty_follows_completion_when_the_final_payment_is_recorded() -> None:
    p = walk_to(Stage.COMPLETED)
    paid = day(40)
    p = record_payment(p, Installment.MIDTERM, 6_000_000, paid)
    assert not auto_warranty(p, paid)
    p = record_payment(p, Installment.FINAL, 900_000, paid)
    assert not auto_warranty(p, paid)  # 5 % − 500 yuan deposit = 9,500.00 yuan, 50 yuan short
    with pytest.raises(DomainError):
        start_warranty(p, paid)
    p = record_payment(p, Installment.FINAL, 50_000, paid)
    assert auto_warranty(p, paid)
    w = start_warranty(p, paid)
    assert w.stage == Stage.WARRANTY and w.history[-1].at == paid
    assert w.warranty is not None
    assert w.warranty.starts_on == date(2026, 3, 14)
    assert w.warranty.ends_on == date(2028, 3, 14)
    assert w.warranty.card_no == "WC-3F2A9C1B7D4E"
    assert refusal(w, Stage.COMPLETED, day(41)).code == "going_back"


def test_final_paid_before_completion_starts_the_warranty_at_completion() -> None:
    p = walk_to(Stage.PAINTING_ACCEPTED)
    p = record_payment(p, Installment.FINAL, 950_000, day(20))
    assert not auto_warranty(p, day(20))  # not completed yet
    p = with_documents(sign_all(p, Stage.COMPLETED, day(25)), Stage.COMPLETED, day(25))
    p = apply_transition(p, Stage.COMPLETED, day(25))
    assert auto_warranty(p, day(25))
    assert start_warranty(p, day(25)).history[-1].at == day(25)


# --- what each refusal says (the API's detail) and the exact bounds --------------------------


def test_a_refused_order_says_where_the_project_is_and_where_it_may_go() -> None:
    p = walk_to(Stage.DESIGN)
    assert refusal(p, Stage.DESIGN, day(9)).detail == "the project is already at `design`"
    assert refusal(p, Stage.QUOTATION, day(9)).detail == (
        "cannot go back from `design` to `quotation`: stages only move forward"
    )
    assert refusal(p, Stage.WORKS_STARTED, day(9)).detail == (
        "cannot skip from `design` to `works_started`: the next stage is `contract`"
    )
    assert next_stage(Stage.COMPLETED) is Stage.WARRANTY
    assert next_stage(Stage.WARRANTY) is None
    err = refusal(p, Stage.WARRANTY, day(9))
    assert (err.code, err.detail) == (
        "automatic_stage",
        "`warranty` is not a manual transition: it follows `completed` automatically "
        "when the final payment is recorded",
    )


def test_a_stage_name_that_is_not_one_names_its_field() -> None:
    with pytest.raises(Invalid) as info:
        check_transition(open_project("p", "c", T0), "demolition", day(1))
    assert (info.value.field, info.value.detail) == ("to", "unknown stage 'demolition'")
    with pytest.raises(Invalid) as info:
        check_transition(open_project("p", "c", T0), Stage.MEASUREMENT, datetime(2026, 3, 2))
    assert (info.value.field, info.value.detail) == ("at", "a time must carry its UTC offset")


def test_a_transition_at_the_very_instant_the_stage_was_reached_is_allowed() -> None:
    p = open_project("p", "c", T0)
    p = apply_transition(with_documents(p, Stage.MEASUREMENT, T0), Stage.MEASUREMENT, T0)
    assert p.stage is Stage.MEASUREMENT
    early = T0 - timedelta(seconds=1)
    assert refusal(p, Stage.QUOTATION, early).detail == (
        f"{early.isoformat()} is before the project reached `measurement` ({T0.isoformat()})"
    )


def test_every_unmet_rule_is_named_in_words_one_after_the_other() -> None:
    p = walk_to(Stage.DESIGN)
    err = refusal(with_documents(p, Stage.CONTRACT, day(9)), Stage.CONTRACT, day(9))
    assert err.detail == (
        "the customer has not approved the scheme and quote (recorded in `design`); "
        "no construction contract is signed (amount and date)"
    )
    ready = with_documents(walk_to(Stage.CONTRACT), Stage.WORKS_STARTED, day(10))
    paid_late = record_payment(ready, Installment.FIRST, FIRST_FEN, day(11))
    err = refusal(paid_late, Stage.WORKS_STARTED, day(10))
    assert err.detail == (
        "the contract has not taken effect: its first instalment is not fully paid "
        "(65 %: 0.00 yuan of 130,000.00 yuan received); "
        "the customer has not signed the construction drawings; "
        "`works_started` needs the sign-offs of supervisor, designer, foreman, customer; "
        "missing: supervisor, designer, foreman, customer"
    )
    no_contract = replace(ready, contract=None)
    assert refusal(no_contract, Stage.WORKS_STARTED, day(10)).detail.startswith(
        "the contract has not taken effect: its first instalment is not fully paid; "
    )


def test_a_deposit_paid_after_the_transition_time_does_not_count() -> None:
    p = with_documents(walk_to(Stage.QUOTATION), Stage.DESIGN_AGREEMENT, day(5))
    p = record_payment(p, Installment.DEPOSIT, DEPOSIT_FEN, day(6))
    err = refusal(p, Stage.DESIGN_AGREEMENT, day(5))
    assert err.detail == (
        "the design deposit is not paid: 0.00 yuan received, at least 500.00 yuan required"
    )
    check_transition(p, Stage.DESIGN_AGREEMENT, day(6))


def test_a_configured_deposit_minimum_is_the_one_applied() -> None:
    p = with_documents(walk_to(Stage.QUOTATION), Stage.DESIGN_AGREEMENT, day(5))
    p = record_payment(p, Installment.DEPOSIT, DEPOSIT_FEN, day(5))
    with pytest.raises(DomainError) as info:
        apply_transition(p, Stage.DESIGN_AGREEMENT, day(5), deposit_min_fen=80_000)
    assert info.value.detail == (
        "the design deposit is not paid: 500.00 yuan received, at least 800.00 yuan required"
    )
    moved = apply_transition(p, Stage.DESIGN_AGREEMENT, day(5), deposit_min_fen=50_000)
    assert (moved.stage, moved.version, moved.completed_on) == (
        Stage.DESIGN_AGREEMENT,
        p.version + 1,
        None,
    )


def test_under_construction_runs_from_the_start_of_works_to_before_completion() -> None:
    active = [s for s in STAGE_ORDER if is_active(s)]
    assert active[0] is Stage.WORKS_STARTED and active[-1] is Stage.PAINTING_ACCEPTED
    assert len(active) == 7
