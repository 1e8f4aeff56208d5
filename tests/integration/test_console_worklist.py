"""The worklist over the real services (all in this process, NATS and Postgres real): a
complaint registered through intake reaches the responsible team's open page as a live hint,
the rows come from notifications with the person's rights, outcomes are recorded through its
API, and an unreachable service is said so."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from shared.settings import Settings
from tests.support.console import Desk, console_app, desk, form_token
from tests.support.harness import Servers, eventually, running
from tests.support.journeys import new_phone


@pytest.fixture(scope="module")
async def kd(servers: Servers, settings: Settings) -> AsyncIterator[Desk]:
    # Sessions long enough to outlive the clock moves below.
    async with desk(
        settings, servers.nats_url, session_idle_minutes=10**5, session_max_hours=10**3
    ) as d:
        await d.add_user("agent", "cs", team="customer_service")
        await d.add_user("builder", "engineering", team="engineering")
        yield d


async def complaint(d: Desk, department: str) -> str:
    body = {
        "customer": {"name": "王芳", "phone": new_phone()},
        "channel": "phone",
        "category": "service",
        "severity": "normal",
        "description": "安装师傅迟到三个小时",
        "department": department,
    }
    created = await d.kefu.post("intake", "/v1/complaints", body, headers=d.kefu.auth("cs"))
    return str(created["id"])


class Stream:
    """An open /live stream, its events collected as they come."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    async def read(self, response: httpx.Response) -> None:
        name = ""
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                self.events.append((name, json.loads(line.removeprefix("data: "))))

    def hints(self) -> list[dict[str, Any]]:
        return [data for name, data in self.events if name == "callback"]


async def listen(c: httpx.AsyncClient) -> tuple[Stream, asyncio.Task[None], Any]:
    stream = Stream()
    cm = c.stream("GET", "/live", timeout=None)
    response = await cm.__aenter__()
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    task = asyncio.create_task(stream.read(response))
    await eventually(lambda: ("ready", {}) in stream.events, timeout=5)
    return stream, task, cm


async def test_a_complaint_reaches_the_responsible_teams_open_page(kd: Desk) -> None:
    async with kd.signed_in("agent") as agent, kd.signed_in("builder") as builder:
        mine, mine_task, mine_cm = await listen(agent)
        theirs, theirs_task, theirs_cm = await listen(builder)
        try:
            cid = await complaint(kd, "customer_service")
            task = await kd.kefu.callback("complaint_handling", cid, status="scheduled")
            await eventually(lambda: any(h["id"] == task["id"] for h in mine.hints()), timeout=10)
            assert mine.hints()[-1]["subject"] == "callback.scheduled"
            rows = await agent.get("/worklist/rows")
            assert rows.status_code == 200 and f'id="task-{task["id"]}"' in rows.text
            assert "投诉处理" in rows.text and cid in rows.text

            other = await complaint(kd, "engineering")
            theirs_task_row = await kd.kefu.callback("complaint_handling", other)
            await eventually(lambda: theirs.hints(), timeout=10)
            assert [h["id"] for h in theirs.hints()] == [theirs_task_row["id"]], (
                "engineering hears only of its own task"
            )
            assert task["id"] not in (await builder.get("/worklist/rows")).text
            assert theirs_task_row["id"] not in [h["id"] for h in mine.hints()]
        finally:
            for t, cm in ((mine_task, mine_cm), (theirs_task, theirs_cm)):
                t.cancel()
                await cm.__aexit__(None, None, None)


