"""Release at delivery over HTTP (DOMAIN.md §4.3): exact names, delegated pickups, company
stamps, the release record, and national ID numbers found nowhere afterwards."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any

import pytest
from nats.js import JetStreamContext, api

from services.logistics.domain import id_fingerprint
from shared.calendar import BUSINESS_TZ
from tests.support.harness import eventually
from tests.support.logistics import (
    ADMIN,
    ID_KEY,
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

CONSIGNEE_ID = "11010519491231002X"
DELEGATE_ID = "510100198001011230"


def release(name: str, id_number: str | None = CONSIGNEE_ID, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"presented": {"name": name, "id_number": id_number}}
    body.update(extra)
    return body


async def arrived(client, u: str, n: int, **kw: Any) -> tuple[str, str]:
    wb, d = f"W{n}{u}", f"D{u}"
    await create(client, shipment_body(wb, f"O{u}", d, transfers=(f"T{u}",), **kw))
    at = datetime.now(BUSINESS_TZ) - timedelta(hours=1)
    assert (await scan(client, wb, "arrived_destination", d, at)).status_code == 202
    return wb, d


@pytest.mark.quick
async def test_release_rules_over_http(settings, js) -> None:
    u = uid()
    async with service(settings) as (client, _):
        desk = token(settings, "branch", branch=f"D{u}", sub="clerk-wang")
        # One character off (杨民敬 vs 杨明静): refused with the reason, until the shipper's proof.
        wb, _ = await arrived(client, u, 1, consignee="杨明静")
        r = await client.post(f"/v1/shipments/{wb}/release", json=release("杨民敬"), headers=desk)
        assert r.status_code == 409
        problem = r.json()
        assert "杨民敬" in problem["detail"] and "杨明静" in problem["detail"]
        assert any("consignee-change proof" in x for x in problem["reasons"])
        transfer = token(settings, "branch", branch=f"T{u}")
        r = await client.post(
            f"/v1/shipments/{wb}/release", json=release("杨明静"), headers=transfer
        )
        assert r.status_code == 403 and r.json()["title"] == "Forbidden"
        r = await client.post(
            f"/v1/shipments/{wb}/consignee-change-proof",
            headers=ADMIN,
            json={"new_name": "杨民敬", "note": "shipper's letter of 26 Nov"},
        )
        assert r.status_code == 201
        r = await client.post(f"/v1/shipments/{wb}/release", json=release("杨民敬"), headers=desk)
        assert r.status_code == 200, r.text
        done = r.json()
        assert (done["status"], done["released_by"], done["shipment_status"]) == (
            "released",
            "clerk-wang",
            "signed",
        )
        assert done["to"] == {"name": "杨民敬", "id_last4": "002X"}
        assert any("consignee-change proof" in e for e in done["evidence"])
        signed = await eventually(lambda: events(js, "shipment.signed", waybill=wb))
        assert len(signed) == 1
        got = await shipment(client, wb)
        assert got["status"] == "signed" and got["history"][-2]["type"] == "released"
        assert got["history"][-2]["by"] == "clerk-wang"
        r = await client.post(f"/v1/shipments/{wb}/release", json=release("杨民敬"), headers=desk)
        assert r.status_code == 409 and "already signed" in r.json()["detail"]

        # A delegated pickup: both IDs and the consignee's phone confirmation.
        wb, _ = await arrived(client, u, 2, consignee="杨明静")
        no_call = release("杨明静", delegate={"name": "李四", "id_number": DELEGATE_ID})
        r = await client.post(f"/v1/shipments/{wb}/release", json=no_call, headers=desk)
        assert r.status_code == 409 and "by phone" in r.json()["detail"]
        no_id = release("杨明静", delegate={"name": "李四"}, consignee_phone_confirmed=True)
        r = await client.post(f"/v1/shipments/{wb}/release", json=no_id, headers=desk)
        assert r.status_code == 409 and "delegate's original ID" in r.json()["detail"]
        ok = release(
            "杨明静",
            delegate={"name": "李四", "id_number": DELEGATE_ID},
            consignee_phone_confirmed=True,
        )
        r = await client.post(f"/v1/shipments/{wb}/release", json=ok, headers=desk)
        assert r.status_code == 200, r.text
        assert r.json()["delegate"] == {"name": "李四", "id_last4": "1230"}

        # A company consignee: its stamp, or a stamped letter plus the pickup person's ID.
        wb, _ = await arrived(
            client, u, 3, consignee="成都川西建材有限公司", consignee_kind="company"
        )
        r = await client.post(f"/v1/shipments/{wb}/release", json=release("王五"), headers=desk)
        assert r.status_code == 409 and "company stamp" in r.json()["detail"]
        letter = release("王五", id_number=None, authorisation_letter=True)
        r = await client.post(f"/v1/shipments/{wb}/release", json=letter, headers=desk)
        assert r.status_code == 409 and "pickup person's original ID" in r.json()["detail"]
        r = await client.post(
            f"/v1/shipments/{wb}/release", headers=desk, json=release("王五", company_stamp=True)
        )
        assert r.status_code == 200 and any("company stamp" in e for e in r.json()["evidence"])

        # Not arrived yet; a misshapen ID is refused without being repeated.
        await create(client, shipment_body(f"W4{u}", f"O{u}", f"D{u}"))
        r = await client.post(f"/v1/shipments/W4{u}/release", json=release("杨明静"), headers=desk)
        assert r.status_code == 409 and "has not arrived" in r.json()["detail"]
        r = await client.post(
            f"/v1/shipments/W4{u}/release",
            headers=desk,
            json=release("杨明静", id_number="12345ABC"),
        )
        assert r.status_code == 422 and "12345ABC" not in r.text
        assert r.json()["errors"][0]["field"] == "presented.id_number"

        conn = await db(settings)
        try:
            rows = await conn.fetch(
                "SELECT allowed, released_by, presented_name, presented_id_hmac,"
                " presented_id_last4 FROM logistics.releases WHERE waybill = $1 ORDER BY at, id",
                f"W1{u}",
            )
        finally:
            await conn.close()
        # Refused, released, refused again (already signed): every attempt is on record.
        assert [(x["allowed"], x["released_by"]) for x in rows] == [
            (False, "clerk-wang"),
            (True, "clerk-wang"),
            (False, "clerk-wang"),
        ]
        fingerprint, last4 = id_fingerprint(CONSIGNEE_ID, ID_KEY.encode())
        assert {(x["presented_id_hmac"], x["presented_id_last4"]) for x in rows} == {
            (fingerprint, last4)
        }


async def _stream_bodies(js: JetStreamContext, stream: str) -> list[bytes]:
    """Every message of a stream, headers and body together."""
    cfg = api.ConsumerConfig(
        deliver_policy=api.DeliverPolicy.ALL, ack_policy=api.AckPolicy.NONE, inactive_threshold=5.0
    )
    sub = await js.pull_subscribe(">", stream=stream, config=cfg)
    out: list[bytes] = []
    try:
        while True:
            try:
                msgs = await sub.fetch(500, timeout=0.5)
            except TimeoutError:
                break
            out += [repr(m.headers).encode() + m.data for m in msgs]
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
    return out


@pytest.mark.quick
async def test_no_national_id_number_anywhere_after_a_release(settings, js) -> None:
    u = uid()
    ids = (CONSIGNEE_ID, DELEGATE_ID)
    async with service(settings) as (client, _):
        desk = {**token(settings, "branch", branch=f"D{u}"), "Idempotency-Key": f"rel-{u}"}
        wb, _ = await arrived(client, u, 1, consignee="杨明静")
        refused = release("杨明静", delegate={"name": "李四", "id_number": DELEGATE_ID})
        r = await client.post(
            f"/v1/shipments/{wb}/release",
            json=refused,
            headers={**desk, "Idempotency-Key": f"ref-{u}"},
        )
        assert r.status_code == 409
        ok = release(
            "杨明静",
            delegate={"name": "李四", "id_number": DELEGATE_ID},
            consignee_phone_confirmed=True,
        )
        r = await client.post(f"/v1/shipments/{wb}/release", json=ok, headers=desk)
        assert r.status_code == 200
        replay = await client.post(f"/v1/shipments/{wb}/release", json=ok, headers=desk)
        assert replay.headers.get("idempotent-replayed") == "true"
        # An off-route scan of this waybill ends in dead letters: they must be clean too.
        await js.publish(
            f"ingest.X{u}.shipment.scanned",
            headers={"Nats-Msg-Id": f"x-{u}"},
            payload=b'{"waybill": "%s", "kind": "signed", "station": "X%s",'
            b' "at": "2026-11-26T10:00:00+08:00"}' % (wb.encode(), u.encode()),
        )
        await eventually(lambda: events(js, "shipment.signed", waybill=wb))
        for resp in (r, replay):
            assert not any(i in resp.text for i in ids)

        conn = await db(settings)
        try:
            await eventually(
                lambda: conn.fetchval(
                    "SELECT count(*) FROM logistics.dead_letters WHERE error LIKE $1", f"%X{u}%"
                )
            )
            await eventually(lambda: _outbox_empty(conn))
            tables = await conn.fetch(
                "SELECT table_schema, table_name FROM information_schema.tables"
                " WHERE table_type = 'BASE TABLE' AND (table_schema = 'logistics'"
                "   OR table_name = 'dead_letters')"
            )
            assert len(tables) >= 14
            hits: dict[str, int] = {}
            for t in tables:
                name = f'"{t["table_schema"]}"."{t["table_name"]}"'
                for needle in ids:
                    hexed = needle.encode().hex()
                    n = await conn.fetchval(
                        f"SELECT count(*) FROM {name} x WHERE x::text LIKE '%' || $1 || '%'"
                        f" OR x::text LIKE '%' || $2 || '%'",
                        needle,
                        hexed,
                    )
                    if n:
                        hits[name] = n
            stored = await conn.fetchval(
                "SELECT count(*) FROM logistics.releases WHERE waybill = $1"
                " AND presented_id_last4 = '002X' AND delegate_id_last4 = '1230'",
                wb,
            )
        finally:
            await conn.close()
        assert hits == {}
        assert stored == 2  # the refusal and the release are both on record, fingerprinted
        for stream in ("EVENTS", "INGEST"):
            bodies = await _stream_bodies(js, stream)
            assert bodies, stream
            assert not [b for b in bodies for i in ids if i.encode() in b]


async def _outbox_empty(conn) -> bool:
    return await conn.fetchval("SELECT count(*) FROM logistics.outbox") == 0


async def test_reserved_phone_check_releases_over_http(settings, js) -> None:
    """核对票据预留电话: a name other than the waybill's passes when the phone reserved on the
    waybill is the one the person gives; another number is refused with its reason, and the
    record says whether the check was made."""
    u = uid()
    async with service(settings) as (client, _):
        desk = token(settings, "branch", branch=f"D{u}", sub="clerk-li")
        wb, _ = await arrived(client, u, 5, consignee="杨明静")
        wrong = release("杨民敬", reserved_phone="+86 137 0000 1111")
        r = await client.post(f"/v1/shipments/{wb}/release", json=wrong, headers=desk)
        assert r.status_code == 409
        assert r.json()["codes"] == ["reserved_phone_differs", "name_differs"]
        assert "13700001111" not in r.text
        r = await client.post(
            f"/v1/shipments/{wb}/release", json=release("杨民敬", reserved_phone="x"), headers=desk
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reserved_phone"
        ok = release("杨民敬", reserved_phone="139 0000 0000")
        r = await client.post(f"/v1/shipments/{wb}/release", json=ok, headers=desk)
        assert r.status_code == 200, r.text
        assert r.json()["evidence"] == [
            "original ID of 杨民敬",
            "the phone reserved on the waybill (…0000) confirms 杨民敬 as the consignee 杨明静",
        ]
        assert (await shipment(client, wb))["status"] == "signed"
        conn = await db(settings)
        try:
            rows = await conn.fetch(
                "SELECT allowed, reserved_phone_checked FROM logistics.releases"
                " WHERE waybill = $1 ORDER BY at, allowed",
                wb,
            )
        finally:
            await conn.close()
        assert [(x["allowed"], x["reserved_phone_checked"]) for x in rows] == [
            (False, False),
            (True, True),
        ]
