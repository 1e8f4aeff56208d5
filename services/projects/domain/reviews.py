"""Drawing/budget reviews and quality inspections (DOMAIN.md §2.2)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType

from shared.errors import DomainError, Invalid

from .errors import require_aware
from .model import Project
from .stages import is_active

RULE_SCORE_MAX = 10  # each review rule is scored 0–10 by the panel
# 组成审核小组: our reading: at least two reviewers besides the designer, at most seven.
PANEL_MIN = 2
PANEL_MAX = 7
INSPECTION_SCORE_MIN = 1
INSPECTION_SCORE_MAX = 5


class ReviewKind(StrEnum):
    """What the designer submits for review (图纸、预算审核)."""

    DRAWINGS = "drawings"
    BUDGET = "budget"


class ReviewStatus(StrEnum):
    """Where a review stands."""

    SUBMITTED = "submitted"  # by the designer, waiting for the panel
    SCORED = "scored"  # the panel scored every rule and recorded details
    DISPUTED = "disputed"  # the designer contests the scores; the panel re-scores
    APPROVED = "approved"  # the engineering manager accepted it
    RETURNED = "returned"  # sent back to the designer to revise


# submitted → scored → approved | returned → (resubmitted) submitted → ...; a designer may
# dispute scored or returned work, and the panel then scores it again.
REVIEW_TRANSITIONS: Mapping[ReviewStatus, frozenset[ReviewStatus]] = MappingProxyType(
    {
        ReviewStatus.SUBMITTED: frozenset({ReviewStatus.SCORED}),
        ReviewStatus.SCORED: frozenset(
            {ReviewStatus.APPROVED, ReviewStatus.RETURNED, ReviewStatus.DISPUTED}
        ),
        ReviewStatus.DISPUTED: frozenset({ReviewStatus.SCORED}),
        ReviewStatus.RETURNED: frozenset({ReviewStatus.SUBMITTED, ReviewStatus.DISPUTED}),
        ReviewStatus.APPROVED: frozenset(),
    }
)


@dataclass(frozen=True)
class RuleScore:
    """The panel's score for one review rule."""

    rule: str
    score: int


@dataclass(frozen=True)
class ReviewStep:
    """One step of a review's audit trail (who, when, what; scores when the panel scored)."""

    status: ReviewStatus
    at: datetime
    by: str
    note: str = ""
    scores: tuple[RuleScore, ...] = ()


@dataclass(frozen=True)
class Review:
    """A drawing or budget review of one project's design."""

    id: str
    project_id: str
    kind: ReviewKind
    designer: str
    status: ReviewStatus = ReviewStatus.SUBMITTED
    round: int = 1
    scores: tuple[RuleScore, ...] = ()
    details: str = ""
    history: tuple[ReviewStep, ...] = ()
    panel: tuple[str, ...] = ()  # the reviewers' token `sub`s (审核小组)
    panel_by: str | None = None  # who formed it (the engineering manager)
    panel_at: datetime | None = None

    @property
    def total_score(self) -> int:
        """Sum of the current rule scores."""
        return sum(s.score for s in self.scores)


def _move(review: Review, to: ReviewStatus, by: str, at: datetime, note: str = "") -> Review:
    require_aware(at, "at")
    if to not in REVIEW_TRANSITIONS[review.status]:
        raise DomainError(
            "review_state",
            f"a review that is `{review.status}` cannot become `{to}`",
        )
    step = ReviewStep(to, at, by, note, review.scores if to == ReviewStatus.SCORED else ())
    return replace(review, status=to, history=(*review.history, step))


def _designer_only(review: Review, by: str, action: str) -> None:
    if by != review.designer:
        raise DomainError("not_the_designer", f"only the review's designer may {action} it")


def _not_the_designer(review: Review, by: str) -> None:
    if by == review.designer:
        raise DomainError(
            "own_review", "the designer may not score, approve or return their own review"
        )


def form_panel(review: Review, members: Sequence[str], by: str, at: datetime) -> Review:
    """The engineering manager forms the review panel (组成审核小组) before it scores: 2–7
    reviewers, none of them the designer; formed again, it replaces the earlier one."""
    require_aware(at, "at")
    _not_the_designer(review, by)
    if review.status not in (ReviewStatus.SUBMITTED, ReviewStatus.DISPUTED):
        raise DomainError(
            "review_state", f"the panel is formed before it scores; the review is `{review.status}`"
        )
    panel = tuple(dict.fromkeys(m.strip() for m in members if m.strip()))
    if not PANEL_MIN <= len(panel) <= PANEL_MAX:
        raise Invalid("members", f"a panel has {PANEL_MIN}–{PANEL_MAX} reviewers, not {len(panel)}")
    if review.designer in panel:
        raise Invalid("members", f"the designer {review.designer!r} cannot review their own work")
    return replace(review, panel=panel, panel_by=by, panel_at=at)


