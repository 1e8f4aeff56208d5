"""The stations' evaluation through the service on real Postgres: the violations register and
the monthly compliance report (客服工作禁令)."""

from __future__ import annotations

from datetime import datetime

from shared.calendar import BUSINESS_TZ
from tests.support.logistics import ADMIN, service, token, uid


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
