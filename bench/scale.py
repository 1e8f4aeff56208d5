"""Replicas 1 → 2 → 4 of one ordinary consumer on the same durable: throughput, duplicates.

    .venv/bin/python -m bench.scale [--events 30000] [--replicas 1 2 4]

Each replica is its own process running the platform Runtime (FastStream pull, inbox, one effect
row per event, ack after commit). Per replica count: the durable is created paused, the events
are published, the replicas start and report ready, then the durable is resumed and the clock
runs until every event has its effect. Throughput is N / that time; "steady" is the middle 80 %
of effects over their database timestamps (start-up and tail left out). Duplicate effects =
rows − distinct event ids (the effects table has no unique key: only the inbox prevents them).
The baseline is the single replica of the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import asyncpg
import nats
from nats.js import JetStreamContext

from bench.consume import publish
from bench.support import (
    Child,
    Env,
    environment,
    footer,
    header,
    reset_consumer,
    result,
    stop_all,
    verdict,
    wait_count,
)
from shared import streams
from shared.consumers import ConsumerSpec
from shared.migrate import migrate

SCHEMA = "platformtest"


async def run(
    env: Env, js: JetStreamContext, conn: asyncpg.Connection, replicas: int, n: int
) -> tuple[float, float, int]:
    """One replica count; returns (events/s, steady events/s, duplicate effects)."""
    spec = ConsumerSpec(SCHEMA, "bench_scale", ("complaint.opened",), max_ack_pending=20000)
    await conn.execute(f"TRUNCATE {SCHEMA}.effects, {SCHEMA}.inbox")
    await js.purge_stream("EVENTS")
    await reset_consumer(js, spec.stream, spec.durable)
    await streams.declare(js, (spec,))
    await js.pause_consumer(spec.stream, spec.durable, "2999-01-01T00:00:00Z")
    await publish(js, n)
    children = [
        Child(
            "bench.worker",
            {
                "mode_name": "consumer",
                "label": f"r{i}",
                "service": SCHEMA,
                "consumer": spec.name,
                "nats_url": env.servers.nats_url,
                "database_url": env.url,
            },
            env.home / f"scale-{replicas}-{i}.log",
        )
        for i in range(replicas)
    ]
    try:
        await asyncio.gather(*(c.ready() for c in children))
        started = time.perf_counter()
        await js.resume_consumer(spec.stream, spec.durable)
        await wait_count(conn, f"SELECT count(*) FROM {SCHEMA}.effects", n, 600, 0.05)
        took = time.perf_counter() - started
    finally:
        await stop_all(children)
    rows, distinct, t10, t90 = await conn.fetchrow(
        f"SELECT count(*), count(DISTINCT key),"
        f" percentile_disc(0.1) WITHIN GROUP (ORDER BY at),"
        f" percentile_disc(0.9) WITHIN GROUP (ORDER BY at) FROM {SCHEMA}.effects"
    )
    per = await conn.fetch(
        f"SELECT worker, count(*) AS n FROM {SCHEMA}.effects GROUP BY 1 ORDER BY 1"
    )
    steady = 0.8 * n / max((t90 - t10).total_seconds(), 1e-9)
    dups = rows - distinct
    print(
        f"  {replicas} replica(s): {n / took:7,.0f}/s  steady {steady:7,.0f}/s  effects {rows}"
        f" distinct {distinct} duplicates {dups}  ({', '.join(f'{r[0]} {r[1]}' for r in per)})",
        flush=True,
    )
    if distinct != n:
        raise AssertionError(f"{distinct} distinct effects for {n} events")
    return n / took, steady, dups


async def main(args: argparse.Namespace) -> None:
    header(f"replicas {args.replicas} of one consumer (processes), {args.events:,} events each")
    async with environment("scale") as env:
        await migrate(env.url, (SCHEMA,))
        conn = await asyncpg.connect(env.url)
        nc = await nats.connect(env.servers.nats_url)
        js = nc.jetstream()
        await streams.declare(js, ())
        try:
            async with conn.transaction():
                await conn.execute(f"SET LOCAL ROLE kefu_{SCHEMA}")
                await conn.execute(
                    f"CREATE TABLE {SCHEMA}.effects (key text, worker text,"
                    " at timestamptz DEFAULT clock_timestamp())"
                )
            figures = {r: await run(env, js, conn, r, args.events) for r in args.replicas}
        finally:
            await nc.close()
            await conn.close()
    print()
    base, _, _ = figures[args.replicas[0]]
    previous = 0.0
    for r, (rate, steady, dups) in figures.items():
        rises = rate > previous
        previous = rate
        target = (
            f"rises, 0 duplicates  {verdict(rises and dups == 0)}" if r != args.replicas[0] else ""
        )
        result(
            f"{r} replica(s) (steady {steady:,.0f}/s, {dups} duplicates)",
            f"{rate:9,.0f} events/s",
            rate / base,
            target,
        )
    print(f"(ratio = throughput / {args.replicas[0]} replica(s) in the same run)")
    footer()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=30000)
    parser.add_argument("--replicas", type=int, nargs="*", default=[1, 2, 4])
    asyncio.run(main(parser.parse_args()))
