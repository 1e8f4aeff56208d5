"""Faults in the messages themselves: slow handlers, poison, duplicates beyond the window."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from typing import Any

import asyncpg
import pytest
from nats.js import JetStreamContext

from shared import streams
from shared.bus import HandlerContext
from shared.consumers import ConsumerSpec
from shared.contracts.intake import CustomerRegistered
from shared.service import ServiceDef
from tests.chaos.conftest import (
    SCHEMA,
    complaint,
    consumer,
    dead_letters,
    deliveries,
    effect_counts,
    publish,
    recording_service,
    running,
    settled,
    wait_for,
)

pytestmark = pytest.mark.chaos


async def test_handler_slower_than_the_ack_wait_runs_exactly_once(
    pool, js: JetStreamContext, chaos_settings
) -> None:
    slow_n, fast_n, work = 60, 3000, 5.0
    slow_spec = ConsumerSpec(
        SCHEMA, f"chaos_slow_{uuid.uuid4().hex[:6]}", ("customer.registered",), ack_wait=2.0
    )
    fast_spec = consumer("busy")  # load on the same process while the slow ones sleep
    await streams.declare(js, (slow_spec, fast_spec))
    calls: Counter[str] = Counter()

    async def slow(event: Any, ctx: HandlerContext) -> None:
        calls[str(event.event_id)] += 1
        await asyncio.sleep(work)
        await ctx.conn.execute(
            "INSERT INTO effects (key, worker) VALUES ($1, 'slow')", str(event.event_id)
        )

    async def fast(event: Any, ctx: HandlerContext) -> None:
        await ctx.conn.execute(
            "INSERT INTO effects (key, worker) VALUES ($1, 'fast')", str(event.event_id)
        )

    svc = ServiceDef(
        name=SCHEMA,
        consumers=(slow_spec, fast_spec),
        handlers=[(slow_spec.name, slow), (fast_spec.name, fast)],
    )
    slow_events = [
        CustomerRegistered(customer_id=f"c{i}", name="顾客", phone=f"1380000{i:04d}")
        for i in range(slow_n)
    ]
    await publish(js, slow_events)
    settings = chaos_settings.model_copy(update={"pool_max": slow_n + 20})
    started = time.monotonic()
    async with running(svc, settings):
        await publish(js, [complaint() for _ in range(fast_n)])

        async def done() -> bool:
            return (
                await settled(js, slow_spec.durable)
                and await settled(js, fast_spec.durable)
                and (await effect_counts(pool))[0] >= slow_n + fast_n
            )

        await wait_for(done, timeout=60, interval=0.1, what="slow and busy consumers done")
        elapsed = time.monotonic() - started
        await asyncio.sleep(slow_spec.ack_wait * 1.5)  # a redelivery would call the handler again

    assert len(calls) == slow_n and set(calls.values()) == {1}, calls.most_common(3)
    assert await effect_counts(pool, "slow") == (slow_n, slow_n)
    assert await effect_counts(pool, "fast") == (fast_n, fast_n)
    assert await deliveries(js, slow_spec.durable) == slow_n, "no slow message was redelivered"
    print(
        f"\nFIGURES slow-handler: {slow_n} handlers x {work}s with ack_wait={slow_spec.ack_wait}s "
        f"beside {fast_n} busy events: invocations={sum(calls.values())} effects={slow_n} "
        f"deliveries={await deliveries(js, slow_spec.durable)} elapsed={elapsed:.1f}s"
    )


def poison_service(spec: ConsumerSpec) -> ServiceDef:
    async def handle(event: Any, ctx: HandlerContext) -> None:
        if event.customer_id == "poison":
            raise RuntimeError(f"poison pill {event.event_id}")
        await ctx.conn.execute(
            "INSERT INTO effects (key, worker) VALUES ($1, 'h')", str(event.event_id)
        )

    return ServiceDef(name=SCHEMA, consumers=(spec,), handlers=[(spec.name, handle)])


async def _run_once(
    pool: asyncpg.Pool, js: JetStreamContext, settings: Any, n: int, poison_every: int
) -> tuple[float, int, list[asyncpg.Record]]:
    """Publish n messages (every k-th poison), consume them; return healthy events/s."""
    async with pool.acquire() as conn:
        await conn.execute("TRUNCATE effects, inbox, dead_letters")
    for name in ("EVENTS", "ADVISORIES"):
        await js.purge_stream(name)
    spec = consumer("poison" if poison_every else "clean", max_deliver=3)
    await streams.declare(js, (spec,))
    poison = 0
    healthy = []
    for i in range(n):
        if poison_every and i % poison_every == poison_every // 2:
            poison += 1
            if poison % 2:  # half fail in the handler every time, half are not even valid
                await publish(js, [complaint(customer="poison")])
            else:
                await js.publish(
                    "complaint.opened",
                    b'{"complaint_id": 7, "severity": "apocalyptic"}',
                    headers={"Nats-Msg-Id": f"garbage-{uuid.uuid4()}"},
                )
        else:
            healthy.append(complaint())
    await publish(js, healthy)
    async with running(poison_service(spec), settings):

        async def done() -> bool:
            return (await effect_counts(pool))[0] >= len(healthy) and len(
                await dead_letters(pool)
            ) >= poison

        await wait_for(done, timeout=90, interval=0.1, what="healthy handled, poison dead")
        await wait_for(lambda: settled(js, spec.durable), timeout=10)
    async with pool.acquire() as conn:
        span = await conn.fetchval("SELECT extract(epoch FROM max(at) - min(at)) FROM effects")
    rows, distinct = await effect_counts(pool)
    assert (rows, distinct) == (len(healthy), len(healthy))
    return len(healthy) / float(span), poison, await dead_letters(pool)


async def test_one_percent_poison_reaches_dead_letters_without_hurting_throughput(
    pool, js: JetStreamContext, chaos_settings
) -> None:
    n, rounds = 3000, 2
    settings = chaos_settings.model_copy(update={"retry_delays": (0.2, 0.4)})
    await _run_once(pool, js, settings, 1000, poison_every=0)  # warm-up, not measured
    clean: list[float] = []
    poisoned: list[float] = []
    for r in range(rounds):  # interleaved, alternating order, so machine noise hits both alike
        for poison_every in (0, 100) if r % 2 == 0 else (100, 0):
            rate, poison, dls = await _run_once(pool, js, settings, n, poison_every)
            (poisoned if poison_every else clean).append(rate)
            if not poison_every:
                assert poison == 0 and dls == []
                continue
            assert poison == n // 100 and len(dls) == poison
            failing = [d for d in dls if d["deliveries"] == 3]
            invalid = [d for d in dls if d["deliveries"] == 1]
            assert len(failing) == (poison + 1) // 2 and len(invalid) == poison // 2
            assert all(
                "poison pill" in d["error"] and "after 3 deliveries" in d["error"] for d in failing
            )
            assert all(json.loads(d["body"])["event_id"] in d["error"] for d in failing), (
                "each dead letter carries its own body and error"
            )
            assert all("invalid message" in d["error"] for d in invalid)
    clean_rate, poison_rate = sum(clean) / rounds, sum(poisoned) / rounds
    drop = 1 - poison_rate / clean_rate
    print(
        f"\nFIGURES poison: N={n} x {rounds} rounds, poison=1% ({n // 100}: half failing, half "
        f"invalid) -> dead letters={n // 100} per round; healthy throughput clean="
        f"{[round(r) for r in clean]}/s poisoned={[round(r) for r in poisoned]}/s "
        f"drop={drop:.1%}"
    )
    assert drop < 0.25, f"healthy throughput dropped {drop:.1%} with 1% poison"


async def test_duplicate_publish_beyond_the_dedupe_window_has_one_effect(
    pool, js: JetStreamContext, chaos_settings
) -> None:
    n = 2000
    spec = consumer("dupes")
    await streams.declare(js, (spec,))
    events = [complaint() for _ in range(n)]
    # Each event twice under different Nats-Msg-Ids, as a publisher retrying after the
    # 2-minute window would: half the copies adjacent (same fetch, concurrent), half far apart.
    order = [e for e in events[: n // 2] for _ in (0, 1)] + events[n // 2 :] + events[n // 2 :]
    seen: Counter[str] = Counter()

    def msg_id(e: Any) -> str:
        seen[str(e.event_id)] += 1
        return f"{e.event_id}-copy{seen[str(e.event_id)]}"

    await publish(js, order, msg_id=msg_id)
    assert (await js.stream_info("EVENTS")).state.messages == 2 * n, "JetStream kept both copies"
    async with running(recording_service(spec), chaos_settings):

        async def done() -> bool:
            return await settled(js, spec.durable)

        await wait_for(done, timeout=60, interval=0.1, what="all copies consumed")
    assert await deliveries(js, spec.durable) == 2 * n
    assert await effect_counts(pool) == (n, n)
    async with pool.acquire() as conn:
        assert (
            await conn.fetchval("SELECT count(*) FROM inbox WHERE consumer = $1", spec.durable) == n
        )
    print(f"\nFIGURES duplicates: events={n} published={2 * n} delivered={2 * n} effects={n}")
