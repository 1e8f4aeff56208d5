"""The platform's delivery guarantees, on real NATS and Postgres (docs/ARCHITECTURE.md §4)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from nats.js import JetStreamContext
from prometheus_client import REGISTRY

from shared import deadletters, outbox, streams, timers
from shared.bus import BulkRunner, HandlerContext, Item, Settler
from shared.consumers import ConsumerSpec
from shared.context import Context
from shared.contracts.ingest import ShipmentScanned, scan_subject
from shared.contracts.intake import ComplaintOpened
from shared.db import CommitFailed, bytes_literal, create_pool, text_literal, transaction
from shared.outbox import Relay
from shared.settings import Settings
from tests.support.harness import eventually

SCHEMA = "platformtest"


@pytest.fixture
async def pool(settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    p = await create_pool(settings, SCHEMA)
    async with p.acquire() as conn:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS effects (id bigserial PRIMARY KEY, key text NOT NULL,"
            " at timestamptz NOT NULL DEFAULT clock_timestamp())"
        )
        await conn.execute("TRUNCATE effects, outbox, inbox, dead_letters, timers")
    yield p
    await p.close()


def complaint(**kw: Any) -> ComplaintOpened:
    values: dict[str, Any] = dict(
        complaint_id=str(uuid.uuid4()),
        customer_id="c1",
        department="engineering",
        channel="phone",
        category="quality",
        severity="normal",
        received_by="cs",
        received_by_sub="agent-1",
        source="intake",
    )
    values.update(kw)
    return ComplaintOpened(**values)


async def stream_count(js: JetStreamContext, stream: str = "EVENTS") -> int:
    return (await js.stream_info(stream)).state.messages


async def effects(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        return await conn.fetch("SELECT key, at FROM effects ORDER BY id")


def spec(name: str, subjects: tuple[str, ...] = ("complaint.opened",), **kw: Any) -> ConsumerSpec:
    return ConsumerSpec("platformtest", f"{name}_{uuid.uuid4().hex[:6]}", subjects, **kw)


async def consume(
    js: JetStreamContext, settler: Settler, fn: Any, until: Any, timeout: float = 15
) -> None:
    """Drive one consumer with the platform's settle rules until a condition holds."""
    sub = await js.pull_subscribe_bind(durable=settler.spec.durable, stream=settler.spec.stream)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                msgs = await sub.fetch(10, timeout=0.3)
            except Exception:
                msgs = []
            await asyncio.gather(*(settler.handle(m, fn) for m in msgs))
            if await until():
                return
        raise AssertionError("consumer did not reach the expected state")
    finally:
        await sub.unsubscribe()


async def record_effect(event: Any, ctx: HandlerContext) -> None:
    await ctx.conn.execute("INSERT INTO effects (key) VALUES ($1)", str(event.event_id))


@pytest.mark.quick
async def test_outbox_event_survives_a_relay_crash_between_publish_and_mark(pool, js) -> None:
    event = complaint()
    async with pool.acquire() as conn, transaction(conn):
        await conn.execute("INSERT INTO effects (key) VALUES ('state change')")
        await outbox.add(conn, event)

    class CrashAfterPublish(Relay):
        async def relay_once(self) -> int:
            async with self.pool.acquire() as conn, conn.transaction():
                rows = await conn.fetch(
                    "SELECT event_id, subject, payload FROM outbox FOR UPDATE SKIP LOCKED"
                )
                for r in rows:
                    await self.js.publish(
                        r["subject"],
                        bytes(r["payload"]),
                        headers={"Nats-Msg-Id": str(r["event_id"])},
                    )
                raise RuntimeError("relay crashed before marking the rows sent")

    with pytest.raises(RuntimeError):
        await CrashAfterPublish(pool, js, SCHEMA).relay_once()
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 1, "row must survive the crash"
    assert await Relay(pool, js, SCHEMA).relay_once() == 1
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 0
    assert await stream_count(js) == 1, "the republished copy must be deduplicated by Nats-Msg-Id"
    msg = await js.get_msg("EVENTS", (await js.stream_info("EVENTS")).state.last_seq)
    assert json.loads(msg.data)["event_id"] == str(event.event_id)
    assert msg.headers and msg.headers["Nats-Msg-Id"] == str(event.event_id)


