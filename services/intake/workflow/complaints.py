"""Complaints, one change at a time: lock, apply a domain step, record it, save, keep the
escalation timer in step, emit. Routes, the bus handlers and the escalation timer all come here."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

import asyncpg

from services.intake import domain, metrics, queries
from services.intake.config import IntakeSettings
from services.intake.domain import (
    Complaint,
    Confirmation,
    Escalation,
    Handoff,
    Resolution,
    next_automatic_escalation,
)
from services.intake.queries import records
from services.intake.workflow.customers import NewCustomer, customer_for, ident, new_id
from shared.context import Context
from shared.contracts.envelope import Event
from shared.contracts.intake import (
    ComplaintClosed,
    ComplaintEscalated,
    ComplaintHandedOff,
    ComplaintOpened,
    ComplaintReopened,
    ComplaintResolved,
    SubjectRef,
)
from shared.contracts.values import (
    Channel,
    ComplaintCategory,
    ComplaintCause,
    ComplaintStatus,
    Department,
    EscalationLevel,
    Role,
    Severity,
)
from shared.errors import NotFound, Stale
from shared.web.auth import Principal

log = logging.getLogger("kefu.intake")

ESCALATE = "complaint.escalate"
OPENED = "the complaint was opened"

Step = Callable[[Complaint], Awaitable[tuple[Complaint, list[Event]]]]


@dataclass(frozen=True)
class ComplaintFile:
    """A complaint with its handling trail, as the API shows it."""

    complaint: asyncpg.Record
    handoffs: list[asyncpg.Record]
    escalations: list[asyncpg.Record]
    resolution: asyncpg.Record | None
    confirmation: asyncpg.Record | None
    causes: list[asyncpg.Record]


def may_see(who: Principal, row: asyncpg.Record) -> bool:
    """Branches see their own; a department head with a department claim sees that one's."""
    if not who.may_see_branch(row["branch_id"]):
        return False
    if who.role is Role.DEPT_HEAD and who.department:
        return bool(row["department"] == who.department)
    return True


async def open_complaint(
    ctx: Context,
    who: Principal,
    *,
    customer: NewCustomer | None,
    customer_id: str | None,
    channel: Channel,
    category: ComplaintCategory,
    severity: Severity,
    description: str,
    department: Department,
    subject: SubjectRef | None,
    assignee: str | None,
    opened_at: datetime | None,
) -> Complaint:
    """Register a complaint; the department head escalation is scheduled from its severity."""
    at = await ctx.business_time(opened_at, "opened_at")
    customer_id, events = await customer_for(ctx, who, customer, customer_id)
    c = domain.open_complaint(
        complaint_id=new_id(),
        customer_id=customer_id,
        channel=channel,
        category=category,
        severity=severity,
        department=department,
        now=at,
        assignee=assignee,
        received_by_sub=who.sub,
        received_by_role=who.role.value,
    )
    await queries.insert_complaint(
        ctx.conn,
        id=c.id,
        customer_id=c.customer_id,
        branch_id=who.branch,
        channel=c.channel.value,
        category=c.category.value,
        severity=c.severity.value,
        description=description,
        department=c.department.value,
        assignee=c.assignee,
        status=c.status.value,
        received_by=c.received_by.value,
        received_by_sub=who.sub,
        confirmation_assignee=c.confirmation_assignee,
        subject_kind=subject.kind.value if subject else None,
        subject_id=subject.id if subject else None,
        opened_at=c.opened_at,
        version=c.version,
        created_by=who.sub,
    )
    await _sync_timer(ctx, c)
    opened = ComplaintOpened(
        **_base(c, c.opened_at),
        channel=c.channel,
        category=c.category,
        severity=c.severity,
        subject=subject,
        description=description,
        received_by=c.received_by,
        received_by_sub=who.sub,
    )
    await ctx.emit(*events, opened)
    metrics.observe([opened], c.opened_at)
    return c


