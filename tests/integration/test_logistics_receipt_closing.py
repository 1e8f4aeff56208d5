"""Receipts that end without finance, through the service on real NATS and Postgres
(日回单管理 2), 3)): a cash-paid receipt cancelled and the shipper told, a receipt the customer
collects at the origin signed out and written off."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.calendar import BUSINESS_TZ
from tests.support.harness import eventually
from tests.support.logistics import (
    create,
    events,
    local_noon,
    scan,
    service,
    shipment,
    shipment_body,
    today,
    token,
    uid,
)


async def test_duty_cash_paid_receipt_is_cancelled_and_the_customer_told(settings, js) -> None:
    """现付类回单,要及时通知客户取消,并做好交接: the origin cancels an overdue receipt; it leaves
    the overdue list and the custody register, its chase stops, receipt.cancelled carries the
    shipper's phone for the SMS; the destination may not, and a second cancel is refused."""
    u = uid()
    o, d, region = f"O{u}", f"D{u}", f"r{u}"
    wb = f"C{u}"
    async with service(settings) as (client, _):
        await create(client, shipment_body(wb, o, d, region=region, shipper_phone="13811112222"))
        arrived = local_noon(today() - timedelta(days=12))  # direct: due 2 days ago
        assert (await scan(client, wb, "arrived_destination", d, arrived)).status_code == 202
        cs = token(settings, "cs")
        assert await eventually(lambda: events(js, "receipt.overdue", waybill=wb))
        listed = await client.get("/v1/receipts/overdue", headers=cs, params={"region": region})
        assert [i["waybill"] for i in listed.json()["items"]] == [wb]

        r = await client.post(
            f"/v1/shipments/{wb}/receipt/cancel",
            headers=token(settings, "branch", branch=d),
            json={"note": "现付"},
        )
        assert r.status_code == 403, r.text
        origin = token(settings, "branch", branch=o, sub="clerk-zhao")
        r = await client.post(
            f"/v1/shipments/{wb}/receipt/cancel", headers=origin, json={"note": "运费已现付"}
        )
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["closed_at"] is not None) == ("cancelled", True)
        again = await client.post(f"/v1/shipments/{wb}/receipt/cancel", headers=origin, json={})
        assert again.status_code == 409 and "cannot be cancelled" in again.json()["detail"]

        [told] = await eventually(lambda: events(js, "receipt.cancelled", waybill=wb))
        assert (told["reason"], told["contacts"]["shipper_phone"], told["note"]) == (
            "cash_paid",
            "13811112222",
            "运费已现付",
        )
        assert (told["origin_branch"], told["branch_id"]) == (o, o)
        listed = await client.get("/v1/receipts/overdue", headers=cs, params={"region": region})
        assert listed.json()["items"] == []
        got = (await shipment(client, wb))["receipt"]
        assert (got["status"], got["overdue"]) == ("cancelled", False)
        chain = (await client.get(f"/v1/shipments/{wb}/receipt/custody", headers=origin)).json()
        assert [(h["step"], h["to"], h["by"]) for h in chain["handovers"]] == [
            ("cash_paid", "void", "clerk-zhao")
        ]
        held = await client.get("/v1/receipts/custody", headers=cs, params={"region": region})
        assert held.json()["items"] == []
        r = await client.post(f"/v1/shipments/{wb}/receipt/received", headers=origin)
        assert r.status_code == 409


async def test_duty_customer_collects_receipt_and_it_is_written_off(settings, js) -> None:
    """客户上门取回单,作回单签收登记和系统回单核销: once the receipt is back at the origin, the
    customer signs for it there; it is written off, held by whoever took it, and
    receipt.collected tells the shipper. Not back yet: refused."""
    u = uid()
    o, d, region = f"O{u}", f"D{u}", f"r{u}"
    wb = f"K{u}"
    now = datetime.now(BUSINESS_TZ)
    async with service(settings) as (client, _):
        await create(client, shipment_body(wb, o, d, region=region))
        assert (await scan(client, wb, "arrived_destination", d, now)).status_code == 202
        dest = token(settings, "branch", branch=d)
        origin = token(settings, "branch", branch=o)
        for step, who in (("signed", dest), ("sent", dest)):
            r = await client.post(f"/v1/shipments/{wb}/receipt/{step}", headers=who)
            assert r.status_code == 200, r.text
        early = await client.post(
            f"/v1/shipments/{wb}/receipt/collected", headers=origin, json={"collected_by": "王芳"}
        )
        assert early.status_code == 409
        assert "once it is received at the origin" in early.json()["detail"]
        r = await client.post(f"/v1/shipments/{wb}/receipt/received", headers=origin)
        assert r.status_code == 200, r.text
        r = await client.post(
            f"/v1/shipments/{wb}/receipt/collected", headers=origin, json={"collected_by": ""}
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "collected_by"
        r = await client.post(
            f"/v1/shipments/{wb}/receipt/collected",
            headers=token(settings, "logistics", sub="desk-1"),
            json={"collected_by": "王芳"},
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "written_off"

        [told] = await eventually(lambda: events(js, "receipt.collected", waybill=wb))
        assert (told["collected_by"], told["contacts"]["shipper_phone"]) == ("王芳", "13800000000")
        chain = (await client.get(f"/v1/shipments/{wb}/receipt/custody", headers=origin)).json()
        assert (chain["status"], chain["holder"]) == ("written_off", "王芳")
        assert [(h["step"], h["from"], h["to"]) for h in chain["handovers"]][-2:] == [
            ("received", f"post:{d}>{o}", o),
            ("collected", o, "王芳"),
        ]
        unsettled = await client.get(
            "/v1/receipts/unsettled", headers=token(settings, "cs"), params={"region": region}
        )
        assert unsettled.json()["items"] == []
        r = await client.post(
            f"/v1/shipments/{wb}/receipt/settled", headers=token(settings, "finance")
        )
        assert r.status_code == 409
