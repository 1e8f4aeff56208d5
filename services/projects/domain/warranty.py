"""The warranty (保修): card issued with the final payment, 2 years from completion.

One rule for every service: the card's `ends_on` is the last day of cover (有效期至). Projects
computes it here and publishes it as `warranty_ends_on` in project.stage.changed; aftersales and
notifications use the carried date and never compute it again (docs/DOMAIN.md §2.1, step 13).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from shared.contracts.values import Installment, Stage
from shared.errors import DomainError, Invalid

from .errors import require_aware
from .model import CardStatus, Project, StoredFile, WarrantyCard
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
    assert completed_at is not None
    assert project.completed_on is not None
    moved = enter_stage(project, Stage.WARRANTY, max(at, completed_at))
    return replace(moved, warranty=warranty_card(project.id, project.completed_on, years))


# The card's steps after it is filled at the settlement (保修单发放流程): who may take the next
# one is the caller's business; the order and the facts each needs are the rule's.
NEXT_STEP = {
    CardStatus.FILLED: "the customer signs it (客户确认签字)",
    CardStatus.SIGNED: "issue it with the feedback form (发放保修单)",
    CardStatus.ISSUED: "archive it (保修单存档)",
    CardStatus.ARCHIVED: "nothing: it is archived",
}


def _card_at(project: Project, status: CardStatus, step: str) -> WarrantyCard:
    card = project.warranty
    if card is None:
        raise DomainError(
            "no_card",
            "the warranty card is filled at the settlement (竣工结算: completed and the final"
            f" payment received); the project is at `{project.stage}`",
        )
    if card.status != status:
        raise DomainError(
            "card_out_of_order",
            f"cannot {step}: the card is {card.status}; next: {NEXT_STEP[card.status]}",
        )
    return card


def _not_before(at: datetime, bound: datetime | None, field: str, what: str) -> None:
    require_aware(at, field)
    if bound is not None and at < bound:
        raise Invalid(field, f"before {what} ({bound.isoformat()})")


def sign_card(project: Project, name: str, at: datetime) -> Project:
    """The customer confirms the filled card and signs it (客户确认签字): their name and when."""
    card = _card_at(project, CardStatus.FILLED, "record the customer's signature")
    if not name.strip():
        raise Invalid("name", "the name the customer signed is required")
    _not_before(at, project.reached_at(Stage.WARRANTY), "signed_at", "the card was filled")
    signed = replace(card, status=CardStatus.SIGNED, signed_by=name.strip(), signed_at=at)
    return replace(project, version=project.version + 1, warranty=signed)


def issue_card(project: Project, at: datetime, by: str) -> Project:
    """Hand the signed card to the customer (发放保修单), with the feedback form the customer
    filled on the final payment's receipt (客户凭付款收据…填写客户意见反馈表并开具保修单)."""
    card = _card_at(project, CardStatus.SIGNED, "issue the card")
    form = project.feedback
    if form is None:
        raise DomainError(
            "feedback_missing",
            "the card is issued with the customer's feedback form, filled with the final"
            " payment's receipt: record the form first",
        )
    _not_before(at, card.signed_at, "at", "the customer signed the card")
    _not_before(at, form.filled_at, "at", "the feedback form was filled")
    issued = replace(
        card, status=CardStatus.ISSUED, issued_by=by, issued_at=at, receipt_no=form.receipt_no
    )
    return replace(project, version=project.version + 1, warranty=issued)


def archive_card(
    project: Project, at: datetime, by: str, scan: StoredFile | None = None
) -> Project:
    """File the company's copy of the issued card (保修单存档), with its scan when kept."""
    card = _card_at(project, CardStatus.ISSUED, "archive the card")
    _not_before(at, card.issued_at, "at", "the card was issued")
    archived = replace(
        card, status=CardStatus.ARCHIVED, archived_by=by, archived_at=at, archive_file=scan
    )
    return replace(project, version=project.version + 1, warranty=archived)
