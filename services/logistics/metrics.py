"""Business metrics of the logistics service (docs/OPERATIONS-METRICS.md § logistics).

Labels stay bounded: scan and exception kinds, release outcomes and the company's regions.
"""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg
from prometheus_client import Counter, Gauge

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

# One statement for every gauge: a region appears once it has a shipment.
GAUGES_SQL = """
WITH today AS (SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date AS d),
shipped AS (
    SELECT region,
           count(*) FILTER (WHERE status <> 'signed') AS in_transit,
           count(*) FILTER (WHERE delay_reported_for IS NOT NULL
                            AND status NOT IN ('arrived', 'signed')) AS delayed
      FROM logistics.shipments GROUP BY region
),
receipts AS (
    SELECT region,
           count(*) FILTER (WHERE due_on < today.d) AS overdue,
           count(*) FILTER (WHERE hard_limit_on < today.d) AS hard
      FROM logistics.receipts, today WHERE received_at IS NULL GROUP BY region
)
SELECT coalesce(s.region, r.region) AS region,
       coalesce(s.in_transit, 0) AS in_transit, coalesce(s.delayed, 0) AS delayed,
       coalesce(r.overdue, 0) AS overdue, coalesce(r.hard, 0) AS hard
  FROM shipped s FULL JOIN receipts r ON r.region = s.region
"""


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
    for r in await conn.fetch(GAUGES_SQL):
        IN_TRANSIT.labels(r["region"]).set(r["in_transit"])
        SHIPMENTS_DELAYED.labels(r["region"]).set(r["delayed"])
        RECEIPTS_OVERDUE.labels(r["region"]).set(r["overdue"])
        HARD_BREACHES.labels(r["region"]).set(r["hard"])


async def refresh(runtime: Runtime) -> None:
    """Background task: keep the gauges current from the database while the process runs."""
    init()
    await refresh_gauges(runtime, count_gauges, REFRESH_SECONDS)
