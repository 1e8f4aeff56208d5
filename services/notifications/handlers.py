"""The bus handler (one consumer for every subject notifications reads) and the timer fires."""

from __future__ import annotations

from datetime import datetime

from services.notifications import workflow
from services.notifications.domain import DomainError
from shared.bus import HandlerContext, Reject
from shared.context import Context
from shared.contracts.envelope import Event
from shared.timers import Timer


async def on_event(event: Event, ctx: HandlerContext) -> None:
    """Store what the rules table asks for this event; one it cannot read is a dead letter."""
    try:
        await workflow.apply_event(ctx, ctx.subject, event)
    except DomainError as exc:
        raise Reject(f"{ctx.subject}: {exc.detail}") from exc


async def fire_callback_check(ctx: Context, timer: Timer) -> datetime | None:
    """A callback's time came: due, then overdue (escalating); returns its next check."""
    return await workflow.check(ctx, timer)


async def fire_schedule(ctx: Context, timer: Timer) -> datetime | None:
    """A recurring call's occurrence came: the next one goes on the worklist."""
    return await workflow.run_schedule(ctx, timer)
