"""One open task per duty per case, on real NATS + Postgres (issue 17, "the worklist keeps dead
tasks"): a task ends the moment its duty does, a new team or level takes the open task over
instead of adding one, and an event that arrives late cannot bring a dead task back."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg
import pytest
from nats.js import JetStreamContext

from shared.contracts.envelope import Event
from shared.contracts.intake import (
    ComplaintClosed,
    ComplaintEscalated,
    ComplaintHandedOff,
    ComplaintReopened,
    ComplaintResolved,
)
from shared.contracts.logistics import (
    ReceiptOverdue,
    ReceiptReturned,
    ShipmentArrived,
    ShipmentDelayed,
)
from shared.contracts.projects import ProjectPaymentOverdue, ProjectPaymentReceived
from shared.contracts.values import (
    Department,
    EscalationLevel,
    Installment,
    ReceivedBy,
)
from shared.settings import Settings
from tests.support.harness import eventually
from tests.support.notifications import Harness, complaint_opened, harness, new_id

pytestmark = pytest.mark.quick


async def settle(h: Harness, *events: Event) -> None:
    """Publish events in this order and wait until the service has handled them."""
    for event in events:
        await h.publish(event)
    await h.wait_drained()


async def tasks(h: Harness, entity_id: str, purpose: str, **f: Any) -> list[dict[str, Any]]:
    return await h.callbacks(entity_id=entity_id, purpose=purpose, limit=500, **f)


async def check_timers(settings: Settings, ids: list[str]) -> int:
    """How many of these callbacks still have a due/overdue check timer."""
    conn = await asyncpg.connect(settings.database_url)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM notifications.timers"
                " WHERE kind = 'callback.check' AND key = ANY($1::text[])",
                ids,
            )
        )
    finally:
        await conn.close()


def complaint_event(model: type[Any], opened: Any, version: int, **kw: Any) -> Any:
    """A complaint.* event about `opened` at the complaint's `version`."""
    values: dict[str, Any] = {
        "source": "intake",
        "branch_id": "SH01",
        "complaint_id": opened.complaint_id,
        "customer_id": opened.customer_id,
        "department": opened.department,
        "version": version,
        **kw,
    }
    return model(**values)


def resolved(opened: Any, version: int) -> ComplaintResolved:
    return complaint_event(
        ComplaintResolved,
        opened,
        version,
        result="fixed",
        received_by=ReceivedBy.CS,
        received_by_sub="cs-li",
        confirmation_assignee="cs-li",
        resolved_by="head-eng",
    )


def escalated(opened: Any, version: int, level: EscalationLevel, **kw: Any) -> ComplaintEscalated:
    return complaint_event(
        ComplaintEscalated,
        opened,
        version,
        level=level,
        escalation_level=level,
        automatic=False,
        reason="not resolved",
        **kw,
    )


async def test_duty_complaint_handling_one_open_task_through_escalation_and_reopening(
    settings: Settings, js: JetStreamContext
) -> None:
    """Opened → escalated → handed off → resolved → reopened and escalated → resolved → closed:
    at every step at most one handling task is open, none once resolved, none once closed."""
    opened = complaint_opened(new_id("cust"))
    cid = opened.complaint_id
    async with harness(settings, js) as h:
        await settle(h, opened)
        [first] = await tasks(h, cid, "complaint_handling", status="open")
        assert (first["team"], first["level"]) == ("engineering", None)

        await settle(h, escalated(opened, 2, EscalationLevel.DEPT_HEAD, assignee="eng-li"))
        [second] = await tasks(h, cid, "complaint_handling", status="open")
        assert (second["team"], second["assignee"], second["level"]) == (
            "engineering",
            "eng-li",
            "dept_head",
        )
        handoff = complaint_event(
            ComplaintHandedOff,
            opened,
            3,
            department=Department.DESIGN,
            from_department=Department.ENGINEERING,
            to_department=Department.DESIGN,
            to_assignee="des-wu",
            escalation_level=EscalationLevel.DEPT_HEAD,
            by="head-eng",
        )
        await settle(h, handoff)
        [third] = await tasks(h, cid, "complaint_handling", status="open")
        assert (third["team"], third["assignee"], third["level"]) == (
            "design",
            "des-wu",
            "dept_head",
        )

        await settle(h, resolved(opened, 4))
        assert await tasks(h, cid, "complaint_handling", status="open") == []
        [call] = await tasks(h, cid, "complaint_confirmation", status="open")
        assert (call["team"], call["assignee"]) == ("customer_service", "cs-li")

        # Not satisfied: reopened and escalated to the manager, in one transaction at intake.
        reopened = complaint_event(ComplaintReopened, opened, 5, reason="not satisfied")
        await settle(h, reopened, escalated(opened, 5, EscalationLevel.MANAGER))
        [fourth] = await tasks(h, cid, "complaint_handling", status="open")
        assert (fourth["level"], fourth["team"]) == ("manager", "engineering")
        assert await tasks(h, cid, "complaint_confirmation", status="open") == []

        await settle(h, resolved(opened, 6))
        await settle(h, complaint_event(ComplaintClosed, opened, 7))
        everything = await tasks(h, cid, "complaint_handling") + await tasks(
            h, cid, "complaint_confirmation"
        )

    assert not [t for t in everything if t["status"] in ("scheduled", "due", "overdue")]
    handling = [t for t in everything if t["purpose"] == "complaint_handling"]
    assert len(handling) == 4 and {t["status"] for t in handling} == {"cancelled"}
    assert {t["duty"] for t in handling} == {f"complaint_handling:complaint:{cid}"}
    assert await check_timers(settings, [t["id"] for t in everything]) == 0


