"""The five journeys of docs/ARCHITECTURE.md §8, each across several services, with all five services
in this process on the session's NATS and Postgres (HTTP in, the bus between them, real timers;
time moves with each service's database-clock offset, never with sleeps)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from shared.calendar import BUSINESS_TZ, add_months, end_of_local_day, local_date
from shared.settings import Settings
from tests.support.duties import dead_tasks, open_tasks
from tests.support.harness import Servers, eventually
from tests.support.journeys import (
    ADMIN,
    CONTRACT_FEN,
    DEPOSIT_FEN,
    PNG,
    Clock,
    Kefu,
    dead_letters,
    drive,
    enter,
    installment,
    lead,
    new_phone,
    now_local,
    shipment_body,
    sign,
    system,
    uid,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def kefu(servers: Servers, settings: Settings) -> AsyncIterator[Kefu]:
    """The whole system, started once for the five journeys (streams purged, schemas empty)."""
    async with system(settings, servers.nats_url) as k:
        yield k


@pytest.fixture(autouse=True)
def _clocks_back(kefu: Kefu) -> object:
    """A journey that moved a service's clock puts it back for the next one."""
    yield
    kefu.reset_clocks()


async def complaint(k: Kefu, phone: str, **over: object) -> str:
    body = {
        "customer": {"name": "王芳", "phone": phone},
        "channel": "phone",
        "category": "service",
        "severity": "normal",
        "description": "安装师傅迟到三个小时, 态度差",
        "department": "engineering",
        **over,
    }
    created = await k.post("intake", "/v1/complaints", body, headers=k.auth("cs", sub="cs-li"))
    assert created["status"] == "open"
    return str(created["id"])


async def status_of(k: Kefu, cid: str) -> str:
    return str((await k.get("intake", f"/v1/complaints/{cid}"))["status"])


async def has_status(k: Kefu, cid: str, status: str) -> bool:
    return await status_of(k, cid) == status


