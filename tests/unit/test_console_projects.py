"""How the console reads a project and a repair: yuan, the stage timeline, the plan's totals,
sign-offs by stage, the list a person starts from, the transition form."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from services.console.api.models import (
    STEP_FORMS,
    CompletionForm,
    ScheduleForm,
    SurveyBookingForm,
    TransitionForm,
    invalid_fields,
)
from services.console.api.navigation import links
from services.console.domain import Staff
from services.console.domain.projects import (
    approval_level,
    fen_of,
    plan_totals,
    project_filters,
    repair_filters,
    repair_steps,
    signoffs_by_stage,
    timeline,
    yuan,
)
from shared.contracts.values import Role, Stage

pytestmark = pytest.mark.quick


def test_amounts_read_in_yuan() -> None:
    assert yuan(13_000_000) == "¥130,000.00"
    assert yuan(950_000) == "¥9,500.00"
    assert yuan(5) == "¥0.05"
    assert yuan(0) == "¥0.00"
    assert yuan(-12_345) == "-¥123.45"
    assert yuan(None) == ""


def test_the_timeline_has_every_stage_with_when_it_was_entered() -> None:
    history = [
        {"stage": "consultation", "at": "2026-03-01T09:00:00+08:00", "by": None},
        {"stage": "measurement", "at": "2026-03-02T10:00:00+08:00", "by": "eng-1"},
    ]
    steps = timeline("measurement", history)
    assert [s.stage for s in steps] == [s.value for s in Stage]
    assert [s.state for s in steps[:3]] == ["done", "current", "ahead"]
    assert steps[1].at == "2026-03-02T10:00:00+08:00" and steps[1].by == "eng-1"
    assert all(s.at is None and s.state == "ahead" for s in steps[2:])
    assert timeline("warranty", [])[-1].state == "current"


def test_the_plan_totals_add_up_the_instalments() -> None:
    rows = [
        {"amount_fen": 13_000_000, "paid_fen": 5_000_000, "outstanding_fen": 8_000_000},
        {"amount_fen": 6_000_000, "paid_fen": 0, "outstanding_fen": 6_000_000},
        {"amount_fen": 950_000, "paid_fen": 0, "outstanding_fen": 950_000},
    ]
    totals = plan_totals(rows)
    assert (totals.amount_fen, totals.paid_fen, totals.outstanding_fen) == (
        19_950_000,
        5_000_000,
        14_950_000,
    )
    assert plan_totals([]).amount_fen == 0


def test_sign_offs_are_grouped_by_stage_in_stage_order() -> None:
    signoffs = [
        {"stage": "midterm_accepted", "party": "customer", "name": "赵磊"},
        {"stage": "works_started", "party": "supervisor", "name": "钱"},
        {"stage": "works_started", "party": "customer", "name": "赵磊"},
    ]
    groups = signoffs_by_stage(signoffs)
    assert [stage for stage, _ in groups] == ["works_started", "midterm_accepted"]
    assert [s["party"] for s in groups[0][1]] == ["supervisor", "customer"]


def test_a_project_manager_starts_from_their_projects_a_branch_from_its_own() -> None:
    pm = Staff("chen.pm", Role.ENGINEERING)
    assert project_filters(pm, {}) == {"project_manager": "chen.pm"}
    assert project_filters(pm, {"mine": "0", "stage": "contract"}) == {"stage": "contract"}
    assert project_filters(pm, {"stage": "nonsense"}) == {"project_manager": "chen.pm"}
    branch_manager = Staff("he.mgr", Role.MANAGER, branch="SH01")
    assert project_filters(branch_manager, {}) == {"branch_id": "SH01"}
    assert project_filters(branch_manager, {"branch": "0"}) == {}
    assert project_filters(Staff("li.na", Role.CS), {"mine": "1"}) == {"project_manager": "li.na"}
    assert repair_filters({"status": "surveyed"}, ("opened", "surveyed")) == {"status": "surveyed"}
    assert repair_filters({"status": "'; drop"}, ("opened", "surveyed")) == {}


def test_the_navigation_offers_projects_and_repairs_to_the_roles_that_read_them() -> None:
    def paths(role: Role, **claims: str) -> list[str]:
        return [link.path for link in links(Staff("x", role, **claims))]

    assert "/projects" in paths(Role.ENGINEERING) and "/repairs" not in paths(Role.ENGINEERING)
    assert "/repairs" in paths(Role.BRANCH, branch="SH01")
    assert "/projects" not in paths(Role.BRANCH, branch="SH01")
    assert {"/projects", "/repairs"} <= set(paths(Role.CS))
    assert {"/projects", "/repairs"} <= set(paths(Role.ADMIN))
    assert "/projects" not in paths(Role.RECEPTION) and "/repairs" not in paths(Role.RECEPTION)


def test_the_transition_form_becomes_the_api_body() -> None:
    form = TransitionForm.model_validate(
        {"csrf_token": "t", "to": "works_started", "note": " 开工 "}
    )
    assert form.body() == {"to": "works_started", "note": "开工"}
    assert TransitionForm.model_validate({"to": "design"}).body() == {"to": "design"}
    with pytest.raises(ValidationError):
        TransitionForm.model_validate({"to": "moon"})
    with pytest.raises(ValidationError):
        TransitionForm.model_validate({"to": "design", "extra": "x"})


def test_a_repair_offers_the_steps_its_status_allows_to_the_roles_that_take_them() -> None:
    def steps(status: str, role: Role = Role.AFTERSALES, **ticket: Any) -> list[str]:
        return repair_steps({"status": status, **ticket}, role)

    assert steps("opened") == ["assignment"]
    assert steps("assigned") == ["assignment", "survey-booking"]
    assert steps("survey_booked") == ["assignment", "survey-booking", "survey", "photos"]
    unpaid = {"warranty": {"covered": False}, "quote_accepted": False}
    assert steps("surveyed", **unpaid) == ["assignment", "quote-acceptance", "photos"]
    covered = {"warranty": {"covered": True}}
    assert steps("surveyed", **covered) == ["assignment", "schedule", "photos"]
    assert steps("in_repair") == ["assignment", "completion", "photos"]
    assert steps("completed") == ["reimbursement", "closure", "photos"]
    assert steps("reimbursement_claimed") == ["photos"]
    assert steps("closed") == []
    assert steps("surveyed", Role.CS, **unpaid) == []
    assert steps("reimbursement_claimed", Role.DEPT_HEAD) == ["approval"]
    assert steps("reimbursement_claimed", Role.FINANCE) == []
    assert steps("reimbursement_dept_approved", Role.FINANCE) == ["approval"]
    assert "approval" in steps("reimbursement_dept_approved", Role.ADMIN)
    assert approval_level("reimbursement_claimed") == "dept_head"
    assert approval_level("reimbursement_dept_approved") == "finance"


def test_amounts_typed_in_yuan_become_fen() -> None:
    assert fen_of("350") == 35_000
    assert fen_of("350.5") == 35_050
    assert fen_of(" ¥1,350.05 ") == 135_005
    for bad in ("", "abc", "1.234", "-5", "1e3", "1.x"):
        with pytest.raises(ValueError):
            fen_of(bad)


def test_the_repair_step_forms_become_the_api_bodies() -> None:
    booking = SurveyBookingForm.model_validate({"at": "2026-12-08T10:00"}).body()
    assert booking == {"at": "2026-12-08T10:00:00+08:00"}  # the wall clock in Shanghai
    schedule = ScheduleForm.model_validate({"day": "2026-12-09", "duration_days": "2"})
    assert schedule.body() == {"date": "2026-12-09", "duration_days": 2}
    done = CompletionForm.model_validate(
        {"evaluation_score": "5", "comment": " 好 ", "fee_paid": "200.00"}
    )
    assert done.body() == {"evaluation_score": 5, "comment": "好", "fee_paid_fen": 20_000}
    covered = CompletionForm.model_validate({"evaluation_score": "4"}).body()
    assert covered == {"evaluation_score": 4, "comment": ""}
    with pytest.raises(ValidationError) as bad:
        CompletionForm.model_validate({"evaluation_score": "5", "fee_paid": "two hundred"})
    assert invalid_fields(bad.value).keys() == {"fee_paid"}
    with pytest.raises(ValidationError):
        STEP_FORMS["assignment"].model_validate({"staff": "a b"})
    assert STEP_FORMS["quote-acceptance"].model_validate({"csrf_token": "t"}).body() == {}
