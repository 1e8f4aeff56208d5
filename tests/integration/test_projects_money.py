"""Money over HTTP: the payment plan on the worked example, added items, payments and their
events, the automatic warranty on the final payment."""

from __future__ import annotations

from datetime import datetime

import pytest

from services.projects.app import create_app
from shared.calendar import BUSINESS_TZ as SHANGHAI
from shared.contracts.values import Stage
from tests.support.harness import eventually, running
from tests.support.projects import (
    ADMIN,
    Clock,
    auth,
    documents_for,
    drive,
    open_project,
    post,
    published,
    sign_all,
)

pytestmark = pytest.mark.quick


def plan_of(body: dict) -> dict[str, int]:
    return {i["installment"]: i["amount_fen"] for i in body["installments"]}


async def test_payment_plan_on_the_worked_example(settings, js) -> None:
    """200,000.00 yuan with a 500-yuan deposit: 130,000 / 60,000 + added items / 9,500 yuan."""
    async with running(create_app(settings)) as client:
        pid = await open_project(client, at=datetime(2026, 10, 1, 9, tzinfo=SHANGHAI))
        base = f"/v1/projects/{pid}"
        clock = Clock(datetime(2026, 10, 1, 10, tzinfo=SHANGHAI))
        await drive(client, pid, Stage.DESIGN, clock)
        await post(client, f"{base}/approvals", {"what": "scheme_and_quote", **clock.next()})
        await documents_for(client, pid, Stage.CONTRACT, clock)
        r = await client.post(
            f"{base}/contract",
            json={"amount_fen": 20_000_000, "signed_at": "2026-10-08T15:00:00+08:00"},
            headers=auth(settings, "finance", "fin-1"),
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["stage"] == "contract"
        assert {i["installment"]: i["amount_fen"] for i in body["plan"]} == {
            "first": 13_000_000,
            "midterm": 6_000_000,
            "final": 950_000,
        }
        first = body["plan"][0]
        assert first["due_on"] == "2026-10-08" and first["paid_fen"] == 0
        assert body["plan"][1]["due_on"] is None, "mid-term is due only after its acceptance"
        assert body["contract"]["plan"] == {"first_pct": 65, "midterm_pct": 30, "final_pct": 5}
        assert body["deposit_paid_fen"] == 50_000
        assert sum(plan_of(body).values()) + 50_000 == 20_000_000

        # Added items are settled with the mid-term payment.
        r = await client.post(
            f"{base}/additions",
            json={"description": "加装吊顶", "amount_fen": 300_000},
            headers=ADMIN,
        )
        assert r.status_code == 201, r.text
        r = await client.post(
            f"{base}/additions",
            json={"description": "阳台防水", "amount_fen": 120_000},
            headers=ADMIN,
        )
        assert r.status_code == 201 and r.json()["additions_fen"] == 420_000
        got = (await client.get(base, headers=auth(settings, "cs"))).json()
        assert plan_of(got) == {"first": 13_000_000, "midterm": 6_420_000, "final": 950_000}
        assert [a["amount_fen"] for a in got["additions"]] == [300_000, 120_000]

        # Payments add up; overpaying an instalment is refused.
        fin = auth(settings, "finance", "fin-1")
        r = await client.post(
            f"{base}/payments",
            json={
                "installment": "first",
                "amount_fen": 10_000_000,
                "paid_at": "2026-10-08T16:00:00+08:00",
            },
            headers=fin,
        )
        assert r.status_code == 200, r.text
        assert r.json()["contract"]["effective_at"] is None
        r = await client.post(
            f"{base}/payments", json={"installment": "first", "amount_fen": 3_000_001}, headers=fin
        )
        assert r.status_code == 409 and r.json()["code"] == "overpayment"
        r = await client.post(
            f"{base}/payments",
            json={
                "installment": "first",
                "amount_fen": 3_000_000,
                "paid_at": "2026-10-08T16:30:00+08:00",
            },
            headers=fin,
        )
        assert r.status_code == 200
        got = r.json()
        assert datetime.fromisoformat(got["contract"]["effective_at"]) == datetime(
            2026, 10, 8, 16, 30, tzinfo=SHANGHAI
        ), "the contract takes effect when the first instalment is fully paid"
        first = next(i for i in got["installments"] if i["installment"] == "first")
        assert first["paid_fen"] == 13_000_000 and first["outstanding_fen"] == 0
        received = await eventually(
            lambda: _n(
                published(js, "project.payment.received", project_id=pid, installment="first"), 2
            )
        )
        assert [e["paid_fen"] for e in received] == [10_000_000, 13_000_000]
        assert {e["amount_fen"] for e in received} == {13_000_000}
        assert received[0]["due_on"] == "2026-10-08"
        deposit = await published(
            js, "project.payment.received", project_id=pid, installment="deposit"
        )
        assert deposit[0]["amount_fen"] == 50_000

        # The deposit is taken before the contract only.
        r = await client.post(
            f"{base}/payments", json={"installment": "deposit", "amount_fen": 10_000}, headers=fin
        )
        assert r.status_code == 409 and r.json()["code"] == "deposit_after_contract"


async def _n(coro, n: int):
    found = await coro
    return found if len(found) >= n else None


async def test_contract_plan_rules(settings, js) -> None:
    async with running(create_app(settings)) as client:
        pid = await open_project(client)
        base = f"/v1/projects/{pid}"
        r = await client.post(
            f"{base}/payments",
            json={"installment": "deposit", "amount_fen": 150_000},
            headers=ADMIN,
        )
        assert r.status_code == 409 and "1,000.00 yuan" in r.json()["detail"]
        r = await client.post(
            f"{base}/payments", json={"installment": "first", "amount_fen": 1_000}, headers=ADMIN
        )
        assert r.status_code == 409 and r.json()["code"] == "no_contract"
        await drive(client, pid, Stage.DESIGN)
        await post(client, f"{base}/approvals", {"what": "scheme_and_quote"})
        await documents_for(client, pid, Stage.CONTRACT, Clock(None))
        r = await client.post(
            f"{base}/contract",
            json={
                "amount_fen": 1_000_000,
                "plan": {"first_pct": 60, "midterm_pct": 30, "final_pct": 5},
            },
            headers=ADMIN,
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "plan"
        body = await post(
            client,
            f"{base}/contract",
            {"amount_fen": 1_000_001, "plan": {"first_pct": 70, "midterm_pct": 25, "final_pct": 5}},
        )
        # floor for first and mid-term; the final absorbs rounding minus the 500-yuan deposit.
        assert plan_of(body) == {"first": 700_000, "midterm": 250_000, "final": 1}
        r = await client.post(f"{base}/contract", json={"amount_fen": 1_000_000}, headers=ADMIN)
        assert r.status_code == 409 and r.json()["code"] == "contract_already_signed"


async def test_final_payment_after_completion_starts_the_two_year_warranty(settings, js) -> None:
    async with running(create_app(settings)) as client:
        pid = await open_project(
            client, project_manager="pm-w", at=datetime(2026, 3, 1, 9, tzinfo=SHANGHAI)
        )
        base = f"/v1/projects/{pid}"
        clock = Clock(datetime(2026, 3, 1, 10, tzinfo=SHANGHAI))
        await drive(client, pid, Stage.PAINTING_ACCEPTED, clock)
        await sign_all(client, pid, Stage.COMPLETED, clock)
        await documents_for(client, pid, Stage.COMPLETED, clock)
        done = await post(
            client, f"{base}/transitions", {"to": "completed", "at": "2026-06-30T15:00:00+08:00"}
        )
        assert done["stage"] == "completed" and done["completed_on"] == "2026-06-30"
        assert done["warranty"] is None
        final = next(i for i in done["installments"] if i["installment"] == "final")
        assert final["amount_fen"] == 950_000 and final["due_on"] == "2026-07-03"

        fin = auth(settings, "finance", "fin-2")
        r = await client.post(
            f"{base}/payments",
            json={
                "installment": "midterm",
                "amount_fen": 6_000_000,
                "paid_at": "2026-07-01T10:00:00+08:00",
            },
            headers=fin,
        )
        assert r.status_code == 200 and r.json()["stage"] == "completed"
        r = await client.post(
            f"{base}/payments",
            json={
                "installment": "final",
                "amount_fen": 500_000,
                "paid_at": "2026-07-01T11:00:00+08:00",
            },
            headers=fin,
        )
        assert r.status_code == 200 and r.json()["stage"] == "completed", "partly paid: no card"
        r = await client.post(
            f"{base}/payments",
            json={
                "installment": "final",
                "amount_fen": 450_000,
                "paid_at": "2026-07-02T11:00:00+08:00",
            },
            headers=fin,
        )
        assert r.status_code == 200, r.text
        got = r.json()
        assert got["stage"] == "warranty"
        card = got["warranty"]
        assert card["starts_on"] == "2026-06-30" and card["ends_on"] == "2028-06-30"
        assert card["card_no"] == "WC-" + pid.replace("-", "")[:12].upper()
        assert got["history"][-1]["by"] == "projects"

        changed = await eventually(
            lambda: published(js, "project.stage.changed", project_id=pid, to_stage="warranty")
        )
        e = changed[0]
        assert e["from_stage"] == "completed" and e["by"] == "projects"
        assert e["completed_on"] == "2026-06-30" and e["warranty_ends_on"] == "2028-06-30"
        assert e["project_manager"] == "pm-w"
        assert datetime.fromisoformat(e["at"]) == datetime(2026, 7, 2, 11, tzinfo=SHANGHAI)
        received = await published(
            js, "project.payment.received", project_id=pid, installment="final"
        )
        assert received[-1]["version"] < e["version"]
        # Warranty is never a manual transition, and nothing follows it.
        r = await client.post(f"{base}/transitions", json={"to": "warranty"}, headers=ADMIN)
        assert r.status_code == 409


async def test_final_paid_before_completion_starts_warranty_at_completion(settings, js) -> None:
    async with running(create_app(settings)) as client:
        pid = await open_project(client, at=datetime(2026, 4, 1, 9, tzinfo=SHANGHAI))
        base = f"/v1/projects/{pid}"
        clock = Clock(datetime(2026, 4, 1, 10, tzinfo=SHANGHAI))
        await drive(client, pid, Stage.PAINTING_ACCEPTED, clock)
        await post(
            client,
            f"{base}/payments",
            {"installment": "final", "amount_fen": 950_000, **clock.field("paid_at")},
        )
        await sign_all(client, pid, Stage.COMPLETED, clock)
        await documents_for(client, pid, Stage.COMPLETED, clock)
        got = await post(
            client, f"{base}/transitions", {"to": "completed", "at": "2026-08-31T18:00:00+08:00"}
        )
        assert got["stage"] == "warranty" and got["completed_on"] == "2026-08-31"
        assert got["warranty"]["ends_on"] == "2028-08-31"
        stages = [h["stage"] for h in got["history"]][-2:]
        assert stages == ["completed", "warranty"]
