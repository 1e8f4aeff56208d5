"""Event end to end: writer's commit → consumer's commit, p50/p99 at a paced rate.

    .venv/bin/python -m bench.latency [--rate 1000] [--seconds 20] [--warmup 2]

A writer process commits one event per transaction at the rate: through the outbox (its relay
publishes after commit, woken in memory by it), and a platform Runtime in this process consumes it
(FastStream pull → inbox → one row stamped with `clock_timestamp()` → commit → ack). The
baseline in the same run: the writer commits a row, then publishes with raw nats-py; a raw
pull fetch + asyncpg insert consumes. Both ends are stamped by the database clock as the last
statement before COMMIT; latency = consumer stamp − writer stamp (docs/ARCHITECTURE.md §11: p99 < 50 ms).
Each path's latency is also split at the time JetStream stored the message (same host clock):
commit → stored (the outbox relay, or the direct publish) and stored → consumer commit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
import uuid
from datetime import datetime

import asyncpg
import nats
from nats.js import JetStreamContext, api

from bench.support import (
    Child,
    Env,
    environment,
    footer,
    header,
    percentile,
    reset_consumer,
    result,
    verdict,
    wait_count,
)
from shared import streams
from shared.bus import HandlerContext
from shared.consumers import ConsumerSpec
from shared.contracts.intake import ComplaintOpened
from shared.db import create_pool
from shared.migrate import migrate
from shared.service import Runtime, ServiceDef
from shared.settings import Settings

SRC, DST = "benchsrc", "platformtest"
TARGET_P99_MS = 50.0


async def prepare(url: str) -> None:
    """Schemas (platform tables), the writer's and the consumer's stamp tables."""
    await migrate(url, (SRC, DST))
    conn = await asyncpg.connect(url)
    try:
        for schema, ddl in (
            (SRC, "bench_src (event_id uuid PRIMARY KEY, seq int, committed_at timestamptz)"),
            (DST, "bench_dst (event_id uuid PRIMARY KEY, committed_at timestamptz)"),
        ):
            async with conn.transaction():
                await conn.execute(f"SET LOCAL ROLE kefu_{schema}")
                await conn.execute(f"CREATE TABLE {schema}.{ddl}")
    finally:
        await conn.close()


async def raw_consumer(pool: asyncpg.Pool, js: JetStreamContext, spec: ConsumerSpec) -> None:
    """Baseline consumer: nats-py fetch → validate → one insert per fetched batch → ack."""
    sub = await js.pull_subscribe_bind(durable=spec.durable, stream=spec.stream)
    try:
        while True:
            try:
                msgs = await sub.fetch(64, timeout=1)
            except (TimeoutError, nats.errors.TimeoutError):
                continue
            ids = [ComplaintOpened.model_validate_json(m.data).event_id for m in msgs]
            async with pool.acquire() as conn:
                await conn.execute(
                    "INSERT INTO bench_dst (event_id, committed_at)"
                    " SELECT unnest($1::uuid[]), clock_timestamp()",
                    ids,
                )
            await asyncio.gather(*(m.ack() for m in msgs))
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()


async def stored_times(js: JetStreamContext, admin: asyncpg.Connection, n: int) -> None:
    """Read every event's JetStream store time back into a temp table `stored`."""
    sub = await js.pull_subscribe(
        "complaint.opened",
        stream="EVENTS",
        config=api.ConsumerConfig(ack_policy=api.AckPolicy.NONE, inactive_threshold=30.0),
    )
    rows: list[tuple[uuid.UUID, datetime]] = []
    while len(rows) < n:
        for m in await sub.fetch(1000, timeout=5):
            rows.append((uuid.UUID((m.headers or {})["Nats-Msg-Id"]), m.metadata.timestamp))
    await sub.unsubscribe()
    await admin.execute("DROP TABLE IF EXISTS stored")
    await admin.execute("CREATE TEMP TABLE stored (event_id uuid PRIMARY KEY, at timestamptz)")
    await admin.copy_records_to_table("stored", records=rows)


def split(rows: list[asyncpg.Record], key: str) -> str:
    ms = [float(r[key]) for r in rows]
    return f"p50 {percentile(ms, 50):6.1f} ms  p99 {percentile(ms, 99):6.1f} ms"


