"""The desk's lists over HTTP on real Postgres: shipments by every filter, keyset pages, a
branch's route and nothing else, receipts due, and what a release requires."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from shared.calendar import BUSINESS_TZ
from tests.support.harness import eventually
from tests.support.logistics import ADMIN, create, scan, service, shipment_body, token, uid


async def waybills(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[str]:
    """Every waybill the list answers, following the cursors."""
    found: list[str] = []
    cursor = None
    while True:
        q = {**params, **({"cursor": cursor} if cursor else {})}
        r = await client.get("/v1/shipments", params=q, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        found += [i["waybill"] for i in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            return found


@pytest.mark.quick
async def test_duty_shipments_looked_up_by_customer_or_station_keyset_paged(settings) -> None:
    """根据客户或网点,查询货物在途信息和到发情况: GET /v1/shipments by a customer's phone, a
    station on the route, status and days, newest first, keyset-paged, a branch its own route."""
    u = uid()
    now = datetime.now(BUSINESS_TZ)
    o, d, t, other = f"O{u}", f"D{u}", f"T{u}", f"X{u}"
    phone = "139" + str(int(u, 16) % 10**8).zfill(8)
    async with service(settings) as (client, _):
        made = []
        for n in range(5):
            body = shipment_body(
                f"A{n}{u}",
                o,
                d,
                transfers=(t,) if n % 2 else (),
                dispatched=now - timedelta(hours=10 - n),
                promised=now + timedelta(days=2),
            )
            body["consignee"]["phone"] = phone if n < 3 else "13700000000"
            made.append((await create(client, body))["waybill"])
        late = shipment_body(
            f"L{u}", o, d, dispatched=now - timedelta(days=3), promised=now - timedelta(hours=1)
        )
        await create(client, late)
        await create(client, shipment_body(f"Z{u}", other, f"Y{u}", dispatched=now))
        assert (await scan(client, made[4], "arrived_destination", d, now)).status_code == 202

        newest_first = [*reversed(made), f"L{u}"]
        admin = ADMIN
        # Every shipment of a station, newest first, across pages of two.
        assert await waybills(client, admin, station=o, limit=2) == newest_first
        assert await waybills(client, admin, station=t) == [made[3], made[1]]
        assert await waybills(client, admin, destination_branch=d) == newest_first
        assert await waybills(
            client, admin, consignee_phone=f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"
        ) == [
            made[2],
            made[1],
            made[0],
        ]
        assert await waybills(client, admin, station=d, awaiting_release="true") == [made[4]]
        assert await waybills(client, admin, station=d, status=["arrived"]) == [made[4]]
        day = (now - timedelta(days=3)).date().isoformat()
        assert await waybills(client, admin, station=o, dispatched_to=day) == [f"L{u}"]

        # The branch sees its route only, whatever it asks; another branch's list is empty.
        branch = token(settings, "branch", branch=d)
        assert await waybills(client, branch) == newest_first
        assert await waybills(client, branch, station=other) == []
        stranger = token(settings, "branch", branch=other)
        assert f"A0{u}" not in await waybills(client, stranger)
        assert await waybills(client, token(settings, "cs", region="west"), station=o) == []

        page = await client.get("/v1/shipments", params={"station": d, "limit": 1}, headers=branch)
        item = page.json()["items"][0]
        assert item["consignee"]["phone"].count("*") == 4
        assert item["awaiting_release"] is True and item["arrived_batches"] == 1

        bad = await client.get("/v1/shipments", params={"cursor": "nope"}, headers=admin)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"
        bad = await client.get("/v1/shipments", params={"status": "lost"}, headers=admin)
        assert bad.status_code == 422


@pytest.mark.quick
async def test_delayed_shipments_are_listed_once_their_deadline_is_missed(settings) -> None:
    u = uid()
    now = datetime.now(BUSINESS_TZ)
    async with service(settings) as (client, _):
        late = shipment_body(f"L{u}", f"O{u}", f"D{u}", promised=now - timedelta(minutes=5))
        await create(client, late)
        await create(client, shipment_body(f"F{u}", f"O{u}", f"D{u}"))

        async def delayed() -> list[str]:
            return await waybills(client, ADMIN, station=f"D{u}", delayed="true")

        # The delay check fires at the promised time; the list follows what it recorded.
        assert await eventually(delayed) == [f"L{u}"]
        assert await waybills(client, ADMIN, station=f"D{u}", delayed="false") == [f"F{u}"]


@pytest.mark.quick
async def test_receipts_due_for_a_branch_soonest_first(settings) -> None:
    u = uid()
    now = datetime.now(BUSINESS_TZ)
    o, d = f"O{u}", f"D{u}"
    async with service(settings) as (client, _):
        for n, days_ago in ((1, 12), (2, 2)):
            wb = f"R{n}{u}"
            await create(client, shipment_body(wb, o, d, dispatched=now - timedelta(days=14)))
            at = now - timedelta(days=days_ago)
            assert (await scan(client, wb, "arrived_destination", d, at)).status_code == 202
        headers = token(settings, "branch", branch=d)
        r = await client.get("/v1/receipts", params={"limit": 1}, headers=headers)
        first = r.json()
        assert [i["waybill"] for i in first["items"]] == [f"R1{u}"]
        assert first["items"][0]["overdue"] is True and first["items"][0]["days_left"] == -2
        r = await client.get(
            "/v1/receipts", params={"cursor": first["next_cursor"]}, headers=headers
        )
        assert [i["waybill"] for i in r.json()["items"]] == [f"R2{u}"]
        assert r.json()["items"][0]["days_left"] == 8
        soon = await client.get("/v1/receipts", params={"within_days": 3}, headers=headers)
        assert [i["waybill"] for i in soon.json()["items"]] == [f"R1{u}"]
        origin = await client.get("/v1/receipts", headers=token(settings, "branch", branch=o))
        assert len(origin.json()["items"]) == 2
        stranger = token(settings, "branch", branch=f"X{u}")
        assert (await client.get("/v1/receipts", headers=stranger)).json()["items"] == []


@pytest.mark.quick
async def test_release_requirements_then_a_coded_refusal(settings) -> None:
    u = uid()
    now = datetime.now(BUSINESS_TZ)
    d = f"D{u}"
    async with service(settings) as (client, _):
        wb = f"W{u}"
        await create(client, shipment_body(wb, f"O{u}", d, consignee="杨民敬"))
        desk = token(settings, "branch", branch=d, sub="clerk")
        r = await client.get(f"/v1/shipments/{wb}/release-requirements", headers=desk)
        assert r.status_code == 200, r.text
        needs = r.json()
        assert needs["ready"] is False
        assert [x["code"] for x in needs["requirements"]] == [
            "not_arrived",
            "original_id",
            "exact_name",
            "delegate",
        ]
        assert needs["accepted_names"] == ["杨民敬"]
        assert (await scan(client, wb, "arrived_destination", d, now)).status_code == 202
        origin = token(settings, "branch", branch=f"O{u}")
        # The origin reads them too (it tells the shipper what the consignee must bring).
        told = await client.get(f"/v1/shipments/{wb}/release-requirements", headers=origin)
        assert told.status_code == 200 and told.json()["ready"] is True
        stranger = token(settings, "branch", branch=f"X{u}")
        hidden = await client.get(f"/v1/shipments/{wb}/release-requirements", headers=stranger)
        assert hidden.status_code == 404

        body = {"presented": {"name": "杨明静", "id_number": "11010519491231002X"}}
        r = await client.post(f"/v1/shipments/{wb}/release", json=body, headers=desk)
        assert r.status_code == 409
        assert r.json()["codes"] == ["name_differs"]

        proof = {"new_name": "杨明静", "note": "托运人来函更改收货人"}
        assert (
            await client.post(
                f"/v1/shipments/{wb}/consignee-change-proof", json=proof, headers=desk
            )
        ).status_code == 201
        needs = (await client.get(f"/v1/shipments/{wb}/release-requirements", headers=desk)).json()
        assert needs["ready"] is True
        assert needs["accepted_names"] == ["杨民敬", "杨明静"]
        assert needs["requirements"][-1]["code"] == "change_proof"
