"""The repair life cycle as staff move it: each step locks the ticket, applies the rule,
writes the ticket and its history entry, moves the service-level timers and emits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from services.aftersales import domain, queries
from services.aftersales.domain import ApprovalLevel, SlaStep, Ticket
from services.aftersales.metrics import FIRST_CONTACT, SURVEY, elapsed
from services.aftersales.queries import Stored
from services.aftersales.workflow.tickets import (
    TicketFile,
    cancel_sla,
    file_of,
    open_ticket,
    repair_event,
    rules,
    schedule_sla,
    visible,
)
from shared.calendar import start_of_local_day
from shared.context import Context, planned_time
from shared.contracts.aftersales import RepairClosed, RepairCompleted, RepairScheduled
from shared.contracts.envelope import Event
from shared.contracts.values import PhotoPhase, ProblemKind
from shared.errors import NotFound
from shared.objects import StoredObject
from shared.web.auth import Principal


async def _locked(ctx: Context, who: Principal, repair_id: str) -> Stored:
    """The ticket, row-locked for this transaction (404 when unknown or not visible)."""
    stored = await queries.lock_ticket(ctx.conn, repair_id=repair_id)
    if stored is None or not who.may_see_branch(stored.branch_id):
        raise NotFound("repair", repair_id)
    return stored


async def _save(
    ctx: Context,
    stored: Stored,
    ticket: Ticket,
    *,
    action: str,
    at: datetime,
    who: Principal,
    details: dict[str, Any] | None = None,
    events: Sequence[Event] = (),
) -> TicketFile:
    """Write the ticket's next state, its history entry and its events; the new file."""
    await queries.update_ticket(ctx.conn, ticket=ticket)
    await queries.add_history(
        ctx.conn, repair_id=ticket.id, at=at, action=action, by=who.sub, details=details
    )
    for e in events:
        e.branch_id = e.branch_id or stored.branch_id
    await ctx.emit(*events)
    return await file_of(ctx, replace(stored, ticket=ticket))


async def assign(
    ctx: Context, who: Principal, repair_id: str, *, staff: str, at: datetime | None
) -> TicketFile:
    """Assign (or re-assign) the after-sales staff member."""
    stored = await _locked(ctx, who, repair_id)
    when = await ctx.business_time(at, "at")
    ticket = domain.assign(stored.ticket, staff, when)
    return await _save(
        ctx, stored, ticket, action="assigned", at=when, who=who, details={"staff": ticket.staff}
    )


async def book_survey(
    ctx: Context,
    who: Principal,
    repair_id: str,
    *,
    survey_at: datetime,
    contacted_at: datetime | None,
) -> TicketFile:
    """Record the survey time agreed with the customer (the first contact); repair.scheduled."""
    stored = await _locked(ctx, who, repair_id)
    contacted = await ctx.business_time(contacted_at, "contacted_at")
    planned = planned_time(survey_at, await ctx.now(), "at")
    first = stored.ticket.first_contact_at is None
    ticket = domain.book_survey(stored.ticket, planned, contacted)
    visit = domain.booked_visit(ticket)
    assert visit is not None
    event = repair_event(RepairScheduled, ticket, at=visit.at, kind=visit.kind)
    done = await _save(
        ctx,
        stored,
        ticket,
        action="survey_booked",
        at=contacted,
        who=who,
        details={"survey_at": planned.isoformat()},
        events=[event],
    )
    if first and ticket.first_contact_at is not None:
        FIRST_CONTACT.observe(elapsed(ticket.opened_at, ticket.first_contact_at))
    return done


async def record_survey(
    ctx: Context,
    who: Principal,
    repair_id: str,
    *,
    findings: str,
    proposed_fix: str,
    problem_kind: ProblemKind,
    at: datetime | None,
) -> TicketFile:
    """Record the site survey with the warranty decision and any fee quote."""
    stored = await _locked(ctx, who, repair_id)
    when = await ctx.business_time(at, "at")
    project = None
    if stored.ticket.project_id is not None:
        project = await queries.get_project(ctx.conn, project_id=stored.ticket.project_id)
    ticket = domain.record_survey(
        stored.ticket,
        findings=findings,
        proposed_fix=proposed_fix,
        problem_kind=problem_kind,
        completed_on=project["completed_on"] if project else None,
        warranty_ends_on=project["warranty_ends_on"] if project else None,
        rules=rules(ctx),
        at=when,
    )
    details = {
        "problem_kind": problem_kind.value,
        "covered": ticket.covered,
        "reason": ticket.warranty_reason,
        "fee_quote_fen": ticket.fee_quote_fen,
    }
    done = await _save(ctx, stored, ticket, action="surveyed", at=when, who=who, details=details)
    SURVEY.observe(elapsed(ticket.opened_at, when))
    return done


