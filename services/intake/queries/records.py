"""The one mapping between intake's rows and its domain objects."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

import asyncpg

from services.intake.domain import Complaint, ComplaintRow
from shared.contracts.values import (
    Channel,
    ComplaintCategory,
    ComplaintCause,
    ComplaintStatus,
    Department,
    EscalationLevel,
    ReceivedBy,
    Severity,
)


class ComplaintState(TypedDict):
    """The columns a complaint's steps change (what `update_complaint` writes)."""

    version: int
    status: str
    department: str
    assignee: str | None
    escalation_level: str | None
    resolved_at: datetime | None


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
        confirmation_assignee=row["confirmation_assignee"],
    )


def state_of(c: Complaint) -> ComplaintState:
    """A complaint's changing columns as stored."""
    return {
        "version": c.version,
        "status": c.status.value,
        "department": c.department.value,
        "assignee": c.assignee,
        "escalation_level": c.escalation_level.value if c.escalation_level else None,
        "resolved_at": c.resolved_at,
    }


def report_row(row: asyncpg.Record) -> ComplaintRow:
    """A complaint as the weekly report counts it."""
    return ComplaintRow(
        department=Department(row["department"]),
        status=ComplaintStatus(row["status"]),
        opened_at=row["opened_at"],
        resolved_at=row["resolved_at"],
        escalated_at=tuple(row["escalated_at"]),
        cause=ComplaintCause(row["cause"]) if row["cause"] else None,
        category=ComplaintCategory(row["category"]),
    )
