"""Automatic escalation by durable timer (DOMAIN.md §1.2): per severity, dept head then manager,
moved with the database clock."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.support.harness import eventually
from tests.support.intake import auth, complaint_body, db, intake, wait_for

pytestmark = pytest.mark.quick
HOUR = 3600


async def timer_due(settings, complaint_id: str) -> datetime | None:
    conn = await db(settings)
    try:
        return await conn.fetchval(
            "SELECT due_at FROM intake.timers WHERE kind = 'complaint.escalate' AND key = $1",
            complaint_id,
        )
    finally:
        await conn.close()


async def test_normal_complaint_escalates_after_72_hours_not_71(settings, js) -> None:
    cs = auth(settings, "cs", sub="cs-li")
    async with intake(settings) as (client, app):
        worker = app.state.runtime.timers
        cid = (await client.post("/v1/complaints", json=complaint_body(), headers=cs)).json()["id"]
        opened_at = datetime.fromisoformat(
            (await client.get(f"/v1/complaints/{cid}", headers=cs)).json()["opened_at"]
        )
        assert await timer_due(settings, cid) == opened_at + timedelta(hours=72)

        async def levels() -> list[tuple[str, bool, str | None]]:
            got = (await client.get(f"/v1/complaints/{cid}", headers=cs)).json()
            return [(e["level"], e["automatic"], e["by"]) for e in got["escalations"]]

        worker.clock_offset_seconds = 71 * HOUR
        await worker.run_once()
        assert await levels() == []

        worker.clock_offset_seconds = 72 * HOUR + 5
        await eventually(levels)
        assert await levels() == [("dept_head", True, None)]
        event = (await wait_for(js, "complaint.escalated"))[0]
        assert (event["level"], event["automatic"], event["by"]) == ("dept_head", True, None)
        assert event["reason"] == "not resolved within 72 h of being opened (normal severity)"
        assert event["complaint_id"] == cid and event["version"] == 2
        # Rescheduled for the manager, one more interval later.
        assert await timer_due(settings, cid) == opened_at + timedelta(hours=144)

        worker.clock_offset_seconds = 143 * HOUR
        await worker.run_once()
        assert len(await levels()) == 1

        worker.clock_offset_seconds = 144 * HOUR + 5
        await eventually(lambda: _len_is(levels(), 2))
        assert await levels() == [("dept_head", True, None), ("manager", True, None)]
        got = (await client.get(f"/v1/complaints/{cid}", headers=cs)).json()
        assert (got["status"], got["escalation_level"]) == ("escalated", "manager")
        assert await timer_due(settings, cid) is None
        events = await wait_for(js, "complaint.escalated", 2)
        assert [e["level"] for e in events] == ["dept_head", "manager"]


async def _len_is(coro, n: int) -> bool:
    return len(await coro) == n


async def test_backdated_urgent_complaint_goes_straight_to_the_manager(settings, js) -> None:
    cs = auth(settings, "cs", sub="cs-li")
    async with intake(settings) as (client, _):
        opened_at = (datetime.now().astimezone() - timedelta(hours=9)).isoformat()
        body = complaint_body(severity="urgent", opened_at=opened_at)
        cid = (await client.post("/v1/complaints", json=body, headers=cs)).json()["id"]
        event = (await wait_for(js, "complaint.escalated"))[0]
        # 9 h after opening, past both 4 h and 8 h: one step to the top.
        assert (event["level"], event["automatic"]) == ("manager", True)
        assert event["reason"] == "not resolved within 8 h of being opened (urgent severity)"
        got = (await client.get(f"/v1/complaints/{cid}", headers=cs)).json()
        assert [e["level"] for e in got["escalations"]] == ["manager"]
        assert await timer_due(settings, cid) is None


async def test_resolution_cancels_and_manual_escalation_moves_the_timer(settings, js) -> None:
    cs = auth(settings, "cs", sub="cs-li")
    async with intake(settings) as (client, app):
        worker = app.state.runtime.timers
        high = complaint_body(severity="high")
        resolved = (await client.post("/v1/complaints", json=high, headers=cs)).json()["id"]
        moved = (await client.post("/v1/complaints", json=high, headers=cs)).json()["id"]
        due = await timer_due(settings, moved)
        assert due is not None
        opened_at = due - timedelta(hours=24)

        await client.post(
            f"/v1/complaints/{resolved}/resolution", json={"result": "ok"}, headers=cs
        )
        assert await timer_due(settings, resolved) is None
        r = await client.post(
            f"/v1/complaints/{moved}/escalations", json={"reason": "r"}, headers=cs
        )
        assert r.json()["escalation_level"] == "dept_head"
        assert await timer_due(settings, moved) == opened_at + timedelta(hours=48)

        worker.clock_offset_seconds = 30 * HOUR
        await worker.run_once()
        got = (await client.get(f"/v1/complaints/{resolved}", headers=cs)).json()
        assert got["status"] == "resolved" and got["escalations"] == []
        assert (
            len((await client.get(f"/v1/complaints/{moved}", headers=cs)).json()["escalations"])
            == 1
        )

        worker.clock_offset_seconds = 48 * HOUR + 5
        events = await wait_for(js, "complaint.escalated", 2)
        assert [(e["level"], e["automatic"]) for e in events] == [
            ("dept_head", False),
            ("manager", True),
        ]
