"""Every life-cycle step of a repair ticket compared whole (services/aftersales/domain/steps.py):
what each step records, what it keeps, and every refusal's code, words and field (the API shows
all three), at the equal-to bounds (a score of 1 and 5, one day, a claim of one fen, a repair on
the survey's own Shanghai day)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from services.aftersales.domain import (
    INVALID_VALUE,
    QUOTE_NOT_ACCEPTED,
    WRONG_STATE,
    ApprovalLevel,
    DomainError,
    RepairRules,
    Status,
    Ticket,
    accept_quote,
    approve_reimbursement,
    assign,
    book_survey,
    claim_reimbursement,
    close,
    complete,
    new_problem_ticket,
    open_ticket,
    record_survey,
    schedule,
    start_repair,
    warranty_decision,
)
from shared.calendar import BUSINESS_TZ
from shared.contracts.values import ProblemKind

pytestmark = pytest.mark.quick

RULES = RepairRules()
COMPLETED_ON = date(2025, 6, 1)
LAST_DAY = date(2027, 6, 1)


def sh(day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A Shanghai time in March 2026."""
    return datetime(2026, 3, day, hour, minute, tzinfo=BUSINESS_TZ)


OPENED = open_ticket(
    id="r1",
    customer_id="c1",
    project_id="p1",
    complaint_id="k1",
    problem="漏水",
    address="1 Road",
    now=sh(2, 9),
)
PAINT = {"category": "paint", "supplier": "立邦", "brand": None}


def refused(call: object) -> tuple[str, str, str | None]:
    """The code, words and field of the refusal a step raises."""
    assert callable(call)
    with pytest.raises(DomainError) as err:
        call()
    return err.value.code, err.value.detail, err.value.field


def booked() -> Ticket:
    return book_survey(assign(OPENED, "wang", sh(2, 10)), sh(3, 14), sh(2, 11))


def surveyed(kind: ProblemKind = ProblemKind.CUSTOMER_DAMAGE, at: datetime = sh(3, 14)) -> Ticket:
    return record_survey(
        booked(),
        findings="door scratched",
        proposed_fix="repaint",
        problem_kind=kind,
        completed_on=COMPLETED_ON,
        warranty_ends_on=LAST_DAY,
        rules=RULES,
        at=at,
    )


def scheduled(covered: bool = False) -> Ticket:
    if covered:
        return schedule(surveyed(ProblemKind.LEAK), date(2026, 3, 10), 2, sh(4))
    return schedule(accept_quote(surveyed(), sh(4)), date(2026, 3, 10), 2, sh(4), [PAINT])


def completed(covered: bool = False) -> Ticket:
    fee = None if covered else 35_000
    return complete(
        scheduled(covered), evaluation_score=5, comment="ok", fee_paid_fen=fee, at=sh(11)
    )


def test_assigning_names_the_staff_and_a_reassignment_keeps_the_status() -> None:
    first = assign(OPENED, "  wang ", sh(2, 10))
    assert first == replace(
        OPENED, version=2, status=Status.ASSIGNED, staff="wang", assigned_at=sh(2, 10)
    )
    again = assign(booked(), "li", sh(3, 8))
    assert again == replace(booked(), version=4, staff="li", assigned_at=sh(3, 8))
    assert refused(lambda: assign(OPENED, " ", sh(2))) == (
        INVALID_VALUE,
        "the staff member to assign is required",
        "staff",
    )


def test_the_first_survey_booking_is_the_first_contact_and_a_rebooking_keeps_it() -> None:
    assigned = assign(OPENED, "wang", sh(2, 10))
    first = book_survey(assigned, sh(3, 14), sh(2, 11))
    assert first == replace(
        assigned,
        version=3,
        status=Status.SURVEY_BOOKED,
        survey_at=sh(3, 14),
        first_contact_at=sh(2, 11),
    )
    moved = book_survey(first, sh(4, 9), sh(2, 15))
    assert moved == replace(first, version=4, survey_at=sh(4, 9))


