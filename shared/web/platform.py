"""Endpoints every service serves: /healthz, /readyz, /metrics, /asyncapi.json."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from pydantic import BaseModel

from shared import migrate
from shared.consumers import consumers_of
from shared.contracts import model_for
from shared.web.errors import Problem


class ClockOffset(BaseModel):
    offset_seconds: float


def asyncapi(service: str, publishes: tuple[type, ...]) -> dict[str, Any]:
    """The AsyncAPI 3 document: the subjects a service publishes and consumes."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for model in publishes:
        subject = model.SUBJECT  # type: ignore[attr-defined]
        channels[subject] = {
            "address": subject,
            "messages": {model.__name__: {"payload": model.model_json_schema()}},  # type: ignore[attr-defined]
        }
        operations[f"send {subject}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{subject}"},
        }
    for spec in consumers_of(service):
        for subject in spec.subjects:
            contract = model_for(subject)
            channels.setdefault(
                subject,
                {
                    "address": subject,
                    "messages": {contract.__name__: {"payload": contract.model_json_schema()}}
                    if contract
                    else {},
                },
            )
            operations[f"receive {subject} ({spec.durable})"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{subject}"},
                "x-durable": spec.durable,
                "x-stream": spec.stream,
            }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": f"Kefu {service}", "version": "1.0.0"},
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
    }


def platform_router() -> APIRouter:
    """The health, readiness, metrics and AsyncAPI routes (plus the test-only clock)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        runtime = getattr(request.app.state, "runtime", None)
        checks: dict[str, Any] = {"nats": False, "postgres": False, "migrations": False}
        if runtime is not None and runtime.broker is not None:
            checks["nats"] = bool(
                runtime.broker.connection and runtime.broker.connection.is_connected
            )
        if runtime is not None and runtime.pool is not None:
            try:
                async with runtime.pool.acquire() as conn:
                    await conn.fetchval("SELECT 1")
                    checks["postgres"] = True
                    pending = await migrate.pending(conn, request.app.state.service)
                    checks["migrations"] = not pending
                    if pending:
                        checks["pending_migrations"] = pending
            except Exception as exc:
                checks["error"] = str(exc)
        ok = all(checks[k] for k in ("nats", "postgres", "migrations"))
        return JSONResponse(
            {"status": "ready" if ok else "not ready", **checks}, status_code=200 if ok else 503
        )

    @router.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    @router.get("/asyncapi.json")
    async def asyncapi_doc(request: Request) -> dict[str, Any]:
        return asyncapi(request.app.state.service, request.app.state.svc.published())

    @router.post("/_test/clock")
    async def test_clock(body: ClockOffset, request: Request) -> dict[str, float]:
        if not request.app.state.settings.is_test:
            raise Problem(404, "Not found", "no such endpoint")
        request.app.state.runtime.clock.offset_seconds = body.offset_seconds
        return {"offset_seconds": body.offset_seconds}

    return router
