"""The notifications process: callback tasks, recurring calls, messages and their sender."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.notifications import api, handlers
from services.notifications.config import NotificationsSettings
from services.notifications.domain import DomainError
from services.notifications.metrics import refresh_gauges
from services.notifications.sender import Sender
from services.notifications.store import CHECK_TIMER, SCHEDULE_TIMER
from shared.contracts.notifications import (
    CallbackCompleted,
    CallbackOverdue,
    CallbackScheduled,
    NotificationSent,
)
from shared.service import Runtime, ServiceDef, build_app
from shared.settings import Settings, load
from shared.web.errors import problem_response

SERVICE = "notifications"


async def domain_problem(_: Request, exc: Exception) -> JSONResponse:
    """A refused rule as problem details: 422 naming the field for input, 409 for state."""
    if not isinstance(exc, DomainError):  # pragma: no cover - registered for DomainError only
        raise exc
    if exc.http_status == 422:
        field = exc.field or "body"
        return problem_response(
            422,
            "Invalid input",
            f"invalid field(s): {field} ({exc.detail})",
            [{"field": field, "message": exc.detail}],
        )
    return problem_response(exc.http_status, "Conflict", exc.detail)


def create_app(
    settings: Settings | None = None, *, config: NotificationsSettings | None = None
) -> FastAPI:
    """The notifications process: HTTP API, the bus handler, callback and schedule timers,
    and the sender (settings from KEFU_NOTIFICATIONS_* unless a config is passed)."""
    cfg = config or NotificationsSettings()
    app: FastAPI | None = None

    def clock_offset() -> float:
        runtime = getattr(app.state, "runtime", None) if app is not None else None
        worker = getattr(runtime, "timers", None)
        return float(getattr(worker, "clock_offset_seconds", 0.0))

    async def sender(runtime: Runtime) -> None:
        worker = Sender(runtime, cfg)
        if app is not None:
            app.state.sender = worker  # its counters, for tests and debugging
        await worker.run()

    async def gauges(runtime: Runtime) -> None:
        await refresh_gauges(runtime, cfg)

    deps = handlers.Deps(config=cfg, clock_offset=clock_offset)
    svc = ServiceDef(
        name=SERVICE,
        router=api.router,
        handlers={"on_event": partial(handlers.on_event, deps=deps)},
        timers={
            CHECK_TIMER: handlers.fire_callback_check,
            SCHEDULE_TIMER: handlers.fire_schedule,
        },
        publishes=(CallbackScheduled, CallbackCompleted, CallbackOverdue, NotificationSent),
        background=(sender, gauges),
        config=cfg,
        description="Callback tasks, recurring calls, customer and staff messages.",
    )
    app = build_app(svc, settings or load(SERVICE))
    # Not `domain_errors`: the platform answers those with 409, but an invalid value is a 422.
    app.add_exception_handler(DomainError, domain_problem)
    return app
