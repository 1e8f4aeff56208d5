"""Endpoints every service serves: /healthz, /readyz, /metrics, /asyncapi.json."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

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


REF = "#/components/schemas/{model}"


def servers_of(nats_urls: list[str]) -> dict[str, Any]:
    """The NATS servers, without the credentials a URL may carry (a reader has its own user)."""
    found: dict[str, Any] = {}
    for n, url in enumerate(nats_urls, 1):
        parts = urlsplit(url if "://" in url else f"nats://{url}")
        host = parts.hostname or "127.0.0.1"
        name = "nats" if len(nats_urls) == 1 else f"nats-{n}"
        found[name] = {
            "host": f"{host}:{parts.port or 4222}",
            "protocol": "nats",
            "description": "NATS JetStream: stream EVENTS holds every subject; other teams connect"
            " as a user of the READERS account (docs/SUBSCRIBING.md)",
            "security": [{"$ref": "#/components/securitySchemes/natsUser"}],
        }
    return found


def asyncapi(
    service: str, publishes: tuple[type, ...], nats_urls: list[str] | None = None
) -> dict[str, Any]:
    """The AsyncAPI 3 document: the subjects a service publishes and consumes, each message's
    schema once under components (its nested types too), the servers without credentials."""
    schemas: dict[str, Any] = {}
    messages: dict[str, Any] = {}

    def message(model: Any) -> dict[str, str]:
        """The channel's reference to a contract's message (added to components once)."""
        name = model.__name__
        if name not in messages:
            schema = model.model_json_schema(ref_template=REF)
            for nested, body in schema.pop("$defs", {}).items():
                if schemas.setdefault(nested, body) != body:
                    raise ValueError(f"two contracts define different schemas named {nested}")
            schemas[name] = schema
            messages[name] = {
                "name": name,
                "title": name,
                "summary": (model.__doc__ or name).strip().splitlines()[0],
                "contentType": "application/json",
                "payload": {"$ref": REF.format(model=name)},
            }
        return {"$ref": f"#/components/messages/{name}"}

    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}

    def channel(subject: str, model: Any) -> None:
        entry = channels.setdefault(subject, {"address": subject, "messages": {}})
        if model is not None:
            entry["messages"][model.__name__] = message(model)

    def refs(subject: str) -> list[dict[str, str]]:
        return [
            {"$ref": f"#/channels/{subject}/messages/{m}"} for m in channels[subject]["messages"]
        ]

    for model in publishes:
        subject = model.SUBJECT  # type: ignore[attr-defined]
        channel(subject, model)
        operations[f"send {subject}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{subject}"},
            "messages": refs(subject),
        }
    for spec in consumers_of(service):
        for subject in spec.subjects:
            channel(subject, model_for(subject))
            operations[f"receive {subject} ({spec.durable})"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{subject}"},
                "messages": refs(subject),
                "x-durable": spec.durable,
                "x-stream": spec.stream,
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": f"Kefu {service}",
            "version": "1.0.0",
            "description": "Events are JSON, one per message, with a Nats-Msg-Id header equal to"
            " `event_id`. Additive changes keep the subject; a breaking change gets a new subject"
            " ending `.v2` beside the old one (docs/SUBSCRIBING.md).",
        },
        "defaultContentType": "application/json",
        "servers": servers_of(nats_urls or []),
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": schemas,
            "messages": messages,
            "securitySchemes": {
                "natsUser": {
                    "type": "userPassword",
                    "description": "A NATS user and password (deploy/nats/accounts.conf)",
                }
            },
        },
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
        state = request.app.state
        return asyncapi(state.service, state.svc.published(), state.settings.nats_servers)

    @router.post("/_test/clock")
    async def test_clock(body: ClockOffset, request: Request) -> dict[str, float]:
        if not request.app.state.settings.is_test:
            raise Problem(404, "Not found", "no such endpoint")
        request.app.state.runtime.clock.offset_seconds = body.offset_seconds
        return {"offset_seconds": body.offset_seconds}

    return router
