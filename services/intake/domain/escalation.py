"""Automatic escalation deadlines: department head first, then the manager."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

from shared.contracts.values import EscalationLevel, Severity

# In order: each level is due one more interval after opening.
ESCALATION_LEVELS: tuple[EscalationLevel, ...] = (
    EscalationLevel.DEPT_HEAD,
    EscalationLevel.MANAGER,
)


class EscalationHours(Protocol):
    """Anything that knows the escalation interval per severity (e.g. IntakeSettings)."""

    def escalation_hours(self, severity: Severity) -> float:
        """Hours between automatic escalation steps for this severity."""
        ...


def level_rank(level: EscalationLevel | None) -> int:
    """0 for not escalated, 1 for the department head, 2 for the manager."""
    return 0 if level is None else ESCALATION_LEVELS.index(level) + 1


def next_escalation_level(current: EscalationLevel | None) -> EscalationLevel | None:
    """The level above `current`, or None when it is already at the manager."""
    rank = level_rank(current)
    return ESCALATION_LEVELS[rank] if rank < len(ESCALATION_LEVELS) else None


def escalation_due(
    severity: Severity,
    opened_at: datetime,
    settings: EscalationHours,
    level: EscalationLevel = EscalationLevel.DEPT_HEAD,
) -> datetime:
    """When an unresolved complaint escalates automatically to `level`, counted from opening."""
    if opened_at.tzinfo is None:
        raise ValueError("opened_at must carry a time zone")
    interval = timedelta(hours=settings.escalation_hours(severity))
    # Elapsed hours are counted in UTC so a zone with DST could not shift them.
    return opened_at.astimezone(UTC) + interval * level_rank(level)
