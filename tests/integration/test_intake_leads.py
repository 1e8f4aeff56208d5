"""Intake's leads, customers and repair requests on real NATS and Postgres (DOMAIN.md §1.1)."""

from __future__ import annotations

from typing import Any

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


async def test_two_leads_for_one_phone_make_one_customer(settings, js) -> None:
    reception = auth(settings, "reception", sub="rec-zhang")
    async with intake(settings) as (client, _):
        first = await client.post("/v1/leads", json=lead_body(), headers=reception)
        again = lead_body(customer={"name": "王芳", "phone": "13812345678"}, source="walk-in")
        second = await client.post("/v1/leads", json=again, headers=reception)
        assert first.status_code == second.status_code == 201
        assert first.json()["customer_id"] == second.json()["customer_id"]
        assert first.json()["id"] != second.json()["id"]
        customer_id = first.json()["customer_id"]

        leads = await wait_for(js, "lead.registered", 2)
        assert [e["lead_source"] for e in leads] == ["referral", "walk-in"]
        assert {e["customer_id"] for e in leads} == {customer_id}
        assert leads[0]["lead_id"] == first.json()["id"]
        assert leads[0]["house"] == {
            "address": "上海市浦东新区锦绣路100弄5号1201",
            "area_m2": 98.5,
            "layout": "3室2厅",
        }
        assert leads[0]["budget_fen"] == 25_000_000
        assert leads[0]["expected_measure_on"] == "2026-12-01"
        assert leads[0]["expected_sign_on"] == "2026-12-20"
        assert leads[0]["requirements"] == "现代简约, 儿童房"
        assert leads[0]["source"] == "intake"
        registered = await wait_for(js, "customer.registered")
        assert len(registered) == 1
        assert registered[0]["customer_id"] == customer_id
        assert registered[0]["phone"] == "13812345678" and registered[0]["name"] == "王芳"
        assert await published(js, "customer.updated") == []

        # A later lead with another name for the same phone updates the customer.
        renamed = lead_body(customer={"name": "王芳芳", "phone": "0086 138 1234 5678"})
        third = await client.post("/v1/leads", json=renamed, headers=reception)
        assert third.json()["customer_id"] == customer_id
        updated = await wait_for(js, "customer.updated")
        assert updated[0]["name"] == "王芳芳" and updated[0]["version"] == 2

        r = await client.get(f"/v1/customers/{customer_id}", headers=reception)
        assert r.status_code == 200
        body = r.json()
        assert body["name"] == "王芳芳" and body["phone"] == "138****5678"
        assert [e["kind"] for e in body["timeline"]] == ["lead"] * 3
        assert {e["detail"] for e in body["timeline"]} == {"referral", "walk-in"}
    conn = await db(settings)
    try:
        assert await conn.fetchval("SELECT count(*) FROM intake.customers") == 1
        assert await conn.fetchval("SELECT count(*) FROM intake.leads") == 3
    finally:
        await conn.close()


async def test_timeline_and_repair_requests(settings, js) -> None:
    cs = auth(settings, "cs", sub="cs-li")
    async with intake(settings) as (client, _):
        lead = await client.post("/v1/leads", json=lead_body(), headers=ADMIN)
        customer_id = lead.json()["customer_id"]
        complaint = await client.post(
            "/v1/complaints",
            json=complaint_body(
                customer={"name": "王芳", "phone": "138 1234 5678"},
                category="logistics",
                department="logistics",
                subject={"kind": "shipment", "id": "WB20261126001"},
            ),
            headers=cs,
        )
        assert complaint.status_code == 201
        complaint_id = complaint.json()["id"]
        repair = await client.post(
            "/v1/repair-requests",
            json={
                "customer_id": customer_id,
                "project_id": "P-1001",
                "complaint_id": complaint_id,
                "address": "上海市浦东新区锦绣路100弄5号1201",
                "problem": "厨房水管漏水",
            },
            headers=cs,
        )
        assert repair.status_code == 201
        # Only the complaint is needed: the repair request takes its customer.
        from_complaint = await client.post(
            "/v1/repair-requests",
            json={"complaint_id": complaint_id, "address": "同上", "problem": "墙面开裂"},
            headers=cs,
        )
        assert from_complaint.status_code == 201

        requested = await wait_for(js, "repair.requested", 2)
        assert requested[0]["request_id"] == repair.json()["id"]
        assert requested[0]["customer_id"] == customer_id
        assert requested[0]["project_id"] == "P-1001"
        assert requested[0]["complaint_id"] == complaint_id
        assert requested[0]["problem"] == "厨房水管漏水"
        assert requested[1]["customer_id"] == customer_id and requested[1]["project_id"] is None

        r = await client.get(f"/v1/repair-requests/{repair.json()['id']}", headers=cs)
        assert r.status_code == 200 and r.json()["problem"] == "厨房水管漏水"

        timeline = (await client.get(f"/v1/customers/{customer_id}", headers=cs)).json()["timeline"]
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for entry in timeline:
            by_kind.setdefault(entry["kind"], []).append(entry)
        assert len(by_kind["lead"]) == 1 and len(by_kind["repair_request"]) == 2
        assert by_kind["complaint"][0]["status"] == "open"
        assert by_kind["complaint"][0]["refers_to"] == [{"kind": "shipment", "id": "WB20261126001"}]
        refs = [e["refers_to"] for e in by_kind["repair_request"]]
        assert [
            {"kind": "project", "id": "P-1001"},
            {"kind": "complaint", "id": complaint_id},
        ] in refs

        unknown = await client.post(
            "/v1/repair-requests",
            json={
                "complaint_id": "00000000-0000-0000-0000-000000000000",
                "address": "x",
                "problem": "y",
            },
            headers=cs,
        )
        assert unknown.status_code == 422
        assert unknown.json()["errors"][0]["field"] == "complaint_id"


