"""What the console's customer card reads besides intake, over the real services: a
customer's repairs (aftersales) and callbacks (notifications) by customer_id, and a
project's next step with every unmet rule in words (projects)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from shared.settings import Settings
from tests.support.harness import Servers, eventually
from tests.support.journeys import Kefu, lead, new_phone, system

pytestmark = pytest.mark.quick


@pytest.fixture(scope="module")
async def kefu(servers: Servers, settings: Settings) -> AsyncIterator[Kefu]:
    async with system(settings, servers.nats_url) as k:
        yield k


async def test_repairs_and_callbacks_by_customer(kefu: Kefu) -> None:
    _, customer, pid = await lead(kefu, "赵敏", new_phone())
    _, other, _ = await lead(kefu, "钱坤", new_phone())
    for cid in (customer, other):
        body = {"customer_id": cid, "project_id": pid, "address": "上海", "problem": "漏水"}
        await kefu.post("intake", "/v1/repair-requests", body, headers=kefu.auth("reception"))

    async def repairs() -> list[str] | None:
        page = await kefu.get("aftersales", "/v1/repairs", customer_id=customer)
        return [r["customer_id"] for r in page["items"]] or None

    assert await eventually(repairs, timeout=20) == [customer]
    complaint = {
        "customer_id": customer,
        "channel": "phone",
        "category": "service",
        "severity": "normal",
        "description": "维修师傅没来",
        "department": "customer_service",
    }
    await kefu.post("intake", "/v1/complaints", complaint, headers=kefu.auth("cs"))

    async def calls() -> list[str] | None:
        page = await kefu.get("notifications", "/v1/callbacks", customer_id=customer)
        return [c["customer_id"] for c in page["items"]] or None

    found = await eventually(calls, timeout=20)
    assert set(found) == {customer}
    assert (await kefu.get("notifications", "/v1/callbacks", customer_id="nobody"))["items"] == []


async def test_the_next_step_names_every_unmet_rule(kefu: Kefu) -> None:
    _, _, pid = await lead(kefu, "孙丽", new_phone())
    step = await kefu.get("projects", f"/v1/projects/{pid}/next")
    assert step["stage"] == "consultation" and step["next"] == "measurement"
    assert step["ready"] is True and step["unmet"] == []
    eng = kefu.auth("engineering", sub="eng-1")
    for to in ("measurement", "quotation"):
        await kefu.post("projects", f"/v1/projects/{pid}/transitions", {"to": to}, headers=eng)
    step = await kefu.get("projects", f"/v1/projects/{pid}/next")
    assert step["next"] == "design_agreement" and step["ready"] is False
    rules = {u["code"]: u["rule"] for u in step["unmet"]}
    assert "500.00 yuan" in rules["deposit_unpaid"]
    # The same rules a transition refuses with, every one of them.
    refused = await kefu.call(
        "projects",
        "POST",
        f"/v1/projects/{pid}/transitions",
        {"to": "design_agreement"},
        headers=eng,
        expect=409,
    )
    assert [r["code"] for r in refused["rules"]] == list(rules)
    refused = await kefu.call(
        "projects",
        "GET",
        f"/v1/projects/{pid}/next",
        headers=kefu.auth("reception"),
        expect=403,
    )
    assert refused["status"] == 403
