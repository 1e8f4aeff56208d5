"""The platform's front-door rules on intake's endpoints: auth, roles, 422, 413, idempotency."""

from __future__ import annotations

import pytest

from tests.support.intake import (
    ADMIN,
    auth,
    complaint_body,
    db,
    intake,
    lead_body,
    published,
    wait_for,
)

pytestmark = pytest.mark.quick


def fields(r) -> list[str]:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    return [e["field"] for e in r.json()["errors"]]


async def test_bad_fields_are_422_naming_them(settings, js) -> None:
    async with intake(settings) as (client, _):
        r = await client.post(
            "/v1/leads", json=lead_body(customer={"name": "王芳", "phone": "12345"}), headers=ADMIN
        )
        assert fields(r) == ["customer.phone"]
        assert "not a valid Chinese phone number" in r.json()["errors"][0]["message"]
        assert fields(
            await client.post("/v1/leads", json=lead_body(budget_fen=-1), headers=ADMIN)
        ) == ["budget_fen"]
        assert fields(
            await client.post(
                "/v1/leads", json=lead_body(expected_sign_on="2026-11-01"), headers=ADMIN
            )
        ) == ["expected_sign_on"]
        assert fields(
            await client.post("/v1/leads", json=lead_body(colour="red"), headers=ADMIN)
        ) == ["colour"]
        r = await client.post(
            "/v1/complaints", json=complaint_body(severity="catastrophic"), headers=ADMIN
        )
        assert fields(r) == ["severity"]
        r = await client.post("/v1/complaints", json=complaint_body(customer=None), headers=ADMIN)
        assert fields(r) == ["customer"]
        r = await client.post(
            "/v1/complaints",
            json=complaint_body(subject={"kind": "invoice", "id": "1"}),
            headers=ADMIN,
        )
        assert fields(r) == ["subject.kind"]
        r = await client.post(
            "/v1/complaints",
            json=complaint_body(opened_at="2099-01-01T00:00:00+08:00"),
            headers=ADMIN,
        )
        assert fields(r) == ["opened_at"]
        opened = await client.post("/v1/complaints", json=complaint_body(), headers=ADMIN)
        cid = opened.json()["id"]
        r = await client.post(
            f"/v1/complaints/{cid}/resolution", json={"result": " "}, headers=ADMIN
        )
        assert fields(r) == ["result"]
        r = await client.post(
            f"/v1/complaints/{cid}/resolution",
            json={"result": "ok", "at": "2020-01-01T00:00:00+08:00"},
            headers=ADMIN,
        )
        assert fields(r) == ["at"]
        r = await client.get("/v1/complaints?status=lost", headers=ADMIN)
        assert fields(r) == ["status"]
        assert fields(await client.get("/v1/complaints?cursor=!!", headers=ADMIN)) == ["cursor"]
        assert fields(await client.get("/v1/complaints?limit=501", headers=ADMIN)) == ["limit"]
        r = await client.get("/v1/reports/complaints/weekly?week=2026-W60", headers=ADMIN)
        assert fields(r) == ["week"]
        # Unknown and malformed ids are both simply not found.
        assert (await client.get("/v1/complaints/not-an-id", headers=ADMIN)).status_code == 404
        missing = "/v1/complaints/00000000-0000-0000-0000-000000000000/escalations"
        assert (await client.post(missing, json={"reason": "x"}, headers=ADMIN)).status_code == 404


async def test_tokens_and_roles(settings, js) -> None:
    async with intake(settings) as (client, _):
        assert (await client.post("/v1/leads", json=lead_body())).status_code == 401
        r = await client.get("/v1/complaints", headers={"Authorization": "Bearer forged"})
        assert r.status_code == 401
        finance = auth(settings, "finance")
        assert (
            await client.post("/v1/leads", json=lead_body(), headers=finance)
        ).status_code == 403
        assert (await client.get("/v1/complaints", headers=finance)).status_code == 403
        cs = auth(settings, "cs")
        assert (await client.post("/v1/leads", json=lead_body(), headers=cs)).status_code == 403
        branch = auth(settings, "branch", branch="SH01")
        opened = await client.post("/v1/complaints", json=complaint_body(), headers=branch)
        assert opened.status_code == 201
        cid = opened.json()["id"]
        for step, body in (
            ("handoffs", {"to_department": "design", "note": "n"}),
            ("escalations", {"reason": "r"}),
            ("resolution", {"result": "r"}),
        ):
            r = await client.post(f"/v1/complaints/{cid}/{step}", json=body, headers=branch)
            assert r.status_code == 403, step
        reception = auth(settings, "reception")
        r = await client.post(
            f"/v1/complaints/{cid}/resolution", json={"result": "r"}, headers=reception
        )
        assert r.status_code == 403
        report = "/v1/reports/complaints/weekly"
        assert (await client.get(report, headers=branch)).status_code == 403
        assert (await client.get(report, headers=auth(settings, "manager"))).status_code == 200
        r = await client.post(
            f"/v1/complaints/{cid}/escalations",
            json={"reason": "r"},
            headers=auth(settings, "dept_head"),
        )
        assert r.status_code == 200
        # A department head with a department claim sees that department's complaints only.
        design_head = auth(settings, "dept_head", department="design")
        assert (await client.get(f"/v1/complaints/{cid}", headers=design_head)).status_code == 404
        eng_head = auth(settings, "dept_head", department="engineering")
        assert (await client.get(f"/v1/complaints/{cid}", headers=eng_head)).status_code == 200
        assert (await client.get("/v1/complaints", headers=design_head)).json()["items"] == []


