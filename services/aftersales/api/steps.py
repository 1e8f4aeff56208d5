"""The repair life cycle over HTTP: each route validates, calls the domain, writes, emits."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request

from services.aftersales import domain, queries
from services.aftersales.api.common import (
    APPROVE,
    APPROVERS,
    WRITE,
    locked,
    now_or,
    save,
    settings_of,
)
from services.aftersales.domain import SlaStep, booked_visit
from services.aftersales.metrics import FIRST_CONTACT, SURVEY, elapsed
from services.aftersales.views import (
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
)
from services.aftersales.workflow import (
    SERVICE,
    cancel_sla,
    open_ticket,
    repair_event,
    schedule_sla,
)
from shared import outbox
from shared.contracts.aftersales import RepairClosed, RepairCompleted, RepairScheduled
from shared.web.auth import Principal
from shared.web.errors import Problem

router = APIRouter(prefix="/v1", tags=["repairs"])


@router.post("/repairs/{repair_id}/assignment")
async def assign(
    repair_id: str, body: AssignmentIn, request: Request, who: Principal = WRITE
) -> dict[str, Any]:
    """Assign (or re-assign) the after-sales staff member."""
    at = now_or(body.at)
    async with locked(request, repair_id, who) as (conn, stored):
        ticket = domain.assign(stored.ticket, body.staff, at)
        return await save(
            conn, stored, ticket, action="assigned", at=at, who=who, details={"staff": ticket.staff}
        )


@router.post("/repairs/{repair_id}/survey-booking")
async def book_survey(
    repair_id: str, body: SurveyBookingIn, request: Request, who: Principal = WRITE
) -> dict[str, Any]:
    """Record the survey time agreed with the customer (the first contact); repair.scheduled."""
    contacted = now_or(body.contacted_at)
    async with locked(request, repair_id, who) as (conn, stored):
        first = stored.ticket.first_contact_at is None
        ticket = domain.book_survey(stored.ticket, body.at, contacted)
        visit = booked_visit(ticket)
        assert visit is not None
        event = repair_event(RepairScheduled, ticket, at=visit.at, kind=visit.kind)
        view = await save(
            conn,
            stored,
            ticket,
            action="survey_booked",
            at=contacted,
            who=who,
            details={"survey_at": body.at.isoformat()},
            events=[event],
        )
    if first and ticket.first_contact_at is not None:
        FIRST_CONTACT.observe(elapsed(ticket.opened_at, ticket.first_contact_at))
    return view


@router.post("/repairs/{repair_id}/survey")
async def record_survey(
    repair_id: str, body: SurveyIn, request: Request, who: Principal = WRITE
) -> dict[str, Any]:
    """Record the site survey; the answer carries the warranty decision and any fee quote."""
    at = now_or(body.at)
    async with locked(request, repair_id, who) as (conn, stored):
        completed_on = None
        if stored.ticket.project_id is not None:
            project = await queries.get_project(conn, project_id=stored.ticket.project_id)
            completed_on = project["completed_on"] if project else None
        ticket = domain.record_survey(
            stored.ticket,
            findings=body.findings,
            proposed_fix=body.proposed_fix,
            problem_kind=body.problem_kind,
            completed_on=completed_on,
            settings=settings_of(request),
            at=at,
        )
        details = {
            "problem_kind": body.problem_kind.value,
            "covered": ticket.covered,
            "reason": ticket.warranty_reason,
            "fee_quote_fen": ticket.fee_quote_fen,
        }
        view = await save(conn, stored, ticket, action="surveyed", at=at, who=who, details=details)
    SURVEY.observe(elapsed(ticket.opened_at, at))
    return view


@router.post("/repairs/{repair_id}/quote-acceptance")
async def accept_quote(
    repair_id: str, request: Request, body: AtIn | None = None, who: Principal = WRITE
) -> dict[str, Any]:
    """The customer accepted the fee quote of a repair the warranty does not cover."""
    at = now_or(body.at if body else None)
    async with locked(request, repair_id, who) as (conn, stored):
        ticket = domain.accept_quote(stored.ticket, at)
        return await save(
            conn,
            stored,
            ticket,
            action="quote_accepted",
            at=at,
            who=who,
            details={"fee_quote_fen": ticket.fee_quote_fen},
        )


@router.post("/repairs/{repair_id}/schedule")
async def schedule(
    repair_id: str, body: ScheduleIn, request: Request, who: Principal = WRITE
) -> dict[str, Any]:
    """Set the repair date and length (409 while a fee quote waits); prepare the material list."""
    at = now_or()
    async with locked(request, repair_id, who) as (conn, stored):
        materials: list[dict[str, str | None]] = []
        if stored.ticket.project_id is not None and stored.ticket.problem_kind is not None:
            recorded = await queries.get_materials(conn, project_id=stored.ticket.project_id)
            materials = domain.materials_list(recorded, stored.ticket.problem_kind)
        ticket = domain.schedule(stored.ticket, body.date, body.duration_days, at, materials)
        await schedule_sla(conn, ticket, settings_of(request), steps=[SlaStep.REPAIR])
        visit = booked_visit(ticket)
        assert visit is not None
        event = repair_event(
            RepairScheduled,
            ticket,
            at=visit.at,
            kind=visit.kind,
            on=visit.on,
            duration_days=visit.duration_days,
        )
        return await save(
            conn,
            stored,
            ticket,
            action="scheduled",
            at=at,
            who=who,
            events=[event],
            details={
                "date": body.date.isoformat(),
                "duration_days": body.duration_days,
                "materials": len(materials),
            },
        )


@router.post("/repairs/{repair_id}/start")
async def start(
    repair_id: str, request: Request, body: AtIn | None = None, who: Principal = WRITE
) -> dict[str, Any]:
    """The crew is on site (optional step); the prepared material list stays with the ticket."""
    at = now_or(body.at if body else None)
    async with locked(request, repair_id, who) as (conn, stored):
        ticket = domain.start_repair(stored.ticket, at, stored.ticket.materials)
        return await save(conn, stored, ticket, action="repair_started", at=at, who=who)


@router.post("/repairs/{repair_id}/findings", status_code=201)
async def report_new_problem(
    repair_id: str, body: FindingsIn, request: Request, who: Principal = WRITE
) -> dict[str, Any]:
    """A new problem found during the repair opens a linked ticket with its own plan."""
    at = now_or(body.at)
    async with locked(request, repair_id, who) as (conn, stored):
        child = domain.new_problem_ticket(stored.ticket, body.problem, str(uuid.uuid4()), at)
        opened = await open_ticket(
            conn,
            ticket=child,
            source=None,
            branch_id=stored.branch_id,
            by=who.sub,
            config=settings_of(request),
        )
        assert opened is not None
        await queries.add_history(
            conn,
            repair_id=repair_id,
            at=at,
            action="new_problem_reported",
            by=who.sub,
            details={"child_id": child.id, "problem": child.problem},
        )
        await outbox.add(conn, *outbox.stamp(SERVICE, [opened]))
    return {"id": child.id, "parent_id": repair_id, "status": child.status.value}


@router.post("/repairs/{repair_id}/completion")
async def complete(
    repair_id: str, body: CompletionIn, request: Request, who: Principal = WRITE
) -> dict[str, Any]:
    """The repair is done with the customer's evaluation; repair.completed (complaint resolved)."""
    at = now_or(body.at)
    async with locked(request, repair_id, who) as (conn, stored):
        ticket = domain.complete(
            stored.ticket,
            evaluation_score=body.evaluation_score,
            comment=body.comment,
            fee_paid_fen=body.fee_paid_fen,
            at=at,
        )
        await cancel_sla(conn, ticket.id)
        event = repair_event(RepairCompleted, ticket, at=at)
        return await save(
            conn,
            stored,
            ticket,
            action="completed",
            at=at,
            who=who,
            events=[event],
            details={
                "evaluation_score": ticket.evaluation_score,
                "comment": ticket.evaluation_comment,
                "fee_paid_fen": ticket.fee_paid_fen,
            },
        )