@pytest.mark.quick
async def test_relay_is_woken_by_notify_from_other_writers_and_safe_with_two_replicas(
    pool, js, database_url
) -> None:
    relays = [Relay(pool, js, SCHEMA, poll_seconds=30) for _ in range(2)]
    tasks = [asyncio.create_task(r.run()) for r in relays]
    # A writer outside any service process (a script): its inserts NOTIFY.
    script = await asyncpg.connect(database_url, server_settings={"search_path": SCHEMA})
    try:
        await asyncio.sleep(0.3)
        events = [complaint() for _ in range(300)]
        for chunk in range(0, 300, 50):
            async with transaction(script):
                await outbox.add(script, *events[chunk : chunk + 50])
        # Polling is every 30 s here: only NOTIFY can make this quick.
        await eventually(lambda: stream_count(js), timeout=5)
        await eventually(lambda: _eq(stream_count(js), 300), timeout=5)
    finally:
        await script.close()
        for r in relays:
            await r.close()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    info = await js.stream_info("EVENTS")
    assert info.state.messages == 300


@pytest.mark.quick
async def test_a_relay_closed_while_starting_leaves_no_connection_held(js, settings) -> None:
    own = await create_pool(settings, SCHEMA, min_size=1, max_size=2)
    relay = Relay(own, js, SCHEMA, poll_seconds=30)
    task = asyncio.create_task(relay.run())
    await relay.close()  # before the task has even started its LISTEN
    await asyncio.sleep(0.3)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    # A connection still held would make this wait forever.
    await asyncio.wait_for(own.close(), timeout=10)


@pytest.mark.quick
async def test_relay_in_the_writers_process_is_woken_after_commit_without_notify(
    js, settings, database_url
) -> None:
    runtime_pool = await create_pool(settings, SCHEMA, relay_in_process=True)
    relay = Relay(runtime_pool, js, SCHEMA, poll_seconds=30)
    task = asyncio.create_task(relay.run())
    heard: list[str] = []
    listener = await asyncpg.connect(database_url)
    await listener.add_listener(f"kefu_outbox_{SCHEMA}", lambda *a: heard.append(a[2]))
    try:
        await asyncio.sleep(0.3)
        async with runtime_pool.acquire() as conn:
            async with transaction(conn):
                await outbox.add(conn, complaint())
                raise_later = complaint()
            # Polling is every 30 s and no NOTIFY was sent: the commit woke the relay.
            await eventually(lambda: _eq(stream_count(js), 1), timeout=5)
            with pytest.raises(RuntimeError):
                async with transaction(conn):
                    await outbox.add(conn, raise_later)
                    raise RuntimeError("rolled back: nothing to relay, no wake-up")
            # Outside a checked transaction there is no commit to hook: NOTIFY tells the relay.
            async with conn.transaction():
                await outbox.add(conn, complaint())
            await eventually(lambda: _eq(stream_count(js), 2), timeout=5)
        assert len(heard) == 1, f"only the unhooked write may NOTIFY: {heard}"
    finally:
        await listener.close()
        await relay.close()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await runtime_pool.close()


async def _eq(coro: Any, expected: int) -> bool:
    return (await coro) == expected


@pytest.mark.quick
async def test_redelivered_event_has_exactly_one_effect(pool, js, settings) -> None:
    s = spec("once")
    await streams.declare(js, (s,))
    event = complaint()
    for _ in range(3):  # three publishes beyond any dedupe: distinct msg ids, same event
        await js.publish(
            "complaint.opened", event.to_json(), headers={"Nats-Msg-Id": str(uuid.uuid4())}
        )
    settler = Settler(pool, SCHEMA, s, settings.retry_delays)

    async def done() -> bool:
        info = await js.consumer_info("EVENTS", s.durable)
        return info.num_ack_pending == 0 and info.num_pending == 0

    await consume(js, settler, record_effect, done)
    rows = await effects(pool)
    assert [r["key"] for r in rows] == [str(event.event_id)]


