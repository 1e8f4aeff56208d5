"""Complaint cases on real NATS and Postgres (DOMAIN.md §1.2): hand-offs, escalations,
resolution, and the confirmation call that alone closes a complaint."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.intake.config import IntakeSettings
from shared.contracts.aftersales import RepairCompleted
from shared.contracts.notifications import CallbackCompleted
from tests.support.harness import eventually
from tests.support.intake import (
    auth,
    complaint_body,
    db,
    intake,
    publish,
    published,
    wait_for,
)

pytestmark = pytest.mark.quick


def call(complaint_id: str, satisfied: bool | None, **kw: Any) -> CallbackCompleted:
    values: dict[str, Any] = dict(
        callback_id=str(uuid.uuid4()),
        purpose="complaint_confirmation",
        entity={"kind": "complaint", "id": complaint_id},
        due_at=datetime.now(UTC),
        reached=True,
        satisfied=satisfied,
        by="cs-li",
        source="notifications",
    )
    values.update(kw)
    return CallbackCompleted.model_validate(values)


async def handled(settings, consumer: str, event_id: uuid.UUID) -> bool:
    """Whether intake's consumer has committed its handling of this event (its inbox row)."""
    conn = await db(settings)
    try:
        return bool(
            await conn.fetchval(
                "SELECT 1 FROM intake.inbox WHERE consumer = $1 AND event_id = $2",
                f"intake-{consumer}",
                str(event_id),
            )
        )
    finally:
        await conn.close()


async def test_open_records_who_received_it(settings, js) -> None:
    reception = auth(settings, "reception", sub="rec-zhang")
    cs = auth(settings, "cs", sub="cs-li")
    async with intake(settings) as (client, _):
        at_desk = await client.post(
            "/v1/complaints",
            json=complaint_body(
                channel="reception", subject={"kind": "project", "id": "P-7"}, severity="urgent"
            ),
            headers=reception,
        )
        by_phone = await client.post("/v1/complaints", json=complaint_body(), headers=cs)
        assert at_desk.status_code == by_phone.status_code == 201
        assert at_desk.json()["status"] == "open"
        opened = await wait_for(js, "complaint.opened", 2)
        desk, phone = opened
        assert desk["complaint_id"] == at_desk.json()["id"]
        assert (desk["received_by"], desk["received_by_sub"]) == ("reception", "rec-zhang")
        assert (phone["received_by"], phone["received_by_sub"]) == ("cs", "cs-li")
        assert desk["subject"] == {"kind": "project", "id": "P-7"}
        assert desk["severity"] == "urgent" and desk["category"] == "quality"
        assert desk["department"] == "engineering" and desk["description"] == "卫生间墙面开裂"
        assert desk["customer_id"] == phone["customer_id"]  # the same phone: one customer
        assert desk["version"] == 1

        got = (await client.get(f"/v1/complaints/{desk['complaint_id']}", headers=cs)).json()
        assert got["status"] == "open" and got["assignee"] is None
        assert got["handoffs"] == [] and got["escalations"] == []
        assert got["resolution"] is None and got["confirmation"] is None
    conn = await db(settings)
    try:
        timers = await conn.fetch(
            "SELECT t.due_at - c.opened_at AS after, c.severity FROM intake.timers t"
            " JOIN intake.complaints c ON c.id::text = t.key WHERE t.kind = 'complaint.escalate'"
        )
        assert {r["severity"]: r["after"] for r in timers} == {
            "urgent": timedelta(hours=4),
            "normal": timedelta(hours=72),
        }
    finally:
        await conn.close()


