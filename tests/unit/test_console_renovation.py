"""The renovation customer's page folds the fifteen stages into five phases (issue 19)."""

from __future__ import annotations

import pytest

from services.console.domain.renovation import PHASES, phase_of, phases
from shared.contracts.values import Stage

pytestmark = pytest.mark.quick


def test_every_stage_is_in_one_phase_in_order() -> None:
    folded = [stage for _, stages in PHASES for stage in stages]
    assert folded == list(Stage)
    assert [name for name, _ in PHASES] == ["design", "contract", "works", "completed", "warranty"]


def test_the_phase_of_a_stage() -> None:
    assert phase_of("consultation") == "design"
    assert phase_of("design") == "design"
    assert phase_of("contract") == "contract"
    assert phase_of("works_started") == "works"
    assert phase_of("painting_accepted") == "works"
    assert phase_of("completed") == "completed"
    assert phase_of("warranty") == "warranty"
    assert phase_of("not_a_stage") == "design"


def test_the_phases_done_up_to_the_current_one() -> None:
    assert [(s.name, s.done, s.current) for s in phases("midterm_accepted")] == [
        ("design", True, False),
        ("contract", True, False),
        ("works", True, True),
        ("completed", False, False),
        ("warranty", False, False),
    ]
    assert [(s.done, s.current) for s in phases("measurement")][:2] == [
        (True, True),
        (False, False),
    ]
    assert all(s.done for s in phases("warranty")) and phases("warranty")[-1].current
    assert [s.current for s in phases("unknown")] == [True, False, False, False, False]
