"""A customer's complaints (GET /v1/complaints?customer_id=) on real Postgres: only theirs,
page by page in registration order on their own index, as the caller may see them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from services.intake import queries
from shared.settings import Settings
from tests.support.intake import auth, complaint_body, intake

pytestmark = pytest.mark.quick


async def test_a_customers_complaints_page_by_page_as_the_caller_may_see_them(
    settings: Settings,
) -> None:
    cs = auth(settings, "cs", sub="cs-li")
    async with intake(settings) as (client, _):
        ids: list[str] = []
        for department in ("engineering", "design", "engineering"):
            body = complaint_body(
                customer={"name": "赵敏", "phone": "13911112222"}, department=department
            )
            r = await client.post("/v1/complaints", json=body, headers=cs)
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        other = complaint_body(customer={"name": "钱坤", "phone": "13933334444"})
        assert (await client.post("/v1/complaints", json=other, headers=cs)).status_code == 201
        customer_id = (await client.get(f"/v1/complaints/{ids[0]}", headers=cs)).json()[
            "customer_id"
        ]

        first = await client.get(
            "/v1/complaints", params={"customer_id": customer_id, "limit": 2}, headers=cs
        )
        assert first.status_code == 200, first.text
        rest = await client.get(
            "/v1/complaints",
            params={"customer_id": customer_id, "limit": 2, "cursor": first.json()["next_cursor"]},
            headers=cs,
        )
        pages = first.json()["items"] + rest.json()["items"]
        assert [c["id"] for c in pages] == ids and rest.json()["next_cursor"] is None
        assert {c["customer_id"] for c in pages} == {customer_id}

        # With the other filters, and as a department head sees them (their department only).
        open_design = {"customer_id": customer_id, "department": "design", "status": "open"}
        found = (await client.get("/v1/complaints", params=open_design, headers=cs)).json()
        assert [c["id"] for c in found["items"]] == [ids[1]]
        head = auth(settings, "dept_head", sub="head-eng", department="engineering")
        seen = await client.get("/v1/complaints", params={"customer_id": customer_id}, headers=head)
        assert [c["id"] for c in seen.json()["items"]] == [ids[0], ids[2]]
        # A branch sees only what it registered; a role that reads no complaints is refused.
        branch = auth(settings, "branch", branch="SH01")
        mine = await client.get(
            "/v1/complaints", params={"customer_id": customer_id}, headers=branch
        )
        assert mine.json()["items"] == []
        finance = auth(settings, "finance")
        refused = await client.get(
            "/v1/complaints", params={"customer_id": customer_id}, headers=finance
        )
        assert refused.status_code == 403

        bad = await client.get("/v1/complaints", params={"customer_id": "nobody"}, headers=cs)
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["field"] == "customer_id"


class Recorder:
    """Takes the statement a query would run, so its plan can be read."""

    sql = ""
    args: tuple[Any, ...] = ()

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        self.sql, self.args = sql, args
        return []


class Rollback(Exception):
    pass


async def test_a_customers_page_reads_its_own_index(settings: Settings) -> None:
    recorder = Recorder()
    await queries.list_complaints(
        recorder,  # type: ignore[arg-type]
        status=None,
        department=None,
        branch_id=None,
        customer_id="7f1c0a52-3f8e-4c55-9d55-0c2d1e0b9a11",
        after=(datetime(2026, 1, 1, tzinfo=UTC), "7f1c0a52-3f8e-4c55-9d55-0c2d1e0b9a12"),
        limit=51,
    )
    assert "status" not in recorder.sql.split("WHERE")[1]  # only the given filters
    async with intake(settings):  # the schema with its migrations
        pass
    conn = await asyncpg.connect(settings.database_url)
    try:
        async with conn.transaction():
            # A small table makes every plan as cheap: forbid the sequential scan and the sort,
            # and take the registration-order index away (rolled back), to see the page served
            # in order by the customer's own index.
            await conn.execute("SET LOCAL lock_timeout = '5s'")
            await conn.execute("SET LOCAL enable_seqscan = off")
            await conn.execute("SET LOCAL enable_sort = off")
            await conn.execute("DROP INDEX intake.complaints_page")
            rows = await conn.fetch(f"EXPLAIN {recorder.sql}", *recorder.args)
            plan = "\n".join(r[0] for r in rows)
            raise Rollback
    except Rollback:
        pass
    finally:
        await conn.close()
    assert "Index Scan using complaints_by_customer" in plan, plan
    assert "Sort" not in plan, plan