@pytest.mark.parametrize(
    ("kind", "fee"), [(ProblemKind.CUSTOMER_DAMAGE, 35_000), (ProblemKind.LEAK, 0)]
)
def test_the_survey_records_what_was_found_and_the_warranty_decision(
    kind: ProblemKind, fee: int
) -> None:
    decision = warranty_decision(COMPLETED_ON, LAST_DAY, kind, sh(3, 14), RULES)
    t = record_survey(
        booked(),
        findings=" door scratched ",
        proposed_fix=" repaint\n",
        problem_kind=kind,
        completed_on=COMPLETED_ON,
        warranty_ends_on=LAST_DAY,
        rules=RULES,
        at=sh(3, 14),
    )
    assert t == replace(
        booked(),
        version=4,
        status=Status.SURVEYED,
        surveyed_at=sh(3, 14),
        findings="door scratched",
        proposed_fix="repaint",
        problem_kind=kind,
        covered=decision.covered,
        warranty_reason=decision.reason,
        warranty_ends_on=LAST_DAY,
        fee_quote_fen=fee,
    )
    assert t.covered is (fee == 0) and t.warranty_reason


@pytest.mark.parametrize(
    ("findings", "fix", "field", "words"),
    [
        ("", "repaint", "findings", "the survey findings is required"),
        ("door", " \t", "proposed_fix", "the proposed fix is required"),
    ],
)
def test_a_survey_without_findings_or_a_fix_is_refused(
    findings: str, fix: str, field: str, words: str
) -> None:
    def call() -> Ticket:
        return record_survey(
            booked(),
            findings=findings,
            proposed_fix=fix,
            problem_kind=ProblemKind.LEAK,
            completed_on=COMPLETED_ON,
            warranty_ends_on=LAST_DAY,
            rules=RULES,
            at=sh(3, 14),
        )

    assert refused(call) == (INVALID_VALUE, words, field)


def test_accepting_the_quote_records_when() -> None:
    t = accept_quote(surveyed(), sh(4, 16))
    assert t == replace(
        surveyed(),
        version=5,
        status=Status.QUOTE_ACCEPTED,
        quote_accepted=True,
        quote_accepted_at=sh(4, 16),
    )
    assert refused(lambda: accept_quote(surveyed(ProblemKind.LEAK), sh(4))) == (
        WRONG_STATE,
        "the repair is covered by the warranty, so there is no fee quote to accept;"
        " schedule the repair",
        None,
    )


def test_scheduling_sets_the_day_the_length_and_the_materials() -> None:
    accepted = accept_quote(surveyed(), sh(4))
    t = schedule(accepted, date(2026, 3, 10), 2, sh(4), [PAINT])
    assert t == replace(
        accepted,
        version=6,
        status=Status.SCHEDULED,
        repair_on=date(2026, 3, 10),
        duration_days=2,
        materials=(PAINT,),
    )
    assert t.materials[0] is not PAINT  # a copy: the caller's list may change
    kept = schedule(t, date(2026, 3, 12), 1, sh(5))
    assert kept == replace(t, version=7, repair_on=date(2026, 3, 12), duration_days=1)
    emptied = schedule(t, date(2026, 3, 12), 1, sh(5), [])
    assert emptied.materials == ()


def test_a_repair_may_be_scheduled_on_the_surveys_own_shanghai_day_not_before() -> None:
    # surveyed at 00:30 in Shanghai on 5 March: still 4 March in UTC
    late = accept_quote(surveyed(at=sh(5, 0, 30)), sh(5))
    assert schedule(late, date(2026, 3, 5), 1, sh(5)).repair_on == date(2026, 3, 5)
    assert refused(lambda: schedule(late, date(2026, 3, 4), 1, sh(5))) == (
        INVALID_VALUE,
        "the repair date 2026-03-04 is before the site survey on 2026-03-05",
        "date",
    )
    unsurveyed = replace(late, surveyed_at=None)
    assert schedule(unsurveyed, date(2026, 1, 1), 1, sh(5)).repair_on == date(2026, 1, 1)


