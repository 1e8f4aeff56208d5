"""How a project and a repair read on screen (services/console/domain/projects.py), at the
edges: a stage the console does not know, a note on a stage, instalments with figures
missing, sign-offs of an unknown stage, the filters a query leaves out, a quote accepted."""

from __future__ import annotations

from typing import Any

import pytest

from services.console.domain import Staff
from services.console.domain.projects import (
    REPAIR_STATUSES,
    PlanTotals,
    StageStep,
    fen_of,
    plan_totals,
    project_filters,
    repair_filters,
    repair_steps,
    signoffs_by_stage,
    timeline,
)
from shared.contracts.values import Role, Stage

pytestmark = pytest.mark.quick

STAGES = [s.value for s in Stage]


def test_each_stage_on_the_timeline_keeps_when_by_whom_and_its_note() -> None:
    history: list[dict[str, Any]] = [
        {"stage": STAGES[0], "at": "2026-03-01T09:00:00+08:00", "by": "a", "note": "首次来电"},
        {"stage": STAGES[1], "at": "2026-03-02T09:00:00+08:00", "by": "b", "note": None},
    ]
    steps = timeline(STAGES[2], history)
    assert steps[:3] == [
        StageStep(STAGES[0], "done", "2026-03-01T09:00:00+08:00", "a", "首次来电"),
        StageStep(STAGES[1], "done", "2026-03-02T09:00:00+08:00", "b", None),
        StageStep(STAGES[2], "current"),
    ]
    assert steps[3:] == [StageStep(stage, "ahead") for stage in STAGES[3:]]


def test_a_stage_the_console_does_not_know_has_reached_nothing() -> None:
    assert timeline("demolished", []) == [StageStep(stage, "ahead") for stage in STAGES]


def test_the_first_stage_is_current_with_nothing_done() -> None:
    states = [s.state for s in timeline(STAGES[0], [])]
    assert states == ["current"] + ["ahead"] * (len(STAGES) - 1)


def test_an_instalment_without_a_figure_counts_nothing() -> None:
    rows: list[dict[str, Any]] = [
        {"amount_fen": 100, "paid_fen": 40, "outstanding_fen": 60},
        {"amount_fen": None, "paid_fen": None, "outstanding_fen": None},
        {},
        {"amount_fen": "7", "paid_fen": "3", "outstanding_fen": "4"},
    ]
    assert plan_totals(rows) == PlanTotals(107, 43, 64)
    assert plan_totals(iter(rows)) == PlanTotals(107, 43, 64)  # read once, summed thrice


def test_sign_offs_of_a_stage_the_console_does_not_know_come_last() -> None:
    signoffs = [
        {"stage": "handover_extra", "party": "customer"},
        {"stage": STAGES[-1], "party": "customer"},
        {"stage": STAGES[0], "party": "engineer"},
    ]
    assert [stage for stage, _ in signoffs_by_stage(signoffs)] == [
        STAGES[0],
        STAGES[-1],
        "handover_extra",
    ]


def test_a_person_without_a_branch_and_not_an_engineer_starts_from_every_project() -> None:
    assert project_filters(Staff("li.na", Role.CS), {}) == {}
    assert project_filters(Staff("li.na", Role.CS), {"mine": "0"}) == {}
    assert project_filters(Staff("li.na", Role.CS), {"mine": "yes"}) == {}
    pm = Staff("chen.pm", Role.ENGINEERING, branch="SH01")
    assert project_filters(pm, {"stage": STAGES[3], "branch": "1"}) == {
        "project_manager": "chen.pm",
        "branch_id": "SH01",
        "stage": STAGES[3],
    }
    assert project_filters(pm, {"mine": "", "branch": "", "stage": ""}) == {}


def test_the_repair_list_filters_by_a_known_status_only() -> None:
    assert repair_filters({}, REPAIR_STATUSES) == {}
    assert repair_filters({"status": "closed"}, REPAIR_STATUSES) == {"status": "closed"}


def test_an_accepted_quote_is_not_offered_again_and_the_repair_may_be_scheduled() -> None:
    accepted = {"status": "surveyed", "quote_accepted": True, "warranty": {"covered": False}}
    assert repair_steps(accepted, Role.AFTERSALES) == ["assignment", "schedule", "photos"]
    assert repair_steps({"quote_accepted": True}, Role.AFTERSALES) == []
    assert repair_steps({}, Role.ADMIN) == []


@pytest.mark.parametrize(
    ("typed", "fen"),
    [("0", 0), ("0.5", 50), ("0.05", 5), ("12.", 1200), ("1,000", 100_000), ("¥7", 700)],
)
def test_yuan_become_fen(typed: str, fen: int) -> None:
    assert fen_of(typed) == fen


@pytest.mark.parametrize("typed", ["", ".5", "1.234", "1.-5", "壹佰"])
def test_what_is_not_an_amount_is_refused_in_words(typed: str) -> None:
    with pytest.raises(ValueError, match=r"^an amount in yuan, at most two decimals$"):
        fen_of(typed)
