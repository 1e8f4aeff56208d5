"""Durable timers of projects: payment due/overdue and missed deadlines fire at their due time
and not before (database clock offset), are cancelled by the fact they wait for, and fire at
once for backdated business times."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from services.projects.app import create_app
from shared.calendar import BUSINESS_TZ as SHANGHAI
from shared.calendar import due_within_days
from shared.contracts.values import Stage
from tests.support.harness import eventually, running
from tests.support.projects import (
    ADMIN,
    Clock,
    drive,
    open_project,
    post,
    published,
    sign_all,
)

pytestmark = pytest.mark.quick


async def timer_due(app: Any, kind: str, key: str) -> datetime | None:
    async with app.state.pool.acquire() as conn:
        return await conn.fetchval(  # type: ignore[no-any-return]
            "SELECT due_at FROM timers WHERE kind = $1 AND key = $2", kind, key
        )


async def move_clock_to(app: Any, moment: datetime, margin: timedelta) -> None:
    """Set the timer worker's database clock to `moment + margin` and run one round."""
    async with app.state.pool.acquire() as conn:
        now = await conn.fetchval("SELECT now()")
    worker = app.state.runtime.timers
    worker.clock_offset_seconds = (moment + margin - now).total_seconds()
    await worker.run_once()


def at_of(project: dict, stage: str) -> datetime:
    return datetime.fromisoformat(next(h["at"] for h in project["history"] if h["stage"] == stage))


async def test_payment_due_and_overdue_fire_at_their_time_and_not_before(settings, js) -> None:
    """Mid-term 30 % is due within 3 days: overdue only once the 3rd day has ended."""
    app = create_app(settings)
    async with running(app) as client:
        late = await open_project(client, project_manager="pm-late")
        paid = await open_project(client)
        unpaid_first = await open_project(client)
        for pid in (late, paid):
            await drive(client, pid, Stage.PLUMBING_ELECTRICAL_ACCEPTED)
            await sign_all(client, pid, Stage.MIDTERM_ACCEPTED, Clock(None))
            await post(client, f"/v1/projects/{pid}/transitions", {"to": "midterm_accepted"})
        await drive(client, unpaid_first, Stage.CONTRACT)
        await post(
            client,
            f"/v1/projects/{paid}/payments",
            {"installment": "midterm", "amount_fen": 6_000_000},
        )

        project = (await client.get(f"/v1/projects/{late}", headers=ADMIN)).json()
        accepted = at_of(project, "midterm_accepted")
        midterm = next(i for i in project["installments"] if i["installment"] == "midterm")
        bound = due_within_days(accepted, 3)
        assert datetime.fromisoformat(midterm["due_at"]) == bound
        assert (
            midterm["due_on"]
            == (accepted.astimezone(SHANGHAI).date() + timedelta(days=3)).isoformat()
        )
        assert await timer_due(app, "payment.overdue", f"{late}:midterm") == bound
        assert await timer_due(app, "payment.overdue", f"{paid}:midterm") is None, (
            "paying the instalment cancels its timers"
        )

        # Due at once: the instalment's clock starts with the acceptance (and the signing).
        due = await eventually(
            lambda: published(js, "project.payment.due", project_id=late, installment="midterm")
        )
        assert due[0]["amount_fen"] == 6_000_000 and due[0]["paid_fen"] == 0
        assert due[0]["due_on"] == midterm["due_on"]
        first_due = await eventually(
            lambda: published(js, "project.payment.due", project_id=unpaid_first)
        )
        assert first_due[0]["installment"] == "first" and first_due[0]["amount_fen"] == 13_000_000

        # 30 seconds before the end of the 3rd day: nothing is overdue yet.
        await move_clock_to(app, bound, -timedelta(seconds=30))
        assert await published(js, "project.payment.overdue", project_id=late) == []
        assert await timer_due(app, "payment.overdue", f"{late}:midterm") == bound

        # The bound passes: overdue, for the unpaid one only (and the unpaid first instalment,
        # which was due by the end of its signing day).
        await move_clock_to(app, bound, timedelta(seconds=1))
        overdue = await eventually(
            lambda: published(js, "project.payment.overdue", project_id=late)
        )
        assert overdue[0]["installment"] == "midterm" and overdue[0]["amount_fen"] == 6_000_000
        assert overdue[0]["due_on"] == midterm["due_on"] and overdue[0]["paid_fen"] == 0
        first_overdue = await eventually(
            lambda: published(js, "project.payment.overdue", project_id=unpaid_first)
        )
        assert first_overdue[0]["installment"] == "first"
        assert await published(js, "project.payment.overdue", project_id=paid) == []
        assert await timer_due(app, "payment.overdue", f"{late}:midterm") is None


