"""Transactional outbox and its relay (docs/ARCHITECTURE.md §4)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from nats.js import JetStreamContext
from opentelemetry import propagate, trace
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import Counter, Gauge

from shared.contracts.envelope import Event
from shared.db import CommitFailed, after_commit, bytes_literal, commit_hooks, text_literal

log = logging.getLogger("kefu.outbox")

PUBLISHED = Counter("kefu_outbox_published_total", "Events relayed to JetStream", ["service"])
PUBLISH_ERRORS = Counter("kefu_outbox_publish_errors_total", "Failed relay attempts", ["service"])
LAG = Gauge("kefu_outbox_lag_seconds", "Age of the oldest unsent outbox row", ["service"])


def trace_headers() -> str:
    """The current trace context as the JSON an outbox row carries to the relay."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return json.dumps(carrier)


def log_written(events: Iterable[Event]) -> None:
    """Log each event written to the outbox (at debug level)."""
    if log.isEnabledFor(logging.DEBUG):
        # One line per event written, inside the caller's span: the JSON line has its trace id.
        for e in events:
            log.debug("outbox %s %s", e.SUBJECT, e.event_id)


_LOCAL: dict[str, weakref.WeakSet[Relay]] = {}  # running relays of this process, by service


def wake(service: str | None) -> None:
    """Wake this process's relays of a service: rows were committed. (None: a connection not
    made by create_pool, whose inserts still NOTIFY.)"""
    for relay in _LOCAL.get(service or "", ()):
        relay.wake()


@functools.cache
def _waker(service: str | None) -> Callable[[], None]:
    """One wake function per service, so a transaction's hooks hold it once however many
    outbox.add calls it makes."""
    return functools.partial(wake, service)


def _service_of(conn: asyncpg.Connection) -> str | None:
    """The service a pool connection writes for, from its application_name (kefu-<service>)."""
    name = conn.get_settings().application_name or ""
    return name.removeprefix("kefu-") if name.startswith("kefu-") else None


async def add(conn: asyncpg.Connection, *events: Event) -> None:
    """Write events in the caller's transaction; the relay publishes them after commit."""
    if not events:
        return
    headers = trace_headers()
    log_written(events)
    await conn.executemany(
        "INSERT INTO outbox (event_id, subject, payload, headers) VALUES ($1, $2, $3, $4::jsonb)",
        [(e.event_id, e.SUBJECT, e.to_json(), headers) for e in events],
    )
    if not after_commit(_waker(_service_of(conn))):
        # Not in a checked transaction (so no commit to hook): let Postgres tell the relays
        # when this one commits. Within one transaction, equal notifications fold into one.
        await conn.execute("SELECT pg_notify('kefu_outbox_' || current_schema(), '')")


def insert_sql(rows: Iterable[tuple[Event, str]]) -> str:
    """Outbox rows (event, trace headers) as one simple-protocol statement ("" for none), so
    a caller can send them with its COMMIT in one round trip."""
    values = [
        f"({text_literal(str(e.event_id))}::uuid, {text_literal(e.SUBJECT)},"
        f" {bytes_literal(e.to_json())}, {text_literal(headers)}::jsonb)"
        for e, headers in rows
    ]
    if not values:
        return ""
    return "INSERT INTO outbox (event_id, subject, payload, headers) VALUES " + ", ".join(values)


@dataclass
class Batch:
    """A transaction's outcome so far: what its first statement answered, the rows waiting."""

    begun: str
    rows: list[tuple[Event, str]] = field(default_factory=list)


@asynccontextmanager
async def deferred_transaction(
    conn: asyncpg.Connection, begin: str, service: str | None
) -> AsyncIterator[Batch]:
    """A checked transaction in as few round trips as it can take: `begin` (BEGIN and what
    rides with it) first, the events emitted into batch.rows sent with the COMMIT; once it
    has committed, the relay is woken and the after_commit hooks run. Each round trip costs
    CPU on both ends (bench.consume, bench.http)."""
    with commit_hooks() as hooks:
        batch = Batch(await conn.execute(begin))
        try:
            yield batch
            tail = insert_sql(batch.rows)
            status = await conn.execute(f"{tail};COMMIT" if tail else "COMMIT")
        except BaseException:
            if not conn.is_closed():
                with contextlib.suppress(Exception):
                    await conn.execute("ROLLBACK")
            raise
        if status != "COMMIT":
            raise CommitFailed(f"COMMIT answered {status}")
    if tail:
        wake(service)
    for hook in hooks:
        hook()


def _tracing() -> bool:
    """Whether spans are recorded (shared.observability installed an SDK provider)."""
    return isinstance(trace.get_tracer_provider(), TracerProvider)


def stamp(source: str, events: Iterable[Event], branch_id: str | None = None) -> list[Event]:
    """Fill the envelope's source (and branch) on events a service is about to emit."""
    out = []
    for e in events:
        e.source = e.source or source
        if branch_id and not e.branch_id:
            e.branch_id = branch_id
        out.append(e)
    return out


