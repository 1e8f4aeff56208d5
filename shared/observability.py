"""JSON logs with masked personal data, and OpenTelemetry (off unless configured)."""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
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


_SECOND: list[Any] = [None, ""]  # the last whole second formatted, and its text


def rfc3339(created: float) -> str:
    """A log record's time as RFC 3339 in UTC with milliseconds: 2026-05-04T03:02:01.123Z
    (the seconds part is formatted once per second: a busy service logs many lines in each)."""
    second = int(created)
    if _SECOND[0] != second:
        _SECOND[0], _SECOND[1] = second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
    return f"{_SECOND[1]}.{int((created - second) * 1000):03d}Z"


class JsonFormatter(logging.Formatter):
    """One JSON object per line, personal data masked."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None)
        message = record.getMessage()
        entry: dict[str, Any] = {
            "ts": rfc3339(record.created),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            # An access or event line is made of route templates, subjects and outcomes: no
            # personal data by construction, so it skips the masking every other line gets.
            "msg": message if fields else mask(message),
        }
        if fields:
            entry.update(fields)
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            entry["trace_id"] = format(span.trace_id, "032x")
        if record.exc_info:
            entry["exc"] = mask(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


# Libraries whose INFO and DEBUG lines are chatter, not events: FastStream's subscriber
# supervisor says "callback for Task-N is being executed..." each time a fetch task ends,
# asyncio's debug mode reports slow callbacks, uvicorn's access line repeats kefu.access's.
CHATTY = ("kefu.faststream", "asyncio", "uvicorn.access")


class BenignFetchTimeout(logging.Filter):
    """FastStream 0.7.8 suppresses nats-py's TimeoutError around its pull fetch, but nats-py
    2.16 raises the builtin TimeoutError when the fetch's deadline runs out between its two
    requests; the fetch task then ends and FastStream's supervisor logs it as an ERROR with a
    traceback ("please consider opening issue") and restarts it, losing nothing. Only that
    case is turned into a DEBUG line; any other exception of the task stays an ERROR."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if (
            type(exc) is TimeoutError
            and record.levelno >= logging.ERROR
            and "raised an exception, retrying" in record.getMessage()
        ):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            record.exc_info = record.exc_text = None
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


class Stdout(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that writes a WARNING or worse at once and lets INFO lines (one per
    request and per event) sit in the stream's buffer for at most `every` seconds: a flush per
    line is a write(2) per request. A daemon thread flushes; logging.shutdown flushes at exit."""

    def __init__(self, stream: Any = None, every: float = 0.5) -> None:
        super().__init__(stream or sys.stdout)
        self.every = every
        self._flusher = threading.Thread(target=self._flush_often, name="log-flush", daemon=True)
        self._flusher.start()

    def _flush_often(self) -> None:
        while True:
            time.sleep(self.every)
            try:
                self.flush()
            except (OSError, ValueError):  # the stream was closed (shutdown, a replaced stream)
                continue

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.stream.write(self.format(record) + self.terminator)
            if record.levelno >= logging.WARNING:
                self.flush()
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)


def setup_logging(service: str, level: str = "INFO") -> None:
    """Route every logger to stdout as JSON; libraries' chatter at WARNING."""
    handler = Stdout(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # A record then skips the stack walk for its caller's file and line, which no line shows
    # (the logging HOWTO's optimisation table); processes and threads are not shown either.
    logging._srcfile = None  # type: ignore[attr-defined]
    logging.logProcesses = logging.logThreads = logging.logMultiprocessing = False
    for noisy in CHATTY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    faststream = logging.getLogger("kefu.faststream")
    if not any(isinstance(f, BenignFetchTimeout) for f in faststream.filters):
        faststream.addFilter(BenignFetchTimeout())


def trace_id(traceparent: str | None) -> str | None:
    """The trace id of a W3C traceparent header (`00-<trace id>-<span id>-<flags>`)."""
    if traceparent:
        parts = traceparent.split("-")
        if len(parts) >= 2 and len(parts[1]) == 32:
            return parts[1]
    return None


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


__all__ = [
    "JsonFormatter",
    "mask",
    "mask_id_numbers",
    "setup_logging",
    "setup_tracing",
    "trace_id",
]
