"""A project's documents over HTTP on real NATS (the Object Store) and Postgres: the files, the
documents recorded with them, and the stages that wait for them (docs/DOMAIN.md §2.1)."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest
from nats.js import JetStreamContext

from services.projects.app import create_app
from services.projects.config import ProjectsSettings
from shared.calendar import BUSINESS_TZ as SHANGHAI
from shared.contracts.values import Stage
from shared.settings import Settings
from tests.support.harness import running
from tests.support.projects import (
    ADMIN,
    BOTH_PARTIES,
    PDF,
    Clock,
    auth,
    documents_for,
    drive,
    open_project,
    post,
    record_document,
    sign_all,
    upload,
)

pytestmark = pytest.mark.quick

LIMIT = 64 * 1024


async def test_duty_documents_are_kept_with_their_files_in_the_object_store(
    settings: Settings, js: JetStreamContext
) -> None:
    """The documents the workflow produces and hands over live somewhere: kind, number,
    parties, who signed and when, and the file (a scan or PDF) in the object store."""
    config = ProjectsSettings(document_max_bytes=LIMIT, document_bucket="kefu-projects-test")
    async with running(create_app(settings, config)) as client:
        pid = await open_project(client)
        other = await open_project(client)
        eng = auth(settings, "engineering", "des-lin")
        r = await client.post(
            f"/v1/projects/{pid}/files",
            files={"file": ("quote.pdf", PDF, "application/pdf")},
            headers=eng,
        )
        assert r.status_code == 201, r.text
        stored = r.json()
        body = {
            "kind": "quotation",
            "number": "BJ-2026-0031",
            "parties": BOTH_PARTIES,
            "amount_fen": 18_650_000,
            "file_id": stored["file_id"],
            "at": "2026-11-20T15:00:00+08:00",
        }
        r = await client.post(f"/v1/projects/{pid}/documents", json=body, headers=eng)
        assert r.status_code == 201, r.text
        recorded = r.json()
        again = await client.post(f"/v1/projects/{pid}/documents", json=body, headers=eng)
        foreign = await upload(client, other)
        theirs = await client.post(
            f"/v1/projects/{pid}/documents",
            json={**body, "number": "BJ-2026-0032", "file_id": foreign["file_id"]},
            headers=eng,
        )
        unsigned = await client.post(
            f"/v1/projects/{pid}/documents",
            json={**body, "kind": "construction_contract", "amount_fen": None},
            headers=eng,
        )
        no_amount = await client.post(
            f"/v1/projects/{pid}/documents",
            json={**body, "number": "BJ-2026-0033", "amount_fen": None},
            headers=eng,
        )
        listed = (await client.get(f"/v1/projects/{pid}/documents", headers=ADMIN)).json()
        project = (await client.get(f"/v1/projects/{pid}", headers=auth(settings, "cs"))).json()
        got = await client.get(
            f"/v1/projects/{pid}/files/{stored['file_id']}", headers=auth(settings, "cs")
        )
        cross = await client.get(f"/v1/projects/{other}/files/{stored['file_id']}", headers=ADMIN)
        oversize = await client.post(
            f"/v1/projects/{pid}/files",
            files={"file": ("big.pdf", PDF + bytes(LIMIT), "application/pdf")},
            headers=eng,
        )
        wrong_type = await client.post(
            f"/v1/projects/{pid}/files",
            files={"file": ("a.txt", b"hello", "text/plain")},
            headers=eng,
        )
        fake_pdf = await client.post(
            f"/v1/projects/{pid}/files",
            files={"file": ("x.pdf", b"not a pdf", "application/pdf")},
            headers=eng,
        )
        by_cs = await client.post(
            f"/v1/projects/{pid}/files",
            files={"file": ("quote.pdf", PDF, "application/pdf")},
            headers=auth(settings, "cs"),
        )
        unknown = await client.post(
            "/v1/projects/nope/files",
            files={"file": ("quote.pdf", PDF, "application/pdf")},
            headers=ADMIN,
        )
        bucket = await js.object_store("kefu-projects-test")
        info = await bucket.get_info(stored["file_id"])

    assert stored["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert (stored["size_bytes"], stored["content_type"]) == (len(PDF), "application/pdf")
    assert info.size == len(PDF)
    assert recorded["kind"] == "quotation" and recorded["number"] == "BJ-2026-0031"
    assert recorded["amount_fen"] == 18_650_000 and recorded["recorded_by"] == "des-lin"
    assert recorded["at"] == datetime(2026, 11, 20, 15, tzinfo=SHANGHAI).isoformat()
    assert recorded["parties"] == BOTH_PARTIES and recorded["signatures"] == []
    assert recorded["file"] == {
        "file_id": stored["file_id"],
        "sha256": stored["sha256"],
        "content_type": "application/pdf",
        "size_bytes": len(PDF),
    }
    assert again.status_code == 409 and again.json()["code"] == "document_exists"
    assert theirs.status_code == 422 and theirs.json()["errors"][0]["field"] == "file_id"
    assert unsigned.status_code == 422 and unsigned.json()["errors"][0]["field"] == "signatures"
    assert no_amount.status_code == 422 and no_amount.json()["errors"][0]["field"] == "amount_fen"
    assert [d["id"] for d in listed["items"]] == [recorded["id"]]
    assert [d["id"] for d in project["documents"]] == [recorded["id"]]
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert cross.status_code == 404
    assert oversize.status_code == 413
    assert wrong_type.status_code == 415
    assert fake_pdf.status_code == 422
    assert by_cs.status_code == 403
    assert unknown.status_code == 404


async def test_duty_each_stage_waits_for_its_documents(
    settings: Settings, js: JetStreamContext
) -> None:
    """四、报价 书面报价; 五、签约 《施工合同》《补充协议》, 合同、预算各一份, 《主材代购委托协议》;
    九、终期验收 《工程竣工验收通知单》 — refused without, entered with (the refusal names them)."""
    async with running(create_app(settings)) as client:
        pid = await open_project(client)
        base = f"/v1/projects/{pid}"
        clock = Clock(None)
        await drive(client, pid, Stage.QUOTATION, clock)
        await post(client, f"{base}/payments", {"installment": "deposit", "amount_fen": 50_000})
        r = await client.post(f"{base}/transitions", json={"to": "design_agreement"}, headers=ADMIN)
        assert r.status_code == 409 and r.json()["code"] == "documents_missing"
        await record_document(client, pid, "quotation", clock, amount_fen=19_500_000)
        await post(client, f"{base}/transitions", {"to": "design_agreement"})
        await drive(client, pid, Stage.DESIGN, clock)
        await post(client, f"{base}/approvals", {"what": "scheme_and_quote"})
        contract = {"amount_fen": 20_000_000, "main_materials_by_company": True}
        r = await client.post(f"{base}/contract", json=contract, headers=ADMIN)
        assert r.status_code == 409 and r.json()["code"] == "documents_missing"
        assert "missing: the signed construction contract" in r.json()["detail"]
        await record_document(client, pid, "construction_contract", clock)
        await record_document(client, pid, "supplementary_agreement", clock)
        r = await client.post(f"{base}/contract", json=contract, headers=ADMIN)
        assert r.status_code == 409 and r.json()["detail"].endswith(
            "missing: the signed budget (预算)"
        )
        await record_document(client, pid, "budget", clock)
        signed_contract = await post(client, f"{base}/contract", contract)
        assert signed_contract["stage"] == "contract"
        assert signed_contract["contract"]["main_materials_by_company"] is True

        await post(client, f"{base}/payments", {"installment": "first", "amount_fen": 13_000_000})
        await post(client, f"{base}/approvals", {"what": "construction_drawings"})
        await sign_all(client, pid, Stage.WORKS_STARTED, clock)
        r = await client.post(f"{base}/transitions", json={"to": "works_started"}, headers=ADMIN)
        assert r.status_code == 409 and "《主材代购委托协议》" in r.json()["detail"]
        await record_document(client, pid, "materials_purchase_agreement", clock)
        await post(client, f"{base}/transitions", {"to": "works_started"})

        await drive(client, pid, Stage.PAINTING_ACCEPTED, clock)
        await sign_all(client, pid, Stage.COMPLETED, clock)
        r = await client.post(f"{base}/transitions", json={"to": "completed"}, headers=ADMIN)
        assert r.status_code == 409 and r.json()["rules"] == [
            {
                "code": "documents_missing",
                "rule": "`completed` needs the completion acceptance notice (《工程竣工验收通知单》);"
                " missing: the completion acceptance notice (《工程竣工验收通知单》)",
            }
        ]
        await documents_for(client, pid, Stage.COMPLETED, clock)
        done = await post(client, f"{base}/transitions", {"to": "completed"})
    assert done["stage"] == "completed"
    assert [d["kind"] for d in done["documents"]] == [
        "quotation",
        "construction_contract",
        "supplementary_agreement",
        "budget",
        "materials_purchase_agreement",
        "completion_notice",
    ]
    assert all(
        {s["party"] for s in d["signatures"]} == {"company", "customer"}
        for d in done["documents"]
        if d["kind"] not in ("quotation", "completion_notice")
    )