@pytest.mark.parametrize("days", [0, -1, True, False])
def test_a_repair_takes_at_least_one_whole_day(days: int) -> None:
    accepted = accept_quote(surveyed(), sh(4))
    assert refused(lambda: schedule(accepted, date(2026, 3, 10), days, sh(4))) == (
        INVALID_VALUE,
        "the repair takes at least 1 day",
        "duration_days",
    )
    assert schedule(accepted, date(2026, 3, 10), 1, sh(4)).duration_days == 1


def test_scheduling_waits_for_the_quote_in_words_with_its_amount() -> None:
    assert refused(lambda: schedule(surveyed(), date(2026, 3, 10), 1, sh(4))) == (
        QUOTE_NOT_ACCEPTED,
        "the customer has not accepted the fee quote of 350.00 yuan; accept it before scheduling",
        None,
    )
    unquoted = replace(surveyed(), fee_quote_fen=None)
    assert refused(lambda: schedule(unquoted, date(2026, 3, 10), 1, sh(4)))[1] == (
        "the customer has not accepted the fee quote of 0.00 yuan; accept it before scheduling"
    )


def test_starting_the_repair_records_when_and_the_materials_brought() -> None:
    t = start_repair(scheduled(), sh(10, 8), [PAINT, {"category": "tile"}])
    assert t == replace(
        scheduled(),
        version=7,
        status=Status.IN_REPAIR,
        repair_started_at=sh(10, 8),
        materials=(PAINT, {"category": "tile"}),
    )
    assert start_repair(scheduled(), sh(10, 8)).materials == ()


def test_completion_records_the_evaluation_and_the_fee() -> None:
    t = complete(scheduled(), evaluation_score=4, comment=" 满意 ", fee_paid_fen=35_000, at=sh(11))
    assert t == replace(
        scheduled(),
        version=7,
        status=Status.COMPLETED,
        completed_at=sh(11),
        evaluation_score=4,
        evaluation_comment="满意",
        fee_paid_fen=35_000,
    )
    free = complete(scheduled(True), evaluation_score=1, comment="", fee_paid_fen=None, at=sh(11))
    assert (free.fee_paid_fen, free.evaluation_score) == (0, 1)
    zero = complete(scheduled(True), evaluation_score=5, comment="", fee_paid_fen=0, at=sh(11))
    assert (zero.fee_paid_fen, zero.evaluation_score) == (0, 5)


@pytest.mark.parametrize("score", [0, 6, -1, True])
def test_the_evaluation_score_is_a_whole_number_from_one_to_five(score: int) -> None:
    def call() -> Ticket:
        return complete(
            scheduled(), evaluation_score=score, comment="", fee_paid_fen=35_000, at=sh(11)
        )

    assert refused(call) == (
        INVALID_VALUE,
        "the evaluation score is a whole number from 1 to 5",
        "evaluation_score",
    )


@pytest.mark.parametrize(
    ("covered", "fee", "words"),
    [
        (True, 1, "the repair is covered by the warranty; no fee may be charged"),
        (
            False,
            None,
            "a paid repair needs the fee receipt: the customer pays the accepted quote of"
            " 350.00 yuan",
        ),
        (
            False,
            34_999,
            "the fee paid (349.99 yuan) must equal the accepted quote of 350.00 yuan",
        ),
        (False, 0, "the fee paid (0.00 yuan) must equal the accepted quote of 350.00 yuan"),
    ],
)
def test_the_fee_paid_is_nothing_when_covered_else_exactly_the_quote(
    covered: bool, fee: int | None, words: str
) -> None:
    def call() -> Ticket:
        return complete(
            scheduled(covered), evaluation_score=3, comment="", fee_paid_fen=fee, at=sh(11)
        )

    assert refused(call) == (INVALID_VALUE, words, "fee_paid_fen")


