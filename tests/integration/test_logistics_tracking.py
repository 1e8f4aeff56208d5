"""Shipments over HTTP on real servers: registration, branch visibility, scans, history, delays
and urgent loading (DOMAIN.md §4.1)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from shared.calendar import BUSINESS_TZ, end_of_local_day
from tests.support.harness import eventually
from tests.support.logistics import (
    ADMIN,
    create,
    db,
    events,
    scan,
    service,
    shipment,
    shipment_body,
    token,
    uid,
)


@pytest.mark.quick
async def test_registration_visibility_scans_and_history(settings, js) -> None:
    u = uid()
    wb, o, t, d = f"WB{u}", f"O{u}", f"T{u}", f"D{u}"
    async with service(settings) as (client, _):
        phone = f"137{int(u, 16) % 10**8:08d}"
        body = shipment_body(
            wb,
            o,
            d,
            transfers=(t,),
            key_customer=True,
            shipper_phone=phone,
            dispatched=datetime.now(BUSINESS_TZ) - timedelta(hours=6),
        )
        r = await client.post(
            "/v1/shipments", json=body, headers=token(settings, "branch", branch=o)
        )
        assert r.status_code == 201, r.text
        created = r.json()
        assert created["status"] == "created" and created["receipt_required"] is True
        # Duplicate waybill; a branch registering for another origin; a bad route shape.
        assert (await client.post("/v1/shipments", json=body, headers=ADMIN)).status_code == 409
        other = shipment_body(f"X{u}", d, o)
        r = await client.post(
            "/v1/shipments", json=other, headers=token(settings, "branch", branch=o)
        )
        assert r.status_code == 403
        bad = shipment_body(f"Y{u}", o, d) | {"transfers": 1}
        r = await client.post("/v1/shipments", json=bad, headers=ADMIN)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "transfer_branches"

        # Origin, transfer and destination branches read it; any other branch gets 404.
        for branch in (o, t, d):
            r = await client.get(
                f"/v1/shipments/{wb}", headers=token(settings, "branch", branch=branch)
            )
            assert r.status_code == 200
        stranger = token(settings, "branch", branch=f"Z{u}")
        assert (await client.get(f"/v1/shipments/{wb}", headers=stranger)).status_code == 404
        assert (
            await scan(client, wb, "departed", o, datetime.now(BUSINESS_TZ), headers=stranger)
        ).status_code == 404
        assert (await client.get("/v1/shipments/NOPE", headers=ADMIN)).status_code == 404
        assert (await client.get(f"/v1/shipments/{wb}")).status_code == 401
        cs = token(settings, "cs")
        r = await client.post(
            f"/v1/shipments/{wb}/scans", headers=cs, json={"kind": "departed", "station": o}
        )
        assert r.status_code == 403

        t0 = datetime.now(BUSINESS_TZ) - timedelta(hours=5)
        r = await scan(client, wb, "departed", o, t0, headers=token(settings, "branch", branch=o))
        assert r.status_code == 202 and r.json()["status"] == "in_transit"
        r = await scan(
            client,
            wb,
            "arrived_hub",
            t,
            t0 + timedelta(hours=2),
            headers=token(settings, "branch", branch=t),
        )
        assert r.status_code == 202
        # A scan from tomorrow, a station off the route, a batch the waybill does not have.
        r = await scan(client, wb, "arrived_hub", t, datetime.now(BUSINESS_TZ) + timedelta(days=1))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "at"
        r = await scan(client, wb, "arrived_hub", f"Q{u}", t0 + timedelta(hours=3))
        assert r.status_code == 409 and f"Q{u}" in r.json()["detail"]
        r = await scan(client, wb, "arrived_destination", d, t0 + timedelta(hours=3), batch=2)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "batch"
        r = await client.post(
            f"/v1/shipments/{wb}/notes",
            headers=cs,
            json={
                "kind": "vehicle",
                "note": "truck 沪A12345 on G60",
                "at": (t0 + timedelta(hours=3)).isoformat(),
            },
        )
        assert r.status_code == 201
        r = await scan(
            client,
            wb,
            "arrived_destination",
            d,
            t0 + timedelta(hours=4),
            headers=token(settings, "branch", branch=d),
        )
        assert r.status_code == 202 and r.json()["status"] == "arrived"

        got = await shipment(client, wb)
        assert got["status"] == "arrived" and got["delayed"] is False
        kinds = [(h["type"], h.get("kind")) for h in got["history"]]
        assert kinds == [
            ("registered", None),
            ("scan", "departed"),
            ("scan", "arrived_hub"),
            ("note", "vehicle"),
            ("scan", "arrived_destination"),
        ]
        assert got["receipt"]["status"] == "required"
        arrival_day = (t0 + timedelta(hours=4)).astimezone(BUSINESS_TZ).date()
        assert got["receipt"]["due_on"] == (arrival_day + timedelta(days=15)).isoformat()
        assert got["consignee"]["phone"] == "139****0000"

        dispatched = await eventually(lambda: events(js, "shipment.dispatched", waybill=wb))
        assert dispatched[0]["origin"] == o and dispatched[0]["transfers"] == 1
        shipper = await eventually(
            lambda: events(js, "shipper.registered", shipper_id=created["shipper_id"])
        )
        assert shipper[0]["key_customer"] is True and shipper[0]["phone"] == phone
        arrived = await eventually(lambda: events(js, "shipment.arrived", waybill=wb))
        assert len(arrived) == 1 and arrived[0]["batch"] == 1
        assert arrived[0]["contacts"]["consignee_phone"] == "13900000000"

        # The platform surface: ready, and the AsyncAPI document lists what flows.
        assert (await client.get("/readyz")).status_code == 200
        doc = (await client.get("/asyncapi.json")).json()
        assert {
            "shipment.delayed",
            "receipt.overdue",
            "report.published",
            "ingest.*.shipment.scanned",
        } <= set(doc["channels"])
        assert "kefu_logistics_releases_total" in (await client.get("/metrics")).text


@pytest.mark.quick
async def test_delay_is_reported_rechecked_and_told_with_the_confirmed_eta(settings, js) -> None:
    u = uid()
    wb, o, t, d = f"WB{u}", f"O{u}", f"T{u}", f"D{u}"
    now = datetime.now(BUSINESS_TZ)
    promised = now + timedelta(hours=1)
    hour = 3600
    async with service(settings) as (client, app):
        body = shipment_body(
            wb, o, d, transfers=(t,), promised=promised, dispatched=now - timedelta(hours=5)
        )
        await create(client, body)
        assert (await scan(client, wb, "departed", o, now - timedelta(hours=4))).status_code == 202
        assert (await shipment(client, wb))["delayed"] is False
        # Two hours later on the database clock it has not arrived: delayed, T to be called.
        app.state.runtime.timers.clock_offset_seconds = 2 * hour
        first = await eventually(lambda: events(js, "shipment.delayed", waybill=wb))
        assert len(first) == 1
        assert first[0]["new_eta"] is None and first[0]["station"] == t
        assert first[0]["contacts"]["shipper_phone"] == "13800000000"
        assert datetime.fromisoformat(first[0]["promised_arrival_at"]) == promised
        assert (await shipment(client, wb))["delayed"] is True
        conn = await db(settings)
        try:
            due = await eventually(lambda: _timer_due(conn, "shipment.delay_check", wb, promised))
            # Re-checked after the 4-hour interval (2 h + 4 h from now), not reported meanwhile.
            assert timedelta(hours=5, minutes=59) < due - now < timedelta(hours=6, minutes=2)

            eta = now + timedelta(hours=4)
            r = await client.post(
                f"/v1/shipments/{wb}/eta",
                headers=token(settings, "cs"),
                json={
                    "eta": eta.isoformat(),
                    "station": t,
                    "note": "stuck at the hub, leaves tonight",
                },
            )
            assert r.status_code == 200, r.text
            told = await eventually(lambda: _count(events(js, "shipment.delayed", waybill=wb), 2))
            assert len(told) == 2
            assert datetime.fromisoformat(told[1]["new_eta"]) == eta
            assert await _timer_due(conn, "shipment.delay_check", wb, None) == eta
            got = await shipment(client, wb)
            assert datetime.fromisoformat(got["eta"]) == eta
            assert [h["type"] for h in got["history"]][-2:] == ["delayed", "eta"]

            # Five hours on, the confirmed time has passed too: told again.
            app.state.runtime.timers.clock_offset_seconds = 5 * hour
            again = await eventually(lambda: _count(events(js, "shipment.delayed", waybill=wb), 3))
            assert again[2]["new_eta"] is None and again[2]["station"] == t

            # Arrival ends the watch.
            r = await scan(
                client, wb, "arrived_destination", d, now + timedelta(hours=4, minutes=30)
            )
            assert r.status_code == 202
            assert await _timer_due(conn, "shipment.delay_check", wb, None) is None
            assert (await shipment(client, wb))["delayed"] is True  # it arrived late
        finally:
            await conn.close()


@pytest.mark.quick
async def test_urgent_cargo_not_loaded_on_its_dispatch_day_raises_an_alert(settings, js) -> None:
    u = uid()
    o, d = f"O{u}", f"D{u}"
    now = datetime.now(BUSINESS_TZ)
    async with service(settings) as (client, app):
        for name, urgent in (("U1", True), ("U2", True), ("U3", False)):
            await create(client, shipment_body(f"{name}{u}", o, d, urgent=urgent))
        # U2 is seen departing the same day: its loading is confirmed.
        assert (await scan(client, f"U2{u}", "departed", o, now)).status_code == 202
        # The day ends (database clock): only U1 raises the alert.
        end_of_day = end_of_local_day(now.date())
        app.state.runtime.timers.clock_offset_seconds = (end_of_day - now).total_seconds() + 60
        alert = await eventually(
            lambda: events(js, "shipment.loading.unconfirmed", waybill=f"U1{u}")
        )
        assert alert[0]["station"] == o and alert[0]["day"] == now.date().isoformat()
        conn = await db(settings)
        try:
            await eventually(lambda: _no_timer(conn, "shipment.loading_check", f"U2{u}"))
        finally:
            await conn.close()
        assert await events(js, "shipment.loading.unconfirmed", waybill=f"U2{u}") == []
        assert await events(js, "shipment.loading.unconfirmed", waybill=f"U3{u}") == []
        got = await shipment(client, f"U1{u}")
        assert got["history"][-1]["type"] == "loading_unconfirmed"


async def _timer_due(conn, kind: str, key: str, not_equal: datetime | None) -> datetime | None:
    due = await conn.fetchval(
        "SELECT due_at FROM logistics.timers WHERE kind = $1 AND key = $2", kind, key
    )
    if not_equal is not None and due == not_equal:
        return None
    return due


async def _no_timer(conn, kind: str, key: str) -> bool:
    return await _timer_due(conn, kind, key, None) is None


async def _count(coro, n: int):
    found = await coro
    return found if len(found) >= n else None


async def test_duty_tracking_calls_in_columns_and_force_majeure_reach_the_supervisor(
    settings, js
) -> None:
    """客服员的工作内容 3), 4): a tracking call is recorded with its time, who answered, whether it
    is late, how the goods were received and the delivery staff's service; goods not received
    intact are fed back at once (shipment.tracking.flagged, naming the downstream station); a
    force-majeure ETA carries the flag and the station's note on shipment.delayed."""
    u = uid()
    wb, o, t, d = f"TR{u}", f"O{u}", f"T{u}", f"D{u}"
    now = datetime.now(BUSINESS_TZ)
    cs = token(settings, "cs")
    async with service(settings) as (client, _):
        await create(
            client, shipment_body(wb, o, d, transfers=(t,), dispatched=now - timedelta(hours=5))
        )
        assert (await scan(client, wb, "departed", o, now - timedelta(hours=4))).status_code == 202
        calm = {
            "kind": "delivery",
            "note": "收货人确认货物完好",
            "called_at": (now - timedelta(minutes=30)).isoformat(),
            "contact": "杨明静",
            "delayed": False,
            "goods_state": "intact",
            "delivery_service": 4,
        }
        r = await client.post(f"/v1/shipments/{wb}/notes", headers=cs, json=calm)
        assert r.status_code == 201 and r.json()["flagged"] is False, r.text
        r = await client.post(
            f"/v1/shipments/{wb}/notes", headers=cs, json={**calm, "goods_state": "damaged"}
        )
        assert r.json()["flagged"] is True
        [flag] = await eventually(lambda: events(js, "shipment.tracking.flagged", waybill=wb))
        assert (flag["station"], flag["goods_state"], flag["kind"]) == (t, "damaged", "delivery")
        r = await client.post(
            f"/v1/shipments/{wb}/notes", headers=cs, json={**calm, "delivery_service": 6}
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "delivery_service"
        notes = [h for h in (await shipment(client, wb))["history"] if h["type"] == "note"]
        assert [
            (n["contact"], n["goods_state"], n["delivery_service"], n["flagged"]) for n in notes
        ] == [
            ("杨明静", "intact", 4, False),
            ("杨明静", "damaged", 4, True),
        ]
        assert notes[0]["called_at"] == calm["called_at"]

        r = await client.post(
            f"/v1/shipments/{wb}/eta",
            headers=cs,
            json={
                "eta": (now + timedelta(days=2)).isoformat(),
                "station": t,
                "note": "台风封路",
                "force_majeure": True,
            },
        )
        assert r.status_code == 200, r.text
        [late] = await eventually(lambda: events(js, "shipment.delayed", waybill=wb))
        assert (late["force_majeure"], late["reason"], late["station"]) == (True, "台风封路", t)


async def test_duty_in_transit_lists_by_station_and_timed_transfer_legs(settings) -> None:
    """车辆跟踪 / 外发跟踪: 根据系统内未到达下游站点(中转)的货物及时进行跟踪 — the shipments on their way
    to a station (left the stop before it, not there yet), and each stop's arrival, departure
    and time spent."""
    u = uid()
    o, t, d = f"O{u}", f"T{u}", f"D{u}"
    left_hub, to_hub, waiting = f"LH{u}", f"TH{u}", f"WT{u}"
    t0 = datetime.now(BUSINESS_TZ) - timedelta(hours=8)
    async with service(settings) as (client, _):
        for wb in (left_hub, to_hub, waiting):
            await create(client, shipment_body(wb, o, d, transfers=(t,), dispatched=t0))
        for wb in (left_hub, to_hub):
            assert (
                await scan(client, wb, "departed", o, t0 + timedelta(hours=1))
            ).status_code == 202
        assert (
            await scan(client, left_hub, "arrived_hub", t, t0 + timedelta(hours=3))
        ).status_code == 202
        assert (
            await scan(client, left_hub, "departed", t, t0 + timedelta(hours=5))
        ).status_code == 202

        async def heading(station: str, headers: dict[str, str] = ADMIN) -> list[str]:
            r = await client.get("/v1/shipments", params={"heading_to": station}, headers=headers)
            assert r.status_code == 200, r.text
            return [i["waybill"] for i in r.json()["items"] if i["waybill"].endswith(u)]

        assert await heading(t) == [to_hub]  # the other left the hub; one has not left yet
        assert await heading(d) == [left_hub]
        assert await heading(d, token(settings, "branch", branch=d)) == [left_hub]
        assert await heading(o) == []

        legs = (await shipment(client, left_hub))["legs"]
        assert [(leg["station"], leg["role"], leg["dwell_minutes"]) for leg in legs] == [
            (o, "origin", None),
            (t, "transfer", 120),
            (d, "destination", None),
        ]
        assert datetime.fromisoformat(legs[0]["left_at"]) == t0 + timedelta(hours=1)
        assert datetime.fromisoformat(legs[1]["arrived_at"]) == t0 + timedelta(hours=3)
