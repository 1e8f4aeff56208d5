"""Logs an operator can use: one JSON line per HTTP request and per handled event at INFO, with
the route template or subject, the outcome, the duration and the trace id; RFC 3339 times with
zone and milliseconds; libraries' chatter kept at WARNING without hiding a real error."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path

import httpx
import nats
import pytest

from shared.bus import Settler
from shared.consumers import ConsumerSpec
from shared.contracts.intake import ComplaintOpened
from shared.db import create_pool
from shared.observability import BenignFetchTimeout, JsonFormatter, setup_logging
from shared.settings import Settings
from shared.streams import declare
from tests.support import harness
from tooling.embedded import free_port

REPO = Path(__file__).resolve().parents[2]
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE}-00f067aa0ba902b7-01"


class Lines(logging.Handler):
    """Every record a logger emits, formatted as the services format them."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter("test"))
        self.lines: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@contextlib.contextmanager
def captured(name: str) -> Lines:  # type: ignore[misc]
    handler, logger = Lines(), logging.getLogger(name)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.mark.quick
def test_timestamps_are_rfc3339_with_zone_and_milliseconds() -> None:
    record = logging.LogRecord("kefu.test", logging.INFO, __file__, 1, "hello", (), None)
    record.created = 1_746_327_721.0456
    line = json.loads(JsonFormatter("intake").format(record))
    assert line["ts"] == "2025-05-04T03:02:01.045Z"
    assert datetime.fromisoformat(line["ts"]).utcoffset() is not None


@pytest.mark.quick
async def test_one_access_line_per_request_with_route_status_duration_and_trace() -> None:
    from services.intake.app import create_app

    app = create_app(harness.test_settings("nats://127.0.0.1:1", "postgresql://k@127.0.0.1:1/k"))
    transport = httpx.ASGITransport(app=app)
    with captured("kefu.access") as seen:
        async with httpx.AsyncClient(transport=transport, base_url="http://kefu.test") as client:
            r = await client.get("/v1/complaints/C-123", headers={"traceparent": TRACEPARENT})
    assert r.status_code == 401
    (line,) = seen.lines
    assert line["level"] == "INFO" and line["logger"] == "kefu.access"
    assert line["method"] == "GET"
    assert line["route"] == "/v1/complaints/{complaint_id}"  # the template, not C-123
    assert line["status"] == 401
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["trace_id"] == TRACE
    assert "C-123" not in json.dumps(line)


@pytest.mark.quick
async def test_one_line_per_handled_event_with_its_outcome(settings: Settings) -> None:
    spec = ConsumerSpec("platformtest", f"logs_{uuid.uuid4().hex[:6]}", ("complaint.opened",))
    nc = await nats.connect(settings.nats_url)
    pool = await create_pool(settings, "platformtest")
    try:
        js = nc.jetstream()
        await declare(js, (spec,))
        event = ComplaintOpened(
            complaint_id=str(uuid.uuid4()),
            customer_id="c1",
            department="engineering",
            channel="phone",
            category="quality",
            severity="normal",
            received_by="cs",
            received_by_sub="agent-1",
            source="intake",
        )
        body = event.model_dump_json().encode()
        for msg_id in ("first", "again"):  # the same event twice: the second is a duplicate
            headers = {"Nats-Msg-Id": f"{event.event_id}-{msg_id}", "traceparent": TRACEPARENT}
            await js.publish("complaint.opened", body, headers=headers)
        await js.publish("complaint.opened", b"not json", headers={"Nats-Msg-Id": "bad"})
        sub = await js.pull_subscribe_bind(durable=spec.durable, stream=spec.stream)
        msgs = await sub.fetch(3, timeout=5)
        settler = Settler(pool, "platformtest", spec, (0.1,))

        async def handler(_: object, __: object) -> None:
            return None

        with captured("kefu.events") as seen:
            for msg in msgs:
                await settler.handle(msg, handler)
    finally:
        await pool.close()
        await nc.close()
    assert [line["outcome"] for line in seen.lines] == ["handled", "duplicate", "invalid"]
    for line in seen.lines:
        assert line["level"] == "INFO" and line["logger"] == "kefu.events"
        assert line["subject"] == "complaint.opened"
        assert line["consumer"] == spec.durable
        assert isinstance(line["duration_ms"], float)
    assert [line.get("trace_id") for line in seen.lines] == [TRACE, TRACE, None]


