"""The warranty (保修): card issued with the final payment, 2 years from completion.

One rule for every service: the card's `ends_on` is the last day of cover (有效期至). Projects
computes it here and publishes it as `warranty_ends_on` in project.stage.changed; aftersales and
notifications use the carried date and never compute it again (docs/DOMAIN.md §2.1, step 13).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from shared.contracts.values import Installment, Stage
from shared.errors import DomainError

from .errors import require_aware
from .model import Project, WarrantyCard
from .payments import project_installments
from .stages import enter_stage

WARRANTY_YEARS = 2
CARD_ID_CHARS = 12


def add_years(day: date, years: int) -> date:
    """The same calendar date `years` later; Feb 29 falls back to Feb 28."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def last_day_of_cover(completed_on: date, years: int = WARRANTY_YEARS) -> date:
    """The card's 有效期至: the last day a repair is still covered, `years` after completion.

    合同竣工后,有2年的保修期, counted as the Civil Code counts a period of years
    (民法典 第二百零一、二百零二条): the completion day itself is not counted, and the period
    ends on the same date `years` later, or on the month's last day when there is none. Completed
    2026-03-14: covered through 2028-03-14, not on 2028-03-15; completed 2024-02-29: covered
    through 2026-02-28.
    """
    return add_years(completed_on, years)


def warranty_card(project_id: str, completed_on: date, years: int = WARRANTY_YEARS) -> WarrantyCard:
    """The project's card: number derived from its id, valid from completion for `years`.

    The number is "WC-" + the first 12 characters of the id without hyphens, upper-cased: the
    same project always gets the same number. 12 rather than 8 hex characters because 8 would
    give about one expected clash per 100,000 UUID projects; 12 keeps it unlikely below
    10 million.
    """
    compact = project_id.replace("-", "")[:CARD_ID_CHARS].upper()
    return WarrantyCard(f"WC-{compact}", completed_on, last_day_of_cover(completed_on, years))


def in_warranty(card: WarrantyCard, on: date) -> bool:
    """Covered from the completion date through the card's last day, both inclusive."""
    return card.starts_on <= on <= card.ends_on


def _final_paid(project: Project, by: datetime) -> bool:
    for row in project_installments(project):
        if row.installment == Installment.FINAL:
            return project.paid_fen(Installment.FINAL, by=by) >= row.amount_fen
    return False


def auto_warranty(project: Project, paid_at: datetime) -> bool:
    """Whether the project now moves to `warranty`: completed and the final instalment paid.

    Call it after recording a payment (with its paid_at) and after the completion transition
    (with the completion time: a final paid early then starts the warranty at once).
    """
    require_aware(paid_at, "paid_at")
    return project.stage == Stage.COMPLETED and _final_paid(project, paid_at)


def start_warranty(project: Project, at: datetime, *, years: int = WARRANTY_YEARS) -> Project:
    """Enter `warranty` and issue the card (only when auto_warranty holds)."""
    if not auto_warranty(project, at):
        raise DomainError(
            "warranty_not_due",
            "warranty starts once the project is completed and its final instalment is paid",
        )
    completed_at = project.reached_at(Stage.COMPLETED)
    assert completed_at is not None and project.completed_on is not None
    moved = enter_stage(project, Stage.WARRANTY, max(at, completed_at))
    return replace(moved, warranty=warranty_card(project.id, project.completed_on, years))
