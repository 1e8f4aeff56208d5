"""Callback tasks: adding one, saving what a rule changed (and announcing it), the agent's
outcome, the due/overdue check, and the worklist."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

import asyncpg

from services.notifications import queries
from services.notifications.domain import (
    Callback,
    Outcome,
    OutcomeEffect,
    TaskSpec,
    callback_fields,
    can_record,
    completed_fields,
    mark_due,
    mark_overdue,
    new_callback,
    next_check_at,
    record_outcome,
)
from services.notifications.domain.specs import duty_key
from services.notifications.metrics import observe_callbacks
from services.notifications.queries.records import callback_of
from services.notifications.workflow.common import CHECK_TIMER, Cause
from shared.context import Context
from shared.contracts.envelope import Event
from shared.contracts.notifications import CallbackCompleted, CallbackOverdue, CallbackScheduled
from shared.contracts.values import EntityKind
from shared.db import after_commit
from shared.errors import Forbidden, NotFound
from shared.timers import Timer

ROSTER_FIELDS: Final = ("designer", "project_manager")


@dataclass(frozen=True)
class Recorded:
    """A recorded call: the callback as saved and what followed from the outcome."""

    row: asyncpg.Record
    effect: OutcomeEffect


async def with_roster(ctx: Context, spec: TaskSpec) -> TaskSpec:
    """Fill a project task's assignee and project manager from the roster when known."""
    if spec.entity.kind != EntityKind.PROJECT:
        return spec
    wants_assignee = spec.assignee is None and spec.assignee_from_roster in ROSTER_FIELDS
    if not wants_assignee and spec.project_manager is not None:
        return spec
    roster = await queries.get_roster(ctx.conn, project_id=spec.entity.id)
    if roster is None:
        return spec
    assignee = spec.assignee
    if wants_assignee and spec.assignee_from_roster is not None:
        assignee = roster[spec.assignee_from_roster]
    return replace(
        spec,
        assignee=assignee,
        project_manager=spec.project_manager or roster["project_manager"],
    )


async def add_task(
    ctx: Context, spec: TaskSpec, *, cause: Cause, schedule_id: str | None = None
) -> CallbackScheduled | None:
    """Store one callback task with its check timer, at most one open per duty: None when its
    dedupe key exists, a task of the duty is open and kept, or a newer fact about the record
    already decided the duty (a late event)."""
    spec = await with_roster(ctx, spec)
    duty = spec.duty or duty_key(spec.purpose, spec.entity)
    await queries.lock_record(ctx.conn, key=f"{spec.entity.kind}:{spec.entity.id}")
    if spec.version:
        every_case = duty_key(spec.purpose, spec.entity)
        if await queries.duty_decided_after(
            ctx.conn, duties=[duty, every_case], version=spec.version
        ):
            return None
        await queries.mark_duties(ctx.conn, duties=[duty], version=spec.version)
    if spec.replaces:
        replaced = await queries.cancel_callbacks(
            ctx.conn,
            entity_kind=spec.entity.kind,
            entity_id=spec.entity.id,
            purposes=[spec.purpose.value],
            duties=[duty],
        )
        await queries.cancel_timers(ctx.conn, kind=CHECK_TIMER, keys=replaced)
    cb = new_callback(spec, str(uuid.uuid4()))
    inserted = await queries.insert_callback(
        ctx.conn,
        id=cb.id,
        dedupe_key=spec.dedupe_key,
        purpose=cb.purpose.value,
        stage=cb.stage,
        entity_kind=cb.entity_kind,
        entity_id=cb.entity_id,
        customer_id=cb.customer_id,
        due_at=cb.due_at,
        assignee=cb.assignee,
        team=cb.team,
        level=cb.level.value if cb.level else None,
        script=cb.script,
        project_manager=cb.project_manager,
        assignee_from_roster=spec.assignee_from_roster,
        schedule_id=schedule_id,
        branch_id=cause.branch_id,
        correlation_id=cause.correlation_id,
        cause_event_id=cause.event_id,
        duty=duty,
    )
    if not inserted:
        return None
    check = next_check_at(cb)
    if check is not None:
        await ctx.schedule(CHECK_TIMER, cb.id, check)
    event = CallbackScheduled(**callback_fields(cb))
    cause.stamp(event)
    return event