def test_a_paid_repair_without_a_quote_figure_is_paid_nothing() -> None:
    unquoted = replace(scheduled(), fee_quote_fen=None)
    t = complete(unquoted, evaluation_score=3, comment="", fee_paid_fen=0, at=sh(11))
    assert t.fee_paid_fen == 0
    assert refused(
        lambda: complete(unquoted, evaluation_score=3, comment="", fee_paid_fen=None, at=sh(11))
    )[1] == (
        "a paid repair needs the fee receipt: the customer pays the accepted quote of 0.00 yuan"
    )


def test_a_claim_of_one_fen_is_filed() -> None:
    t = claim_reimbursement(completed(), 1, sh(12))
    assert t == replace(
        completed(),
        version=8,
        status=Status.REIMBURSEMENT_CLAIMED,
        reimbursement_fen=1,
        reimbursement_claimed_at=sh(12),
    )


@pytest.mark.parametrize("amount", [0, -500, False])
def test_a_claim_of_nothing_is_refused_in_words(amount: int) -> None:
    assert refused(lambda: claim_reimbursement(completed(), amount, sh(12))) == (
        INVALID_VALUE,
        "a claim of 0.00 yuan has nothing to approve; close the ticket directly when the repair"
        " had no expenses",
        "amount_fen",
    )
    assert refused(lambda: claim_reimbursement(completed(), True, sh(12)))[2] == "amount_fen"


def test_the_department_head_then_finance_sign_the_claim() -> None:
    claimed = claim_reimbursement(completed(), 8_000, sh(12))
    dept = approve_reimbursement(claimed, ApprovalLevel.DEPT_HEAD, " li ", sh(13))
    assert dept == replace(
        claimed,
        version=9,
        status=Status.REIMBURSEMENT_DEPT_APPROVED,
        dept_approved_by="li",
        dept_approved_at=sh(13),
    )
    finance = approve_reimbursement(dept, ApprovalLevel.FINANCE, "zhao", sh(14))
    assert finance == replace(
        dept,
        version=10,
        status=Status.REIMBURSEMENT_FINANCE_APPROVED,
        finance_approved_by="zhao",
        finance_approved_at=sh(14),
    )
    assert refused(lambda: approve_reimbursement(claimed, ApprovalLevel.DEPT_HEAD, "", sh(13))) == (
        INVALID_VALUE,
        "the approver is required",
        "by",
    )
    early = refused(lambda: approve_reimbursement(claimed, ApprovalLevel.FINANCE, "zhao", sh(13)))
    assert early[0] == WRONG_STATE  # finance signs after the department head


def test_closing_records_the_summary_and_the_amount_reimbursed() -> None:
    direct = close(completed(), " 已修复 ", sh(15))
    assert direct == replace(
        completed(),
        version=8,
        status=Status.CLOSED,
        closed_at=sh(15),
        summary="已修复",
        reimbursement_fen=0,
    )
    claimed = claim_reimbursement(completed(), 8_000, sh(12))
    dept = approve_reimbursement(claimed, ApprovalLevel.DEPT_HEAD, "li", sh(13))
    paid = approve_reimbursement(dept, ApprovalLevel.FINANCE, "zhao", sh(14))
    assert close(paid, "done", sh(15)).reimbursement_fen == 8_000
    assert refused(lambda: close(completed(), "  ", sh(15))) == (
        INVALID_VALUE,
        "a repair summary is required",
        "summary",
    )


def test_a_new_problem_during_the_repair_opens_a_linked_ticket() -> None:
    parent = scheduled()
    child = new_problem_ticket(parent, " 墙面开裂 ", "r2", sh(10, 15))
    assert child == open_ticket(
        id="r2",
        customer_id="c1",
        project_id="p1",
        parent_id="r1",
        address="1 Road",
        problem="墙面开裂",
        now=sh(10, 15),
    )
    assert child.complaint_id is None
    assert refused(lambda: new_problem_ticket(parent, "", "r2", sh(10))) == (
        INVALID_VALUE,
        "a description of the new problem is required",
        "problem",
    )
