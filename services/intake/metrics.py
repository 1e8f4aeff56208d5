"""Intake's business metrics (docs/OPERATIONS-METRICS.md § intake: exact names and labels)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg
from prometheus_client import Counter, Gauge, Histogram

from services.intake import queries
from shared.contracts.envelope import Event
from shared.contracts.intake import ComplaintEscalated, ComplaintOpened, ComplaintResolved
from shared.contracts.values import ComplaintCategory, Department, EscalationLevel, Severity
from shared.gauges import refresh_gauges
from shared.service import Runtime

COMPLAINTS_OPEN = Gauge(
    "kefu_intake_complaints_open",
    "Complaints not closed (open, in_progress, escalated, resolved)",
    ["severity", "department"],
)
COMPLAINTS_OPENED = Counter(
    "kefu_intake_complaints_opened_total", "Complaints registered", ["category", "severity"]
)
COMPLAINTS_ESCALATED = Counter(
    "kefu_intake_complaints_escalated_total",
    "Escalations (dept_head, manager), automatic or by hand",
    ["level"],
)
RESOLUTION_SECONDS = Histogram(
    "kefu_intake_complaint_resolution_seconds",
    "From opening to resolution",
    ["department"],
    buckets=tuple(h * 3600 for h in (1, 4, 8, 24, 48, 72, 168, 336, 720)),
)


def init() -> None:
    """Create every labelled series at 0, so increase() sees the first step."""
    for category in ComplaintCategory:
        for severity in Severity:
            COMPLAINTS_OPENED.labels(category.value, severity.value)
    for level in EscalationLevel:
        COMPLAINTS_ESCALATED.labels(level.value)
    for department in Department:
        RESOLUTION_SECONDS.labels(department.value)


def observe(events: Sequence[Event], opened_at: datetime) -> None:
    """Count what one complaint's committed step emitted (opened, escalated, resolved)."""
    for e in events:
        if isinstance(e, ComplaintOpened):
            COMPLAINTS_OPENED.labels(e.category.value, e.severity.value).inc()
        elif isinstance(e, ComplaintEscalated):
            COMPLAINTS_ESCALATED.labels(e.level.value).inc()
        elif isinstance(e, ComplaintResolved):
            seconds = (e.occurred_at - opened_at).total_seconds()
            RESOLUTION_SECONDS.labels(e.department.value).observe(max(seconds, 0.0))


async def count_open(conn: asyncpg.Connection) -> None:
    """Set the open-complaints gauge from the table (every severity x department, 0 if none)."""
    rows = await queries.count_unclosed(conn)
    counts = {(r["severity"], r["department"]): r["n"] for r in rows}
    for severity in Severity:
        for department in Department:
            key = (severity.value, department.value)
            COMPLAINTS_OPEN.labels(*key).set(counts.get(key, 0))


async def refresh_open(runtime: Runtime) -> None:
    """Keep the open-complaints gauge equal to the table, on every replica."""
    init()
    interval = float(getattr(runtime.config, "metrics_refresh_seconds", 15.0))
    await refresh_gauges(runtime, count_open, interval)
