"""Dead tasks (no tests here): an open callback task whose duty has ended, judged from the state
of the record it concerns as its owning service shows it, and a duty with two open tasks
(issue 17: one open task per duty per case, closed or cancelled the moment its duty ends)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

from shared.calendar import BUSINESS_TZ
from shared.contracts.values import CallbackPurpose as P

# GET a path of a service → the JSON answer, or None for a 404.
Get = Callable[[str, str, dict[str, Any]], Awaitable[Any]]

WHERE: dict[str, tuple[str, str]] = {
    "complaint": ("intake", "/v1/complaints/{}"),
    "project": ("projects", "/v1/projects/{}"),
    "repair": ("aftersales", "/v1/repairs/{}"),
    "shipment": ("logistics", "/v1/shipments/{}"),
    "receipt": ("logistics", "/v1/shipments/{}"),
}
FINISHED = {"completed", "warranty"}
WORKS_RUN = {
    P.WEEKLY_WORKS.value,
    P.INSPECTION_PROBLEMS.value,
    "weekly_satisfaction",
    "weekly_spot_check",
}
# A repair ticket's statuses in order (aftersales), and the first status past each service-level
# step (first contact: a visit booked; survey: surveyed; repair: completed).
REPAIR_ORDER = (
    "opened assigned survey_booked surveyed quote_accepted scheduled in_repair completed"
    " reimbursement_claimed reimbursement_dept_approved reimbursement_finance_approved closed"
).split()
STEP_DONE_AT = {"first_contact": "survey_booked", "survey": "surveyed", "repair": "completed"}
RETURNED = {"received", "handed_over", "settled"}
ARRIVED = {"arrived", "signed"}


def case_of(task: dict[str, Any]) -> str:
    """The case part of a task's duty (after `purpose:kind:id`)."""
    base = f"{task['purpose']}:{task['entity']['kind']}:{task['entity']['id']}"
    return str(task["duty"])[len(base) + 1 :]


def why_ended(task: dict[str, Any], record: dict[str, Any] | None, today: date) -> str | None:
    """Why the task's duty has ended, or None while it still stands."""
    purpose, case = task["purpose"], case_of(task)
    if record is None:
        return "its record does not exist"
    status = record.get("status")
    if purpose == P.COMPLAINT_HANDLING and status in ("resolved", "closed"):
        return f"the complaint is {status}"
    if purpose == P.COMPLAINT_CONFIRMATION and status != "resolved":
        return f"the complaint is {status}, no result waits for confirmation"
    if purpose in WORKS_RUN and record.get("stage") in FINISHED:
        return "the works are finished"
    if purpose == P.WARRANTY_QUARTERLY:
        ends = (record.get("warranty") or {}).get("ends_on")
        if ends and date.fromisoformat(ends) < today:
            return "the warranty has ended"
    if purpose == P.PAYMENT_REMINDER:
        plan = {i["installment"]: i for i in record.get("installments", [])}
        if plan.get(case, {}).get("fully_paid"):
            return f"the {case} instalment is paid"
    if purpose == P.DEADLINE_MISSED:
        due = {d["deadline"]: d for d in record.get("deadlines", [])}
        if due.get(case, {}).get("satisfied_at"):
            return f"the {case} deadline's fact was recorded"
    if purpose in (P.REPAIR_CONTACT, P.SLA_TASK) and status in REPAIR_ORDER:
        step = "first_contact" if purpose == P.REPAIR_CONTACT else case
        done_at = STEP_DONE_AT.get(step, "completed")
        if REPAIR_ORDER.index(status) >= REPAIR_ORDER.index(done_at):
            return f"the repair is {status}"
    if purpose == P.STATION_CALL and status in ARRIVED:
        return f"the shipment is {status}"
    if purpose == P.RECEIPT_CHASE and (record.get("receipt") or {}).get("status") in RETURNED:
        return "the receipt is back"
    if purpose == P.ALERT and case == "loading" and status != "created":
        return "the urgent cargo left"
    return None


async def open_tasks(get: Get) -> list[dict[str, Any]]:
    """Every open callback task on the worklist."""
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"status": "open", "limit": 500}
        if cursor:
            params["cursor"] = cursor
        page = await get("notifications", "/v1/callbacks", params)
        found += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return found


async def dead_tasks(get: Get, today: date | None = None) -> list[str]:
    """Every open task whose duty has ended, and every duty with more than one open task."""
    today = today or datetime.now(BUSINESS_TZ).date()
    tasks = await open_tasks(get)
    problems = [
        f"{n} open tasks of duty {duty}"
        for duty, n in Counter(t["duty"] for t in tasks).items()
        if n > 1
    ]
    records: dict[tuple[str, str], Any] = {}
    for task in tasks:
        kind, ident = task["entity"]["kind"], task["entity"]["id"]
        if kind not in WHERE:
            continue
        if (kind, ident) not in records:
            service, path = WHERE[kind]
            records[kind, ident] = await get(service, path.format(ident), {})
        reason = why_ended(task, records[kind, ident], today)
        if reason is not None:
            problems.append(f"{task['purpose']} {task['id']} ({task['duty']}): {reason}")
    return problems