async def run(env: Env, js: JetStreamContext, mode: str, args: argparse.Namespace) -> list[float]:
    """One path at the paced rate; returns the latencies (ms) after the warm-up."""
    total = int(args.rate * (args.seconds + args.warmup))
    warm = int(args.rate * args.warmup)
    spec = ConsumerSpec(DST, f"bench_latency_{mode}", ("complaint.opened",))
    admin = await asyncpg.connect(env.url)
    await admin.execute(f"TRUNCATE {SRC}.bench_src, {DST}.bench_dst, {DST}.inbox")
    await js.purge_stream("EVENTS")
    await reset_consumer(js, spec.stream, spec.durable)
    await streams.declare(js, (spec,))
    settings = Settings(nats_url=env.servers.nats_url, database_url=env.url, declare_on_start=False)
    runtime: Runtime | None = None
    raw: asyncio.Task[None] | None = None
    pool: asyncpg.Pool | None = None
    if mode == "platform":

        async def on_event(e: ComplaintOpened, ctx: HandlerContext) -> None:
            await ctx.conn.execute(
                "INSERT INTO bench_dst (event_id, committed_at) VALUES ($1, clock_timestamp())",
                e.event_id,
            )

        svc = ServiceDef(name=DST, consumers=(spec,), handlers=[(spec.name, on_event)])
        runtime = Runtime(svc, settings)
        await runtime.start()
    else:
        pool = await create_pool(settings, DST)
        raw = asyncio.create_task(raw_consumer(pool, js, spec))
    child = Child(
        "bench.worker",
        {
            "mode_name": "writer",
            "mode": "outbox" if mode == "platform" else "raw",
            "service": SRC,
            "rate": args.rate,
            "events": total,
            "nats_url": env.servers.nats_url,
            "database_url": env.url,
        },
        env.home / f"writer-{mode}.log",
    )
    try:
        await child.ready()
        await asyncio.sleep(0.5)  # let the consumer's first pull settle
        child.go()
        await wait_count(
            admin, f"SELECT count(*) FROM {DST}.bench_dst", total, args.seconds * 5 + 60, 0.2
        )
        await stored_times(js, admin, total)
        rows = await admin.fetch(
            f"SELECT extract(epoch FROM d.committed_at - s.committed_at) * 1000 AS ms,"
            f" extract(epoch FROM j.at - s.committed_at) * 1000 AS publish,"
            f" extract(epoch FROM d.committed_at - j.at) * 1000 AS consume"
            f" FROM {SRC}.bench_src s JOIN {DST}.bench_dst d USING (event_id)"
            f" JOIN stored j USING (event_id) WHERE s.seq >= $1",
            warm,
        )
        span = await admin.fetchval(
            f"SELECT extract(epoch FROM max(committed_at) - min(committed_at))"
            f" FROM {SRC}.bench_src WHERE seq >= $1",
            warm,
        )
        achieved = (total - warm) / float(span or 1)
        print(
            f"  {mode}: writer achieved {achieved:,.0f} events/s;"
            f" commit → stored in JetStream {split(rows, 'publish')};"
            f" stored → consumer commit {split(rows, 'consume')}",
            flush=True,
        )
    finally:
        await child.stop()
        if runtime is not None:
            await runtime.stop()
        if raw is not None:
            raw.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await raw
        if pool is not None:
            await pool.close()
        await admin.close()
    return [float(r["ms"]) for r in rows]


def summary(ms: list[float]) -> str:
    return (
        f"p50 {percentile(ms, 50):6.1f} ms  p99 {percentile(ms, 99):6.1f} ms"
        f"  max {max(ms):6.1f} ms  (n={len(ms)})"
    )


async def main(args: argparse.Namespace) -> None:
    header(
        f"event end to end (writer commit → consumer commit) at {args.rate:,.0f} events/s,"
        f" {args.seconds:.0f} s + {args.warmup:.0f} s warm-up"
    )
    async with environment("latency") as env:
        await prepare(env.url)
        nc = await nats.connect(env.servers.nats_url)
        js = nc.jetstream()
        await streams.declare(js, ())
        started = time.perf_counter()
        try:
            raw = await run(env, js, "raw", args)
            platform = await run(env, js, "platform", args)
        finally:
            await nc.close()
    p99, base99 = percentile(platform, 99), percentile(raw, 99)
    print()
    result("raw publish → fetch → insert baseline", summary(raw), 1.0)
    result(
        "platform outbox → relay → Runtime → inbox → row",
        summary(platform),
        p99 / base99,
        f"p99 < {TARGET_P99_MS:.0f} ms  {verdict(p99 < TARGET_P99_MS)}",
    )
    print(f"(ratio = platform p99 / baseline p99; run took {time.perf_counter() - started:.0f} s)")
    footer()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=1000.0, help="events per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=2.0, help="uncounted seconds first")
    asyncio.run(main(parser.parse_args()))
