"""Faults in the messages themselves: slow handlers, poison, duplicates beyond the window."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from typing import Any

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
    effect_keys,
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


async def test_one_percent_poison_is_dead_lettered_and_every_healthy_message_handled_once(
    pool, js: JetStreamContext, chaos_settings
) -> None:
    """1 % poison among 3 000: half fail in the handler every time, half are not even valid.
    (What it costs the healthy throughput is a benchmark: bench/poison.py.)"""
    n, every = 3000, 100
    settings = chaos_settings.model_copy(update={"retry_delays": (0.2, 0.4)})
    spec = consumer("poison", max_deliver=3)
    await streams.declare(js, (spec,))
    healthy, failing_ids, invalid_ids = [], [], []
    batch: list[Any] = []  # healthy ones since the last poison, published in stream order
    for i in range(n):
        if i % every != every // 2:
            batch.append(complaint())
            continue
        healthy += batch
        await publish(js, batch)
        batch = []
        if len(failing_ids) <= len(invalid_ids):
            pill = complaint(customer="poison")
            failing_ids.append(str(pill.event_id))
            await publish(js, [pill])
        else:
            msg_id = f"garbage-{uuid.uuid4()}"
            invalid_ids.append(msg_id)
            await js.publish(
                "complaint.opened",
                b'{"complaint_id": 7, "severity": "apocalyptic"}',
                headers={"Nats-Msg-Id": msg_id},
            )
    healthy += batch
    await publish(js, batch)
    poison = len(failing_ids) + len(invalid_ids)
    assert poison == n // every
    async with running(poison_service(spec), settings):

        async def done() -> bool:
            return (await effect_counts(pool))[0] >= len(healthy) and len(
                await dead_letters(pool)
            ) >= poison

        await wait_for(done, timeout=90, interval=0.1, what="healthy handled, poison dead")
        await wait_for(lambda: settled(js, spec.durable), timeout=10)

    keys = await effect_keys(pool)
    assert set(keys) == {str(e.event_id) for e in healthy}, "every healthy message handled"
    assert set(keys.values()) == {1}, "… exactly once"
    dls = await dead_letters(pool)
    assert len(dls) == poison
    failing = [d for d in dls if d["deliveries"] == 3]
    invalid = [d for d in dls if d["deliveries"] == 1]
    assert sorted(json.loads(d["body"])["event_id"] for d in failing) == sorted(failing_ids)
    assert all(
        f"poison pill {json.loads(d['body'])['event_id']}" in d["error"]
        and "after 3 deliveries" in d["error"]
        for d in failing
    ), "each dead letter carries its own body and the reason"
    assert len(invalid) == len(invalid_ids)
    assert all("invalid message" in d["error"] for d in invalid)
    assert all(d["consumer"] == spec.durable for d in dls)
    print(
        f"\nFIGURES poison: N={n}, poison={poison} ({len(failing)} failing, {len(invalid)} "
        f"invalid) -> dead letters={len(dls)}; healthy effects={sum(keys.values())} "
        f"distinct={len(keys)} of {len(healthy)}"
    )


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