async def accept_quote(
    ctx: Context, who: Principal, repair_id: str, *, at: datetime | None
) -> TicketFile:
    """The customer accepted the fee quote of a repair the warranty does not cover."""
    stored = await _locked(ctx, who, repair_id)
    when = await ctx.business_time(at, "at")
    ticket = domain.accept_quote(stored.ticket, when)
    return await _save(
        ctx,
        stored,
        ticket,
        action="quote_accepted",
        at=when,
        who=who,
        details={"fee_quote_fen": ticket.fee_quote_fen},
    )


async def schedule(
    ctx: Context, who: Principal, repair_id: str, *, on: date, duration_days: int
) -> TicketFile:
    """Set the repair date and length with the material list prepared from the project;
    the repair's service-level timer follows the plan."""
    stored = await _locked(ctx, who, repair_id)
    now = await ctx.now()
    planned_time(start_of_local_day(on), now, "date")
    materials: list[dict[str, str | None]] = []
    if stored.ticket.project_id is not None and stored.ticket.problem_kind is not None:
        recorded = await queries.get_materials(ctx.conn, project_id=stored.ticket.project_id)
        materials = domain.materials_list(recorded, stored.ticket.problem_kind)
    ticket = domain.schedule(stored.ticket, on, duration_days, now, materials)
    await schedule_sla(ctx, ticket, steps=[SlaStep.REPAIR])
    visit = domain.booked_visit(ticket)
    assert visit is not None
    event = repair_event(
        RepairScheduled,
        ticket,
        at=visit.at,
        kind=visit.kind,
        on=visit.on,
        duration_days=visit.duration_days,
    )
    details = {"date": on.isoformat(), "duration_days": duration_days, "materials": len(materials)}
    return await _save(
        ctx, stored, ticket, action="scheduled", at=now, who=who, events=[event], details=details
    )


async def start(ctx: Context, who: Principal, repair_id: str, *, at: datetime | None) -> TicketFile:
    """The crew is on site (optional step); the prepared material list stays with the ticket."""
    stored = await _locked(ctx, who, repair_id)
    when = await ctx.business_time(at, "at")
    ticket = domain.start_repair(stored.ticket, when, stored.ticket.materials)
    return await _save(ctx, stored, ticket, action="repair_started", at=when, who=who)


async def report_new_problem(
    ctx: Context, who: Principal, repair_id: str, *, problem: str, at: datetime | None
) -> Ticket:
    """A new problem found during the repair opens a linked ticket with its own plan."""
    stored = await _locked(ctx, who, repair_id)
    when = await ctx.business_time(at, "at")
    child = domain.new_problem_ticket(stored.ticket, problem, str(uuid.uuid4()), when)
    opened = await open_ticket(
        ctx, ticket=child, source=None, branch_id=stored.branch_id, by=who.sub
    )
    assert opened is not None
    await queries.add_history(
        ctx.conn,
        repair_id=repair_id,
        at=when,
        action="new_problem_reported",
        by=who.sub,
        details={"child_id": child.id, "problem": child.problem},
    )
    await ctx.emit(opened)
    return child


async def complete(
    ctx: Context,
    who: Principal,
    repair_id: str,
    *,
    evaluation_score: int,
    comment: str,
    fee_paid_fen: int | None,
    at: datetime | None,
) -> TicketFile:
    """The repair is done with the customer's evaluation; repair.completed (the complaint is
    resolved, the supervision centre calls back)."""
    stored = await _locked(ctx, who, repair_id)
    when = await ctx.business_time(at, "at")
    ticket = domain.complete(
        stored.ticket,
        evaluation_score=evaluation_score,
        comment=comment,
        fee_paid_fen=fee_paid_fen,
        at=when,
    )
    after = await queries.count_photos(ctx.conn, repair_id=repair_id, phase=PhotoPhase.AFTER)
    domain.require_after_photo(after, rules(ctx))
    await cancel_sla(ctx, ticket.id)
    details = {
        "evaluation_score": ticket.evaluation_score,
        "comment": ticket.evaluation_comment,
        "fee_paid_fen": ticket.fee_paid_fen,
    }
    event = repair_event(RepairCompleted, ticket, at=when, problem_kind=ticket.problem_kind)
    return await _save(
        ctx, stored, ticket, action="completed", at=when, who=who, events=[event], details=details
    )


