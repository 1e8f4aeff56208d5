"""The warranty decision and the fee quote (DOMAIN.md §2.1 step 13, §3 step 2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from services.aftersales.domain.rules import RepairRules
from shared.calendar import local_date
from shared.contracts.values import ProblemKind


@dataclass(frozen=True)
class WarrantyDecision:
    """Whether a repair is free, why, and the first day the warranty no longer covers."""

    covered: bool
    reason: str
    ends_on: date | None


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def kind_words(kind: ProblemKind) -> str:
    """A problem kind in plain words, e.g. customer_damage -> 'customer damage'."""
    return kind.value.replace("_", " ")


def warranty_decision(
    completed_on: date | None,
    problem_kind: ProblemKind,
    survey_at: datetime,
    rules: RepairRules,
) -> WarrantyDecision:
    """Decide at the site survey whether the warranty covers the repair.

    The warranty runs `warranty_years` from the project's completion: ends_on = completion +
    2 years, and the survey's local date must be strictly before ends_on (the anniversary itself
    is no longer covered). The problem kind must also be one the warranty covers.
    """
    survey_on = local_date(survey_at)
    years = rules.warranty_years
    kind_covered = problem_kind not in rules.uncovered_kinds
    kind_reason = f"{kind_words(problem_kind)} is not covered by the warranty"
    if completed_on is None:
        reason = (
            "no completion date is known for this project (not a Kefu project, or its completion"
            " has not been recorded), so the warranty cannot apply"
        )
        if not kind_covered:
            reason = f"{reason}; besides, {kind_reason}"
        return WarrantyDecision(covered=False, reason=reason, ends_on=None)
    ends_on = add_years(completed_on, years)
    span = f"the {years}-year warranty from completion on {completed_on.isoformat()}"
    in_time = survey_on < ends_on
    if not in_time:
        reason = (
            f"{span} ended on {ends_on.isoformat()}; the survey on {survey_on.isoformat()}"
            " is outside it"
        )
        if not kind_covered:
            reason = f"{reason}; besides, {kind_reason}"
        return WarrantyDecision(covered=False, reason=reason, ends_on=ends_on)
    if not kind_covered:
        reason = f"{kind_reason}, even within {span} (until {ends_on.isoformat()})"
        return WarrantyDecision(covered=False, reason=reason, ends_on=ends_on)
    reason = (
        f"covered: the survey on {survey_on.isoformat()} is within {span}"
        f" (it ends on {ends_on.isoformat()}), and {kind_words(problem_kind)} problems are covered"
    )
    return WarrantyDecision(covered=True, reason=reason, ends_on=ends_on)


def fee_quote(problem_kind: ProblemKind, rules: RepairRules, *, covered: bool = False) -> int:
    """The fee in fen the customer is told before a paid repair; 0 when the warranty covers it."""
    if covered:
        return 0
    return rules.fee_schedule_fen.get(problem_kind, rules.default_fee_fen)