def submit_review(
    review_id: str, project_id: str, kind: ReviewKind, designer: str, at: datetime
) -> Review:
    """The designer hands in drawings or a budget for review."""
    require_aware(at, "at")
    return Review(
        id=review_id,
        project_id=project_id,
        kind=ReviewKind(kind),
        designer=designer,
        history=(ReviewStep(ReviewStatus.SUBMITTED, at, designer),),
    )


def score_review(
    review: Review,
    scores: Mapping[str, int],
    details: str,
    by: str,
    at: datetime,
    *,
    on_behalf: bool = False,
) -> Review:
    """A member of the panel scores each rule (0–10) and records details; re-scoring follows a
    dispute. `on_behalf`: an administrator records the panel's sheet for it."""
    if not review.panel:
        raise DomainError("no_panel", "the review panel is not formed yet (组成审核小组)")
    if by not in review.panel and not on_behalf:
        raise DomainError(
            "not_on_panel", f"only the panel ({', '.join(review.panel)}) scores this review"
        )
    if not scores:
        raise Invalid("scores", "score at least one rule")
    for rule, score in scores.items():
        if isinstance(score, bool) or not isinstance(score, int):
            raise Invalid("scores", f"rule {rule!r}: a score is a whole number")
        if not 0 <= score <= RULE_SCORE_MAX:
            raise Invalid("scores", f"rule {rule!r}: {score} is outside 0–{RULE_SCORE_MAX}")
    if not details.strip():
        raise Invalid("details", "the panel records its details with the scores")
    scored = replace(
        review,
        scores=tuple(RuleScore(rule, score) for rule, score in sorted(scores.items())),
        details=details.strip(),
    )
    return _move(scored, ReviewStatus.SCORED, by, at)


def approve_review(review: Review, by: str, at: datetime) -> Review:
    """The engineering manager approves scored work (never the designer's own)."""
    _not_the_designer(review, by)
    return _move(review, ReviewStatus.APPROVED, by, at)


def return_review(review: Review, by: str, note: str, at: datetime) -> Review:
    """The engineering manager sends scored work back to the designer to revise."""
    _not_the_designer(review, by)
    return _move(review, ReviewStatus.RETURNED, by, at, note)


def resubmit_review(review: Review, by: str, at: datetime) -> Review:
    """The designer hands in the revision: a new round for the panel."""
    _designer_only(review, by, "resubmit")
    moved = _move(review, ReviewStatus.SUBMITTED, by, at)
    return replace(moved, round=review.round + 1, scores=(), details="")


def dispute_review(review: Review, by: str, reason: str, at: datetime) -> Review:
    """The designer contests the panel's scores; the panel must score again."""
    _designer_only(review, by, "dispute")
    if not reason.strip():
        raise Invalid("reason", "say what is disputed")
    return _move(review, ReviewStatus.DISPUTED, by, at, reason.strip())


@dataclass(frozen=True)
class QualityInspection:
    """Engineering's check of an active site: quality, progress, tidiness (1–5) and problems."""

    project_id: str
    inspector: str
    at: datetime
    quality: int
    progress: int
    tidiness: int
    problems: tuple[str, ...] = ()

    @property
    def mean(self) -> Fraction:
        """The inspection's score: the mean of its three marks, exact."""
        return Fraction(self.quality + self.progress + self.tidiness, 3)


def inspect(
    project: Project,
    inspector: str,
    at: datetime,
    *,
    quality: int,
    progress: int,
    tidiness: int,
    problems: Sequence[str] = (),
) -> QualityInspection:
    """Record an inspection of a project under construction; each mark is 1–5."""
    require_aware(at, "at")
    if not is_active(project.stage):
        raise DomainError(
            "not_under_construction",
            f"inspections are of projects under construction; this one is at `{project.stage}`",
        )
    for field, mark in (("quality", quality), ("progress", progress), ("tidiness", tidiness)):
        if isinstance(mark, bool) or not isinstance(mark, int):
            raise Invalid(field, "a mark is a whole number")
        if not INSPECTION_SCORE_MIN <= mark <= INSPECTION_SCORE_MAX:
            raise Invalid(field, f"{mark} is outside {INSPECTION_SCORE_MIN}–{INSPECTION_SCORE_MAX}")
    return QualityInspection(
        project.id,
        inspector,
        at,
        quality,
        progress,
        tidiness,
        tuple(p.strip() for p in problems if p.strip()),
    )
