"""The repair life cycle over HTTP: each route parses, calls one workflow step, shows the ticket."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from services.aftersales import workflow
from services.aftersales.api.models import (
    ApprovalIn,
    AssignmentIn,
    AtIn,
    ClosureIn,
    CompletionIn,
    FindingsIn,
    ReimbursementIn,
    ScheduleIn,
    SurveyBookingIn,
    SurveyIn,
    ticket_view,
)
from services.aftersales.api.roles import APPROVE, APPROVERS, WRITE
from shared.web.auth import Principal
from shared.web.deps import change
from shared.web.errors import Problem

router = APIRouter(prefix="/v1", tags=["repairs"])


@router.post("/repairs/{repair_id}/assignment")
async def assign(
    repair_id: str, body: AssignmentIn, request: Request, who: Principal = WRITE
) -> dict[str, Any]:
    """Assign (or re-assign) the after-sales staff member."""
    async with change(request) as ctx:
        done = await workflow.assign(ctx, who, repair_id, staff=body.staff, at=body.at)
    return ticket_view(done)


@router.post("/repairs/{repair_id}/survey-booking")
async def book_survey(
    repair_id: str, body: SurveyBookingIn, request: Request, who: Principal = WRITE
) -> dict[str, Any]:
    """Record the survey time agreed with the customer (the first contact); repair.scheduled."""
    async with change(request) as ctx:
        done = await workflow.book_survey(
            ctx, who, repair_id, survey_at=body.at, contacted_at=body.contacted_at
        )
    return ticket_view(done)


@router.post("/repairs/{repair_id}/survey")
async def record_survey(
    repair_id: str, body: SurveyIn, request: Request, who: Principal = WRITE
) -> dict[str, Any]:
    """Record the site survey; the answer carries the warranty decision and any fee quote."""
    async with change(request) as ctx:
        done = await workflow.record_survey(
            ctx,
            who,
            repair_id,
            findings=body.findings,
            proposed_fix=body.proposed_fix,
            problem_kind=body.problem_kind,
            at=body.at,
        )
    return ticket_view(done)


@router.post("/repairs/{repair_id}/quote-acceptance")
async def accept_quote(
    repair_id: str, request: Request, body: AtIn | None = None, who: Principal = WRITE
) -> dict[str, Any]:
    """The customer accepted the fee quote of a repair the warranty does not cover."""
    async with change(request) as ctx:
        done = await workflow.accept_quote(ctx, who, repair_id, at=body.at if body else None)
    return ticket_view(done)


@router.post("/repairs/{repair_id}/schedule")
async def schedule(
    repair_id: str, body: ScheduleIn, request: Request, who: Principal = WRITE
) -> dict[str, Any]:
    """Set the repair date and length (409 while a fee quote waits); prepare the material list."""
    async with change(request) as ctx:
        done = await workflow.schedule(
            ctx, who, repair_id, on=body.date, duration_days=body.duration_days
        )
    return ticket_view(done)


@router.post("/repairs/{repair_id}/start")
async def start(
    repair_id: str, request: Request, body: AtIn | None = None, who: Principal = WRITE
) -> dict[str, Any]:
    """The crew is on site (optional step); the prepared material list stays with the ticket."""
    async with change(request) as ctx:
        done = await workflow.start(ctx, who, repair_id, at=body.at if body else None)
    return ticket_view(done)


@router.post("/repairs/{repair_id}/findings", status_code=201)
async def report_new_problem(
    repair_id: str, body: FindingsIn, request: Request, who: Principal = WRITE
) -> dict[str, Any]:
    """A new problem found during the repair opens a linked ticket with its own plan."""
    async with change(request) as ctx:
        child = await workflow.report_new_problem(
            ctx, who, repair_id, problem=body.problem, at=body.at
        )
    return {"id": child.id, "parent_id": repair_id, "status": child.status.value}


@router.post("/repairs/{repair_id}/completion")
async def complete(
    repair_id: str, body: CompletionIn, request: Request, who: Principal = WRITE
) -> dict[str, Any]:
    """The repair is done with the customer's evaluation; repair.completed (complaint resolved)."""
    async with change(request) as ctx:
        done = await workflow.complete(
            ctx,
            who,
            repair_id,
            evaluation_score=body.evaluation_score,
            comment=body.comment,
            fee_paid_fen=body.fee_paid_fen,
            at=body.at,
        )
    return ticket_view(done)


@router.post("/repairs/{repair_id}/reimbursement")
async def claim_reimbursement(
    repair_id: str, body: ReimbursementIn, request: Request, who: Principal = WRITE
) -> dict[str, Any]:
    """File the reimbursement form for the repair expenses."""
    async with change(request) as ctx:
        done = await workflow.claim_reimbursement(
            ctx, who, repair_id, amount_fen=body.amount_fen, at=body.at
        )
    return ticket_view(done)


@router.post("/repairs/{repair_id}/reimbursement/approvals")
async def approve_reimbursement(
    repair_id: str, body: ApprovalIn, request: Request, who: Principal = APPROVE
) -> dict[str, Any]:
    """Approve the reimbursement: the department head first, then finance."""
    if who.role.value != "admin" and who.role.value not in APPROVERS[body.level]:
        raise Problem(
            403, "Forbidden", f"role {who.role.value} may not approve at level {body.level.value}"
        )
    async with change(request) as ctx:
        done = await workflow.approve_reimbursement(
            ctx, who, repair_id, level=body.level, at=body.at
        )
    return ticket_view(done)


@router.post("/repairs/{repair_id}/closure")
async def close(
    repair_id: str, body: ClosureIn, request: Request, who: Principal = WRITE
) -> dict[str, Any]:
    """Close the ticket with the repair summary; repair.closed."""
    async with change(request) as ctx:
        done = await workflow.close(ctx, who, repair_id, summary=body.summary, at=body.at)
    return ticket_view(done)
