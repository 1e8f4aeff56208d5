"""Callback tasks end to end on real NATS + Postgres: the complaint journey, outcomes, retries,
escalation, due/overdue timers and the worklist."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from nats.js import JetStreamContext

from services.notifications.domain import idempotency_key
from shared.calendar import BUSINESS_TZ, local_date
from shared.contracts.aftersales import RepairCompleted, RepairSlaBreached
from shared.contracts.intake import ComplaintOpened, ComplaintResolved
from shared.contracts.logistics import ShipmentDelayed
from shared.contracts.projects import ProjectDeadlineMissed
from shared.contracts.values import Deadline, ReceivedBy
from shared.settings import Settings
from tests.support.harness import eventually
from tests.support.notifications import (
    ADMIN,
    Harness,
    complaint_opened,
    customer,
    emitted,
    harness,
    metric,
    new_id,
    new_phone,
    parse_time,
    token,
)

pytestmark = pytest.mark.quick


async def test_complaint_opened_gives_an_ack_sms_and_a_handling_task_due_in_24_hours(
    settings: Settings, js: JetStreamContext
) -> None:
    cust, phone = new_id("cust"), new_phone()
    async with harness(settings, js) as h:
        await h.publish(customer(cust, phone, language="en"))
        await h.wait_drained()
        opened = complaint_opened(cust, department="engineering")
        await h.publish(opened)
        [task] = await eventually(lambda: h.callbacks(entity_id=opened.complaint_id))
        sms = await eventually(lambda: h.sms_to(phone))
        [message] = await eventually(
            lambda: h.messages(entity_id=opened.complaint_id, status="sent", channel="sms")
        )
        [scheduled] = await eventually(
            lambda: emitted(js, "callback.scheduled", callback_id=task["id"])
        )
        [notice] = await eventually(
            lambda: emitted(js, "notification.sent", message_id=message["id"])
        )
        ready = await h.client.get("/readyz")
        asyncapi = (await h.client.get("/asyncapi.json")).json()

    assert task["purpose"] == "complaint_handling"
    assert task["entity"] == {"kind": "complaint", "id": opened.complaint_id}
    assert (task["team"], task["status"], task["attempts"]) == ("engineering", "scheduled", 0)
    assert parse_time(task["due_at"]) == opened.occurred_at + timedelta(hours=24)
    assert task["customer_id"] == cust
    assert task["script"].startswith("投诉处理")

    [one] = sms
    assert one["template_code"] == "SMS_001" and one["sign_name"] == "Kefu"
    assert json.loads(one["template_param"]) == {"complaint_no": opened.complaint_id}
    assert one["idempotency_key"] == idempotency_key(f"{opened.event_id}:complaint_ack:customer")

    assert (message["channel"], message["template"], message["attempts"]) == (
        "sms",
        "complaint_ack",
        1,
    )
    assert message["entity"] == {"kind": "complaint", "id": opened.complaint_id}
    assert message["language"] == "en"
    assert message["text"] == (
        f"Your complaint {opened.complaint_id} is registered; we will contact you within 24 hours."
    )
    assert message["recipient"]["address"] == f"{phone[:3]}****{phone[-4:]}"

    assert scheduled["purpose"] == "complaint_handling" and scheduled["team"] == "engineering"
    assert scheduled["entity"] == {"kind": "complaint", "id": opened.complaint_id}
    assert scheduled["causation_id"] == str(opened.event_id)
    assert scheduled["branch_id"] == "SH01"
    assert ready.status_code == 200 and ready.json()["migrations"] is True
    assert {"send callback.scheduled", "send notification.sent"} <= set(asyncapi["operations"])
    assert "receive report.published (notifications-on_event)" in asyncapi["operations"]
    assert notice["status"] == "sent" and notice["channel"] == "sms"
    assert notice["entity"] == {"kind": "complaint", "id": opened.complaint_id}


def resolved(opened: ComplaintOpened, received_by: str, sub: str) -> ComplaintResolved:
    by = ReceivedBy(received_by)
    return ComplaintResolved(
        source="intake",
        branch_id="SH01",
        complaint_id=opened.complaint_id,
        customer_id=opened.customer_id,
        department=opened.department,
        result="tiles replaced",
        received_by=by,
        received_by_sub=sub,
        confirmation_assignee=sub,
        resolved_by="head-eng",
        version=3,
    )


async def test_reception_complaint_is_confirmed_by_reception_and_the_outcome_says_satisfied(
    settings: Settings, js: JetStreamContext
) -> None:
    cust = new_id("cust")
    async with harness(settings, js) as h:
        opened = complaint_opened(
            cust, channel="reception", received_by="reception", received_by_sub="desk-3"
        )
        await h.publish(opened)
        event = resolved(opened, "reception", "desk-3")
        await h.publish(event)
        [task] = await eventually(
            lambda: h.callbacks(purpose="complaint_confirmation", entity_id=opened.complaint_id)
        )
        assert (task["team"], task["assignee"]) == ("reception", "desk-3")
        assert parse_time(task["due_at"]) == event.occurred_at + timedelta(hours=24)

        supervision = token(settings, "supervision", sub="sup-1")
        assert (
            await h.outcome(task["id"], {"reached": True, "satisfied": True}, supervision)
        ).status_code == 403
        branch = token(settings, "branch", branch="SH01")
        assert (await h.client.get("/v1/callbacks", headers=branch)).status_code == 403
        missing = await h.outcome(task["id"], {"reached": True}, token(settings, "reception"))
        assert missing.status_code == 422
        assert missing.json()["errors"][0]["field"] == "satisfied"
        bad = await h.outcome(task["id"], {"reached": True, "satisfied": True, "satisfaction": 6})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "satisfaction"

        reception = token(settings, "reception", sub="desk-3")
        r = await h.outcome(
            task["id"],
            {"reached": True, "satisfied": True, "satisfaction": 5, "comment": "all fixed"},
            reception,
        )
        assert r.status_code == 200, r.text
        again = await h.outcome(task["id"], {"reached": True, "satisfied": True})
        [completed] = await eventually(
            lambda: emitted(js, "callback.completed", callback_id=task["id"])
        )
        detail = (await h.client.get(f"/v1/callbacks/{task['id']}", headers=ADMIN)).json()

    done = r.json()
    assert (done["status"], done["attempts"], done["final"]) == ("done", 1, True)
    assert again.status_code == 409 and "already done" in again.json()["detail"]
    assert completed["purpose"] == "complaint_confirmation"
    assert completed["entity"] == {"kind": "complaint", "id": opened.complaint_id}
    assert (completed["reached"], completed["satisfied"], completed["satisfaction"]) == (
        True,
        True,
        5,
    )
    assert (completed["team"], completed["customer_id"], completed["by"]) == (
        "reception",
        cust,
        "desk-3",
    )
    assert completed["comment"] == "all fixed" and completed["attempts"] == 1
    assert completed["correlation_id"] == str(event.event_id)
    assert [(o["attempt"], o["reached"], o["satisfied"], o["by"]) for o in detail["outcomes"]] == [
        (1, True, True, "desk-3")
    ]


async def test_unreached_calls_are_retried_then_given_up_and_escalated(
    settings: Settings, js: JetStreamContext
) -> None:
    cust = new_id("cust")
    async with harness(settings, js) as h:
        opened = complaint_opened(cust)
        await h.publish(resolved(opened, "cs", "agent-1"))
        [task] = await eventually(
            lambda: h.callbacks(purpose="complaint_confirmation", entity_id=opened.complaint_id)
        )
        assert task["team"] == "customer_service"
        before = datetime.now(UTC)
        first = await h.outcome(task["id"], {"reached": False, "comment": "no answer"})
        after = datetime.now(UTC)
        second = await h.outcome(task["id"], {"reached": False})
        third = await h.outcome(task["id"], {"reached": False})
        [completed] = await eventually(
            lambda: emitted(js, "callback.completed", callback_id=task["id"])
        )
        [overdue] = await eventually(
            lambda: emitted(js, "callback.overdue", callback_id=task["id"])
        )
        closed = await h.outcome(task["id"], {"reached": True, "satisfied": True})
        timers_left = await timer_count(h, task["id"])

    one, two, three = first.json(), second.json(), third.json()
    # Retry 1: in 2 hours; retry 2: the next local day at 10:00; the third miss gives up.
    assert (one["status"], one["attempts"], one["final"]) == ("scheduled", 1, False)
    retry_1 = parse_time(one["retry_due_at"])
    assert before + timedelta(hours=2) <= retry_1 <= after + timedelta(hours=2)
    assert parse_time(one["due_at"]) == retry_1
    assert (two["status"], two["attempts"]) == ("scheduled", 2)
    next_day = local_date(before) + timedelta(days=1)
    assert parse_time(two["due_at"]) == datetime.combine(next_day, time(10), tzinfo=BUSINESS_TZ)
    assert (three["status"], three["attempts"], three["final"]) == ("given_up", 3, True)
    assert three["escalated_to"] == "dept_head" and three["level"] == "dept_head"
    # Never reached: intake must escalate, so `satisfied` is set (False) all the same.
    assert (completed["reached"], completed["satisfied"], completed["attempts"]) == (
        False,
        False,
        3,
    )
    assert overdue["level"] == "dept_head" and overdue["purpose"] == "complaint_confirmation"
    assert closed.status_code == 409
    assert timers_left == 0


async def test_business_metrics_count_what_was_committed(
    settings: Settings, js: JetStreamContext
) -> None:
    cust, phone = new_id("cust"), new_phone()
    async with harness(settings, js) as h:
        before = (await h.client.get("/metrics")).text
        await h.publish(customer(cust, phone))
        await h.wait_drained()
        opened = complaint_opened(cust)
        await h.publish(opened)
        [handling] = await eventually(lambda: h.callbacks(entity_id=opened.complaint_id))
        await eventually(lambda: h.messages(entity_id=opened.complaint_id, status="sent"))
        done = await h.outcome(handling["id"], {"reached": True, "satisfaction": 4})
        refused = await h.outcome(handling["id"], {"reached": True, "satisfaction": 2})
        await h.publish(resolved(opened, "cs", "agent-1"))
        [confirm] = await eventually(
            lambda: h.callbacks(purpose="complaint_confirmation", entity_id=opened.complaint_id)
        )
        missed = [(await h.outcome(confirm["id"], {"reached": False})).json() for _ in range(3)]
        after = (await h.client.get("/metrics")).text

    def delta(name: str, **labels: str) -> float:
        return (metric(after, name, **labels) or 0) - (metric(before, name, **labels) or 0)

    # The labelled series exist before anything happened here (created at 0 with the app, so
    # increase() sees the first step; earlier tests of this process may have moved them).
    completed = "kefu_notifications_callbacks_completed_total"
    assert metric(before, completed, purpose="return_visit", reached="false") is not None
    assert (
        metric(before, "kefu_notifications_messages_total", channel="webhook", status="failed")
        is not None
    )
    assert metric(before, "kefu_notifications_callbacks_overdue_total", level="manager") is not None
    assert done.status_code == 200 and refused.status_code == 409
    assert missed[-1]["status"] == "given_up"
    assert delta(completed, purpose="complaint_handling", reached="true") == 1
    assert delta(completed, purpose="complaint_confirmation", reached="false") == 1
    assert delta(completed, purpose="complaint_confirmation", reached="true") == 0
    satisfaction = "kefu_notifications_callback_satisfaction"
    assert delta(f"{satisfaction}_count", purpose="complaint_handling") == 1
    assert delta(f"{satisfaction}_sum", purpose="complaint_handling") == 4
    assert delta("kefu_notifications_callbacks_overdue_total", level="dept_head") == 1
    assert delta("kefu_notifications_messages_total", channel="sms", status="sent") == 1


async def timer_count(h: Harness, key: str) -> int:
    async with h.apps[0].state.pool.acquire() as conn:
        n: int = await conn.fetchval("SELECT count(*) FROM timers WHERE key = $1", key)
    return n


async def test_late_tasks_turn_overdue_and_escalate_to_the_manager_a_day_later(
    settings: Settings, js: JetStreamContext
) -> None:
    cust = new_id("cust")
    async with harness(settings, js) as h:
        # Entered after the fact: the 24-hour handling deadline passed an hour ago.
        opened = complaint_opened(cust, occurred_at=datetime.now(UTC) - timedelta(hours=25))
        await h.publish(opened)
        await h.publish(sla_breached(repair_id := new_id("rep"), cust))
        [task] = await eventually(
            lambda: h.callbacks(entity_id=opened.complaint_id, status="overdue")
        )
        # An SLA task is due now with 4 hours' grace before it is late.
        [sla] = await eventually(lambda: h.callbacks(entity_id=repair_id, status="due"))
        [first] = await eventually(lambda: emitted(js, "callback.overdue", callback_id=task["id"]))
        h.move_clock(23 * 3600 + 60)
        await eventually(
            lambda: emitted(js, "callback.overdue", callback_id=task["id"], level="manager")
        )
        [late_sla] = await eventually(lambda: h.callbacks(entity_id=repair_id, status="overdue"))
        [manager] = await h.callbacks(entity_id=opened.complaint_id)
        # The status is committed with its event; the relay publishes it just after.
        sla_events = await eventually(
            lambda: emitted(js, "callback.overdue", callback_id=sla["id"])
        )
        all_events = await emitted(js, "callback.overdue", callback_id=task["id"])

    assert (task["level"], first["level"]) == ("dept_head", "dept_head")
    assert first["team"] == "engineering" and first["purpose"] == "complaint_handling"
    assert (manager["status"], manager["level"]) == ("overdue", "manager")
    assert [e["level"] for e in all_events] == ["dept_head", "manager"]
    assert sla["purpose"] == "sla_task" and (sla["team"], sla["assignee"]) == ("aftersales", "as-9")
    assert late_sla["level"] == "dept_head" and [e["level"] for e in sla_events] == ["dept_head"]


def sla_breached(repair_id: str, customer_id: str) -> RepairSlaBreached:
    return RepairSlaBreached(
        source="aftersales",
        repair_id=repair_id,
        customer_id=customer_id,
        staff="as-9",
        step="first_contact",
        version=2,
    )


async def test_worklist_filters_and_keyset_pages(settings: Settings, js: JetStreamContext) -> None:
    cust = new_id("cust")
    project, repair, waybill = new_id("prj"), new_id("rep"), new_id("WB")
    now = datetime.now(UTC)
    async with harness(settings, js) as h:
        await h.publish(complaint_opened(cust, department="design"))
        await h.publish(
            RepairCompleted(
                source="aftersales", repair_id=repair, customer_id=cust, at=now, version=5
            )
        )
        await h.publish(
            ShipmentDelayed(
                source="logistics",
                waybill=waybill,
                region="east",
                promised_arrival_at=now,
                station="NJ02",
            )
        )
        await h.publish(
            ProjectDeadlineMissed(
                source="projects",
                project_id=project,
                deadline=Deadline.RENDERINGS,
                due_at=now,
                responsible="designer-4",
            )
        )
        everything = await eventually(lambda: _len(h.callbacks(), 4))
        supervision = await h.callbacks(team="supervision")
        mine = await h.callbacks(assignee="designer-4")
        station = await h.callbacks(purpose="station_call", status="open")
        soon = await h.callbacks(due_before=(now + timedelta(hours=3)).isoformat())
        pages, cursor = [], None
        while True:
            params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
            body = (await h.client.get("/v1/callbacks", params=params, headers=ADMIN)).json()
            pages.append([i["id"] for i in body["items"]])
            cursor = body["next_cursor"]
            if cursor is None:
                break
        bad = await h.client.get("/v1/callbacks", params={"cursor": "nonsense"}, headers=ADMIN)
        supervisor = token(settings, "supervision", sub="sup-2")
        followup = supervision[0]
        ok = await h.outcome(followup["id"], {"reached": True, "satisfaction": 4}, supervisor)
        other = await h.outcome(station[0]["id"], {"reached": True}, supervisor)

    dues = [parse_time(i["due_at"]) for i in everything]
    assert dues == sorted(dues)
    assert [i["purpose"] for i in supervision] == ["repair_followup"]
    assert supervision[0]["entity"] == {"kind": "repair", "id": repair}
    assert [(i["purpose"], i["team"]) for i in mine] == [("deadline_missed", "design")]
    assert [i["entity"] for i in station] == [{"kind": "shipment", "id": waybill}]
    # Due within 3 hours: the station call (2 h); the deadline task is due in 4 h, the
    # complaint in 24 h, the follow-up by the end of the day after tomorrow.
    assert [i["purpose"] for i in soon] == ["station_call"]
    assert pages == [[i["id"]] for i in everything]
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"
    assert ok.status_code == 200 and ok.json()["status"] == "done"
    assert other.status_code == 403 and other.json()["title"] == "Forbidden"
    assert (
        other.json()["detail"]
        == "role supervision may not record a station_call call of team logistics"
    )


async def _len(coro: Any, n: int) -> Any:
    items = await coro
    return items if len(items) == n else None


async def test_worklist_items_name_the_customer_and_dial_only_for_callers(
    settings: Settings, js: JetStreamContext
) -> None:
    cust, phone = new_id("cust"), new_phone()
    unknown = new_id("cust")
    async with harness(settings, js) as h:
        await h.publish(customer(cust, phone))
        await h.wait_drained()
        known = complaint_opened(cust, department="customer_service")
        early = complaint_opened(unknown, department="customer_service")  # no customer event yet
        await h.publish(known)
        await h.publish(early)
        await eventually(lambda: _len(h.callbacks(team="customer_service", limit=500), 2))

        async def items(role: str) -> dict[str, dict[str, Any]]:
            r = await h.client.get(
                "/v1/callbacks",
                params={"team": "customer_service", "status": "open", "limit": 500},
                headers=token(settings, role, sub="someone"),
            )
            assert r.status_code == 200, r.text
            return {i["entity"]["id"]: i for i in r.json()["items"]}

        agent, finance = await items("cs"), await items("finance")
        task_id = agent[known.complaint_id]["id"]
        single = (await h.client.get(f"/v1/callbacks/{task_id}", headers=ADMIN)).json()

    assert agent[known.complaint_id]["customer"] == {"id": cust, "name": "王芳", "phone": phone}
    assert finance[known.complaint_id]["customer"] == {
        "id": cust,
        "name": "王芳",
        "phone": f"{phone[:3]}****{phone[-4:]}",
    }
    assert agent[early.complaint_id]["customer"] == {"id": unknown, "name": None, "phone": None}
    assert single["customer"] == {"id": cust, "name": "王芳", "phone": phone}
