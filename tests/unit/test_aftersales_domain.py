"""After-sales rules (DOMAIN.md §3): warranty, fee gate, life cycle, service levels, materials."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from services.aftersales.config import AftersalesSettings
from services.aftersales.domain import (
    ALLOWED_FROM,
    INVALID_VALUE,
    PHOTO_TOO_LARGE,
    PHOTO_TYPE_NOT_ALLOWED,
    QUOTE_NOT_ACCEPTED,
    WRONG_STATE,
    ApprovalLevel,
    DomainError,
    RepairRules,
    SlaStep,
    Status,
    Step,
    Ticket,
    accept_quote,
    approve_reimbursement,
    assign,
    book_survey,
    booked_visit,
    breached,
    breaches,
    check_photo,
    claim_reimbursement,
    close,
    complaint_opens_repair,
    complete,
    fee_quote,
    materials_list,
    month_of,
    new_problem_ticket,
    next_words,
    open_ticket,
    parse_month,
    photo_phase,
    record_survey,
    require_after_photo,
    schedule,
    sla_deadlines,
    start_repair,
    warranty_decision,
)
from shared.calendar import BUSINESS_TZ
from shared.contracts.values import (
    ComplaintCategory,
    PhotoPhase,
    ProblemKind,
    RepairKind,
    SubjectKind,
)
from shared.money import yuan

pytestmark = pytest.mark.quick

COMPLETED_ON = date(2024, 11, 26)
LAST_DAY = date(2026, 11, 26)  # the card's 有效期至, as projects publishes it
OPENED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=BUSINESS_TZ)
SURVEY_AT = datetime(2026, 3, 3, 14, 0, tzinfo=BUSINESS_TZ)


def at(day: date, hour: int = 10) -> datetime:
    """A Shanghai business time on `day`."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=BUSINESS_TZ)


@pytest.fixture
def rules() -> RepairRules:
    return AftersalesSettings().rules()


# --- warranty ------------------------------------------------------------------------------------


def test_duty_warranty_covers_the_cards_last_day_and_not_the_day_after(rules: RepairRules):
    """十二、工程保修: 合同竣工后,有2年的保修期 — the card's 有效期至 is the last day a repair is
    covered; aftersales takes that day from projects (warranty_ends_on) and never computes it."""
    day_before = warranty_decision(
        COMPLETED_ON, LAST_DAY, ProblemKind.LEAK, at(date(2026, 11, 25)), rules
    )
    last_day = warranty_decision(COMPLETED_ON, LAST_DAY, ProblemKind.LEAK, at(LAST_DAY), rules)
    day_after = warranty_decision(
        COMPLETED_ON, LAST_DAY, ProblemKind.LEAK, at(date(2026, 11, 27)), rules
    )
    assert (day_before.covered, last_day.covered, day_after.covered) == (True, True, False)
    assert {d.ends_on for d in (day_before, last_day, day_after)} == {LAST_DAY}
    assert "its last day is 2026-11-26" in last_day.reason and "2024-11-26" in last_day.reason
    assert day_after.reason == (
        "the warranty from completion on 2024-11-26 covered repairs through 2026-11-26;"
        " the survey on 2026-11-27 is after it"
    )
    # The carried date is used as given: a company whose card says otherwise is followed.
    longer = warranty_decision(
        COMPLETED_ON, date(2027, 11, 26), ProblemKind.LEAK, at(date(2027, 11, 26)), rules
    )
    assert longer.covered and longer.ends_on == date(2027, 11, 26)


def test_duty_warranty_last_day_ends_at_midnight_shanghai(rules: RepairRules):
    # 15:59:59 UTC on the last day is 23:59:59 in Shanghai: still covered; a second later the
    # Shanghai date is the day after.
    inside = datetime(2026, 11, 26, 15, 59, 59, tzinfo=UTC)
    outside = datetime(2026, 11, 26, 16, 0, 0, tzinfo=UTC)
    assert warranty_decision(COMPLETED_ON, LAST_DAY, ProblemKind.TILE, inside, rules).covered
    assert not warranty_decision(COMPLETED_ON, LAST_DAY, ProblemKind.TILE, outside, rules).covered


