"""Satisfaction by role and person (设计师、巡检、工长、工程部经理满意度跟踪, DOMAIN.md §2.3)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType

from shared.contracts.values import RatingRole
from shared.errors import Invalid

# Whom each rated role names on the project. Our reading: 巡检 is the project's supervisor (who
# inspects the site), and the engineering manager the customer rates is the project manager
# engineering put in charge of it.
RATED_PERSON: Mapping[RatingRole, str] = MappingProxyType(
    {
        RatingRole.DESIGNER: "designer",
        RatingRole.INSPECTOR: "supervisor",
        RatingRole.FOREMAN: "foreman",
        RatingRole.ENGINEERING_MANAGER: "project_manager",
    }
)
_ROLE_ORDER: tuple[RatingRole, ...] = tuple(RatingRole)


@dataclass(frozen=True)
class RatedCall:
    """One completed call's ratings (role → 1–5) and who held each role on its project."""

    project_id: str
    ratings: Mapping[str, int]
    people: Mapping[str, str | None]


@dataclass(frozen=True)
class RoleSatisfaction:
    """How customers rated one person in one role: how often, on how many projects, the mean
    (exact) and the lowest score; `person` None when the project named nobody in the role."""

    role: RatingRole
    person: str | None
    ratings: int
    projects: int
    mean: Fraction
    lowest: int


def satisfaction_by_role(calls: Iterable[RatedCall]) -> list[RoleSatisfaction]:
    """Every (role, person) the calls rated, in role order, then lowest mean first (who needs
    attention), then by person; an unknown role or a score outside 1–5 is Invalid."""
    scores: dict[tuple[RatingRole, str | None], list[int]] = {}
    projects: dict[tuple[RatingRole, str | None], set[str]] = {}
    for call in calls:
        for name, score in call.ratings.items():
            try:
                role = RatingRole(name)
            except ValueError:
                raise Invalid("ratings", f"unknown rating role {name!r}") from None
            if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
                raise Invalid("ratings", f"{role}: {score!r} is outside 1–5")
            key = (role, call.people.get(RATED_PERSON[role]))
            scores.setdefault(key, []).append(score)
            projects.setdefault(key, set()).add(call.project_id)
    rows = [
        RoleSatisfaction(
            role,
            person,
            len(got),
            len(projects[role, person]),
            Fraction(sum(got), len(got)),
            min(got),
        )
        for (role, person), got in scores.items()
    ]
    return sorted(
        rows,
        # A role has at most one row without a person, after the named: None is never compared.
        key=lambda r: (_ROLE_ORDER.index(r.role), r.mean, r.person is None, r.person),
    )
