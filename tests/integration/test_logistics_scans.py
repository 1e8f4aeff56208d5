"""The branch-scanner path on real servers: `ingest.<branch>.shipment.scanned` through the bulk
runner, one transaction per fetched batch, redeliveries with one effect, off-route scans dead-
lettered with the reason while the rest of their batch commits."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from nats.js import JetStreamContext

from shared.calendar import BUSINESS_TZ
from shared.contracts.ingest import ShipmentScanned, scan_subject
from shared.contracts.values import ScanKind
from tests.support.harness import eventually
from tests.support.logistics import (
    create,
    db,
    events,
    service,
    shipment_body,
    uid,
)

N = 50  # shipments; four scans each → 200 scans


async def _publish(
    js: JetStreamContext, scans: list[tuple[str, str, ShipmentScanned]], again: bool = False
) -> None:
    """Publish scans as branch scanners do (async, many acks in flight)."""
    acks = []
    for msg_id, branch, s in scans:
        headers = {"Nats-Msg-Id": msg_id}
        if again:  # a redelivery beyond JetStream's dedupe: new id, the original one carried
            headers = {"Nats-Msg-Id": f"{msg_id}-again", "Kefu-Original-Msg-Id": msg_id}
        acks.append(await js.publish_async(scan_subject(branch), s.to_json(), headers=headers))
    for a in acks:
        await a


async def _idle(js: JetStreamContext) -> bool:
    info = await js.consumer_info("INGEST", "logistics-on_shipment_scanned")
    return info.num_pending == 0 and info.num_ack_pending == 0


async def _counts(conn, u: str) -> dict[str, Any]:
    row = await conn.fetchrow(
        "SELECT (SELECT count(*) FROM logistics.scans WHERE waybill LIKE $1) AS scans,"
        " (SELECT count(*) FROM logistics.scans WHERE waybill LIKE $1 AND applied) AS applied,"
        " (SELECT count(*) FROM logistics.shipments WHERE waybill LIKE $1"
        "   AND status = 'signed') AS signed,"
        " (SELECT sum(version) FROM logistics.shipments WHERE waybill LIKE $1) AS versions,"
        " (SELECT count(*) FROM logistics.receipts WHERE waybill LIKE $1"
        "   AND due_on IS NOT NULL) AS clocks",
        f"%{u}",
    )
    return dict(row)


@pytest.mark.quick
async def test_two_hundred_scans_in_batches_once_each_and_off_route_dead_lettered(
    settings, js
) -> None:
    u = uid()
    o, t, d = f"O{u}", f"T{u}", f"D{u}"
    region = f"R{u}"
    start = datetime.now(BUSINESS_TZ) - timedelta(days=2)
    waybills = [f"S{n:03}{u}" for n in range(N)]
    async with service(settings) as (client, app):
        for n, wb in enumerate(waybills):
            await create(
                client,
                shipment_body(
                    wb,
                    o,
                    d,
                    transfers=(t,),
                    region=region,
                    receipt=n % 2 == 0,
                    dispatched=start,
                    promised=start + timedelta(days=3),
                ),
            )
        scans = []
        for n, wb in enumerate(waybills):
            for k, (kind, branch, hours) in enumerate(
                (
                    (ScanKind.DEPARTED, o, 1),
                    (ScanKind.ARRIVED_HUB, t, 8),
                    (ScanKind.ARRIVED_DESTINATION, d, 20),
                    (ScanKind.SIGNED, d, 22),
                )
            ):
                s = ShipmentScanned(
                    waybill=wb,
                    kind=kind,
                    station=branch,
                    at=start + timedelta(hours=hours, minutes=n),
                )
                scans.append((f"scan-{u}-{n}-{k}", branch, s))
        await _publish(js, scans)
        conn = await db(settings)
        try:
            done = await eventually(
                lambda: _match(_counts(conn, u), scans=200, signed=N), timeout=20
            )
            assert done["applied"] == 200 and done["clocks"] == N // 2
            runner = app.state.runtime.bulk[0]
            assert runner.isolated_runs == 0 and 2 <= runner.batches_committed <= 20
            arrived = await eventually(lambda: _n(events(js, "shipment.arrived", region=region), N))
            signed = await eventually(lambda: _n(events(js, "shipment.signed", region=region), N))
            assert {e["waybill"] for e in signed} == set(waybills)
            assert all(e["batch"] == 1 for e in arrived)

            # The same 200 scans redelivered (new Nats-Msg-Id, original id carried): no effect.
            await _publish(js, scans, again=True)
            await eventually(lambda: _idle(js), timeout=20)
            assert await _counts(conn, u) == done
            assert len(await events(js, "shipment.signed", region=region)) == N
            assert len(await events(js, "shipment.arrived", region=region)) == N

            # A batch of 20 good scans with one from a branch off the route in the middle,
            # and one for a waybill nobody registered.
            more = [f"M{n:03}{u}" for n in range(20)]
            for wb in more:
                await create(
                    client, shipment_body(wb, o, d, transfers=(t,), region=region, dispatched=start)
                )
            batch = [
                (
                    f"m-{u}-{n}",
                    o,
                    ShipmentScanned(
                        waybill=wb, kind=ScanKind.DEPARTED, station=o, at=start + timedelta(hours=1)
                    ),
                )
                for n, wb in enumerate(more)
            ]
            off = ShipmentScanned(
                waybill=more[0],
                kind=ScanKind.ARRIVED_HUB,
                station=f"X{u}",
                at=start + timedelta(hours=2),
            )
            ghost = ShipmentScanned(
                waybill=f"GHOST{u}",
                kind=ScanKind.DEPARTED,
                station=o,
                at=start + timedelta(hours=2),
            )
            batch[10:10] = [(f"off-{u}", f"X{u}", off), (f"ghost-{u}", o, ghost)]
            await _publish(js, batch)
            await eventually(lambda: _idle(js), timeout=20)
            dead = await conn.fetch(
                "SELECT subject, error, headers FROM logistics.dead_letters"
                " WHERE subject LIKE $1 OR error LIKE $2 ORDER BY id",
                f"ingest.X{u}.%",
                f"%GHOST{u}%",
            )
            applied = await conn.fetchval(
                "SELECT count(*) FROM logistics.shipments WHERE waybill LIKE $1"
                " AND status = 'in_transit'",
                f"M%{u}",
            )
        finally:
            await conn.close()
        assert applied == 20
        errors = {d["subject"]: d["error"] for d in dead}
        assert len(dead) == 2 and set(errors) == {f"ingest.X{u}.shipment.scanned", scan_subject(o)}
        assert (
            f"branch X{u} is not on the route of waybill {more[0]}"
            in errors[f"ingest.X{u}.shipment.scanned"]
        )
        assert f"waybill GHOST{u} is not known" in errors[scan_subject(o)]
        assert runner.isolated_runs >= 1


async def _match(coro, **expected: int) -> dict[str, Any] | None:
    got = await coro
    return got if all(got[k] == v for k, v in expected.items()) else None


async def _n(coro, n: int) -> list[dict[str, Any]] | None:
    found = await coro
    return found if len(found) >= n else None
