"""The projects rules at their edges: every refusal's field, code and words as the API shows
them, each time without its offset named, and the equal-to bounds of care, design acceptance,
material checks and ratings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from services.projects.domain import (
    CareRequirement,
    CompletedCallback,
    ContractedItem,
    DeliveredItem,
    ProjectCare,
    RatedCall,
    StageEntry,
    book_design_acceptance,
    care_compliance,
    check_materials,
    compliance,
    deadlines_for,
    is_missed,
    made_calls,
    next_pick_at,
    open_project,
    record_design_acceptance,
    required_calls,
    satisfaction_by_role,
    spot_week,
)
from shared.contracts.values import CallbackPurpose, Stage
from shared.errors import DomainError

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 3, 9, 10, tzinfo=SH)
NAIVE = datetime(2026, 3, 9, 10)
ON = AT + timedelta(days=2)
SITE = replace(
    open_project("p-1", "c-1", AT, designer="des-1"), stage=Stage.PLUMBING_ELECTRICAL_ACCEPTED
)
BOOKED = book_design_acceptance(SITE, ON, "des-1", AT)
PAINT = ContractedItem("paint", "Nippon", "A-100", Decimal(6))


def _result(project: object = BOOKED, **over: object) -> object:
    values: dict[str, object] = {
        "accepted": True,
        "notes": "",
        "customer_name": "孙丽",
        "by": "des-1",
        "at": ON,
    }
    values.update(over)
    return record_design_acceptance(project, **values)  # type: ignore[arg-type]


REFUSALS: dict[str, tuple[Callable[[], object], str, str | None, int, str]] = {
    "someone else books": (
        lambda: book_design_acceptance(SITE, ON, "des-2", AT),
        "not_the_designer",
        None,
        409,
        "the project's designer (des-1) invites the customer",
    ),
    "booked after mid-term": (
        lambda: book_design_acceptance(
            replace(SITE, stage=Stage.MIDTERM_ACCEPTED), ON, "des-1", AT
        ),
        "design_acceptance_stage",
        None,
        409,
        "a design acceptance is booked once works started and before `midterm_accepted`; "
        "the project is at `midterm_accepted`",
    ),
    "booked again after the result": (
        lambda: book_design_acceptance(_result(), ON, "des-1", AT),  # type: ignore[arg-type]
        "design_acceptance_recorded",
        None,
        409,
        "the design acceptance already took place",
    ),
    "appointment before booking": (
        lambda: book_design_acceptance(SITE, AT - timedelta(seconds=1), "des-1", AT),
        "invalid_value",
        "on",
        422,
        "the appointment cannot be before it is booked",
    ),
    "result without booking": (
        lambda: _result(SITE),
        "design_acceptance_not_booked",
        None,
        409,
        "book the design acceptance first",
    ),
    "result twice": (
        lambda: _result(_result()),
        "design_acceptance_recorded",
        None,
        409,
        "the design acceptance already took place",
    ),
    "result before the appointment": (
        lambda: _result(at=ON - timedelta(seconds=1)),
        "invalid_value",
        "at",
        422,
        "the result comes after the appointment (2026-03-11T10:00:00+08:00)",
    ),
    "refused without notes": (
        lambda: _result(accepted=False, notes=" "),
        "invalid_value",
        "notes",
        422,
        "say what the customer wants changed",
    ),
    "result unsigned": (
        lambda: _result(customer_name=" "),
        "invalid_value",
        "customer_name",
        422,
        "the customer signs the result",
    ),
    "materials off site": (
        lambda: check_materials(
            replace(SITE, stage=Stage.CONTRACT), (PAINT,), [DeliveredItem("paint")], "e", AT
        ),
        "not_under_construction",
        None,
        409,
        "materials are accepted on a site under construction; this one is at `contract`",
    ),
    "materials not recorded": (
        lambda: check_materials(SITE, (), [DeliveredItem("paint")], "e", AT),
        "no_materials",
        None,
        409,
        "record the materials the contract names first (POST …/materials)",
    ),
    "nothing delivered": (
        lambda: check_materials(SITE, (PAINT,), [], "e", AT),
        "invalid_value",
        "items",
        422,
        "check at least one delivered item",
    ),
    "unknown rating role": (
        lambda: satisfaction_by_role([RatedCall("p-1", {"plumber": 3}, {})]),
        "invalid_value",
        "ratings",
        422,
        "unknown rating role 'plumber'",
    ),
    "rating out of range": (
        lambda: satisfaction_by_role([RatedCall("p-1", {"foreman": 0}, {})]),
        "invalid_value",
        "ratings",
        422,
        "foreman: 0 is outside 1–5",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_each_refusal_has_its_code_field_status_and_words(case: str) -> None:
    act, code, field, status, detail = REFUSALS[case]
    with pytest.raises(DomainError) as refused:
        act()
    got = refused.value
    assert (got.code, got.field, got.http_status, got.detail) == (code, field, status, detail)


NAIVE_TIMES: dict[str, tuple[Callable[[], object], str]] = {
    "required_calls": (lambda: required_calls((), NAIVE), "now"),
    "deadlines_for": (lambda: deadlines_for(Stage.CONTRACT, NAIVE), "at"),
    "is_missed": (lambda: is_missed(deadlines_for(Stage.CONTRACT, AT)[0], None, NAIVE), "now"),
    "booking time": (lambda: book_design_acceptance(SITE, ON, "des-1", NAIVE), "at"),
    "appointment": (lambda: book_design_acceptance(SITE, NAIVE, "des-1", AT), "on"),
    "result time": (lambda: _result(at=NAIVE), "at"),
    "material check": (lambda: check_materials(SITE, (PAINT,), [], "e", NAIVE), "at"),
    "spot week": (lambda: spot_week(NAIVE), "at"),
    "next pick": (lambda: next_pick_at(NAIVE), "after"),
}


@pytest.mark.parametrize("case", sorted(NAIVE_TIMES))
def test_a_time_without_offset_is_refused_naming_its_field(case: str) -> None:
    act, field = NAIVE_TIMES[case]
    with pytest.raises(DomainError) as refused:
        act()
    got = refused.value
    assert (got.field, got.http_status, got.detail) == (
        field,
        422,
        "a time must carry its UTC offset",
    )


def test_an_appointment_may_be_the_moment_it_is_booked() -> None:
    now = book_design_acceptance(SITE, AT, "des-1", AT).design_acceptance
    assert now is not None and now.on == AT


def test_a_stage_reached_at_this_very_instant_already_owes_its_calls() -> None:
    history = (StageEntry(Stage.CONTRACT, AT), StageEntry(Stage.WORKS_STARTED, ON))
    assert required_calls(history, ON).frontdesk == 3
    assert required_calls(history, ON - timedelta(microseconds=1)).frontdesk == 0


def test_no_weekly_call_is_owed_before_a_full_week_of_works() -> None:
    history = (StageEntry(Stage.WORKS_STARTED, AT),)
    assert required_calls(history, AT + timedelta(days=6, hours=23)).weekly == 0
    assert required_calls(history, AT + timedelta(days=7)).weekly == 1


def test_a_stage_named_on_a_call_of_another_purpose_is_no_stage_callback() -> None:
    made = made_calls([CompletedCallback(CallbackPurpose.PAYMENT_REMINDER, "contract")])
    assert made == CareRequirement(0, 0, frozenset())


def test_compliance_rounds_half_up_to_one_decimal() -> None:
    """1 of 80 owed calls is 1.25 %: the report shows 1.3, not the banker's 1.2."""
    owed = CareRequirement(frontdesk=80)
    assert compliance(owed, CareRequirement(frontdesk=1)) == Decimal("1.3")
    rows = care_compliance([ProjectCare("p-1", "pm-1", owed, CareRequirement(frontdesk=1))])
    assert rows[0].compliance_pct == Decimal("1.3")