async def complaints(
    ctx: Context,
    who: Principal,
    *,
    status: ComplaintStatus | None,
    department: Department | None,
    after: tuple[datetime, str] | None,
    limit: int,
    customer_id: str | None = None,
) -> list[asyncpg.Record]:
    """Complaints in registration order the caller may see, by status, department and
    customer."""
    own_department = who.department if who.role is Role.DEPT_HEAD else None
    if own_department and department and department.value != own_department:
        return []
    return await queries.list_complaints(
        ctx.conn,
        status=status.value if status else None,
        department=department.value if department else own_department,
        branch_id=who.branch if who.is_branch else None,
        customer_id=customer_id,
        after=after,
        limit=limit,
    )


async def complaint(ctx: Context, who: Principal, complaint_id: str) -> ComplaintFile:
    """The complaint with its trail, if the caller may see it."""
    row = await queries.get_complaint(ctx.conn, id=ident("complaint", complaint_id))
    if row is None or not may_see(who, row):
        raise NotFound("complaint", complaint_id)
    return await _file(ctx, row)


async def hand_off(
    ctx: Context,
    who: Principal,
    complaint_id: str,
    *,
    to_department: Department,
    to_assignee: str | None,
    note: str,
    at: datetime | None,
) -> ComplaintFile:
    """Hand the complaint to another department; the handling sheet names both sides."""

    async def step(old: Complaint) -> tuple[Complaint, list[Event]]:
        when = await ctx.business_time(at, "at", not_before=old.opened_at, what_before=OPENED)
        new, sheet = domain.hand_off(old, to_department, to_assignee, who.sub, when, note)
        return new, [await _handed_off(ctx, new, sheet)]

    return await _change(ctx, who, complaint_id, step)


async def escalate(
    ctx: Context, who: Principal, complaint_id: str, *, reason: str, at: datetime | None
) -> ComplaintFile:
    """Escalate by hand to the next level (department head, then the manager)."""

    async def step(old: Complaint) -> tuple[Complaint, list[Event]]:
        when = await ctx.business_time(at, "at", not_before=old.opened_at, what_before=OPENED)
        new, record = domain.escalate(old, None, reason, False, when, by=who.sub)
        return new, [await _escalated(ctx, new, record)]

    return await _change(ctx, who, complaint_id, step)


async def record_cause(
    ctx: Context,
    who: Principal,
    complaint_id: str,
    *,
    cause: ComplaintCause,
    detail: str,
    at: datetime | None,
) -> ComplaintFile:
    """Record why the complaint arose (调查出现投诉原因); a later finding corrects it."""

    async def step(old: Complaint) -> tuple[Complaint, list[Event]]:
        when = await ctx.business_time(at, "at", not_before=old.opened_at, what_before=OPENED)
        new, found = domain.record_cause(old, cause, detail, who.sub, when)
        await queries.insert_cause(
            ctx.conn,
            complaint_id=new.id,
            cause=found.cause.value,
            detail=found.detail,
            by=found.by,
            at=found.at,
            version=new.version,
        )
        return new, []

    return await _change(ctx, who, complaint_id, step)


async def resolve(
    ctx: Context,
    who: Principal,
    complaint_id: str,
    *,
    result: str,
    alternatives_offered: Sequence[str],
    at: datetime | None,
) -> ComplaintFile:
    """Record the result; the complaint is resolved and waits for the confirmation call."""

    async def step(old: Complaint) -> tuple[Complaint, list[Event]]:
        when = await ctx.business_time(at, "at", not_before=old.opened_at, what_before=OPENED)
        new, record = domain.resolve(old, result, tuple(alternatives_offered), who.sub, when)
        return new, [await _resolved(ctx, new, record)]

    return await _change(ctx, who, complaint_id, step)


