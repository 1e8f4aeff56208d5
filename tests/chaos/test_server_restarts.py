"""NATS and Postgres restart under load: nothing lost, nothing twice, retries not drops."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict
from typing import Any

import pytest
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from shared import outbox, streams
from shared.bus import Settler
from shared.db import transaction
from tests.chaos.conftest import (
    complaint,
    consumer,
    dead_letters,
    deliveries,
    effect_counts,
    effect_keys,
    publish,
    recording_service,
    relay_latency,
    restart_nats,
    restart_postgres,
    running,
    settled,
    stream_msg_ids,
    wait_for,
)

pytestmark = pytest.mark.chaos


@pytest.mark.parametrize("mode", ["handler", "bulk"])
async def test_nats_restart_under_load_consumes_everything_once_and_relays_the_backlog(
    mode: str, pool, js: JetStreamContext, chaos_settings, chaos_servers
) -> None:
    spec = consumer(f"natsrestart_{mode}", ack_wait=5.0)
    await streams.declare(js, (spec,))
    produced: list[str] = []
    stop_producing = asyncio.Event()

    async def produce() -> None:
        """State changes with their events, through the outbox, at a steady rate."""
        while not stop_producing.is_set():
            events = [complaint() for _ in range(40)]
            async with pool.acquire() as conn, transaction(conn):
                await outbox.add(conn, *events)
            produced.extend(str(e.event_id) for e in events)
            await asyncio.sleep(0.05)

    async with running(recording_service(spec, mode=mode), chaos_settings):
        producer = asyncio.create_task(produce())
        await asyncio.sleep(2.0)
        before_outage = len(produced)
        outage = await restart_nats(chaos_servers, down_seconds=3.0)
        during_outage = produced[before_outage:]
        await asyncio.sleep(2.0)
        stop_producing.set()
        await producer
        total = len(produced)

        async def drained() -> bool:
            async with pool.acquire() as conn:
                unsent = await conn.fetchval("SELECT count(*) FROM outbox")
            return (
                unsent == 0
                and await settled(js, spec.durable)
                and (await effect_counts(pool))[0] >= total
            )

        t0 = time.monotonic()
        await wait_for(drained, timeout=60, interval=0.2, what="backlog relayed and consumed")
        catch_up = time.monotonic() - t0

    on_stream = await stream_msg_ids(js)
    assert len(during_outage) > 0
    assert all(on_stream[i] == 1 for i in during_outage), "outage-time events: once each"
    assert sum(on_stream.values()) == total and set(on_stream) == set(produced)
    assert await effect_counts(pool) == (total, total)
    assert set(await effect_keys(pool)) == set(produced)
    print(
        f"\nFIGURES nats-restart [{mode}]: events={total} written_during_outage={len(during_outage)} "
        f"outage={outage:.1f}s stream_messages={sum(on_stream.values())} effects={total} "
        f"distinct={total} deliveries={await deliveries(js, spec.durable)} "
        f"catch_up_after_producer={catch_up:.1f}s"
    )


@pytest.mark.parametrize("mode", ["handler", "bulk"])
async def test_postgres_restart_under_load_retries_with_delays_and_drops_nothing(
    mode: str, pool, js: JetStreamContext, chaos_settings, chaos_servers, monkeypatch
) -> None:
    n = 3000
    delays = (0.5, 1.0, 2.0, 4.0)
    spec = consumer(f"pgrestart_{mode}", ack_wait=5.0, max_deliver=8)
    await streams.declare(js, (spec,))
    events = [complaint() for _ in range(n)]
    await publish(js, events)
    failures: dict[int, list[tuple[float, int]]] = defaultdict(list)
    original = Settler.failed

    async def recording_failed(self: Settler, msg: Msg, *args: Any, **kw: Any) -> None:
        md = msg.metadata
        failures[md.sequence.stream].append((time.monotonic(), md.num_delivered))
        await original(self, msg, *args, **kw)

    monkeypatch.setattr(Settler, "failed", recording_failed)
    # Polling every 5 s: a quick relay after the restart can only come from NOTIFY.
    settings = chaos_settings.model_copy(update={"retry_delays": delays, "relay_poll_seconds": 5.0})
    async with running(recording_service(spec, mode=mode, work_seconds=0.002), settings):

        async def a_quarter_done() -> bool:
            return (await effect_counts(pool))[0] >= n // 4

        await wait_for(a_quarter_done, timeout=60, interval=0.02, what="a quarter done")
        outage = await restart_postgres(chaos_servers, down_seconds=3.0)

        async def all_done() -> bool:
            try:
                return await settled(js, spec.durable) and (await effect_counts(pool))[0] >= n
            except OSError:
                return False

        t0 = time.monotonic()
        await wait_for(all_done, timeout=60, interval=0.2, what="every event handled")
        recovery = time.monotonic() - t0
        await relay_latency(
            settings.database_url, js
        )  # the first may wait out the relay's error back-off
        notify = max([await relay_latency(settings.database_url, js) for _ in range(3)])

    assert await effect_counts(pool) == (n, n)
    assert set(await effect_keys(pool)) == {str(e.event_id) for e in events}
    assert await dead_letters(pool) == []
    failed_msgs = len(failures)
    attempts = sum(len(v) for v in failures.values())
    assert failed_msgs > 0, "the outage must have made handlers fail"
    max_delivered = max(d for v in failures.values() for _, d in v)
    assert max_delivered < spec.max_deliver
    # Polling would take up to 5 s; only NOTIFY relays within half of that.
    poll = settings.relay_poll_seconds
    assert notify < poll / 2, f"relay not woken by NOTIFY after the restart ({notify:.1f}s)"
    # Each retry waited for the scheduled delay after the delivery that failed.
    gaps = [
        (b[0] - a[0], delays[min(a[1], len(delays)) - 1])
        for v in failures.values()
        for a, b in itertools.pairwise(v)
    ]
    assert gaps and all(gap >= want * 0.9 for gap, want in gaps), min(
        gaps, key=lambda g: g[0] / g[1]
    )
    print(
        f"\nFIGURES postgres-restart [{mode}]: N={n} effects={n} distinct={n} dead_letters=0 "
        f"outage={outage:.1f}s failed_messages={failed_msgs} failed_attempts={attempts} "
        f"max_delivery={max_delivered}/{spec.max_deliver} retry_gaps_checked={len(gaps)} "
        f"min_gap_ratio={min(g / w for g, w in gaps):.2f} recovery_after_restart={recovery:.1f}s "
        f"relay_latency_after_restart={notify * 1000:.0f}ms (poll 5s) "
        f"deliveries={await deliveries(js, spec.durable)}"
    )
