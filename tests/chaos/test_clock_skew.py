"""The app's clock is ±5 min off the database's: timers follow the database clock only."""

from __future__ import annotations

import asyncio
import signal
import time
from datetime import timedelta

import httpx
import pytest

from shared import timers
from tests.chaos.conftest import effect_counts, effect_keys, wait_for
from tests.chaos.worker import TIMER_KIND, WorkerProcess
from tooling.embedded import free_port

pytestmark = pytest.mark.chaos
PER_DUE = 100


async def set_db_offset(worker: WorkerProcess, seconds: float) -> None:
    """Move the worker's database clock (test-only offset in its timer queries)."""
    async with httpx.AsyncClient() as client:
        r = await client.post(
            f"http://127.0.0.1:{worker.config.http_port}/_test/clock",
            json={"offset_seconds": seconds},
        )
    assert r.status_code == 200, r.text


async def stays(pool, expected: int, seconds: float) -> None:
    """The effect count is `expected` now and still after `seconds`."""
    assert (await effect_counts(pool))[0] == expected
    await asyncio.sleep(seconds)
    assert (await effect_counts(pool))[0] == expected


async def test_timers_follow_the_database_clock_not_a_skewed_app_clock(pool, workers) -> None:
    async with pool.acquire() as conn:
        db_now = await conn.fetchval("SELECT now()")
        await timers.schedule_many(
            conn,
            [
                (TIMER_KIND, f"due+{s}s-{i}", db_now + timedelta(seconds=s), {})
                for s in (30, 60, 90)
                for i in range(PER_DUE)
            ],
        )

    ahead = workers(label="ahead", mode="timers", clock_skew_seconds=300.0, http_port=free_port())
    info = await ahead.ready()
    assert 295 < info["python_time"] - time.time() < 305, "the worker's clock runs 5 min ahead"
    # By the app's clock every timer is minutes overdue; by the database's none is due.
    await stays(pool, 0, 2.0)

    await set_db_offset(ahead, 45)  # the database clock passes the +30 s timers only

    async def fired(n: int) -> object:
        async def check() -> bool:
            return (await effect_counts(pool))[0] >= n

        return check

    await wait_for(await fired(PER_DUE), timeout=15, what="the +30 s timers")
    await stays(pool, PER_DUE, 1.0)
    await set_db_offset(ahead, 61)
    await wait_for(await fired(2 * PER_DUE), timeout=15, what="the +60 s timers")
    await stays(pool, 2 * PER_DUE, 1.0)
    ahead.signal(signal.SIGTERM)
    ahead_exit = await ahead.wait(15)
    assert ahead_exit in (0, -signal.SIGTERM)  # uvicorn re-raises SIGTERM once shut down

    behind = workers(
        label="behind", mode="timers", clock_skew_seconds=-300.0, http_port=free_port()
    )
    info = await behind.ready()
    assert -305 < info["python_time"] - time.time() < -295, "the worker's clock runs 5 min behind"
    await stays(pool, 2 * PER_DUE, 1.0)
    await set_db_offset(behind, 91)  # by the app's clock nothing would be due for minutes
    await wait_for(await fired(3 * PER_DUE), timeout=15, what="the +90 s timers")
    await asyncio.sleep(1.0)

    keys = await effect_keys(pool)
    assert len(keys) == 3 * PER_DUE and set(keys.values()) == {1}, "each timer fired once"
    assert await effect_counts(pool, "ahead") == (2 * PER_DUE, 2 * PER_DUE)
    assert await effect_counts(pool, "behind") == (PER_DUE, PER_DUE)
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM timers") == 0
    print(
        f"\nFIGURES clock-skew: {3 * PER_DUE} timers due at db_now+30/60/90s; worker clock +300s:"
        f" 0 fired at db offset 0, {PER_DUE} at +45s, {2 * PER_DUE} at +61s; worker clock -300s:"
        f" {3 * PER_DUE} at +91s; each fired once, timers left=0; "
        f"uvicorn worker exit status after SIGTERM={ahead_exit}"
    )
