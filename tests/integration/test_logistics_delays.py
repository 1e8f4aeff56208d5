"""The monthly delays report through the service on real Postgres: a known month of one region
worked by hand — per route the shipments dispatched and the delayed with the rate, per station
the delay reports naming it — and who may read which region."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.calendar import BUSINESS_TZ
from tests.support.harness import eventually
from tests.support.logistics import (
    ADMIN,
    create,
    events,
    scan,
    service,
    shipment_body,
    token,
    uid,
)


async def test_the_months_delays_per_route_and_per_station(settings, js) -> None:
    """Route O→D: S1 missed its promise on the way (reported, the origin to call), S2 arrived
    in time, S3 was reported late and then arrived late, S4 is on its way with a later time
    confirmed by the destination: 3 of 4 delayed. Route D→O: S7 reported late: 1 of 1. Route
    O→H: S5 and S6 on their way in time: 0 of 2. S8 was dispatched last month: not counted. The
    delay reports: O twice (S1, S3), D once (S7)."""
    u = uid()
    o, d, h, region = f"O{u}", f"D{u}", f"H{u}", f"R{u}"
    now = datetime.now(BUSINESS_TZ)
    sent = now - timedelta(minutes=30)
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    waybills = {n: f"S{n}{u}" for n in range(1, 9)}

    def body(
        n: int, origin: str, destination: str, promised: datetime, **over: datetime
    ) -> dict[str, Any]:
        return shipment_body(
            waybills[n],
            origin,
            destination,
            region=region,
            dispatched=over.get("dispatched", sent),
            promised=promised,
        )

    async with service(settings) as (client, _):
        await create(client, body(1, o, d, now - timedelta(minutes=10)))
        await create(client, body(2, o, d, now + timedelta(days=2)))
        await create(client, body(3, o, d, now - timedelta(minutes=20)))
        await create(client, body(4, o, d, now + timedelta(days=1)))
        await create(client, body(5, o, h, now + timedelta(days=1)))
        await create(client, body(6, o, h, now + timedelta(days=2)))
        await create(client, body(7, d, o, now - timedelta(minutes=5)))
        last_month = month_start - timedelta(days=2)
        await create(client, body(8, o, d, now + timedelta(days=3), dispatched=last_month))
        for n in (1, 3, 7):
            await eventually(lambda n=n: events(js, "shipment.delayed", waybill=waybills[n]))
        arrived = now - timedelta(minutes=2)
        assert (
            await scan(client, waybills[2], "arrived_destination", d, arrived)
        ).status_code == 202
        assert (
            await scan(client, waybills[3], "arrived_destination", d, arrived)
        ).status_code == 202
        r = await client.post(
            f"/v1/shipments/{waybills[4]}/eta",
            json={"eta": (now + timedelta(days=3)).isoformat(), "station": d, "note": "堵车"},
            headers=ADMIN,
        )
        assert r.status_code == 200, r.text

        month = f"{now:%Y-%m}"
        manager = token(settings, "manager")
        r = await client.get(
            "/v1/reports/delays/monthly", params={"month": month, "region": region}, headers=manager
        )
        assert r.status_code == 200, r.text
        assert r.json() == {
            "month": month,
            "region": region,
            "shipments": 7,
            "delayed": 4,
            "delay_rate_pct": 57.1,
            "routes": [
                {
                    "origin_branch": o,
                    "destination_branch": d,
                    "shipments": 4,
                    "delayed": 3,
                    "delay_rate_pct": 75.0,
                },
                {
                    "origin_branch": d,
                    "destination_branch": o,
                    "shipments": 1,
                    "delayed": 1,
                    "delay_rate_pct": 100.0,
                },
                {
                    "origin_branch": o,
                    "destination_branch": h,
                    "shipments": 2,
                    "delayed": 0,
                    "delay_rate_pct": 0.0,
                },
            ],
            "stations": [{"station": o, "delays": 2}, {"station": d, "delays": 1}],
        }
        # The stations' delays are the scorecards' own.
        cards = await client.get(
            "/v1/reports/stations/monthly",
            params={"month": month, "region": region},
            headers=manager,
        )
        assert {x["station"]: x["delays"] for x in cards.json()["stations"] if x["delays"]} == {
            o: 2,
            d: 1,
        }
        # Last month: S8 alone, on its way in time.
        r = await client.get(
            "/v1/reports/delays/monthly",
            params={"month": f"{last_month:%Y-%m}", "region": region},
            headers=manager,
        )
        assert r.json()["routes"] == [
            {
                "origin_branch": o,
                "destination_branch": d,
                "shipments": 1,
                "delayed": 0,
                "delay_rate_pct": 0.0,
            }
        ]
        assert r.json()["stations"] == []

        # A region token reads its region only; a branch may not read the report at all.
        elsewhere = token(settings, "logistics", region=f"N{u}")
        r = await client.get(
            "/v1/reports/delays/monthly", params={"month": month}, headers=elsewhere
        )
        assert r.json()["region"] == f"N{u}"
        assert (r.json()["routes"], r.json()["stations"], r.json()["delay_rate_pct"]) == (
            [],
            [],
            None,
        )
        r = await client.get(
            "/v1/reports/delays/monthly",
            params={"month": month, "region": region},
            headers=elsewhere,
        )
        assert r.status_code == 403
        branch = token(settings, "branch", branch=o)
        r = await client.get("/v1/reports/delays/monthly", params={"month": month}, headers=branch)
        assert r.status_code == 403
        r = await client.get(
            "/v1/reports/delays/monthly", params={"month": "2026-13"}, headers=ADMIN
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "month"
