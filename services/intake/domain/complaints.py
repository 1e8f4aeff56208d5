"""The complaint's life: hand-offs, escalations, resolution and the confirmation call."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from services.intake.domain.escalation import (
    ESCALATION_LEVELS,
    EscalationHours,
    escalation_due,
    level_rank,
    next_escalation_level,
)
from shared.contracts.values import (
    Channel,
    ComplaintCategory,
    ComplaintCause,
    ComplaintStatus,
    Department,
    EscalationLevel,
    ReceivedBy,
    Role,
    Severity,
)
from shared.errors import DomainError as BaseDomainError

Status = ComplaintStatus
REPAIR_COMPLETED_RESULT = "repair completed"
UNSATISFIED_REASON = "the customer is not satisfied with the result (confirmation call)"


class DomainError(BaseDomainError):
    """A step the complaint's current state does not allow (HTTP 409; `detail` says why)."""


@dataclass(frozen=True, slots=True)
class Complaint:
    """A complaint's current state; every change yields a new one with `version` + 1."""

    id: str
    customer_id: str
    channel: Channel
    category: ComplaintCategory
    severity: Severity
    department: Department
    assignee: str | None
    status: ComplaintStatus
    received_by: ReceivedBy
    opened_at: datetime
    resolved_at: datetime | None = None
    version: int = 1
    escalation_level: EscalationLevel | None = None
    received_by_sub: str | None = None
    confirmation_assignee: str | None = None


@dataclass(frozen=True, slots=True)
class Handoff:
    """One handling sheet: a copy stays with the responsible party, one with customer service."""

    from_department: Department
    to_department: Department
    from_assignee: str | None
    to_assignee: str | None
    by: str
    at: datetime
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Escalation:
    """A complaint went up to the department head or the manager."""

    level: EscalationLevel
    reason: str
    automatic: bool
    by: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Resolution:
    """The result the responsible party reported, and the alternatives offered."""

    result: str
    alternatives_offered: tuple[str, ...]
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Cause:
    """Why the complaint arose, as those handling it found (调查出现投诉原因); a later finding
    corrects an earlier one."""

    cause: ComplaintCause
    detail: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Confirmation:
    """The confirmation call's outcome; unsatisfied reopens with an escalation to the manager."""

    satisfied: bool
    at: datetime
    by: str | None
    escalation: Escalation | None

    @property
    def closed(self) -> bool:
        """Only a satisfied customer closes a complaint."""
        return self.satisfied


def received_by_for(channel: Channel) -> ReceivedBy:
    """The desk that confirms the result: reception for reception-desk complaints, else cs."""
    return ReceivedBy.RECEPTION if channel is Channel.RECEPTION else ReceivedBy.CS


# The staff role of each desk that confirms results by phone.
DESK_ROLES: dict[ReceivedBy, Role] = {ReceivedBy.CS: Role.CS, ReceivedBy.RECEPTION: Role.RECEPTION}


def confirmation_assignee_for(received_by: ReceivedBy, role: str, sub: str | None) -> str | None:
    """Who makes the confirmation call by name: the person who received the complaint, when
    they work at the desk that makes it; else nobody by name, and the desk's team makes it (a
    branch system, a department head or a manager received it, or a receptionist took a call
    that customer service confirms)."""
    return sub if role == DESK_ROLES[received_by] else None


def open_complaint(
    *,
    complaint_id: str,
    customer_id: str,
    channel: Channel,
    category: ComplaintCategory,
    severity: Severity,
    department: Department,
    now: datetime,
    assignee: str | None = None,
    received_by_sub: str | None = None,
    received_by_role: str = Role.CS,
) -> Complaint:
    """A newly registered complaint, open with its responsible department."""
    received_by = received_by_for(channel)
    return Complaint(
        id=complaint_id,
        customer_id=customer_id,
        channel=channel,
        category=category,
        severity=severity,
        department=department,
        assignee=assignee,
        status=Status.OPEN,
        received_by=received_by,
        opened_at=now,
        received_by_sub=received_by_sub,
        confirmation_assignee=confirmation_assignee_for(
            received_by, received_by_role, received_by_sub
        ),
    )


def _changed(c: Complaint, **changes: Any) -> Complaint:
    return replace(c, version=c.version + 1, **changes)


def _refuse_closed(c: Complaint, step: str) -> None:
    if c.status is Status.CLOSED:
        raise DomainError(
            "complaint_closed",
            f"the complaint is closed (the customer confirmed the result), so it cannot be {step}",
        )


def _refuse_resolved(c: Complaint, step: str) -> None:
    if c.status is Status.RESOLVED:
        raise DomainError(
            "complaint_resolved",
            f"the complaint is resolved and waits for the confirmation call; it can be {step} "
            "again only if the customer is not satisfied",
        )