@pytest.mark.quick
async def test_failing_handler_is_retried_after_the_scheduled_delays_then_succeeds(
    pool, js, settings
) -> None:
    s = spec("flaky", max_deliver=5)
    await streams.declare(js, (s,))
    event = complaint()
    await js.publish(
        "complaint.opened", event.to_json(), headers={"Nats-Msg-Id": str(event.event_id)}
    )
    attempts: list[float] = []

    async def flaky(ev: Any, ctx: HandlerContext) -> None:
        attempts.append(time.monotonic())
        await ctx.conn.execute("INSERT INTO effects (key) VALUES ('partial write')")
        if len(attempts) <= 2:
            raise asyncpg.exceptions.ConnectionFailureError("database briefly unreachable")
        await record_effect(ev, ctx)

    settler = Settler(pool, SCHEMA, s, (0.5, 1.0, 2.0))

    async def done() -> bool:
        return len(await effects(pool)) > 0 and len(attempts) >= 3

    await consume(js, settler, flaky, done)
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    assert len(attempts) == 3
    assert gaps[0] >= 0.45, f"first retry came after {gaps[0]:.3f}s, not the 0.5 s delay"
    assert gaps[1] >= 0.95, f"second retry came after {gaps[1]:.3f}s, not the 1.0 s delay"
    rows = await effects(pool)
    # The failed attempts' partial writes were rolled back with their transactions.
    assert [r["key"] for r in rows] == ["partial write", str(event.event_id)]
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM dead_letters") == 0


@pytest.mark.quick
async def test_malformed_and_always_failing_messages_end_in_dead_letters_and_replay(
    pool, js, settings
) -> None:
    s = spec("dlq", max_deliver=3)
    await streams.declare(js, (s,))
    await js.publish(
        "complaint.opened",
        b'{"complaint_id": 1, "severity": "catastrophic"}',
        headers={"Nats-Msg-Id": "bad-1"},
    )
    good = complaint()
    await js.publish(
        "complaint.opened", good.to_json(), headers={"Nats-Msg-Id": str(good.event_id)}
    )
    calls: dict[str, int] = {}
    fail = True

    async def always_fails(ev: Any, ctx: HandlerContext) -> None:
        calls[str(ev.event_id)] = calls.get(str(ev.event_id), 0) + 1
        if fail:
            raise RuntimeError("downstream rule broken")
        await record_effect(ev, ctx)

    settler = Settler(pool, SCHEMA, s, (0.1, 0.1))

    async def two_dead() -> bool:
        async with pool.acquire() as conn:
            return await conn.fetchval("SELECT count(*) FROM dead_letters") == 2

    await consume(js, settler, always_fails, two_dead)
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT * FROM dead_letters ORDER BY deliveries")
    malformed, failing = rows
    assert malformed["deliveries"] == 1 and "invalid message" in malformed["error"]
    assert "severity" in malformed["error"]
    assert failing["deliveries"] == 3 and "downstream rule broken" in failing["error"]
    assert calls[str(good.event_id)] == 3
    info = await js.consumer_info("EVENTS", s.durable)
    assert (info.num_ack_pending == 0 and info.num_redelivered == 0) or info.num_pending == 0

    fail = False
    async with pool.acquire() as conn:
        await deadletters.replay(conn, js, SCHEMA, failing["id"])

    async def replayed() -> bool:
        return len(await effects(pool)) == 1

    await consume(js, settler, always_fails, replayed)
    assert [r["key"] for r in await effects(pool)] == [str(good.event_id)]


@pytest.mark.quick
async def test_emitted_events_leave_with_the_commit_and_a_swallowed_error_commits_nothing(
    pool, js, settings
) -> None:
    s = spec("emit", max_deliver=1)
    await streams.declare(js, (s,))
    good = complaint(branch_id="b'; DROP TABLE effects; --\\")
    quiet, loud = complaint(customer_id="quiet"), complaint(customer_id="loud")
    for e in (good, quiet, loud):
        await js.publish("complaint.opened", e.to_json(), headers={"Nats-Msg-Id": str(e.event_id)})

    async def react(ev: Any, ctx: HandlerContext) -> None:
        await record_effect(ev, ctx)
        if ev.event_id != good.event_id:
            # A handler that swallows a database error leaves the transaction aborted.
            with contextlib.suppress(asyncpg.PostgresError):
                await ctx.conn.execute("SELECT 1/0")
        if ev.event_id != quiet.event_id:
            await ctx.emit(complaint(customer_id="c'2"), complaint(customer_id="c\\3"))

    settler = Settler(pool, SCHEMA, s, (0.1,))

    async def settled() -> bool:
        async with pool.acquire() as conn:
            return await conn.fetchval("SELECT count(*) FROM dead_letters") == 2

    await consume(js, settler, react, settled)
    assert [r["key"] for r in await effects(pool)] == [str(good.event_id)]
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT payload, headers FROM outbox ORDER BY id")
        dead = {
            json.loads(bytes(r["body"]))["customer_id"]: r["error"]
            for r in await conn.fetch("SELECT body, error FROM dead_letters")
        }
        claims = await conn.fetchval("SELECT count(*) FROM inbox WHERE consumer = $1", s.durable)
    emitted = [json.loads(bytes(r["payload"])) for r in rows]
    assert [e["customer_id"] for e in emitted] == ["c'2", "c\\3"], "payload kept byte for byte"
    assert {e["causation_id"] for e in emitted} == {str(good.event_id)}
    assert {e["branch_id"] for e in emitted} == {good.branch_id}
    assert all(isinstance(json.loads(r["headers"]), dict) for r in rows)
    # Nothing to send with the COMMIT: Postgres answers it with ROLLBACK, which is caught.
    assert "CommitFailed: COMMIT answered ROLLBACK" in dead["quiet"]
    # Outbox rows to send: the aborted transaction refuses them, and nothing commits either.
    assert "InFailedSQLTransactionError" in dead["loud"]
    assert claims == 1, "the rolled-back messages' inbox claims went with their transactions"


