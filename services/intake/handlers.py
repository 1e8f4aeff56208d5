"""Intake on the bus (the confirmation call, finished repairs, the customers' projects for their
service files) and its two timers."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime

from services.intake import workflow
from services.intake.workflow import files
from shared.bus import HandlerContext, Reject, RetryLater
from shared.context import Context
from shared.contracts.aftersales import RepairCompleted
from shared.contracts.notifications import CallbackCompleted
from shared.contracts.projects import ProjectOpened, ProjectStageChanged
from shared.contracts.values import CallbackPurpose, EntityKind, Stage
from shared.db import transaction
from shared.service import Runtime
from shared.timers import Timer

log = logging.getLogger("kefu.intake")


def _complaint_id(raw: str) -> str:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise Reject(f"{raw!r} is not a complaint id") from None


async def on_callback_completed(event: CallbackCompleted, ctx: HandlerContext) -> None:
    """The confirmation call closes the complaint, or reopens and escalates it to the manager.
    Nothing else ever closes a complaint."""
    if event.purpose is not CallbackPurpose.COMPLAINT_CONFIRMATION:
        return
    if event.entity.kind is not EntityKind.COMPLAINT:
        raise Reject(f"a complaint confirmation about a {event.entity.kind}")
    if event.satisfied is None:
        raise Reject("a complaint confirmation must say whether the customer is satisfied")
    known = await workflow.confirm(
        ctx,
        _complaint_id(event.entity.id),
        callback_id=event.callback_id,
        satisfied=event.satisfied,
        by=event.by,
        comment=event.comment,
        at=event.occurred_at,
    )
    if not known:  # events arrive in any order
        raise RetryLater(f"complaint {event.entity.id} not known yet")


async def on_repair_completed(event: RepairCompleted, ctx: HandlerContext) -> None:
    """A finished repair resolves the complaint it came from (then its confirmation call)."""
    if event.complaint_id is None:
        return
    known = await workflow.resolve_by_repair(
        ctx,
        _complaint_id(event.complaint_id),
        repair_id=event.repair_id,
        at=event.at or event.occurred_at,
    )
    if not known:
        raise RetryLater(f"complaint {event.complaint_id} not known yet")


async def on_project_opened(event: ProjectOpened, ctx: HandlerContext) -> None:
    """A customer's new project goes in their service file."""
    await files.keep_project(
        ctx,
        project_id=event.project_id,
        customer_id=event.customer_id,
        stage=Stage.CONSULTATION,
        version=event.version,
        at=event.occurred_at,
    )


async def on_project_stage_changed(event: ProjectStageChanged, ctx: HandlerContext) -> None:
    """A project's stage in its customer's service file (the contract opens the file)."""
    await files.keep_project(
        ctx,
        project_id=event.project_id,
        customer_id=event.customer_id,
        stage=event.to_stage,
        version=event.version,
        at=event.at,
        completed_on=event.completed_on,
    )


async def fire_escalation(ctx: Context, timer: Timer) -> datetime | None:
    """Escalate an unresolved complaint whose deadline passed; recur for the next level."""
    return await workflow.escalate_when_due(ctx, timer.key)


async def fire_weekly_report(ctx: Context, timer: Timer) -> datetime:
    """Monday 08:00: publish the week that just ended to the manager; recur next Monday."""
    return await workflow.publish_weekly_report(ctx, timer.due_at)


async def seed_weekly_report(runtime: Runtime) -> None:
    """At start-up, create the weekly report's timer if it is missing (never move it)."""
    delay = 1.0
    while True:
        try:
            assert runtime.pool is not None
            async with runtime.pool.acquire() as conn, transaction(conn):
                await workflow.seed_weekly_report(runtime.context(conn))
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("could not seed the weekly report timer; retrying", exc_info=True)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 60.0)
