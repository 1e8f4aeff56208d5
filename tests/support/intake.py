"""Shared helpers for intake's integration tests (no tests here)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI
from nats.js import JetStreamContext

from services.intake.app import create_app
from services.intake.config import IntakeSettings
from shared.contracts.envelope import Event
from shared.settings import Settings
from shared.web.auth import issue_token
from tests.support.harness import eventually, running

ADMIN = {"Authorization": "Bearer test-admin"}
TABLES = (
    "customers, leads, complaints, complaint_handoffs, complaint_escalations,"
    " complaint_resolutions, complaint_confirmations, complaint_facts, complaint_causes,"
    " repair_requests,"
    " timers, outbox, inbox, dead_letters, idempotency_keys"
)


def auth(settings: Settings, role: str, **claims: Any) -> dict[str, str]:
    """Headers with a signed token for a role (and branch, sub, department ...)."""
    return {"Authorization": f"Bearer {issue_token(settings, role=role, **claims)}"}


async def clean(settings: Settings) -> None:
    """Empty intake's tables so each test's figures are its own."""
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute(
            f"TRUNCATE {', '.join('intake.' + t.strip() for t in TABLES.split(','))} CASCADE"
        )
    finally:
        await conn.close()


@asynccontextmanager
async def intake(
    settings: Settings, config: IntakeSettings | None = None, *, fresh: bool = True
) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    """A running intake service (relay, handlers, timers) over a clean schema."""
    if fresh:
        await clean(settings)
    app = create_app(settings, config)
    async with running(app) as client:
        yield client, app


async def db(settings: Settings) -> asyncpg.Connection:
    """An administrative connection for looking at intake's rows."""
    return await asyncpg.connect(settings.database_url)


async def published(js: JetStreamContext, subject: str) -> list[dict[str, Any]]:
    """Every event on a subject in the EVENTS stream (purged before each test), oldest first."""
    info = await js.stream_info("EVENTS")
    found = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        try:
            msg = await js.get_msg("EVENTS", seq)
        except Exception:
            continue
        if msg.subject == subject:
            found.append(json.loads(msg.data or b"{}"))
    return found


async def wait_for(
    js: JetStreamContext, subject: str, count: int = 1, timeout: float = 10, **match: Any
) -> list[dict[str, Any]]:
    """Wait until `count` events on the subject carry the given payload fields."""

    async def check() -> list[dict[str, Any]] | None:
        events = [
            e for e in await published(js, subject) if all(e.get(k) == v for k, v in match.items())
        ]
        return events if len(events) >= count else None

    result: list[dict[str, Any]] = await eventually(check, timeout=timeout)
    return result


async def publish(js: JetStreamContext, event: Event) -> None:
    """Publish a contract event as its producer's relay would."""
    await js.publish(event.SUBJECT, event.to_json(), headers={"Nats-Msg-Id": str(event.event_id)})


def lead_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer": {"name": "王芳", "phone": "+86 138-1234-5678"},
        "house": {
            "address": "上海市浦东新区锦绣路100弄5号1201",
            "area_m2": 98.5,
            "layout": "3室2厅",
        },
        "requirements": "现代简约, 儿童房",
        "budget_fen": 25_000_000,
        "expected_measure_on": "2026-12-01",
        "expected_sign_on": "2026-12-20",
        "source": "referral",
    }
    body.update(overrides)
    return body


def complaint_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer": {"name": "李强", "phone": "139 0000 1111"},
        "channel": "phone",
        "category": "quality",
        "severity": "normal",
        "description": "卫生间墙面开裂",
        "department": "engineering",
    }
    body.update(overrides)
    return body