def test_duty_warranty_starts_on_the_completion_day(rules: RepairRules):
    on_completion = at(COMPLETED_ON, 8)
    before = at(COMPLETED_ON - timedelta(days=1), 23)
    assert warranty_decision(
        COMPLETED_ON, LAST_DAY, ProblemKind.CRACK, on_completion, rules
    ).covered
    early = warranty_decision(COMPLETED_ON, LAST_DAY, ProblemKind.CRACK, before, rules)
    assert not early.covered and "before the project's completion on 2024-11-26" in early.reason


@pytest.mark.parametrize("kind", [ProblemKind.CUSTOMER_DAMAGE, ProblemKind.NORMAL_WEAR])
def test_customer_damage_and_normal_wear_are_never_covered(kind: ProblemKind, rules: RepairRules):
    decision = warranty_decision(COMPLETED_ON, LAST_DAY, kind, at(date(2025, 1, 10)), rules)
    assert decision.covered is False
    assert decision.ends_on == LAST_DAY
    assert kind.value.replace("_", " ") in decision.reason


def test_every_other_kind_is_covered_within_the_warranty(rules: RepairRules):
    covered = {
        kind
        for kind in ProblemKind
        if warranty_decision(COMPLETED_ON, LAST_DAY, kind, at(date(2025, 6, 1)), rules).covered
    }
    assert covered == set(ProblemKind) - {ProblemKind.CUSTOMER_DAMAGE, ProblemKind.NORMAL_WEAR}


def test_unknown_completion_is_not_covered(rules: RepairRules):
    decision = warranty_decision(None, None, ProblemKind.LEAK, at(date(2025, 1, 10)), rules)
    assert decision.covered is False and decision.ends_on is None
    assert "no completion date is known" in decision.reason


def test_uncovered_kinds_are_configurable():
    custom = RepairRules(uncovered_kinds=frozenset({ProblemKind.PAINT}))
    in_time = at(date(2026, 6, 1))
    damage = warranty_decision(COMPLETED_ON, LAST_DAY, ProblemKind.CUSTOMER_DAMAGE, in_time, custom)
    assert damage.covered
    paint = warranty_decision(COMPLETED_ON, LAST_DAY, ProblemKind.PAINT, in_time, custom)
    assert not paint.covered and paint.ends_on == LAST_DAY


# --- fee quote -----------------------------------------------------------------------------------


def test_fee_quote_follows_the_schedule_and_is_zero_when_covered(rules: RepairRules):
    assert fee_quote(ProblemKind.LEAK, rules) == 30_000
    assert fee_quote(ProblemKind.CUSTOMER_DAMAGE, rules) == 35_000
    assert fee_quote(ProblemKind.LEAK, rules, covered=True) == 0
    custom = RepairRules(fee_schedule_fen={ProblemKind.TILE: 12_345}, default_fee_fen=9_900)
    assert fee_quote(ProblemKind.TILE, custom) == 12_345
    assert fee_quote(ProblemKind.LEAK, custom) == 9_900
    assert yuan(35_000) == "350.00" and yuan(5) == "0.05" and yuan(123_456_789) == "1,234,567.89"


# --- life cycle ----------------------------------------------------------------------------------


def opened() -> Ticket:
    return open_ticket(
        id="r1",
        customer_id="c1",
        project_id="p1",
        complaint_id="k1",
        problem="water under the sink",
        address="1 Road",
        now=OPENED_AT,
    )


def surveyed(rules: RepairRules, *, covered: bool) -> Ticket:
    t = assign(opened(), "wang", OPENED_AT + timedelta(hours=1))
    t = book_survey(t, SURVEY_AT, OPENED_AT + timedelta(hours=2))
    kind = ProblemKind.LEAK if covered else ProblemKind.CUSTOMER_DAMAGE
    return record_survey(
        t,
        findings="joint leaks",
        proposed_fix="replace the joint",
        problem_kind=kind,
        completed_on=COMPLETED_ON,
        warranty_ends_on=LAST_DAY,
        rules=rules,
        at=SURVEY_AT,
    )


