"""The receipt desk through the service (回单管理流程, 回单规范要求, 回单管理及签收标准考核), on real
NATS and Postgres: who may take each step, and the duties around the receipts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from shared.calendar import BUSINESS_TZ
from tests.support.logistics import (
    ADMIN,
    create,
    scan,
    service,
    shipment_body,
    token,
    uid,
)

STEPS = ("signed", "sent", "received", "handed_over", "settled")
ALLOWED = {
    "signed": "destination",
    "sent": "destination",
    "received": "origin",
    "handed_over": "origin",
    "settled": "finance",
}


def step_body(step: str) -> dict[str, Any]:
    """What each step needs besides the caller."""
    return {}


@pytest.mark.quick
async def test_duty_each_receipt_step_is_taken_by_its_party_only(settings) -> None:
    """Issue 16 defect 3, tried with branch tokens: the destination branch could record
    received, handed_over and settled on the origin's receipt, and a branch could settle. Every
    step × every party now: the party's own step 200, another party 403, a branch off the
    route 404 (it cannot even see the waybill)."""
    u = uid()
    o, t, d, x = f"O{u}", f"T{u}", f"D{u}", f"X{u}"
    wb = f"P{u}"
    now = datetime.now(BUSINESS_TZ)
    async with service(settings) as (client, _):
        await create(
            client,
            shipment_body(wb, o, d, transfers=(t,), dispatched=now - timedelta(days=2)),
        )
        assert (await scan(client, wb, "arrived_destination", d, now)).status_code == 202
        callers = {
            "origin": token(settings, "branch", branch=o),
            "destination": token(settings, "branch", branch=d),
            "transfer": token(settings, "branch", branch=t),
            "off-route": token(settings, "branch", branch=x),
            "desk": token(settings, "logistics"),
            "finance": token(settings, "finance"),
            "cs": token(settings, "cs"),
        }
        for step in STEPS:
            party = ALLOWED[step]
            for name, headers in callers.items():
                if name == party:
                    continue
                r = await client.post(
                    f"/v1/shipments/{wb}/receipt/{step}", headers=headers, json=step_body(step)
                )
                if name == "off-route":
                    assert r.status_code == 404, (step, name, r.text)
                elif name == "desk" and party != "finance":
                    continue  # the desk may record a branch's step; tried last below
                else:
                    assert r.status_code == 403, (step, name, r.text)
            r = await client.post(
                f"/v1/shipments/{wb}/receipt/{step}", headers=callers[party], json=step_body(step)
            )
            assert r.status_code == 200, (step, r.text)
            assert r.json()["status"] == step

        # The receipt desk records a branch's step for it, never finance's.
        wb2 = f"Q{u}"
        await create(client, shipment_body(wb2, o, d, dispatched=now - timedelta(days=2)))
        assert (await scan(client, wb2, "arrived_destination", d, now)).status_code == 202
        for step in STEPS[:-1]:
            r = await client.post(
                f"/v1/shipments/{wb2}/receipt/{step}", headers=callers["desk"], json=step_body(step)
            )
            assert r.status_code == 200, (step, r.text)
        r = await client.post(f"/v1/shipments/{wb2}/receipt/settled", headers=callers["desk"])
        assert r.status_code == 403 and "finance" in r.json()["detail"]
        r = await client.post(f"/v1/shipments/{wb2}/receipt/settled", headers=ADMIN)
        assert r.status_code == 200
