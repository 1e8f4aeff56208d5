"""Shippers as customers through the service on real NATS and Postgres: the file read and kept
up to date, a long-term rate, the month's visit list with the visits and the compilation for
the supervisor, and data given only after a superior's approval."""

from __future__ import annotations

from datetime import datetime

from shared.calendar import BUSINESS_TZ
from tests.support.harness import eventually
from tests.support.logistics import ADMIN, create, db, events, service, shipment_body, token, uid


async def test_duty_shipper_file_rates_visits_and_satisfaction(settings, js) -> None:
    u = uid()
    o = f"O{u}"
    phone = f"137{int(u, 16) % 10**8:08d}"
    async with service(settings) as (client, _):
        made = await create(client, shipment_body(f"F{u}", o, f"D{u}", shipper_phone=phone))
        sid = made["shipper_id"]
        own, other = token(settings, "branch", branch=o), token(settings, "branch", branch=f"X{u}")
        cs = token(settings, "cs", sub="cs-wang")

        # 客户资料更新,建档: read and update the file; another branch does not see it.
        assert (await client.get(f"/v1/shippers/{sid}", headers=other)).status_code == 404
        r = await client.patch(
            f"/v1/shippers/{sid}",
            headers=cs,
            json={"contact_person": "李经理", "address": "上海市嘉定区", "key_customer": True},
        )
        assert r.status_code == 200, r.text
        got = r.json()
        assert (got["contact_person"], got["key_customer"], got["file_updated_by"]) == (
            "李经理",
            True,
            "cs-wang",
        )
        assert got["phone"] == phone[:3] + "****" + phone[-4:]
        told = await eventually(
            lambda: events(js, "shipper.registered", shipper_id=sid, key_customer=True)
        )
        assert told[-1]["name"] == "上海建材"
        r = await client.patch(f"/v1/shippers/{sid}", headers=cs, json={"rating": 5})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "rating"

        # 长期合作的运价.
        rate = {
            "origin": o,
            "destination": f"D{u}",
            "unit": "kg",
            "price_fen": 120,
            "valid_from": "2026-01-01",
        }
        r = await client.post(f"/v1/shippers/{sid}/rates", headers=own, json=rate)
        assert r.status_code == 201, r.text
        bad = await client.post(
            f"/v1/shippers/{sid}/rates", headers=own, json={**rate, "valid_to": "2025-12-31"}
        )
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "valid_to"
        got = (await client.get(f"/v1/shippers/{sid}", headers=own)).json()
        assert got["rates"] == [
            {
                "origin": o,
                "destination": f"D{u}",
                "unit": "kg",
                "price_fen": 120,
                "min_charge_fen": 0,
                "valid_from": "2026-01-01",
                "valid_to": None,
            }
        ]

        # 每月定期对重点客户…回访: a key customer is on this month's list; the visit records
        # the satisfaction, the month's compilation counts it.
        month = f"{datetime.now(BUSINESS_TZ):%Y-%m}"
        listed = (
            await client.get("/v1/shipper-visits", params={"month": month}, headers=cs)
        ).json()
        mine = [x for x in listed["items"] if x["shipper_id"] == sid]
        assert [(x["kind"], x["visit"]) for x in mine] == [("key", None)]
        r = await client.post(
            f"/v1/shippers/{sid}/visits",
            headers=cs,
            json={
                "month": month,
                "reached": True,
                "satisfaction": 4,
                "feedback": "希望提前通知到货",
            },
        )
        assert r.status_code == 201, r.text
        assert r.json()["kind"] == "key"
        r = await client.post(
            f"/v1/shippers/{sid}/visits",
            headers=cs,
            json={"month": month, "reached": False, "satisfaction": 4},
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "satisfaction"
        rep = (
            await client.get(
                "/v1/reports/shipper-visits/monthly",
                params={"month": month},
                headers=token(settings, "dept_head"),
            )
        ).json()
        assert rep["total"]["visited"] >= 1
        [fb] = [f for f in rep["feedback"] if f["shipper_id"] == sid]
        assert (fb["satisfaction"], fb["feedback"], fb["name"]) == (
            4,
            "希望提前通知到货",
            "上海建材",
        )
        [line] = [b for b in rep["by_branch"] if b["group"] == o]
        assert (line["visited"], line["average"], line["satisfied"]) == (1, 4.0, 1)
        csv = await client.get(
            "/v1/reports/shipper-visits/monthly",
            params={"month": month, "format": "csv"},
            headers=ADMIN,
        )
        assert f"branch:{o},1,1,1,4.0,1,0,0,0,1,0" in csv.text.splitlines()


async def test_duty_data_request_needs_a_superiors_approval(settings) -> None:
    async with service(settings) as (client, _):
        cs = token(settings, "cs", sub="cs-li")
        r = await client.post(
            "/v1/data-requests",
            headers=cs,
            json={"department": "finance", "scope": "11月回单明细", "purpose": "对账"},
        )
        assert r.status_code == 201, r.text
        rid = r.json()["request_id"]
        assert r.json()["status"] == "pending"
        early = await client.post(f"/v1/data-requests/{rid}/provided", headers=cs)
        assert early.status_code == 409 and "after a superior approved" in early.json()["detail"]
        r = await client.post(
            f"/v1/data-requests/{rid}/decision", headers=cs, json={"approve": True}
        )
        assert r.status_code == 403
        head = token(settings, "dept_head", sub="head-zhou")
        r = await client.post(
            f"/v1/data-requests/{rid}/decision",
            headers=head,
            json={"approve": True, "note": "同意"},
        )
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["decided_by"]) == ("approved", "head-zhou")
        r = await client.post(f"/v1/data-requests/{rid}/provided", headers=cs)
        assert r.status_code == 200 and r.json()["status"] == "provided"
        listed = await client.get("/v1/data-requests", params={"status": "provided"}, headers=head)
        [found] = [x for x in listed.json()["items"] if x["request_id"] == rid]
        assert (found["requested_by"], found["decided_by"], found["provided_by"]) == (
            "cs-li",
            "head-zhou",
            "cs-li",
        )
        conn = await db(settings)
        try:
            status = await conn.fetchval(
                "SELECT status FROM logistics.data_requests WHERE request_id = $1::uuid", rid
            )
        finally:
            await conn.close()
        assert status == "provided"
        missing = await client.post(
            "/v1/data-requests/not-a-uuid/decision", headers=head, json={"approve": False}
        )
        assert missing.status_code == 404