async def test_1_complaint_handed_off_resolved_and_confirmed(kefu: Kefu) -> None:
    """Opened → ack SMS + handling task → hand-off → resolved → confirmation call: satisfied
    closes it; a second one, unsatisfied, goes to the manager."""
    k = kefu
    cs = k.auth("cs", sub="cs-li")
    phone = new_phone()
    cid = await complaint(k, phone)

    ack = (await k.sent("complaint_ack", cid))[0]
    assert ack["channel"] == "sms" and ack["recipient"]["address"].endswith(phone[-4:])
    assert k.sms_to(phone), "the gateway received the acknowledgement"
    handling = await k.callback("complaint_handling", cid, status="scheduled")
    assert handling["team"] == "engineering" and handling["entity"] == {
        "kind": "complaint",
        "id": cid,
    }

    # Engineering cannot solve it: a hand-off to customer service (a handling sheet).
    body = {"to_department": "customer_service", "to_assignee": "cs-wu", "note": "工程部转客服协调"}
    moved = await k.post("intake", f"/v1/complaints/{cid}/handoffs", body, headers=cs)
    assert moved["department"] == "customer_service"
    assert [(h["from_department"], h["to_department"]) for h in moved["handoffs"]] == [
        ("engineering", "customer_service")
    ]
    task = await k.callback("complaint_handling", cid, team="customer_service", assignee="cs-wu")
    assert task["status"] == "scheduled"
    first = await k.callback("complaint_handling", cid, id=handling["id"], status="cancelled")
    assert first["team"] == "engineering"

    result = {"result": "已向客户道歉并重新预约上门", "alternatives_offered": ["补偿200元"]}
    resolved = await k.post("intake", f"/v1/complaints/{cid}/resolution", result, headers=cs)
    assert resolved["status"] == "resolved"
    call = await k.callback("complaint_confirmation", cid)
    assert (call["team"], call["assignee"]) == ("customer_service", "cs-li")
    assert await status_of(k, cid) == "resolved", "only the confirmation call closes it"

    outcome = {"reached": True, "satisfied": True, "satisfaction": 5, "comment": "满意"}
    done = await k.post("notifications", f"/v1/callbacks/{call['id']}/outcome", outcome, headers=cs)
    assert done["final"] is True and done["status"] == "done"
    await eventually(lambda: has_status(k, cid, "closed"), timeout=20)
    got = await k.get("intake", f"/v1/complaints/{cid}")
    assert (
        got["confirmation"]["satisfied"] is True
        and got["confirmation"]["callback_id"] == call["id"]
    )
    await k.callback("complaint_handling", cid, id=task["id"], status="cancelled")

    # A second complaint: the customer is not satisfied with the result → manager.
    cid2 = await complaint(k, phone, category="quality", description="返修后墙面仍有裂缝")
    await k.post("intake", f"/v1/complaints/{cid2}/resolution", {"result": "已补缝"}, headers=cs)
    call2 = await k.callback("complaint_confirmation", cid2)
    unhappy = {"reached": True, "satisfied": False, "satisfaction": 2, "comment": "裂缝仍在"}
    await k.post("notifications", f"/v1/callbacks/{call2['id']}/outcome", unhappy, headers=cs)

    async def at_manager() -> dict | None:
        got = await k.get("intake", f"/v1/complaints/{cid2}")
        return got if got["escalation_level"] == "manager" else None

    escalated = await eventually(at_manager, timeout=20)
    assert escalated["status"] == "escalated"
    assert escalated["escalations"][-1]["level"] == "manager"
    assert escalated["department"] == "engineering", "back with the same department"
    mail = (await k.sent("complaint_escalated", cid2))[0]
    assert mail["channel"] == "email"
    await k.callback("complaint_handling", cid2, level="manager")
    assert (await k.event("complaint.reopened", complaint_id=cid2))["complaint_id"] == cid2

    # The manager sees it through: resolved again, a new confirmation call, now satisfied.
    boss = k.auth("manager", sub="mgr-sun")
    again = {"result": "更换整面墙砖", "alternatives_offered": ["补偿500元"]}
    await k.post("intake", f"/v1/complaints/{cid2}/resolution", again, headers=boss)

    async def second_call() -> dict | None:
        calls = await k.callbacks(purpose="complaint_confirmation", entity_id=cid2)
        return next((c for c in calls if c["id"] != call2["id"]), None)

    call3 = await eventually(second_call, timeout=20)
    await k.post("notifications", f"/v1/callbacks/{call3['id']}/outcome", outcome, headers=cs)
    await eventually(lambda: has_status(k, cid2, "closed"), timeout=20)


