"""Business metrics of notifications (docs/OPERATIONS-METRICS.md § notifications)."""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg
from prometheus_client import Counter, Gauge, Histogram

from services.notifications import queries
from services.notifications.config import NotificationsSettings
from shared import gauges
from shared.contracts.envelope import Event
from shared.contracts.notifications import CallbackCompleted, CallbackOverdue
from shared.contracts.values import CallbackPurpose, EscalationLevel, MessageChannel
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
CALLBACKS_COMPLETED = Counter(
    "kefu_notifications_callbacks_completed_total",
    "Callbacks that reached their final outcome, by purpose and whether the customer was reached",
    ["purpose", "reached"],
)
SATISFACTION = Histogram(
    "kefu_notifications_callback_satisfaction",
    "Satisfaction scores (1-5) given on completed callbacks",
    ["purpose"],
    buckets=(1, 2, 3, 4, 5),
)
SETTLED = ("sent", "failed")
NOT_ESCALATED = "none"


def init() -> None:
    """Create every labelled counter at 0, so increase() sees the first step."""
    for channel in MessageChannel:
        SEND_FAILURES.labels(channel.value)
        for status in SETTLED:
            MESSAGES.labels(channel.value, status)
    for level in (*(lv.value for lv in EscalationLevel), NOT_ESCALATED):
        CALLBACKS_OVERDUE.labels(level)
    for purpose in CallbackPurpose:
        for reached in ("true", "false"):
            CALLBACKS_COMPLETED.labels(purpose.value, reached)
        SATISFACTION.labels(purpose.value)


def observe_callbacks(events: Iterable[Event]) -> None:
    """Count what a committed change announced: callbacks escalated, callbacks completed and
    their satisfaction score."""
    for e in events:
        if isinstance(e, CallbackOverdue):
            CALLBACKS_OVERDUE.labels(e.level.value).inc()
        elif isinstance(e, CallbackCompleted):
            CALLBACKS_COMPLETED.labels(e.purpose.value, str(e.reached).lower()).inc()
            if e.satisfaction is not None:
                SATISFACTION.labels(e.purpose.value).observe(int(e.satisfaction))


async def count_open(conn: asyncpg.Connection) -> None:
    """Set the open-callback gauges (a cheap count on the partial index)."""
    counts = await queries.count_open_callbacks(conn)
    for status in queries.OPEN_STATUSES:
        CALLBACKS_OPEN.labels(status).set(counts.get(status, 0))


async def refresh_gauges(runtime: Runtime) -> None:
    """Background task: keep the open-callback gauges current on every replica."""
    config: NotificationsSettings = runtime.config
    if not config.gauge_seconds:
        gauges.init_platform_metrics(runtime)
        return
    await gauges.refresh_gauges(runtime, count_open, config.gauge_seconds)