def walk_to(status: Status, rules: RepairRules) -> Ticket:
    """A not-covered ticket (fee 350.00 yuan) walked along the main path up to `status`."""
    steps: list[Callable[[Ticket], Ticket]] = [
        lambda t: assign(t, "wang", OPENED_AT),
        lambda t: book_survey(t, SURVEY_AT, OPENED_AT),
        lambda t: record_survey(
            t,
            findings="scratched door",
            proposed_fix="repaint",
            problem_kind=ProblemKind.CUSTOMER_DAMAGE,
            completed_on=COMPLETED_ON,
            warranty_ends_on=LAST_DAY,
            rules=rules,
            at=SURVEY_AT,
        ),
        lambda t: accept_quote(t, SURVEY_AT),
        lambda t: schedule(t, date(2026, 3, 10), 2, SURVEY_AT),
        lambda t: start_repair(t, at(date(2026, 3, 10))),
        lambda t: complete(
            t, evaluation_score=5, comment="tidy", fee_paid_fen=35_000, at=at(date(2026, 3, 11))
        ),
        lambda t: claim_reimbursement(t, 8_000, at(date(2026, 3, 12))),
        lambda t: approve_reimbursement(t, ApprovalLevel.DEPT_HEAD, "li", at(date(2026, 3, 13))),
        lambda t: approve_reimbursement(t, ApprovalLevel.FINANCE, "zhao", at(date(2026, 3, 14))),
        lambda t: close(t, "joint replaced", at(date(2026, 3, 15))),
    ]
    t = opened()
    for step in steps:
        if t.status is status:
            break
        t = step(t)
    assert t.status is status
    return t


def test_full_paid_path_with_reimbursement(rules: RepairRules):
    t = walk_to(Status.CLOSED, rules)
    assert t.version == 12  # opened at 1, eleven steps
    assert t.fee_quote_fen == 35_000 and t.fee_paid_fen == 35_000 and t.quote_accepted
    assert t.reimbursement_fen == 8_000
    assert (t.dept_approved_by, t.finance_approved_by) == ("li", "zhao")
    assert t.summary == "joint replaced"


def test_covered_repair_skips_the_quote_and_closes_without_expenses(rules: RepairRules):
    t = surveyed(rules, covered=True)
    assert t.covered is True and t.fee_quote_fen == 0 and t.warranty_ends_on == date(2026, 11, 26)
    with pytest.raises(DomainError) as refused:
        accept_quote(t, SURVEY_AT)
    assert refused.value.code == WRONG_STATE and "covered by the warranty" in refused.value.detail
    t = schedule(t, date(2026, 3, 5), 1, SURVEY_AT)
    t = complete(t, evaluation_score=4, comment="", fee_paid_fen=None, at=at(date(2026, 3, 5)))
    assert t.fee_paid_fen == 0
    t = close(t, "joint replaced, no expenses", at(date(2026, 3, 6)))
    assert t.status is Status.CLOSED and t.reimbursement_fen == 0


def test_schedule_refused_until_the_fee_quote_is_accepted(rules: RepairRules):
    t = surveyed(rules, covered=False)
    assert t.covered is False and t.fee_quote_fen == 35_000
    with pytest.raises(DomainError) as refused:
        schedule(t, date(2026, 3, 10), 2, SURVEY_AT)
    assert refused.value.code == QUOTE_NOT_ACCEPTED and refused.value.http_status == 409
    assert refused.value.detail == (
        "the customer has not accepted the fee quote of 350.00 yuan; accept it before scheduling"
    )
    t = accept_quote(t, SURVEY_AT)
    t = schedule(t, date(2026, 3, 10), 2, SURVEY_AT)
    assert t.status is Status.SCHEDULED and (t.repair_on, t.duration_days) == (date(2026, 3, 10), 2)


def test_schedule_needs_at_least_one_day_not_before_the_survey(rules: RepairRules):
    t = surveyed(rules, covered=True)
    with pytest.raises(DomainError) as zero:
        schedule(t, date(2026, 3, 10), 0, SURVEY_AT)
    assert zero.value.code == INVALID_VALUE and zero.value.http_status == 422
    with pytest.raises(DomainError) as early:
        schedule(t, date(2026, 3, 2), 1, SURVEY_AT)
    assert "before the site survey on 2026-03-03" in early.value.detail


