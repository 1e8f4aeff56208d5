"""The bus handler (one consumer for every subject notifications reads) and the timer fires."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from services.notifications import queries
from services.notifications.config import NotificationsSettings
from services.notifications.domain import (
    DomainError,
    callback_fields,
    mark_due,
    mark_overdue,
    next_check_at,
    next_run,
    occurrence_task,
    plan,
)
from services.notifications.metrics import CALLBACKS_OVERDUE
from services.notifications.records import callback_of, recurring_of
from services.notifications.store import Cause, add_task, apply_plan
from shared import outbox, timers
from shared.bus import HandlerContext, Reject
from shared.context import Context
from shared.contracts.envelope import Event
from shared.contracts.notifications import CallbackOverdue

SERVICE: Final = "notifications"
log = logging.getLogger("kefu.notifications")


@dataclass(frozen=True)
class Deps:
    """What the handler needs besides its event: the settings and the (test) clock offset."""

    config: NotificationsSettings
    clock_offset: Callable[[], float]


async def on_event(event: Event, ctx: HandlerContext, *, deps: Deps) -> None:
    """Store what the rules table asks for this event, in the handler's one transaction."""
    # Plans run on the database clock the timers follow (tests move it with an offset).
    await timers.apply_clock(ctx.conn, deps.clock_offset())
    now = await queries.database_now(ctx.conn)
    try:
        wanted = plan(ctx.subject, event.model_dump(mode="json"), now)
    except DomainError as exc:
        raise Reject(f"{ctx.subject}: {exc.detail}") from exc
    if wanted.empty:
        return
    events = await apply_plan(ctx.conn, wanted, now=now, config=deps.config, cause=Cause.of(event))
    await ctx.emit(*events)


async def fire_callback_check(ctx: Context, timer: timers.Timer) -> datetime | None:
    """A callback's time came: mark it due, then overdue (escalating); next check or None."""
    conn = ctx.conn
    row = await queries.get_callback(conn, callback_id=timer.key, for_update=True)
    if row is None:
        return None
    cb = callback_of(row)
    if not cb.is_open:
        return None
    now = await queries.database_now(conn)
    due, became_due = mark_due(cb, now)
    late, escalate = mark_overdue(due, now)
    if became_due or escalate:
        await queries.save_callback(
            conn,
            callback_id=late.id,
            status=late.status.value,
            due_at=late.due_at,
            attempts=late.attempts,
            level=late.level.value if late.level else None,
            version=late.version,
            closed=False,
        )
    if escalate:
        overdue = CallbackOverdue(**callback_fields(late))
        Cause(None, row["correlation_id"], row["branch_id"]).stamp(overdue)
        await outbox.add(conn, *outbox.stamp(SERVICE, [overdue]))
        CALLBACKS_OVERDUE.labels(late.level.value if late.level else "none").inc()
    return next_check_at(late)


async def fire_schedule(ctx: Context, timer: timers.Timer) -> datetime | None:
    """A recurring call's occurrence came: put the next one on the worklist, or end it."""
    conn = ctx.conn
    row = await queries.get_schedule(conn, schedule_id=timer.key)
    if row is None or row["status"] != "active":
        return None
    spec = recurring_of(row)
    following = next_run(spec, timer.due_at)
    if following is not None:
        cause = Cause(None, row["correlation_id"], row["branch_id"])
        scheduled = await add_task(
            conn, occurrence_task(spec, following), cause=cause, schedule_id=row["id"]
        )
        if scheduled is not None:
            await outbox.add(conn, *outbox.stamp(SERVICE, [scheduled]))
    await queries.advance_schedule(conn, schedule_id=row["id"], next_at=following)
    return following