async def test_hand_off_trail_and_manual_escalations(settings, js) -> None:
    cs = auth(settings, "cs", sub="cs-li")
    head = auth(settings, "dept_head", sub="eng-head-wu")
    async with intake(settings) as (client, _):
        cid = (await client.post("/v1/complaints", json=complaint_body(), headers=cs)).json()["id"]
        base = f"/v1/complaints/{cid}"
        r = await client.post(
            f"{base}/handoffs",
            json={
                "to_department": "customer_service",
                "to_assignee": "cs-wang",
                "note": "工程部无法解决, 转客服协调",
            },
            headers=head,
        )
        assert r.status_code == 200
        assert r.json()["status"] == "in_progress" and r.json()["assignee"] == "cs-wang"
        r = await client.post(
            f"{base}/handoffs", json={"to_department": "design", "note": "设计问题"}, headers=cs
        )
        assert r.status_code == 200
        trail = r.json()["handoffs"]
        assert [(h["from_department"], h["to_department"]) for h in trail] == [
            ("engineering", "customer_service"),
            ("customer_service", "design"),
        ]
        assert [(h["from_assignee"], h["to_assignee"]) for h in trail] == [
            (None, "cs-wang"),
            ("cs-wang", None),
        ]
        assert [h["by"] for h in trail] == ["eng-head-wu", "cs-li"]
        assert trail[0]["at"] <= trail[1]["at"] and trail[0]["note"] == "工程部无法解决, 转客服协调"
        again = await client.post(
            f"{base}/handoffs", json={"to_department": "design", "note": "x"}, headers=cs
        )
        assert again.status_code == 409 and "already with design" in again.json()["detail"]

        sheets = await wait_for(js, "complaint.handed_off", 2)
        assert [(s["from_department"], s["to_department"], s["by"]) for s in sheets] == [
            ("engineering", "customer_service", "eng-head-wu"),
            ("customer_service", "design", "cs-li"),
        ]
        assert [s["version"] for s in sheets] == [2, 3] and sheets[1]["department"] == "design"

        first = await client.post(
            f"{base}/escalations", json={"reason": "客户再次来电"}, headers=cs
        )
        second = await client.post(f"{base}/escalations", json={"reason": "仍未解决"}, headers=head)
        top = await client.post(f"{base}/escalations", json={"reason": "again"}, headers=head)
        assert first.status_code == second.status_code == 200
        assert first.json()["escalation_level"] == "dept_head"
        assert second.json()["status"] == "escalated"
        assert [(e["level"], e["automatic"], e["by"]) for e in second.json()["escalations"]] == [
            ("dept_head", False, "cs-li"),
            ("manager", False, "eng-head-wu"),
        ]
        assert top.status_code == 409 and "manager" in top.json()["detail"]
        escalated = await wait_for(js, "complaint.escalated", 2)
        assert [(e["level"], e["automatic"], e["reason"]) for e in escalated] == [
            ("dept_head", False, "客户再次来电"),
            ("manager", False, "仍未解决"),
        ]
    conn = await db(settings)
    try:
        # At the manager nothing is left to escalate automatically.
        assert await conn.fetchval("SELECT count(*) FROM intake.timers WHERE key = $1", cid) == 0
    finally:
        await conn.close()


async def test_only_a_satisfied_confirmation_call_closes(settings, js) -> None:
    cs = auth(settings, "cs", sub="cs-li")
    reception = auth(settings, "reception", sub="rec-zhang")
    async with intake(settings) as (client, _):
        cid = (
            await client.post(
                "/v1/complaints", json=complaint_body(channel="reception"), headers=reception
            )
        ).json()["id"]
        r = await client.post(
            f"/v1/complaints/{cid}/resolution",
            json={"result": "已重新批荡并刷漆", "alternatives_offered": ["更换瓷砖", "补偿500元"]},
            headers=cs,
        )
        assert r.status_code == 200 and r.json()["status"] == "resolved"
        assert r.json()["resolution"]["alternatives_offered"] == ["更换瓷砖", "补偿500元"]
        resolved = (await wait_for(js, "complaint.resolved"))[0]
        assert resolved["result"] == "已重新批荡并刷漆" and resolved["resolved_by"] == "cs-li"
        assert (resolved["received_by"], resolved["received_by_sub"]) == ("reception", "rec-zhang")
        twice = await client.post(
            f"/v1/complaints/{cid}/resolution", json={"result": "x"}, headers=cs
        )
        assert twice.status_code == 409

        # A call with another purpose about the complaint does not close it.
        handling = call(cid, None, purpose="complaint_handling")
        await publish(js, handling)
        await eventually(lambda: handled(settings, "on_callback_completed", handling.event_id))
        status = (await client.get(f"/v1/complaints/{cid}", headers=cs)).json()["status"]
        assert status == "resolved"
        assert await published(js, "complaint.closed") == []

        satisfied = call(cid, True, comment="满意")
        await publish(js, satisfied)
        closed = await wait_for(js, "complaint.closed")
        assert closed[0]["complaint_id"] == cid and closed[0]["version"] == 3
        assert closed[0]["causation_id"] == str(satisfied.event_id)
        got = (await client.get(f"/v1/complaints/{cid}", headers=cs)).json()
        assert got["status"] == "closed"
        assert got["confirmation"]["satisfied"] is True
        assert got["confirmation"]["callback_id"] == satisfied.callback_id
        assert got["confirmation"]["comment"] == "满意"

        # The same call published again under a new event id has no second effect.
        copy = satisfied.model_copy(update={"event_id": uuid.uuid4()})
        await publish(js, copy)
        await eventually(lambda: handled(settings, "on_callback_completed", copy.event_id))
        assert len(await published(js, "complaint.closed")) == 1
        assert (await client.get(f"/v1/complaints/{cid}", headers=cs)).json()["version"] == 3
        late = await client.post(
            f"/v1/complaints/{cid}/escalations", json={"reason": "x"}, headers=cs
        )
        assert late.status_code == 409 and "closed" in late.json()["detail"]


