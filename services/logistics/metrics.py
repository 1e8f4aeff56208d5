"""Business metrics of the logistics service (docs/OPERATIONS-METRICS.md § logistics).

Labels stay bounded: scan and exception kinds, release outcomes and the company's regions.
"""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg
from prometheus_client import Counter, Gauge

from services.logistics import queries
from shared.contracts.values import ExceptionKind, ScanKind
from shared.gauges import refresh_gauges
from shared.service import Runtime

RELEASES = Counter("kefu_logistics_releases_total", "Release decisions at delivery", ["outcome"])
SCANS = Counter("kefu_logistics_scans_total", "Branch scans handled by the bulk path", ["kind"])
EXCEPTIONS = Counter("kefu_logistics_exceptions_total", "Cargo exceptions registered", ["kind"])
IN_TRANSIT = Gauge(
    "kefu_logistics_shipments_in_transit", "Shipments dispatched and not yet signed", ["region"]
)
SHIPMENTS_DELAYED = Gauge(
    "kefu_logistics_shipments_delayed",
    "Shipments past their promised arrival (delay reported) and not arrived",
    ["region"],
)
RECEIPTS_OVERDUE = Gauge(
    "kefu_logistics_receipts_overdue", "Receipts past their due day and not back", ["region"]
)
HARD_BREACHES = Gauge(
    "kefu_logistics_receipts_hard_breaches", "Receipts past their 25-day hard limit", ["region"]
)
REFRESH_SECONDS = 30.0
OUTCOMES = ("released", "refused")


def init() -> None:
    """Create every labelled counter at 0, so increase() sees the first step."""
    for scan in ScanKind:
        SCANS.labels(scan.value)
    for kind in ExceptionKind:
        EXCEPTIONS.labels(kind.value)
    for outcome in OUTCOMES:
        RELEASES.labels(outcome)


def count_scans(kinds: Iterable[ScanKind]) -> None:
    """Count the scans of one applied bulk batch by kind."""
    for kind in kinds:
        SCANS.labels(kind.value).inc()


async def count_gauges(conn: asyncpg.Connection) -> None:
    """Set every region's shipment and receipt gauges from the tables."""
    for r in await queries.region_gauges(conn):
        IN_TRANSIT.labels(r["region"]).set(r["in_transit"])
        SHIPMENTS_DELAYED.labels(r["region"]).set(r["delayed"])
        RECEIPTS_OVERDUE.labels(r["region"]).set(r["overdue"])
        HARD_BREACHES.labels(r["region"]).set(r["hard"])


async def refresh(runtime: Runtime) -> None:
    """Background task: keep the gauges current from the database while the process runs."""
    init()
    await refresh_gauges(runtime, count_gauges, REFRESH_SECONDS)
