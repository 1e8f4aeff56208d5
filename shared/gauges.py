"""Platform series created at start and database gauges refreshed in the background."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import asyncpg

from shared import deadletters, outbox, timers

if TYPE_CHECKING:
    from shared.service import Runtime

log = logging.getLogger("kefu.gauges")

# Why a message reached dead letters (the `reason` label of kefu_dead_letters_total).
DEAD_LETTER_REASONS = ("invalid", "rejected", "max_deliver", "advisory")


def init_platform_metrics(runtime: Runtime) -> None:
    """Create one service's platform series at 0, so they exist before their first event."""
    service = runtime.svc.name
    outbox.PUBLISHED.labels(service)
    outbox.PUBLISH_ERRORS.labels(service)
    outbox.LAG.labels(service)
    timers.TIMER_LAG.labels(service)
    for kind in runtime.svc.timers:
        timers.FIRED.labels(service, kind)
    for spec in runtime.svc.specs():
        for reason in DEAD_LETTER_REASONS:
            deadletters.DEAD_LETTERS.labels(service, spec.durable, reason)


Refresh = Callable[[asyncpg.Connection], Awaitable[None]]


async def refresh_gauges(runtime: Runtime, refresh: Refresh, every: float) -> None:
    """Background task: set the platform series, then recompute database gauges forever.

    Runs on every replica, so each reports the same value (dashboards take `max`).
    """
    init_platform_metrics(runtime)
    while True:
        try:
            if runtime.pool is not None:
                async with runtime.pool.acquire() as conn:
                    await refresh(conn)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("could not refresh the %s gauges", runtime.svc.name, exc_info=True)
        await asyncio.sleep(every)