async def test_unsatisfied_call_reopens_and_escalates_to_the_manager(settings, js) -> None:
    cs = auth(settings, "cs", sub="cs-li")
    async with intake(settings) as (client, _):
        cid = (await client.post("/v1/complaints", json=complaint_body(), headers=cs)).json()["id"]
        await client.post(f"/v1/complaints/{cid}/resolution", json={"result": "已修补"}, headers=cs)
        unhappy = call(cid, False, comment="裂缝又出现了")
        await publish(js, unhappy)
        reopened = await wait_for(js, "complaint.reopened")
        escalated = await wait_for(js, "complaint.escalated")
        assert reopened[0]["complaint_id"] == cid and reopened[0]["version"] == 3
        assert (escalated[0]["level"], escalated[0]["automatic"]) == ("manager", False)
        assert escalated[0]["by"] == "cs-li" and escalated[0]["version"] == 3
        got = (await client.get(f"/v1/complaints/{cid}", headers=cs)).json()
        assert (got["status"], got["escalation_level"]) == ("escalated", "manager")
        assert got["department"] == "engineering"  # back to the responsible department
        assert got["resolved_at"] is None and got["confirmation"]["satisfied"] is False
        assert [e["level"] for e in got["escalations"]] == ["manager"]
        assert await published(js, "complaint.closed") == []

        # Worked on again, resolved again, and this time the customer is satisfied.
        again = await client.post(
            f"/v1/complaints/{cid}/resolution", json={"result": "整面重做"}, headers=cs
        )
        assert again.status_code == 200
        await wait_for(js, "complaint.resolved", 2)
        await publish(js, call(cid, True))
        await wait_for(js, "complaint.closed")
        got = (await client.get(f"/v1/complaints/{cid}", headers=cs)).json()
        assert got["status"] == "closed" and got["resolution"]["result"] == "整面重做"


async def test_finished_repair_resolves_its_complaint(settings, js) -> None:
    cs = auth(settings, "cs", sub="cs-li")
    async with intake(settings) as (client, _):
        cid = (await client.post("/v1/complaints", json=complaint_body(), headers=cs)).json()["id"]
        customer = (await wait_for(js, "complaint.opened"))[0]["customer_id"]
        done = RepairCompleted(
            repair_id="R-1",
            customer_id=customer,
            complaint_id=cid,
            evaluation_score=5,
            at=datetime.now(UTC),
            source="aftersales",
        )
        await publish(js, done)
        resolved = (await wait_for(js, "complaint.resolved"))[0]
        assert resolved["result"] == "repair completed" and resolved["resolved_by"] == "aftersales"
        assert (resolved["received_by"], resolved["received_by_sub"]) == ("cs", "cs-li")
        assert resolved["causation_id"] == str(done.event_id)
        got = (await client.get(f"/v1/complaints/{cid}", headers=cs)).json()
        assert got["status"] == "resolved" and got["resolution"]["by"] == "aftersales"
        # A repair without a complaint, and the same repair again, change nothing.
        await publish(js, done.model_copy(update={"event_id": uuid.uuid4(), "complaint_id": None}))
        copy = done.model_copy(update={"event_id": uuid.uuid4()})
        await publish(js, copy)
        await eventually(lambda: handled(settings, "on_repair_completed", copy.event_id))
        assert len(await published(js, "complaint.resolved")) == 1
    conn = await db(settings)
    try:
        # Resolved: the automatic escalation was cancelled.
        assert await conn.fetchval("SELECT count(*) FROM intake.timers WHERE key = $1", cid) == 0
    finally:
        await conn.close()


