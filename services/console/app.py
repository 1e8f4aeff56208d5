"""The console process: the staff's pages over the five services' APIs, live updates from
the bus, its own accounts and sessions."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import httpx
from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from services.console import api, handlers
from services.console.config import ConsoleSettings
from services.console.workflow.live import Hub
from services.console.workflow.services import Services
from services.console.workflow.sessions import PRUNE
from shared.service import Runtime, ServiceDef, build_app
from shared.settings import Settings, load
from shared.web.ratelimit import AddressLimit


def create_app(
    settings: Settings | None = None,
    config: ConsoleSettings | None = None,
    *,
    mounts: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    """Sign-in, the worklist with live updates, the sign-in audit (`mounts`: transports by
    URL prefix, for tests that run the services in-process)."""
    cfg = config or ConsoleSettings()
    s = settings or load("console")
    s.refuse_weak_link_secret(cfg.link_secret)
    hub = Hub()
    services = Services(
        cfg.urls(s),
        s,
        token_ttl_seconds=cfg.token_ttl_seconds,
        timeout_seconds=cfg.timeout_seconds,
        in_flight=cfg.calls_in_flight,
        mounts=mounts,
    )

    async def close_clients(_: Runtime) -> None:
        try:
            await asyncio.Event().wait()
        finally:
            await services.close()

    svc = ServiceDef(
        name="console",
        router=api.router,
        timers={PRUNE: handlers.fire_prune},
        background=(handlers.listen(hub), handlers.start, close_clients),
        config=cfg,
        description="The staff's web screens (server-rendered) over the services' public APIs",
    )
    app = build_app(svc, s)
    app.state.hub = hub
    app.state.services = services
    app.state.link_limit = AddressLimit(cfg.link_rate_limit, service="console", scope="link")
    app.mount("/static", StaticFiles(directory=api.STATIC), name="static")
    return app
