"""The repair life cycle over HTTP on real NATS + Postgres: warranty, fee gate, findings, closure."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from nats.js import JetStreamContext

from services.aftersales.app import create_app
from services.projects.domain import add_years
from shared.calendar import local_date
from shared.contracts.values import Stage
from shared.settings import Settings
from tests.support.aftersales import (
    ADMIN,
    emitted,
    new_id,
    opened_ticket,
    photographed,
    post,
    publish,
    repair_requested,
    stage_changed,
    surveyed,
    tickets,
    token,
    wait_drained,
)
from tests.support.harness import eventually, running

pytestmark = pytest.mark.quick


async def test_warranty_decision_on_both_sides_of_the_cards_last_day(
    settings: Settings, js: JetStreamContext
) -> None:
    survey_at = datetime.now(UTC) - timedelta(days=3)  # entered after the fact
    survey_day = local_date(survey_at)
    two_years_before = add_years(survey_day, -2)
    last_day, day_after = new_id("prj"), new_id("prj")
    async with running(create_app(settings)) as client:
        # Completed two years before the survey: the survey is on the card's last day.
        await publish(js, stage_changed(last_day, Stage.COMPLETED, completed_on=two_years_before))
        # Completed a day earlier: the card's last day was the day before the survey.
        await publish(
            js,
            stage_changed(
                day_after, Stage.WARRANTY, completed_on=two_years_before - timedelta(days=1)
            ),
        )
        await wait_drained(js, "on_project_stage_changed")
        covered_id = await opened_ticket(client, js, last_day)
        paid_id = await opened_ticket(client, js, day_after)

        covered = await surveyed(client, covered_id, at=survey_at)
        paid = await surveyed(client, paid_id, at=survey_at)

    assert covered["status"] == "surveyed"
    assert covered["warranty"]["covered"] is True
    assert covered["warranty"]["ends_on"] == survey_day.isoformat()
    assert (
        f"survey on {survey_day.isoformat()} is within the warranty"
        in (covered["warranty"]["reason"])
    )
    assert covered["fee_quote_fen"] == 0

    ended = survey_day - timedelta(days=1)
    assert paid["warranty"]["covered"] is False
    assert paid["warranty"]["ends_on"] == ended.isoformat()
    assert f"covered repairs through {ended.isoformat()}" in paid["warranty"]["reason"]
    assert paid["fee_quote_fen"] == 30_000  # the leak fee of the default schedule
    assert "the customer accepts the fee quote of 300.00 yuan" in paid["next"]


async def test_fee_quote_gate_refuses_scheduling_until_accepted(
    settings: Settings, js: JetStreamContext
) -> None:
    project = new_id("prj")
    async with running(create_app(settings)) as client:
        rid = await opened_ticket(client, js, project)  # unknown project: no completion known
        answer = await surveyed(client, rid, kind="customer_damage")
        assert answer["warranty"]["covered"] is False
        assert answer["fee_quote_fen"] == 35_000
        repair_on = (local_date(datetime.now(UTC)) + timedelta(days=2)).isoformat()
        schedule = {"date": repair_on, "duration_days": 2}

        refused = await client.post(f"/v1/repairs/{rid}/schedule", json=schedule, headers=ADMIN)
        assert refused.status_code == 409
        assert refused.json()["detail"] == (
            "the customer has not accepted the fee quote of 350.00 yuan; accept it before"
            " scheduling"
        )
        accepted = await post(client, f"/v1/repairs/{rid}/quote-acceptance")
        assert accepted["status"] == "quote_accepted" and accepted["quote_accepted"] is True
        scheduled = await post(client, f"/v1/repairs/{rid}/schedule", schedule)
        assert scheduled["status"] == "scheduled"
        assert (scheduled["repair_on"], scheduled["duration_days"]) == (repair_on, 2)

        # A paid repair is completed with its fee receipt equal to the accepted quote.
        wrong_fee = await client.post(
            f"/v1/repairs/{rid}/completion",
            headers=ADMIN,
            json={"evaluation_score": 4, "fee_paid_fen": 30_000},
        )
        assert wrong_fee.status_code == 422
        assert wrong_fee.json()["errors"][0]["field"] == "fee_paid_fen"
        await photographed(client, rid)
        await post(
            client,
            f"/v1/repairs/{rid}/completion",
            {"evaluation_score": 4, "comment": "ok", "fee_paid_fen": 35_000},
        )
        events = await eventually(lambda: _all(emitted(js, "repair.scheduled", repair_id=rid), 2))
        [completed] = await eventually(lambda: emitted(js, "repair.completed", repair_id=rid))
    # The problem repaired travels with the completion (the customer's care tips follow it).
    assert completed["problem_kind"] == "customer_damage"
    kinds = sorted(e["kind"] for e in events)
    assert kinds == ["repair", "survey"]
    repair_visit = next(e for e in events if e["kind"] == "repair")
    assert repair_visit["on"] == repair_on and repair_visit["duration_days"] == 2
    assert repair_visit["covered"] is False and repair_visit["fee_fen"] == 35_000


async def test_new_problem_found_during_the_repair_opens_a_linked_ticket(
    settings: Settings, js: JetStreamContext
) -> None:
    project = new_id("prj")
    async with running(create_app(settings)) as client:
        await publish(
            js,
            stage_changed(
                project,
                Stage.COMPLETED,
                completed_on=local_date(datetime.now(UTC)) - timedelta(days=90),
            ),
        )
        await wait_drained(js, "on_project_stage_changed")
        rid = await opened_ticket(client, js, project)
        await surveyed(client, rid)
        early = await client.post(
            f"/v1/repairs/{rid}/findings", json={"problem": "x"}, headers=ADMIN
        )
        assert early.status_code == 409
        assert early.json()["detail"].startswith(
            "cannot report a new problem (only during a scheduled or ongoing repair) while the"
            " ticket is surveyed"
        )
        await post(
            client,
            f"/v1/repairs/{rid}/schedule",
            {"date": local_date(datetime.now(UTC)).isoformat(), "duration_days": 1},
        )
        child = await post(
            client,
            f"/v1/repairs/{rid}/findings",
            {"problem": "a cracked tile behind the basin"},
            status=201,
        )
        child_view = (await client.get(f"/v1/repairs/{child['id']}", headers=ADMIN)).json()
        parent_view = (await client.get(f"/v1/repairs/{rid}", headers=ADMIN)).json()
        opened = await eventually(lambda: emitted(js, "repair.opened", repair_id=child["id"]))
    assert child["parent_id"] == rid and child["status"] == "opened"
    assert child_view["parent_id"] == rid and child_view["project_id"] == project
    assert child_view["complaint_id"] is None
    assert child_view["problem"] == "a cracked tile behind the basin"
    assert child_view["status"] == "opened" and child_view["warranty"]["covered"] is None
    assert parent_view["status"] == "scheduled"
    assert parent_view["history"][-1]["action"] == "new_problem_reported"
    assert parent_view["history"][-1]["child_id"] == child["id"]
    assert opened[0]["parent_id"] == rid and opened[0]["project_id"] == project


async def test_steps_out_of_order_roles_reimbursement_and_closure(
    settings: Settings, js: JetStreamContext
) -> None:
    project = new_id("prj")
    async with running(create_app(settings)) as client:
        await publish(
            js,
            stage_changed(
                project,
                Stage.COMPLETED,
                completed_on=local_date(datetime.now(UTC)) - timedelta(days=30),
            ),
        )
        await wait_drained(js, "on_project_stage_changed")
        rid = await opened_ticket(client, js, project)
        base = f"/v1/repairs/{rid}"

        too_early = await client.post(
            f"{base}/survey",
            headers=ADMIN,
            json={"findings": "f", "proposed_fix": "p", "problem_kind": "leak"},
        )
        assert too_early.status_code == 409
        assert too_early.json()["detail"] == (
            "cannot record the site survey while the ticket is opened;"
            " next: assign after-sales staff"
        )
        supervision = token(settings, "supervision", sub="sup-1")
        assert (
            await client.post(f"{base}/assignment", json={"staff": "x"}, headers=supervision)
        ).status_code == 403
        assert (await client.get(base, headers=supervision)).status_code == 200
        assert (await client.get(base, headers=token(settings, "cs"))).status_code == 200
        other_branch = token(settings, "branch", branch="BJ09")
        assert (await client.get(base, headers=other_branch)).status_code == 404
        own_branch = token(settings, "branch", branch="SH01")
        assert (await client.get(base, headers=own_branch)).status_code == 200
        assert (await client.get("/v1/repairs/nope", headers=ADMIN)).status_code == 404

        aftersales = token(settings, "aftersales", sub="as-1")
        r = await client.post(f"{base}/assignment", json={"staff": "as-1"}, headers=aftersales)
        assert r.status_code == 200 and r.json()["staff"] == "as-1"
        await surveyed(client, rid)
        assert (await post(client, f"{base}/quote-acceptance", status=409))["detail"].startswith(
            "the repair is covered by the warranty"
        )
        await post(
            client,
            f"{base}/schedule",
            {"date": local_date(datetime.now(UTC)).isoformat(), "duration_days": 1},
        )
        await post(client, f"{base}/start")
        bad = await client.post(f"{base}/completion", json={"evaluation_score": 6}, headers=ADMIN)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "evaluation_score"
        # 维修过程相片 / 维修结束相片: photos carry their phase; completion needs one of the end.
        unphotographed = await client.post(
            f"{base}/completion", json={"evaluation_score": 5}, headers=ADMIN
        )
        assert unphotographed.status_code == 409
        assert unphotographed.json()["code"] == "after_photo_missing"
        assert (await photographed(client, rid, phase="during"))["phase"] == "during"
        assert (await photographed(client, rid))["phase"] == "after"
        done = await post(client, f"{base}/completion", {"evaluation_score": 5, "comment": "great"})
        assert [p["phase"] for p in done["photos"]] == ["during", "after"]
        assert done["status"] == "completed" and done["fee_paid_fen"] == 0

        await post(client, f"{base}/reimbursement", {"amount_fen": 12_800})
        finance, dept_head = (
            token(settings, "finance", sub="fin-1"),
            token(settings, "dept_head", sub="head-1"),
        )
        early = await client.post(
            f"{base}/reimbursement/approvals", json={"level": "finance"}, headers=finance
        )
        assert early.status_code == 409
        assert (
            "approve the reimbursement as finance while the ticket is reimbursement claimed"
            in (early.json()["detail"])
        )
        wrong_role = await client.post(
            f"{base}/reimbursement/approvals", json={"level": "dept_head"}, headers=finance
        )
        assert wrong_role.status_code == 403
        r = await client.post(
            f"{base}/reimbursement/approvals", json={"level": "dept_head"}, headers=dept_head
        )
        assert r.status_code == 200 and r.json()["reimbursement"]["dept_approved_by"] == "head-1"
        r = await client.post(
            f"{base}/reimbursement/approvals", json={"level": "finance"}, headers=finance
        )
        assert r.status_code == 200 and r.json()["reimbursement"]["finance_approved_by"] == "fin-1"
        closed = await post(client, f"{base}/closure", {"summary": "resealed, repainted"})
        events = await eventually(lambda: emitted(js, "repair.closed", repair_id=rid))
    assert closed["status"] == "closed" and closed["summary"] == "resealed, repainted"
    assert closed["reimbursement"]["amount_fen"] == 12_800
    assert [h["action"] for h in closed["history"]] == [
        "opened",
        "assigned",
        "assigned",
        "survey_booked",
        "surveyed",
        "scheduled",
        "repair_started",
        "photo_added",
        "photo_added",
        "completed",
        "reimbursement_claimed",
        "reimbursement_approved_dept_head",
        "reimbursement_approved_finance",
        "closed",
    ]
    assert events[0]["covered"] is True and events[0]["version"] == closed["version"]


async def test_list_filters_and_keyset_pagination(settings: Settings, js: JetStreamContext) -> None:
    project = new_id("prj")
    async with running(create_app(settings)) as client:
        for _ in range(3):
            await publish(js, repair_requested(project))
        await eventually(lambda: _count(client, project, 3))
        first = (
            await client.get(
                "/v1/repairs", params={"project_id": project, "limit": 2}, headers=ADMIN
            )
        ).json()
        second = (
            await client.get(
                "/v1/repairs",
                params={"project_id": project, "limit": 2, "cursor": first["next_cursor"]},
                headers=ADMIN,
            )
        ).json()
        await post(client, f"/v1/repairs/{first['items'][0]['id']}/assignment", {"staff": "t"})
        assigned = await tickets(client, project_id=project, status="assigned")
        bad = await client.get("/v1/repairs", params={"status": "lost"}, headers=ADMIN)
        ready = await client.get("/readyz")
        asyncapi = (await client.get("/asyncapi.json")).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    ids = [t["id"] for t in first["items"] + second["items"]]
    assert len(set(ids)) == 3
    assert [t["id"] for t in assigned] == [first["items"][0]["id"]]
    assert bad.status_code == 422
    assert ready.status_code == 200 and ready.json()["migrations"] is True
    sends = {k for k, v in asyncapi["operations"].items() if v["action"] == "send"}
    assert sends == {
        "send repair.opened",
        "send repair.scheduled",
        "send repair.completed",
        "send repair.closed",
        "send repair.sla.breached",
    }
    assert "receive complaint.opened (aftersales-on_complaint_opened)" in asyncapi["operations"]


async def _count(client: httpx.AsyncClient, project: str, n: int) -> bool:
    return len(await tickets(client, project_id=project)) == n


async def _all(found: Awaitable[list[dict[str, Any]]], n: int) -> list[dict[str, Any]] | None:
    events = await found
    return events if len(events) >= n else None
