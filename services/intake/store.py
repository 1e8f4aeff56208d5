"""Complaints between rows, the domain and events: load, save, record each step, emit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypedDict

import asyncpg

from services.intake import queries
from services.intake.domain import (
    Complaint,
    Confirmation,
    Escalation,
    EscalationHours,
    Handoff,
    Resolution,
    next_automatic_escalation,
)
from shared import outbox, timers
from shared.contracts.envelope import Event
from shared.contracts.intake import (
    ComplaintClosed,
    ComplaintEscalated,
    ComplaintHandedOff,
    ComplaintReopened,
    ComplaintResolved,
)
from shared.contracts.values import (
    Channel,
    ComplaintCategory,
    ComplaintStatus,
    Department,
    EscalationLevel,
    ReceivedBy,
    Severity,
)

ESCALATE = "complaint.escalate"
WEEKLY_REPORT = "report.complaints_weekly"
SERVICE = "intake"


class StaleComplaint(RuntimeError):
    """The complaint changed under us (its version moved): the caller retries."""


def to_domain(row: asyncpg.Record) -> Complaint:
    """The domain's view of a complaint row."""
    level = row["escalation_level"]
    return Complaint(
        id=row["id"],
        customer_id=row["customer_id"],
        channel=Channel(row["channel"]),
        category=ComplaintCategory(row["category"]),
        severity=Severity(row["severity"]),
        department=Department(row["department"]),
        assignee=row["assignee"],
        status=ComplaintStatus(row["status"]),
        received_by=ReceivedBy(row["received_by"]),
        opened_at=row["opened_at"],
        resolved_at=row["resolved_at"],
        version=row["version"],
        escalation_level=EscalationLevel(level) if level else None,
        received_by_sub=row["received_by_sub"],
    )


async def save(conn: asyncpg.Connection, old: Complaint, new: Complaint) -> None:
    """Write the complaint's new state, refusing if another writer moved its version."""
    stored = await queries.update_complaint(
        conn,
        id=new.id,
        expected_version=old.version,
        version=new.version,
        status=new.status.value,
        department=new.department.value,
        assignee=new.assignee,
        escalation_level=new.escalation_level.value if new.escalation_level else None,
        resolved_at=new.resolved_at,
    )
    if not stored:
        raise StaleComplaint(f"complaint {new.id} changed since version {old.version}")


async def sync_escalation_timer(
    conn: asyncpg.Connection, c: Complaint, hours: EscalationHours
) -> None:
    """Schedule the next automatic escalation, or cancel it when none is pending."""
    pending = next_automatic_escalation(c, hours)
    if pending is None:
        await timers.cancel(conn, ESCALATE, c.id)
    else:
        level, due_at = pending
        await timers.schedule(conn, ESCALATE, c.id, due_at, {"level": level.value})


class _Base(TypedDict):
    complaint_id: str
    customer_id: str
    department: Department
    version: int
    occurred_at: datetime


def _base(c: Complaint, at: datetime) -> _Base:
    return {
        "complaint_id": c.id,
        "customer_id": c.customer_id,
        "department": c.department,
        "version": c.version,
        "occurred_at": at,
    }


async def handed_off(
    conn: asyncpg.Connection, new: Complaint, sheet: Handoff
) -> ComplaintHandedOff:
    """Record the handling sheet; the event naming both sides."""
    await queries.insert_handoff(
        conn,
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


async def escalated(
    conn: asyncpg.Connection, new: Complaint, record: Escalation
) -> ComplaintEscalated:
    """Record the escalation; its event."""
    await queries.insert_escalation(
        conn,
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


async def resolved(
    conn: asyncpg.Connection, new: Complaint, record: Resolution
) -> ComplaintResolved:
    """Record the result; its event names the desk that makes the confirmation call."""
    await queries.insert_resolution(
        conn,
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
        resolved_by=record.by,
    )


async def confirmed(
    conn: asyncpg.Connection,
    new: Complaint,
    outcome: Confirmation,
    *,
    callback_id: str,
    comment: str | None,
) -> list[Event]:
    """Record the confirmation call: closed, or reopened and escalated to the manager."""
    await queries.insert_confirmation(
        conn,
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
    reopened = ComplaintReopened(
        **_base(new, outcome.at),
        reason=outcome.escalation.reason,
    )
    return [reopened, await escalated(conn, new, outcome.escalation)]


async def emit(conn: asyncpg.Connection, branch_id: str | None, events: Sequence[Event]) -> None:
    """Write events to the outbox in the caller's transaction, stamped with the branch."""
    await outbox.add(conn, *outbox.stamp(SERVICE, events, branch_id=branch_id))
