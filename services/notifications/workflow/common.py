"""What the workflow modules share: the timer kinds and where stored work came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from uuid import UUID

import asyncpg

from shared.contracts.envelope import Event

CHECK_TIMER: Final = "callback.check"
SCHEDULE_TIMER: Final = "schedule.run"
SEND_TIMER: Final = "message.send"


@dataclass(frozen=True)
class Cause:
    """Where stored work came from: the event, its correlation and its branch."""

    event_id: UUID | None = None
    correlation_id: UUID | None = None
    branch_id: str | None = None

    @classmethod
    def of(cls, event: Event) -> Cause:
        """The cause an incoming event makes."""
        return cls(event.event_id, event.correlation_id or event.event_id, event.branch_id)

    @classmethod
    def of_row(cls, row: asyncpg.Record) -> Cause:
        """The cause a stored callback, schedule or message carries on to what follows it."""
        return cls(None, row["correlation_id"], row["branch_id"])

    def stamp(self, event: Event) -> Event:
        """Carry the correlation and branch onto an event about to be emitted."""
        event.correlation_id = event.correlation_id or self.correlation_id
        event.branch_id = event.branch_id or self.branch_id
        return event
