"""Bus handlers (one per consumer in shared/consumers.py) and the service-level timer."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Final

from services.aftersales import queries
from services.aftersales.config import AftersalesSettings
from services.aftersales.domain import SlaStep, breached, complaint_opens_repair, sla_deadlines
from services.aftersales.domain import open_ticket as new_ticket
from services.aftersales.metrics import SLA_BREACHES
from services.aftersales.workflow import SERVICE, open_ticket, repair_event
from shared import outbox
from shared.bus import HandlerContext
from shared.context import Context
from shared.contracts.aftersales import RepairSlaBreached
from shared.contracts.intake import ComplaintOpened, RepairRequested
from shared.contracts.notifications import CallbackCompleted
from shared.contracts.projects import ProjectMaterialsRecorded, ProjectStageChanged
from shared.contracts.values import CallbackPurpose, EntityKind, Stage
from shared.db import db_now
from shared.timers import Timer

log = logging.getLogger("kefu.aftersales")

# A quality complaint opens a repair only on a project that is finished.
FINISHED: Final = frozenset({Stage.COMPLETED.value, Stage.WARRANTY.value})


async def on_repair_requested(
    event: RepairRequested, ctx: HandlerContext, *, config: AftersalesSettings
) -> None:
    """Open one ticket per repair request (a second copy of the request opens nothing)."""
    ticket = new_ticket(
        id=str(uuid.uuid4()),
        customer_id=event.customer_id,
        project_id=event.project_id,
        complaint_id=event.complaint_id,
        address=event.address,
        problem=event.problem,
        now=event.occurred_at,
    )
    opened = await open_ticket(
        ctx.conn,
        ticket=ticket,
        source=f"{RepairRequested.SUBJECT}:{event.request_id}",
        branch_id=event.branch_id,
        by=event.source or None,
        config=config,
    )
    if opened is None:
        log.debug("repair request %s already has a ticket", event.request_id)
        return
    await ctx.emit(opened)


async def on_complaint_opened(
    event: ComplaintOpened, ctx: HandlerContext, *, config: AftersalesSettings
) -> None:
    """A quality complaint about a finished project opens a ticket linked to the complaint."""
    subject = event.subject
    if subject is None or not complaint_opens_repair(event.category, subject.kind):
        return
    project = await queries.get_project(ctx.conn, project_id=subject.id)
    if project is None or project["stage"] not in FINISHED:
        log.debug("complaint %s: project %s is not finished", event.complaint_id, subject.id)
        return
    ticket = new_ticket(
        id=str(uuid.uuid4()),
        customer_id=event.customer_id,
        project_id=subject.id,
        complaint_id=event.complaint_id,
        problem=event.description or f"quality complaint {event.complaint_id}",
        now=event.occurred_at,
    )
    opened = await open_ticket(
        ctx.conn,
        ticket=ticket,
        source=f"{ComplaintOpened.SUBJECT}:{event.complaint_id}",
        branch_id=event.branch_id,
        by=event.received_by_sub,
        config=config,
    )
    if opened is not None:
        await ctx.emit(opened)


async def on_project_stage_changed(event: ProjectStageChanged, ctx: HandlerContext) -> None:
    """Keep each project's stage and completion for warranty decisions (stale versions skipped)."""
    applied = await queries.upsert_project(
        ctx.conn,
        project_id=event.project_id,
        customer_id=event.customer_id,
        stage=event.to_stage.value,
        completed_on=event.completed_on,
        warranty_ends_on=event.warranty_ends_on,
        version=event.version,
        changed_at=event.at,
    )
    if not applied:
        log.debug("project %s: stale version %d skipped", event.project_id, event.version)


async def on_project_materials_recorded(
    event: ProjectMaterialsRecorded, ctx: HandlerContext
) -> None:
    """Keep each project's materials (supplier, brand, model, spec, colour) for repairs."""
    items = [item.model_dump() for item in event.items]
    await queries.upsert_materials(
        ctx.conn, project_id=event.project_id, items=items, version=event.version
    )


async def on_callback_completed(event: CallbackCompleted, ctx: HandlerContext) -> None:
    """Record the supervision centre's follow-up call on the repaired ticket's history."""
    if event.purpose is not CallbackPurpose.REPAIR_FOLLOWUP:
        return
    if event.entity.kind is not EntityKind.REPAIR:
        return
    stored = await queries.get_ticket(ctx.conn, repair_id=event.entity.id)
    if stored is None:
        # Follow-ups are only scheduled from our own repair.completed: nothing to wait for.
        log.warning("follow-up %s for unknown repair %s", event.callback_id, event.entity.id)
        return
    await queries.add_history(
        ctx.conn,
        repair_id=event.entity.id,
        at=event.occurred_at,
        action="supervision_followup",
        by=event.by,
        details={
            "callback_id": event.callback_id,
            "reached": event.reached,
            "satisfied": event.satisfied,
            "satisfaction": event.satisfaction,
            "comment": event.comment,
            "attempts": event.attempts,
        },
    )


async def fire_sla(ctx: Context, timer: Timer, *, config: AftersalesSettings) -> datetime | None:
    """A service-level bound passed: emit repair.sla.breached if the step was not done in time."""
    conn = ctx.conn
    step = SlaStep(timer.payload["step"])
    stored = await queries.lock_ticket(conn, repair_id=timer.payload["repair_id"])
    if stored is None:
        return None
    ticket = stored.ticket
    now = await db_now(conn)
    due = dict(sla_deadlines(ticket, config)).get(step)
    if due is None or not breached(ticket, step, now, config):
        return None
    if not await queries.record_breach(
        conn, repair_id=ticket.id, step=step.value, due_at=due, detected_at=now
    ):
        return None
    await queries.add_history(
        conn,
        repair_id=ticket.id,
        at=now,
        action="sla_breached",
        by=SERVICE,
        details={"step": step.value, "due_at": due.isoformat()},
    )
    event = repair_event(RepairSlaBreached, ticket, at=now, step=step.value, due_at=due)
    await outbox.add(conn, *outbox.stamp(SERVICE, [event], branch_id=stored.branch_id))
    SLA_BREACHES.labels(step.value).inc()
    return None
