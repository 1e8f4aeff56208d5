"""Satisfaction by role and person (《家装公司客服部工作流程》设计师、巡检、工长、工程部经理满意度跟踪流程)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from services.projects.domain import RATED_PERSON, RatedCall, satisfaction_by_role
from shared.contracts.values import RatingRole
from shared.errors import Invalid

pytestmark = pytest.mark.quick

TEAM_A = {"designer": "des-a", "supervisor": "sup-a", "foreman": "fm-a", "project_manager": "pm-a"}
TEAM_B = {"designer": "des-b", "supervisor": None, "foreman": "fm-a", "project_manager": "pm-a"}


def test_duty_satisfaction_is_reported_per_role_and_per_person() -> None:
    """Each rating goes to whoever held the role on the project: the designer, the supervisor
    (巡检), the foreman and the project manager (the engineering manager the customer rates)."""
    assert RATED_PERSON == {
        RatingRole.DESIGNER: "designer",
        RatingRole.INSPECTOR: "supervisor",
        RatingRole.FOREMAN: "foreman",
        RatingRole.ENGINEERING_MANAGER: "project_manager",
    }
    calls = [
        RatedCall("p-1", {"designer": 5, "inspector": 4, "foreman": 2}, TEAM_A),
        RatedCall("p-1", {"designer": 4, "foreman": 3}, TEAM_A),
        RatedCall(
            "p-2", {"designer": 2, "inspector": 5, "foreman": 5, "engineering_manager": 3}, TEAM_B
        ),
    ]
    rows = [
        (r.role.value, r.person, r.ratings, r.projects, r.mean, r.lowest)
        for r in satisfaction_by_role(calls)
    ]
    assert rows == [
        ("designer", "des-b", 1, 1, Fraction(2), 2),
        ("designer", "des-a", 2, 1, Fraction(9, 2), 4),
        ("inspector", "sup-a", 1, 1, Fraction(4), 4),
        ("inspector", None, 1, 1, Fraction(5), 5),
        ("foreman", "fm-a", 3, 2, Fraction(10, 3), 2),
        ("engineering_manager", "pm-a", 1, 1, Fraction(3), 3),
    ]
    assert satisfaction_by_role([]) == []


def test_ties_go_to_the_named_person_first_then_by_name() -> None:
    calls = [
        RatedCall("p-1", {"designer": 4}, {"designer": "zhao"}),
        RatedCall("p-2", {"designer": 4}, {"designer": None}),
        RatedCall("p-3", {"designer": 4}, {"designer": "li"}),
    ]
    assert [r.person for r in satisfaction_by_role(calls)] == ["li", "zhao", None]


@pytest.mark.parametrize(
    "ratings",
    [{"plumber": 3}, {"designer": 0}, {"designer": 6}, {"designer": True}, {"designer": "4"}],
)
def test_an_unknown_role_or_a_score_outside_1_to_5_is_refused(ratings: dict) -> None:
    with pytest.raises(Invalid) as err:
        satisfaction_by_role([RatedCall("p-1", ratings, TEAM_A)])
    assert err.value.field == "ratings"
