"""Benchmark both consuming paths against a raw nats-py + asyncpg baseline in the same run.

    .venv/bin/python -m bench.consume [--events 20000]
        [--paths raw ordinary bulk rawtx faststream settler]

Every path does the same work per event: fetch → inbox claim → insert one row → one outbox row
→ commit → ack. Prints events/s and the ratio to the raw baseline (docs/ARCHITECTURE.md §11). Optional
paths: `rawtx` (raw nats-py + asyncpg, one transaction per event: the ordinary path's own
baseline), `faststream` (a bare FastStream subscriber doing the same transaction: the yardstick
docs/ARCHITECTURE.md §11 names for the ordinary path) and `settler` (the platform's Settler on a plain fetch
loop, without FastStream).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import asyncpg
import nats
from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsMessage, PullSub
from nats.js import JetStreamContext

from bench.support import Child
from bench.worker import complaint, row_and_event
from shared import streams
from shared.bus import BulkRunner, Item, Settler
from shared.consumers import ConsumerSpec
from shared.context import Context
from shared.contracts.intake import ComplaintClosed, ComplaintOpened
from shared.db import create_pool
from shared.migrate import migrate
from tests.support.harness import (
    Servers,
    create_database,
    drop_database,
    start_servers,
    test_settings,
)

SCHEMA = "platformtest"


async def publish(js: JetStreamContext, n: int) -> None:
    futures = []
    for _ in range(n):
        e = complaint()
        futures.append(
            await js.publish_async(e.SUBJECT, e.to_json(), headers={"Nats-Msg-Id": str(e.event_id)})
        )
        if len(futures) >= 2000:
            await asyncio.gather(*futures)
            futures = []
    await asyncio.gather(*futures)


async def reset(pool: asyncpg.Pool, js: JetStreamContext, spec: ConsumerSpec) -> None:
    async with pool.acquire() as conn:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_rows (id uuid PRIMARY KEY, complaint_id text, payload jsonb)"
        )
        await conn.execute("TRUNCATE bench_rows, inbox, outbox")
        if os.environ.get("BENCH_NO_NOTIFY"):
            await conn.execute("DROP TRIGGER IF EXISTS outbox_notify ON outbox")
    await js.purge_stream("EVENTS")
    try:
        await js.delete_consumer("EVENTS", spec.durable)
    except Exception:
        pass
    await streams.declare(js, (spec,))


async def count(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM bench_rows"))


async def wait_for(pool: asyncpg.Pool, n: int, timeout: float = 600) -> float:
    start = time.perf_counter()
    while await count(pool) < n:
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"only {await count(pool)} of {n} rows after {timeout}s")
        await asyncio.sleep(0.05)
    return time.perf_counter() - start


async def raw_baseline(
    pool: asyncpg.Pool, js: JetStreamContext, spec: ConsumerSpec, n: int
) -> float:
    """nats-py fetch(100) + pydantic + one transaction per batch with unnest + ack."""
    sub = await js.pull_subscribe_bind(durable=spec.durable, stream="EVENTS")
    done = 0
    start = time.perf_counter()
    while done < n:
        try:
            msgs = await sub.fetch(100, timeout=1)
        except Exception:
            continue
        events = [ComplaintOpened.model_validate_json(m.data) for m in msgs]
        outs = [
            ComplaintClosed(
                complaint_id=e.complaint_id,
                customer_id=e.customer_id,
                department=e.department,
                source="bench",
            )
            for e in events
        ]
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO inbox (consumer, event_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
                spec.durable,
                [str(e.event_id) for e in events],
            )
            await conn.execute(
                "INSERT INTO bench_rows (id, complaint_id, payload)"
                " SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[])",
                [e.event_id for e in events],
                [e.complaint_id for e in events],
                [json.dumps({"severity": e.severity}) for e in events],
            )
            await conn.execute(
                "INSERT INTO outbox (event_id, subject, payload) SELECT * FROM unnest($1::uuid[], $2::text[], $3::bytea[])",
                [o.event_id for o in outs],
                [o.SUBJECT for o in outs],
                [o.to_json() for o in outs],
            )
        await asyncio.gather(*(m.ack() for m in msgs))
        done += len(msgs)
    elapsed = time.perf_counter() - start
    await sub.unsubscribe()
    return n / elapsed


async def ordinary_path(
    servers: Servers,
    url: str,
    js: JetStreamContext,
    pool: asyncpg.Pool,
    spec: ConsumerSpec,
    n: int,
    *,
    logged: bool = False,
) -> float:
    """The platform Runtime as a replica runs it: its own process (FastStream subscriber,
    settler, relay publishing the emitted events), timed from the moment its consumer resumes.
    `logged`: as `kefu run` logs, one JSON line per handled event at INFO into its log file."""
    await js.pause_consumer(spec.stream, spec.durable, "2999-01-01T00:00:00Z")
    home = Path(tempfile.mkdtemp(prefix="kefu-bench-consume-"))
    child = Child(
        "bench.worker",
        {
            "mode_name": "consumer",
            "work": "row_and_event",
            "label": "r0",
            "service": SCHEMA,
            "consumer": spec.name,
            "nats_url": servers.nats_url,
            "database_url": url,
            "settings": {"fetch_batch": 100},
            "log_level": "INFO" if logged else None,
        },
        home / "ordinary.log",
    )
    try:
        await child.ready()
        start = time.perf_counter()
        await js.resume_consumer(spec.stream, spec.durable)
        await wait_for(pool, n)
        return n / (time.perf_counter() - start)
    finally:
        await child.stop()


async def raw_transaction(pool: asyncpg.Pool, spec: ConsumerSpec, e: ComplaintOpened) -> None:
    """The baselines' per-message work in one transaction, written with plain asyncpg: inbox
    claim, one row, one outbox row."""
    o = ComplaintClosed(
        complaint_id=e.complaint_id, customer_id=e.customer_id, department=e.department
    )
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO inbox (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            spec.durable,
            str(e.event_id),
        )
        await conn.execute(
            "INSERT INTO bench_rows (id, complaint_id, payload) VALUES ($1, $2, $3::jsonb)",
            e.event_id,
            e.complaint_id,
            json.dumps({"severity": e.severity}),
        )
        await conn.execute(
            "INSERT INTO outbox (event_id, subject, payload) VALUES ($1, $2, $3)",
            o.event_id,
            o.SUBJECT,
            o.to_json(),
        )


async def rawtx_path(pool: asyncpg.Pool, js: JetStreamContext, spec: ConsumerSpec, n: int) -> float:
    """The per-message baseline: nats-py fetch(100), each message its own transaction with the
    same statements as the ordinary path (inbox, row, outbox), run concurrently, then ack."""

    async def one(m: Any) -> None:
        await raw_transaction(pool, spec, ComplaintOpened.model_validate_json(m.data))
        await m.ack()

    return await fetch_loop(js, spec, n, one)


async def fetch_loop(
    js: JetStreamContext, spec: ConsumerSpec, n: int, one: Callable[[Any], Awaitable[None]]
) -> float:
    """n messages through a plain nats-py fetch(100) loop, each batch run concurrently;
    returns events/s."""
    sub = await js.pull_subscribe_bind(durable=spec.durable, stream="EVENTS")
    start = time.perf_counter()
    done = 0
    while done < n:
        try:
            msgs = await sub.fetch(100, timeout=1)
        except Exception:
            continue
        await asyncio.gather(*(one(m) for m in msgs))
        done += len(msgs)
    elapsed = time.perf_counter() - start
    await sub.unsubscribe()
    return n / elapsed


async def faststream_path(settings: Any, pool: asyncpg.Pool, spec: ConsumerSpec, n: int) -> float:
    """FastStream's own per-message path with a DB write (docs/ARCHITECTURE.md §11's yardstick): a bare
    NatsBroker pull subscriber, FastStream's defaults, the same three statements in one
    transaction, then ack."""
    broker = NatsBroker(settings.nats_url, logger=None)

    @broker.subscriber(
        spec.subjects[0],
        stream=JStream(spec.stream, declare=False),
        durable=spec.durable,
        pull_sub=PullSub(batch_size=settings.fetch_batch, timeout=1.0),
        ack_policy=AckPolicy.MANUAL,
    )
    async def handle(body: dict[str, Any], msg: NatsMessage) -> None:
        await raw_transaction(pool, spec, ComplaintOpened.model_validate(body))
        await msg.ack()

    start = time.perf_counter()
    await broker.start()
    try:
        await wait_for(pool, n)
    finally:
        elapsed = time.perf_counter() - start
        await broker.stop()
    return n / elapsed


async def settler_path(
    settings: Any, pool: asyncpg.Pool, js: JetStreamContext, spec: ConsumerSpec, n: int
) -> float:
    """The platform's per-message settle rules on a plain fetch loop (no FastStream)."""
    settler = Settler(pool, SCHEMA, spec, settings.retry_delays)
    return await fetch_loop(js, spec, n, lambda m: settler.handle(m, row_and_event))


