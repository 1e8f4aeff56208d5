"""The whole system in one test process (no tests here): the five services on the session's
NATS and Postgres, the fake SMS gateway and SMTP sink on loopback, and ways to drive and read
them over HTTP and the bus."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import httpx
import nats
import uvicorn
from fastapi import FastAPI
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from services.aftersales.app import create_app as aftersales_app
from services.intake.app import create_app as intake_app
from services.logistics.app import create_app as logistics_app
from services.notifications.app import create_app as notifications_app
from services.notifications.config import NotificationsSettings
from services.projects.app import create_app as projects_app
from shared import streams
from shared.calendar import BUSINESS_TZ
from shared.settings import SERVICES, Settings
from shared.web.auth import issue_token
from tests.support.harness import eventually, running
from tooling.embedded import free_port
from tooling.fakes import SmsGateway, SmtpSink, start_smtp

ADMIN = {"Authorization": "Bearer test-admin"}
SMS_KEY = "sms-e2e"
# The recipients of staff e-mail by audience (notifications' REPORT_RECIPIENTS).
RECIPIENTS = {
    "manager": ["manager@kefu.test"],
    "cargo_supervisor": ["cargo-supervisor@kefu.test"],
    "customer_service": ["cs@kefu.test"],
    "logistics": ["logistics@kefu.test"],
}
# A PNG file's signature is enough for the object store's content check.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)

# Stage order and sign-offs as API.md and docs/services/projects.md state them.
STAGES = (
    "consultation",
    "measurement",
    "quotation",
    "design_agreement",
    "design",
    "contract",
    "works_started",
    "materials_accepted",
    "plumbing_electrical_accepted",
    "midterm_accepted",
    "carpentry_accepted",
    "tiling_accepted",
    "painting_accepted",
    "completed",
    "warranty",
)
FOUR_PARTIES = ("supervisor", "designer", "foreman", "customer")
TRADE_PARTIES = ("supervisor", "foreman", "customer")
SIGNOFFS = {
    "works_started": FOUR_PARTIES,
    "materials_accepted": TRADE_PARTIES,
    "plumbing_electrical_accepted": TRADE_PARTIES,
    "midterm_accepted": FOUR_PARTIES,
    "carpentry_accepted": TRADE_PARTIES,
    "tiling_accepted": TRADE_PARTIES,
    "painting_accepted": TRADE_PARTIES,
    "completed": FOUR_PARTIES,
}
DEPOSIT_FEN = 50_000
CONTRACT_FEN = 20_000_000
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# The documents a stage waits for (services/projects/domain/documents.py), signed by both
# parties where the kind must be.
PAPERWORK = {
    "design_agreement": ("quotation",),
    "contract": ("construction_contract", "budget"),
    "completed": ("completion_notice",),
}
SIGNED_KINDS = {"construction_contract", "budget"}
PARTIES = [
    {"role": "company", "name": "上海美居装饰有限公司"},
    {"role": "customer", "name": "赵磊"},
]


def uid() -> str:
    return uuid.uuid4().hex[:8].upper()


def new_phone() -> str:
    return f"139{uuid.uuid4().int % 10**8:08d}"


def now_local() -> datetime:
    return datetime.now(BUSINESS_TZ)


async def clean(settings: Settings) -> None:
    """Empty every service's tables (timers of earlier tests must not fire here)."""
    conn = await asyncpg.connect(settings.database_url)
    try:
        rows = await conn.fetch(
            "SELECT schemaname, tablename FROM pg_tables"
            " WHERE schemaname = ANY($1::text[]) AND tablename <> 'schema_migrations'",
            list(SERVICES),
        )
        names = ", ".join(f"{r['schemaname']}.{r['tablename']}" for r in rows)
        await conn.execute(f"TRUNCATE {names} CASCADE")
    finally:
        await conn.close()


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    """An ASGI app served by uvicorn on a loopback port; yields its base URL."""
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
class Kefu:
    """Five running services, the fakes, and the bus, as one system under test."""

    settings: Settings
    js: JetStreamContext
    apps: dict[str, FastAPI]
    clients: dict[str, httpx.AsyncClient]
    gateway: SmsGateway
    smtp: SmtpSink

    def auth(self, role: str, **claims: Any) -> dict[str, str]:
        """Headers with a signed token for a role (sub, branch, region, department ...)."""
        return {"Authorization": f"Bearer {issue_token(self.settings, role=role, **claims)}"}

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        expect: int | tuple[int, ...] = (200, 201, 202),
        **kw: Any,
    ) -> Any:
        """One HTTP call to a service; the status must be the expected one."""
        r = await self.clients[service].request(
            method, path, json=body, headers=headers or ADMIN, **kw
        )
        wanted = (expect,) if isinstance(expect, int) else expect
        assert r.status_code in wanted, f"{service} {method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None

    async def get(self, service: str, path: str, **params: Any) -> Any:
        return await self.call(service, "GET", path, params=params, expect=200)

    async def post(
        self, service: str, path: str, body: dict[str, Any] | None = None, **kw: Any
    ) -> Any:
        return await self.call(service, "POST", path, body or {}, **kw)

    async def photograph(self, repair_id: str, headers: dict[str, str]) -> None:
        """A photo of the finished repair (维修结束相片), which its completion needs."""
        r = await self.clients["aftersales"].post(
            f"/v1/repairs/{repair_id}/photos",
            files={"file": ("end.png", PNG, "image/png")},
            data={"phase": "after"},
            headers=headers,
        )
        assert r.status_code == 201, r.text

    async def scan(
        self, waybill: str, kind: str, station: str, at: datetime | None = None, **kw: Any
    ) -> dict[str, Any]:
        """A tracking scan at a station (now, or at a backdated business time)."""
        body = {"kind": kind, "station": station, **({"at": at.isoformat()} if at else {})}
        scanned: dict[str, Any] = await self.post(
            "logistics", f"/v1/shipments/{waybill}/scans", body, **kw
        )
        return scanned

    # --- notifications ---------------------------------------------------------------------
    async def callbacks(self, **filters: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (await self.get("notifications", "/v1/callbacks", **filters))[
            "items"
        ]
        return items

    async def callback(
        self, purpose: str, entity_id: str, timeout: float = 20, **match: Any
    ) -> dict[str, Any]:
        """Wait for the callback task of this purpose about the entity (fields matching)."""

        async def found() -> dict[str, Any] | None:
            for c in await self.callbacks(purpose=purpose, entity_id=entity_id, limit=500):
                if all(c.get(k) == v for k, v in match.items()):
                    return c
            return None

        task: dict[str, Any] = await eventually(found, timeout=timeout, interval=0.2)
        return task

    async def messages(self, **filters: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (await self.get("notifications", "/v1/messages", **filters))[
            "items"
        ]
        return items

    async def sent(
        self,
        template: str,
        entity_id: str | None = None,
        count: int = 1,
        timeout: float = 45,
        **f: Any,
    ) -> list[dict[str, Any]]:
        """Wait until `count` messages of a template (about the entity) have been sent."""

        async def check() -> list[dict[str, Any]] | None:
            params = {"template": template, "limit": 500, **f}
            if entity_id is not None:
                params["entity_id"] = entity_id
            done = [m for m in await self.messages(**params) if m["status"] == "sent"]
            return done if len(done) >= count else None

        # A message queued before its contact's phone arrived is retried after 30 s.
        found: list[dict[str, Any]] = await eventually(check, timeout=timeout, interval=0.2)
        return found

    def sms_to(self, phone: str) -> list[dict[str, Any]]:
        """What the fake gateway accepted for a phone number (any formatting of it)."""
        return [s for s in self.gateway.sent if str(s["phone_numbers"]).endswith(phone[-8:])]

    # --- the bus ----------------------------------------------------------------------------
    async def events(self, subject: str, **match: Any) -> list[dict[str, Any]]:
        """Events on EVENTS with this subject whose payload has these field values."""
        out: list[dict[str, Any]] = []
        seq = 1
        while True:
            try:
                msg = await self.js.get_msg("EVENTS", seq=seq, subject=subject, next=True)
            except NotFoundError:
                return out
            body = json.loads(msg.data or b"{}")
            if all(body.get(k) == v for k, v in match.items()):
                out.append(body)
            assert msg.seq is not None
            seq = msg.seq + 1

    async def event(self, subject: str, timeout: float = 20, **match: Any) -> dict[str, Any]:
        """Wait for the first event on a subject with these field values."""
        found: list[dict[str, Any]] = await eventually(
            lambda: self.events(subject, **match), timeout=timeout, interval=0.2
        )
        return found[0]

    async def drained(self, durable: str) -> bool:
        """Whether a durable consumer has nothing pending or unacknowledged."""
        info = await self.js.consumer_info("EVENTS", durable)
        return info.num_pending == 0 and info.num_ack_pending == 0

    # --- time -------------------------------------------------------------------------------
    def move_clock(self, service: str, seconds: float) -> None:
        """Move a service's database clock (its timers, and its API's now where it follows it)."""
        self.apps[service].state.runtime.timers.clock_offset_seconds = seconds

    def reset_clocks(self) -> None:
        for name in self.apps:
            self.move_clock(name, 0.0)


@asynccontextmanager
async def system(settings: Settings, nats_url: str) -> AsyncIterator[Kefu]:
    """Purge the streams, empty the schemas, start the fakes and the five services."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await streams.declare(js, consumers=())
    for name in ("EVENTS", "INGEST", "ADVISORIES"):
        await js.purge_stream(name)
    await clean(settings)
    gateway, sink = SmsGateway(key=SMS_KEY), SmtpSink()
    smtp_port = free_port()
    controller = start_smtp(smtp_port, sink)
    try:
        async with AsyncExitStack() as stack:
            stack.callback(controller.stop)
            sms = await stack.enter_async_context(serve(gateway.app()))
            config = NotificationsSettings.model_validate(
                {
                    "sms_url": f"{sms}/sms/send",
                    "sms_key": SMS_KEY,
                    "smtp_host": "127.0.0.1",
                    "smtp_port": smtp_port,
                    "report_recipients": RECIPIENTS,
                    "quiet_hours_start": "00:00",  # tests run at any hour: no quiet hours
                    "quiet_hours_end": "00:00",
                }
            )
            apps = {
                "intake": intake_app(settings),
                "projects": projects_app(settings),
                "aftersales": aftersales_app(settings),
                "logistics": logistics_app(settings),
                "notifications": notifications_app(settings, config=config),
            }
            clients = {
                name: await stack.enter_async_context(running(app)) for name, app in apps.items()
            }
            yield Kefu(settings, js, apps, clients, gateway, sink)
    finally:
        await nc.close()


async def dead_letters(settings: Settings) -> list[str]:
    """Every dead letter any service wrote: consumer, subject and the error."""
    conn = await asyncpg.connect(settings.database_url)
    try:
        found: list[str] = []
        for svc in SERVICES:
            rows = await conn.fetch(f"SELECT consumer, subject, error FROM {svc}.dead_letters")
            found += [f"{svc}: {r['consumer']} {r['subject']}: {r['error'][:200]}" for r in rows]
        return found
    finally:
        await conn.close()


# --- projects: meet each stage's rule, then enter it -------------------------------------------
class Clock:
    """Business times for a driven project: the server's now (None) or a backdated sequence."""

    def __init__(self, start: datetime | None = None, step: timedelta = timedelta(hours=2)) -> None:
        self.current, self.step = start, step

    def at(self, name: str = "at") -> dict[str, str]:
        """The next business time under a field name (empty: the server's now)."""
        if self.current is None:
            return {}
        self.current += self.step
        return {name: self.current.isoformat()}


async def installment(k: Kefu, pid: str, name: str) -> dict[str, Any]:
    project = await k.get("projects", f"/v1/projects/{pid}")
    found: dict[str, Any] = next(i for i in project["installments"] if i["installment"] == name)
    return found


async def paperwork(k: Kefu, pid: str, stage: str, clock: Clock) -> None:
    """Upload and record the documents `stage` waits for (written quote, contract, budget,
    completion notice), as the designer and finance do."""
    eng = k.auth("engineering", sub="eng-chen")
    for kind in PAPERWORK.get(stage, ()):
        r = await k.clients["projects"].post(
            f"/v1/projects/{pid}/files",
            files={"file": (f"{kind}.pdf", PDF, "application/pdf")},
            headers=eng,
        )
        assert r.status_code == 201, r.text
        body: dict[str, Any] = {
            "kind": kind,
            "number": f"{kind[:4].upper()}-{uid()}",
            "parties": PARTIES,
            "file_id": r.json()["file_id"],
            **clock.at(),
        }
        if kind in SIGNED_KINDS:
            signed_at = clock.at("signed_at")
            body["signatures"] = [
                {"party": p["role"], "name": p["name"], **signed_at} for p in PARTIES
            ]
        if kind in ("quotation", "budget"):
            body["amount_fen"] = CONTRACT_FEN
        await k.post("projects", f"/v1/projects/{pid}/documents", body, headers=eng)


async def sign(k: Kefu, pid: str, stage: str, clock: Clock) -> None:
    for party in SIGNOFFS.get(stage, ()):
        await k.post(
            "projects",
            f"/v1/projects/{pid}/signoffs",
            {"stage": stage, "party": party, "name": f"{party}-签字", **clock.at("signed_at")},
        )


async def enter(k: Kefu, pid: str, to: str, clock: Clock, *, pay: bool = True) -> dict[str, Any]:
    """Meet the rules for the next stage (deposit, approvals, contract, payments, sign-offs)."""
    base = f"/v1/projects/{pid}"
    eng, fin = k.auth("engineering", sub="eng-chen"), k.auth("finance", sub="fin-liu")
    await paperwork(k, pid, to, clock)
    if to == "design_agreement":
        await k.post(
            "projects",
            f"{base}/payments",
            {"installment": "deposit", "amount_fen": DEPOSIT_FEN, **clock.at("paid_at")},
            headers=fin,
        )
    if to == "contract":
        await k.post(
            "projects", f"{base}/approvals", {"what": "scheme_and_quote", **clock.at()}, headers=eng
        )
        signed: dict[str, Any] = await k.post(
            "projects",
            f"{base}/contract",
            {"amount_fen": CONTRACT_FEN, **clock.at("signed_at")},
            headers=eng,
        )
        return signed
    if to == "works_started":
        first = await installment(k, pid, "first")
        await k.post(
            "projects",
            f"{base}/payments",
            {"installment": "first", "amount_fen": first["amount_fen"], **clock.at("paid_at")},
            headers=fin,
        )
        await k.post(
            "projects",
            f"{base}/approvals",
            {"what": "construction_drawings", **clock.at()},
            headers=eng,
        )
    await sign(k, pid, to, clock)
    moved: dict[str, Any] = await k.post(
        "projects", f"{base}/transitions", {"to": to, **clock.at()}, headers=eng
    )
    if pay and to == "midterm_accepted":
        mid = await installment(k, pid, "midterm")
        await k.post(
            "projects",
            f"{base}/payments",
            {"installment": "midterm", "amount_fen": mid["amount_fen"], **clock.at("paid_at")},
            headers=fin,
        )
    return moved


async def drive(
    k: Kefu, pid: str, to: str, clock: Clock | None = None, *, pay: bool = True
) -> dict[str, Any]:
    """Walk a project from its stage to `to`, meeting each rule on the way."""
    clock = clock or Clock()
    project: dict[str, Any] = await k.get("projects", f"/v1/projects/{pid}")
    for stage in STAGES[STAGES.index(project["stage"]) + 1 : STAGES.index(to) + 1]:
        project = await enter(k, pid, stage, clock, pay=pay)
    return project


async def lead(k: Kefu, name: str, phone: str, branch: str = "SH01") -> tuple[str, str, str]:
    """A lead at the front door; returns (lead id, customer id, the project it opened)."""
    body = {
        "customer": {"name": name, "phone": phone},
        "house": {
            "address": "上海市浦东新区锦绣路100弄5号1201",
            "area_m2": 98.5,
            "layout": "3室2厅",
        },
        "requirements": "现代简约, 儿童房",
        "budget_fen": 25_000_000,
        "source": "referral",
    }
    created = await k.post("intake", "/v1/leads", body, headers=k.auth("branch", branch=branch))

    async def opened() -> str | None:
        items = (await k.get("projects", "/v1/projects", lead_id=created["id"]))["items"]
        return str(items[0]["id"]) if items else None

    pid = await eventually(opened, timeout=20, interval=0.2)
    return str(created["id"]), str(created["customer_id"]), pid


def shipment_body(
    waybill: str, route: tuple[str, ...], region: str, promised: datetime, **extra: Any
) -> dict[str, Any]:
    """A POST /v1/shipments body along `route` (origin, transfers…, destination)."""
    return {
        "waybill": waybill,
        "origin_branch": route[0],
        "destination_branch": route[-1],
        "region": region,
        "transfers": len(route) - 2,
        "transfer_branches": list(route[1:-1]),
        "promised_arrival_at": promised.isoformat(),
        "shipper": {"name": "上海建材", "phone": new_phone()},
        "consignee": {"name": "杨明静", "phone": new_phone(), "kind": "person"},
        **extra,
    }