async def confirm(
    ctx: Context,
    complaint_id: str,
    *,
    callback_id: str,
    satisfied: bool,
    by: str | None,
    comment: str | None,
    at: datetime,
) -> bool:
    """The confirmation call: satisfied closes the complaint; unsatisfied reopens and escalates
    it to the manager. False when the complaint is not known (yet)."""
    row = await queries.lock_complaint(ctx.conn, id=complaint_id)
    if row is None:
        return False
    old = records.to_domain(row)
    fact = f"callback:{callback_id}"
    if not await queries.claim_fact(ctx.conn, complaint_id=old.id, fact=fact, version=old.version):
        return True  # the same call already counted (a republished event under a new id)
    if old.status is not ComplaintStatus.RESOLVED:
        log.debug("confirmation %s ignored: complaint %s is %s", callback_id, old.id, old.status)
        return True
    when = max(at, old.resolved_at or old.opened_at)
    new, outcome = domain.confirm(old, satisfied, when, by=by)
    events = await _confirmed(ctx, new, outcome, callback_id=callback_id, comment=comment)
    await _save(ctx, row, old, new, events)
    await _sync_timer(ctx, new)
    return True


async def resolve_by_repair(
    ctx: Context, complaint_id: str, *, repair_id: str, at: datetime
) -> bool:
    """A finished repair resolves the complaint it came from (nothing if already resolved or
    closed). False when the complaint is not known (yet)."""
    row = await queries.lock_complaint(ctx.conn, id=complaint_id)
    if row is None:
        return False
    old = records.to_domain(row)
    fact = f"repair:{repair_id}"
    if not await queries.claim_fact(ctx.conn, complaint_id=old.id, fact=fact, version=old.version):
        return True
    new, record = domain.repair_completed(old, max(at, old.opened_at))
    if record is None:
        return True
    await _save(ctx, row, old, new, [await _resolved(ctx, new, record)])
    await _sync_timer(ctx, new)
    return True


async def escalate_when_due(ctx: Context, complaint_id: str) -> datetime | None:
    """The escalation timer: escalate an unresolved complaint whose deadline passed; the next
    level's due time, or None when nothing is pending (the timer itself is moved by its caller)."""
    row = await queries.lock_complaint(ctx.conn, id=complaint_id)
    if row is None:
        return None
    hours: IntakeSettings = ctx.config
    old = new = records.to_domain(row)
    step = domain.auto_escalate(old, hours, await ctx.now())
    if step is not None:
        new, record = step
        await _save(ctx, row, old, new, [await _escalated(ctx, new, record)])
    pending = next_automatic_escalation(new, hours)
    return pending[1] if pending else None


async def _change(ctx: Context, who: Principal, complaint_id: str, step: Step) -> ComplaintFile:
    """Lock, apply one domain step, save, move the escalation timer, emit; the new file."""
    key = ident("complaint", complaint_id)
    row = await queries.lock_complaint(ctx.conn, id=key)
    if row is None or not may_see(who, row):
        raise NotFound("complaint", complaint_id)
    old = records.to_domain(row)
    new, events = await step(old)
    await _save(ctx, row, old, new, events)
    await _sync_timer(ctx, new)
    fresh = await queries.get_complaint(ctx.conn, id=key)
    assert fresh is not None
    return await _file(ctx, fresh)


async def _save(
    ctx: Context, row: asyncpg.Record, old: Complaint, new: Complaint, events: list[Event]
) -> None:
    """Write the new state (refused if another writer moved the version) and emit its events
    under the complaint's branch."""
    stored = await queries.update_complaint(
        ctx.conn, id=new.id, expected_version=old.version, **records.state_of(new)
    )
    if not stored:
        raise Stale("complaint", new.id, old.version)
    for e in events:
        e.branch_id = row["branch_id"]
    await ctx.emit(*events)
    # Counted before the commit: a rare failed commit is retried and counted again.
    metrics.observe(events, old.opened_at)


async def _sync_timer(ctx: Context, c: Complaint) -> None:
    """Schedule the next automatic escalation, or cancel it when none is pending."""
    pending = next_automatic_escalation(c, ctx.config)
    if pending is None:
        await ctx.cancel(ESCALATE, c.id)
    else:
        level, due_at = pending
        await ctx.schedule(ESCALATE, c.id, due_at, {"level": level.value})


