"""Healthy throughput with 1 % poison messages against none, measured in the same run.

    .venv/bin/python -m bench.poison [--events 3000] [--rounds 2]

Per round: N `complaint.opened` events are published to a fresh durable and consumed by the
platform Runtime in this process (ordinary handlers, `max_deliver` 3, retry delays 0.2 / 0.4 s),
one effect row per healthy event. In a poisoned round 1 % are poison: half fail in the handler
every time (a dead letter after 3 deliveries), half are not even valid events (a dead letter at
once). Healthy throughput = healthy effects ÷ (last − first effect time). The baseline is the
clean rounds of the same run, interleaved with the poisoned ones in alternating order after a
warm-up round, so machine noise hits both alike. Target (issue 9): a drop under 10 %.
The property itself (every poison message a dead letter with its reason, every healthy one
handled exactly once) is a test: tests/chaos/test_message_faults.py.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from typing import Any

import asyncpg
import nats
from nats.js import JetStreamContext

from bench.support import environment, footer, header, reset_consumer, result, verdict
from bench.worker import complaint
from shared import streams
from shared.bus import HandlerContext
from shared.consumers import ConsumerSpec
from shared.migrate import migrate
from shared.service import Runtime, ServiceDef
from tests.support.harness import test_settings

SCHEMA = "platformtest"
POISON = "poison"
TARGET_DROP = 0.10


def service(spec: ConsumerSpec) -> ServiceDef:
    """One handler: poison fails every time, anything else writes its effect row."""

    async def handle(event: Any, ctx: HandlerContext) -> None:
        if event.customer_id == POISON:
            raise RuntimeError(f"poison pill {event.event_id}")
        await ctx.conn.execute(
            f"INSERT INTO {SCHEMA}.effects (key) VALUES ($1)", str(event.event_id)
        )

    return ServiceDef(name=SCHEMA, consumers=(spec,), handlers=[(spec.name, handle)])


async def publish(js: JetStreamContext, n: int, poison_every: int) -> tuple[int, int]:
    """Publish n events, every poison_every-th one poison (0: none); (healthy, poison)."""
    healthy = poison = 0
    pending = []
    for i in range(n):
        if poison_every and i % poison_every == poison_every // 2:
            poison += 1
            if poison % 2:  # fails in the handler every time
                e = complaint().model_copy(update={"customer_id": POISON})
                body, msg_id = e.to_json(), str(e.event_id)
            else:  # not a complaint.opened at all
                body, msg_id = b'{"complaint_id": 7, "severity": "apocalyptic"}', str(uuid.uuid4())
        else:
            healthy += 1
            e = complaint()
            body, msg_id = e.to_json(), str(e.event_id)
        pending.append(
            await js.publish_async("complaint.opened", body, headers={"Nats-Msg-Id": msg_id})
        )
        if len(pending) >= 1000:
            await asyncio.gather(*pending)
            pending = []
    await asyncio.gather(*pending)
    return healthy, poison


async def round_(
    settings: Any, conn: asyncpg.Connection, js: JetStreamContext, n: int, poison_every: int
) -> float:
    """One round: healthy events/s; checks that every poison message became a dead letter."""
    await conn.execute(f"TRUNCATE {SCHEMA}.effects, {SCHEMA}.inbox, {SCHEMA}.dead_letters")
    for name in ("EVENTS", "ADVISORIES"):
        await js.purge_stream(name)
    spec = ConsumerSpec(SCHEMA, "bench_poison", ("complaint.opened",), max_deliver=3)
    await reset_consumer(js, spec.stream, spec.durable)
    await streams.declare(js, (spec,))
    healthy, poison = await publish(js, n, poison_every)
    runtime = Runtime(service(spec), settings)
    await runtime.start()
    deadline = time.monotonic() + 300
    try:
        while True:
            done = await conn.fetchval(f"SELECT count(*) FROM {SCHEMA}.effects")
            dead = await conn.fetchval(f"SELECT count(*) FROM {SCHEMA}.dead_letters")
            if done >= healthy and dead >= poison:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{done}/{healthy} effects, {dead}/{poison} dead letters")
            await asyncio.sleep(0.1)
    finally:
        await runtime.stop()
    rows, distinct, span = await conn.fetchrow(
        f"SELECT count(*), count(DISTINCT key), extract(epoch FROM max(at) - min(at))"
        f" FROM {SCHEMA}.effects"
    )
    if (rows, distinct) != (healthy, healthy):
        raise AssertionError(f"{rows} effects ({distinct} distinct) for {healthy} healthy events")
    return healthy / float(span)


async def main(args: argparse.Namespace) -> None:
    header(
        f"healthy throughput, clean vs 1 % poison: {args.events:,} events x {args.rounds} rounds"
    )
    async with environment("poison") as env:
        await migrate(env.url, (SCHEMA,))
        conn = await asyncpg.connect(env.url)
        nc = await nats.connect(env.servers.nats_url)
        js = nc.jetstream()
        await streams.declare(js, ())
        settings = test_settings(env.servers.nats_url, env.url, retry_delays=(0.2, 0.4))
        clean: list[float] = []
        poisoned: list[float] = []
        try:
            await conn.execute(
                f"CREATE TABLE {SCHEMA}.effects (key text,"
                " at timestamptz NOT NULL DEFAULT clock_timestamp())"
            )
            await conn.execute(f"GRANT ALL ON {SCHEMA}.effects TO kefu_{SCHEMA}")
            await round_(settings, conn, js, min(args.events, 1000), 0)  # warm-up, not counted
            for r in range(args.rounds):
                for poison_every in (0, 100) if r % 2 == 0 else (100, 0):
                    rate = await round_(settings, conn, js, args.events, poison_every)
                    (poisoned if poison_every else clean).append(rate)
                    kind = "1 % poison" if poison_every else "clean"
                    print(f"  round {r + 1} {kind:<10}: {rate:7,.0f} healthy/s", flush=True)
        finally:
            await nc.close()
            await conn.close()
    base, figure = sum(clean) / len(clean), sum(poisoned) / len(poisoned)
    drop = 1 - figure / base
    print()
    result("clean (baseline)", f"{base:7,.0f} healthy/s")
    result(
        "1 % poison: dead letters, healthy throughput",
        f"{figure:7,.0f} healthy/s (drop {drop:.1%})",
        figure / base,
        f"drop < {TARGET_DROP:.0%} {verdict(drop < TARGET_DROP)}",
    )
    footer()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2)
    asyncio.run(main(parser.parse_args()))
