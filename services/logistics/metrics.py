"""Business metrics of the logistics service (DESIGN.md §7); labels stay bounded (regions)."""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import Counter, Gauge

from services.logistics import queries

log = logging.getLogger("kefu.logistics")

RELEASES = Counter("kefu_logistics_releases_total", "Release decisions at delivery", ["outcome"])
RECEIPTS_OVERDUE = Gauge(
    "kefu_logistics_receipts_overdue", "Receipts past their due day and not back", ["region"]
)
SHIPMENTS_DELAYED = Gauge(
    "kefu_logistics_shipments_delayed", "Shipments reported late and not yet arrived"
)
REFRESH_SECONDS = 30.0


async def refresh(runtime: object) -> None:
    """Keep the gauges current from the database while the process runs."""
    while True:
        pool = getattr(runtime, "pool", None)
        if pool is not None:
            try:
                async with pool.acquire() as conn:
                    rows = await queries.overdue_by_region(conn)
                    delayed = await queries.count_delayed(conn)
                RECEIPTS_OVERDUE.clear()
                for r in rows:
                    RECEIPTS_OVERDUE.labels(r["region"]).set(r["n"])
                SHIPMENTS_DELAYED.set(delayed)
            except Exception:
                log.warning("could not refresh the logistics gauges", exc_info=True)
        await asyncio.sleep(REFRESH_SECONDS)
