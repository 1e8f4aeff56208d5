"""Durable timers in Postgres (docs/ARCHITECTURE.md §4): due rows, leases, the database's clock.

A timer is a row `(kind, key, due_at, payload)`. Workers claim due rows with
`FOR UPDATE SKIP LOCKED` and a lease, then fire each in its own transaction that also deletes
(or reschedules) the row, so firing is idempotent and never early. Times compare only with
`kefu_now()`: the database's clock plus a test-only offset.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from prometheus_client import Counter, Gauge

from shared.db import transaction

log = logging.getLogger("kefu.timers")

FIRED = Counter("kefu_timers_fired_total", "Timers fired", ["service", "kind"])
TIMER_LAG = Gauge("kefu_timer_lag_seconds", "Age of the oldest due-but-unfired timer", ["service"])


@dataclass(frozen=True)
class Timer:
    id: int
    kind: str
    key: str
    due_at: datetime
    payload: dict[str, Any]
    lease_token: UUID
    attempts: int


# A fire function gets a shared.context.Context on the firing transaction (typed Any here: the
# context module builds on this one) and may return the next due time (recurring timers) or
# None (one-off: the row is deleted).
FireFn = Callable[[Any, Timer], Awaitable[datetime | None]]


async def schedule(
    conn: asyncpg.Connection,
    kind: str,
    key: str,
    due_at: datetime,
    payload: dict[str, Any] | None = None,
) -> None:
    """Create or move a timer (idempotent by kind and key)."""
    await conn.execute(
        "INSERT INTO timers (kind, key, due_at, payload) VALUES ($1, $2, $3, $4::jsonb)"
        " ON CONFLICT (kind, key) DO UPDATE SET due_at = EXCLUDED.due_at,"
        " payload = EXCLUDED.payload, lease_until = NULL, lease_token = NULL, attempts = 0",
        kind,
        key,
        due_at,
        json.dumps(payload or {}, default=str),
    )


async def schedule_many(
    conn: asyncpg.Connection, rows: list[tuple[str, str, datetime, dict[str, Any]]]
) -> None:
    """Create or move many timers in one statement."""
    if not rows:
        return
    await conn.execute(
        "INSERT INTO timers (kind, key, due_at, payload)"
        " SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::jsonb[])"
        " ON CONFLICT (kind, key) DO UPDATE SET due_at = EXCLUDED.due_at,"
        " payload = EXCLUDED.payload, lease_until = NULL, lease_token = NULL, attempts = 0",
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
        [json.dumps(r[3], default=str) for r in rows],
    )


async def cancel(conn: asyncpg.Connection, kind: str, key: str) -> bool:
    """Remove a timer that is no longer needed."""
    status = await conn.execute("DELETE FROM timers WHERE kind = $1 AND key = $2", kind, key)
    return status != "DELETE 0"


async def cancel_prefix(conn: asyncpg.Connection, kind: str, key_prefix: str) -> int:
    """Remove every timer of a kind whose key starts with a prefix (e.g. one entity's)."""
    status = await conn.execute(
        "DELETE FROM timers WHERE kind = $1 AND starts_with(key, $2)", kind, key_prefix
    )
    return int(status.split()[-1])


class Clock:
    """The process's view of time: the database clock plus a test-only offset.

    The offset is moved only by tests (`POST /_test/clock`, refused outside test mode); every
    context, consumer and timer of the process applies it, so all of a service's rules follow
    the same clock.
    """

    def __init__(self, offset_seconds: float = 0.0) -> None:
        self.offset_seconds = offset_seconds

    async def apply(self, conn: asyncpg.Connection) -> None:
        """Make `kefu_now()` in this transaction include the offset (no round trip when 0)."""
        await apply_clock(conn, self.offset_seconds)


def clock_sql(offset_seconds: float) -> str:
    """The statement that applies the test-only clock offset to a transaction ('' for none),
    for callers that send several statements at once."""
    if not offset_seconds:
        return ""
    return f"SELECT set_config('kefu.clock_offset', '{float(offset_seconds)!r} seconds', true);"


async def apply_clock(conn: asyncpg.Connection, offset_seconds: float) -> None:
    """Apply the test-only clock offset to this transaction."""
    if offset_seconds:
        await conn.execute(
            "SELECT set_config('kefu.clock_offset', $1, true)", f"{offset_seconds} seconds"
        )


async def claim_due(
    conn: asyncpg.Connection,
    kinds: list[str],
    limit: int,
    lease_seconds: float,
    offset_seconds: float = 0.0,
) -> list[Timer]:
    """Lease up to `limit` due timers of the given kinds (a short transaction of its own)."""
    async with transaction(conn):
        await apply_clock(conn, offset_seconds)
        rows = await conn.fetch(
            "WITH due AS ("
            "  SELECT id FROM timers"
            "  WHERE kind = ANY($1::text[]) AND due_at <= kefu_now()"
            "    AND (lease_until IS NULL OR lease_until < kefu_now())"
            "  ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED)"
            " UPDATE timers t SET lease_until = kefu_now() + make_interval(secs => $3),"
            "   lease_token = gen_random_uuid(), attempts = t.attempts + 1"
            " FROM due WHERE t.id = due.id"
            " RETURNING t.id, t.kind, t.key, t.due_at, t.payload, t.lease_token, t.attempts",
            kinds,
            limit,
            lease_seconds,
        )
    return [
        Timer(
            r["id"],
            r["kind"],
            r["key"],
            r["due_at"],
            json.loads(r["payload"]),
            r["lease_token"],
            r["attempts"],
        )
        for r in rows
    ]


async def complete(conn: asyncpg.Connection, timer: Timer, next_due: datetime | None) -> bool:
    """Finish a leased timer in the caller's transaction; False if the lease was lost."""
    if next_due is None:
        status = await conn.execute(
            "DELETE FROM timers WHERE id = $1 AND lease_token = $2", timer.id, timer.lease_token
        )
    else:
        status = await conn.execute(
            "UPDATE timers SET due_at = $3, lease_until = NULL, lease_token = NULL, attempts = 0"
            " WHERE id = $1 AND lease_token = $2",
            timer.id,
            timer.lease_token,
            next_due,
        )
    return not status.endswith(" 0")


async def release(conn: asyncpg.Connection, timer: Timer, retry_in_seconds: float) -> None:
    """Give a failed timer back, to be retried after a delay."""
    await conn.execute(
        "UPDATE timers SET lease_until = kefu_now() + make_interval(secs => $3)"
        " WHERE id = $1 AND lease_token = $2",
        timer.id,
        timer.lease_token,
        retry_in_seconds,
    )


class LeaseLost(RuntimeError):
    """Another worker took the timer over: this firing must not take effect."""


class TimerWorker:
    """Fires the due timers of one service; several replicas may run it at once."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        service: str,
        handlers: dict[str, FireFn],
        *,
        batch: int = 200,
        lease_seconds: float = 30.0,
        poll_seconds: float = 1.0,
        concurrency: int = 8,
        context: Callable[[asyncpg.Connection], Any],
        clock: Clock | None = None,
    ) -> None:
        self.pool, self.service, self.handlers = pool, service, handlers
        self.batch, self.lease_seconds, self.poll_seconds = batch, lease_seconds, poll_seconds
        self.concurrency = concurrency
        self.context, self.clock = context, clock or Clock()
        self.running = False

    @property
    def clock_offset_seconds(self) -> float:
        """The test-only offset of the process clock (tests move it)."""
        return self.clock.offset_seconds

    @clock_offset_seconds.setter
    def clock_offset_seconds(self, value: float) -> None:
        self.clock.offset_seconds = value

    async def fire(self, timer: Timer) -> bool:
        """Fire one leased timer in its own transaction; True when it took effect."""
        fn = self.handlers[timer.kind]
        try:
            async with self.pool.acquire() as conn, transaction(conn):
                await apply_clock(conn, self.clock_offset_seconds)
                next_due = await fn(self.context(conn), timer)
                if not await complete(conn, timer, next_due):
                    raise LeaseLost(f"timer {timer.kind}/{timer.key} lease lost")
        except asyncio.CancelledError:
            raise
        except LeaseLost:
            return False
        except Exception:
            log.warning("timer %s/%s failed; retrying", timer.kind, timer.key, exc_info=True)
            with contextlib.suppress(Exception):
                async with self.pool.acquire() as conn:
                    await release(conn, timer, min(5.0 * timer.attempts, 300.0))
            return False
        FIRED.labels(self.service, timer.kind).inc()
        return True

    async def run_once(self) -> int:
        """Claim one batch of due timers and fire them; return how many fired."""
        async with self.pool.acquire() as conn:
            timers = await claim_due(
                conn,
                list(self.handlers),
                self.batch,
                self.lease_seconds,
                self.clock_offset_seconds,
            )
        if not timers:
            return 0
        sem = asyncio.Semaphore(self.concurrency)

        async def guarded(t: Timer) -> bool:
            async with sem:
                return await self.fire(t)

        results = await asyncio.gather(*(guarded(t) for t in timers))
        return sum(results)

    async def update_lag(self) -> None:
        """Record how late the oldest due timer is."""
        async with self.pool.acquire() as conn, transaction(conn):
            await apply_clock(conn, self.clock_offset_seconds)
            lag = await conn.fetchval(
                "SELECT extract(epoch FROM kefu_now() - min(due_at)) FROM timers"
                " WHERE kind = ANY($1::text[]) AND due_at <= kefu_now()",
                list(self.handlers),
            )
        TIMER_LAG.labels(self.service).set(float(lag or 0))

    async def run(self) -> None:
        """Poll for due timers until stopped."""
        if not self.handlers:
            return
        self.running = True
        ticks = 0
        while self.running:
            try:
                fired = await self.run_once()
                ticks += 1
                if ticks % 10 == 0:
                    await self.update_lag()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("timer poll failed", exc_info=True)
                fired = 0
            if fired < self.batch:
                await asyncio.sleep(self.poll_seconds)

    def stop(self) -> None:
        self.running = False
