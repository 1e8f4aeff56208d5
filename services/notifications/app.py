"""The notifications process: callback tasks, recurring calls, messages and their sender."""

from __future__ import annotations

from fastapi import FastAPI

from services.notifications import api, handlers, metrics
from services.notifications.config import NotificationsSettings
from services.notifications.workflow import CHECK_TIMER, SCHEDULE_TIMER, Sender
from shared.service import Runtime, ServiceDef, build_app
from shared.settings import Settings, load

SERVICE = "notifications"


def create_app(
    settings: Settings | None = None, *, config: NotificationsSettings | None = None
) -> FastAPI:
    """The notifications process: HTTP API, the bus handler, callback and schedule timers,
    and the sender (settings from KEFU_NOTIFICATIONS_* unless a config is passed)."""

    # The labelled series exist from the start, before the first /metrics scrape.
    metrics.init()

    async def send(runtime: Runtime) -> None:
        app.state.sender = sender = Sender(runtime)  # its counters, for tests and debugging
        await sender.run()

    svc = ServiceDef(
        name=SERVICE,
        router=api.router,
        handlers=[handlers.on_event],
        timers={
            CHECK_TIMER: handlers.fire_callback_check,
            SCHEDULE_TIMER: handlers.fire_schedule,
        },
        background=(send, metrics.refresh_gauges),
        config=config or NotificationsSettings(),
        description="Callback tasks, recurring calls, customer and staff messages.",
    )
    s = settings or load(SERVICE)
    s.refuse_weak_link_secret(svc.config.link_secret)
    app = build_app(svc, s)
    return app