async def test_an_event_before_its_complaint_is_retried_not_dropped(settings, js) -> None:
    cs = auth(settings, "cs", sub="cs-li")
    async with intake(settings) as (client, _):
        cid = (await client.post("/v1/complaints", json=complaint_body(), headers=cs)).json()["id"]
        hidden = str(uuid.uuid4())
        conn = await db(settings)
        try:
            # Make the complaint unknown for a while, as if the event came first.
            await conn.execute("UPDATE intake.complaints SET id = $2 WHERE id = $1", cid, hidden)
            before = (await js.consumer_info("EVENTS", "intake-on_repair_completed")).delivered
            await publish(
                js,
                RepairCompleted(
                    repair_id="R-9", customer_id="c", complaint_id=cid, source="aftersales"
                ),
            )

            async def redelivered() -> bool:
                info = await js.consumer_info("EVENTS", "intake-on_repair_completed")
                return info.delivered.consumer_seq >= before.consumer_seq + 2

            await eventually(redelivered)
            assert (await client.get(f"/v1/complaints/{cid}", headers=cs)).status_code == 404
            await conn.execute("UPDATE intake.complaints SET id = $2 WHERE id = $1", hidden, cid)
        finally:
            await conn.close()
        await wait_for(js, "complaint.resolved", complaint_id=cid)
        assert (await client.get(f"/v1/complaints/{cid}", headers=cs)).json()[
            "status"
        ] == "resolved"
        conn = await db(settings)
        try:
            assert await conn.fetchval("SELECT count(*) FROM intake.dead_letters") == 0
        finally:
            await conn.close()


async def test_list_by_status_and_department_with_keyset_pages(settings, js) -> None:
    cs = auth(settings, "cs", sub="cs-li")
    async with intake(settings) as (client, _):
        ids = []
        for n in range(5):
            department = "engineering" if n % 2 == 0 else "design"
            r = await client.post(
                "/v1/complaints", json=complaint_body(department=department), headers=cs
            )
            ids.append(r.json()["id"])
        await client.post(f"/v1/complaints/{ids[0]}/resolution", json={"result": "ok"}, headers=cs)
        seen, cursor = [], None
        while True:
            url = "/v1/complaints?department=engineering&limit=2" + (
                f"&cursor={cursor}" if cursor else ""
            )
            body = (await client.get(url, headers=cs)).json()
            seen.append([i["id"] for i in body["items"]])
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert seen == [[ids[0], ids[2]], [ids[4]]]
        resolved = (await client.get("/v1/complaints?status=resolved", headers=cs)).json()
        assert [i["id"] for i in resolved["items"]] == [ids[0]]
        assert resolved["items"][0]["status"] == "resolved" and resolved["next_cursor"] is None
        open_design = (
            await client.get("/v1/complaints?status=open&department=design", headers=cs)
        ).json()
        assert [i["id"] for i in open_design["items"]] == [ids[1], ids[3]]