@pytest.mark.quick
async def test_branch_message_ids_with_quotes_are_claimed_once(pool, js, settings) -> None:
    s = spec("quoted", ("ingest.*.shipment.scanned",), stream="INGEST")
    await streams.declare(js, (s,))
    key = "scan'); DELETE FROM inbox; --\\ 扫描"
    body = scan("WB-Q", datetime(2026, 11, 1, 8, tzinfo=UTC)).to_json()
    # The same branch message twice, the second beyond the dedupe window (a new Nats-Msg-Id).
    await js.publish(scan_subject("sh01"), body, headers={"Nats-Msg-Id": key})
    await js.publish(
        scan_subject("sh01"),
        body,
        headers={"Nats-Msg-Id": "again", "Kefu-Original-Msg-Id": key},
    )
    settler = Settler(pool, SCHEMA, s, settings.retry_delays)

    async def done() -> bool:
        info = await js.consumer_info("INGEST", s.durable)
        return info.num_ack_pending == 0 and info.num_pending == 0

    async def record_scan(event: Any, ctx: HandlerContext) -> None:
        await ctx.conn.execute("INSERT INTO effects (key) VALUES ($1)", event.waybill)

    await consume(js, settler, record_scan, done)
    assert [r["key"] for r in await effects(pool)] == ["WB-Q"]
    async with pool.acquire() as conn:
        keys = await conn.fetch("SELECT event_id FROM inbox WHERE consumer = $1", s.durable)
    assert [r["event_id"] for r in keys] == [key], "the key is stored exactly as sent"


def scan(waybill: str, at: datetime) -> ShipmentScanned:
    return ShipmentScanned(waybill=waybill, kind="departed", station="SH01", at=at)