def test_booking_the_survey_is_the_first_contact(rules: RepairRules):
    t = assign(opened(), "wang", OPENED_AT + timedelta(hours=1))
    assert (t.status, t.staff, t.version) == (Status.ASSIGNED, "wang", 2)
    t = book_survey(t, SURVEY_AT, OPENED_AT + timedelta(hours=3))
    t = book_survey(t, SURVEY_AT + timedelta(days=1), OPENED_AT + timedelta(hours=30))
    assert t.first_contact_at == OPENED_AT + timedelta(hours=3)
    assert t.survey_at == SURVEY_AT + timedelta(days=1) and t.version == 4


def test_completion_checks_score_and_fee(rules: RepairRules):
    paid = walk_to(Status.IN_REPAIR, rules)
    done_at = at(date(2026, 3, 11))
    for score in (0, 6):
        with pytest.raises(DomainError, match="1 to 5"):
            complete(paid, evaluation_score=score, comment="", fee_paid_fen=35_000, at=done_at)
    with pytest.raises(DomainError, match=r"must equal the accepted quote of 350\.00 yuan"):
        complete(paid, evaluation_score=3, comment="", fee_paid_fen=30_000, at=done_at)
    with pytest.raises(DomainError, match="needs the fee receipt"):
        complete(paid, evaluation_score=3, comment="", fee_paid_fen=None, at=done_at)
    free = schedule(surveyed(rules, covered=True), date(2026, 3, 5), 1, SURVEY_AT)
    with pytest.raises(DomainError, match="no fee may be charged"):
        complete(free, evaluation_score=3, comment="", fee_paid_fen=100, at=done_at)


def test_reimbursement_rules(rules: RepairRules):
    done = walk_to(Status.COMPLETED, rules)
    with pytest.raises(DomainError, match="close the ticket directly") as zero:
        claim_reimbursement(done, 0, at(date(2026, 3, 12)))
    assert zero.value.code == INVALID_VALUE
    claimed = claim_reimbursement(done, 8_000, at(date(2026, 3, 12)))
    with pytest.raises(DomainError) as early:
        approve_reimbursement(claimed, ApprovalLevel.FINANCE, "zhao", at(date(2026, 3, 13)))
    assert early.value.code == WRONG_STATE
    assert "department head approves" in early.value.detail
    with pytest.raises(DomainError, match="close the ticket while the ticket is reimbursement"):
        close(claimed, "done", at(date(2026, 3, 13)))


def test_close_requires_a_summary(rules: RepairRules):
    with pytest.raises(DomainError, match="summary is required") as refused:
        close(walk_to(Status.COMPLETED, rules), "  ", at(date(2026, 3, 12)))
    assert refused.value.field == "summary"


