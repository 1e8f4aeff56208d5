"""Consuming with the platform's retry policy (docs/ARCHITECTURE.md §4).

Every handler, ordinary or bulk, settles its messages here: ack after commit, delayed nak from
a schedule by delivery count, dead letter + term on the last delivery or on invalid input.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from prometheus_client import Counter, Histogram
from pydantic import BaseModel, ValidationError

from shared import deadletters, inbox, outbox, timers
from shared.consumers import ConsumerSpec
from shared.context import Context
from shared.contracts import model_for
from shared.contracts.envelope import Event
from shared.db import transaction
from shared.observability import trace_id
from shared.privacy import mask, mask_id_numbers
from shared.timers import Clock

log = logging.getLogger("kefu.bus")
# One line per handled event (and per bulk batch) at INFO: its own logger, so it can be turned
# down alone without silencing the bus's warnings.
EVENTS = logging.getLogger("kefu.events")
BATCH_SIZE = Histogram(
    "kefu_bulk_batch_size",
    "Messages per batch a bulk runner processed (after invalid and repeated ones are settled)",
    ["service", "consumer"],
    buckets=(1, 5, 10, 25, 50, 75, 100, 250, 500),
)
BATCH_SECONDS = Histogram(
    "kefu_bulk_batch_duration_seconds",
    "Time to apply one batch, fetch to acks; outcome committed or isolated (re-run one by one)",
    ["service", "consumer", "outcome"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
ISOLATED = Counter(
    "kefu_bulk_isolated_runs_total",
    "Batches that failed as a whole, so each message was re-run alone to isolate the bad one",
    ["service", "consumer"],
)
_PENDING: set[asyncio.Task[None]] = set()  # in-progress acks in flight (kept from GC)


class Reject(Exception):
    """A message that can never succeed (e.g. a scan from off the route): dead-letter it now."""


class RetryLater(Exception):
    """A dependency is missing (an event arrived before the one it needs): nak with delay."""


@dataclass
class HandlerContext(Context):
    """A bus handler's context: the platform's Context plus the message's subject and headers."""

    subject: str = ""
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Any, HandlerContext], Awaitable[None]]
BatchHandler = Callable[[Context, Sequence["Item"]], Awaitable[None]]


@dataclass
class Item:
    """A validated message of a bulk batch."""

    key: str
    event: Any
    msg: Msg


def message_key(msg: Msg, event: BaseModel) -> str:
    """The inbox key: the event id, or for branch-published messages their Nats-Msg-Id."""
    event_id = getattr(event, "event_id", None)
    if event_id is not None:
        return str(event_id)
    headers = msg.headers or {}
    key = headers.get("Kefu-Original-Msg-Id") or headers.get("Nats-Msg-Id")
    if not key:
        raise ValueError("missing Nats-Msg-Id header (the sender's message id is required)")
    return key


def safe_body(data: bytes, event: BaseModel | None) -> bytes:
    """What a dead letter keeps: the contract's fields of a valid message (unknown fields,
    which could carry anything, are dropped); an invalid one with ID numbers masked."""
    if event is not None:
        return event.model_dump_json().encode()
    return mask_id_numbers(data.decode("utf-8", "replace")).encode()


def parse(msg: Msg) -> tuple[str, BaseModel]:
    """Validate a message against the contract of its subject."""
    model = model_for(msg.subject)
    if model is None:
        raise ValueError(f"no contract for subject {msg.subject!r}")
    event = model.model_validate_json(msg.data)
    return message_key(msg, event), event