@pytest.mark.quick
async def test_bulk_runner_commits_clean_batch_once_and_isolates_a_bad_message(
    pool, js, settings
) -> None:
    s = spec("bulk", ("ingest.*.shipment.scanned",), stream="INGEST", bulk=True, max_deliver=2)
    await streams.declare(js, (s,))
    at = datetime(2026, 11, 1, 8, tzinfo=UTC)
    batches: list[int] = []

    async def write(ctx: Context, items: list[Item]) -> None:
        conn = ctx.conn
        batches.append(len(items))
        waybills = [i.event.waybill for i in items]
        if "POISON" in waybills:
            raise ValueError("waybill POISON breaks the batch")
        await conn.execute("INSERT INTO effects (key) SELECT unnest($1::text[])", waybills)

    settler = Settler(pool, SCHEMA, s, (0.1,))
    before = bulk_samples(s.durable)
    runner = BulkRunner(settler, js, write, batch=100, fetch_timeout=0.3)
    for n in range(50):
        await js.publish(
            scan_subject("sh01"),
            scan(f"WB{n:03}", at).to_json().encode()
            if isinstance(scan(f"WB{n:03}", at).to_json(), str)
            else scan(f"WB{n:03}", at).to_json(),
            headers={"Nats-Msg-Id": f"scan-{n}"},
        )
    task = asyncio.create_task(runner.run())
    try:
        await eventually(lambda: _len_eq(effects(pool), 50), timeout=10)
        assert runner.batches_committed >= 1 and runner.isolated_runs == 0
        assert sum(batches) == 50 and len(batches) <= 2, (
            f"clean scans must go in whole batches: {batches}"
        )
        # A redelivered batch (same scan ids) has no second effect.
        for n in range(50):
            await js.publish(
                scan_subject("sh01"),
                scan(f"WB{n:03}", at).to_json(),
                headers={"Nats-Msg-Id": f"scan-{n}-again", "Kefu-Original-Msg-Id": f"scan-{n}"},
            )
        # Now a batch with one poison message and one malformed one among good ones.
        for n in range(50, 60):
            waybill = "POISON" if n == 55 else f"WB{n:03}"
            await js.publish(
                scan_subject("sh01"),
                scan(waybill, at).to_json(),
                headers={"Nats-Msg-Id": f"scan-{n}"},
            )
        await js.publish(scan_subject("sh01"), b"not json", headers={"Nats-Msg-Id": "scan-garbage"})

        async def settled() -> bool:
            async with pool.acquire() as conn:
                return await conn.fetchval("SELECT count(*) FROM dead_letters") == 2

        await eventually(settled, timeout=15)
    finally:
        runner.stop()
        await asyncio.wait_for(task, 5)
    keys = [r["key"] for r in await effects(pool)]
    assert len(keys) == 59 and len(set(keys)) == 59 and "POISON" not in keys
    assert runner.isolated_runs >= 1
    # The same story in the runner's metrics (service = the settler's, consumer = the durable).
    seen = bulk_samples(s.durable)
    assert seen["isolations"] - before["isolations"] == runner.isolated_runs
    assert seen["isolated"] - before["isolated"] == runner.isolated_runs
    assert seen["committed"] - before["committed"] == runner.batches_committed
    # Every batch applied, committed or isolated, is counted with its size.
    assert seen["batches"] - before["batches"] == runner.batches_committed + runner.isolated_runs
    assert seen["messages"] - before["messages"] >= 59
    async with pool.acquire() as conn:
        errors = sorted(r["error"] for r in await conn.fetch("SELECT error FROM dead_letters"))
    assert any("POISON" in e for e in errors) and any("invalid message" in e for e in errors)


def bulk_samples(consumer: str) -> dict[str, float]:
    """The bulk runner's metrics for one of this module's consumers (0 before first use)."""
    labels = {"service": SCHEMA, "consumer": consumer}

    def value(name: str, **more: str) -> float:
        return REGISTRY.get_sample_value(name, {**labels, **more}) or 0.0

    return {
        "isolations": value("kefu_bulk_isolated_runs_total"),
        "isolated": value("kefu_bulk_batch_duration_seconds_count", outcome="isolated"),
        "committed": value("kefu_bulk_batch_duration_seconds_count", outcome="committed"),
        "batches": value("kefu_bulk_batch_size_count"),
        "messages": value("kefu_bulk_batch_size_sum"),
    }


async def _len_eq(coro: Any, n: int) -> bool:
    return len(await coro) == n


@pytest.mark.quick
async def test_timer_never_fires_early_and_fires_once_with_two_workers(pool, settings) -> None:
    fired: list[str] = []

    async def fire(ctx: Context, t: timers.Timer) -> None:
        conn = ctx.conn
        await conn.execute("INSERT INTO effects (key) VALUES ($1)", t.key)
        fired.append(t.key)
        return None

    async with pool.acquire() as conn:
        now = await conn.fetchval("SELECT now()")
        await timers.schedule_many(
            conn, [("test.fire", f"k{n}", now + timedelta(hours=1), {}) for n in range(200)]
        )
    workers = [
        timers.TimerWorker(
            pool, SCHEMA, {"test.fire": fire}, batch=50, poll_seconds=0.05, context=_context
        )
        for _ in range(2)
    ]
    for w in workers:
        assert await w.run_once() == 0, "nothing is due yet"
    # 59 minutes later on the database clock: still not due.
    for w in workers:
        w.clock_offset_seconds = 59 * 60
        assert await w.run_once() == 0
    for w in workers:
        w.clock_offset_seconds = 3600 + 1
    tasks = [asyncio.create_task(w.run()) for w in workers]
    try:
        await eventually(lambda: _len_eq(effects(pool), 200), timeout=10)
        await asyncio.sleep(0.3)
    finally:
        for w in workers:
            w.stop()
        await asyncio.gather(*tasks)
    keys = [r["key"] for r in await effects(pool)]
    assert len(keys) == 200 and len(set(keys)) == 200
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM timers") == 0


