"""Shared helpers of the logistics integration tests (no tests here): the service, tokens,
shipment bodies and reading the EVENTS stream."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI
from nats.js import JetStreamContext, api

from services.logistics.app import create_app
from services.logistics.config import LogisticsSettings
from shared.calendar import BUSINESS_TZ, start_of_local_day
from shared.settings import Settings
from shared.web.auth import issue_token
from tests.support.harness import running

ADMIN = {"Authorization": "Bearer test-admin"}
ID_KEY = "test-id-hmac-key"


def config(**over: Any) -> LogisticsSettings:
    """Logistics settings for tests (own HMAC key, quick re-checks unless told otherwise)."""
    values: dict[str, Any] = {"id_hmac_key": ID_KEY}
    values.update(over)
    return LogisticsSettings(**values)


@asynccontextmanager
async def service(
    settings: Settings, **over: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    """The logistics service in-process, with the whole runtime (relay, bulk runner, timers)."""
    app = create_app(settings, config(**over))
    async with running(app) as client:
        yield client, app


def token(settings: Settings, role: str, **claims: Any) -> dict[str, str]:
    """Authorization header for a signed token."""
    return {"Authorization": f"Bearer {issue_token(settings, role=role, **claims)}"}


def uid() -> str:
    """A short unique suffix, so tests sharing the database never collide."""
    return uuid.uuid4().hex[:8].upper()


def local_noon(day: date) -> datetime:
    """12:00 Shanghai time on a local day."""
    return start_of_local_day(day) + timedelta(hours=12)


def today() -> date:
    """Today's date in the business calendar."""
    return datetime.now(BUSINESS_TZ).date()


def shipment_body(
    waybill: str,
    origin: str,
    destination: str,
    *,
    transfers: tuple[str, ...] = (),
    region: str = "east",
    promised: datetime | None = None,
    dispatched: datetime | None = None,
    batches: int = 1,
    urgent: bool = False,
    receipt: bool = True,
    consignee: str = "杨明静",
    consignee_kind: str = "person",
    shipper_phone: str = "13800000000",
    key_customer: bool | None = None,
) -> dict[str, Any]:
    """A POST /v1/shipments body."""
    now = datetime.now(BUSINESS_TZ)
    body: dict[str, Any] = {
        "waybill": waybill,
        "origin_branch": origin,
        "destination_branch": destination,
        "region": region,
        "transfers": len(transfers),
        "transfer_branches": list(transfers),
        "batches": batches,
        "promised_arrival_at": (promised or now + timedelta(days=3)).isoformat(),
        "urgent": urgent,
        "shipper": {"name": "上海建材", "phone": shipper_phone},
        "consignee": {"name": consignee, "phone": "13900000000", "kind": consignee_kind},
        "receipt": {
            "required": receipt,
            "signature": True,
            "stamp": False,
            "id_number": False,
            "copies": 1,
        },
    }
    if dispatched is not None:
        body["dispatched_at"] = dispatched.isoformat()
    if key_customer is not None:
        body["shipper"]["key_customer"] = key_customer
    return body


async def create(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    """Register a shipment as admin; it must succeed."""
    r = await client.post("/v1/shipments", json=body, headers=ADMIN)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def scan(
    client: httpx.AsyncClient,
    waybill: str,
    kind: str,
    station: str,
    at: datetime,
    batch: int | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST a scan (applied at once)."""
    body: dict[str, Any] = {"kind": kind, "station": station, "at": at.isoformat()}
    if batch is not None:
        body["batch"] = batch
    return await client.post(f"/v1/shipments/{waybill}/scans", json=body, headers=headers or ADMIN)


async def events(js: JetStreamContext, subject: str, **match: Any) -> list[dict[str, Any]]:
    """Every message on a subject in EVENTS whose payload has the given field values."""
    if (await js.stream_info("EVENTS")).state.messages == 0:
        return []
    cfg = api.ConsumerConfig(
        deliver_policy=api.DeliverPolicy.ALL,
        ack_policy=api.AckPolicy.NONE,
        inactive_threshold=5.0,
    )
    sub = await js.pull_subscribe(subject, stream="EVENTS", config=cfg)
    found: list[dict[str, Any]] = []
    try:
        while True:
            try:
                msgs = await sub.fetch(500, timeout=0.3)
            except (TimeoutError, Exception):
                break
            for m in msgs:
                payload = json.loads(m.data)
                if all(payload.get(k) == v for k, v in match.items()):
                    found.append(payload)
            info = await sub.consumer_info()
            if info.num_pending == 0:
                break
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
    return found


async def shipment(client: httpx.AsyncClient, waybill: str) -> dict[str, Any]:
    """GET the shipment as admin."""
    r = await client.get(f"/v1/shipments/{waybill}", headers=ADMIN)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def db(settings: Settings) -> asyncpg.Connection:
    """An administrative connection to the test database."""
    return await asyncpg.connect(settings.database_url)
