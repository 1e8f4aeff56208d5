"""The logistics process: HTTP API, the branch-scan batch consumer, timers and reports."""

from __future__ import annotations

from fastapi import FastAPI

from services.logistics import api, handlers, metrics
from services.logistics.config import LogisticsSettings
from shared.service import ServiceDef, build_app
from shared.settings import Settings, load


def create_app(
    settings: Settings | None = None, config: LogisticsSettings | None = None
) -> FastAPI:
    """Shipments and scans, delays, cargo exceptions, releases and receipts."""
    svc = ServiceDef(
        name="logistics",
        router=api.router,
        handlers=[handlers.on_complaint_opened],
        bulk=[handlers.on_shipment_scanned],
        timers=handlers.TIMERS,
        background=(handlers.seed_reports, metrics.refresh),
        config=config or LogisticsSettings(),
        description="Logistics customer service: tracking, delays, exceptions, releases, receipts",
    )
    return build_app(svc, settings or load("logistics"))
