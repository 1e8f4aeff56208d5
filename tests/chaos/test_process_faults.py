"""A consumer process dies: kill -9 mid-batch, SIGTERM under load, a crash on the last delivery."""

from __future__ import annotations

import asyncio
import json
import signal
import time

import pytest
from nats.js import JetStreamContext

from shared import advisories, streams
from tests.chaos.conftest import (
    complaint,
    consumer,
    dead_letters,
    deliveries,
    effect_counts,
    effect_keys,
    publish,
    settled,
    wait_for,
    worker_args,
)

pytestmark = pytest.mark.chaos


@pytest.mark.parametrize("mode", ["handler", "bulk"])
async def test_kill_9_mid_batch_loses_nothing_and_duplicates_nothing(
    mode: str, pool, js: JetStreamContext, workers
) -> None:
    n = 3000
    spec = consumer(f"kill_{mode}", ack_wait=3.0)
    await streams.declare(js, (spec,))
    events = [complaint() for _ in range(n)]
    await publish(js, events)
    args = {**worker_args(spec), "mode": mode, "work_seconds": 0.02 if mode == "handler" else 0.1}

    w1 = workers(label="w1", **args)
    await w1.ready()

    async def a_third_done() -> bool:
        return (await effect_counts(pool))[0] >= n // 3

    await wait_for(a_third_done, timeout=60, interval=0.02, what="a third of the effects")

    async def mid_batch() -> int:
        return (await js.consumer_info("EVENTS", spec.durable)).num_ack_pending

    in_flight = await wait_for(mid_batch, timeout=10, interval=0.005, what="a batch in flight")
    w1.signal(signal.SIGKILL)
    assert await w1.wait(5) == -signal.SIGKILL
    by_w1 = (await effect_counts(pool, "w1"))[0]
    assert n // 3 <= by_w1 < n

    started = time.monotonic()
    w2 = workers(label="w2", **args)
    await w2.ready()

    async def all_done() -> bool:
        return await settled(js, spec.durable) and (await effect_counts(pool))[0] >= n

    await wait_for(all_done, timeout=60, interval=0.1, what="every event handled")
    recovery = time.monotonic() - started
    await _quiet_period(spec.ack_wait + 1)  # a late redelivery would show up as a duplicate now
    rows, distinct = await effect_counts(pool)
    keys = await effect_keys(pool)
    assert (rows, distinct) == (n, n)
    assert set(keys) == {str(e.event_id) for e in events}
    assert not await dead_letters(pool)
    total = await deliveries(js, spec.durable)
    assert total > n, "the batch in flight at the kill was delivered again"
    print(
        f"\nFIGURES kill-9 [{mode}]: N={n} effects={rows} distinct={distinct} "
        f"w1_committed={by_w1} in_flight_at_kill={in_flight} deliveries={total} "
        f"redelivered={total - n} recovery={recovery:.1f}s"
    )


async def _quiet_period(seconds: float) -> None:
    await asyncio.sleep(seconds)


async def test_sigterm_under_load_finishes_in_flight_work_and_exits_0(
    pool, js: JetStreamContext, workers
) -> None:
    # A generous graceful timeout: in-flight work takes well under a second, so a stop that
    # reaches the timeout means it sat it out, however busy the machine is.
    n, graceful = 2000, 10.0
    spec = consumer("sigterm", ack_wait=5.0)
    await streams.declare(js, (spec,))
    events = [complaint() for _ in range(n)]
    await publish(js, events)
    args = {**worker_args(spec), "work_seconds": 0.05, "graceful_timeout": graceful}

    w1 = workers(label="w1", **args)
    await w1.ready()

    async def under_way() -> bool:
        return (await effect_counts(pool))[0] >= n * 2 // 5

    await wait_for(under_way, timeout=60, interval=0.02, what="40% of the effects")
    in_flight = (await js.consumer_info("EVENTS", spec.durable)).num_ack_pending
    signalled_at, t0 = time.time(), time.monotonic()
    w1.signal(signal.SIGTERM)
    status = await w1.wait(graceful + 10)
    stop_seconds = time.monotonic() - t0
    assert status == 0, w1.tail()
    assert stop_seconds < graceful, f"took {stop_seconds:.1f}s to stop: it sat out the timeout"

    info = await js.consumer_info("EVENTS", spec.durable)
    acked_by_w1 = int(info.delivered.consumer_seq or 0) - info.num_ack_pending
    by_w1 = (await effect_counts(pool, "w1"))[0]
    async with pool.acquire() as conn:
        finished_after_signal = await conn.fetchval(
            "SELECT count(*) FROM effects WHERE worker = 'w1' AND at > to_timestamp($1)",
            signalled_at,
        )
    assert in_flight > 0 and finished_after_signal > 0, "in-flight work is finished, not dropped"
    assert by_w1 >= acked_by_w1, "a message was acked whose effect was never committed"
    assert by_w1 < n

    w2 = workers(label="w2", **args)
    await w2.ready()

    async def all_done() -> bool:
        return await settled(js, spec.durable) and (await effect_counts(pool))[0] >= n

    await wait_for(all_done, timeout=60, interval=0.1, what="the rest drained by a new worker")
    await _quiet_period(1.0)
    assert await effect_counts(pool) == (n, n)
    assert set(await effect_keys(pool)) == {str(e.event_id) for e in events}
    print(
        f"\nFIGURES sigterm: N={n} in_flight_at_signal={in_flight} exit={status} "
        f"stop={stop_seconds:.2f}s (graceful {graceful}s) w1_committed={by_w1} "
        f"w1_acked={acked_by_w1} finished_after_signal={finished_after_signal} "
        f"left_unacked_at_exit={info.num_ack_pending} effects={n} distinct={n}"
    )


