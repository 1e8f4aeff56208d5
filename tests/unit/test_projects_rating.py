"""The monthly rating (评比): each project's exact score and the figures behind it, the
refused inputs by field, the satisfaction range's edges."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from services.projects.domain.rating import ProjectMonth, RatedProject, monthly_rating, rate_project
from services.projects.domain.reviews import QualityInspection
from shared.errors import Invalid

pytestmark = pytest.mark.quick

AT = datetime(2026, 3, 5, 9, tzinfo=ZoneInfo("Asia/Shanghai"))


def inspection(q: int, p: int, t: int) -> QualityInspection:
    return QualityInspection("p-1", "eng-1", AT, q, p, t)


def test_a_project_is_scored_from_its_inspections_satisfaction_and_complaints() -> None:
    month = ProjectMonth(
        "p-1",
        (inspection(5, 4, 3), inspection(4, 4, 4), inspection(2, 3, 3)),
        complaints=2,
        satisfaction=(5, 4),
    )
    # inspections 4, 4 and 8/3 → 32/9; satisfaction 9/2; two complaints cost 2.
    assert rate_project(month) == RatedProject(
        "p-1", Fraction(32, 9) + Fraction(9, 2) - 2, Fraction(32, 9), Fraction(9, 2), 2
    )
    assert rate_project(month, Fraction(1, 2)).score == Fraction(32, 9) + Fraction(9, 2) - 1


def test_satisfaction_is_a_whole_number_from_1_to_5_named_by_field() -> None:
    ok = ProjectMonth("p-1", (inspection(3, 3, 3),), satisfaction=(1, 5))
    rated = rate_project(ok)
    assert rated is not None and rated.mean_satisfaction == 3
    for bad in (0, 6, True, 2.5):
        with pytest.raises(Invalid) as info:
            rate_project(ProjectMonth("p-1", (inspection(3, 3, 3),), satisfaction=(bad,)))  # type: ignore[arg-type]
        assert (info.value.field, info.value.detail) == ("satisfaction", f"{bad!r} is outside 1–5")
    with pytest.raises(Invalid) as info:
        rate_project(ProjectMonth("p-1", (inspection(3, 3, 3),), complaints=-1))
    assert (info.value.field, info.value.detail) == (
        "complaints",
        "a count of complaints cannot be negative",
    )


def test_the_rating_lists_best_and_worst_without_overlap() -> None:
    months = [
        ProjectMonth(f"p-{n}", (inspection(n % 5 + 1, 3, 3),), complaints=n % 2) for n in range(8)
    ]
    best, worst = monthly_rating(months, size=2)
    assert len(best) == len(worst) == 2
    assert not {r.project_id for r in best} & {r.project_id for r in worst}
    assert all(b.score >= w.score for b in best for w in worst)
    assert monthly_rating([ProjectMonth("p-x")]) == ([], [])
