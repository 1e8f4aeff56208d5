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

from services.projects.domain import (
    SIGNED_BY,
    STAGE_ORDER,
    WITH_AMOUNT,
    DocumentSignature,
    NamedParty,
    Project,
    ProjectDocument,
    StoredFile,
    required_documents,
    required_parties,
)
from services.projects.domain import (
    record_document as keep_document,
)
from shared.contracts.envelope import Event
from shared.contracts.values import DocumentKind, DocumentParty, Stage
from shared.settings import Settings
from shared.web.auth import issue_token

ADMIN = {"Authorization": "Bearer test-admin"}
DEPOSIT_FEN = 50_000  # 500 yuan
AMOUNT_FEN = 20_000_000  # 200,000.00 yuan
# A PDF's signature is enough for the object store's content check.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
BOTH_PARTIES = [
    {"role": "company", "name": "上海美居装饰有限公司"},
    {"role": "customer", "name": "孙丽"},
]
# The documents a stage needs (services/projects/domain/documents.py), recorded by `step`.
DOCUMENTS_FOR = {
    Stage.DESIGN_AGREEMENT: ("quotation",),
    Stage.CONTRACT: ("construction_contract", "budget"),
    Stage.COMPLETED: ("completion_notice",),
}
SIGNED_KINDS = {
    "construction_contract",
    "supplementary_agreement",
    "budget",
    "materials_purchase_agreement",
}


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


def paper(
    kind: DocumentKind,
    at: datetime,
    *,
    number: str | None = None,
    amount_fen: int | None = AMOUNT_FEN,
    signed_by: frozenset[DocumentParty] | None = None,
) -> ProjectDocument:
    """A document of `kind` dated `at`, signed at `at` by those who must sign it (or
    `signed_by`), with the amount its kind states (unit tests: no file is stored)."""
    signers = SIGNED_BY.get(kind, frozenset()) if signed_by is None else signed_by
    return ProjectDocument(
        id=uuid.uuid4().hex,
        kind=kind,
        number=number or f"{kind.value[:4].upper()}-{uuid.uuid4().hex[:6]}",
        at=at,
        parties=(
            NamedParty(DocumentParty.COMPANY, "上海美居装饰有限公司"),
            NamedParty(DocumentParty.CUSTOMER, "孙丽"),
        ),
        file=StoredFile(uuid.uuid4().hex, "0" * 64, "application/pdf", len(PDF)),
        recorded_by="eng-1",
        signatures=tuple(
            DocumentSignature(party, f"{party.value} 签字", at) for party in sorted(signers)
        ),
        amount_fen=amount_fen if kind in WITH_AMOUNT else None,
    )


def with_documents(p: Project, stage: Stage, at: datetime) -> Project:
    """The project with every document `stage` needs, dated `at` (unit tests)."""
    for kind in required_documents(p, stage):
        p = keep_document(p, paper(kind, at))
    return p


async def upload(
    client: httpx.AsyncClient, pid: str, data: bytes = PDF, content_type: str = "application/pdf"
) -> dict[str, Any]:
    """Upload a document's file to the project; returns the stored file's answer."""
    r = await client.post(
        f"/v1/projects/{pid}/files",
        files={"file": ("scan.pdf", data, content_type)},
        headers=ADMIN,
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def record_document(
    client: httpx.AsyncClient,
    pid: str,
    kind: str,
    clock: Clock,
    *,
    amount_fen: int | None = AMOUNT_FEN,
    number: str | None = None,
) -> dict[str, Any]:
    """Upload a file and record a document of `kind` on it, signed by both when it must be."""
    stored = await upload(client, pid)
    at = clock.field("at")
    signatures = (
        [{"party": p["role"], "name": p["name"], **clock.field("signed_at")} for p in BOTH_PARTIES]
        if kind in SIGNED_KINDS
        else []
    )
    body: dict[str, Any] = {
        "kind": kind,
        "number": number or f"{kind[:4].upper()}-{uuid.uuid4().hex[:6]}",
        "parties": BOTH_PARTIES,
        "signatures": signatures,
        "file_id": stored["file_id"],
        **at,
    }
    if kind in ("quotation", "budget"):
        body["amount_fen"] = amount_fen
    return await post(client, f"/v1/projects/{pid}/documents", body, status=201)  # type: ignore[no-any-return]


async def documents_for(
    client: httpx.AsyncClient, pid: str, stage: Stage, clock: Clock, amount_fen: int = AMOUNT_FEN
) -> None:
    """Record the documents entering `stage` needs (the written quotation, the signed contract
    and budget, the completion notice)."""
    for kind in DOCUMENTS_FOR.get(stage, ()):
        await record_document(client, pid, kind, clock, amount_fen=amount_fen)


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
    await documents_for(client, pid, to, clock, amount_fen)
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
