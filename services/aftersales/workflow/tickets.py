"""Tickets opened from events and found during repairs, the projections of projects, the
service-level timers and their breaches, and reading tickets."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, TypeVar

from services.aftersales import domain, queries
from services.aftersales.domain import RepairRules, SlaStep, Status, Ticket
from services.aftersales.metrics import SLA_BREACHES
from services.aftersales.queries import Stored
from shared import timers
from shared.context import Context
from shared.contracts.aftersales import RepairEvent, RepairOpened, RepairSlaBreached
from shared.contracts.values import Stage
from shared.errors import NotFound
from shared.web.auth import Principal

log = logging.getLogger("kefu.aftersales")

SERVICE: Final = "aftersales"
SLA_TIMER: Final = "repair.sla"
# A quality complaint opens a repair only on a project that is finished.
FINISHED: Final = frozenset({Stage.COMPLETED.value, Stage.WARRANTY.value})

E = TypeVar("E", bound=RepairEvent)


@dataclass(frozen=True)
class TicketFile:
    """A ticket with its history and photos, as the API shows it."""

    stored: Stored
    history: list[dict[str, Any]]
    photos: list[dict[str, Any]]


def rules(ctx: Context) -> RepairRules:
    """The figures the rules take, from the service's settings."""
    figures: RepairRules = ctx.config.rules()
    return figures


def repair_event(cls: type[E], ticket: Ticket, *, at: datetime | None, **extra: Any) -> E:
    """A repair.* event carrying the ticket as it stands (its version orders them)."""
    fee = ticket.fee_paid_fen if ticket.fee_paid_fen is not None else ticket.fee_quote_fen
    return cls(
        source=SERVICE,
        repair_id=ticket.id,
        customer_id=ticket.customer_id,
        project_id=ticket.project_id,
        complaint_id=ticket.complaint_id,
        parent_id=ticket.parent_id,
        staff=ticket.staff,
        covered=ticket.covered,
        fee_fen=fee,
        evaluation_score=ticket.evaluation_score,
        version=ticket.version,
        at=at,
        **extra,
    )


def sla_key(repair_id: str, step: SlaStep) -> str:
    """The timer key of one ticket's service-level step."""
    return f"{repair_id}:{step.value}"


async def schedule_sla(
    ctx: Context, ticket: Ticket, steps: Iterable[SlaStep] | None = None
) -> None:
    """Create (or move) the service-level timers of a ticket, all of them or only `steps`."""
    wanted = set(steps) if steps is not None else None
    rows = [
        (SLA_TIMER, sla_key(ticket.id, step), due, {"repair_id": ticket.id, "step": step.value})
        for step, due in domain.sla_deadlines(ticket, rules(ctx))
        if wanted is None or step in wanted
    ]
    # One statement for all of them (ctx.schedule is one per timer).
    await timers.schedule_many(ctx.conn, rows)


async def cancel_sla(ctx: Context, repair_id: str) -> None:
    """Drop the service-level timers of a ticket whose repair is done."""
    await timers.cancel_prefix(ctx.conn, SLA_TIMER, f"{repair_id}:")


async def open_ticket(
    ctx: Context, *, ticket: Ticket, source: str | None, branch_id: str | None, by: str | None
) -> RepairOpened | None:
    """Store a new ticket with its history and SLA timers; its event (not yet emitted), or
    None when its source already opened one."""
    inserted = await queries.insert_ticket(
        ctx.conn, ticket=ticket, source=source, branch_id=branch_id
    )
    if not inserted:
        return None
    details: dict[str, Any] = {"problem": ticket.problem}
    if source is not None:
        details["source"] = source
    if ticket.parent_id is not None:
        details["parent_id"] = ticket.parent_id
    await queries.add_history(
        ctx.conn, repair_id=ticket.id, at=ticket.opened_at, action="opened", by=by, details=details
    )
    await schedule_sla(ctx, ticket)
    event = repair_event(RepairOpened, ticket, at=ticket.opened_at)
    event.branch_id = branch_id
    return event


async def open_for_request(
    ctx: Context,
    *,
    source: str,
    customer_id: str,
    project_id: str | None,
    complaint_id: str | None,
    address: str | None,
    problem: str,
    at: datetime,
    branch_id: str | None,
    by: str | None,
) -> bool:
    """Open one ticket per repair request; False when the request (or its complaint) already
    has one."""
    ticket = domain.open_ticket(
        id=str(uuid.uuid4()),
        customer_id=customer_id,
        project_id=project_id,
        complaint_id=complaint_id,
        address=address,
        problem=problem,
        now=at,
    )
    opened = await open_ticket(ctx, ticket=ticket, source=source, branch_id=branch_id, by=by)
    if opened is None:
        return False
    await ctx.emit(opened)
    return True