async def test_2_quality_complaint_on_a_finished_project_becomes_a_free_repair(kefu: Kefu) -> None:
    """Completed project → quality complaint → repair in warranty (covered) → survey → schedule
    → completion → complaint resolved → its confirmation call; the supervision-centre call."""
    k = kefu
    phone = new_phone()
    _, customer_id, pid = await lead(k, "赵磊", phone)
    # Walked to completion today (a lead's project opens now, so it cannot be backdated); the
    # warranty card is issued at the final payment.
    clock = Clock()
    await k.call("projects", "PATCH", f"/v1/projects/{pid}", {"project_manager": "pm-zhou"})
    await drive(k, pid, "completed", clock)
    final = await installment(k, pid, "final")
    assert final["amount_fen"] == CONTRACT_FEN * 5 // 100 - DEPOSIT_FEN
    paid = await k.post(
        "projects",
        f"/v1/projects/{pid}/payments",
        {"installment": "final", "amount_fen": final["amount_fen"], **clock.at("paid_at")},
        headers=k.auth("finance", sub="fin-liu"),
    )
    assert paid["stage"] == "warranty"
    completed_on = date.fromisoformat(paid["completed_on"])
    assert paid["warranty"]["ends_on"] == add_months(completed_on, 24).isoformat()

    # Aftersales learns the project is finished from the bus before the complaint comes in.
    await k.event("project.stage.changed", project_id=pid, to_stage="warranty")
    await eventually(lambda: k.drained("aftersales-on_project_stage_changed"), timeout=20)

    body = {
        "customer_id": customer_id,
        "channel": "phone",
        "category": "quality",
        "severity": "high",
        "description": "客厅墙面开裂, 长约 1 米",
        "department": "aftersales",
        "subject": {"kind": "project", "id": pid},
    }
    created = await k.post("intake", "/v1/complaints", body, headers=k.auth("cs", sub="cs-li"))
    cid = created["id"]

    async def ticket() -> dict | None:
        items = (await k.get("aftersales", "/v1/repairs", complaint_id=cid))["items"]
        return items[0] if items else None

    repair = await eventually(ticket, timeout=20)
    rid = repair["id"]
    assert (repair["project_id"], repair["customer_id"], repair["status"]) == (
        pid,
        customer_id,
        "opened",
    )
    await k.callback("repair_contact", rid, team="aftersales")

    staff = k.auth("aftersales", sub="as-wang")
    base = f"/v1/repairs/{rid}"
    await k.post("aftersales", f"{base}/assignment", {"staff": "as-wang"}, headers=staff)
    survey_at = (now_local() - timedelta(minutes=30)).isoformat()
    await k.post("aftersales", f"{base}/survey-booking", {"at": survey_at}, headers=staff)
    surveyed = await k.post(
        "aftersales",
        f"{base}/survey",
        {"findings": "墙面开裂 1 米", "proposed_fix": "切缝挂网重新批荡", "problem_kind": "crack"},
        headers=staff,
    )
    warranty = surveyed["warranty"]
    assert warranty["covered"] is True, warranty
    assert warranty["ends_on"] == paid["warranty"]["ends_on"]
    assert surveyed["fee_quote_fen"] in (None, 0)
    today = local_date(now_local()).isoformat()
    scheduled = await k.post(
        "aftersales", f"{base}/schedule", {"date": today, "duration_days": 1}, headers=staff
    )
    assert scheduled["status"] == "scheduled"
    await k.sent("repair_appointment", rid, count=2)  # the survey and the repair appointments
    await k.photograph(rid, staff)
    done = await k.post(
        "aftersales",
        f"{base}/completion",
        {"evaluation_score": 5, "comment": "很满意"},
        headers=staff,
    )
    assert done["status"] == "completed"

    # The finished repair resolves the complaint in intake, which starts its confirmation call.
    await eventually(lambda: has_status(k, cid, "resolved"), timeout=20)
    got = await k.get("intake", f"/v1/complaints/{cid}")
    assert got["resolution"]["result"] == "repair completed"
    call = await k.callback("complaint_confirmation", cid)
    assert (call["team"], call["assignee"]) == ("customer_service", "cs-li"), (
        "who received it calls"
    )
    followup = await k.callback("repair_followup", rid)
    assert followup["team"] == "supervision"

    # The supervision centre makes its call; aftersales keeps it on the ticket.
    outcome = {"reached": True, "satisfied": True, "satisfaction": 5}
    await k.post(
        "notifications",
        f"/v1/callbacks/{followup['id']}/outcome",
        outcome,
        headers=k.auth("supervision", sub="sup-he"),
    )

    async def recorded() -> bool:
        history = (await k.get("aftersales", base))["history"]
        return any(h["action"] == "supervision_followup" for h in history)

    await eventually(recorded, timeout=20)
    closed = await k.post(
        "aftersales", f"{base}/closure", {"summary": "挂网批荡, 客户验收"}, headers=staff
    )
    assert closed["status"] == "closed"
    await k.event("repair.closed", repair_id=rid)
    await k.callback("repair_contact", rid, status="cancelled")

    # Out of warranty's cover (damage by the customer): the fee is quoted and accepted first.
    request = {
        "customer_id": customer_id,
        "project_id": pid,
        "address": "锦绣路100弄5号1201",
        "problem": "孩子撞坏柜门",
    }
    await k.post("intake", "/v1/repair-requests", request, headers=k.auth("cs", sub="cs-li"))

    async def paid_ticket() -> dict | None:
        items = (await k.get("aftersales", "/v1/repairs", project_id=pid))["items"]
        return next((t for t in items if t["complaint_id"] is None), None)

    rid2 = (await eventually(paid_ticket, timeout=20))["id"]
    base2 = f"/v1/repairs/{rid2}"
    await k.post("aftersales", f"{base2}/assignment", {"staff": "as-wang"}, headers=staff)
    await k.post("aftersales", f"{base2}/survey-booking", {"at": survey_at}, headers=staff)
    quoted = await k.post(
        "aftersales",
        f"{base2}/survey",
        {
            "findings": "柜门铰链断裂",
            "proposed_fix": "更换柜门与铰链",
            "problem_kind": "customer_damage",
        },
        headers=staff,
    )
    assert quoted["warranty"]["covered"] is False and quoted["fee_quote_fen"] > 0
    plan = {"date": today, "duration_days": 1}
    await k.post("aftersales", f"{base2}/schedule", plan, headers=staff, expect=409)
    await k.post("aftersales", f"{base2}/quote-acceptance", headers=staff)
    await k.post("aftersales", f"{base2}/schedule", plan, headers=staff)
    fee = {"evaluation_score": 4, "comment": "", "fee_paid_fen": quoted["fee_quote_fen"]}
    await k.photograph(rid2, staff)
    await k.post("aftersales", f"{base2}/completion", fee, headers=staff)
    billed = await k.event("repair.completed", repair_id=rid2)
    assert (billed["covered"], billed["fee_fen"]) == (False, quoted["fee_quote_fen"])

    # The customer's file at the front door: the lead, the complaint and the repair request.
    file = await k.get("intake", f"/v1/customers/{customer_id}")
    assert file["phone"] == f"{phone[:3]}****{phone[-4:]}"
    kinds = {e["kind"]: e for e in file["timeline"]}
    assert set(kinds) == {"lead", "complaint", "repair_request"}
    assert {"kind": "project", "id": pid} in kinds["complaint"]["refers_to"]
    assert {"kind": "project", "id": pid} in kinds["repair_request"]["refers_to"]


