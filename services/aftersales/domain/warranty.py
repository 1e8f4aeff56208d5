"""The warranty decision and the fee quote (DOMAIN.md §2.1 step 13, §3 step 2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from services.aftersales.domain.rules import RepairRules
from shared.calendar import local_date
from shared.contracts.values import ProblemKind


@dataclass(frozen=True)
class WarrantyDecision:
    """Whether a repair is free, why, and the warranty's last day of cover (the card's)."""

    covered: bool
    reason: str
    ends_on: date | None


def kind_words(kind: ProblemKind) -> str:
    """A problem kind in plain words, e.g. customer_damage -> 'customer damage'."""
    return kind.value.replace("_", " ")


def warranty_decision(
    completed_on: date | None,
    ends_on: date | None,
    problem_kind: ProblemKind,
    survey_at: datetime,
    rules: RepairRules,
) -> WarrantyDecision:
    """Decide at the site survey whether the warranty covers the repair.

    `ends_on` is the warranty card's last day of cover (有效期至) as projects computed and
    published it (project.stage.changed `warranty_ends_on`); it is used as given, never
    computed here. A survey whose Shanghai date is from completion through `ends_on` (both
    inclusive) is in time: on the last day it is covered, from the next day it is not. The
    problem kind must also be one the warranty covers.
    """
    survey_on = local_date(survey_at)
    kind_covered = problem_kind not in rules.uncovered_kinds
    kind_reason = f"{kind_words(problem_kind)} is not covered by the warranty"
    if completed_on is None or ends_on is None:
        reason = (
            "no completion date is known for this project (not a Kefu project, or its completion"
            " has not been recorded), so the warranty cannot apply"
        )
        if not kind_covered:
            reason = f"{reason}; besides, {kind_reason}"
        return WarrantyDecision(covered=False, reason=reason, ends_on=ends_on)
    span = f"the warranty from completion on {completed_on.isoformat()}"
    if survey_on > ends_on:
        reason = (
            f"{span} covered repairs through {ends_on.isoformat()}; the survey on"
            f" {survey_on.isoformat()} is after it"
        )
        if not kind_covered:
            reason = f"{reason}; besides, {kind_reason}"
        return WarrantyDecision(covered=False, reason=reason, ends_on=ends_on)
    if survey_on < completed_on:
        reason = (
            f"the survey on {survey_on.isoformat()} is before the project's completion on"
            f" {completed_on.isoformat()}, when the warranty starts"
        )
        return WarrantyDecision(covered=False, reason=reason, ends_on=ends_on)
    if not kind_covered:
        reason = f"{kind_reason}, even within {span} (through {ends_on.isoformat()})"
        return WarrantyDecision(covered=False, reason=reason, ends_on=ends_on)
    reason = (
        f"covered: the survey on {survey_on.isoformat()} is within {span} (its last day is"
        f" {ends_on.isoformat()}), and {kind_words(problem_kind)} problems are covered"
    )
    return WarrantyDecision(covered=True, reason=reason, ends_on=ends_on)


def fee_quote(problem_kind: ProblemKind, rules: RepairRules, *, covered: bool = False) -> int:
    """The fee in fen the customer is told before a paid repair; 0 when the warranty covers it."""
    if covered:
        return 0
    return rules.fee_schedule_fen.get(problem_kind, rules.default_fee_fen)
