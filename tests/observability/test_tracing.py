"""One trace from the HTTP request to the consumer's database work (docs/ARCHITECTURE.md §9).

Intake and notifications run in this process on one tracer provider with an in-memory exporter.
A posted complaint must give ONE trace id spanning: intake's HTTP server span, its asyncpg spans,
the relay's publish span, notifications' consume span (FastStream) and the asyncpg spans of the
handler; the JSON log lines written inside it carry that trace id.
"""

from __future__ import annotations

import functools
import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from nats.js import JetStreamContext
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from opentelemetry.util._once import Once

import services.intake.app as intake_app
import services.notifications.app as notifications_app
from shared.observability import JsonFormatter
from shared.service import build_app
from shared.settings import Settings
from tests.support.harness import eventually, running

ADMIN = {"Authorization": "Bearer test-admin"}


class Lines(logging.Handler):
    """Keeps every record as the JSON line the services would print."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter("test"))
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def exporter(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    """Both services built with one in-memory exporter; tracing fully undone afterwards."""
    spans = InMemorySpanExporter()
    for module in (intake_app, notifications_app):
        monkeypatch.setattr(module, "build_app", functools.partial(build_app, span_exporter=spans))
    yield spans
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.shutdown()
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

    AsyncPGInstrumentor().uninstrument()
    # OpenTelemetry sets the global provider once per process; later tests must run untraced
    # (the relay and asyncpg would otherwise keep recording), so put the globals back.
    trace._TRACER_PROVIDER = None  # type: ignore[attr-defined]
    trace._TRACER_PROVIDER_SET_ONCE = Once()  # type: ignore[attr-defined]
    assert not isinstance(trace.get_tracer_provider(), TracerProvider)


@pytest.fixture
def logs() -> Iterator[Lines]:
    handler = Lines()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


def ancestors(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[ReadableSpan]:
    """The span's parents up to the root (those recorded)."""
    chain = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        chain.append(span)
    return chain


def below(span: ReadableSpan, top: ReadableSpan, by_id: dict[int, ReadableSpan]) -> bool:
    """Whether `top` is one of the span's ancestors."""
    return any(a.context.span_id == top.context.span_id for a in ancestors(span, by_id))


def is_db(span: ReadableSpan) -> bool:
    return span.kind is SpanKind.CLIENT and (span.attributes or {}).get("db.system") == (
        "postgresql"
    )


async def test_one_trace_from_the_request_to_the_consumers_database_work(
    settings: Settings, js: JetStreamContext, exporter: InMemorySpanExporter, logs: Lines
) -> None:
    intake, notifications = intake_app.create_app(settings), notifications_app.create_app(settings)
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider), "build_app did not install an SDK provider"
    async with running(intake) as client, running(notifications) as notes:
        r = await client.post(
            "/v1/complaints",
            headers={**ADMIN, "Idempotency-Key": f"trace-{uuid.uuid4()}"},
            json={
                "customer": {"name": "王芳", "phone": "13812345678"},
                "channel": "phone",
                "category": "quality",
                "severity": "normal",
                "description": "墙面开裂",
                "department": "engineering",
            },
        )
        assert r.status_code == 201, r.text
        complaint_id = r.json()["id"]

        async def task() -> list[Any]:
            cb = await notes.get(
                "/v1/callbacks",
                params={"entity_id": complaint_id, "purpose": "complaint_handling"},
                headers=ADMIN,
            )
            return list(cb.json()["items"]) if cb.status_code == 200 else []

        await eventually(task, timeout=10)

        # The handler's transaction commits before the task is visible, its spans end then.
        def spans_of_the_request() -> list[ReadableSpan]:
            provider.force_flush()
            found = exporter.get_finished_spans()
            server = [
                s
                for s in found
                if s.kind is SpanKind.SERVER
                and (s.attributes or {}).get("http.route") == "/v1/complaints"
            ]
            if not server:
                return []
            ours = server[0].context.trace_id
            return [s for s in found if s.context.trace_id == ours]

        await eventually(lambda: any(is_db(s) for s in spans_of_the_request()), timeout=5)
        spans = spans_of_the_request()

    by_id = {s.context.span_id: s for s in spans}
    [server] = [s for s in spans if s.kind is SpanKind.SERVER]
    assert (server.attributes or {}).get("http.request.method", "POST") == "POST"
    assert any(is_db(s) and below(s, server, by_id) for s in spans), "no intake asyncpg span"
    [publish] = [
        s for s in spans if s.kind is SpanKind.PRODUCER and s.name == "complaint.opened publish"
    ]
    assert below(publish, server, by_id), "the relay's publish does not continue the request"
    assert (publish.attributes or {}).get("kefu.service") == "intake"
    [consume] = [
        s for s in spans if s.kind is SpanKind.CONSUMER and s.name == "complaint.opened process"
    ]
    assert consume.parent is not None and consume.parent.span_id == publish.context.span_id
    handler_db = [s for s in spans if is_db(s) and below(s, consume, by_id)]
    statements = " ".join(str((s.attributes or {}).get("db.statement", "")) for s in handler_db)
    assert "callbacks" in statements, f"no notifications asyncpg span: {statements[:300]}"
    # The handler's own events continue the same trace through notifications' relay.
    assert any(s.name == "callback.scheduled publish" for s in spans)

    trace_id = format(server.context.trace_id, "032x")
    traced = [line for line in logs.lines if line.get("trace_id") == trace_id]
    assert any(
        line["logger"] == "kefu.outbox" and line["msg"].startswith("outbox complaint.opened ")
        for line in traced
    ), f"no log line of the request carries its trace id: {traced[:5]}"
    assert all(set(line) >= {"ts", "level", "logger", "msg"} for line in traced)