async def test_3_project_from_lead_to_warranty_calls(kefu: Kefu) -> None:
    """Lead → project → contract (65 % due) → start → acceptances with stage callbacks →
    mid-term (30 % due in 3 days; unpaid → overdue) → completion (5 % − deposit) → warranty
    card → quarterly warranty calls."""
    k = kefu
    eng, fin = k.auth("engineering", sub="eng-chen"), k.auth("finance", sub="fin-liu")
    phone = new_phone()
    lead_id, customer_id, pid = await lead(k, "孙丽", phone)
    project = await k.get("projects", f"/v1/projects/{pid}")
    assert (project["stage"], project["customer_id"], project["lead_id"]) == (
        "consultation",
        customer_id,
        lead_id,
    )
    team = {
        "designer": "des-lin",
        "project_manager": "pm-zhao",
        "supervisor": "sup-ma",
        "foreman": "fm-guo",
    }
    await k.call("projects", "PATCH", f"/v1/projects/{pid}", team, headers=eng)

    clock = Clock()
    await drive(k, pid, "design", clock)
    signed = await enter(k, pid, "contract", clock)
    plan = {i["installment"]: i for i in signed["installments"]}
    assert plan["first"]["amount_fen"] == CONTRACT_FEN * 65 // 100 == 13_000_000
    assert plan["midterm"]["amount_fen"] == 6_000_000
    assert plan["final"]["amount_fen"] == 1_000_000 - DEPOSIT_FEN == 950_000
    due = await k.event("project.payment.due", project_id=pid, installment="first")
    assert due["amount_fen"] == 13_000_000
    await k.sent("payment_due", pid)
    for fact in ("renderings_delivered", "contract_to_finance"):
        await k.post("projects", f"/v1/projects/{pid}/facts", {"fact": fact}, headers=eng)

    started = await enter(k, pid, "works_started", clock)
    inspection = {"quality": 5, "progress": 4, "tidiness": 3, "problems": ["插座位置偏低"]}
    await k.post("projects", f"/v1/projects/{pid}/inspections", inspection, headers=eng)
    works = next(d for d in started["deadlines"] if d["deadline"] == "works_start")
    signed_on = local_date(datetime.fromisoformat(signed["contract"]["signed_at"]))
    assert works["due_on"] == (signed_on + timedelta(days=3)).isoformat()
    assert works["status"] == "met"
    await drive(k, pid, "plumbing_electrical_accepted", clock)
    await sign(k, pid, "midterm_accepted", clock)
    accepted = await k.post(
        "projects", f"/v1/projects/{pid}/transitions", {"to": "midterm_accepted"}, headers=eng
    )
    midterm = next(i for i in accepted["installments"] if i["installment"] == "midterm")
    accepted_on = local_date(datetime.fromisoformat(accepted["history"][-1]["at"]))
    assert midterm["due_on"] == (accepted_on + timedelta(days=3)).isoformat()
    assert midterm["outstanding_fen"] == 6_000_000
    await k.event("project.payment.due", project_id=pid, installment="midterm")

    # Not paid by the end of the 3rd day: move projects' clock past the bound.
    bound = datetime.fromisoformat(midterm["due_at"])
    k.move_clock("projects", (bound - datetime.now(BUSINESS_TZ)).total_seconds() + 60)
    overdue = await k.event("project.payment.overdue", project_id=pid, installment="midterm")
    assert (overdue["amount_fen"], overdue["paid_fen"]) == (6_000_000, 0)
    reminder = await k.callback("payment_reminder", pid, team="finance")
    await k.sent("payment_overdue", pid)
    assert k.sms_to(phone), "the customer's phone got the payment SMS"
    k.move_clock("projects", 0)
    await k.post(
        "projects",
        f"/v1/projects/{pid}/payments",
        {"installment": "midterm", "amount_fen": 6_000_000},
        headers=fin,
    )
    await k.callback("payment_reminder", pid, id=reminder["id"], status="cancelled")

    completed = await drive(k, pid, "completed", clock)
    final = next(i for i in completed["installments"] if i["installment"] == "final")
    assert final["amount_fen"] == 950_000 and completed["warranty"] is None
    paid = await k.post(
        "projects",
        f"/v1/projects/{pid}/payments",
        {"installment": "final", "amount_fen": 950_000},
        headers=fin,
    )
    assert paid["stage"] == "warranty"
    card = paid["warranty"]
    done_on = date.fromisoformat(paid["completed_on"])
    assert card["card_no"] == "WC-" + pid.replace("-", "")[:12].upper()
    assert card["starts_on"] == done_on.isoformat()
    assert card["ends_on"] == add_months(done_on, 24).isoformat()
    assert card["status"] == "filled"
    # With the final payment's receipt the customer fills the feedback form at finance, signs
    # the card and gets it; customer service archives the company's copy.
    receipt = paid["payments"][-1]["receipt_no"]
    base, cs = f"/v1/projects/{pid}", k.auth("cs", sub="cs-li")
    form = {"receipt_no": receipt, "satisfaction": 5, "comments": "满意"}
    await k.post("projects", f"{base}/feedback-form", form, headers=fin)
    await k.post("projects", f"{base}/warranty-card/signature", {"name": "孙丽"}, headers=cs)
    issued = await k.post("projects", f"{base}/warranty-card/issue", {}, headers=fin)
    assert issued["warranty"]["status"] == "issued"
    assert issued["warranty"]["receipt_no"] == receipt
    archived = await k.post("projects", f"{base}/warranty-card/archive", {}, headers=cs)
    assert archived["warranty"]["status"] == "archived"

    # Notifications: a callback for every required stage, the completion survey, the front
    # desk's calls, and the first of the quarterly warranty calls on the worklist.
    want = {
        "design_agreement",
        "contract",
        "plumbing_electrical_accepted",
        "carpentry_accepted",
        "tiling_accepted",
        "painting_accepted",
    }

    async def stage_calls() -> set[str] | None:
        got = {c["stage"] for c in await k.callbacks(purpose="stage_callback", entity_id=pid)}
        return got if got >= want else None

    assert await eventually(stage_calls, timeout=20) == want
    survey = await k.callback("completion_survey", pid, stage="completed")
    ratings = {"designer": 5, "inspector": 4, "foreman": 5, "engineering_manager": 4}
    answer = {"reached": True, "satisfaction": 5, "ratings": ratings, "comment": "整体满意"}
    cs = k.auth("cs", sub="cs-li")
    await k.post("notifications", f"/v1/callbacks/{survey['id']}/outcome", answer, headers=cs)
    contract_call = await k.callback("stage_callback", pid, stage="contract")
    await k.post(
        "notifications", f"/v1/callbacks/{contract_call['id']}/outcome", answer, headers=cs
    )

    async def credited() -> dict | None:
        report = await k.get("projects", "/v1/reports/care-compliance", project_manager="pm-zhao")
        rows = [r for r in report["rows"] if r["project_manager"] == "pm-zhao"]
        return rows[0] if rows and rows[0]["made_calls"] >= 2 else None

    care = await eventually(credited, timeout=20)
    assert care["projects"] == 1 and care["required_calls"] > care["made_calls"]
    # The month's rating: inspection mark (5 + 4 + 3) / 3 = 4, plus the calls' satisfaction 5.
    month = local_date(now_local()).strftime("%Y-%m")

    async def rated() -> dict | None:
        rating = await k.get("projects", "/v1/reports/rating/monthly", month=month)
        mine = [r for r in rating["best"] + rating["worst"] if r["project_id"] == pid]
        return mine[0] if mine and float(mine[0]["mean_satisfaction"]) == 5 else None

    row = await eventually(rated, timeout=20)
    assert float(row["mean_inspection"]) == 4 and float(row["score"]) == 9
    assert row["complaints"] == 0 and row["inspections"] == 1
    visit = await k.callback("return_visit", pid)
    visit_at = datetime.fromisoformat(visit["due_at"]).astimezone(BUSINESS_TZ)
    assert (visit_at.date(), visit_at.hour) == (add_months(done_on, 1), 10), "a month on, 10:00"

    async def frontdesk() -> list[dict] | None:
        calls = await k.callbacks(purpose="frontdesk_call", entity_id=pid)
        return calls if len(calls) >= 3 else None

    assert len(await eventually(frontdesk, timeout=20)) == 3, "start, mid-term, before completion"
    warranty = await k.callback("warranty_quarterly", pid)
    first_call = datetime.fromisoformat(warranty["due_at"]).astimezone(BUSINESS_TZ)
    assert first_call.date() == add_months(done_on, 3) and first_call.hour == 10
    assert warranty["schedule_id"], "driven by the quarterly schedule"
    assert warranty["project_manager"] == "pm-zhao"
    # Three months on, the schedule puts the next quarter's call on the worklist.
    k.move_clock("notifications", (first_call - datetime.now(BUSINESS_TZ)).total_seconds() + 60)

    async def next_quarter() -> list[dict] | None:
        calls = await k.callbacks(purpose="warranty_quarterly", entity_id=pid)
        return calls if len(calls) >= 2 else None

    calls = await eventually(next_quarter, timeout=20)
    dues = sorted(datetime.fromisoformat(c["due_at"]).astimezone(BUSINESS_TZ) for c in calls)
    assert [d.date() for d in dues] == [add_months(done_on, 3), add_months(done_on, 6)]
    weekly = await k.callbacks(purpose="weekly_works", entity_id=pid)
    assert weekly and all(c["status"] == "cancelled" for c in weekly), "completion stops them"


