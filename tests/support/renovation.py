"""Renovation customers' links in tests: a project opened from a lead with the customer's own
phone, driven to a stage, a repair reported about it, and links signed by hand (expired, for
another project)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.links import DEV_LINK_SECRET, Audience, key_of, sign
from tests.support.harness import eventually
from tests.support.journeys import Kefu, drive, installment, lead, new_phone

CUSTOMER = "赵磊"  # as the lead and the project's documents name the customer
ADDRESS = "上海市浦东新区锦绣路100弄5号1201"  # the lead's house (tests/support/journeys.lead)
# The gateway's codes of the renovation SMS that carry the link (notifications' templates).
PAYMENT_DUE, PAYMENT_OVERDUE, STAGE_CHANGED = "SMS_002", "SMS_003", "SMS_018"


async def customer_project(k: Kefu, to: str, *, pay: bool = True) -> dict[str, str]:
    """A project opened by a lead at SH01 with a phone of its own, driven to stage `to`; its
    id, customer id and phone."""
    phone = new_phone()
    _, customer_id, pid = await lead(k, CUSTOMER, phone, branch="SH01")
    if to != "consultation":
        await drive(k, pid, to, pay=pay)
    return {"project_id": pid, "customer_id": customer_id, "phone": phone}


async def report_repair(k: Kefu, project: dict[str, str], problem: str) -> str:
    """A repair request about the project at its branch; the ticket aftersales opened from it."""
    pid = project["project_id"]
    await k.post(
        "intake",
        "/v1/repair-requests",
        {
            "customer_id": project["customer_id"],
            "project_id": pid,
            "address": ADDRESS,
            "problem": problem,
        },
        headers=k.auth("branch", branch="SH01"),
    )

    async def opened() -> str | None:
        items: list[dict[str, Any]] = (await k.get("aftersales", "/v1/repairs", project_id=pid))[
            "items"
        ]
        found = [i for i in items if i["problem"] == problem]
        return str(found[0]["id"]) if found else None

    repair_id: str = await eventually(opened, timeout=20, interval=0.2)
    return repair_id


def signed_project(project_id: str, *, issued: datetime | None = None, days: int = 30) -> str:
    """A project link path signed as notifications signs one (the development secret)."""
    at = issued or datetime.now(UTC)
    key = key_of(DEV_LINK_SECRET)
    return "/t/" + sign(key, project_id, Audience.CUSTOMER, at, timedelta(days=days))


async def under_warranty(k: Kefu) -> dict[str, str]:
    """A project completed and settled: the final payment recorded (the warranty follows by
    itself), the card signed by the customer, the feedback form filled and the card issued."""
    project = await customer_project(k, "completed")
    pid = project["project_id"]
    base = f"/v1/projects/{pid}"
    fin, cs = k.auth("finance", sub="fin-liu"), k.auth("cs", sub="cs-li")
    final = await installment(k, pid, "final")
    paid = await k.post(
        "projects",
        f"{base}/payments",
        {"installment": "final", "amount_fen": final["amount_fen"]},
        headers=fin,
    )
    receipt = paid["payments"][-1]["receipt_no"]
    await k.post("projects", f"{base}/warranty-card/signature", {"name": CUSTOMER}, headers=cs)
    form = {"receipt_no": receipt, "satisfaction": 5, "comments": "工期准时"}
    await k.post("projects", f"{base}/feedback-form", form, headers=fin)
    issued = await k.post("projects", f"{base}/warranty-card/issue", {}, headers=fin)
    return {**project, "card_no": str(issued["warranty"]["card_no"])}