def call(step: Step, t: Ticket, rules: RepairRules) -> object:
    """Run `step` on `t` with valid arguments."""
    when = at(date(2026, 3, 20))
    actions: dict[Step, Callable[[], object]] = {
        Step.ASSIGN: lambda: assign(t, "wang", when),
        Step.BOOK_SURVEY: lambda: book_survey(t, SURVEY_AT, when),
        Step.RECORD_SURVEY: lambda: record_survey(
            t,
            findings="f",
            proposed_fix="p",
            problem_kind=ProblemKind.LEAK,
            completed_on=COMPLETED_ON,
            warranty_ends_on=LAST_DAY,
            rules=rules,
            at=when,
        ),
        Step.ACCEPT_QUOTE: lambda: accept_quote(t, when),
        Step.SCHEDULE: lambda: schedule(t, date(2026, 3, 25), 1, when),
        Step.START_REPAIR: lambda: start_repair(t, when),
        Step.COMPLETE: lambda: complete(
            t, evaluation_score=5, comment="", fee_paid_fen=35_000, at=when
        ),
        Step.CLAIM_REIMBURSEMENT: lambda: claim_reimbursement(t, 1_000, when),
        Step.APPROVE_DEPT: lambda: approve_reimbursement(t, ApprovalLevel.DEPT_HEAD, "li", when),
        Step.APPROVE_FINANCE: lambda: approve_reimbursement(t, ApprovalLevel.FINANCE, "zh", when),
        Step.CLOSE: lambda: close(t, "summary", when),
        Step.REPORT_NEW_PROBLEM: lambda: new_problem_ticket(t, "cracked tile", "r2", when),
        Step.ADD_PHOTO: lambda: check_photo(t, "image/jpeg", 1_000, rules),
    }
    return actions[step]()


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("step", list(Step))
def test_every_step_out_of_order_is_refused(step: Step, status: Status, rules: RepairRules):
    t = walk_to(status, rules)
    if status in ALLOWED_FROM[step]:
        if status is Status.SURVEYED and step is Step.SCHEDULE:
            with pytest.raises(DomainError) as gate:
                call(step, t, rules)
            assert gate.value.code == QUOTE_NOT_ACCEPTED
            return
        result = call(step, t, rules)
        assert result is None or isinstance(result, Ticket)
        return
    with pytest.raises(DomainError) as refused:
        call(step, t, rules)
    assert refused.value.code == WRONG_STATE and refused.value.http_status == 409
    assert refused.value.detail.startswith("cannot ")
    assert "next: " in refused.value.detail


def test_out_of_order_detail_names_the_next_step(rules: RepairRules):
    with pytest.raises(DomainError) as refused:
        schedule(walk_to(Status.ASSIGNED, rules), date(2026, 3, 10), 1, SURVEY_AT)
    assert refused.value.detail == (
        "cannot schedule the repair while the ticket is assigned;"
        " next: book the site survey with the customer"
    )


# --- new problem found during the repair -----------------------------------------------------


@pytest.mark.parametrize("status", [Status.SCHEDULED, Status.IN_REPAIR])
def test_new_problem_opens_a_linked_ticket(status: Status, rules: RepairRules):
    parent = walk_to(status, rules)
    found_at = at(date(2026, 3, 10), 15)
    child = new_problem_ticket(parent, "cracked tile behind the sink", "r2", found_at)
    assert (child.id, child.parent_id, child.status, child.version) == ("r2", "r1", "opened", 1)
    assert (child.customer_id, child.project_id, child.address) == ("c1", "p1", "1 Road")
    assert child.complaint_id is None and child.opened_at == found_at
    assert child.problem == "cracked tile behind the sink" and child.covered is None


def test_new_problem_refused_outside_the_repair(rules: RepairRules):
    with pytest.raises(DomainError, match="only during a scheduled or ongoing repair"):
        new_problem_ticket(walk_to(Status.COMPLETED, rules), "crack", "r2", OPENED_AT)


# --- service levels ------------------------------------------------------------------------------


def test_sla_targets_are_24_and_72_hours_from_opening(rules: RepairRules):
    t = opened()
    assert sla_deadlines(t, rules) == [
        (SlaStep.FIRST_CONTACT, datetime(2026, 3, 3, 9, 0, tzinfo=BUSINESS_TZ)),
        (SlaStep.SURVEY, datetime(2026, 3, 5, 9, 0, tzinfo=BUSINESS_TZ)),
    ]
    second = timedelta(seconds=1)
    contact_due = OPENED_AT + timedelta(hours=24)
    survey_due = OPENED_AT + timedelta(hours=72)
    assert not breached(t, SlaStep.FIRST_CONTACT, contact_due - second, rules)
    assert breached(t, SlaStep.FIRST_CONTACT, contact_due + second, rules)
    assert not breached(t, SlaStep.SURVEY, survey_due - second, rules)
    assert breached(t, SlaStep.SURVEY, survey_due + second, rules)
    assert breaches(t, contact_due + second, rules) == [(SlaStep.FIRST_CONTACT, contact_due)]