def metric(text: str, name: str, **labels: str) -> float:
    """One sample's value from a /metrics page (0 when the series is absent)."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


async def test_business_metrics(settings, js) -> None:
    cs = auth(settings, "cs", sub="cs-li")
    fast = IntakeSettings(metrics_refresh_seconds=0.1)
    async with intake(settings, fast) as (client, _):
        before = (await client.get("/metrics")).text
        urgent = complaint_body(severity="urgent", category="delay", department="design")
        ids = [
            (await client.post("/v1/complaints", json=body, headers=cs)).json()["id"]
            for body in (urgent, urgent, complaint_body())
        ]
        await client.post(f"/v1/complaints/{ids[0]}/escalations", json={"reason": "r"}, headers=cs)
        await client.post(f"/v1/complaints/{ids[1]}/resolution", json={"result": "ok"}, headers=cs)
        await publish(js, call(ids[1], True))
        await wait_for(js, "complaint.closed")

        async def open_gauge() -> tuple[float, float]:
            text = (await client.get("/metrics")).text
            name = "kefu_intake_complaints_open"
            return (
                metric(text, name, severity="urgent", department="design"),
                metric(text, name, severity="normal", department="engineering"),
            )

        # Closed ones drop out: one urgent design complaint and one normal engineering one.
        await eventually(lambda: _equals(open_gauge(), (1.0, 1.0)))
        after = (await client.get("/metrics")).text

    def delta(name: str, **labels: str) -> float:
        return metric(after, name, **labels) - metric(before, name, **labels)

    assert delta("kefu_intake_complaints_opened_total", category="delay", severity="urgent") == 2
    assert delta("kefu_intake_complaints_opened_total", category="quality", severity="normal") == 1
    assert delta("kefu_intake_complaints_escalated_total", level="dept_head") == 1
    assert delta("kefu_intake_complaint_resolution_seconds_count", department="design") == 1
    # Known label values exist from the start, at 0 until first used.
    assert 'kefu_intake_complaints_escalated_total{level="manager"}' in before


async def _equals(coro: Any, expected: Any) -> bool:
    return (await coro) == expected


async def test_duty_investigated_cause_is_recorded_by_those_handling_the_complaint(
    settings, js
) -> None:
    """调查出现投诉原因: cs, a department head and the manager record a cause from the list and
    what they found; the latest counts, every one is kept; closed complaints refuse it."""
    cs = auth(settings, "cs", sub="cs-li")
    head = auth(settings, "dept_head", sub="head-eng", department="engineering")
    async with intake(settings) as (client, _):
        r = await client.post("/v1/complaints", json=complaint_body(), headers=cs)
        cid = r.json()["id"]
        first = await client.post(
            f"/v1/complaints/{cid}/cause",
            json={"cause": "materials", "detail": "瓷砖批次色差"},
            headers=head,
        )
        second = await client.post(
            f"/v1/complaints/{cid}/cause",
            json={"cause": "workmanship", "detail": " 铺贴未留缝 "},
            headers=cs,
        )
        unknown = await client.post(
            f"/v1/complaints/{cid}/cause", json={"cause": "weather"}, headers=cs
        )
        too_long = await client.post(
            f"/v1/complaints/{cid}/cause",
            json={"cause": "other", "detail": "长" * 2001},
            headers=cs,
        )
        reception = await client.post(
            f"/v1/complaints/{cid}/cause",
            json={"cause": "other"},
            headers=auth(settings, "reception", sub="rec-1"),
        )
        design_head = await client.post(
            f"/v1/complaints/{cid}/cause",
            json={"cause": "other"},
            headers=auth(settings, "dept_head", sub="head-des", department="design"),
        )
        got = (await client.get(f"/v1/complaints/{cid}", headers=cs)).json()

        await client.post(f"/v1/complaints/{cid}/resolution", json={"result": "重铺"}, headers=cs)
        await publish(js, call(cid, True))
        await wait_for(js, "complaint.closed", complaint_id=cid)
        closed = await client.post(
            f"/v1/complaints/{cid}/cause", json={"cause": "other"}, headers=cs
        )

    assert first.status_code == 200, first.text
    assert first.json()["cause"]["cause"] == "materials"
    assert second.status_code == 200
    assert (got["cause"]["cause"], got["cause"]["detail"], got["cause"]["by"]) == (
        "workmanship",
        "铺贴未留缝",
        "cs-li",
    )
    assert [(c["cause"], c["by"]) for c in got["causes"]] == [
        ("materials", "head-eng"),
        ("workmanship", "cs-li"),
    ]
    assert got["version"] == 3 and got["status"] == "open"
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "cause"
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "detail"
    assert reception.status_code == 403
    assert design_head.status_code == 404  # another department's complaint
    assert closed.status_code == 409 and "closed" in closed.json()["detail"]
