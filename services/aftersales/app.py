"""The aftersales process: repair tickets over HTTP, their events, projections and SLA timers."""

from __future__ import annotations

from fastapi import FastAPI

from services.aftersales import api, handlers, metrics
from services.aftersales.config import AftersalesSettings
from services.aftersales.workflow import SERVICE, SLA_TIMER
from shared.service import ServiceDef, build_app
from shared.settings import Settings, load


def create_app(
    settings: Settings | None = None, *, config: AftersalesSettings | None = None
) -> FastAPI:
    """The aftersales process: HTTP API, bus handlers, service-level timers."""
    cfg = config or AftersalesSettings()
    # The labelled series exist from the start, before the first /metrics scrape.
    metrics.init()
    svc = ServiceDef(
        name=SERVICE,
        router=api.router,
        handlers=[
            handlers.on_repair_requested,
            handlers.on_complaint_opened,
            handlers.on_project_stage_changed,
            handlers.on_project_materials_recorded,
            handlers.on_callback_completed,
        ],
        timers={SLA_TIMER: handlers.fire_sla},
        background=(metrics.refresh,),
        config=cfg,
        description="After-sales repairs: tickets, warranty decisions, fee quotes, service levels.",
    )
    return build_app(svc, settings or load(SERVICE))