async def test_4_shipment_delayed_then_receipt_overdue_and_reported(kefu: Kefu) -> None:
    """One transfer: scans → not arrived when promised → shipment.delayed → customer SMS and
    station task → arrived → signed with a receipt → not back in 15 days → receipt.overdue →
    chase task → in the region's monthly report."""
    k = kefu
    ops = k.auth("logistics", sub="lg-qian")
    waybill, now = f"WB{uid()}", now_local()
    needs = {"required": True, "signature": True, "stamp": False, "id_number": False}
    body = shipment_body(
        waybill,
        ("SH01", "NJ01", "BJ01"),
        "north",
        now + timedelta(hours=1),
        dispatched_at=(now - timedelta(days=2)).isoformat(),
        receipt=needs,
    )
    shipper_phone, consignee_phone = body["shipper"]["phone"], body["consignee"]["phone"]
    await k.post("logistics", "/v1/shipments", body, headers=k.auth("branch", branch="SH01"))
    await k.scan(waybill, "departed", "SH01", now - timedelta(hours=47), headers=ops)
    await k.scan(waybill, "arrived_hub", "NJ01", now - timedelta(hours=30), headers=ops)
    await k.scan(waybill, "departed", "NJ01", now - timedelta(hours=28), headers=ops)
    assert await k.events("shipment.delayed", waybill=waybill) == []

    # The promised hour passes without an arrival. (The clock moves rather than the promise
    # being backdated: a promise already missed at registration is reported at once, naming
    # the station the cargo had reached by then, which would race with the scans above.)
    k.move_clock("logistics", 3600 + 60)
    delayed = await k.event("shipment.delayed", waybill=waybill)
    assert delayed["station"] == "BJ01" and delayed.get("new_eta") is None
    shipment = await k.get("logistics", f"/v1/shipments/{waybill}")
    assert shipment["delayed"] is True and shipment["status"] != "arrived"
    told = await k.sent("shipment_delayed_tbc", waybill, count=2)
    assert {m["recipient"]["address"][-4:] for m in told} == {
        shipper_phone[-4:],
        consignee_phone[-4:],
    }
    assert k.sms_to(shipper_phone) and k.sms_to(consignee_phone)
    call = await k.callback("station_call", waybill)
    assert call["team"] == "logistics" and call["entity"] == {
        "kind": "shipment",
        "id": waybill,
    }

    arrival_at = now + timedelta(hours=1)
    arrived = await k.scan(waybill, "arrived_destination", "BJ01", arrival_at, headers=ops)
    assert arrived["status"] == "arrived"
    await k.scan(waybill, "signed", "BJ01", headers=ops)
    receipt = await k.post("logistics", f"/v1/shipments/{waybill}/receipt/signed", headers=ops)
    due_on = local_date(arrival_at) + timedelta(days=15)  # one transfer: 15 days
    assert receipt["due_on"] == due_on.isoformat()
    await k.event("shipment.signed", waybill=waybill)

    # Not back in 15 days: move logistics' clock a day past the end of the due day.
    offset = end_of_local_day(due_on) + timedelta(days=1) - datetime.now(BUSINESS_TZ)
    k.move_clock("logistics", offset.total_seconds())
    overdue = await k.event("receipt.overdue", waybill=waybill)
    assert overdue["region"] == "north" and overdue["due_on"] == due_on.isoformat()
    assert overdue["days_overdue"] >= 1 and overdue["hard_breach"] is False
    chase = await k.callback("receipt_chase", waybill)
    assert chase["team"] == "logistics" and chase["entity"] == {"kind": "receipt", "id": waybill}
    listed = await k.get("logistics", "/v1/receipts/overdue", region="north")
    assert waybill in [r["waybill"] for r in listed["items"]]

    # The month it went overdue: its owner answers for it (50 yuan), nobody having explained it.
    month = (due_on + timedelta(days=1)).strftime("%Y-%m")
    report = await k.get("logistics", "/v1/reports/receipts/monthly", month=month, region="north")
    (line,) = report["regions"]
    assert line["region"] == "north" and waybill in line["overdue_waybills"]
    assert waybill in line["chase_penalty_waybills"] and line["penalties_fen"] >= 5_000

    # It comes back at last: the chase stops, the lateness stays on record.
    await k.post("logistics", f"/v1/shipments/{waybill}/receipt/sent", headers=ops)
    back = await k.post("logistics", f"/v1/shipments/{waybill}/receipt/received", headers=ops)
    assert back["status"] == "received"
    returned = await k.event("receipt.returned", waybill=waybill)
    assert returned["days_overdue"] == overdue["days_overdue"] and returned["hard_breach"] is False
    await k.callback("receipt_chase", waybill, id=chase["id"], status="cancelled")


