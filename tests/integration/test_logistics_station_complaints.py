"""Complaints per station on the scorecard, through the bus on real NATS and Postgres: intake's
complaint.opened naming a waybill counts against the station the shipment was at or heading
to; a redelivery counts once; a complaint about an unknown waybill or no shipment, not at all."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from nats.js import JetStreamContext

from shared.calendar import BUSINESS_TZ
from shared.contracts.intake import ComplaintOpened
from tests.support.harness import eventually
from tests.support.logistics import create, db, scan, service, shipment_body, token, uid


def opened(waybill: str, **kw: Any) -> ComplaintOpened:
    values: dict[str, Any] = dict(
        source="intake",
        complaint_id=f"cmp-{uuid.uuid4().hex[:12]}",
        customer_id="cust-9",
        department="logistics",
        channel="phone",
        category="delay",
        severity="normal",
        subject={"kind": "shipment", "id": waybill},
        description="货还没到",
        received_by="cs",
        received_by_sub="agent-3",
    )
    values.update(kw)
    return ComplaintOpened(**values)


async def publish(js: JetStreamContext, event: ComplaintOpened) -> None:
    await js.publish(event.SUBJECT, event.to_json(), headers={"Nats-Msg-Id": str(event.event_id)})


async def test_duty_station_scorecard_counts_complaints_from_the_bus(settings, js) -> None:
    u = uid()
    o, t, d, region = f"O{u}", f"T{u}", f"D{u}", f"r{u}"
    moving, arrived = f"M{u}", f"A{u}"
    now = datetime.now(BUSINESS_TZ)
    async with service(settings) as (client, _):
        await create(client, shipment_body(moving, o, d, transfers=(t,), region=region))
        await create(client, shipment_body(arrived, o, d, transfers=(t,), region=region))
        at = now - timedelta(minutes=5)
        assert (await scan(client, moving, "departed", o, at)).status_code == 202
        assert (await scan(client, arrived, "arrived_destination", d, at)).status_code == 202

        on_way, at_dest = opened(moving), opened(arrived)
        for event in (on_way, at_dest, opened(f"X{u}"), opened(moving, subject=None)):
            await publish(js, event)
        # A redelivery of the same event (another message id) is the same complaint.
        await js.publish(on_way.SUBJECT, on_way.to_json(), headers={"Nats-Msg-Id": f"again-{u}"})

        async def filed() -> list[Any]:
            conn = await db(settings)
            try:
                return list(
                    await conn.fetch(
                        "SELECT waybill, station FROM logistics.shipment_complaints"
                        " WHERE region = $1 ORDER BY waybill",
                        region,
                    )
                )
            finally:
                await conn.close()

        rows = await eventually(lambda: _two(filed))
        assert [(r["waybill"], r["station"]) for r in rows] == [(arrived, d), (moving, t)]

        r = await client.get(
            "/v1/reports/stations/monthly",
            params={"month": f"{now:%Y-%m}", "region": region},
            headers=token(settings, "manager"),
        )
        assert r.status_code == 200, r.text
        counted = {x["station"]: x["complaints"] for x in r.json()["stations"]}
        assert counted == {t: 1, d: 1}
        r = await client.get(
            "/v1/reports/stations/monthly",
            params={"month": f"{now:%Y-%m}", "region": region, "format": "csv"},
            headers=token(settings, "manager"),
        )
        header, *lines = r.text.strip().splitlines()
        assert header.split(",")[-1] == "complaints"
        assert sorted(line.split(",")[-1] for line in lines) == ["1", "1"]


async def _two(read: Any) -> list[Any]:
    rows = await read()
    return rows if len(rows) >= 2 else []
