"""发货方厂家单 through the service on real NATS and Postgres: a waybill whose remarks ask for the
shipper's own slip, found missing down the route, tells the origin."""

from __future__ import annotations

from tests.support.harness import eventually
from tests.support.logistics import (
    create,
    events,
    service,
    shipment,
    shipment_body,
    token,
    uid,
)


async def test_duty_shipper_slip_missing_tells_the_origin_over_http(settings, js) -> None:
    """The remarks ask for the slip (`shipper_slip`); the destination finds none with the
    waybill: logged in the history, shipment.shipper_slip.missing names the origin to confirm
    with. A waybill that asks for none is 409; another branch reports for its own station only;
    the origin is not the one to find it missing."""
    u = uid()
    o, t, d = f"O{u}", f"T{u}", f"D{u}"
    wb, plain = f"S{u}", f"N{u}"
    async with service(settings) as (client, _):
        body = shipment_body(wb, o, d, transfers=(t,))
        body["shipper_slip"] = True
        await create(client, body)
        await create(client, shipment_body(plain, o, d, transfers=(t,)))
        assert (await shipment(client, wb))["shipper_slip"] is True
        dest = token(settings, "branch", branch=d, sub="clerk-chen")
        url = f"/v1/shipments/{wb}/shipper-slip/missing"

        r = await client.post(url, headers=dest, json={"station": t})
        assert r.status_code == 403, r.text
        r = await client.post(url, headers=token(settings, "branch", branch=o), json={"station": o})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "station"
        r = await client.post(
            f"/v1/shipments/{plain}/shipper-slip/missing", headers=dest, json={"station": d}
        )
        assert r.status_code == 409 and "ask for no shipper's slip" in r.json()["detail"]

        r = await client.post(
            url, headers=dest, json={"station": d, "note": "托运凭证后未见厂家单"}
        )
        assert r.status_code == 201, r.text
        assert (r.json()["origin_branch"], r.json()["station"]) == (o, d)
        [told] = await eventually(lambda: events(js, "shipment.shipper_slip.missing", waybill=wb))
        assert (told["origin_branch"], told["station"], told["note"], told["branch_id"]) == (
            o,
            d,
            "托运凭证后未见厂家单",
            o,
        )
        history = (await shipment(client, wb))["history"]
        [logged] = [h for h in history if h["type"] == "shipper_slip_missing"]
        assert logged["by"] == "clerk-chen"