async def claim_reimbursement(
    ctx: Context, who: Principal, repair_id: str, *, amount_fen: int, at: datetime | None
) -> TicketFile:
    """File the reimbursement form for the repair expenses."""
    stored = await _locked(ctx, who, repair_id)
    when = await ctx.business_time(at, "at")
    ticket = domain.claim_reimbursement(stored.ticket, amount_fen, when)
    return await _save(
        ctx,
        stored,
        ticket,
        action="reimbursement_claimed",
        at=when,
        who=who,
        details={"amount_fen": amount_fen},
    )


async def approve_reimbursement(
    ctx: Context, who: Principal, repair_id: str, *, level: ApprovalLevel, at: datetime | None
) -> TicketFile:
    """Approve the reimbursement: the department head first, then finance."""
    stored = await _locked(ctx, who, repair_id)
    when = await ctx.business_time(at, "at")
    ticket = domain.approve_reimbursement(stored.ticket, level, who.sub, when)
    return await _save(
        ctx,
        stored,
        ticket,
        action=f"reimbursement_approved_{level.value}",
        at=when,
        who=who,
        details={"level": level.value},
    )


async def close(
    ctx: Context, who: Principal, repair_id: str, *, summary: str, at: datetime | None
) -> TicketFile:
    """Close the ticket with the repair summary; repair.closed."""
    stored = await _locked(ctx, who, repair_id)
    when = await ctx.business_time(at, "at")
    ticket = domain.close(stored.ticket, summary, when)
    await cancel_sla(ctx, ticket.id)
    event = repair_event(RepairClosed, ticket, at=when)
    return await _save(
        ctx,
        stored,
        ticket,
        action="closed",
        at=when,
        who=who,
        events=[event],
        details={"summary": ticket.summary},
    )


async def check_photo(
    ctx: Context,
    who: Principal,
    repair_id: str,
    *,
    content_type: str,
    size_bytes: int,
    phase: PhotoPhase | None = None,
) -> None:
    """Refuse a photo the ticket cannot take, before its bytes are stored."""
    stored = await visible(ctx, who, repair_id)
    domain.check_photo(stored.ticket, content_type, size_bytes, rules(ctx))
    domain.photo_phase(stored.ticket, phase)


async def add_photo(
    ctx: Context,
    who: Principal,
    repair_id: str,
    *,
    photo: StoredObject,
    content_type: str,
    filename: str | None,
    phase: PhotoPhase | None = None,
) -> PhotoPhase:
    """Record a photo whose bytes are in the object store, with its phase and history entry."""
    stored = await _locked(ctx, who, repair_id)
    domain.check_photo(stored.ticket, content_type, photo.size, rules(ctx))
    taken = domain.photo_phase(stored.ticket, phase)
    await queries.add_photo(
        ctx.conn,
        photo_id=photo.id,
        repair_id=repair_id,
        sha256=photo.sha256,
        size_bytes=photo.size,
        content_type=content_type,
        uploaded_by=who.sub,
        phase=taken.value,
    )
    await queries.add_history(
        ctx.conn,
        repair_id=repair_id,
        at=await ctx.now(),
        action="photo_added",
        by=who.sub,
        details={"photo_id": photo.id, "filename": filename, "phase": taken.value},
    )
    return taken


async def photo(ctx: Context, who: Principal, repair_id: str, photo_id: str) -> dict[str, Any]:
    """A photo's record on a ticket the caller may see."""
    await visible(ctx, who, repair_id)
    found = await queries.get_photo(ctx.conn, repair_id=repair_id, photo_id=photo_id)
    if found is None:
        raise NotFound("photo", photo_id)
    return found