async def bulk_path(
    settings: Any, pool: asyncpg.Pool, js: JetStreamContext, spec: ConsumerSpec, n: int
) -> float:
    """The platform's bulk runner with set-based SQL (one transaction per fetched batch)."""

    async def handler(ctx: Context, items: Sequence[Item]) -> None:
        conn = ctx.conn
        events = [i.event for i in items]
        await conn.execute(
            "INSERT INTO bench_rows (id, complaint_id, payload)"
            " SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[])",
            [e.event_id for e in events],
            [e.complaint_id for e in events],
            [json.dumps({"severity": e.severity}) for e in events],
        )
        outs = [
            ComplaintClosed(
                complaint_id=e.complaint_id,
                customer_id=e.customer_id,
                department=e.department,
                source="bench",
            )
            for e in events
        ]
        await conn.execute(
            "INSERT INTO outbox (event_id, subject, payload) SELECT * FROM unnest($1::uuid[], $2::text[], $3::bytea[])",
            [o.event_id for o in outs],
            [o.SUBJECT for o in outs],
            [o.to_json() for o in outs],
        )

    runner = BulkRunner(Settler(pool, SCHEMA, spec, settings.retry_delays), js, handler, batch=100)
    start = time.perf_counter()
    task = asyncio.create_task(runner.run())
    try:
        await wait_for(pool, n)
    finally:
        elapsed = time.perf_counter() - start
        runner.stop()
        await asyncio.wait_for(task, 10)
    return n / elapsed