async def test_an_outcome_recorded_on_the_page_finishes_the_task(kd: Desk) -> None:
    async with kd.signed_in("agent") as agent:
        cid = await complaint(kd, "customer_service")
        task = await kd.kefu.callback("complaint_handling", cid, status="scheduled")
        page = await agent.get("/")
        assert f'id="task-{task["id"]}"' in page.text
        stream, reader, cm = await listen(agent)
        try:
            body = {
                "csrf_token": form_token(page.text),
                "reached": "yes",
                "satisfied": "yes",
                "satisfaction": "5",
                "comment": "已联系客户, 重新约了上门时间",
            }
            r = await agent.post(f"/callbacks/{task['id']}/outcome", data=body)
            assert r.status_code == 303 and r.headers["location"].startswith("/?recorded=")
            after = await agent.get(r.headers["location"])
            assert "回访结果已保存" in after.text and f'id="task-{task["id"]}"' not in after.text
            await eventually(
                lambda: any(h["subject"] == "callback.completed" for h in stream.hints()),
                timeout=10,
            )
        finally:
            reader.cancel()
            await cm.__aexit__(None, None, None)
        done = await kd.kefu.get("notifications", f"/v1/callbacks/{task['id']}")
        assert done["status"] == "done"
        (call,) = done["outcomes"]
        assert (call["reached"], call["satisfied"], call["satisfaction"], call["by"]) == (
            True,
            True,
            5,
            "agent",
        )


async def test_an_unreached_call_says_when_the_next_attempt_is(kd: Desk) -> None:
    async with kd.signed_in("agent") as agent:
        cid = await complaint(kd, "customer_service")
        task = await kd.kefu.callback("complaint_handling", cid, status="scheduled")
        page = await agent.get("/")
        body = {"csrf_token": form_token(page.text), "reached": "no"}
        r = await agent.post(f"/callbacks/{task['id']}/outcome", data=body)
        assert r.status_code == 303 and "retry=" in r.headers["location"]
        after = await agent.get(r.headers["location"])
        assert "已记录未接通，将于" in after.text
        assert f'id="task-{task["id"]}"' in after.text, "still on the list for the next call"


async def test_a_refused_outcome_shows_the_reason_on_its_task(kd: Desk) -> None:
    async with kd.signed_in("agent") as agent:
        cid = await complaint(kd, "customer_service")
        task = await kd.kefu.callback("complaint_handling", cid, status="scheduled")
        token = form_token((await agent.get("/")).text)
        bad = await agent.post(
            f"/callbacks/{task['id']}/outcome",
            data={"csrf_token": token, "reached": "yes", "satisfaction": "9"},
        )
        assert bad.status_code == 422 and "回访结果未保存" in bad.text
        assert '<details class="outcome" open>' in bad.text and "满意度评分" in bad.text
        unknown = await agent.post(
            "/callbacks/no-such-task/outcome", data={"csrf_token": token, "reached": "yes"}
        )
        assert unknown.status_code == 404
        forged = await agent.post(
            f"/callbacks/{task['id']}/outcome", data={"csrf_token": "x", "reached": "yes"}
        )
        assert forged.status_code == 403
        still = await kd.kefu.get("notifications", f"/v1/callbacks/{task['id']}")
        assert still["status"] == "scheduled" and still["outcomes"] == []


async def test_tasks_are_grouped_by_the_consoles_clock(kd: Desk) -> None:
    async with kd.signed_in("agent") as agent:
        cid = await complaint(kd, "customer_service")
        task = await kd.kefu.callback("complaint_handling", cid, status="scheduled")
        clock = kd.app.state.runtime.clock
        clock.offset_seconds = 3 * 86400  # three days on: the 24-hour task is overdue
        try:
            rows = (await agent.get("/worklist/rows")).text
        finally:
            clock.offset_seconds = 0
        overdue = rows.split('id="group-overdue"')[1].split("</section>")[0]
        assert f'id="task-{task["id"]}"' in overdue


async def test_an_unreachable_service_is_named_not_hidden(settings: Settings, kd: Desk) -> None:
    app = console_app(settings, {})  # no transport: notifications cannot be reached
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        base = "http://console.test"
        async with httpx.AsyncClient(
            transport=transport, base_url=base, headers={"Origin": base}
        ) as c:
            from tests.support.console import sign_in

            await sign_in(c, "agent")
            page = await c.get("/")
    assert page.status_code == 503 and "通知与回访服务暂时无法应答" in page.text
