"""One function per life-cycle step: each checks the order and returns the next ticket."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from services.aftersales.domain.errors import (
    INVALID_VALUE,
    QUOTE_NOT_ACCEPTED,
    WRONG_STATE,
    DomainError,
)
from services.aftersales.domain.lifecycle import (
    ApprovalLevel,
    Status,
    Step,
    Ticket,
    open_ticket,
    require,
)
from services.aftersales.domain.rules import RepairRules
from services.aftersales.domain.warranty import fee_quote, warranty_decision
from shared.calendar import local_date
from shared.contracts.values import ProblemKind
from shared.money import yuan


def _next(ticket: Ticket, **changes: Any) -> Ticket:
    return replace(ticket, version=ticket.version + 1, **changes)


def _text(value: str, field: str, what: str) -> str:
    text = value.strip()
    if not text:
        raise DomainError(INVALID_VALUE, f"{what} is required", field)
    return text


def assign(ticket: Ticket, staff: str, at: datetime) -> Ticket:
    """Assign (or re-assign, until the repair is done) the after-sales staff member."""
    require(ticket, Step.ASSIGN)
    status = Status.ASSIGNED if ticket.status is Status.OPENED else ticket.status
    who = _text(staff, "staff", "the staff member to assign")
    return _next(ticket, status=status, staff=who, assigned_at=at)


def book_survey(ticket: Ticket, survey_at: datetime, at: datetime) -> Ticket:
    """Record the survey time agreed with the customer; the first such call is the first contact."""
    require(ticket, Step.BOOK_SURVEY)
    return _next(
        ticket,
        status=Status.SURVEY_BOOKED,
        survey_at=survey_at,
        first_contact_at=ticket.first_contact_at or at,
    )


def record_survey(
    ticket: Ticket,
    *,
    findings: str,
    proposed_fix: str,
    problem_kind: ProblemKind,
    completed_on: date | None,
    warranty_ends_on: date | None,
    rules: RepairRules,
    at: datetime,
) -> Ticket:
    """Record the site survey and decide the warranty; a repair not covered gets a fee quote."""
    require(ticket, Step.RECORD_SURVEY)
    decision = warranty_decision(completed_on, warranty_ends_on, problem_kind, at, rules)
    return _next(
        ticket,
        status=Status.SURVEYED,
        surveyed_at=at,
        findings=_text(findings, "findings", "the survey findings"),
        proposed_fix=_text(proposed_fix, "proposed_fix", "the proposed fix"),
        problem_kind=problem_kind,
        covered=decision.covered,
        warranty_reason=decision.reason,
        warranty_ends_on=decision.ends_on,
        fee_quote_fen=fee_quote(problem_kind, rules, covered=decision.covered),
    )


def accept_quote(ticket: Ticket, at: datetime) -> Ticket:
    """Record that the customer accepted the fee quote of a repair the warranty does not cover."""
    require(ticket, Step.ACCEPT_QUOTE)
    if ticket.covered:
        raise DomainError(
            WRONG_STATE,
            "the repair is covered by the warranty, so there is no fee quote to accept;"
            " schedule the repair",
        )
    return _next(ticket, status=Status.QUOTE_ACCEPTED, quote_accepted=True, quote_accepted_at=at)


def schedule(
    ticket: Ticket,
    on: date,
    duration_days: int,
    at: datetime,
    materials: Iterable[Mapping[str, str | None]] | None = None,
) -> Ticket:
    """Set (or move) the repair date and its length in days; a fee quote must be accepted first.

    `materials` is the material list prepared for the repair (kept as it was when None).
    """
    require(ticket, Step.SCHEDULE)
    if ticket.needs_quote_acceptance:
        raise DomainError(
            QUOTE_NOT_ACCEPTED,
            f"the customer has not accepted the fee quote of {yuan(ticket.fee_quote_fen or 0)}"
            " yuan; accept it before scheduling",
        )
    if isinstance(duration_days, bool) or duration_days < 1:
        raise DomainError(INVALID_VALUE, "the repair takes at least 1 day", "duration_days")
    if ticket.surveyed_at is not None and on < local_date(ticket.surveyed_at):
        survey_on = local_date(ticket.surveyed_at).isoformat()
        raise DomainError(
            INVALID_VALUE,
            f"the repair date {on.isoformat()} is before the site survey on {survey_on}",
            "date",
        )
    prepared = ticket.materials if materials is None else tuple(dict(m) for m in materials)
    return _next(
        ticket,
        status=Status.SCHEDULED,
        repair_on=on,
        duration_days=duration_days,
        materials=prepared,
    )


def start_repair(
    ticket: Ticket, at: datetime, materials: Iterable[Mapping[str, str | None]] = ()
) -> Ticket:
    """Mark the crew on site (optional step), with the material list prepared for the repair."""
    require(ticket, Step.START_REPAIR)
    return _next(
        ticket,
        status=Status.IN_REPAIR,
        repair_started_at=at,
        materials=tuple(dict(item) for item in materials),
    )


def _check_fee(ticket: Ticket, fee_paid_fen: int | None) -> None:
    if ticket.covered:
        if fee_paid_fen:
            raise DomainError(
                INVALID_VALUE,
                "the repair is covered by the warranty; no fee may be charged",
                "fee_paid_fen",
            )
        return
    quote = ticket.fee_quote_fen or 0
    if fee_paid_fen is None:
        raise DomainError(
            INVALID_VALUE,
            f"a paid repair needs the fee receipt: the customer pays the accepted quote of"
            f" {yuan(quote)} yuan",
            "fee_paid_fen",
        )
    if fee_paid_fen != quote:
        raise DomainError(
            INVALID_VALUE,
            f"the fee paid ({yuan(fee_paid_fen)} yuan) must equal the accepted quote of"
            f" {yuan(quote)} yuan",
            "fee_paid_fen",
        )


def complete(
    ticket: Ticket,
    *,
    evaluation_score: int,
    comment: str,
    fee_paid_fen: int | None,
    at: datetime,
) -> Ticket:
    """Finish the repair with the customer's evaluation form and, if paid, the fee receipt."""
    require(ticket, Step.COMPLETE)
    if isinstance(evaluation_score, bool) or not 1 <= evaluation_score <= 5:
        raise DomainError(
            INVALID_VALUE, "the evaluation score is a whole number from 1 to 5", "evaluation_score"
        )
    _check_fee(ticket, fee_paid_fen)
    return _next(
        ticket,
        status=Status.COMPLETED,
        completed_at=at,
        evaluation_score=evaluation_score,
        evaluation_comment=comment.strip(),
        fee_paid_fen=fee_paid_fen if fee_paid_fen is not None else 0,
    )


