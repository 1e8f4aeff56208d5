"""Bus handlers (one per consumer in shared/consumers.py) and the service-level timer."""

from __future__ import annotations

import logging
from datetime import datetime

from services.aftersales import workflow
from services.aftersales.domain import SlaStep, complaint_opens_repair
from shared.bus import HandlerContext, Reject
from shared.context import Context
from shared.contracts.envelope import Event
from shared.contracts.intake import ComplaintOpened, RepairRequested
from shared.contracts.notifications import CallbackCompleted
from shared.contracts.projects import ProjectMaterialsRecorded, ProjectStageChanged
from shared.contracts.values import CallbackPurpose, EntityKind
from shared.timers import Timer

log = logging.getLogger("kefu.aftersales")


async def on_repair_requested(event: RepairRequested, ctx: HandlerContext) -> None:
    """Open one ticket per repair request (a second copy of the request opens nothing); a
    request naming another branch's project is refused."""
    if event.project_id is not None:
        await _own_project(ctx, event, event.project_id, f"repair request {event.request_id}")
    opened = await workflow.open_for_request(
        ctx,
        source=f"{RepairRequested.SUBJECT}:{event.request_id}",
        customer_id=event.customer_id,
        project_id=event.project_id,
        complaint_id=event.complaint_id,
        address=event.address,
        problem=event.problem,
        at=event.occurred_at,
        branch_id=event.branch_id,
        by=event.source or None,
    )
    if not opened:
        log.debug("repair request %s already has a ticket", event.request_id)


async def on_complaint_opened(event: ComplaintOpened, ctx: HandlerContext) -> None:
    """A quality complaint about a finished project opens a ticket linked to the complaint."""
    subject = event.subject
    if subject is None or not complaint_opens_repair(event.category, subject.kind):
        return
    await _own_project(ctx, event, subject.id, f"complaint {event.complaint_id}")
    await workflow.open_for_complaint(
        ctx,
        source=f"{ComplaintOpened.SUBJECT}:{event.complaint_id}",
        complaint_id=event.complaint_id,
        customer_id=event.customer_id,
        project_id=subject.id,
        problem=event.description or f"quality complaint {event.complaint_id}",
        at=event.occurred_at,
        branch_id=event.branch_id,
        by=event.received_by_sub,
    )


async def on_project_stage_changed(event: ProjectStageChanged, ctx: HandlerContext) -> None:
    """Keep each project's stage and completion for warranty decisions (stale versions skipped)."""
    await workflow.record_project_stage(
        ctx,
        project_id=event.project_id,
        customer_id=event.customer_id,
        stage=event.to_stage,
        completed_on=event.completed_on,
        warranty_ends_on=event.warranty_ends_on,
        version=event.version,
        at=event.at,
        branch_id=event.branch_id,
    )


async def _own_project(ctx: HandlerContext, event: Event, project_id: str, what: str) -> None:
    """Refuse (dead letter, with the reason) a branch's reference to another branch's project."""
    owner = await workflow.project_branch(ctx, project_id)
    if event.from_another_branch(owner):
        raise Reject(
            f"{what} from branch {event.branch_id} names project {project_id}"
            f" of branch {owner}: a branch refers only to its own projects"
        )


async def on_project_materials_recorded(
    event: ProjectMaterialsRecorded, ctx: HandlerContext
) -> None:
    """Keep each project's materials (supplier, brand, model, spec, colour) for repairs."""
    await workflow.record_materials(
        ctx,
        project_id=event.project_id,
        items=[item.model_dump() for item in event.items],
        version=event.version,
    )


async def on_callback_completed(event: CallbackCompleted, ctx: HandlerContext) -> None:
    """Record the supervision centre's follow-up call on the repaired ticket's history."""
    if event.purpose is not CallbackPurpose.REPAIR_FOLLOWUP:
        return
    if event.entity.kind is not EntityKind.REPAIR:
        return
    await workflow.record_followup(
        ctx,
        event.entity.id,
        at=event.occurred_at,
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


async def fire_sla(ctx: Context, timer: Timer) -> datetime | None:
    """A service-level bound passed: repair.sla.breached if the step was not done in time."""
    await workflow.check_sla(ctx, timer.payload["repair_id"], SlaStep(timer.payload["step"]))
    return None
