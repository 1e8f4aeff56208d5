"""Helpers the notifications integration tests share (no tests here): the service on real NATS
and Postgres with the fake SMS gateway and SMTP sink on loopback, events in, events out."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import uvicorn
from fastapi import FastAPI
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from prometheus_client.parser import text_string_to_metric_families

from services.notifications.app import create_app
from services.notifications.config import NotificationsSettings
from shared.contracts.envelope import Event
from shared.contracts.intake import ComplaintOpened, CustomerRegistered
from shared.settings import Settings
from shared.web.auth import issue_token
from tests.support.harness import eventually, running
from tooling.embedded import free_port
from tooling.fakes import SmsGateway, SmtpSink, start_smtp

ADMIN = {"Authorization": "Bearer test-admin"}
TABLES = (
    "callback_outcomes",
    "callbacks",
    "duty_marks",
    "schedules",
    "messages",
    "contacts",
    "projects",
    "timers",
    "outbox",
    "inbox",
    "dead_letters",
    "idempotency_keys",
)


def token(settings: Settings, role: str, **claims: Any) -> dict[str, str]:
    """Authorization header for a role."""
    return {"Authorization": f"Bearer {issue_token(settings, role=role, **claims)}"}


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def new_phone() -> str:
    return f"139{uuid.uuid4().int % 10**8:08d}"


async def clean(settings: Settings) -> None:
    """Start from an empty notifications schema (timers of earlier tests must not fire here)."""
    conn = await asyncpg.connect(settings.database_url)
    try:
        names = ", ".join(f"notifications.{t}" for t in TABLES)
        await conn.execute(f"TRUNCATE {names} CASCADE")
    finally:
        await conn.close()


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    """Run an ASGI app with uvicorn on a loopback port; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: server.started, timeout=10, interval=0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)


@dataclass
class Harness:
    """One or more notifications replicas with their fakes, and ways to drive and read them."""

    apps: list[FastAPI]
    clients: list[httpx.AsyncClient]
    js: JetStreamContext
    settings: Settings
    config: NotificationsSettings
    gateway: SmsGateway
    smtp: SmtpSink
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def client(self) -> httpx.AsyncClient:
        return self.clients[0]

    def move_clock(self, seconds: float) -> None:
        """Move the database clock every replica's timers, handlers and sender read."""
        for app in self.apps:
            app.state.runtime.timers.clock_offset_seconds = seconds

    async def publish(self, event: Event, msg_id: str | None = None) -> None:
        """Publish a contract model as its producer's relay would."""
        headers = {"Nats-Msg-Id": msg_id or str(event.event_id)}
        await self.js.publish(event.SUBJECT, event.to_json(), headers=headers)

    async def drained(self) -> bool:
        info = await self.js.consumer_info("EVENTS", "notifications-on_event")
        return info.num_pending == 0 and info.num_ack_pending == 0

    async def wait_drained(self) -> None:
        await eventually(self.drained, timeout=10)

    async def callbacks(self, **filters: Any) -> list[dict[str, Any]]:
        r = await self.client.get("/v1/callbacks", params=filters, headers=ADMIN)
        assert r.status_code == 200, r.text
        items: list[dict[str, Any]] = r.json()["items"]
        return items

    async def messages(self, **filters: Any) -> list[dict[str, Any]]:
        r = await self.client.get("/v1/messages", params=filters, headers=ADMIN)
        assert r.status_code == 200, r.text
        items: list[dict[str, Any]] = r.json()["items"]
        return items

    def sms_to(self, phone: str) -> list[dict[str, Any]]:
        return [s for s in self.gateway.sent if s["phone_numbers"] == phone]

    async def outcome(
        self, callback_id: str, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return await self.client.post(
            f"/v1/callbacks/{callback_id}/outcome", json=body, headers=headers or ADMIN
        )


def quiet_hours_off(**overrides: Any) -> dict[str, Any]:
    """Tests run at any hour: the SMS quiet hours are off unless a test wants them."""
    return {"quiet_hours_start": "00:00", "quiet_hours_end": "00:00", **overrides}


@asynccontextmanager
async def harness(
    settings: Settings,
    js: JetStreamContext,
    *,
    replicas: int = 1,
    gateway: SmsGateway | None = None,
    **overrides: Any,
) -> AsyncIterator[Harness]:
    """The service (1+ replicas sharing the database) with the fakes on loopback."""
    await clean(settings)
    gateway = gateway or SmsGateway(key="sms-secret")
    sink = SmtpSink()
    smtp_port = free_port()
    controller = start_smtp(smtp_port, sink)
    async with AsyncExitStack() as stack:
        stack.callback(controller.stop)
        base = await stack.enter_async_context(serve(gateway.app()))
        values = {
            "sms_url": f"{base}/sms/send",
            "sms_key": "sms-secret",
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            **quiet_hours_off(),
            **overrides,
        }
        config = NotificationsSettings.model_validate(values)
        apps = [create_app(settings, config=config) for _ in range(replicas)]
        clients = [await stack.enter_async_context(running(app)) for app in apps]
        yield Harness(apps, clients, js, settings, config, gateway, sink)


async def emitted(js: JetStreamContext, subject: str, **match: Any) -> list[dict[str, Any]]:
    """Every event on `subject` in the EVENTS stream whose fields equal `match`."""
    state = (await js.stream_info("EVENTS")).state
    found: list[dict[str, Any]] = []
    for seq in range(state.first_seq, state.last_seq + 1):
        try:
            msg = await js.get_msg("EVENTS", seq)
        except NotFoundError:
            continue
        if msg.subject != subject:
            continue
        body = json.loads(msg.data or b"{}")
        if all(body.get(k) == v for k, v in match.items()):
            found.append(body)
    return found


def customer(customer_id: str, phone: str, language: str = "zh", **kw: Any) -> CustomerRegistered:
    return CustomerRegistered(
        source="intake",
        customer_id=customer_id,
        name="王芳",
        phone=phone,
        language=language,
        version=kw.pop("version", 1),
        **kw,
    )


def complaint_opened(customer_id: str, **kw: Any) -> ComplaintOpened:
    values: dict[str, Any] = dict(
        source="intake",
        branch_id="SH01",
        complaint_id=new_id("cmp"),
        customer_id=customer_id,
        department="engineering",
        channel="phone",
        category="quality",
        severity="normal",
        received_by="cs",
        received_by_sub="agent-1",
        version=1,
    )
    values.update(kw)
    return ComplaintOpened(**values)


def parse_time(value: str) -> datetime:
    """An API time as an aware datetime."""
    return datetime.fromisoformat(value).astimezone(UTC)


def metric(text: str, name: str, **labels: str) -> float | None:
    """One sample's value from a /metrics page (None when the series is absent)."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return None