class Settler:
    """Applies the retry policy to one consumer's messages."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        service: str,
        spec: ConsumerSpec,
        delays: Sequence[float],
        *,
        config: Any = None,
        clock: Clock | None = None,
    ) -> None:
        self.pool, self.service, self.spec, self.delays = pool, service, spec, tuple(delays)
        self.config, self.clock = config, clock or Clock()

    def context(self, conn: asyncpg.Connection, **kwargs: Any) -> HandlerContext:
        """A handler's context on this connection, with the service's settings and clock."""
        return HandlerContext(conn, self.service, self.config, self.clock, **kwargs)

    def delay_for(self, delivered: int) -> float:
        """The nak delay after the n-th delivery failed."""
        return self.delays[min(max(delivered, 1) - 1, len(self.delays) - 1)]

    async def dead_letter(
        self, msg: Msg, error: str, reason: str, event: BaseModel | None = None
    ) -> None:
        """Record the message as a dead letter and terminate it; if that fails, leave it."""
        md = msg.metadata
        try:
            async with self.pool.acquire() as conn:
                await deadletters.write(
                    conn,
                    service=self.service,
                    consumer=self.spec.durable,
                    subject=msg.subject,
                    headers=dict(msg.headers or {}),
                    body=safe_body(msg.data, event),
                    error=mask(error),
                    deliveries=md.num_delivered,
                    stream_seq=md.sequence.stream,
                    reason=reason,
                )
        except Exception:
            # Not terminated: on its last delivery JetStream's max-deliveries advisory
            # brings it to dead letters later; otherwise it is simply retried.
            log.warning("could not write dead letter for %s", msg.subject, exc_info=True)
            with contextlib.suppress(Exception):
                await msg.nak(delay=self.delay_for(md.num_delivered))
            return
        await msg.term()

    async def failed(self, msg: Msg, exc: BaseException, event: BaseModel | None = None) -> str:
        """A handler failed: retry later, or dead-letter on the last allowed delivery; returns
        the outcome (`retry`, `rejected`, `dead_letter`)."""
        delivered = msg.metadata.num_delivered
        if isinstance(exc, Reject):
            await self.dead_letter(msg, f"rejected: {exc}", "rejected", event)
            return "rejected"
        if delivered >= self.spec.max_deliver:
            error = f"{type(exc).__name__}: {exc} (after {delivered} deliveries)"
            await self.dead_letter(msg, error, "max_deliver", event)
            return "dead_letter"
        log.debug("retrying %s in %.1fs: %r", msg.subject, self.delay_for(delivered), exc)
        await msg.nak(delay=self.delay_for(delivered))
        return "retry"

    def keep_alive(self, msgs: Sequence[Msg]) -> Callable[[], None]:
        """Send in-progress acks while work runs past a third of the ack wait; returns a stop."""
        loop = asyncio.get_running_loop()
        interval = max(self.spec.ack_wait / 3, 0.2)
        handle: list[asyncio.TimerHandle] = []

        def tick() -> None:
            for m in msgs:
                task = loop.create_task(_quietly(m.in_progress()))
                _PENDING.add(task)
                task.add_done_callback(_PENDING.discard)
            handle[0] = loop.call_later(interval, tick)

        handle.append(loop.call_later(interval, tick))
        return lambda: handle[0].cancel()

    async def handle(self, msg: Msg, fn: Handler) -> None:
        """One message, one transaction: inbox claim + effects + outbox, then ack."""
        start = time.perf_counter()
        try:
            key, event = parse(msg)
        except (ValidationError, ValueError) as exc:
            await self.dead_letter(msg, f"invalid message: {exc}", "invalid")
            self.handled(msg, "invalid", start)
            return
        stop = self.keep_alive((msg,))
        try:
            async with self.pool.acquire() as conn:
                new = await self._run(conn, msg, key, event, fn)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            outcome = await self.failed(msg, exc, event)
            self.handled(msg, outcome, start)
            return
        finally:
            stop()
        await msg.ack()
        self.handled(msg, "handled" if new else "duplicate", start)

    def handled(self, msg: Msg, outcome: str, start: float) -> None:
        """The event's one INFO line (subject, consumer, outcome, duration, trace id); built
        only when INFO is on for `kefu.events`, formatted only by the handler."""
        if not EVENTS.isEnabledFor(logging.INFO):
            return
        fields = {
            "subject": msg.subject,
            "consumer": self.spec.durable,
            "outcome": outcome,
            "duration_ms": round((time.perf_counter() - start) * 1000, 2),
        }
        caller = trace_id((msg.headers or {}).get("traceparent"))
        if caller:
            fields["trace_id"] = caller
        EVENTS.info("%s %s %s", msg.subject, self.spec.durable, outcome, extra={"fields": fields})

    async def _run(
        self, conn: asyncpg.Connection, msg: Msg, key: str, event: BaseModel, fn: Handler
    ) -> bool:
        """The transaction in three round trips: BEGIN + claim, the handler's own statements,
        then the outbox rows + COMMIT."""
        begin = "BEGIN;" + timers.clock_sql(self.clock.offset_seconds)
        claim = begin + inbox.claim_sql(self.spec.durable, key)
        async with outbox.deferred_transaction(conn, claim, self.service) as batch:
            claimed = batch.begun == inbox.CLAIMED
            if claimed:
                ctx = self.context(
                    conn,
                    cause=event if isinstance(event, Event) else None,
                    deferred=batch.rows,
                    subject=msg.subject,
                    headers=dict(msg.headers or {}),
                )
                await fn(event, ctx)
        return claimed


async def _quietly(coro: Awaitable[None]) -> None:
    with contextlib.suppress(Exception):
        await coro


class BulkRunner:
    """High-volume consumer: one transaction per fetched batch with set-based SQL (§4.9)."""

    def __init__(
        self,
        settler: Settler,
        js: JetStreamContext,
        fn: BatchHandler,
        *,
        batch: int = 100,
        fetch_timeout: float = 1.0,
    ) -> None:
        self.settler, self.js, self.fn = settler, js, fn
        self.batch, self.fetch_timeout = batch, fetch_timeout
        self.running = False
        self.batches_committed = 0
        self.isolated_runs = 0
        labels = (settler.service, settler.spec.durable)
        self._size = BATCH_SIZE.labels(*labels)
        self._committed = BATCH_SECONDS.labels(*labels, "committed")
        self._isolated = BATCH_SECONDS.labels(*labels, "isolated")
        self._isolations = ISOLATED.labels(*labels)

    async def process(self, msgs: list[Msg]) -> None:
        """Validate, run the batch optimistically, isolate each message if the batch fails."""
        start = time.perf_counter()
        items: list[Item] = []
        seen: set[str] = set()
        for m in msgs:
            try:
                key, event = parse(m)
            except (ValidationError, ValueError) as exc:
                await self.settler.dead_letter(m, f"invalid message: {exc}", "invalid")
                continue
            if key in seen:
                await m.ack()
                continue
            seen.add(key)
            items.append(Item(key, event, m))
        if not items:
            return
        self._size.observe(len(items))
        spec, pool = self.settler.spec, self.settler.pool
        stop = self.settler.keep_alive([i.msg for i in items])
        try:
            async with pool.acquire() as conn, transaction(conn):
                await self.settler.clock.apply(conn)
                new = await inbox.claim_many(conn, spec.durable, [i.key for i in items])
                await self.fn(self.settler.context(conn), [i for i in items if i.key in new])
        except asyncio.CancelledError:
            raise
        except Exception:
            log.debug("batch of %d failed; isolating each message", len(items), exc_info=True)
            self.isolated_runs += 1
            self._isolations.inc()
            await asyncio.gather(*(self._one(i) for i in items))
            self._isolated.observe(time.perf_counter() - start)
            self.logged(items, "isolated", start)
            return
        finally:
            stop()
        self.batches_committed += 1
        await asyncio.gather(*(i.msg.ack() for i in items))
        self._committed.observe(time.perf_counter() - start)
        self.logged(items, "committed", start)

    def logged(self, items: Sequence[Item], outcome: str, start: float) -> None:
        """A batch's one INFO line: at thousands of scans a second a line per scan would
        cost more than the scan."""
        if not EVENTS.isEnabledFor(logging.INFO):
            return
        spec = self.settler.spec
        fields = {
            "subject": spec.subjects[0],
            "consumer": spec.durable,
            "outcome": outcome,
            "batch": len(items),
            "duration_ms": round((time.perf_counter() - start) * 1000, 2),
        }
        EVENTS.info(
            "%s batch of %d %s", spec.durable, len(items), outcome, extra={"fields": fields}
        )

    async def _one(self, item: Item) -> None:
        spec, pool = self.settler.spec, self.settler.pool
        try:
            async with pool.acquire() as conn, transaction(conn):
                await self.settler.clock.apply(conn)
                if await inbox.claim(conn, spec.durable, item.key):
                    await self.fn(self.settler.context(conn), [item])
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await self.settler.failed(item.msg, exc, item.event)
            return
        await item.msg.ack()

    async def run(self) -> None:
        """Fetch and process until stopped; a fetch timeout just loops."""
        spec = self.settler.spec
        sub = await self.js.pull_subscribe_bind(durable=spec.durable, stream=spec.stream)
        self.running = True
        try:
            while self.running:
                try:
                    msgs = await sub.fetch(self.batch, timeout=self.fetch_timeout)
                except (TimeoutError, nats.errors.TimeoutError):
                    continue
                except asyncio.CancelledError:
                    raise
                except nats.errors.ConnectionClosedError:
                    # Closed for good (the client reconnects forever otherwise): stop, or this
                    # loop would spin until someone cancels it.
                    return
                except Exception as exc:
                    # Reconnecting, JetStream not ready yet after a server restart, ...: the
                    # loop must outlive them all, or this consumer silently stops for good.
                    log.warning("fetch failed (%s); retrying", type(exc).__name__)
                    await asyncio.sleep(0.5)
                    continue
                await self.process(msgs)
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    def stop(self) -> None:
        """Finish the current batch, then stop fetching."""
        self.running = False