@pytest.mark.quick
def test_only_the_benign_fetch_timeout_of_faststreams_supervisor_is_quieted() -> None:
    def record(exc: BaseException, msg: str) -> logging.LogRecord:
        try:
            raise exc
        except BaseException:
            info = sys.exc_info()
        return logging.LogRecord("kefu.faststream", logging.ERROR, __file__, 1, msg, (), info)

    retrying = (
        "Task-7 raised an exception, retrying...\nIf this behavior causes issues, you can disable"
        " it via setting the FASTSTREAM_SUPERVISOR_DISABLED env to 1. Also, please consider"
        " opening issue on the repository: https://github.com/ag2ai/faststream."
    )
    quiet = BenignFetchTimeout()
    benign = record(TimeoutError(), retrying)
    assert quiet.filter(benign) is False  # not emitted (kefu.faststream is not at DEBUG)
    assert benign.levelno == logging.DEBUG
    # A real failure of the same task, or a TimeoutError anywhere else, stays an ERROR.
    assert quiet.filter(record(ValueError("boom"), retrying)) is True
    other = record(TimeoutError(), "could not reach the SMS gateway")
    assert quiet.filter(other) is True and other.levelno == logging.ERROR


@pytest.mark.quick
def test_setup_logging_keeps_library_chatter_at_warning() -> None:
    root = logging.getLogger()
    before = (root.handlers[:], root.level)
    try:
        setup_logging("intake", "INFO")
        for chatty in ("kefu.faststream", "asyncio", "uvicorn.access"):
            assert logging.getLogger(chatty).getEffectiveLevel() == logging.WARNING, chatty
        for ours in ("kefu.access", "kefu.events", "kefu.service"):
            assert logging.getLogger(ours).isEnabledFor(logging.INFO), ours
    finally:
        root.handlers[:], _ = before
        root.setLevel(before[1])


def launch(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen(argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)


async def test_a_service_run_logs_requests_and_no_chatter(
    settings: Settings, tmp_path: Path
) -> None:
    """`kefu run notifications` started, asked once, stopped: every line is JSON with an RFC 3339
    time; the request has its access line; no supervisor chatter, no traceback."""
    port, log = free_port(), tmp_path / "notifications.log"
    env = {
        **os.environ,
        "KEFU_ENV": "test",
        "KEFU_NATS_URL": settings.nats_url,
        "KEFU_DATABASE_URL": settings.database_url,
        "KEFU_ADMIN_TOKEN": "test-admin",
        "KEFU_AUTH_SECRET": settings.auth_secret,
    }
    argv = [sys.executable, "-m", "tooling.cli", "run", "notifications", "--port", str(port)]
    process = await asyncio.to_thread(launch, argv, env, log)
    try:

        async def ready() -> bool:
            assert process.poll() is None, log.read_text()[-3000:]
            with contextlib.suppress(httpx.HTTPError):
                async with httpx.AsyncClient() as c:
                    r = await c.get(f"http://127.0.0.1:{port}/readyz")
                    return r.status_code == 200
            return False

        await harness.eventually(ready, timeout=60, interval=0.2)
        await asyncio.sleep(3)  # a few fetch rounds of every consumer
        async with httpx.AsyncClient() as c:
            await c.get(
                f"http://127.0.0.1:{port}/v1/callbacks",
                headers={"Authorization": "Bearer test-admin", "traceparent": TRACEPARENT},
            )
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.to_thread(process.wait, 30)
    text = log.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert lines, text
    for line in lines:
        assert datetime.fromisoformat(line["ts"]).utcoffset() is not None, line
    assert "is being executed" not in text
    assert "consider opening issue" not in text
    assert not [line for line in lines if "exc" in line], text[-3000:]
    access = [line for line in lines if line["logger"] == "kefu.access"]
    assert {(a["route"], a["status"], a.get("trace_id")) for a in access} >= {
        ("/v1/callbacks", 200, TRACE)
    }