async def test_deadlines_fire_at_their_time_and_facts_cancel_them(settings, js) -> None:
    """Renderings are due within 4 days of the design agreement, by the designer."""
    app = create_app(settings)
    async with running(app) as client:
        missed = await open_project(client, designer="designer-slow", project_manager="pm-d")
        met = await open_project(client, designer="designer-fast")
        for pid in (missed, met):
            await drive(client, pid, Stage.DESIGN_AGREEMENT)
        got = await post(client, f"/v1/projects/{met}/facts", {"fact": "renderings_delivered"})
        assert got["deadlines"][0]["status"] == "met"
        # 通知客户看方案: the delivery is published once, for notifications to tell the customer.
        await post(client, f"/v1/projects/{met}/facts", {"fact": "renderings_delivered"})
        [delivered] = await eventually(
            lambda: published(js, "project.renderings.delivered", project_id=met)
        )
        assert delivered["designer"] == "designer-fast"
        assert delivered["customer_id"] == got["customer_id"]
        assert await timer_due(app, "project.deadline", f"{met}:renderings") is None

        project = (await client.get(f"/v1/projects/{missed}", headers=ADMIN)).json()
        agreed = at_of(project, "design_agreement")
        bound = due_within_days(agreed, 4)
        deadline = project["deadlines"][0]
        assert deadline["deadline"] == "renderings" and deadline["status"] == "open"
        assert datetime.fromisoformat(deadline["due_at"]) == bound
        assert deadline["responsible"] == "designer-slow"

        await move_clock_to(app, bound, -timedelta(seconds=30))
        assert await published(js, "project.deadline.missed", project_id=missed) == []
        await move_clock_to(app, bound, timedelta(seconds=1))
        event = (
            await eventually(lambda: published(js, "project.deadline.missed", project_id=missed))
        )[0]
        assert event["deadline"] == "renderings" and event["responsible"] == "designer-slow"
        assert event["project_manager"] == "pm-d"
        assert datetime.fromisoformat(event["due_at"]) == bound
        assert await published(js, "project.deadline.missed", project_id=met) == []
        project = (await client.get(f"/v1/projects/{missed}", headers=ADMIN)).json()
        assert project["deadlines"][0]["status"] == "missed"

        r = await client.post(
            f"/v1/projects/{met}/facts", json={"fact": "contract_to_finance"}, headers=ADMIN
        )
        assert r.status_code == 409 and r.json()["code"] == "no_deadline"


async def test_backdated_contract_fires_its_deadlines_at_once(settings, js) -> None:
    """Signed 5 days ago: contract-to-finance (1 day) and works start (3 days) already missed;
    a contract signed now with the facts on time misses nothing."""
    app = create_app(settings)
    async with running(app) as client:
        now = datetime.now(SHANGHAI)
        old = await open_project(
            client, designer="d-old", project_manager="pm-old", at=now - timedelta(days=6)
        )
        await drive(client, old, Stage.CONTRACT, Clock(now - timedelta(days=5, hours=1)))
        # The renderings (4 days after the design agreement) are missed too; wait for these two.
        missed = await eventually(
            lambda: _kinds(published(js, "project.deadline.missed", project_id=old))
        )
        by_kind = {e["deadline"]: e for e in missed}
        assert by_kind["contract_to_finance"]["responsible"] == "d-old"
        assert by_kind["works_start"]["responsible"] == "pm-old"
        assert {e["project_manager"] for e in missed} == {"pm-old"}

        fresh = await open_project(client)
        await drive(client, fresh, Stage.CONTRACT)
        await post(client, f"/v1/projects/{fresh}/facts", {"fact": "contract_to_finance"})
        got = await drive(client, fresh, Stage.WORKS_STARTED)
        statuses = {d["deadline"]: d["status"] for d in got["deadlines"]}
        assert statuses == {
            "renderings": "open",
            "contract_to_finance": "met",
            "works_start": "met",
        }
        for kind in ("contract_to_finance", "works_start"):
            assert await timer_due(app, "project.deadline", f"{fresh}:{kind}") is None


async def _kinds(coro: Any) -> Any:
    found = await coro
    kinds = {e["deadline"] for e in found}
    return found if {"contract_to_finance", "works_start"} <= kinds else None
