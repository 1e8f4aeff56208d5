"""The projects process: its API, bus handlers, timers and background tasks, wired."""

from __future__ import annotations

from fastapi import FastAPI

from services.projects import api, handlers, metrics, workflow
from services.projects.config import ProjectsSettings
from shared.service import ServiceDef, build_app
from shared.settings import Settings, load


def create_app(settings: Settings | None = None, config: ProjectsSettings | None = None) -> FastAPI:
    """The projects process: HTTP API, bus handlers, timers."""
    cfg = config or ProjectsSettings()
    svc = ServiceDef(
        name="projects",
        router=api.router,
        handlers=[
            handlers.on_lead_registered,
            handlers.on_complaint_opened,
            handlers.on_callback_scheduled,
            handlers.on_callback_completed,
        ],
        timers={
            workflow.PAYMENT_DUE: handlers.fire_payment_due,
            workflow.PAYMENT_OVERDUE: handlers.fire_payment_overdue,
            workflow.DEADLINE: handlers.fire_deadline,
            workflow.RATING_TIMER: handlers.fire_rating_monthly,
            workflow.CARE_TIMER: handlers.fire_care_compliance_monthly,
            workflow.SATISFACTION_TIMER: handlers.fire_satisfaction_monthly,
            workflow.SPOT_CHECK_TIMER: handlers.fire_spot_check_weekly,
        },
        background=(handlers.seed_report_timers, metrics.refresh),
        config=cfg,
        description="Renovation projects: stages, contract and payments, deadlines, warranty, "
        "reviews, inspections, the monthly rating and care compliance.",
    )
    return build_app(svc, settings or load("projects"))