def test_sla_judges_the_time_the_step_was_done(rules: RepairRules):
    contact_due = OPENED_AT + timedelta(hours=24)
    t = assign(opened(), "wang", OPENED_AT)
    on_time = book_survey(t, SURVEY_AT, contact_due - timedelta(minutes=1))
    late = book_survey(t, SURVEY_AT, contact_due + timedelta(minutes=1))
    much_later = contact_due + timedelta(days=30)
    assert not breached(on_time, SlaStep.FIRST_CONTACT, much_later, rules)
    assert breached(late, SlaStep.FIRST_CONTACT, much_later, rules)


def test_sla_hours_are_configurable():
    custom = RepairRules(sla_first_contact_hours=4, sla_survey_hours=48)
    t = opened()
    assert not breached(t, SlaStep.FIRST_CONTACT, OPENED_AT + timedelta(hours=4), custom)
    assert breached(t, SlaStep.FIRST_CONTACT, OPENED_AT + timedelta(hours=4, seconds=1), custom)
    assert breached(t, SlaStep.SURVEY, OPENED_AT + timedelta(hours=48, seconds=1), custom)


def test_repair_is_due_by_the_end_of_its_last_planned_day(rules: RepairRules):
    t = walk_to(Status.SCHEDULED, rules)  # 10 March for 2 days: last day 11 March
    due = dict(sla_deadlines(t, rules))[SlaStep.REPAIR]
    assert due == datetime(2026, 3, 12, 0, 0, tzinfo=BUSINESS_TZ)
    assert not breached(t, SlaStep.REPAIR, datetime(2026, 3, 11, 23, 59, tzinfo=BUSINESS_TZ), rules)
    assert breached(t, SlaStep.REPAIR, datetime(2026, 3, 12, 0, 1, tzinfo=BUSINESS_TZ), rules)
    assert not breached(opened(), SlaStep.REPAIR, datetime(2030, 1, 1, tzinfo=BUSINESS_TZ), rules)


def test_booked_visit_names_survey_then_repair(rules: RepairRules):
    survey = booked_visit(walk_to(Status.SURVEY_BOOKED, rules))
    assert survey is not None and (survey.kind, survey.at) == (RepairKind.SURVEY, SURVEY_AT)
    repair = booked_visit(walk_to(Status.SCHEDULED, rules))
    assert repair is not None and repair.kind is RepairKind.REPAIR
    assert (repair.on, repair.duration_days) == (date(2026, 3, 10), 2)
    assert booked_visit(opened()) is None


# --- materials, photos, complaints ---------------------------------------------------------------

MATERIALS = [
    {
        "category": "Paint",
        "supplier": "S1",
        "brand": "Nippon",
        "model": "A1",
        "spec": "5L",
        "colour": "NN-0301",
    },
    {"category": "coating", "supplier": "S1", "brand": "Dulux", "model": "C2", "spec": "1L"},
    {
        "category": "tile",
        "supplier": "S2",
        "brand": "Marco",
        "model": "T8",
        "spec": "600x600",
        "colour": "grey",
    },
    {"category": "plumbing", "supplier": "S3", "brand": "Rifeng", "model": "PPR", "spec": "20mm"},
    {"category": "electrical", "supplier": "S4", "brand": "Chint", "model": "BV", "spec": "2.5"},
]


@pytest.mark.parametrize(
    ("kind", "brands"),
    [
        (ProblemKind.PAINT, ["Nippon", "Dulux"]),
        (ProblemKind.TILE, ["Marco"]),
        (ProblemKind.LEAK, ["Rifeng"]),
        (ProblemKind.PLUMBING, ["Rifeng"]),
        (ProblemKind.ELECTRICAL, ["Chint"]),
        (ProblemKind.CRACK, ["Nippon", "Dulux", "Marco", "Rifeng", "Chint"]),
        (ProblemKind.OTHER, ["Nippon", "Dulux", "Marco", "Rifeng", "Chint"]),
        (ProblemKind.CARPENTRY, []),
    ],
)
def test_materials_list_selects_what_the_problem_needs(kind: ProblemKind, brands: list[str]):
    selected = materials_list(MATERIALS, kind)
    assert [item["brand"] for item in selected] == brands