def test_project_managers_are_listed_by_name_whatever_their_figures() -> None:
    owed = CareRequirement(frontdesk=3)
    rows = care_compliance(
        [
            ProjectCare("p-1", "pm-a", owed, CareRequirement()),
            ProjectCare("p-2", "pm-a", owed, CareRequirement()),
            ProjectCare("p-3", None, owed, CareRequirement()),
            ProjectCare("p-4", "pm-b", owed, CareRequirement(frontdesk=3)),
        ]
    )
    assert [(r.project_manager, r.projects) for r in rows] == [
        ("pm-a", 2),
        ("pm-b", 1),
        (None, 1),
    ]


def test_every_score_from_1_to_5_is_a_rating() -> None:
    calls = [RatedCall(f"p-{n}", {"foreman": n}, {"foreman": "fm"}) for n in range(1, 6)]
    [row] = satisfaction_by_role(calls)
    assert (row.ratings, row.lowest) == (5, 1)


def test_the_material_sheet_keeps_what_was_delivered_against_what() -> None:
    delivered = DeliveredItem("paint", "Nippon", "A-100", Decimal(5), note="一桶少")
    [item] = check_materials(SITE, (PAINT,), [delivered], "eng-1", AT).items
    assert (item.delivered, item.expected, item.mismatches) == (delivered, PAINT, ("quantity",))


def test_a_delivery_without_brand_or_model_mismatches_a_contract_that_names_them() -> None:
    [item] = check_materials(
        SITE, (PAINT,), [DeliveredItem("paint", quantity=Decimal(6))], "e", AT
    ).items
    assert item.mismatches == ("brand", "model")
