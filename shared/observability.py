"""JSON logs with masked personal data, OpenTelemetry (off unless configured), platform metrics."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import asyncpg
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

from shared import deadletters, outbox, timers

if TYPE_CHECKING:
    from shared.service import Runtime

log = logging.getLogger("kefu.observability")

# Why a message reached dead letters (the `reason` label of kefu_dead_letters_total).
DEAD_LETTER_REASONS = ("invalid", "rejected", "max_deliver", "advisory")

# Exporters already attached to the process-wide provider: OpenTelemetry allows one global
# provider per process, so a second app in the same process (tests) shares the first one's.
_ATTACHED: weakref.WeakSet[SpanExporter] = weakref.WeakSet()

# National ID numbers (18 chars, or 15 digits) vanish; mobile numbers keep 3 + 4 digits.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)")


def mask_id_numbers(text: str) -> str:
    """Remove national ID numbers (kept nowhere in clear: not in logs, events or dead letters)."""
    return _ID_NUMBER.sub("[id-number]", text)


def mask(text: str) -> str:
    """Remove national ID numbers and mask phone numbers in free text."""
    return _MOBILE.sub(r"\1****\2", _ID_NUMBER.sub("[id-number]", text))


class JsonFormatter(logging.Formatter):
    """One JSON object per line, personal data masked."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": mask(record.getMessage()),
        }
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            entry["trace_id"] = format(span.trace_id, "032x")
        if record.exc_info:
            entry["exc"] = mask(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(service: str, level: str = "INFO") -> None:
    """Route every logger to stdout as JSON."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def setup_tracing(
    service: str, endpoint: str | None, exporter: SpanExporter | None = None
) -> TracerProvider | None:
    """Install a tracer provider exporting OTLP/HTTP when an endpoint (or exporter) is given.

    When an SDK provider is already installed (several apps in one process), reuse it and only
    add this exporter: the global provider can be set once per process.
    """
    if not endpoint and exporter is None:
        return None
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces")  # type: ignore[union-attr]
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        provider = current
    else:
        provider = TracerProvider(resource=Resource.create({"service.name": f"kefu-{service}"}))
        trace.set_tracer_provider(provider)
    if exporter not in _ATTACHED:
        _ATTACHED.add(exporter)
        provider.add_span_processor(BatchSpanProcessor(exporter))
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

    instrumentor = AsyncPGInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument()
    return provider


def init_platform_metrics(runtime: Runtime) -> None:
    """Create one service's platform series at 0, so they exist before their first event."""
    service = runtime.svc.name
    outbox.PUBLISHED.labels(service)
    outbox.PUBLISH_ERRORS.labels(service)
    outbox.LAG.labels(service)
    timers.TIMER_LAG.labels(service)
    for kind in runtime.svc.timers:
        timers.FIRED.labels(service, kind)
    for spec in runtime.svc.specs():
        for reason in DEAD_LETTER_REASONS:
            deadletters.DEAD_LETTERS.labels(service, spec.durable, reason)


Refresh = Callable[[asyncpg.Connection], Awaitable[None]]


async def refresh_gauges(runtime: Runtime, refresh: Refresh, every: float) -> None:
    """Background task: set the platform series, then recompute database gauges forever.

    Runs on every replica, so each reports the same value (dashboards take `max`).
    """
    init_platform_metrics(runtime)
    while True:
        try:
            if runtime.pool is not None:
                async with runtime.pool.acquire() as conn:
                    await refresh(conn)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("could not refresh the %s gauges", runtime.svc.name, exc_info=True)
        await asyncio.sleep(every)
