"""Request bodies and response shapes of the aftersales API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.aftersales.domain import ApprovalLevel, SlaStep, Ticket, next_words
from services.aftersales.domain.customer import customer_step
from services.aftersales.queries import Stored
from services.aftersales.workflow import TicketFile
from shared.contracts.values import ProblemKind
from shared.validation import Code, Day, LongText, Moment, Notes
from shared.web.models import Strict


class AssignmentIn(Strict):
    staff: Code = Field(description="Token `sub` of the after-sales staff member")
    at: Moment | None = None


class SurveyBookingIn(Strict):
    at: Moment = Field(description="The survey time agreed with the customer")
    contacted_at: Moment | None = Field(
        default=None, description="When the customer was reached (first contact); default now"
    )


class SurveyIn(Strict):
    findings: LongText
    proposed_fix: LongText
    problem_kind: ProblemKind
    at: Moment | None = Field(default=None, description="When the survey took place")


class AtIn(Strict):
    at: Moment | None = None


class ScheduleIn(Strict):
    date: Day
    duration_days: int = Field(ge=1, le=365)


class FindingsIn(Strict):
    problem: LongText = Field(description="The new problem found during the repair")
    at: Moment | None = None


class CompletionIn(Strict):
    evaluation_score: int = Field(ge=1, le=5, description="The customer's evaluation form score")
    comment: Notes = ""
    fee_paid_fen: int | None = Field(
        default=None, ge=0, le=100_000_000_000, description="For a paid repair"
    )
    at: Moment | None = None


class ReimbursementIn(Strict):
    amount_fen: int = Field(
        ge=0, le=100_000_000_000, description="The repair expenses to reimburse"
    )
    at: Moment | None = None


class ApprovalIn(Strict):
    level: ApprovalLevel
    at: Moment | None = None


class ClosureIn(Strict):
    summary: LongText = Field(description="The repair summary")
    at: Moment | None = None


def summary_view(stored: Stored) -> dict[str, Any]:
    """A ticket in a list."""
    t = stored.ticket
    return {
        "id": t.id,
        "status": t.status.value,
        "version": t.version,
        "customer_id": t.customer_id,
        "project_id": t.project_id,
        "complaint_id": t.complaint_id,
        "parent_id": t.parent_id,
        "branch_id": stored.branch_id,
        "problem": t.problem,
        "staff": t.staff,
        "opened_at": t.opened_at,
        "covered": t.covered,
        "repair_on": t.repair_on,
    }


def customer_repair_view(t: Ticket) -> dict[str, Any]:
    """An open ticket as its customer's page shows it: the problem, when it was reported,
    whether the warranty covers it (once surveyed) and the next step."""
    step = customer_step(t)
    return {
        "id": t.id,
        "problem": t.problem,
        "status": t.status.value,
        "opened_at": t.opened_at,
        "covered": t.covered,
        "next": {"step": step.code, "at": step.at, "on": step.on, "fee_fen": step.fee_fen},
    }


def reimbursement_view(t: Ticket) -> dict[str, Any]:
    """The reimbursement form: the amount claimed and both signatures."""
    return {
        "amount_fen": t.reimbursement_fen,
        "claimed_at": t.reimbursement_claimed_at,
        "dept_approved_by": t.dept_approved_by,
        "dept_approved_at": t.dept_approved_at,
        "finance_approved_by": t.finance_approved_by,
        "finance_approved_at": t.finance_approved_at,
    }


def ticket_view(file: TicketFile) -> dict[str, Any]:
    """A ticket with its warranty decision, fee quote, history, photos and materials."""
    t = file.stored.ticket
    return {
        **summary_view(file.stored),
        "address": t.address,
        "next": next_words(t),
        "assigned_at": t.assigned_at,
        "first_contact_at": t.first_contact_at,
        "survey_at": t.survey_at,
        "surveyed_at": t.surveyed_at,
        "findings": t.findings,
        "proposed_fix": t.proposed_fix,
        "problem_kind": t.problem_kind.value if t.problem_kind else None,
        "warranty": {
            "covered": t.covered,
            "reason": t.warranty_reason,
            "ends_on": t.warranty_ends_on,
        },
        "fee_quote_fen": t.fee_quote_fen,
        "quote_accepted": t.quote_accepted,
        "duration_days": t.duration_days,
        "repair_started_at": t.repair_started_at,
        "completed_at": t.completed_at,
        "evaluation_score": t.evaluation_score,
        "evaluation_comment": t.evaluation_comment,
        "fee_paid_fen": t.fee_paid_fen,
        "reimbursement": reimbursement_view(t),
        "closed_at": t.closed_at,
        "summary": t.summary,
        "history": file.history,
        "photos": file.photos,
        "materials": [dict(m) for m in t.materials],
    }


class OpenedOut(BaseModel):
    total: int
    by_status: dict[str, int] = Field(description="Every status in life-cycle order, 0 included")


class ServiceLevelOut(BaseModel):
    step: SlaStep
    due: int = Field(description="Deadlines of this step falling in the month")
    met: int = Field(description="Done by the deadline")
    breached: int = Field(description="Done after the deadline, or not done once it passed")
    pending: int = Field(description="Not done, the deadline still ahead")


class SurveyedOut(BaseModel):
    covered: int = Field(description="Warranty decisions (site surveys) in the month: covered")
    paid: int = Field(description="... not covered: the customer pays")
    quoted_fen: int = Field(description="Fees quoted for those paid repairs")


class CompletedOut(BaseModel):
    covered: int = Field(description="Repairs completed in the month under the warranty")
    paid: int = Field(description="Paid repairs completed in the month")
    paid_fen: int = Field(description="Fees paid for them")


class RepairsOut(BaseModel):
    surveyed: SurveyedOut
    completed: CompletedOut


class MonthlyRepairs(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "month": "2026-11",
                    "from": "2026-11-01T00:00:00+08:00",
                    "to": "2026-12-01T00:00:00+08:00",
                    "opened": {"total": 2, "by_status": {"opened": 1, "closed": 1}},
                    "service_levels": [
                        {"step": "first_contact", "due": 2, "met": 1, "breached": 1, "pending": 0}
                    ],
                    "repairs": {
                        "surveyed": {"covered": 1, "paid": 1, "quoted_fen": 30000},
                        "completed": {"covered": 0, "paid": 1, "paid_fen": 30000},
                    },
                }
            ]
        },
    )

    month: str
    branch: str | None = Field(None, description="The branch asked for; null: every branch")
    from_: str = Field(alias="from", description="The month's start in Asia/Shanghai")
    to: str = Field(description="The next month's start (exclusive)")
    opened: OpenedOut = Field(description="Tickets opened in the month, by their status now")
    service_levels: list[ServiceLevelOut]
    repairs: RepairsOut
