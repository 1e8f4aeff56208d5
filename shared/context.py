"""One context for every change a service makes, whoever asks for it: a request, a bus
handler or a timer. It carries the transaction, the clock, the way out for events and timers,
and the service's own settings, so a workflow function is written once for all three."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from shared import outbox, timers
from shared.contracts.envelope import Event
from shared.errors import Invalid
from shared.timers import Clock

# A business time may be given by the caller (forms are entered after the fact), but not from
# the future beyond a small skew between the caller's clock and ours,
CLOCK_SKEW = timedelta(minutes=5)
# and not from before any plausible business fact (year 0001 overflows date arithmetic).
EARLIEST_BUSINESS_TIME = datetime(2000, 1, 1, tzinfo=UTC)
# A planned time (an appointment, a promised arrival) is at most this far ahead.
LATEST_PLAN_AHEAD = timedelta(days=3 * 366)

__all__ = ["CLOCK_SKEW", "Clock", "Context", "business_time", "planned_time"]


@dataclass
class Context:
    """What workflow code gets: the connection (a transaction for changes), the clock,
    emit/schedule/cancel, and the service's settings."""

    conn: asyncpg.Connection
    service: str
    config: Any = None
    clock: Clock = field(default_factory=Clock)
    # Stamped on emitted events that name no branch of their own.
    branch_id: str | None = None
    cause: Event | None = None
    emitted: list[Event] = field(default_factory=list)
    # Set by the bus settler: emitted rows wait here and go out with its COMMIT (one round trip).
    deferred: list[tuple[Event, str]] | None = None
    _now: datetime | None = field(default=None, repr=False)

    async def now(self) -> datetime:
        """The database's clock with the test offset; the same value all through this context."""
        if self._now is None:
            self._now = await self.conn.fetchval(
                "SELECT now() + make_interval(secs => $1::float8)", self.clock.offset_seconds
            )
        return self._now

    async def business_time(
        self,
        given: datetime | None,
        field_name: str,
        *,
        not_before: datetime | None = None,
        what_before: str = "the record was opened",
    ) -> datetime:
        """The time a fact happened: the caller's (entered after the fact) or now."""
        now = await self.now()
        return business_time(given, now, field_name, not_before=not_before, what=what_before)

    async def emit(self, *events: Event) -> None:
        """Write events to the outbox in this transaction: source, branch and cause stamped."""
        for e in events:
            e.source = e.source or self.service
            if self.cause is not None:
                e.caused_by(self.cause)
            if e.branch_id is None and self.branch_id is not None:
                e.branch_id = self.branch_id
        if self.deferred is None:
            await outbox.add(self.conn, *events)
        elif events:
            outbox.log_written(events)
            headers = outbox.trace_headers()  # the emitting span's context, captured now
            self.deferred.extend((e, headers) for e in events)
        self.emitted.extend(events)

    async def schedule(
        self, kind: str, key: str, due_at: datetime, payload: dict[str, Any] | None = None
    ) -> None:
        """Create or move a durable timer in this transaction."""
        await timers.schedule(self.conn, kind, key, due_at, payload)

    async def cancel(self, kind: str, key: str) -> bool:
        """Remove a timer that is no longer needed, in this transaction."""
        return await timers.cancel(self.conn, kind, key)


def business_time(
    given: datetime | None,
    now: datetime,
    field_name: str,
    *,
    not_before: datetime | None = None,
    what: str = "the record was opened",
) -> datetime:
    """The caller's business time (default now): aware, not in the future beyond the clock
    skew, not before `not_before`, not before any plausible business fact."""
    if given is None:
        return now
    if given.tzinfo is None or given.utcoffset() is None:
        raise Invalid(field_name, "a time must carry its UTC offset")
    if given > now + CLOCK_SKEW:
        raise Invalid(field_name, "must not be in the future")
    if given < EARLIEST_BUSINESS_TIME:
        raise Invalid(field_name, f"must not be before {EARLIEST_BUSINESS_TIME.date()}")
    if not_before is not None and given < not_before:
        raise Invalid(field_name, f"must not be before {what} ({not_before.isoformat()})")
    return given


def planned_time(given: datetime, now: datetime, field_name: str) -> datetime:
    """A time something is planned for (an appointment, a promised arrival): aware and
    within a plausible window around now."""
    if given.tzinfo is None or given.utcoffset() is None:
        raise Invalid(field_name, "a time must carry its UTC offset")
    if given < EARLIEST_BUSINESS_TIME:
        raise Invalid(field_name, f"must not be before {EARLIEST_BUSINESS_TIME.date()}")
    if given > now + LATEST_PLAN_AHEAD:
        raise Invalid(field_name, f"must be within {LATEST_PLAN_AHEAD.days} days from now")
    return given
