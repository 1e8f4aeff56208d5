"""The five journeys `kefu demo` walks (docs/ARCHITECTURE.md §8), one progress line per step."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from shared.calendar import local_date
from shared.money import yuan
from tooling.demo import (
    DEPOSIT_FEN,
    PNG,
    Demo,
    DemoFailed,
    business_times,
    enter,
    lead,
    local,
    local_now,
    new_phone,
    status_of,
    walk,
)


def _installment(project: dict[str, Any], name: str) -> dict[str, Any]:
    return dict(next(i for i in project["installments"] if i["installment"] == name))


def complaint_journey(d: Demo) -> None:
    """Opened → acknowledgement + handling task → hand-off → resolved → confirmation call."""
    cs = d.auth("cs", sub="cs-li")
    body = {
        "customer": {"name": "王芳", "phone": new_phone()},
        "channel": "phone",
        "category": "service",
        "severity": "normal",
        "description": "安装师傅迟到三个小时",
        "department": "engineering",
    }
    cid = d.post("intake", "/v1/complaints", body, who=cs)["id"]
    d.look["complaint"] = f"{d.urls['intake']}/v1/complaints/{cid}"
    ack, task = d.messages("complaint_ack", cid), d.task("complaint_handling", cid)
    d.say(1, f"complaint {cid} opened: acknowledgement SMS {status_of(ack)}")
    d.say(1, f"handling task on the {task['team']} worklist, due {local(task['due_at'])}")
    handoff = {"to_department": "customer_service", "to_assignee": "cs-wu", "note": "转客服协调"}
    d.post("intake", f"/v1/complaints/{cid}/handoffs", handoff, who=cs)
    d.task("complaint_handling", cid, team="customer_service", assignee="cs-wu")
    d.say(1, "handed off engineering → customer_service: the handling task moved with it")
    result = {"result": "已道歉并重新预约上门", "alternatives_offered": ["补偿200元"]}
    d.post("intake", f"/v1/complaints/{cid}/resolution", result, who=cs)
    call = d.task("complaint_confirmation", cid)
    d.say(1, f"resolved: confirmation call on {call['assignee']}'s worklist (who received it)")
    happy = {"reached": True, "satisfied": True, "satisfaction": 5}
    d.post("notifications", f"/v1/callbacks/{call['id']}/outcome", happy, who=cs)
    d.wait(
        f"complaint {cid} closed",
        lambda: d.get("intake", f"/v1/complaints/{cid}")["status"] == "closed",
    )
    d.say(1, "customer satisfied on the call: complaint closed")

    body |= {"category": "quality", "description": "返修后墙面仍有裂缝"}
    cid2 = d.post("intake", "/v1/complaints", body, who=cs)["id"]
    d.post("intake", f"/v1/complaints/{cid2}/resolution", {"result": "已补缝"}, who=cs)
    call = d.task("complaint_confirmation", cid2)
    unhappy = {"reached": True, "satisfied": False, "satisfaction": 2}
    d.post("notifications", f"/v1/callbacks/{call['id']}/outcome", unhappy, who=cs)
    d.wait(
        f"complaint {cid2} escalated to the manager",
        lambda: d.get("intake", f"/v1/complaints/{cid2}")["escalation_level"] == "manager",
    )
    mail = d.messages("complaint_escalated", cid2)
    d.say(1, f"second complaint {cid2}: not satisfied → reopened, escalated to the manager")
    d.say(1, f"the manager's e-mail: {status_of(mail)}")


def repair_journey(d: Demo) -> None:
    """Quality complaint on a finished project → free repair → complaint resolved → calls."""
    customer_id, pid = lead(d, "赵磊")
    walk(d, pid, "completed", business_times(None))
    final = {"installment": "final", "amount_fen": 950_000}
    fin = d.auth("finance", sub="fin-liu")
    card = d.post("projects", f"/v1/projects/{pid}/payments", final, who=fin)["warranty"]
    d.say(2, f"project {pid} completed and paid: warranty {card['card_no']} to {card['ends_on']}")
    # Aftersales learns of the completion from the bus (it has no HTTP view of its projection);
    # notifications' completion survey shows the stage change has been delivered.
    d.task("completion_survey", pid)
    body = {
        "customer_id": customer_id,
        "channel": "phone",
        "category": "quality",
        "severity": "high",
        "description": "客厅墙面开裂, 长约 1 米",
        "department": "aftersales",
        "subject": {"kind": "project", "id": pid},
    }
    cs = d.auth("cs", sub="cs-li")
    cid = d.post("intake", "/v1/complaints", body, who=cs)["id"]
    tickets = lambda: d.get("aftersales", "/v1/repairs", complaint_id=cid)["items"]  # noqa: E731
    try:
        rid = d.wait(f"repair ticket for complaint {cid}", tickets)[0]["id"]
    except DemoFailed:  # the complaint overtook the stage change: the documented way round
        ask = {"complaint_id": cid, "project_id": pid, "address": "锦绣路", "problem": "墙面开裂"}
        d.post("intake", "/v1/repair-requests", ask, who=cs)
        rid = d.wait(f"repair ticket for complaint {cid}", tickets)[0]["id"]
    d.look["repair"] = f"{d.urls['aftersales']}/v1/repairs/{rid}"
    d.say(2, f"quality complaint {cid} → repair ticket {rid}")
    staff, base = d.auth("aftersales", sub="as-wang"), f"/v1/repairs/{rid}"
    d.post("aftersales", f"{base}/assignment", {"staff": "as-wang"}, who=staff)
    booked = {"at": (local_now() - timedelta(hours=1)).isoformat()}
    d.post("aftersales", f"{base}/survey-booking", booked, who=staff)
    survey = {"findings": "墙面开裂 1 米", "proposed_fix": "挂网重新批荡", "problem_kind": "crack"}
    warranty = d.post("aftersales", f"{base}/survey", survey, who=staff)["warranty"]
    d.say(2, f"surveyed: covered={warranty['covered']} ({warranty['reason']})")
    plan = {"date": local_date(local_now()).isoformat(), "duration_days": 1}
    d.post("aftersales", f"{base}/schedule", plan, who=staff)
    end = {"file": ("wall.png", PNG, "image/png")}
    d.post("aftersales", f"{base}/photos", files=end, data={"phase": "after"}, who=staff)
    d.post(
        "aftersales", f"{base}/completion", {"evaluation_score": 5, "comment": "满意"}, who=staff
    )
    d.wait(
        f"complaint {cid} resolved by the repair",
        lambda: d.get("intake", f"/v1/complaints/{cid}")["status"] == "resolved",
    )
    d.task("complaint_confirmation", cid)
    follow = d.task("repair_followup", rid)
    d.say(2, "repair scheduled (SMS to the customer) and completed → complaint resolved")
    d.say(2, f"then its confirmation call, and the {follow['team']} centre's follow-up call")


def project_journey(d: Demo) -> None:
    """Lead → contract (65 %) → start → acceptances → mid-term (30 %) → completion → warranty."""
    customer_id, pid = lead(d, "孙丽")
    d.look["project"] = f"{d.urls['projects']}/v1/projects/{pid}"
    d.say(3, f"lead registered → project {pid} opened from it")
    times = business_times(None)
    walk(d, pid, "design", times)
    first = _installment(enter(d, pid, "contract", times), "first")
    d.say(3, f"contract signed: 65 % = {yuan(first['amount_fen'])} due today (paid)")
    accepted = walk(d, pid, "midterm_accepted", times, pay=False)
    calls = d.get("notifications", "/v1/callbacks", purpose="stage_callback", entity_id=pid)
    stages = ", ".join(sorted({c["stage"] for c in calls["items"]}))
    d.say(3, f"works started, trades accepted; stage callbacks: {stages}")
    mid = _installment(accepted, "midterm")
    d.say(3, f"mid-term accepted: 30 % = {yuan(mid['amount_fen'])} due by {mid['due_on']}")
    # The same customer's earlier flat, entered from paper forms: accepted 12 days ago, unpaid.
    start = (local_now() - timedelta(days=12)).replace(hour=9, minute=0, second=0, microsecond=0)
    old = {
        "customer_id": customer_id,
        "address": "上海市徐汇区漕溪北路1号",
        "at": start.isoformat(),
    }
    late = d.post("projects", "/v1/projects", {**old, "project_manager": "pm-zhao"})["id"]
    due_on = _installment(
        walk(d, late, "midterm_accepted", business_times(start), False), "midterm"
    )
    reminder, sms = d.task("payment_reminder", late), d.messages("payment_overdue", late)
    d.say(3, f"backdated project {late}: mid-term due {due_on['due_on']}, unpaid → overdue")
    d.say(3, f"reminder task for {reminder['team']}, SMS to the customer {status_of(sms)}")
    fin = d.auth("finance", sub="fin-liu")
    paid = {"installment": "midterm", "amount_fen": mid["amount_fen"]}
    d.post("projects", f"/v1/projects/{pid}/payments", paid, who=fin)
    final = _installment(walk(d, pid, "completed", times), "final")
    d.say(3, f"completed: 5 % − {yuan(DEPOSIT_FEN)} deposit = {yuan(final['amount_fen'])} due")
    paid = {"installment": "final", "amount_fen": final["amount_fen"]}
    settled = d.post("projects", f"/v1/projects/{pid}/payments", paid, who=fin)
    card, receipt = settled["warranty"], settled["payments"][-1]["receipt_no"]
    d.look["final payment's receipt"] = f"{d.urls['projects']}/v1/projects/{pid}/receipts/{receipt}"
    d.say(
        3,
        f"final paid, receipt {receipt}: card {card['card_no']} filled, last day {card['ends_on']}",
    )
    # 保修单发放流程: the customer fills the feedback form with the receipt, signs the card, and
    # gets it; customer service archives the company's copy.
    base, cs = f"/v1/projects/{pid}", d.auth("cs", sub="cs-li")
    form = {"receipt_no": receipt, "satisfaction": 5, "comments": "工期准时, 现场整洁"}
    d.post("projects", f"{base}/feedback-form", form, who=fin)
    d.post("projects", f"{base}/warranty-card/signature", {"name": "孙丽"}, who=cs)
    d.post("projects", f"{base}/warranty-card/issue", {}, who=fin)
    done = d.post("projects", f"{base}/warranty-card/archive", {}, who=cs)["warranty"]
    d.look["warranty card"] = f"{d.urls['projects']}{base}/warranty-card"
    d.say(
        3,
        f"feedback form on {receipt}; card signed by {done['signed_by']}, issued, {done['status']}",
    )
    quarterly = d.task("warranty_quarterly", pid)
    d.say(3, f"quarterly warranty calls for 2 years, the first on {local(quarterly['due_at'])}")


def shipment_journey(d: Demo) -> None:
    """One transfer: delayed → told → arrived → signed → receipt overdue → monthly report."""
    wb, now, ops = f"DEMO{uuid.uuid4().hex[:8].upper()}", local_now(), d.auth("logistics")

    def ago(days: float) -> str:
        return (now - timedelta(days=days)).isoformat()

    body = {
        "waybill": wb,
        "origin_branch": "SH01",
        "destination_branch": "BJ01",
        "region": "north",
        "transfers": 1,
        "transfer_branches": ["NJ01"],
        "dispatched_at": ago(21),
        "promised_arrival_at": ago(19),
        "shipper": {"name": "上海建材", "phone": new_phone()},
        "consignee": {"name": "杨明静", "phone": new_phone(), "kind": "person"},
        "receipt": {"required": True},
    }
    d.post("logistics", "/v1/shipments", body, who=d.auth("branch", branch="SH01"))
    d.look["shipment"] = f"{d.urls['logistics']}/v1/shipments/{wb}"
    d.say(4, f"waybill {wb} SH01 → NJ01 → BJ01 entered late: promised for {ago(19)[:10]}")
    sms, station = d.messages("shipment_delayed_tbc", wb, 2), d.task("station_call", wb)
    d.say(4, f"not arrived: shipment.delayed → SMS to shipper and consignee {status_of(sms)}")
    d.say(4, f"station call on the {station['team']} worklist")
    scans = (
        ("departed", "SH01", 20.9),
        ("arrived_hub", "NJ01", 19.5),
        ("departed", "NJ01", 19.4),
        ("arrived_destination", "BJ01", 18),
        ("signed", "BJ01", 17.9),
    )
    for kind, where, days in scans:
        scan = {"kind": kind, "station": where, "at": ago(days)}
        d.post("logistics", f"/v1/shipments/{wb}/scans", scan, who=ops)
    receipt = d.post("logistics", f"/v1/shipments/{wb}/receipt/signed", {"at": ago(17.9)}, who=ops)
    d.say(4, f"arrived {ago(18)[:10]}, signed; receipt due back by {receipt['due_on']} (15 days)")
    chase = d.task("receipt_chase", wb)
    d.say(4, f"receipt not back: receipt.overdue → chase task for {chase['team']}")
    month = local_date(now).strftime("%Y-%m")
    report = d.get("logistics", "/v1/reports/receipts/monthly", month=month, region="north")
    line = next((x for x in report["regions"] if wb in x["overdue_waybills"]), None)
    if line is None:
        raise DemoFailed(f"{wb} is not in the {month} receipts report of region north")
    d.look["receipts report"] = f"{d.urls['logistics']}/v1/reports/receipts/monthly?month={month}"
    fen = yuan(line["penalties_fen"])
    d.say(4, f"monthly report {month}, north: {line['overdue']} overdue, penalties {fen} proposed")


def cargo_journey(d: Demo) -> None:
    """Exception at a hub with a photo → cargo supervisor told → weekly summary."""
    wb, hub = f"DEMO{uuid.uuid4().hex[:8].upper()}", d.auth("branch", branch="WH01")
    body = {
        "waybill": wb,
        "origin_branch": "SH01",
        "destination_branch": "GZ01",
        "region": "south",
        "transfers": 1,
        "transfer_branches": ["WH01"],
        "promised_arrival_at": (local_now() + timedelta(days=2)).isoformat(),
        "shipper": {"name": "苏州家具厂", "phone": new_phone()},
        "consignee": {"name": "广州门店", "phone": new_phone(), "kind": "company"},
    }
    d.post("logistics", "/v1/shipments", body, who=d.auth("branch", branch="SH01"))
    scan = {"kind": "arrived_hub", "station": "WH01"}
    d.post("logistics", f"/v1/shipments/{wb}/scans", scan, who=hub)
    files = {"file": ("crate.png", PNG, "image/png")}
    photo = d.post("logistics", f"/v1/shipments/{wb}/photos", who=hub, files=files)
    damage = {
        "kind": "damage",
        "note": "木箱破损",
        "station": "WH01",
        "photo_ids": [photo["photo_id"]],
    }
    exc = d.post("logistics", f"/v1/shipments/{wb}/exceptions", damage, who=hub)
    d.say(5, f"damage on {wb} at hub WH01: exception {exc['exception_id']}")
    d.say(5, f"photo stored, sha256 {photo['sha256'][:16]}…")
    alert, mail = d.task("alert", wb), d.messages("cargo_exception", wb)
    d.say(5, f"cargo supervisor told: e-mail {status_of(mail)}, alert task for {alert['team']}")
    year, week, _ = local_date(local_now()).isocalendar()
    label = f"{year}-W{week:02d}"
    summary = d.get("logistics", "/v1/reports/exceptions/weekly", week=label)
    count = sum(
        x["count"] for x in summary["lines"] if (x["station"], x["kind"]) == ("WH01", "damage")
    )
    if not count:
        raise DemoFailed(f"no WH01 damage line in the weekly summary {label}")
    d.look["exceptions report"] = f"{d.urls['logistics']}/v1/reports/exceptions/weekly?week={label}"
    d.say(5, f"weekly summary {label}: WH01 damage × {count}")


JOURNEYS = (complaint_journey, repair_journey, project_journey, shipment_journey, cargo_journey)
