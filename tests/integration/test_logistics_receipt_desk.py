"""The receipt desk through the service (回单管理流程, 回单规范要求, 回单管理及签收标准考核), on real
NATS and Postgres: who may take each step, and the duties around the receipts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from shared.calendar import BUSINESS_TZ
from tests.support.harness import eventually
from tests.support.logistics import (
    ADMIN,
    create,
    events,
    scan,
    service,
    shipment,
    shipment_body,
    token,
    uid,
)

STEPS = ("signed", "sent", "received", "handed_over", "settled")
ALLOWED = {
    "signed": "destination",
    "sent": "destination",
    "received": "origin",
    "handed_over": "origin",
    "settled": "finance",
}


def step_body(step: str) -> dict[str, Any]:
    """What each step needs besides the caller."""
    return {}


@pytest.mark.quick
async def test_duty_each_receipt_step_is_taken_by_its_party_only(settings) -> None:
    """Issue 16 defect 3, tried with branch tokens: the destination branch could record
    received, handed_over and settled on the origin's receipt, and a branch could settle. Every
    step × every party now: the party's own step 200, another party 403, a branch off the
    route 404 (it cannot even see the waybill)."""
    u = uid()
    o, t, d, x = f"O{u}", f"T{u}", f"D{u}", f"X{u}"
    wb = f"P{u}"
    now = datetime.now(BUSINESS_TZ)
    async with service(settings) as (client, _):
        await create(
            client,
            shipment_body(wb, o, d, transfers=(t,), dispatched=now - timedelta(days=2)),
        )
        assert (await scan(client, wb, "arrived_destination", d, now)).status_code == 202
        callers = {
            "origin": token(settings, "branch", branch=o),
            "destination": token(settings, "branch", branch=d),
            "transfer": token(settings, "branch", branch=t),
            "off-route": token(settings, "branch", branch=x),
            "desk": token(settings, "logistics"),
            "finance": token(settings, "finance"),
            "cs": token(settings, "cs"),
        }
        for step in STEPS:
            party = ALLOWED[step]
            for name, headers in callers.items():
                if name == party:
                    continue
                r = await client.post(
                    f"/v1/shipments/{wb}/receipt/{step}", headers=headers, json=step_body(step)
                )
                if name == "off-route":
                    assert r.status_code == 404, (step, name, r.text)
                elif name == "desk" and party != "finance":
                    continue  # the desk may record a branch's step; tried last below
                else:
                    assert r.status_code == 403, (step, name, r.text)
            r = await client.post(
                f"/v1/shipments/{wb}/receipt/{step}", headers=callers[party], json=step_body(step)
            )
            assert r.status_code == 200, (step, r.text)
            assert r.json()["status"] == step

        # The receipt desk records a branch's step for it, never finance's.
        wb2 = f"Q{u}"
        await create(client, shipment_body(wb2, o, d, dispatched=now - timedelta(days=2)))
        assert (await scan(client, wb2, "arrived_destination", d, now)).status_code == 202
        for step in STEPS[:-1]:
            r = await client.post(
                f"/v1/shipments/{wb2}/receipt/{step}", headers=callers["desk"], json=step_body(step)
            )
            assert r.status_code == 200, (step, r.text)
        r = await client.post(f"/v1/shipments/{wb2}/receipt/settled", headers=callers["desk"])
        assert r.status_code == 403 and "finance" in r.json()["detail"]
        r = await client.post(f"/v1/shipments/{wb2}/receipt/settled", headers=ADMIN)
        assert r.status_code == 200


async def _abnormal_events(js, waybill: str, n: int) -> list[dict[str, Any]] | None:
    found = await events(js, "receipt.abnormal", waybill=waybill)
    return found if len(found) >= n else None


async def test_duty_receipt_checked_against_requirements_abnormal_goes_to_the_supervisor(
    settings, js
) -> None:
    """回单规范要求 3), 5): the destination and then the origin check the signed receipt against
    what the shipper asked for (stamp, copies); a short one is registered as abnormal, the
    supervisor is told (receipt.abnormal), it goes back to be signed again (redo), and the
    proper re-signing resolves it. One the destination let through is found late."""
    u = uid()
    o, d, region = f"O{u}", f"D{u}", f"R{u}"
    wb = f"AB{u}"
    now = datetime.now(BUSINESS_TZ)
    body = shipment_body(wb, o, d, region=region, dispatched=now - timedelta(days=3))
    body["receipt"].update(stamp=True, copies=2)
    dest, origin = token(settings, "branch", branch=d), token(settings, "branch", branch=o)
    short = {"signature": True, "stamp": False, "copies": 1}
    whole = {"signature": True, "stamp": True, "copies": 2}
    async with service(settings) as (client, _):
        await create(client, body)
        assert (await scan(client, wb, "arrived_destination", d, now)).status_code == 202
        url = f"/v1/shipments/{wb}/receipt"

        r = await client.post(f"{url}/signed", headers=dest, json={"presented": short})
        assert r.status_code == 200, r.text
        got = r.json()
        assert (got["status"], got["redo_count"]) == ("redo", 1)
        assert got["defects"] == ["the company stamp is missing", "2 copies are required, 1 signed"]
        first = got["abnormality_id"]
        [event] = await eventually(lambda: _abnormal_events(js, wb, 1))
        assert (event["abnormality_id"], event["step"], event["found_late"]) == (
            first,
            "signed",
            False,
        )
        assert (event["region"], event["destination_branch"]) == (region, d)
        assert event["defects"] == got["defects"]

        staff = token(settings, "logistics")
        listed = (
            await client.get(
                "/v1/receipts/abnormal", headers=staff, params={"region": region, "open": "true"}
            )
        ).json()
        assert [(i["abnormality_id"], i["step"], i["resolved_at"]) for i in listed["items"]] == [
            (first, "signed", None)
        ]

        # Signed again properly: the abnormality is handled.
        r = await client.post(f"{url}/signed", headers=dest, json={"presented": whole})
        assert (r.status_code, r.json()["status"], r.json()["defects"]) == (200, "signed", [])
        assert (await client.post(f"{url}/sent", headers=dest)).status_code == 200
        listed = (
            await client.get(
                "/v1/receipts/abnormal", headers=staff, params={"region": region, "open": "true"}
            )
        ).json()
        assert listed["items"] == []

        # The origin finds an irregular signing the destination let through: found late.
        r = await client.post(
            f"{url}/received",
            headers=origin,
            json={"presented": whole, "compliant": False, "note": "signed by the driver"},
        )
        assert (r.json()["status"], r.json()["defects"]) == ("redo", ["signed by the driver"])
        events_now = await eventually(lambda: _abnormal_events(js, wb, 2))
        assert [e["found_late"] for e in events_now] == [False, True]
        listed = (
            await client.get("/v1/receipts/abnormal", headers=staff, params={"region": region})
        ).json()
        assert [
            (i["step"], i["found_late"], i["resolved_at"] is None) for i in listed["items"]
        ] == [
            ("received", True, True),
            ("signed", False, False),
        ]
        history = (await client.get(f"/v1/shipments/{wb}", headers=ADMIN)).json()["history"]
        checks = [h for h in history if h["type"] == "receipt" and not h["compliant"]]
        assert [c["defects"] for c in checks] == [got["defects"], ["signed by the driver"]]

        # Findings belong to the two checks only; the register is staff's.
        r = await client.post(f"{url}/signed", headers=dest, json={"presented": whole})
        r = await client.post(f"{url}/sent", headers=dest, json={"presented": whole})
        assert r.status_code == 422 and "presented" in r.text
        assert (await client.get("/v1/receipts/abnormal", headers=dest)).status_code == 403


async def _overdue_events(js, waybill: str) -> list[dict[str, Any]] | None:
    return await events(js, "receipt.overdue", waybill=waybill) or None


async def test_duty_each_region_names_its_receipt_owner_who_gets_the_chase(settings, js) -> None:
    """回单管理及签收标准考核 6): 各区域公司需明确回单管理责任人…如不能落实责任…追究上级管理人员:
    a region names its owner and the owner's superior; receipt.overdue carries both (the chase
    is the owner's, a missed one the superior's) and the monthly report names them."""
    u = uid()
    o, d, region, other = f"O{u}", f"D{u}", f"R{u}", f"N{u}"
    wb = f"OW{u}"
    body = {
        "owner": f"clerk-{u}",
        "owner_name": "王回单",
        "superior": f"boss-{u}",
        "superior_name": "李经理",
    }
    manager = token(settings, "manager")
    async with service(settings) as (client, _):
        r = await client.post(f"/v1/regions/{region}/receipt-owner", headers=manager, json=body)
        assert r.status_code == 200, r.text
        assert r.json() == {"region": region, **body}
        foreign = token(settings, "logistics", region=other)
        r = await client.post(f"/v1/regions/{region}/receipt-owner", headers=foreign, json=body)
        assert r.status_code == 403, r.text
        same = {**body, "superior": body["owner"]}
        r = await client.post(f"/v1/regions/{region}/receipt-owner", headers=manager, json=same)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "superior"
        branch = token(settings, "branch", branch=o)
        r = await client.post(f"/v1/regions/{region}/receipt-owner", headers=branch, json=body)
        assert r.status_code == 403
        listed = await client.get(
            "/v1/regions/receipt-owners", headers=manager, params={"region": region}
        )
        assert listed.json()["items"] == [{"region": region, **body}]
        scoped = await client.get("/v1/regions/receipt-owners", headers=foreign)
        assert region not in [i["region"] for i in scoped.json()["items"]]

        # A receipt 12 days after a direct arrival: overdue, for this region's owner.
        now = datetime.now(BUSINESS_TZ)
        arrived = now - timedelta(days=12)
        await create(
            client, shipment_body(wb, o, d, region=region, dispatched=arrived - timedelta(days=1))
        )
        assert (await scan(client, wb, "arrived_destination", d, arrived)).status_code == 202
        [late] = await eventually(lambda: _overdue_events(js, wb))
        assert (late["owner"], late["superior"]) == (body["owner"], body["superior"])

        month = f"{(arrived + timedelta(days=11)):%Y-%m}"
        r = await client.get(
            "/v1/reports/receipts/monthly",
            headers=manager,
            params={"month": month, "region": region},
        )
        [line] = r.json()["regions"]
        assert (line["owner"], line["superior"]) == (body["owner"], body["superior"])


async def test_duty_receipts_travel_in_a_listed_envelope_and_every_handover_is_recorded(
    settings, js
) -> None:
    """回单规范要求 4)–6), 回单管理员职责 7) 8), 未结账回单核查: the destination seals its signed
    receipts with their list; the origin checks the envelope (what is missing, what is not
    listed), hands the receipt to the salesperson it is filed under, finance settles; the
    custody register and the unsettled list say who holds what since when."""
    u = uid()
    o, d, region = f"O{u}", f"D{u}", f"R{u}"
    a, b, c = f"EA{u}", f"EB{u}", f"EC{u}"
    now = datetime.now(BUSINESS_TZ)
    dest, origin = token(settings, "branch", branch=d), token(settings, "branch", branch=o)
    async with service(settings) as (client, _):
        for wb in (a, b, c):
            await create(
                client, shipment_body(wb, o, d, region=region, dispatched=now - timedelta(days=2))
            )
            assert (await scan(client, wb, "arrived_destination", d, now)).status_code == 202
        for wb in (a, b):
            r = await client.post(f"/v1/shipments/{wb}/receipt/signed", headers=dest)
            assert r.status_code == 200, r.text

        envelope = {"from_branch": d, "to_branch": o, "waybills": [a, b, c]}
        r = await client.post("/v1/receipt-envelopes", headers=dest, json=envelope)
        assert r.status_code == 409 and c in r.json()["detail"], r.text  # C is not signed
        r = await client.post("/v1/receipt-envelopes", headers=origin, json=envelope)
        assert r.status_code == 403  # only the destination seals its envelope
        envelope["waybills"] = [a, b]
        r = await client.post("/v1/receipt-envelopes", headers=dest, json=envelope)
        assert r.status_code == 201, r.text
        sealed = r.json()
        eid = sealed["envelope_id"]
        assert (sealed["count"], sealed["waybills"], sealed["checked_at"]) == (2, [a, b], None)
        assert (await shipment(client, a))["receipt"]["status"] == "sent"

        r = await client.post(
            f"/v1/receipt-envelopes/{eid}/check", headers=dest, json={"found": [a]}
        )
        assert r.status_code == 403  # the origin checks it
        r = await client.post(
            f"/v1/receipt-envelopes/{eid}/check", headers=origin, json={"found": [a, c]}
        )
        assert r.status_code == 200, r.text
        checked = r.json()
        assert (checked["missing"], checked["unexpected"]) == ([b], [c])
        assert (await shipment(client, a))["receipt"]["status"] == "received"
        assert (await shipment(client, b))["receipt"]["status"] == "sent"
        back = await eventually(lambda: events(js, "receipt.returned", waybill=a))
        assert back[0]["origin_branch"] == o
        r = await client.post(
            f"/v1/receipt-envelopes/{eid}/check", headers=origin, json={"found": [b]}
        )
        assert r.status_code == 409  # checked once
        assert (await client.get(f"/v1/receipt-envelopes/{eid}", headers=dest)).json() == checked
        stranger = token(settings, "branch", branch=f"X{u}")
        assert (
            await client.get(f"/v1/receipt-envelopes/{eid}", headers=stranger)
        ).status_code == 404

        # Handed to the salesperson it is filed under, then waiting for finance.
        r = await client.post(
            f"/v1/shipments/{a}/receipt/handed_over",
            headers=origin,
            json={"to": "张销售", "business_owner": f"sales-{u}"},
        )
        assert r.status_code == 200, r.text
        staff = token(settings, "logistics")
        unsettled = (
            await client.get("/v1/receipts/unsettled", headers=staff, params={"region": region})
        ).json()
        assert [(i["waybill"], i["holder"], i["business_owner"]) for i in unsettled["items"]] == [
            (a, "张销售", f"sales-{u}")
        ]
        held = (
            await client.get("/v1/receipts/custody", headers=origin, params={"region": region})
        ).json()
        holders = {i["waybill"]: i["holder"] for i in held["items"]}
        assert holders == {a: "张销售", b: f"envelope:{eid}"}  # C: nobody has handled it yet
        r = await client.post(
            f"/v1/shipments/{a}/receipt/settled", headers=token(settings, "finance")
        )
        assert r.status_code == 200, r.text
        unsettled = (
            await client.get("/v1/receipts/unsettled", headers=staff, params={"region": region})
        ).json()
        assert unsettled["items"] == []

        chain = (await client.get(f"/v1/shipments/{a}/receipt/custody", headers=origin)).json()
        assert (chain["status"], chain["holder"], chain["business_owner"]) == (
            "settled",
            "finance",
            f"sales-{u}",
        )
        assert [(h["step"], h["from"], h["to"]) for h in chain["handovers"]] == [
            ("signed", None, d),
            ("sent", d, f"envelope:{eid}"),
            ("received", f"envelope:{eid}", o),
            ("handed_over", o, "张销售"),
            ("settled", "张销售", "finance"),
        ]
        assert [h["envelope_id"] for h in chain["handovers"]][1:3] == [eid, eid]
        r = await client.post(
            f"/v1/shipments/{b}/receipt/sent", headers=dest, json={"to": "someone"}
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "to"