async def test_sigterm_abandons_work_past_the_graceful_timeout_uncommitted_and_unacked(
    pool, js: JetStreamContext, workers
) -> None:
    n, graceful = 30, 2.0
    spec = consumer("stuck", ack_wait=4.0)
    await streams.declare(js, (spec,))
    events = [complaint() for _ in range(n)]
    await publish(js, events)
    stuck = workers(
        label="stuck",
        **worker_args(spec),
        work_seconds=60.0,
        graceful_timeout=graceful,
        pool_max=40,
    )
    await stuck.ready()

    async def all_in_flight() -> bool:
        return (await js.consumer_info("EVENTS", spec.durable)).num_ack_pending == n

    await wait_for(all_in_flight, timeout=20, what="every message in a stuck handler")
    await asyncio.sleep(spec.ack_wait + 1)  # kept in progress past the ack wait: no redelivery
    assert await deliveries(js, spec.durable) == n
    t0 = time.monotonic()
    stuck.signal(signal.SIGTERM)
    status = await stuck.wait(30)  # long before the 60 s handlers would end
    stop_seconds = time.monotonic() - t0
    assert status == 0, stuck.tail()
    assert stop_seconds >= graceful * 0.9, f"stopped after {stop_seconds:.1f}s: it did not wait"
    assert await effect_counts(pool) == (0, 0), "an abandoned handler must not commit"
    info = await js.consumer_info("EVENTS", spec.durable)
    assert info.num_ack_pending == n, "an abandoned handler must not ack"

    w2 = workers(label="w2", **worker_args(spec))
    await w2.ready()

    async def all_done() -> bool:
        return await settled(js, spec.durable) and (await effect_counts(pool))[0] >= n

    await wait_for(all_done, timeout=30, what="the abandoned messages redelivered")
    assert await effect_counts(pool) == (n, n)
    assert await effect_counts(pool, "w2") == (n, n)
    print(
        f"\nFIGURES sigterm-stuck: N={n} handler=60s graceful={graceful}s "
        f"stop={stop_seconds:.2f}s exit={status} committed_by_stuck=0 "
        f"redelivered_to_w2={n} deliveries={await deliveries(js, spec.durable)}"
    )


async def test_crash_on_the_last_delivery_reaches_dead_letters_via_the_advisory(
    pool, js: JetStreamContext, workers
) -> None:
    n = 600
    spec = consumer("lastcrash", ack_wait=2.0, max_deliver=2)
    await streams.declare(js, (spec,))
    healthy = [complaint() for _ in range(n)]
    doomed = complaint(customer="crash-me")
    await publish(js, [*healthy[: n // 2], doomed, *healthy[n // 2 :]])
    seq = (await js.stream_info("EVENTS")).state.last_seq - n // 2

    w1 = workers(label="w1", **worker_args(spec), crash_customer="crash-me", retry_delays=(0.3,))
    await w1.ready()
    status = await w1.wait(30)
    crashed_at = time.monotonic()
    assert status == 3, w1.tail()
    assert "crashing on delivery 2" in w1.tail()

    w2 = workers(label="w2", **worker_args(spec))
    await w2.ready()

    async def dead_lettered() -> bool:
        return len(await dead_letters(pool)) == 1

    await wait_for(dead_lettered, timeout=30, what="the advisory swept into dead letters")
    swept_after = time.monotonic() - crashed_at

    async def healthy_done() -> bool:
        return await settled(js, spec.durable) and (await effect_counts(pool))[0] >= n

    await wait_for(healthy_done, timeout=30, what="every healthy event handled")
    (dl,) = await dead_letters(pool)
    assert dl["consumer"] == spec.durable and dl["stream_seq"] == seq
    assert dl["deliveries"] == 2 and dl["error"] == advisories.ERROR
    assert json.loads(dl["body"])["event_id"] == str(doomed.event_id)
    keys = await effect_keys(pool)
    assert len(keys) == n and max(keys.values()) == 1
    assert str(doomed.event_id) not in keys
    print(
        f"\nFIGURES last-delivery crash: healthy={n} effects={len(keys)} dead_letters=1 "
        f"(advisory, deliveries=2) swept {swept_after:.1f}s after the crash (ack_wait 2s)"
    )