async def main(n: int, paths: list[str]) -> None:
    print(f"load average {os.getloadavg()[0]:.2f} at the start", file=sys.stderr)
    home = Path(tempfile.mkdtemp(prefix="kefu-bench-"))
    servers = start_servers(home)
    url = await create_database(servers.admin_url, "kefu_bench")
    results: dict[str, float] = {}
    try:
        await migrate(url, (SCHEMA,))
        settings = test_settings(servers.nats_url, url, pool_max=20, fetch_batch=100)
        pool = await create_pool(settings, SCHEMA, max_size=20)
        nc = await nats.connect(servers.nats_url)
        try:
            js = nc.jetstream()
            await streams.declare(js, ())
            for name in paths:
                spec = ConsumerSpec(
                    SCHEMA, f"bench_{name}", ("complaint.opened",), max_ack_pending=20000
                )
                await reset(pool, js, spec)
                await publish(js, n)
                if name == "raw":
                    results[name] = await raw_baseline(pool, js, spec, n)
                elif name == "rawtx":
                    results[name] = await rawtx_path(pool, js, spec, n)
                elif name == "settler":
                    results[name] = await settler_path(settings, pool, js, spec, n)
                elif name == "faststream":
                    results[name] = await faststream_path(settings, pool, spec, n)
                elif name in ("ordinary", "logged"):
                    results[name] = await ordinary_path(
                        servers, url, js, pool, spec, n, logged=name == "logged"
                    )
                else:
                    results[name] = await bulk_path(settings, pool, js, spec, n)
                print(f"{name:<9} {results[name]:>9,.0f} events/s", flush=True)
        finally:
            await nc.close()
            await pool.close()
    finally:
        await drop_database(servers.admin_url, url)
        servers.stop()
    print(f"load average {os.getloadavg()[0]:.2f} at the end", file=sys.stderr)
    if not set(results) >= {"raw", "ordinary", "bulk"}:
        return
    raw = results["raw"]
    print()
    print(f"events per path: {n}  (consume → inbox → row → outbox → commit → ack)")
    print(f"raw nats-py fetch(100) + asyncpg unnest baseline : {raw:>9,.0f} /s  1.00×")
    print(
        f"ordinary (replica process: FastStream, 1 tx/ev) : {results['ordinary']:>9,.0f} /s  "
        f"{results['ordinary'] / raw:.2f}×  target ≥ 2,000/s"
    )
    print(
        f"bulk (platform runner, one tx per batch)         : {results['bulk']:>9,.0f} /s  "
        f"{results['bulk'] / raw:.2f}×  target ≥ 0.80×"
    )
    if "rawtx" in results:
        rawtx = results["rawtx"]
        print(
            f"raw per-message baseline (one tx per event)      : {rawtx:>9,.0f} /s  "
            f"{rawtx / raw:.2f}×  (ordinary / this: {results['ordinary'] / rawtx:.2f}×)"
        )
    if "faststream" in results:
        fs = results["faststream"]
        print(
            f"bare FastStream subscriber + asyncpg (one tx/ev) : {fs:>9,.0f} /s  "
            f"{fs / raw:.2f}×  (ordinary / this: {results['ordinary'] / fs:.2f}×)"
        )
    if "logged" in results:
        logged = results["logged"]
        print(
            f"ordinary with a JSON line per event (kefu run)   : {logged:>9,.0f} /s  "
            f"{logged / raw:.2f}×  (this / ordinary: {logged / results['ordinary']:.2f}×)"
        )
    if "settler" in results:
        print(
            f"settler (platform rules, plain fetch loop)       : {results['settler']:>9,.0f} /s  "
            f"{results['settler'] / raw:.2f}×"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--paths", nargs="*", default=["raw", "ordinary", "bulk"])
    args = parser.parse_args()
    asyncio.run(main(args.events, args.paths))