async def open_for_complaint(
    ctx: Context,
    *,
    source: str,
    complaint_id: str,
    customer_id: str,
    project_id: str,
    problem: str,
    at: datetime,
    branch_id: str | None,
    by: str | None,
) -> bool:
    """A quality complaint about a finished project opens a ticket linked to the complaint;
    False when the project is unknown or not finished, or the complaint has a ticket."""
    project = await queries.get_project(ctx.conn, project_id=project_id)
    if project is None or project["stage"] not in FINISHED:
        log.debug("complaint %s: project %s is not finished", complaint_id, project_id)
        return False
    ticket = domain.open_ticket(
        id=str(uuid.uuid4()),
        customer_id=customer_id,
        project_id=project_id,
        complaint_id=complaint_id,
        problem=problem,
        now=at,
    )
    opened = await open_ticket(ctx, ticket=ticket, source=source, branch_id=branch_id, by=by)
    if opened is None:
        return False
    await ctx.emit(opened)
    return True


async def record_project_stage(
    ctx: Context,
    *,
    project_id: str,
    customer_id: str,
    stage: Stage,
    completed_on: date | None,
    warranty_ends_on: date | None,
    version: int,
    at: datetime,
    branch_id: str | None,
) -> None:
    """Keep each project's stage and completion for warranty decisions, and its branch for the
    references other branches may not make (stale versions skipped)."""
    applied = await queries.upsert_project(
        ctx.conn,
        project_id=project_id,
        customer_id=customer_id,
        stage=stage.value,
        completed_on=completed_on,
        warranty_ends_on=warranty_ends_on,
        version=version,
        changed_at=at,
        branch_id=branch_id,
    )
    if not applied:
        log.debug("project %s: stale version %d skipped", project_id, version)


async def project_branch(ctx: Context, project_id: str) -> str | None:
    """The branch a project belongs to, as its stage changes said; None when unknown here."""
    project = await queries.get_project(ctx.conn, project_id=project_id)
    return None if project is None else project["branch_id"]


async def record_materials(
    ctx: Context, *, project_id: str, items: list[dict[str, Any]], version: int
) -> None:
    """Keep each project's materials (supplier, brand, model, spec, colour) for repairs."""
    await queries.upsert_materials(ctx.conn, project_id=project_id, items=items, version=version)


async def record_followup(
    ctx: Context, repair_id: str, *, at: datetime, by: str | None, details: dict[str, Any]
) -> None:
    """Record the supervision centre's follow-up call on the repaired ticket's history."""
    if await queries.get_ticket(ctx.conn, repair_id=repair_id) is None:
        # Follow-ups are only scheduled from our own repair.completed: nothing to wait for.
        log.warning("follow-up %s for unknown repair %s", details.get("callback_id"), repair_id)
        return
    await queries.add_history(
        ctx.conn, repair_id=repair_id, at=at, action="supervision_followup", by=by, details=details
    )


async def check_sla(ctx: Context, repair_id: str, step: SlaStep) -> None:
    """A service-level bound passed: record the breach once and emit repair.sla.breached if the
    step was not done in time."""
    stored = await queries.lock_ticket(ctx.conn, repair_id=repair_id)
    if stored is None:
        return
    ticket, figures, now = stored.ticket, rules(ctx), await ctx.now()
    due = dict(domain.sla_deadlines(ticket, figures)).get(step)
    if due is None or not domain.breached(ticket, step, now, figures):
        return
    if not await queries.record_breach(
        ctx.conn, repair_id=ticket.id, step=step.value, due_at=due, detected_at=now
    ):
        return
    await queries.add_history(
        ctx.conn,
        repair_id=ticket.id,
        at=now,
        action="sla_breached",
        by=SERVICE,
        details={"step": step.value, "due_at": due.isoformat()},
    )
    event = repair_event(RepairSlaBreached, ticket, at=now, step=step.value, due_at=due)
    event.branch_id = stored.branch_id
    await ctx.emit(event)
    SLA_BREACHES.labels(step.value).inc()


async def tickets(
    ctx: Context,
    who: Principal,
    *,
    status: Status | None,
    project_id: str | None,
    complaint_id: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
    customer_id: str | None = None,
) -> list[Stored]:
    """Tickets the caller may see in opening order, filtered, after a keyset position."""
    return await queries.list_tickets(
        ctx.conn,
        status=status.value if status else None,
        project_id=project_id,
        complaint_id=complaint_id,
        branch_id=who.branch if who.is_branch else None,
        after=after,
        limit=limit,
        customer_id=customer_id,
    )


async def ticket(ctx: Context, who: Principal, repair_id: str) -> TicketFile:
    """One ticket with its history and photos, if the caller may see it."""
    return await file_of(ctx, await visible(ctx, who, repair_id))


async def visible(ctx: Context, who: Principal, repair_id: str) -> Stored:
    """The ticket the caller may see (404 otherwise: unknown and another branch's alike)."""
    stored = await queries.get_ticket(ctx.conn, repair_id=repair_id)
    if stored is None or not who.may_see_branch(stored.branch_id):
        raise NotFound("repair", repair_id)
    return stored


async def file_of(ctx: Context, stored: Stored) -> TicketFile:
    """The ticket with its history and photos."""
    repair_id = stored.ticket.id
    return TicketFile(
        stored,
        await queries.history(ctx.conn, repair_id=repair_id),
        await queries.photos(ctx.conn, repair_id=repair_id),
    )
