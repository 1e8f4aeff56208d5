"""Helpers the aftersales integration tests share (no tests here): events in, events out, walks."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from services.projects.domain import last_day_of_cover
from shared.contracts.envelope import Event
from shared.contracts.intake import ComplaintOpened, RepairRequested
from shared.contracts.projects import ProjectStageChanged
from shared.contracts.values import Stage
from shared.settings import Settings
from shared.web.auth import issue_token
from tests.support.harness import eventually

ADMIN = {"Authorization": "Bearer test-admin"}


def token(settings: Settings, role: str, **claims: Any) -> dict[str, str]:
    """Authorization header for a role."""
    return {"Authorization": f"Bearer {issue_token(settings, role=role, **claims)}"}


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


async def publish(js: JetStreamContext, event: Event, msg_id: str | None = None) -> None:
    """Publish a contract model as its producer's relay would."""
    headers = {"Nats-Msg-Id": msg_id or str(event.event_id)}
    await js.publish(event.SUBJECT, event.to_json(), headers=headers)


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


async def drained(js: JetStreamContext, handler: str) -> bool:
    """True when aftersales' consumer for `handler` has settled everything published so far."""
    info = await js.consumer_info("EVENTS", f"aftersales-{handler}")
    return info.num_pending == 0 and info.num_ack_pending == 0


async def wait_drained(js: JetStreamContext, *handlers: str) -> None:
    """Wait until each named consumer has settled everything published so far."""
    for handler in handlers:

        async def settled(name: str = handler) -> bool:
            return await drained(js, name)

        await eventually(settled, timeout=10)


def stage_changed(
    project_id: str,
    to_stage: Stage,
    *,
    completed_on: date | None = None,
    warranty_ends_on: date | None = None,
    version: int = 14,
    customer_id: str = "cust-1",
) -> ProjectStageChanged:
    """The stage change projects publishes; from completion on with the card's last day, by
    projects' own rule unless given."""
    if completed_on is not None and warranty_ends_on is None:
        warranty_ends_on = last_day_of_cover(completed_on)
    return ProjectStageChanged(
        source="projects",
        project_id=project_id,
        customer_id=customer_id,
        from_stage=Stage.PAINTING_ACCEPTED,
        to_stage=to_stage,
        at=datetime.now(UTC),
        by="engineering-1",
        completed_on=completed_on,
        warranty_ends_on=warranty_ends_on,
        version=version,
    )


def repair_requested(project_id: str | None, **kw: Any) -> RepairRequested:
    values: dict[str, Any] = dict(
        source="intake",
        branch_id="SH01",
        request_id=new_id("req"),
        customer_id="cust-1",
        project_id=project_id,
        address="上海市徐汇区 1 号",
        problem="water stains on the bathroom ceiling",
    )
    values.update(kw)
    return RepairRequested(**values)


def complaint_opened(project_id: str, **kw: Any) -> ComplaintOpened:
    values: dict[str, Any] = dict(
        source="intake",
        complaint_id=new_id("cmp"),
        customer_id="cust-2",
        department="aftersales",
        channel="phone",
        category="quality",
        severity="high",
        subject={"kind": "project", "id": project_id},
        description="tiles came loose in the kitchen",
        received_by="cs",
        received_by_sub="agent-7",
    )
    values.update(kw)
    return ComplaintOpened(**values)


async def tickets(client: httpx.AsyncClient, **filters: str) -> list[dict[str, Any]]:
    r = await client.get("/v1/repairs", params=filters, headers=ADMIN)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def opened_ticket(client: httpx.AsyncClient, js: JetStreamContext, project_id: str) -> str:
    """Open a ticket through repair.requested and return its id once aftersales has it."""
    await publish(js, repair_requested(project_id))
    items = await eventually(lambda: tickets(client, project_id=project_id))
    return str(items[0]["id"])


async def post(client: httpx.AsyncClient, path: str, body: Any = None, status: int = 200) -> Any:
    r = await client.post(path, json=body, headers=ADMIN)
    assert r.status_code == status, r.text
    return r.json()


async def surveyed(
    client: httpx.AsyncClient, repair_id: str, *, at: datetime | None = None, kind: str = "leak"
) -> dict[str, Any]:
    """Assign, book and record the survey; return the survey's answer."""
    base = f"/v1/repairs/{repair_id}"
    await post(client, f"{base}/assignment", {"staff": "tech-1"})
    await post(client, f"{base}/survey-booking", {"at": datetime.now(UTC).isoformat()})
    body: dict[str, Any] = {
        "findings": "the shower tray seal failed",
        "proposed_fix": "reseal the tray and repaint the ceiling",
        "problem_kind": kind,
    }
    if at is not None:
        body["at"] = at.isoformat()
    answer: dict[str, Any] = await post(client, f"{base}/survey", body)
    return answer


# A PNG's signature is enough for the object store's content check.
END_PHOTO = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def photographed(client: httpx.AsyncClient, repair_id: str, phase: str = "after") -> Any:
    """Upload a photo of the repair (by default its end, which completion needs)."""
    r = await client.post(
        f"/v1/repairs/{repair_id}/photos",
        files={"file": ("end.png", END_PHOTO, "image/png")},
        data={"phase": phase},
        headers=ADMIN,
    )
    assert r.status_code == 201, r.text
    return r.json()
