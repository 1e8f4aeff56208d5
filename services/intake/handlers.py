"""Intake on the bus: the confirmation call and finished repairs; its two timers."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime

import asyncpg

from services.intake import metrics, queries, reporting, store
from services.intake.domain import (
    EscalationHours,
    auto_escalate,
    confirm,
    next_automatic_escalation,
    previous_week,
    repair_completed,
)
from shared import timers
from shared.bus import HandlerContext, Reject, RetryLater
from shared.context import Context
from shared.contracts.aftersales import RepairCompleted
from shared.contracts.notifications import CallbackCompleted
from shared.contracts.reports import ReportPublished
from shared.contracts.values import CallbackPurpose, ComplaintStatus, EntityKind, ReportKind
from shared.db import db_now
from shared.service import Runtime
from shared.timers import FireFn, Timer

log = logging.getLogger("kefu.intake")
WEEKLY_REPORT_KEY = "complaints"


def _complaint_id(raw: str) -> str:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise Reject(f"{raw!r} is not a complaint id") from None


async def _locked(ctx: HandlerContext, raw: str) -> asyncpg.Record:
    """The complaint, locked; not there yet (events arrive in any order) → retry later."""
    row = await queries.lock_complaint(ctx.conn, id=_complaint_id(raw))
    if row is None:
        raise RetryLater(f"complaint {raw} not known yet")
    return row


async def on_callback_completed(event: CallbackCompleted, ctx: HandlerContext) -> None:
    """The confirmation call: satisfied closes the complaint; unsatisfied reopens and
    escalates it to the manager. Nothing else ever closes a complaint."""
    if event.purpose is not CallbackPurpose.COMPLAINT_CONFIRMATION:
        return
    if event.entity.kind is not EntityKind.COMPLAINT:
        raise Reject(f"a complaint confirmation about a {event.entity.kind}")
    if event.satisfied is None:
        raise Reject("a complaint confirmation must say whether the customer is satisfied")
    row = await _locked(ctx, event.entity.id)
    old = store.to_domain(row)
    fact = f"callback:{event.callback_id}"
    if not await queries.claim_fact(ctx.conn, complaint_id=old.id, fact=fact, version=old.version):
        return  # the same call already counted (a republished event under a new id)
    if old.status is not ComplaintStatus.RESOLVED:
        log.debug(
            "confirmation %s ignored: complaint %s is %s", event.callback_id, old.id, old.status
        )
        return
    at = max(event.occurred_at, old.resolved_at or old.opened_at)
    new, outcome = confirm(old, event.satisfied, at, by=event.by)
    await store.save(ctx.conn, old, new)
    events = await store.confirmed(
        ctx.conn, new, outcome, callback_id=event.callback_id, comment=event.comment
    )
    # Closed, or at the manager already: no automatic escalation is left to wait for.
    await timers.cancel(ctx.conn, store.ESCALATE, new.id)
    for e in events:
        e.branch_id = row["branch_id"]
    await ctx.emit(*events)
    # Counted before the platform commits: a rare failed commit is retried and counted again.
    metrics.observe(events, old.opened_at)


async def on_repair_completed(event: RepairCompleted, ctx: HandlerContext) -> None:
    """A finished repair resolves the complaint it came from (then its confirmation call)."""
    if event.complaint_id is None:
        return
    row = await _locked(ctx, event.complaint_id)
    old = store.to_domain(row)
    fact = f"repair:{event.repair_id}"
    if not await queries.claim_fact(ctx.conn, complaint_id=old.id, fact=fact, version=old.version):
        return
    new, record = repair_completed(old, max(event.at or event.occurred_at, old.opened_at))
    if record is None:
        return  # already resolved or closed
    await store.save(ctx.conn, old, new)
    resolved = await store.resolved(ctx.conn, new, record)
    await timers.cancel(ctx.conn, store.ESCALATE, new.id)
    resolved.branch_id = row["branch_id"]
    await ctx.emit(resolved)
    metrics.observe([resolved], old.opened_at)


def escalation_timer(hours: EscalationHours) -> FireFn:
    """The `complaint.escalate` fire function for these per-severity intervals."""

    async def fire_escalation(ctx: Context, timer: Timer) -> datetime | None:
        """Escalate an unresolved complaint whose deadline passed; recur for the next level."""
        conn = ctx.conn
        row = await queries.lock_complaint(conn, id=timer.key)
        if row is None:
            return None
        old = new = store.to_domain(row)
        step = auto_escalate(old, hours, await db_now(conn))
        if step is not None:
            new, record = step
            await store.save(conn, old, new)
            event = await store.escalated(conn, new, record)
            await store.emit(conn, row["branch_id"], [event])
            metrics.observe([event], old.opened_at)
        pending = next_automatic_escalation(new, hours)
        return pending[1] if pending else None

    return fire_escalation


async def fire_weekly_report(ctx: Context, timer: Timer) -> datetime:
    """Monday 08:00: publish the week that just ended to the manager; recur next Monday."""
    conn = ctx.conn
    # From the due time, not the clock: a late or catching-up firing reports its own week.
    label = previous_week(timer.due_at)
    lines = await reporting.week_lines(conn, label)
    report = ReportPublished(
        kind=ReportKind.COMPLAINTS_WEEKLY,
        period=label,
        audience=reporting.AUDIENCE,
        summary=reporting.as_json(label, lines),
        csv=reporting.as_csv(lines),
    )
    await store.emit(conn, None, [report])
    return reporting.next_report_due(timer.due_at)


async def seed_weekly_report(runtime: Runtime) -> None:
    """At start-up, create the weekly report's timer if it is missing (never move it)."""
    delay = 1.0
    while True:
        try:
            assert runtime.pool is not None
            async with runtime.pool.acquire() as conn:
                due_at = reporting.next_report_due(await db_now(conn))
                await queries.seed_timer(
                    conn, kind=store.WEEKLY_REPORT, key=WEEKLY_REPORT_KEY, due_at=due_at
                )
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("could not seed the weekly report timer; retrying", exc_info=True)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 60.0)