def test_materials_list_keeps_supplier_model_spec_colour():
    [paint, coating] = materials_list(MATERIALS, ProblemKind.PAINT)
    assert paint == {
        "category": "Paint",
        "supplier": "S1",
        "brand": "Nippon",
        "model": "A1",
        "spec": "5L",
        "colour": "NN-0301",
    }
    assert coating["colour"] is None


def test_photo_limits(rules: RepairRules):
    t = walk_to(Status.IN_REPAIR, rules)
    ten_mib = 10 * 1024 * 1024
    check_photo(t, "image/jpeg", ten_mib, rules)
    check_photo(t, "application/pdf", 1, rules)
    with pytest.raises(DomainError) as big:
        check_photo(t, "image/png", ten_mib + 1, rules)
    assert big.value.code == PHOTO_TOO_LARGE and big.value.http_status == 413
    with pytest.raises(DomainError) as gif:
        check_photo(t, "image/gif", 100, rules)
    assert gif.value.code == PHOTO_TYPE_NOT_ALLOWED and gif.value.http_status == 422
    with pytest.raises(DomainError) as archived:
        check_photo(walk_to(Status.CLOSED, rules), "image/webp", 100, rules)
    assert archived.value.code == WRONG_STATE


def test_quality_complaint_on_a_project_opens_a_repair():
    assert complaint_opens_repair(ComplaintCategory.QUALITY, SubjectKind.PROJECT)
    assert not complaint_opens_repair(ComplaintCategory.QUALITY, None)
    assert not complaint_opens_repair(ComplaintCategory.SERVICE, SubjectKind.PROJECT)


def test_settings_defaults_and_environment(monkeypatch: pytest.MonkeyPatch):
    defaults = AftersalesSettings()
    assert defaults.http_port == 8003
    assert defaults.uncovered_kinds == {ProblemKind.CUSTOMER_DAMAGE, ProblemKind.NORMAL_WEAR}
    assert (defaults.sla_first_contact_hours, defaults.sla_survey_hours) == (24, 72)
    assert defaults.photo_max_bytes == 10 * 1024 * 1024
    assert set(defaults.fee_schedule_fen) == set(ProblemKind)
    monkeypatch.setenv("KEFU_AFTERSALES_UNCOVERED_KINDS", '["paint"]')
    monkeypatch.setenv("KEFU_AFTERSALES_FEE_SCHEDULE_FEN", '{"leak": 50000}')
    monkeypatch.setenv("KEFU_AFTERSALES_SLA_FIRST_CONTACT_HOURS", "12")
    env = AftersalesSettings()
    assert env.uncovered_kinds == {ProblemKind.PAINT}
    assert env.fee_schedule_fen == {ProblemKind.LEAK: 50_000}
    assert env.sla_first_contact_hours == 12
    # The rules get the configured figures, not the defaults.
    figures = env.rules()
    assert figures.uncovered_kinds == {ProblemKind.PAINT}
    assert dict(figures.fee_schedule_fen) == {ProblemKind.LEAK: 50_000}
    assert figures.sla_first_contact_hours == 12
    assert defaults.rules() == RepairRules()


def test_report_months_are_months_of_the_shanghai_calendar():
    assert parse_month("2026-10") == (
        datetime(2026, 10, 1, tzinfo=BUSINESS_TZ),
        datetime(2026, 11, 1, tzinfo=BUSINESS_TZ),
    )
    assert parse_month(" 2026-12 ")[1] == datetime(2027, 1, 1, tzinfo=BUSINESS_TZ)
    for bad in ("2026-13", "2026-1", "26-10", "2026-10-01", ""):
        with pytest.raises(ValueError, match="YYYY-MM"):
            parse_month(bad)
    # 30 Sep 16:30 UTC is already 1 October in Shanghai.
    assert month_of(datetime(2026, 9, 30, 16, 30, tzinfo=UTC)) == "2026-10"
    assert month_of(datetime(2026, 9, 30, 15, 59, tzinfo=UTC)) == "2026-09"