async def test_5_cargo_exception_at_a_hub_reaches_the_supervisor_and_the_week(kefu: Kefu) -> None:
    """Exception at a hub with a photo → registered → the cargo supervisor told (alert task and
    e-mail) → in the weekly summary."""
    k = kefu
    hub = k.auth("branch", branch="WH01")
    waybill = f"WB{uid()}"
    body = shipment_body(
        waybill, ("SH01", "WH01", "GZ01"), "south", now_local() + timedelta(days=2)
    )
    origin = k.auth("branch", branch="SH01")
    await k.post("logistics", "/v1/shipments", body, headers=origin)
    await k.scan(waybill, "departed", "SH01", headers=origin)
    await k.scan(waybill, "arrived_hub", "WH01", headers=hub)

    photo = await k.post(
        "logistics",
        f"/v1/shipments/{waybill}/photos",
        None,
        headers=hub,
        files={"file": ("crate.png", PNG, "image/png")},
    )
    assert len(photo["sha256"]) == 64
    registered = await k.post(
        "logistics",
        f"/v1/shipments/{waybill}/exceptions",
        {
            "kind": "damage",
            "note": "木箱一角破损, 货物外露",
            "station": "WH01",
            "photo_ids": [photo["photo_id"]],
        },
        headers=hub,
    )
    event = await k.event("shipment.exception.registered", waybill=waybill)
    assert event["exception_id"] == registered["exception_id"]
    assert (event["kind"], event["station"], event["photos"]) == (
        "damage",
        "WH01",
        [photo["photo_id"]],
    )
    record = await k.get("logistics", f"/v1/shipments/{waybill}")
    assert [e["kind"] for e in record["exceptions"]] == ["damage"]

    alert = await k.callback("alert", waybill)
    assert alert["team"] == "logistics"
    (mail,) = await k.sent("cargo_exception", waybill)
    assert mail["channel"] == "email"
    await eventually(
        lambda: [m for m in k.smtp.messages if "cargo-supervisor@kefu.test" in m["to"]]
    )

    year, week, _ = local_date(now_local()).isocalendar()
    summary = await k.get("logistics", "/v1/reports/exceptions/weekly", week=f"{year}-W{week:02d}")
    line = next(x for x in summary["lines"] if (x["station"], x["kind"]) == ("WH01", "damage"))
    assert line["count"] >= 1 and waybill in line["waybills"]


async def test_6_no_event_of_the_five_journeys_was_dead_lettered(kefu: Kefu) -> None:
    """Every event the journeys caused was understood by every consumer, first time or on retry."""
    assert await dead_letters(kefu.settings) == []


async def test_7_the_journeys_leave_no_open_task_whose_duty_has_ended(kefu: Kefu) -> None:
    """Issue 17: one open task per duty per case, closed or cancelled the moment its duty ends.
    After the five journeys every open task still has a duty to do (tests/support/duties.py
    judges each against the record's state in its owning service)."""
    k = kefu

    async def get(service: str, path: str, params: dict[str, Any]) -> Any:
        r = await k.clients[service].get(path, params=params, headers=ADMIN)
        if r.status_code == 404:
            return None
        assert r.status_code == 200, f"{service} {path}: {r.status_code} {r.text}"
        return r.json()

    await eventually(lambda: k.drained("notifications-on_event"), timeout=30)
    assert await open_tasks(get), "the journeys leave calls to make: the check has work to do"
    assert await dead_tasks(get) == []
