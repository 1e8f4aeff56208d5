"""The stations' evaluation through the service on real Postgres: the violations register and
the monthly compliance report (客服工作禁令)."""

from __future__ import annotations

from datetime import datetime, timedelta

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


async def test_duty_violations_are_registered_per_branch_and_reported_monthly(settings) -> None:
    """客服工作禁令: a supervisor records each breach against the branch; the branch reads its own;
    the month's compliance report counts them per branch and prohibition (JSON and CSV); a
    region token records and reads its region only."""
    u = uid()
    a, b, region = f"A{u}", f"B{u}", f"R{u}"
    at = datetime(2026, 10, 14, 10, tzinfo=BUSINESS_TZ).isoformat()
    head = token(settings, "dept_head")
    async with service(settings) as (client, _):
        for branch, kind in ((a, "tracking_late"), (a, "tracking_late"), (b, "rude_to_customer")):
            body = {"branch": branch, "region": region, "kind": kind, "note": "客户投诉", "at": at}
            r = await client.post("/v1/violations", json=body, headers=head)
            assert r.status_code == 201, r.text
        assert r.json()["kind"] == "rude_to_customer" and r.json()["branch"] == b
        bad = {"branch": a, "region": region, "kind": "late", "note": "-"}
        r = await client.post("/v1/violations", json=bad, headers=head)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"
        elsewhere = token(settings, "logistics", region=f"N{u}")
        body = {"branch": a, "region": region, "kind": "harsh_tone", "note": "-"}
        assert (
            await client.post("/v1/violations", json=body, headers=elsewhere)
        ).status_code == 403
        branch_token = token(settings, "branch", branch=a)
        assert (
            await client.post("/v1/violations", json=body, headers=branch_token)
        ).status_code == 403

        own = await client.get("/v1/violations", params={"month": "2026-10"}, headers=branch_token)
        assert [(x["branch"], x["kind"]) for x in own.json()["items"]] == [(a, "tracking_late")] * 2

        r = await client.get(
            "/v1/reports/violations/monthly",
            params={"month": "2026-10", "region": region},
            headers=ADMIN,
        )
        report = r.json()
        assert report["total"] == 3
        lines = {x["branch"]: x for x in report["branches"]}
        assert lines[a]["by_kind"]["tracking_late"] == 2 and lines[a]["compliant"] is False
        assert lines[b]["by_kind"]["rude_to_customer"] == 1
        r = await client.get(
            "/v1/reports/violations/monthly",
            params={"month": "2026-10", "region": region, "format": "csv"},
            headers=ADMIN,
        )
        header, *rows = r.text.strip().splitlines()
        assert header.startswith("branch,total,tracking_late,exception_not_reported")
        assert rows == [f"{a},2,2,0,0,0,0,0,0,0", f"{b},1,0,0,0,0,0,0,1,0"]
        scoped = await client.get(
            "/v1/reports/violations/monthly", params={"month": "2026-10"}, headers=elsewhere
        )
        assert scoped.json()["branches"] == []


async def test_duty_the_monthly_station_scorecard_counts_what_went_wrong_at_each(
    settings, js
) -> None:
    """监督考评联盟质量运营: this month's delay reported for the hub (the station to call), the
    hub's exceptions and truck check, the destination's late receipt and abnormal signing and
    its violation, each counted at its station; a token of another region sees none of them."""
    u = uid()
    o, h, d, region = f"O{u}", f"H{u}", f"D{u}", f"R{u}"
    a, b = f"SA{u}", f"SB{u}"
    now = datetime.now(BUSINESS_TZ)
    hub = token(settings, "branch", branch=h)
    async with service(settings) as (client, _):
        await create(
            client,
            shipment_body(
                a,
                o,
                d,
                transfers=(h,),
                region=region,
                dispatched=now - timedelta(hours=5),
                promised=now - timedelta(hours=1),
            ),
        )
        assert (await scan(client, a, "departed", o, now - timedelta(hours=4))).status_code == 202
        await create(
            client,
            shipment_body(b, o, d, region=region, dispatched=now - timedelta(days=13)),
        )
        arrived = now - timedelta(days=11)  # due yesterday: overdue from today
        assert (await scan(client, b, "arrived_destination", d, arrived)).status_code == 202
        r = await client.post(
            f"/v1/shipments/{a}/exceptions",
            json={"kind": "damage", "note": "外箱破损", "station": h},
            headers=hub,
        )
        assert r.status_code == 201, r.text
        check = {
            "station": h,
            "truck": "沪C-1",
            "handover": [{"waybill": a, "pieces": 2}],
            "received": [{"waybill": a, "pieces": 1}],
        }
        assert (await client.post("/v1/truck-checks", json=check, headers=hub)).status_code == 201
        r = await client.post(
            f"/v1/shipments/{b}/receipt/signed",
            json={"compliant": False, "note": "代签"},
            headers=token(settings, "branch", branch=d),
        )
        assert r.json()["status"] == "redo", r.text
        body = {"branch": d, "region": region, "kind": "tracking_late", "note": "未及时追踪"}
        assert (await client.post("/v1/violations", json=body, headers=ADMIN)).status_code == 201
        await eventually(lambda: events(js, "shipment.delayed", waybill=a))

        month = f"{now:%Y-%m}"
        r = await client.get(
            "/v1/reports/stations/monthly",
            params={"month": month, "region": region},
            headers=token(settings, "manager"),
        )
        assert r.status_code == 200, r.text
        lines = {x["station"]: x for x in r.json()["stations"]}
        assert set(lines) == {h, d}
        assert lines[h] == lines[h] | {
            "delays": 1,
            "exceptions": 2,
            "exceptions_by_kind": {"damage": 1, "shortage": 1, "mismatch": 0},
            "truck_checks": 1,
            "truck_findings": 1,
            "receipts_late": 0,
            "violations": 0,
        }
        assert lines[d] == lines[d] | {
            "delays": 0,
            "receipts_late": 1,
            "receipts_abnormal": 1,
            "abnormal_missed": 0,
            "violations": 1,
        }
        r = await client.get(
            "/v1/reports/stations/monthly",
            params={"month": month, "region": region, "format": "csv"},
            headers=ADMIN,
        )
        header, *rows = r.text.strip().splitlines()
        assert header.split(",")[:3] == ["station", "delays", "exceptions"]
        assert f"{h},1,2,1,1,0,1,1,0,0,0,0,0" in rows
        other = token(settings, "logistics", region=f"N{u}")
        r = await client.get("/v1/reports/stations/monthly", params={"month": month}, headers=other)
        assert not {h, d} & {x["station"] for x in r.json()["stations"]}
