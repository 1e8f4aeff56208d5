"""Business metrics of notifications (DESIGN.md §7): bounded labels only."""

from __future__ import annotations

import asyncio
import contextlib

from prometheus_client import Counter, Gauge

from services.notifications import queries
from services.notifications.config import NotificationsSettings
from shared.service import Runtime

MESSAGES = Counter(
    "kefu_notifications_messages_total",
    "Messages settled by the sender",
    ["channel", "status"],
)
SEND_FAILURES = Counter(
    "kefu_notifications_send_failures_total",
    "Failed provider calls (each retry counts)",
    ["channel"],
)
CALLBACKS_OVERDUE = Counter(
    "kefu_notifications_callbacks_overdue_total",
    "Callbacks escalated for being late or given up",
    ["level"],
)
CALLBACKS_OPEN = Gauge(
    "kefu_notifications_callbacks_open",
    "Open callbacks by status (scheduled, due, overdue)",
    ["status"],
)


async def refresh_gauges(runtime: Runtime, config: NotificationsSettings) -> None:
    """Keep the open-callback gauges current (a cheap count on the partial index)."""
    if not config.gauge_seconds:
        return
    while True:
        with contextlib.suppress(Exception):
            assert runtime.pool is not None
            async with runtime.pool.acquire() as conn:
                counts = await queries.count_open_callbacks(conn)
            for status in queries.OPEN_STATUSES:
                CALLBACKS_OPEN.labels(status).set(counts.get(status, 0))
        await asyncio.sleep(config.gauge_seconds)