class Relay:
    """Publishes outbox rows with Nats-Msg-Id = event id; safe with many replicas."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        js: JetStreamContext,
        service: str,
        *,
        batch: int = 500,
        poll_seconds: float = 1.0,
        publish_timeout: float = 5.0,
    ) -> None:
        self.pool, self.js, self.service = pool, js, service
        self.batch, self.poll_seconds, self.publish_timeout = batch, poll_seconds, publish_timeout
        self._wake = asyncio.Event()
        self._listener: asyncpg.Connection | None = None
        self._listen_after = 0.0  # when a failed LISTEN may be tried again (monotonic)
        self._stopping = False

    async def relay_once(self) -> int:
        """Publish one batch of unsent rows; return how many were sent."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                "SELECT id, event_id, subject, payload, headers FROM outbox "
                "ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
                self.batch,
            )
            if not rows:
                LAG.labels(self.service).set(0)
                return 0
            # One check per batch: when nothing records spans, publish without the span work.
            tracer = trace.get_tracer(__name__) if _tracing() else None
            futures = []
            for r in rows:
                headers = {"Nats-Msg-Id": str(r["event_id"]), **json.loads(r["headers"])}
                if tracer is None:
                    futures.append(
                        await self.js.publish_async(
                            r["subject"], bytes(r["payload"]), headers=headers
                        )
                    )
                else:
                    futures.append(
                        await self._publish_traced(tracer, r["subject"], r["payload"], headers)
                    )
            try:
                await asyncio.wait_for(asyncio.gather(*futures), self.publish_timeout)
            except BaseException:
                PUBLISH_ERRORS.labels(self.service).inc()
                for f in futures:
                    f.cancel()
                raise
            # Deleting only after every ack: a crash before this commit republishes with the
            # same Nats-Msg-Id, and JetStream's duplicate window drops the second copy.
            await conn.execute(
                "DELETE FROM outbox WHERE id = ANY($1::bigint[])", [r["id"] for r in rows]
            )
        PUBLISHED.labels(self.service).inc(len(rows))
        return len(rows)

    async def _publish_traced(
        self, tracer: trace.Tracer, subject: str, payload: bytes, headers: dict[str, str]
    ) -> asyncio.Future[Any]:
        """Publish in a producer span continuing the writer's trace (stored at `add`); the
        consumer's span then hangs under this one (its traceparent replaces the stored one)."""
        with tracer.start_as_current_span(
            f"{subject} publish",
            context=propagate.extract(headers),
            kind=trace.SpanKind.PRODUCER,
            attributes={
                "messaging.system": "nats",
                "messaging.operation": "publish",
                "messaging.destination.name": subject,
                "messaging.message.id": headers["Nats-Msg-Id"],
                "kefu.service": self.service,
            },
        ):
            propagate.inject(headers)
            future: asyncio.Future[Any] = await self.js.publish_async(
                subject, bytes(payload), headers=headers
            )
            return future

    async def update_lag(self) -> None:
        """Record the age of the oldest unsent row."""
        async with self.pool.acquire() as conn:
            age = await conn.fetchval(
                "SELECT extract(epoch FROM now() - min(created_at)) FROM outbox"
            )
        LAG.labels(self.service).set(float(age or 0))

    def wake(self) -> None:
        """Relay now: rows were committed (this process's writers, or a NOTIFY)."""
        self._wake.set()

    def _notified(self, *_: object) -> None:
        self.wake()

    def _listening(self) -> bool:
        """Whether the LISTEN connection is alive: it dies with a Postgres restart or failover,
        and without a new one NOTIFY wake-ups are gone for the life of the process."""
        if self._listener is None:
            return False
        try:
            return not self._listener.is_closed()
        except asyncpg.InterfaceError:  # the pool took the closed connection back
            return False

    async def _listen(self) -> None:
        conn = None
        try:
            conn = await self.pool.acquire()
            await conn.add_listener(f"kefu_outbox_{self.service}", self._notified)
        except Exception:  # the polling fallback still runs
            if conn is not None:
                with contextlib.suppress(Exception):
                    await self.pool.release(conn)
            self._listen_after = time.monotonic() + 30.0
            log.warning("outbox LISTEN unavailable; polling only", exc_info=True)
            return
        self._listener = conn
        if self._stopping:  # closed while this was connecting: give it straight back
            await self._release_listener()

    async def _release_listener(self) -> None:
        """Give the LISTEN connection back to the pool (at most once per connection)."""
        conn, self._listener = self._listener, None
        if conn is None:
            return
        with contextlib.suppress(Exception):
            await conn.remove_listener(f"kefu_outbox_{self.service}", self._notified)
        with contextlib.suppress(Exception):
            await self.pool.release(conn)

    async def run(self) -> None:
        """Relay until stopped: woken by this process's commits (wake) and by NOTIFY from
        other writers, polling as a fallback, backing off on errors."""
        _LOCAL.setdefault(self.service, weakref.WeakSet()).add(self)
        try:
            await self._relay_until_stopped()
        finally:
            # A pool whose connection is still held never closes: release even when cancelled.
            await self._release_listener()

    async def _relay_until_stopped(self) -> None:
        await self._listen()
        backoff = 0.2
        last_lag = 0.0
        while not self._stopping:
            # Clear before reading: a NOTIFY that lands while a batch is being relayed must
            # wake the next wait, not be wiped by it.
            self._wake.clear()
            try:
                sent = await self.relay_once()
                backoff = 0.2
                if (
                    not self._stopping
                    and not self._listening()
                    and time.monotonic() >= self._listen_after
                ):
                    await self._release_listener()  # the dead one goes back to the pool
                    await self._listen()
                    continue  # rows committed before the LISTEN took effect sent no NOTIFY
                if time.monotonic() - last_lag > 5:
                    await self.update_lag()
                    last_lag = time.monotonic()
                if sent == self.batch:
                    continue
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("outbox relay failed; retrying in %.1fs", backoff, exc_info=True)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)

    async def close(self) -> None:
        """Stop and release the LISTEN connection."""
        self._stopping = True
        _LOCAL.get(self.service, weakref.WeakSet()).discard(self)
        await self._release_listener()
