"""GET /v1/projects as a project manager's or a branch's list: each filter, both orders, keyset
pages that neither skip nor repeat, the roles, and the index each filter's page is read from."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest

from services.projects import queries
from services.projects.app import create_app
from shared.settings import Settings
from shared.web.auth import issue_token
from tests.support.harness import running

pytestmark = pytest.mark.quick


def token(settings: Settings, role: str, **claims: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(settings, role=role, **claims)}"}


async def every_page(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> list[list[str]]:
    """The ids on each page of a list, following next_cursor to the end."""
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        r = await client.get(
            "/v1/projects",
            params={**params, **({"cursor": cursor} if cursor else {})},
            headers=headers,
        )
        assert r.status_code == 200, r.text
        body = r.json()
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


async def test_a_branch_and_a_project_manager_page_through_their_projects(
    settings: Settings,
) -> None:
    branch, other = f"B{uuid.uuid4().hex[:6]}", f"B{uuid.uuid4().hex[:6]}"
    pm_a, pm_b = f"pm-{uuid.uuid4().hex[:6]}", f"pm-{uuid.uuid4().hex[:6]}"
    async with running(create_app(settings)) as client:
        opened: list[str] = []
        for n in range(5):
            r = await client.post(
                "/v1/projects",
                json={
                    "customer_id": f"cust-{uuid.uuid4().hex[:8]}",
                    "address": f"上海市徐汇区 {n} 号",
                    "project_manager": pm_a if n % 2 == 0 else pm_b,
                },
                headers=token(settings, "engineering", sub="eng-1", branch=branch),
            )
            assert r.status_code == 201, r.text
            opened.append(r.json()["id"])
        r = await client.post(
            "/v1/projects",
            json={"customer_id": "cust-x", "address": "北京", "project_manager": pm_a},
            headers=token(settings, "manager", branch=other),
        )
        assert r.status_code == 201, r.text
        cs = token(settings, "cs")

        pages = await every_page(client, cs, branch_id=branch, limit=2)
        assert pages == [opened[0:2], opened[2:4], opened[4:5]]
        newest = await every_page(client, cs, branch_id=branch, limit=2, order="newest")
        assert newest == [opened[4:2:-1], opened[2:0:-1], opened[0:1]]

        mine = await every_page(
            client, token(settings, "engineering", sub=pm_a), project_manager=pm_a
        )
        assert len(mine) == 1 and mine[0][:3] == [opened[0], opened[2], opened[4]]
        assert len(mine[0]) == 4  # and the other branch's project of the same manager
        both = await every_page(client, cs, project_manager=pm_b, branch_id=branch)
        assert both == [[opened[1], opened[3]]]

        moved = await client.post(
            f"/v1/projects/{opened[3]}/transitions",
            json={"to": "measurement"},
            headers=token(settings, "engineering", sub="eng-1"),
        )
        assert moved.status_code == 200, moved.text
        measured = await every_page(client, cs, branch_id=branch, stage="measurement")
        assert measured == [[opened[3]]]
        item = (await client.get("/v1/projects", params={"lead_id": "none"}, headers=cs)).json()
        assert item == {"items": [], "next_cursor": None}
        first = (await client.get("/v1/projects", params={"branch_id": branch}, headers=cs)).json()
        assert first["items"][0]["branch_id"] == branch
        assert first["items"][0]["project_manager"] == pm_a

        refused = await client.get("/v1/projects", params={"order": "sideways"}, headers=cs)
        assert refused.status_code == 422
        assert [e["field"] for e in refused.json()["errors"]] == ["order"]
        for role in ("branch", "aftersales", "reception"):
            r = await client.get("/v1/projects", headers=token(settings, role, branch=branch))
            assert r.status_code == 403, role


class Rollback(Exception):
    """Undo the test's index change."""


class Recorder:
    """A connection stand-in that keeps the statement the list query would run."""

    def __init__(self) -> None:
        self.sql, self.args = "", ()

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        self.sql, self.args = sql, args
        return []


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({"branch_id": "SH01"}, "projects_branch_created"),
        ({"project_manager": "pm-1"}, "projects_manager_created"),
        ({"stage": "design"}, "projects_stage_created"),
        ({"customer_id": "cust-1"}, "projects_customer_created"),
    ],
)
@pytest.mark.parametrize("newest_first", [False, True])
async def test_each_filter_pages_through_its_own_index(
    settings: Settings, filters: dict[str, str], index: str, newest_first: bool
) -> None:
    recorder = Recorder()
    await queries.list_projects(
        recorder,  # type: ignore[arg-type]
        filters=filters,
        newest_first=newest_first,
        after=(datetime(2026, 1, 1, tzinfo=UTC), "p-1"),
        limit=51,
    )
    conn = await asyncpg.connect(settings.database_url, server_settings={"search_path": "projects"})
    try:
        async with conn.transaction():
            # The test table is small, so any plan is as cheap as another: forbid the sequential
            # scan and the sort, and take the opening-order index away (rolled back below), to see
            # that the filter's own index serves the page in order.
            await conn.execute("SET LOCAL lock_timeout = '5s'")
            await conn.execute("SET LOCAL enable_seqscan = off")
            await conn.execute("SET LOCAL enable_sort = off")
            await conn.execute("DROP INDEX projects.projects_created")
            plan = "\n".join(
                r[0] for r in await conn.fetch(f"EXPLAIN {recorder.sql}", *recorder.args)
            )
            raise Rollback
    except Rollback:
        pass
    finally:
        await conn.close()
    assert f"Index Scan{' Backward' if newest_first else ''} using {index}" in plan, plan
    assert "Sort" not in plan, plan
