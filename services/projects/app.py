"""The projects process: HTTP API, bus handlers, timers (DESIGN.md §1)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.projects import api, handlers, metrics
from services.projects.config import ProjectsSettings
from services.projects.domain import DomainError, InvalidValue
from shared.contracts.projects import (
    ProjectDeadlineMissed,
    ProjectMaterialsRecorded,
    ProjectOpened,
    ProjectPaymentDue,
    ProjectPaymentOverdue,
    ProjectPaymentReceived,
    ProjectStageChanged,
)
from shared.contracts.reports import ReportPublished
from shared.service import ServiceDef, build_app
from shared.settings import Settings, load
from shared.web.errors import PROBLEM_JSON, problem_response


async def _refused(_: Request, exc: Exception) -> JSONResponse:
    """409 naming the rule: its code, the plain-words detail and, for transitions, every rule."""
    assert isinstance(exc, DomainError)
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": exc.detail,
        "code": exc.code,
    }
    rules = getattr(exc, "rules", None)
    if rules:
        body["rules"] = rules
    return JSONResponse(body, status_code=409, media_type=PROBLEM_JSON)


async def _invalid(_: Request, exc: Exception) -> JSONResponse:
    """422 naming the field a domain rule found invalid."""
    assert isinstance(exc, InvalidValue)
    return problem_response(
        422,
        "Invalid input",
        f"invalid field(s): {exc.field}",
        [{"field": exc.field, "message": exc.detail}],
    )


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
        timers=handlers.fire_functions(cfg),
        publishes=(
            ProjectOpened,
            ProjectStageChanged,
            ProjectMaterialsRecorded,
            ProjectPaymentDue,
            ProjectPaymentOverdue,
            ProjectPaymentReceived,
            ProjectDeadlineMissed,
            ReportPublished,
        ),
        background=(handlers.seed_report_timers, metrics.refresh),
        config=cfg,
        description="Renovation projects: stages, contract and payments, deadlines, warranty, "
        "reviews, inspections, the monthly rating and care compliance.",
    )
    app = build_app(svc, settings or load("projects"))
    app.add_exception_handler(DomainError, _refused)
    app.add_exception_handler(InvalidValue, _invalid)
    return app