def hand_off(
    c: Complaint,
    to_department: Department,
    to_assignee: str | None,
    by: str,
    now: datetime,
    note: str | None = None,
) -> tuple[Complaint, Handoff]:
    """Hand the complaint to a department (and person), which now works on it; an escalated
    complaint stays escalated (the department head or manager keeps watching it)."""
    _refuse_closed(c, "handed off")
    _refuse_resolved(c, "handed off")
    if to_department == c.department and to_assignee == c.assignee:
        who = f" ({to_assignee})" if to_assignee else ""
        raise DomainError("handoff_to_self", f"the complaint is already with {to_department}{who}")
    sheet = Handoff(c.department, to_department, c.assignee, to_assignee, by, now, note)
    status = Status.ESCALATED if c.escalation_level is not None else Status.IN_PROGRESS
    new = _changed(c, department=to_department, assignee=to_assignee, status=status)
    return new, sheet


def escalate(
    c: Complaint,
    level: EscalationLevel | None,
    reason: str,
    automatic: bool,
    now: datetime,
    by: str | None = None,
) -> tuple[Complaint, Escalation]:
    """Escalate to `level` (None: the next one up); a complaint only ever goes higher."""
    _refuse_closed(c, "escalated")
    _refuse_resolved(c, "escalated")
    if not reason.strip():
        raise ValueError("an escalation needs a reason")
    target = level if level is not None else next_escalation_level(c.escalation_level)
    if target is None:
        raise DomainError(
            "already_at_manager", "the complaint is already escalated to the manager, the top"
        )
    if level_rank(target) <= level_rank(c.escalation_level):
        raise DomainError(
            "already_escalated",
            f"the complaint is already escalated to {c.escalation_level}; it can only go higher",
        )
    record = Escalation(target, reason.strip(), automatic, None if automatic else by, now)
    return _changed(c, status=Status.ESCALATED, escalation_level=target), record


def record_cause(
    c: Complaint, cause: ComplaintCause, detail: str, by: str, now: datetime
) -> tuple[Complaint, Cause]:
    """Record the investigated cause (a value of the list, and what was found in words) at any
    time until the complaint is closed and filed."""
    _refuse_closed(c, "given a cause")
    return _changed(c), Cause(cause, detail.strip(), by, now)


def resolve(
    c: Complaint,
    result: str,
    alternatives: list[str] | tuple[str, ...],
    by: str,
    now: datetime,
) -> tuple[Complaint, Resolution]:
    """Record the reported result; closing waits for the confirmation call."""
    _refuse_closed(c, "resolved")
    if c.status is Status.RESOLVED:
        raise DomainError(
            "already_resolved", "the complaint is already resolved and waits for confirmation"
        )
    if not result.strip():
        raise ValueError("a resolution needs a result")
    offered = tuple(a.strip() for a in alternatives if a.strip())
    record = Resolution(result.strip(), offered, by, now)
    return _changed(c, status=Status.RESOLVED, resolved_at=now), record


def confirm(
    c: Complaint, satisfied: bool, now: datetime, by: str | None = None
) -> tuple[Complaint, Confirmation]:
    """The confirmation call: satisfied closes; unsatisfied reopens, escalated to the manager."""
    if c.status is not Status.RESOLVED:
        raise DomainError(
            "not_resolved",
            f"only a resolved complaint can be confirmed with the customer; this one is {c.status}",
        )
    if satisfied:
        return _changed(c, status=Status.CLOSED), Confirmation(True, now, by, None)
    # Back to the same responsible department, now with the manager watching.
    escalation = Escalation(EscalationLevel.MANAGER, UNSATISFIED_REASON, False, by, now)
    reopened = _changed(
        c, status=Status.ESCALATED, escalation_level=EscalationLevel.MANAGER, resolved_at=None
    )
    return reopened, Confirmation(False, now, by, escalation)


def repair_completed(c: Complaint, now: datetime) -> tuple[Complaint, Resolution | None]:
    """After-sales finished the repair: resolve the complaint, or nothing if already done."""
    if c.status in (Status.RESOLVED, Status.CLOSED):
        return c, None
    return resolve(c, REPAIR_COMPLETED_RESULT, (), "aftersales", now)


def next_automatic_escalation(
    c: Complaint, settings: EscalationHours
) -> tuple[EscalationLevel, datetime] | None:
    """The next level the timer escalates to and when, or None if nothing is pending."""
    if c.status in (Status.RESOLVED, Status.CLOSED):
        return None
    level = next_escalation_level(c.escalation_level)
    if level is None:
        return None
    return level, escalation_due(c.severity, c.opened_at, settings, level)


def auto_escalate(
    c: Complaint, settings: EscalationHours, now: datetime
) -> tuple[Complaint, Escalation] | None:
    """The timer's step: escalate to the highest level now due, or None if none is."""
    if next_automatic_escalation(c, settings) is None:
        return None
    # A backdated complaint can be past both deadlines: go straight to the highest due level.
    due = [
        level
        for level in ESCALATION_LEVELS[level_rank(c.escalation_level) :]
        if escalation_due(c.severity, c.opened_at, settings, level) <= now
    ]
    if not due:
        return None
    level = due[-1]
    hours = settings.escalation_hours(c.severity) * level_rank(level)
    reason = f"not resolved within {hours:g} h of being opened ({c.severity} severity)"
    return escalate(c, level, reason, True, now)
