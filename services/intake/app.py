"""The intake process: HTTP API, bus handlers, timers."""

from __future__ import annotations

from fastapi import FastAPI

from services.intake import api, handlers, metrics, workflow
from services.intake.config import IntakeSettings
from shared.service import ServiceDef, build_app
from shared.settings import Settings, load

DESCRIPTION = (
    "The front door for every branch: leads and customers (one per phone), complaint cases "
    "with hand-offs, escalations, resolution and the confirmation call, repair requests, and "
    "the weekly complaint report."
)


def create_app(settings: Settings | None = None, config: IntakeSettings | None = None) -> FastAPI:
    """The intake process: HTTP API, bus handlers, timers."""
    cfg = config or IntakeSettings()
    # The labelled series exist from the start, before the first /metrics scrape.
    metrics.init()
    svc = ServiceDef(
        name="intake",
        router=api.router,
        handlers=[
            handlers.on_callback_completed,
            handlers.on_repair_completed,
            handlers.on_project_opened,
            handlers.on_project_stage_changed,
        ],
        timers={
            workflow.ESCALATE: handlers.fire_escalation,
            workflow.WEEKLY_REPORT: handlers.fire_weekly_report,
        },
        background=(handlers.seed_weekly_report, metrics.refresh_open),
        config=cfg,
        description=DESCRIPTION,
    )
    return build_app(svc, settings or load("intake"))