@pytest.mark.parametrize(
    ("status", "default"),
    [
        (Status.SURVEY_BOOKED, PhotoPhase.SURVEY),
        (Status.SURVEYED, PhotoPhase.SURVEY),
        (Status.QUOTE_ACCEPTED, PhotoPhase.SURVEY),
        (Status.SCHEDULED, PhotoPhase.DURING),
        (Status.IN_REPAIR, PhotoPhase.DURING),
        (Status.COMPLETED, PhotoPhase.AFTER),
        (Status.CLOSED, PhotoPhase.AFTER),
    ],
)
def test_duty_photos_carry_their_phase(status: Status, default: PhotoPhase, rules: RepairRules):
    """相片存档: 现场勘查 (survey), 维修过程 (during), 维修结束 (after) — a photo takes the phase it
    is given, else the one the ticket stands in; the repair's photos wait for its schedule."""
    t = walk_to(status, rules)
    assert photo_phase(t, None) is default
    assert photo_phase(t, PhotoPhase.SURVEY) is PhotoPhase.SURVEY
    started = status not in (Status.SURVEY_BOOKED, Status.SURVEYED, Status.QUOTE_ACCEPTED)
    for phase in (PhotoPhase.DURING, PhotoPhase.AFTER):
        if started:
            assert photo_phase(t, phase) is phase
        else:
            with pytest.raises(DomainError) as err:
                photo_phase(t, phase)
            assert (err.value.code, err.value.field) == ("photo_phase", "phase")


def test_duty_completion_needs_a_photo_of_the_end(rules: RepairRules):
    """维修结束相片(存档): no photo of the finished repair, no completion (configurable)."""
    with pytest.raises(DomainError) as err:
        require_after_photo(0, rules)
    assert err.value.code == "after_photo_missing" and err.value.http_status == 409
    require_after_photo(1, rules)
    assert rules.after_photo_required is True
    require_after_photo(0, AftersalesSettings(after_photo_required=False).rules())


# --- the life cycle's words and its tables ---------------------------------------------------------


def test_a_ticket_is_opened_with_what_it_was_given() -> None:
    t = opened()
    assert (t.id, t.customer_id, t.project_id, t.complaint_id, t.problem, t.address) == (
        "r1",
        "c1",
        "p1",
        "k1",
        "water under the sink",
        "1 Road",
    )
    assert (t.status, t.version, t.opened_at, t.parent_id) == (Status.OPENED, 1, OPENED_AT, None)


def test_staff_are_assigned_until_the_repair_is_under_way_and_photos_until_closing() -> None:
    assert ALLOWED_FROM[Step.ASSIGN] == {
        Status.OPENED,
        Status.ASSIGNED,
        Status.SURVEY_BOOKED,
        Status.SURVEYED,
        Status.QUOTE_ACCEPTED,
        Status.SCHEDULED,
        Status.IN_REPAIR,
    }
    assert ALLOWED_FROM[Step.ADD_PHOTO] == set(Status) - {
        Status.OPENED,
        Status.ASSIGNED,
        Status.CLOSED,
    }


def test_what_comes_next_for_a_surveyed_ticket_names_the_fee_or_the_warranty(
    rules: RepairRules,
) -> None:
    paid = surveyed(rules, covered=False)
    assert next_words(paid) == (
        f"the customer accepts the fee quote of {yuan(paid.fee_quote_fen or 0)} yuan, "
        "then schedule the repair"
    )
    assert paid.fee_quote_fen and paid.fee_quote_fen > 0
    no_quote = replace(paid, fee_quote_fen=None)
    assert next_words(no_quote) == (
        "the customer accepts the fee quote of 0.00 yuan, then schedule the repair"
    )
    assert next_words(surveyed(rules, covered=True)) == (
        "schedule the repair (covered by the warranty)"
    )
    with pytest.raises(DomainError) as info:
        start_repair(surveyed(rules, covered=True), at(date(2026, 3, 10)))
    assert info.value.detail == (
        "cannot start the repair while the ticket is surveyed; "
        "next: schedule the repair (covered by the warranty)"
    )
    with pytest.raises(DomainError) as info:
        start_repair(walk_to(Status.SURVEY_BOOKED, rules), at(date(2026, 3, 10)))
    assert info.value.detail == (
        "cannot start the repair while the ticket is survey booked; next: record the site survey"
    )