async def test_a_late_event_does_not_bring_a_dead_task_back(
    settings: Settings, js: JetStreamContext
) -> None:
    """A redelivered hand-off or escalation overtaken by the result (events in any order) makes
    no handling task: the complaint's version that ended the duty is newer."""
    opened = complaint_opened(new_id("cust"))
    cid = opened.complaint_id
    late_handoff = complaint_event(
        ComplaintHandedOff,
        opened,
        2,
        department=Department.DESIGN,
        from_department=Department.ENGINEERING,
        to_department=Department.DESIGN,
        by="head-eng",
    )
    async with harness(settings, js) as h:
        await settle(h, opened, resolved(opened, 3))
        await settle(h, late_handoff, escalated(opened, 2, EscalationLevel.DEPT_HEAD))
        handling = await tasks(h, cid, "complaint_handling")
        [call] = await tasks(h, cid, "complaint_confirmation", status="open")

        # And the reverse: the result arriving before the opening it follows.
        other = complaint_opened(new_id("cust"))
        await settle(h, resolved(other, 2), other)
        others = await tasks(h, other.complaint_id, "complaint_handling")

    assert [t["status"] for t in handling] == ["cancelled"]
    assert call["assignee"] == "cs-li"
    assert others == []


def overdue(waybill: str, version: int, days: int, hard: bool = False) -> ReceiptOverdue:
    return ReceiptOverdue(
        source="logistics",
        branch_id="SH01",
        waybill=waybill,
        region="east",
        origin_branch="SH01",
        due_on=date(2026, 2, 20),
        days_overdue=days,
        hard_breach=hard,
        version=version,
    )


async def test_duty_receipt_chase_one_open_task_however_many_days_it_is_late(
    settings: Settings, js: JetStreamContext
) -> None:
    """回单 … 逾期回单每日/每周催收: receipt.overdue comes once a day; while a chase task is open it
    stays the one task (the hard breach is the manager's own duty); the return ends both."""
    waybill = new_id("WB")
    async with harness(settings, js) as h:
        await settle(h, overdue(waybill, 2, 1), overdue(waybill, 3, 2), overdue(waybill, 4, 3))
        daily = await tasks(h, waybill, "receipt_chase")
        await settle(h, overdue(waybill, 5, 6, hard=True), overdue(waybill, 6, 7, hard=True))
        breached = await tasks(h, waybill, "receipt_chase", status="open")
        returned = ReceiptReturned(
            source="logistics",
            branch_id="SH01",
            waybill=waybill,
            region="east",
            origin_branch="SH01",
            due_on=date(2026, 2, 20),
            days_overdue=8,
            version=7,
        )
        await settle(h, returned, overdue(waybill, 6, 7, hard=True))  # a late redelivery
        after = await tasks(h, waybill, "receipt_chase", status="open")

    assert len(daily) == 1 and daily[0]["status"] == "scheduled"
    assert sorted((t["duty"], t["level"]) for t in breached) == [
        (f"receipt_chase:receipt:{waybill}", None),
        (f"receipt_chase:receipt:{waybill}:manager", "manager"),
    ]
    assert after == []


async def test_duty_station_call_ends_when_the_shipment_arrives(
    settings: Settings, js: JetStreamContext
) -> None:
    """The station call after a delay is one task per shipment (a second delay keeps it) and
    ends when the shipment arrives."""
    waybill = new_id("WB")
    now = "2026-03-10T10:00:00+08:00"

    def delay(version: int) -> ShipmentDelayed:
        return ShipmentDelayed.model_validate(
            {
                "source": "logistics",
                "waybill": waybill,
                "promised_arrival_at": now,
                "station": "NJ01",
                "region": "east",
                "version": version,
            }
        )

    arrived = {
        "source": "logistics",
        "waybill": waybill,
        "origin": "SH01",
        "destination": "BJ01",
        "region": "east",
        "transfers": 1,
        "promised_arrival_at": now,
        "at": now,
        "version": 5,
    }
    async with harness(settings, js) as h:
        await settle(h, delay(2), delay(3))
        [call] = await tasks(h, waybill, "station_call", status="open")
        await settle(h, ShipmentArrived.model_validate(arrived))
        [ended] = await tasks(h, waybill, "station_call")

    assert ended["id"] == call["id"] and ended["status"] == "cancelled"


def payment(model: type[Any], installment: Installment, paid: int, version: int) -> Any:
    return model(
        source="projects",
        branch_id="SH01",
        project_id="p-duty",
        customer_id="c-duty",
        installment=installment,
        amount_fen=3_000_000,
        due_on=date(2026, 3, 13),
        paid_fen=paid,
        version=version,
    )


async def test_duty_payment_reminder_is_per_instalment(
    settings: Settings, js: JetStreamContext
) -> None:
    """A paid instalment ends its own reminder, not another instalment's still owed."""
    async with harness(settings, js) as h:
        await settle(
            h,
            payment(ProjectPaymentOverdue, Installment.MIDTERM, 0, 10),
            payment(ProjectPaymentOverdue, Installment.FINAL, 0, 11),
        )
        both = await eventually(
            lambda: tasks(h, "p-duty", "payment_reminder", status="open"), timeout=5
        )
        await settle(h, payment(ProjectPaymentReceived, Installment.MIDTERM, 3_000_000, 12))
        left = await tasks(h, "p-duty", "payment_reminder", status="open")

    assert len(both) == 2
    assert [t["duty"] for t in left] == ["payment_reminder:project:p-duty:final"]