async def save(
    ctx: Context, cb: Callback, cause: Cause, events: list[Event], *, closed: bool = False
) -> None:
    """Write what a rule changed on a callback and emit what it announces (counted once the
    transaction commits): the one place a changed callback is saved."""
    await queries.save_callback(
        ctx.conn,
        callback_id=cb.id,
        status=cb.status.value,
        due_at=cb.due_at,
        attempts=cb.attempts,
        level=cb.level.value if cb.level else None,
        version=cb.version,
        closed=closed,
    )
    await ctx.emit(*(cause.stamp(e) for e in events))
    if events:
        after_commit(functools.partial(observe_callbacks, events))


async def record_call(
    ctx: Context, callback_id: str, outcome: Outcome, *, role: str, team: str | None, by: str | None
) -> Recorded:
    """Record a call: reached → done; not reached → retried later, given up after the last."""
    row = await queries.get_callback(ctx.conn, callback_id=callback_id, for_update=True)
    if row is None:
        raise NotFound("callback", callback_id)
    cb = callback_of(row)
    if not can_record(cb, role, team, by):
        raise Forbidden(
            f"role {role} may not record a {cb.purpose.value} call of team {cb.team or '-'}"
        )
    after, effect = record_outcome(
        cb,
        outcome.reached,
        outcome.satisfied,
        outcome.satisfaction,
        outcome.ratings,
        outcome.comment,
        await ctx.now(),
        ctx.config,
    )
    events: list[Event] = []
    if effect.final:
        events.append(CallbackCompleted(**completed_fields(after, effect.outcome, by)))
    if effect.escalated_to is not None:
        events.append(CallbackOverdue(**callback_fields(after)))
    await save(ctx, after, Cause.of_row(row), events, closed=effect.final)
    await queries.insert_outcome(
        ctx.conn,
        callback_id=after.id,
        attempt=after.attempts,
        reached=outcome.reached,
        satisfied=outcome.satisfied,
        satisfaction=outcome.satisfaction,
        ratings=dict(outcome.ratings),
        comment=outcome.comment,
        recorded_by=by,
    )
    check = next_check_at(after)
    if effect.final or check is None:
        await ctx.cancel(CHECK_TIMER, after.id)
    else:
        await ctx.schedule(CHECK_TIMER, after.id, check)
    saved = await queries.get_callback(ctx.conn, callback_id=after.id)
    assert saved is not None
    return Recorded(saved, effect)


async def check(ctx: Context, timer: Timer) -> datetime | None:
    """A callback's time came: mark it due, then overdue (escalating); next check or None."""
    row = await queries.get_callback(ctx.conn, callback_id=timer.key, for_update=True)
    if row is None:
        return None
    cb = callback_of(row)
    if not cb.is_open:
        return None
    now = await ctx.now()
    due, became_due = mark_due(cb, now)
    late, escalate = mark_overdue(due, now)
    if became_due or escalate:
        events: list[Event] = [CallbackOverdue(**callback_fields(late))] if escalate else []
        await save(ctx, late, Cause.of_row(row), events)
    return next_check_at(late)


async def worklist(
    ctx: Context,
    *,
    purpose: str | None,
    entity_id: str | None,
    status: str | None,
    assignee: str | None,
    team: str | None,
    due_before: datetime | None,
    after: tuple[Any, ...] | None,
    limit: int,
    customer_id: str | None = None,
) -> list[asyncpg.Record]:
    """A page of the worklist, soonest due first (`status=open`: scheduled, due, overdue)."""
    return await queries.list_callbacks(
        ctx.conn,
        purpose=purpose,
        entity_id=entity_id,
        status=status,
        assignee=assignee,
        team=team,
        due_before=due_before,
        after=after,
        limit=limit,
        customer_id=customer_id,
    )


async def callback_with_calls(
    ctx: Context, callback_id: str
) -> tuple[asyncpg.Record, list[asyncpg.Record]]:
    """One callback (with its customer) and every call made on it."""
    row = await queries.get_callback_card(ctx.conn, callback_id=callback_id)
    if row is None:
        raise NotFound("callback", callback_id)
    return row, await queries.list_outcomes(ctx.conn, callback_id=callback_id)
