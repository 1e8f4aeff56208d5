"""The repair ticket and its life cycle as data (DOMAIN.md §3)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Final

from services.aftersales.domain.errors import WRONG_STATE, DomainError
from shared.contracts.values import ProblemKind
from shared.money import yuan


class Status(StrEnum):
    """Where a ticket stands, in life-cycle order."""

    OPENED = "opened"
    ASSIGNED = "assigned"
    SURVEY_BOOKED = "survey_booked"
    SURVEYED = "surveyed"
    QUOTE_ACCEPTED = "quote_accepted"
    SCHEDULED = "scheduled"
    IN_REPAIR = "in_repair"
    COMPLETED = "completed"
    REIMBURSEMENT_CLAIMED = "reimbursement_claimed"
    REIMBURSEMENT_DEPT_APPROVED = "reimbursement_dept_approved"
    REIMBURSEMENT_FINANCE_APPROVED = "reimbursement_finance_approved"
    CLOSED = "closed"


ORDER: Final[tuple[Status, ...]] = tuple(Status)


class Step(StrEnum):
    """Something staff do to a ticket."""

    ASSIGN = "assign"
    BOOK_SURVEY = "book_survey"
    RECORD_SURVEY = "record_survey"
    ACCEPT_QUOTE = "accept_quote"
    SCHEDULE = "schedule"
    START_REPAIR = "start_repair"
    COMPLETE = "complete"
    CLAIM_REIMBURSEMENT = "claim_reimbursement"
    APPROVE_DEPT = "approve_dept"
    APPROVE_FINANCE = "approve_finance"
    CLOSE = "close"
    REPORT_NEW_PROBLEM = "report_new_problem"
    ADD_PHOTO = "add_photo"


class ApprovalLevel(StrEnum):
    """Who signs a reimbursement form, in order: department head, then finance."""

    DEPT_HEAD = "dept_head"
    FINANCE = "finance"


S = Status
# The statuses each step may start from. Repeating a step in its own status is a correction
# (re-assign, re-book the survey, re-schedule). Closing straight from `completed` is the path for
# a repair without expenses: a reimbursement claim of 0 would have nothing to approve.
ALLOWED_FROM: Final[Mapping[Step, frozenset[Status]]] = {
    Step.ASSIGN: frozenset(ORDER[: ORDER.index(S.IN_REPAIR) + 1]),
    Step.BOOK_SURVEY: frozenset({S.ASSIGNED, S.SURVEY_BOOKED}),
    Step.RECORD_SURVEY: frozenset({S.SURVEY_BOOKED}),
    Step.ACCEPT_QUOTE: frozenset({S.SURVEYED}),
    Step.SCHEDULE: frozenset({S.SURVEYED, S.QUOTE_ACCEPTED, S.SCHEDULED}),
    Step.START_REPAIR: frozenset({S.SCHEDULED}),
    Step.COMPLETE: frozenset({S.SCHEDULED, S.IN_REPAIR}),
    Step.CLAIM_REIMBURSEMENT: frozenset({S.COMPLETED}),
    Step.APPROVE_DEPT: frozenset({S.REIMBURSEMENT_CLAIMED}),
    Step.APPROVE_FINANCE: frozenset({S.REIMBURSEMENT_DEPT_APPROVED}),
    Step.CLOSE: frozenset({S.COMPLETED, S.REIMBURSEMENT_FINANCE_APPROVED}),
    Step.REPORT_NEW_PROBLEM: frozenset({S.SCHEDULED, S.IN_REPAIR}),
    Step.ADD_PHOTO: frozenset(ORDER[ORDER.index(S.SURVEY_BOOKED) : ORDER.index(S.CLOSED)]),
}

STEP_WORDS: Final[Mapping[Step, str]] = {
    Step.ASSIGN: "assign staff",
    Step.BOOK_SURVEY: "book the site survey",
    Step.RECORD_SURVEY: "record the site survey",
    Step.ACCEPT_QUOTE: "accept a fee quote",
    Step.SCHEDULE: "schedule the repair",
    Step.START_REPAIR: "start the repair",
    Step.COMPLETE: "complete the repair",
    Step.CLAIM_REIMBURSEMENT: "claim reimbursement of the repair expenses",
    Step.APPROVE_DEPT: "approve the reimbursement as department head",
    Step.APPROVE_FINANCE: "approve the reimbursement as finance",
    Step.CLOSE: "close the ticket",
    Step.REPORT_NEW_PROBLEM: "report a new problem (only during a scheduled or ongoing repair)",
    Step.ADD_PHOTO: "add a photo (from the survey booking until the ticket is closed)",
}

NEXT_WORDS: Final[Mapping[Status, str]] = {
    S.OPENED: "assign after-sales staff",
    S.ASSIGNED: "book the site survey with the customer",
    S.SURVEY_BOOKED: "record the site survey",
    S.QUOTE_ACCEPTED: "schedule the repair",
    S.SCHEDULED: "start or complete the repair",
    S.IN_REPAIR: "complete the repair with the customer's evaluation",
    S.COMPLETED: "claim the repair expenses, or close the ticket if there were none",
    S.REIMBURSEMENT_CLAIMED: "the department head approves the reimbursement",
    S.REIMBURSEMENT_DEPT_APPROVED: "finance approves the reimbursement",
    S.REIMBURSEMENT_FINANCE_APPROVED: "close the ticket with a repair summary",
    S.CLOSED: "nothing, the ticket is closed",
}


@dataclass(frozen=True, kw_only=True)
class Ticket:
    """A repair ticket as the rules see it; every step returns a new one with version + 1."""

    id: str
    customer_id: str
    project_id: str | None = None
    complaint_id: str | None = None
    parent_id: str | None = None
    problem: str = ""
    address: str | None = None
    status: Status = Status.OPENED
    version: int = 1
    opened_at: datetime
    staff: str | None = None
    assigned_at: datetime | None = None
    first_contact_at: datetime | None = None
    survey_at: datetime | None = None
    surveyed_at: datetime | None = None
    findings: str | None = None
    proposed_fix: str | None = None
    problem_kind: ProblemKind | None = None
    covered: bool | None = None
    warranty_reason: str | None = None
    warranty_ends_on: date | None = None
    fee_quote_fen: int | None = None
    quote_accepted: bool = False
    quote_accepted_at: datetime | None = None
    repair_on: date | None = None
    duration_days: int | None = None
    repair_started_at: datetime | None = None
    materials: tuple[Mapping[str, str | None], ...] = ()
    completed_at: datetime | None = None
    evaluation_score: int | None = None
    evaluation_comment: str | None = None
    fee_paid_fen: int | None = None
    reimbursement_fen: int | None = None
    reimbursement_claimed_at: datetime | None = None
    dept_approved_by: str | None = None
    dept_approved_at: datetime | None = None
    finance_approved_by: str | None = None
    finance_approved_at: datetime | None = None
    closed_at: datetime | None = None
    summary: str | None = None

    @property
    def needs_quote_acceptance(self) -> bool:
        """True while a not-covered repair waits for the customer to accept the fee quote."""
        return self.covered is False and not self.quote_accepted


def status_words(status: Status) -> str:
    """A status in plain words, e.g. survey_booked -> 'survey booked'."""
    return status.value.replace("_", " ")


def next_words(ticket: Ticket) -> str:
    """What has to happen next to this ticket, in plain words."""
    if ticket.status is Status.SURVEYED:
        if ticket.needs_quote_acceptance:
            fee = yuan(ticket.fee_quote_fen or 0)
            return f"the customer accepts the fee quote of {fee} yuan, then schedule the repair"
        return "schedule the repair (covered by the warranty)"
    return NEXT_WORDS[ticket.status]


def require(ticket: Ticket, step: Step) -> None:
    """Refuse `step` unless the ticket's status allows it."""
    if ticket.status not in ALLOWED_FROM[step]:
        raise DomainError(
            WRONG_STATE,
            f"cannot {STEP_WORDS[step]} while the ticket is {status_words(ticket.status)};"
            f" next: {next_words(ticket)}",
        )


def open_ticket(
    *,
    id: str,
    customer_id: str,
    problem: str,
    now: datetime,
    project_id: str | None = None,
    complaint_id: str | None = None,
    parent_id: str | None = None,
    address: str | None = None,
) -> Ticket:
    """Open a ticket from a repair request, a quality complaint or a finding during a repair."""
    return Ticket(
        id=id,
        customer_id=customer_id,
        project_id=project_id,
        complaint_id=complaint_id,
        parent_id=parent_id,
        problem=problem,
        address=address,
        opened_at=now,
    )
