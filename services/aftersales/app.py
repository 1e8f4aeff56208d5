"""The aftersales process: repair tickets over HTTP, their events, projections and SLA timers."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.aftersales import api, handlers, metrics
from services.aftersales.config import AftersalesSettings
from services.aftersales.domain import DomainError
from services.aftersales.workflow import SERVICE, SLA_TIMER
from shared.contracts.aftersales import (
    RepairClosed,
    RepairCompleted,
    RepairOpened,
    RepairScheduled,
    RepairSlaBreached,
)
from shared.service import ServiceDef, build_app
from shared.settings import Settings, load
from shared.web.errors import problem_response

TITLES = {409: "Conflict", 413: "Payload too large", 415: "Unsupported media type"}


async def domain_problem(_: Request, exc: Exception) -> JSONResponse:
    """A refused rule as problem details: 409 for the state, 422 naming the field, 413/415."""
    if not isinstance(exc, DomainError):  # pragma: no cover - registered for DomainError only
        raise exc
    status = exc.http_status
    if status == 422:
        field = exc.field or "body"
        return problem_response(
            422,
            "Invalid input",
            f"invalid field(s): {field} ({exc.detail})",
            [{"field": field, "message": exc.detail}],
        )
    return problem_response(status, TITLES.get(status, "Conflict"), exc.detail)


def create_app(
    settings: Settings | None = None, *, config: AftersalesSettings | None = None
) -> FastAPI:
    """The aftersales process: HTTP API, bus handlers, service-level timers."""
    cfg = config or AftersalesSettings()
    svc = ServiceDef(
        name=SERVICE,
        router=api.router,
        handlers={
            "on_repair_requested": partial(handlers.on_repair_requested, config=cfg),
            "on_complaint_opened": partial(handlers.on_complaint_opened, config=cfg),
            "on_project_stage_changed": handlers.on_project_stage_changed,
            "on_project_materials_recorded": handlers.on_project_materials_recorded,
            "on_callback_completed": handlers.on_callback_completed,
        },
        timers={SLA_TIMER: partial(handlers.fire_sla, config=cfg)},
        publishes=(RepairOpened, RepairScheduled, RepairCompleted, RepairClosed, RepairSlaBreached),
        background=(metrics.refresh,),
        config=cfg,
        description="After-sales repairs: tickets, warranty decisions, fee quotes, service levels.",
    )
    app = build_app(svc, settings or load(SERVICE))
    # Not `domain_errors`: the platform answers those with 409, but an invalid value is a 422.
    app.add_exception_handler(DomainError, domain_problem)
    return app
