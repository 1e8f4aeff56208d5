"""Every HTTP request measured and logged once: RED metrics by route template, one access line."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from fastapi.routing import iter_route_contexts
from prometheus_client import Histogram
from starlette.routing import Mount, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.observability import trace_id

log = logging.getLogger("kefu.access")

# Buckets for an API whose target is p99 < 50 ms (ARCHITECTURE.md §11), with room for slow reports.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
HTTP = Histogram(
    "kefu_http_request_duration_seconds",
    "HTTP requests by route template, method and status class: the count is the request rate,"
    " status_class=5xx the errors, the buckets the latency",
    ["service", "method", "route", "status_class"],
    buckets=BUCKETS,
)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # no route: the raw path would make the label unbounded


def route_table(app: Any) -> list[tuple[re.Pattern[str], str]]:
    """Every route's path pattern with its template (a mount's as `/static/{path}`)."""
    table = []
    for ctx in iter_route_contexts(app.routes):
        path = ctx.path
        if path is None:
            continue
        if isinstance(ctx.original_route, Mount):
            pattern, _, _ = compile_path(f"{path}/{{path:path}}")
            table.append((pattern, f"{path}/{{path}}"))
        else:
            pattern, _, _ = compile_path(path)
            table.append((pattern, path))
    return table


def trace_id_of(scope: Scope) -> str | None:
    """The trace id the caller sent (W3C traceparent), for the access line when no tracer runs."""
    for name, value in scope.get("headers") or ():
        if name == b"traceparent":
            return trace_id(value.decode("latin-1"))
    return None


class Observe:
    """Pure ASGI (no task group, no body buffering): times the request, counts it in
    `kefu_http_request_duration_seconds` and writes one INFO line `kefu.access`."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app, self.service = app, service
        self._children: dict[tuple[str, str, str], Any] = {}
        self._table: list[tuple[re.Pattern[str], str]] | None = None

    def route_of(self, scope: Scope, path: str) -> str:
        """The template of the route that answered, never the raw path: the one FastAPI named
        in the scope, else (a mount, an answer given before routing such as a 413) looked up."""
        route = scope.get("route")
        if route is not None and not isinstance(route, Mount):
            return str(getattr(route, "path", UNMATCHED))
        if self._table is None:  # built on first use: routes are added after the middleware
            self._table = route_table(scope["app"])
        for pattern, template in self._table:
            if pattern.match(path):
                return template
        return UNMATCHED

    def _child(self, method: str, route: str, status_class: str) -> Any:
        key = (method, route, status_class)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = HTTP.labels(self.service, method, route, status_class)
        return child

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # what the client gets when the app raises before answering
        path = scope["path"]  # as routing sees it, before a mount rewrites the scope

        async def observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observed)
        finally:
            elapsed = time.perf_counter() - start
            method = scope["method"] if scope["method"] in METHODS else "other"
            route = self.route_of(scope, path)
            self._child(method, route, f"{status // 100}xx").observe(elapsed)
            if log.isEnabledFor(logging.INFO):
                fields: dict[str, Any] = {
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                }
                caller = trace_id_of(scope)
                if caller:
                    fields["trace_id"] = caller
                log.info("%s %s %d", method, route, status, extra={"fields": fields})