def claim_reimbursement(ticket: Ticket, amount_fen: int, at: datetime) -> Ticket:
    """File the reimbursement form for the repair expenses (skip it when there are none)."""
    require(ticket, Step.CLAIM_REIMBURSEMENT)
    if isinstance(amount_fen, bool) or amount_fen <= 0:
        raise DomainError(
            INVALID_VALUE,
            f"a claim of {yuan(max(amount_fen, 0))} yuan has nothing to approve; close the ticket"
            " directly when the repair had no expenses",
            "amount_fen",
        )
    return _next(
        ticket,
        status=Status.REIMBURSEMENT_CLAIMED,
        reimbursement_fen=amount_fen,
        reimbursement_claimed_at=at,
    )


def approve_reimbursement(ticket: Ticket, level: ApprovalLevel, by: str, at: datetime) -> Ticket:
    """Approve the reimbursement form: the department head first, then finance."""
    who = _text(by, "by", "the approver")
    if level is ApprovalLevel.DEPT_HEAD:
        require(ticket, Step.APPROVE_DEPT)
        return _next(
            ticket,
            status=Status.REIMBURSEMENT_DEPT_APPROVED,
            dept_approved_by=who,
            dept_approved_at=at,
        )
    require(ticket, Step.APPROVE_FINANCE)
    return _next(
        ticket,
        status=Status.REIMBURSEMENT_FINANCE_APPROVED,
        finance_approved_by=who,
        finance_approved_at=at,
    )


def close(ticket: Ticket, summary: str, at: datetime) -> Ticket:
    """Close the ticket with the repair summary (after reimbursement, or at once if no expenses)."""
    require(ticket, Step.CLOSE)
    text = _text(summary, "summary", "a repair summary")
    reimbursed = ticket.reimbursement_fen if ticket.reimbursement_fen is not None else 0
    return _next(
        ticket, status=Status.CLOSED, closed_at=at, summary=text, reimbursement_fen=reimbursed
    )


def new_problem_ticket(parent: Ticket, problem: str, new_id: str, now: datetime) -> Ticket:
    """Open a linked ticket for a new problem found during a repair; it gets its own plan."""
    require(parent, Step.REPORT_NEW_PROBLEM)
    # complaint_id stays with the parent: completing the child must not resolve the complaint again.
    return open_ticket(
        id=new_id,
        customer_id=parent.customer_id,
        project_id=parent.project_id,
        parent_id=parent.id,
        address=parent.address,
        problem=_text(problem, "problem", "a description of the new problem"),
        now=now,
    )
