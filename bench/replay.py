"""Replay 1M events into a fresh projection with the bulk path, against the raw pipeline.

    .venv/bin/python -m bench.replay [--events 1000000] [--batch 100]

Publishes the events once (publish_async, acks awaited in windows of 2,000), then replays the
whole stream twice from the start on fresh durables into a truncated projection: first the raw
baseline (nats-py fetch → pydantic → one transaction per batch: inbox + projection with
`unnest` → ack), then the platform's BulkRunner with the same `unnest` projection (one
transaction per fetched batch, per-message inbox claim). Target: < 2 minutes and ≥ 0.8× raw.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Sequence
from typing import Any

import asyncpg
import nats
from nats.js import JetStreamContext

from bench.consume import publish
from bench.support import environment, footer, header, reset_consumer, result, verdict
from shared import streams
from shared.bus import BulkRunner, Item, Settler
from shared.consumers import ConsumerSpec
from shared.context import Context
from shared.contracts.intake import ComplaintOpened
from shared.db import create_pool
from shared.migrate import migrate
from shared.settings import Settings

SCHEMA = "platformtest"
TARGET_SECONDS = 120.0
PROJECT = (
    "INSERT INTO complaint_view (complaint_id, customer_id, department, severity, opened_at)"
    " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])"
    " ON CONFLICT (complaint_id) DO UPDATE SET severity = EXCLUDED.severity"
)


def columns(events: Sequence[ComplaintOpened]) -> list[list[Any]]:
    """The projection's columns for unnest."""
    return [
        [e.complaint_id for e in events],
        [e.customer_id for e in events],
        [e.department.value for e in events],
        [e.severity.value for e in events],
        [e.occurred_at for e in events],
    ]


async def fresh(conn: asyncpg.Connection, js: JetStreamContext, spec: ConsumerSpec) -> None:
    """An empty projection and inbox, and a durable starting at the stream's first message."""
    await conn.execute(f"TRUNCATE {SCHEMA}.complaint_view, {SCHEMA}.inbox")
    await reset_consumer(js, spec.stream, spec.durable)
    await streams.declare(js, (spec,))


async def raw(
    pool: asyncpg.Pool, js: JetStreamContext, spec: ConsumerSpec, n: int, batch: int
) -> float:
    """The baseline pipeline; returns seconds for n events."""
    sub = await js.pull_subscribe_bind(durable=spec.durable, stream=spec.stream)
    done, started = 0, time.perf_counter()
    while done < n:
        try:
            msgs = await sub.fetch(batch, timeout=1)
        except (TimeoutError, nats.errors.TimeoutError):
            continue
        events = [ComplaintOpened.model_validate_json(m.data) for m in msgs]
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO inbox (consumer, event_id) SELECT $1, unnest($2::text[])"
                " ON CONFLICT DO NOTHING",
                spec.durable,
                [str(e.event_id) for e in events],
            )
            await conn.execute(PROJECT, *columns(events))
        await asyncio.gather(*(m.ack() for m in msgs))
        done += len(msgs)
    took = time.perf_counter() - started
    await sub.unsubscribe()
    return took


async def bulk(
    settings: Settings,
    pool: asyncpg.Pool,
    js: JetStreamContext,
    spec: ConsumerSpec,
    n: int,
    batch: int,
) -> float:
    """The platform's BulkRunner; returns seconds for n events."""
    seen = 0

    async def project(ctx: Context, items: Sequence[Item]) -> None:
        conn = ctx.conn
        nonlocal seen
        await conn.execute(PROJECT, *columns([i.event for i in items]))
        seen += len(items)

    runner = BulkRunner(
        Settler(pool, SCHEMA, spec, settings.retry_delays), js, project, batch=batch
    )
    started = time.perf_counter()
    task = asyncio.create_task(runner.run())
    while seen < n:
        if task.done():
            task.result()
            raise RuntimeError("bulk runner stopped early")
        await asyncio.sleep(0.02)
    took = time.perf_counter() - started
    runner.stop()
    await asyncio.wait_for(task, 10)
    return took


async def main(args: argparse.Namespace) -> None:
    header(f"replay {args.events:,} events into a fresh projection (fetch batch {args.batch})")
    async with environment("replay") as env:
        await migrate(env.url, (SCHEMA,))
        conn = await asyncpg.connect(env.url)
        nc = await nats.connect(env.servers.nats_url)
        js = nc.jetstream()
        settings = Settings(nats_url=env.servers.nats_url, database_url=env.url)
        pool = await create_pool(settings, SCHEMA)
        try:
            async with conn.transaction():
                await conn.execute(f"SET LOCAL ROLE kefu_{SCHEMA}")
                await conn.execute(
                    f"CREATE TABLE {SCHEMA}.complaint_view (complaint_id text PRIMARY KEY,"
                    " customer_id text, department text, severity text, opened_at timestamptz)"
                )
            await streams.declare(js, ())
            await js.purge_stream("EVENTS")
            started = time.perf_counter()
            await publish(js, args.events)
            took = time.perf_counter() - started
            print(f"  published {args.events:,} in {took:.1f}s ({args.events / took:,.0f}/s)")
            figures: dict[str, float] = {}
            for name in ("raw", "bulk"):
                spec = ConsumerSpec(
                    SCHEMA, f"bench_replay_{name}", ("complaint.opened",), max_ack_pending=20000
                )
                await fresh(conn, js, spec)
                if name == "raw":
                    figures[name] = await raw(pool, js, spec, args.events, args.batch)
                else:
                    figures[name] = await bulk(settings, pool, js, spec, args.events, args.batch)
                rows = await conn.fetchval(f"SELECT count(*) FROM {SCHEMA}.complaint_view")
                print(
                    f"  {name}: {figures[name]:.1f}s ({args.events / figures[name]:,.0f}/s),"
                    f" projection rows {rows:,}",
                    flush=True,
                )
                if rows != args.events:
                    raise AssertionError(f"{name}: {rows} rows for {args.events} events")
        finally:
            await pool.close()
            await nc.close()
            await conn.close()
    print()
    n = args.events
    result(
        "raw fetch + unnest baseline", f"{figures['raw']:6.1f} s  {n / figures['raw']:8,.0f}/s", 1.0
    )
    ratio = figures["raw"] / figures["bulk"]
    ok = figures["bulk"] < TARGET_SECONDS * n / 1_000_000 and ratio >= 0.8
    result(
        "bulk runner (platform)",
        f"{figures['bulk']:6.1f} s  {n / figures['bulk']:8,.0f}/s",
        ratio,
        f"< {TARGET_SECONDS * n / 1_000_000:.0f} s and ≥ 0.80×  {verdict(ok)}",
    )
    print("(ratio = bulk throughput / raw throughput; the time target scales with --events)")
    footer()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=100, help="fetch batch (Runtime uses 100)")
    asyncio.run(main(parser.parse_args()))