async def _file(ctx: Context, row: asyncpg.Record) -> ComplaintFile:
    key = row["id"]
    return ComplaintFile(
        complaint=row,
        handoffs=await queries.list_handoffs(ctx.conn, complaint_id=key),
        escalations=await queries.list_escalations(ctx.conn, complaint_id=key),
        resolution=await queries.latest_resolution(ctx.conn, complaint_id=key),
        confirmation=await queries.latest_confirmation(ctx.conn, complaint_id=key),
        causes=await queries.list_causes(ctx.conn, complaint_id=key),
    )


class _Base(TypedDict):
    complaint_id: str
    customer_id: str
    department: Department
    assignee: str | None
    escalation_level: EscalationLevel | None
    version: int
    occurred_at: datetime


def _base(c: Complaint, at: datetime) -> _Base:
    """What every complaint.* event says of the complaint as it now stands."""
    return {
        "complaint_id": c.id,
        "customer_id": c.customer_id,
        "department": c.department,
        "assignee": c.assignee,
        "escalation_level": c.escalation_level,
        "version": c.version,
        "occurred_at": at,
    }


async def _handed_off(ctx: Context, new: Complaint, sheet: Handoff) -> ComplaintHandedOff:
    """Record the handling sheet; the event naming both sides."""
    await queries.insert_handoff(
        ctx.conn,
        complaint_id=new.id,
        from_department=sheet.from_department.value,
        to_department=sheet.to_department.value,
        from_assignee=sheet.from_assignee,
        to_assignee=sheet.to_assignee,
        by=sheet.by,
        at=sheet.at,
        note=sheet.note,
        version=new.version,
    )
    return ComplaintHandedOff(
        **_base(new, sheet.at),
        from_department=sheet.from_department,
        to_department=sheet.to_department,
        to_assignee=sheet.to_assignee,
        by=sheet.by,
        note=sheet.note,
    )


async def _escalated(ctx: Context, new: Complaint, record: Escalation) -> ComplaintEscalated:
    """Record the escalation; its event."""
    await queries.insert_escalation(
        ctx.conn,
        complaint_id=new.id,
        level=record.level.value,
        reason=record.reason,
        automatic=record.automatic,
        by=record.by,
        at=record.at,
        version=new.version,
    )
    return ComplaintEscalated(
        **_base(new, record.at),
        level=record.level,
        automatic=record.automatic,
        reason=record.reason,
        by=record.by,
    )


async def _resolved(ctx: Context, new: Complaint, record: Resolution) -> ComplaintResolved:
    """Record the result; its event names the desk that makes the confirmation call."""
    await queries.insert_resolution(
        ctx.conn,
        complaint_id=new.id,
        result=record.result,
        alternatives_offered=list(record.alternatives_offered),
        by=record.by,
        at=record.at,
        version=new.version,
    )
    return ComplaintResolved(
        **_base(new, record.at),
        result=record.result,
        alternatives_offered=list(record.alternatives_offered),
        received_by=new.received_by,
        received_by_sub=new.received_by_sub,
        confirmation_assignee=new.confirmation_assignee,
        resolved_by=record.by,
    )


async def _confirmed(
    ctx: Context,
    new: Complaint,
    outcome: Confirmation,
    *,
    callback_id: str,
    comment: str | None,
) -> list[Event]:
    """Record the confirmation call: closed, or reopened and escalated to the manager."""
    await queries.insert_confirmation(
        ctx.conn,
        complaint_id=new.id,
        callback_id=callback_id,
        satisfied=outcome.satisfied,
        by=outcome.by,
        comment=comment,
        at=outcome.at,
        version=new.version,
    )
    if outcome.closed:
        return [ComplaintClosed(**_base(new, outcome.at))]
    assert outcome.escalation is not None
    reopened = ComplaintReopened(**_base(new, outcome.at), reason=outcome.escalation.reason)
    return [reopened, await _escalated(ctx, new, outcome.escalation)]
