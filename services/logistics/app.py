"""The logistics process: HTTP API, the branch-scan batch consumer, timers and reports."""

from __future__ import annotations

from fastapi import FastAPI

from services.logistics import api, handlers, metrics
from services.logistics.config import LogisticsSettings
from shared.contracts.logistics import (
    ReceiptOverdue,
    ReceiptReturned,
    ShipmentArrived,
    ShipmentDelayed,
    ShipmentDispatched,
    ShipmentExceptionRegistered,
    ShipmentLoadingUnconfirmed,
    ShipmentSigned,
    ShipperRegistered,
)
from shared.contracts.reports import ReportPublished
from shared.service import ServiceDef, build_app
from shared.settings import Settings, load


def create_app(
    settings: Settings | None = None, config: LogisticsSettings | None = None
) -> FastAPI:
    """Shipments and scans, delays, cargo exceptions, releases and receipts."""
    cfg = config or LogisticsSettings()
    h = handlers.Handlers(cfg)
    svc = ServiceDef(
        name="logistics",
        router=api.router,
        bulk=[h.on_shipment_scanned],
        timers=h.timers(),
        publishes=(
            ShipperRegistered,
            ShipmentDispatched,
            ShipmentArrived,
            ShipmentSigned,
            ShipmentDelayed,
            ShipmentLoadingUnconfirmed,
            ShipmentExceptionRegistered,
            ReceiptReturned,
            ReceiptOverdue,
            ReportPublished,
        ),
        background=(handlers.seed_reports, metrics.refresh),
        config=cfg,
        description="Logistics customer service: tracking, delays, exceptions, releases, receipts",
    )
    app = build_app(svc, settings or load("logistics"))
    # Domain refusals keep their own status: 409 for the state, 422 for input.
    return app
