"""The monthly rating (评比): best and worst projects of a month (DOMAIN.md §2.2)."""

from __future__ import annotations

import statistics
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from shared.errors import DomainError, Invalid

from .errors import require_aware, require_positive
from .reviews import QualityInspection

COMPLAINT_PENALTY = 1  # points off per complaint on the project in the month
NEUTRAL_SATISFACTION = Fraction(3)  # the middle of 1–5, used when no callback rated the month
RATING_SIZE = 3  # best 3 and worst 3


@dataclass(frozen=True)
class ProjectMonth:
    """One project's month: its inspections, complaints and callback satisfaction (1–5)."""

    project_id: str
    inspections: tuple[QualityInspection, ...] = ()
    complaints: int = 0
    satisfaction: tuple[int, ...] = ()


@dataclass(frozen=True)
class RatedProject:
    """A project's monthly score and the figures it was computed from (exact fractions)."""

    project_id: str
    score: Fraction
    mean_inspection: Fraction
    mean_satisfaction: Fraction
    complaints: int

    @property
    def score_2dp(self) -> Decimal:
        """The score rounded half-even to 2 decimals, for reports."""
        return (Decimal(self.score.numerator) / Decimal(self.score.denominator)).quantize(
            Decimal("0.01")
        )


def rate_project(
    month: ProjectMonth, complaint_penalty: int | Decimal | Fraction = COMPLAINT_PENALTY
) -> RatedProject | None:
    """Score one project, or None when it had no inspection in the month (not rated)."""
    if not month.inspections:
        return None
    if month.complaints < 0:
        raise Invalid("complaints", "a count of complaints cannot be negative")
    for s in month.satisfaction:
        if isinstance(s, bool) or not isinstance(s, int) or not 1 <= s <= 5:
            raise Invalid("satisfaction", f"{s!r} is outside 1–5")
    inspection = statistics.mean(i.mean for i in month.inspections)  # exact for fractions
    satisfaction = (
        Fraction(sum(month.satisfaction), len(month.satisfaction))
        if month.satisfaction
        else NEUTRAL_SATISFACTION
    )
    score = inspection + satisfaction - Fraction(complaint_penalty) * month.complaints
    return RatedProject(month.project_id, score, inspection, satisfaction, month.complaints)


def monthly_rating(
    projects: Iterable[ProjectMonth],
    *,
    complaint_penalty: int | Decimal | Fraction = COMPLAINT_PENALTY,
    size: int = RATING_SIZE,
) -> tuple[list[RatedProject], list[RatedProject]]:
    """Best and worst projects of a month.

    score = mean inspection mark + mean callback satisfaction − penalty × complaints, where the
    inspection mark is the mean of (quality + progress + tidiness) / 3 over the month's
    inspections (1–5), satisfaction is the mean of the month's callback scores (1–5; 3 when
    none, neither reward nor penalty), and each complaint on the project in the month costs
    `complaint_penalty` points (default 1). Only projects inspected in the month are rated.
    Best: the `size` highest scores; worst: the `size` lowest among the rest, so a project is
    never both. Ties go to the smaller project id first in both lists.
    """
    rated = [r for m in projects if (r := rate_project(m, complaint_penalty)) is not None]
    best = sorted(rated, key=lambda r: (-r.score, r.project_id))[:size]
    chosen = {r.project_id for r in best}
    rest = [r for r in rated if r.project_id not in chosen]
    worst = sorted(rest, key=lambda r: (r.score, r.project_id))[:size]
    return best, worst


class AwardKind(StrEnum):
    """What the rating brings (奖优罚劣): a reward for a best project, a penalty for a worst."""

    REWARD = "reward"
    PENALTY = "penalty"


@dataclass(frozen=True)
class Award:
    """A reward or penalty decided on a month's rating, and whom it goes to."""

    month: str
    project_id: str
    kind: AwardKind
    amount_fen: int
    person: str | None  # the project manager who answers for the project
    reason: str
    decided_by: str
    at: datetime


def decide_award(
    month: str,
    *,
    best: Collection[str],
    worst: Collection[str],
    this_month: str,
    project_id: str,
    kind: AwardKind,
    amount_fen: int,
    person: str | None,
    reason: str,
    by: str,
    at: datetime,
) -> Award:
    """奖优罚劣,重奖重罚: once the month is over, a reward for a project on its best list or a
    penalty for one on its worst list, of the amount management decides (no figure in the
    manual), to the project's manager."""
    require_aware(at, "at")
    require_positive(amount_fen)
    if month >= this_month:
        raise DomainError("month_not_over", f"{month} is not over yet: its rating may still change")
    listed, name = (best, "best") if kind == AwardKind.REWARD else (worst, "worst")
    if project_id not in listed:
        raise DomainError(
            f"not_{name}",
            f"a {kind} goes to a project on {month}'s {name} list; this one is not on it",
        )
    return Award(month, project_id, AwardKind(kind), amount_fen, person, reason.strip(), by, at)