@pytest.mark.quick
async def test_recurring_timer_is_rescheduled_and_clock_offset_is_test_only(pool, settings) -> None:
    async def fire(ctx: Context, t: timers.Timer) -> datetime:
        conn = ctx.conn
        await conn.execute("INSERT INTO effects (key) VALUES ($1)", t.key)
        return t.due_at + timedelta(days=7)

    async with pool.acquire() as conn:
        now = await conn.fetchval("SELECT now()")
        await timers.schedule(conn, "test.weekly", "w1", now - timedelta(seconds=1), {"a": 1})
    worker = timers.TimerWorker(pool, SCHEMA, {"test.weekly": fire}, context=_context)
    assert await worker.run_once() == 1
    assert await worker.run_once() == 0
    async with pool.acquire() as conn:
        due = await conn.fetchval("SELECT due_at FROM timers WHERE key = 'w1'")
    assert timedelta(days=6, hours=23) < due - now < timedelta(days=7, seconds=1)
    prod = settings.model_copy(update={"env": "production", "admin_token": None})
    assert not prod.is_test


@pytest.mark.quick
@pytest.mark.parametrize("conforming", ["on", "off"])
async def test_sql_literals_round_trip_any_text_whatever_the_session_quoting(
    pool, conforming
) -> None:
    texts = ["", "'", "''; DROP TABLE effects; --", "a\\'b", "\\x00", "扫描 ✓", "$$", "\n\t"]
    async with pool.acquire() as conn, transaction(conn):
        await conn.execute(f"SET LOCAL standard_conforming_strings = {conforming}")
        for text in texts:
            assert await conn.fetchval(f"SELECT {text_literal(text)}") == text
        raw = bytes(range(256))
        assert await conn.fetchval(f"SELECT {bytes_literal(raw)}") == raw


def _context(conn: asyncpg.Connection) -> Context:
    """A bare workflow context, as a service's runtime makes one."""
    return Context(conn, SCHEMA)


def _request(pool: asyncpg.Pool, settings: Settings) -> Any:
    """A request as a route sees it, on a runtime whose pool is the test schema's."""
    from types import SimpleNamespace

    from starlette.requests import Request

    from shared.service import Runtime, ServiceDef

    runtime = Runtime(ServiceDef(name=SCHEMA), settings)
    runtime.pool = pool
    app = SimpleNamespace(state=SimpleNamespace(runtime=runtime, pool=pool))
    return Request({"type": "http", "app": app, "headers": [], "state": {}})


@pytest.mark.quick
async def test_a_route_change_sends_its_events_with_its_commit_and_a_failure_sends_none(
    pool, settings
) -> None:
    from shared.web.deps import change

    request = _request(pool, settings)
    async with change(request, branch_id="SH01") as ctx:
        await ctx.conn.execute("INSERT INTO effects (key) VALUES ('kept')")
        await ctx.emit(complaint(customer_id="c'1"), complaint(customer_id="c\\2"))
        async with pool.acquire() as other:  # nothing is written before the COMMIT
            assert await other.fetchval("SELECT count(*) FROM outbox") == 0

    with pytest.raises(RuntimeError, match="refused"):
        async with change(request) as ctx:
            await ctx.conn.execute("INSERT INTO effects (key) VALUES ('rolled back')")
            await ctx.emit(complaint(customer_id="lost"))
            raise RuntimeError("refused")

    # A swallowed database error: Postgres refuses the rows sent with the COMMIT, or answers
    # a bare COMMIT with ROLLBACK; either way nothing is written and the caller sees an error.
    with pytest.raises(asyncpg.InFailedSQLTransactionError):
        async with change(request) as ctx:
            await ctx.emit(complaint(customer_id="aborted"))
            with contextlib.suppress(asyncpg.PostgresError):
                await ctx.conn.execute("SELECT 1/0")
    with pytest.raises(CommitFailed):
        async with change(request) as ctx:
            await ctx.conn.execute("INSERT INTO effects (key) VALUES ('aborted')")
            with contextlib.suppress(asyncpg.PostgresError):
                await ctx.conn.execute("SELECT 1/0")

    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT payload FROM outbox ORDER BY id")
        kept = await conn.fetchval("SELECT array_agg(key) FROM effects")
    emitted = [json.loads(bytes(r["payload"])) for r in rows]
    assert [e["customer_id"] for e in emitted] == ["c'1", "c\\2"], "payload kept byte for byte"
    assert {e["branch_id"] for e in emitted} == {"SH01"}
    assert kept == ["kept"]