@router.post("/repairs/{repair_id}/reimbursement")
async def claim_reimbursement(
    repair_id: str, body: ReimbursementIn, request: Request, who: Principal = WRITE
) -> dict[str, Any]:
    """File the reimbursement form for the repair expenses."""
    at = now_or(body.at)
    async with locked(request, repair_id, who) as (conn, stored):
        ticket = domain.claim_reimbursement(stored.ticket, body.amount_fen, at)
        return await save(
            conn,
            stored,
            ticket,
            action="reimbursement_claimed",
            at=at,
            who=who,
            details={"amount_fen": body.amount_fen},
        )


@router.post("/repairs/{repair_id}/reimbursement/approvals")
async def approve_reimbursement(
    repair_id: str, body: ApprovalIn, request: Request, who: Principal = APPROVE
) -> dict[str, Any]:
    """Approve the reimbursement: the department head first, then finance."""
    if who.role.value != "admin" and who.role.value not in APPROVERS[body.level]:
        raise Problem(
            403, "Forbidden", f"role {who.role.value} may not approve at level {body.level.value}"
        )
    at = now_or(body.at)
    async with locked(request, repair_id, who) as (conn, stored):
        ticket = domain.approve_reimbursement(stored.ticket, body.level, who.sub, at)
        return await save(
            conn,
            stored,
            ticket,
            action=f"reimbursement_approved_{body.level.value}",
            at=at,
            who=who,
            details={"level": body.level.value},
        )


@router.post("/repairs/{repair_id}/closure")
async def close(
    repair_id: str, body: ClosureIn, request: Request, who: Principal = WRITE
) -> dict[str, Any]:
    """Close the ticket with the repair summary; repair.closed."""
    at = now_or(body.at)
    async with locked(request, repair_id, who) as (conn, stored):
        ticket = domain.close(stored.ticket, body.summary, at)
        await cancel_sla(conn, ticket.id)
        event = repair_event(RepairClosed, ticket, at=at)
        return await save(
            conn,
            stored,
            ticket,
            action="closed",
            at=at,
            who=who,
            events=[event],
            details={"summary": ticket.summary},
        )
