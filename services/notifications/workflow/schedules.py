"""Recurring calls: a schedule starts with its first call on the worklist, and its timer puts
each next one there until the stop."""

from __future__ import annotations

import uuid
from datetime import datetime

from services.notifications import queries
from services.notifications.domain import RecurringSpec, next_run, occurrence_task
from services.notifications.queries.records import recurring_of
from services.notifications.workflow.callbacks import add_task
from services.notifications.workflow.common import SCHEDULE_TIMER, Cause
from shared.context import Context
from shared.contracts.envelope import Event
from shared.timers import Timer


async def start_schedule(ctx: Context, spec: RecurringSpec, *, cause: Cause) -> list[Event]:
    """Store a recurring schedule and its first call; its timer makes each next call."""
    schedule_id = str(uuid.uuid4())
    inserted = await queries.insert_schedule(
        ctx.conn,
        id=schedule_id,
        dedupe_key=spec.dedupe_key,
        purpose=spec.purpose.value,
        kind=spec.kind.value,
        entity_kind=spec.entity.kind,
        entity_id=spec.entity.id,
        anchor=spec.anchor,
        stops_at=spec.stops_at,
        stops_when=spec.stops_when,
        script=spec.script,
        team=spec.team,
        assignee=spec.assignee,
        customer_id=spec.customer_id,
        assignee_from_roster=spec.assignee_from_roster,
        status="active" if spec.first_at is not None else "ended",
        next_at=spec.first_at,
        branch_id=cause.branch_id,
        correlation_id=cause.correlation_id,
    )
    if not inserted or spec.first_at is None:
        return []
    # The upcoming call is always on the worklist: the first one now, each next one when the
    # timer reaches the previous.
    await ctx.schedule(SCHEDULE_TIMER, schedule_id, spec.first_at)
    first = await add_task(
        ctx, occurrence_task(spec, spec.first_at), cause=cause, schedule_id=schedule_id
    )
    return [first] if first is not None else []


async def run_schedule(ctx: Context, timer: Timer) -> datetime | None:
    """An occurrence came: put the next one on the worklist, or end the schedule."""
    row = await queries.get_schedule(ctx.conn, schedule_id=timer.key)
    if row is None or row["status"] != "active":
        return None
    spec = recurring_of(row)
    following = next_run(spec, timer.due_at)
    if following is not None:
        task = occurrence_task(spec, following)
        scheduled = await add_task(ctx, task, cause=Cause.of_row(row), schedule_id=row["id"])
        if scheduled is not None:
            await ctx.emit(scheduled)
    await queries.advance_schedule(ctx.conn, schedule_id=row["id"], next_at=following)
    return following
