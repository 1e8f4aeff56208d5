"""How the console reads a project and a repair: yuan, the stage timeline, the plan's totals,
sign-offs by stage, the list a person starts from, the transition form."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.console.api.models import TransitionForm
from services.console.api.navigation import links
from services.console.domain import Staff
from services.console.domain.projects import (
    plan_totals,
    project_filters,
    repair_filters,
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