async def test_a_branch_sees_only_its_own_records(settings, js) -> None:
    sh = auth(settings, "branch", branch="SH01")
    bj = auth(settings, "branch", branch="BJ01")
    async with intake(settings) as (client, _):
        lead = (await client.post("/v1/leads", json=lead_body(), headers=sh)).json()
        complaint = await client.post("/v1/complaints", json=complaint_body(), headers=sh)
        repair = await client.post(
            "/v1/repair-requests",
            json={"customer_id": lead["customer_id"], "address": "a", "problem": "p"},
            headers=sh,
        )
        assert complaint.status_code == repair.status_code == 201
        paths = [
            f"/v1/leads/{lead['id']}",
            f"/v1/customers/{lead['customer_id']}",
            f"/v1/complaints/{complaint.json()['id']}",
            f"/v1/repair-requests/{repair.json()['id']}",
        ]
        for path in paths:
            assert (await client.get(path, headers=sh)).status_code == 200, path
            other = await client.get(path, headers=bj)
            assert other.status_code == 404, path
            assert other.headers["content-type"] == "application/problem+json"
        listed = await client.get("/v1/complaints", headers=bj)
        assert listed.status_code == 200 and listed.json()["items"] == []
        assert len((await client.get("/v1/complaints", headers=sh)).json()["items"]) == 1
        # Another branch cannot attach its forms to this branch's customer by id.
        stolen = await client.post(
            "/v1/complaints",
            json=complaint_body(customer=None, customer_id=lead["customer_id"]),
            headers=bj,
        )
        assert stolen.status_code == 422 and stolen.json()["errors"][0]["field"] == "customer_id"
        # The same phone through another branch reuses the customer, and the branch then
        # sees the customer with its own records only.
        bj_lead = (await client.post("/v1/leads", json=lead_body(), headers=bj)).json()
        assert bj_lead["customer_id"] == lead["customer_id"]
        seen = (await client.get(f"/v1/customers/{lead['customer_id']}", headers=bj)).json()
        assert [e["id"] for e in seen["timeline"]] == [bj_lead["id"]]

        opened = await wait_for(js, "complaint.opened")
        assert opened[0]["branch_id"] == "SH01" and opened[0]["received_by_sub"] == "branch:SH01"
        leads = await wait_for(js, "lead.registered", 2)
        assert [e["branch_id"] for e in leads] == ["SH01", "BJ01"]
    conn = await db(settings)
    try:
        rows = await conn.fetch(
            "SELECT branch_id FROM intake.leads UNION ALL SELECT branch_id FROM intake.complaints"
            " UNION ALL SELECT branch_id FROM intake.repair_requests"
        )
        assert sorted(r["branch_id"] for r in rows) == ["BJ01", "SH01", "SH01", "SH01"]
    finally:
        await conn.close()


async def test_a_lead_form_entered_later_keeps_its_business_time(settings, js) -> None:
    reception = auth(settings, "reception", sub="rec-zhang")
    async with intake(settings) as (client, _):
        body = lead_body(customer={"name": "赵敏", "phone": "13900001111"})
        r = await client.post(
            "/v1/leads",
            json={**body, "registered_at": "2026-03-02T09:30:00+08:00"},
            headers=reception,
        )
        assert r.status_code == 201, r.text
        leads = await wait_for(js, "lead.registered")
        assert leads[0]["registered_at"] == "2026-03-02T09:30:00+08:00"
        future = await client.post(
            "/v1/leads",
            json={**body, "registered_at": "2999-01-01T00:00:00+08:00"},
            headers=reception,
        )
        assert future.status_code == 422
        assert future.json()["errors"][0]["field"] == "registered_at"
