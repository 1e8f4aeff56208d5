"""Shared helpers of the projects integration tests (no tests here): tokens, driving a project
through its stages over HTTP, reading what the service published on EVENTS."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import nats.js.errors
from nats.js import JetStreamContext
from nats.js.api import PubAck

from services.projects.domain import STAGE_ORDER, required_parties
from shared.contracts.envelope import Event
from shared.contracts.values import Stage
from shared.settings import Settings
from shared.web.auth import issue_token

ADMIN = {"Authorization": "Bearer test-admin"}
DEPOSIT_FEN = 50_000  # 500 yuan
AMOUNT_FEN = 20_000_000  # 200,000.00 yuan


def auth(settings: Settings, role: str, sub: str | None = None) -> dict[str, str]:
    """Headers with a signed token for a role."""
    return {"Authorization": f"Bearer {issue_token(settings, role=role, sub=sub)}"}


def iso(at: datetime) -> str:
    return at.isoformat()


async def open_project(
    client: httpx.AsyncClient,
    *,
    designer: str | None = "designer-1",
    project_manager: str | None = "pm-1",
    at: datetime | None = None,
) -> str:
    """A new project at consultation; returns its id."""
    body: dict[str, Any] = {
        "customer_id": f"cust-{uuid.uuid4().hex[:8]}",
        "address": "上海市徐汇区漕溪北路 1 号",
        "designer": designer,
        "project_manager": project_manager,
    }
    if at is not None:
        body["at"] = iso(at)
    r = await client.post("/v1/projects", json=body, headers=ADMIN)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


class Clock:
    """Business times for a driven project: now (omitted) or a backdated sequence."""

    def __init__(self, start: datetime | None, step: timedelta = timedelta(minutes=1)) -> None:
        self.current, self.step = start, step

    def next(self) -> dict[str, str]:
        """The next business time as a body fragment (empty: the server's now)."""
        if self.current is None:
            return {}
        self.current += self.step
        return {"at": iso(self.current)}

    def field(self, name: str) -> dict[str, str]:
        """The next business time under another field name (signed_at, paid_at)."""
        at = self.next().get("at")
        return {name: at} if at is not None else {}


async def post(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], status: int = 200
) -> Any:
    r = await client.post(path, json=body, headers=ADMIN)
    assert r.status_code == status, f"{path}: {r.status_code} {r.text}"
    return r.json()


async def sign_all(client: httpx.AsyncClient, pid: str, stage: Stage, clock: Clock) -> None:
    """Every required party signs for `stage`."""
    for party in sorted(required_parties(stage)):
        await post(
            client,
            f"/v1/projects/{pid}/signoffs",
            {
                "stage": stage.value,
                "party": party.value,
                "name": f"{party.value} name",
                **clock.field("signed_at"),
            },
        )


async def step(
    client: httpx.AsyncClient, pid: str, to: Stage, clock: Clock, amount_fen: int = AMOUNT_FEN
) -> dict[str, Any]:
    """Meet every rule for the next stage, then enter it."""
    base = f"/v1/projects/{pid}"
    if to == Stage.DESIGN_AGREEMENT:
        await post(
            client,
            f"{base}/payments",
            {"installment": "deposit", "amount_fen": DEPOSIT_FEN, **clock.field("paid_at")},
        )
    if to == Stage.CONTRACT:
        await post(client, f"{base}/approvals", {"what": "scheme_and_quote", **clock.next()})
        return await post(  # type: ignore[no-any-return]
            client, f"{base}/contract", {"amount_fen": amount_fen, **clock.field("signed_at")}
        )
    if to == Stage.WORKS_STARTED:
        project = (await client.get(base, headers=ADMIN)).json()
        first = next(i for i in project["installments"] if i["installment"] == "first")
        await post(
            client,
            f"{base}/payments",
            {"installment": "first", "amount_fen": first["amount_fen"], **clock.field("paid_at")},
        )
        await post(client, f"{base}/approvals", {"what": "construction_drawings", **clock.next()})
    await sign_all(client, pid, to, clock)
    return await post(  # type: ignore[no-any-return]
        client, f"{base}/transitions", {"to": to.value, **clock.next()}
    )


async def drive(
    client: httpx.AsyncClient,
    pid: str,
    to: Stage,
    clock: Clock | None = None,
    amount_fen: int = AMOUNT_FEN,
) -> dict[str, Any]:
    """Walk a project from its stage to `to`, meeting each rule on the way."""
    clock = clock or Clock(None)
    project = (await client.get(f"/v1/projects/{pid}", headers=ADMIN)).json()
    current = STAGE_ORDER.index(Stage(project["stage"]))
    for stage in STAGE_ORDER[current + 1 : STAGE_ORDER.index(to) + 1]:
        project = await step(client, pid, stage, clock, amount_fen)
    return project  # type: ignore[no-any-return]


async def published(js: JetStreamContext, subject: str, **match: Any) -> list[dict[str, Any]]:
    """Events on EVENTS with this subject whose payload has the given field values."""
    out: list[dict[str, Any]] = []
    seq = 1
    while True:
        try:
            msg = await js.get_msg("EVENTS", seq=seq, subject=subject, next=True)
        except nats.js.errors.NotFoundError:
            return out
        body = json.loads(msg.data or b"{}")
        if all(body.get(k) == v for k, v in match.items()):
            out.append(body)
        assert msg.seq is not None
        seq = msg.seq + 1


async def publish(js: JetStreamContext, event: Event, msg_id: str | None = None) -> PubAck:
    """Publish a contract event as another service would."""
    return await js.publish(
        event.SUBJECT, event.to_json(), headers={"Nats-Msg-Id": msg_id or str(event.event_id)}
    )
