"""Handler cost against table size: the same handler with 100k and with 10M rows in its table.

    .venv/bin/python -m bench.growth [--small 100000] [--rows 10000000] [--events 3000]

The table is intake's own `intake.complaints` (all its indexes: uuid primary key, customer,
three keyset-page indexes, opened_at), filled with `INSERT … SELECT generate_series` in chunks.
The handler is the ordinary platform path (Settler: inbox claim → lock the customer → insert the
complaint with intake's query → emit one event to the outbox → commit → ack), fed from a durable
pull consumer. Per size: latency of one message at a time (p50/p99), then throughput with a
fetch of 64 running concurrently, as the Runtime does. The baseline is the small table in the
same run; the target is that the large table costs no more (ratios ≈ 1).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from typing import Any

import asyncpg
import nats
from nats.js import JetStreamContext

from bench.support import (
    Env,
    environment,
    footer,
    header,
    percentile,
    reset_consumer,
    result,
    verdict,
)
from services.intake import queries
from shared import streams
from shared.bus import HandlerContext, Settler
from shared.consumers import ConsumerSpec
from shared.contracts.intake import ComplaintClosed, ComplaintOpened
from shared.contracts.values import Channel, ComplaintCategory, Department, ReceivedBy, Severity
from shared.db import create_pool
from shared.migrate import migrate
from shared.settings import Settings

SCHEMA = "intake"
CUSTOMERS = 100_000
CHUNK = 1_000_000
SPEC = ConsumerSpec(SCHEMA, "bench_growth", ("complaint.opened",), max_ack_pending=20000)


async def fill(conn: asyncpg.Connection, upto: int) -> float:
    """Grow intake.complaints to `upto` rows (generate_series in chunks); return seconds."""
    started = time.perf_counter()
    have = int(await conn.fetchval("SELECT count(*) FROM intake.complaints"))
    # The generated rows are valid (every customer exists): skip the per-row FK trigger.
    await conn.execute("SET session_replication_role = replica")
    while have < upto:
        n = min(CHUNK, upto - have)
        await conn.execute(
            """INSERT INTO intake.complaints (id, customer_id, branch_id, channel, category,
                 severity, description, department, status, received_by, received_by_sub,
                 opened_at, created_by, created_at)
               SELECT gen_random_uuid(), c.ids[1 + (i * 7919) % cardinality(c.ids)],
                 'SH' || lpad((i % 40)::text, 2, '0'),
                 (ARRAY['phone','visit','reception','department'])[1 + i % 4],
                 (ARRAY['quality','service','delay','billing','logistics','other'])[1 + i % 6],
                 (ARRAY['low','normal','high','urgent'])[1 + i % 4],
                 '卫生间墙面开裂, 第' || i || '号',
                 (ARRAY['design','engineering','aftersales','logistics','finance'])[1 + i % 5],
                 (ARRAY['open','in_progress','escalated','resolved','closed'])[1 + i % 5],
                 'cs', 'agent-' || (i % 50), t, 'agent-' || (i % 50), t
               FROM generate_series($1::bigint, $2::bigint) AS i,
                 LATERAL (SELECT now() - interval '730 days' * (1 - i::float8 / $3) AS t) AS ts,
                 (SELECT array_agg(id) AS ids FROM intake.customers) AS c""",
            have + 1,
            have + n,
            upto,
        )
        have += n
        print(f"    {have:,} rows ({time.perf_counter() - started:.0f}s)", flush=True)
    await conn.execute("RESET session_replication_role")
    await conn.execute("VACUUM ANALYZE intake.complaints")
    return time.perf_counter() - started


async def publish(js: JetStreamContext, customers: list[str], n: int) -> None:
    """n ComplaintOpened events about existing customers."""
    rng = random.Random(n)
    futures = []
    for _ in range(n):
        e = ComplaintOpened(
            complaint_id=str(uuid.uuid4()),
            customer_id=rng.choice(customers),
            department=Department.ENGINEERING,
            channel=Channel.PHONE,
            category=ComplaintCategory.QUALITY,
            severity=Severity.NORMAL,
            received_by=ReceivedBy.CS,
            received_by_sub="agent-1",
            description="卫生间墙面开裂",
            source="bench",
        )
        futures.append(
            await js.publish_async(e.SUBJECT, e.to_json(), headers={"Nats-Msg-Id": str(e.event_id)})
        )
    await asyncio.gather(*futures)


async def on_opened(e: ComplaintOpened, ctx: HandlerContext) -> None:
    """A handler-like write: lock the customer, insert the complaint, emit one event."""
    customer = await queries.lock_customer(ctx.conn, id=e.customer_id)
    assert customer is not None
    await queries.insert_complaint(
        ctx.conn,
        id=e.complaint_id,
        customer_id=e.customer_id,
        branch_id="SH01",
        channel=e.channel.value,
        category=e.category.value,
        severity=e.severity.value,
        description=e.description or "",
        department=e.department.value,
        assignee=None,
        status="open",
        received_by="cs",
        received_by_sub="agent-1",
        subject_kind=None,
        subject_id=None,
        opened_at=e.occurred_at,
        version=1,
        created_by="bench",
    )
    await ctx.emit(
        ComplaintClosed(
            complaint_id=e.complaint_id, customer_id=e.customer_id, department=e.department
        )
    )


async def measure(
    env: Env, js: JetStreamContext, pool: asyncpg.Pool, customers: list[str], args: Any
) -> tuple[list[float], float]:
    """Sequential latencies (ms) of `events` messages, then concurrent throughput (events/s)."""
    await js.purge_stream("EVENTS")
    await reset_consumer(js, SPEC.stream, SPEC.durable)
    await streams.declare(js, (SPEC,))
    settler = Settler(pool, SCHEMA, SPEC, (1.0, 5.0))
    sub = await js.pull_subscribe_bind(durable=SPEC.durable, stream=SPEC.stream)
    await publish(js, customers, args.events)
    latencies: list[float] = []
    while len(latencies) < args.events:
        for m in await sub.fetch(64, timeout=5):
            t = time.perf_counter()
            await settler.handle(m, on_opened)
            latencies.append((time.perf_counter() - t) * 1000)
    n = args.events * 3
    await publish(js, customers, n)
    done, started = 0, time.perf_counter()
    while done < n:
        msgs = await sub.fetch(64, timeout=5)
        await asyncio.gather(*(settler.handle(m, on_opened) for m in msgs))
        done += len(msgs)
    rate = n / (time.perf_counter() - started)
    await sub.unsubscribe()
    return latencies, rate


def text(lat: list[float], rate: float) -> str:
    return (
        f"p50 {percentile(lat, 50):5.2f} ms  p99 {percentile(lat, 99):5.2f} ms"
        f"  concurrent {rate:6,.0f}/s"
    )


async def main(args: argparse.Namespace) -> None:
    header(f"handler cost with {args.small:,} vs {args.rows:,} rows in intake.complaints")
    async with environment("growth") as env:
        await migrate(env.url, (SCHEMA,))
        conn = await asyncpg.connect(env.url)
        nc = await nats.connect(env.servers.nats_url)
        js = nc.jetstream()
        await streams.declare(js, ())
        settings = Settings(nats_url=env.servers.nats_url, database_url=env.url)
        pool = await create_pool(settings, SCHEMA)
        try:
            await conn.execute(
                "INSERT INTO intake.customers (id, name, phone)"
                " SELECT gen_random_uuid(), '客户' || i, '138' || lpad(i::text, 8, '0')"
                " FROM generate_series(1, $1) AS i",
                CUSTOMERS,
            )
            customers = [str(r[0]) for r in await conn.fetch("SELECT id FROM intake.customers")]
            print(f"  filling to {args.small:,} rows", flush=True)
            await fill(conn, args.small)
            small = await measure(env, js, pool, customers, args)
            print(f"  {args.small:>11,} rows: {text(*small)}", flush=True)
            print(f"  filling to {args.rows:,} rows", flush=True)
            took = await fill(conn, args.rows)
            size = await conn.fetchval(
                "SELECT pg_size_pretty(pg_total_relation_size('intake.complaints'))"
            )
            print(f"    filled in {took:.0f}s; table with indexes {size}", flush=True)
            large = await measure(env, js, pool, customers, args)
            print(f"  {args.rows:>11,} rows: {text(*large)}", flush=True)
        finally:
            await pool.close()
            await nc.close()
            await conn.close()
    print()
    (s_lat, s_rate), (l_lat, l_rate) = small, large
    p50_ratio = percentile(l_lat, 50) / percentile(s_lat, 50)
    p99_ratio = percentile(l_lat, 99) / percentile(s_lat, 99)
    result(f"handler, {args.small:,} rows (baseline)", text(s_lat, s_rate), 1.0)
    result(
        f"handler, {args.rows:,} rows",
        text(l_lat, l_rate),
        p50_ratio,
        f"p50 ≤ 1.25× and throughput ≥ 0.8×  {verdict(p50_ratio <= 1.25 and l_rate >= 0.8 * s_rate)}",
    )
    print(
        f"(ratio = p50 large / p50 small; p99 ratio {p99_ratio:.2f}×,"
        f" throughput ratio {l_rate / s_rate:.2f}×)"
    )
    footer()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=100_000, help="rows in the small table")
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows in the large table")
    parser.add_argument("--events", type=int, default=3000, help="events timed one at a time")
    asyncio.run(main(parser.parse_args()))