async def test_idempotency_key_replays_and_refuses_a_changed_body(settings, js) -> None:
    branch = {**auth(settings, "branch", branch="SH01"), "Idempotency-Key": "lead-0001"}
    async with intake(settings) as (client, _):
        first = await client.post("/v1/leads", json=lead_body(), headers=branch)
        replay = await client.post("/v1/leads", json=lead_body(), headers=branch)
        assert first.status_code == replay.status_code == 201
        assert replay.json() == first.json()
        assert replay.headers["idempotent-replayed"] == "true"
        changed = await client.post("/v1/leads", json=lead_body(budget_fen=1), headers=branch)
        assert changed.status_code == 422
        assert changed.json()["errors"][0]["field"] == "Idempotency-Key"

        key = {**branch, "Idempotency-Key": "complaint-0001"}
        c1 = await client.post("/v1/complaints", json=complaint_body(), headers=key)
        c2 = await client.post("/v1/complaints", json=complaint_body(), headers=key)
        assert c1.status_code == c2.status_code == 201 and c1.json() == c2.json()
        # The relay publishes in outbox order: once the complaint is out, so is every lead.
        assert len(await wait_for(js, "complaint.opened")) == 1
        assert len(await published(js, "lead.registered")) == 1
    conn = await db(settings)
    try:
        assert await conn.fetchval("SELECT count(*) FROM intake.leads") == 1
        assert await conn.fetchval("SELECT count(*) FROM intake.complaints") == 1
    finally:
        await conn.close()


async def test_oversize_body_is_413(settings, js) -> None:
    async with intake(settings) as (client, _):
        huge = complaint_body(description="裂" * (settings.max_body_bytes // 3 + 10))
        r = await client.post("/v1/complaints", json=huge, headers=ADMIN)
        assert r.status_code == 413
        assert r.headers["content-type"] == "application/problem+json"
        r = await client.post(
            "/v1/leads", content=b"x" * (settings.max_body_bytes + 1), headers=ADMIN
        )
        assert r.status_code == 413


async def test_openapi_lists_every_endpoint_with_examples(settings, js) -> None:
    async with intake(settings) as (client, _):
        doc = (await client.get("/openapi.json")).json()
        assert {
            ("post", "/v1/leads"),
            ("get", "/v1/leads/{lead_id}"),
            ("get", "/v1/customers/{customer_id}"),
            ("post", "/v1/complaints"),
            ("get", "/v1/complaints"),
            ("get", "/v1/complaints/{complaint_id}"),
            ("post", "/v1/complaints/{complaint_id}/handoffs"),
            ("post", "/v1/complaints/{complaint_id}/escalations"),
            ("post", "/v1/complaints/{complaint_id}/resolution"),
            ("post", "/v1/repair-requests"),
            ("get", "/v1/repair-requests/{request_id}"),
            ("get", "/v1/reports/complaints/weekly"),
        } <= {(m, p) for p, ops in doc["paths"].items() for m in ops}
        schemas = doc["components"]["schemas"]
        for name in (
            "LeadIn",
            "ComplaintIn",
            "HandoffIn",
            "EscalationIn",
            "ResolutionIn",
            "RepairRequestIn",
        ):
            assert schemas[name].get("examples"), name
        asyncapi = (await client.get("/asyncapi.json")).json()
        assert {
            "complaint.opened",
            "lead.registered",
            "report.published",
            "callback.completed",
            "repair.completed",
        } <= set(asyncapi["channels"])
