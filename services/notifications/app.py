"""The notifications process: callback tasks, recurring calls, messages and their sender."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from services.notifications import api, handlers
from services.notifications.config import NotificationsSettings
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

SERVICE = "notifications"


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
        handlers=[partial(handlers.on_event, deps=deps)],
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
    return app
