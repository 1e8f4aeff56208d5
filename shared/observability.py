"""JSON logs with masked personal data, and OpenTelemetry (off unless configured)."""

from __future__ import annotations

import json
import logging
import sys
import weakref
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

from shared.privacy import mask, mask_id_numbers

log = logging.getLogger("kefu.observability")

# Exporters already attached to the process-wide provider: OpenTelemetry allows one global
# provider per process, so a second app in the same process (tests) shares the first one's.
_ATTACHED: weakref.WeakSet[SpanExporter] = weakref.WeakSet()


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


__all__ = ["JsonFormatter", "mask", "mask_id_numbers", "setup_logging", "setup_tracing"]
