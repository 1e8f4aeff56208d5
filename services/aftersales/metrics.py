"""Business metrics of the aftersales service (docs/ARCHITECTURE.md §9): bounded labels only."""

from __future__ import annotations

from datetime import datetime
from typing import Final

import asyncpg
from prometheus_client import Counter, Gauge, Histogram

from services.aftersales import queries
from services.aftersales.domain import SlaStep, Status
from shared.contracts.values import RepairKind
from shared.gauges import refresh_gauges
from shared.service import Runtime

HOUR: Final = 3600.0
# Buckets around the service levels: first contact within 24 h, survey within 72 h.
BUCKETS: Final = tuple(h * HOUR for h in (1, 4, 8, 12, 24, 36, 48, 72, 96, 120, 168))

FIRST_CONTACT = Histogram(
    "kefu_aftersales_first_contact_seconds",
    "Time from a repair ticket's opening to the first contact with the customer",
    buckets=BUCKETS,
)
SURVEY = Histogram(
    "kefu_aftersales_survey_seconds",
    "Time from a repair ticket's opening to the recorded site survey",
    buckets=BUCKETS,
)
SLA_BREACHES = Counter(
    "kefu_aftersales_sla_breaches_total",
    "Service-level steps of repair tickets not done in time",
    ["step"],
)
TICKETS_OPEN = Gauge(
    "kefu_aftersales_tickets_open",
    "Repair tickets not closed: `survey` until the site survey is recorded, then `repair`",
    ["kind"],
)
# Statuses before the site survey is recorded; every later one but `closed` is the repair phase.
SURVEY_PHASE: Final = (Status.OPENED, Status.ASSIGNED, Status.SURVEY_BOOKED)
REFRESH_SECONDS: Final = 30.0


def elapsed(start: datetime, end: datetime) -> float:
    """Seconds between two instants, never negative (business times may be backdated)."""
    return max((end - start).total_seconds(), 0.0)


def init() -> None:
    """Create every labelled counter at 0, so increase() sees the first step."""
    for step in SlaStep:
        SLA_BREACHES.labels(step.value)


async def count_open(conn: asyncpg.Connection) -> None:
    """Set the open-tickets gauge from the table, by phase."""
    rows = await queries.count_open_by_phase(
        conn, survey_phase=[s.value for s in SURVEY_PHASE], closed=Status.CLOSED.value
    )
    counts = {r["kind"]: r["n"] for r in rows}
    for kind in RepairKind:
        TICKETS_OPEN.labels(kind.value).set(counts.get(kind.value, 0))


async def refresh(runtime: Runtime) -> None:
    """Background task: keep the open-tickets gauge current on every replica."""
    init()
    every = float(getattr(runtime.config, "metrics_refresh_seconds", REFRESH_SECONDS))
    await refresh_gauges(runtime, count_open, every)
