"""Projects on the bus: leads open one project each, complaints and callbacks feed the monthly
rating and care compliance (known data sets), the monthly reports are published by timer."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from services.projects import workflow
from services.projects.app import create_app
from services.projects.domain import project_id_for_lead, spot_week
from shared.calendar import BUSINESS_TZ as SHANGHAI
from shared.contracts.intake import ComplaintOpened, House, LeadRegistered, SubjectRef
from shared.contracts.notifications import CallbackCompleted, CallbackScheduled, EntityRef
from shared.contracts.values import (
    CallbackPurpose,
    Channel,
    ComplaintCategory,
    Department,
    EntityKind,
    ReceivedBy,
    Severity,
    Stage,
    SubjectKind,
)
from shared.db import transaction
from tests.support.harness import eventually, running
from tests.support.projects import (
    ADMIN,
    Clock,
    auth,
    drive,
    open_project,
    publish,
    published,
)

pytestmark = pytest.mark.quick


def lead(lead_id: str) -> LeadRegistered:
    return LeadRegistered(
        lead_id=lead_id,
        customer_id=f"cust-{lead_id}",
        source="intake",
        branch_id="SH01",
        house=House(address="杭州市西湖区 8 号", area_m2=96.5, layout="3室2厅"),
    )


def complaint(project_id: str, at: datetime, kind: str = "project") -> ComplaintOpened:
    return ComplaintOpened(
        complaint_id=str(uuid.uuid4()),
        customer_id="c",
        department=Department.ENGINEERING,
        channel=Channel.PHONE,
        category=ComplaintCategory.QUALITY,
        severity=Severity.NORMAL,
        received_by=ReceivedBy.CS,
        received_by_sub="agent-1",
        subject=SubjectRef(kind=SubjectKind(kind), id=project_id),
        occurred_at=at,
        source="intake",
    )


def callback(
    project_id: str,
    purpose: str,
    at: datetime,
    *,
    stage: str | None = None,
    satisfaction: int | None = None,
    version: int = 2,
    callback_id: str | None = None,
    kind: str = "project",
    ratings: dict[str, int] | None = None,
) -> CallbackCompleted:
    return CallbackCompleted(
        callback_id=callback_id or str(uuid.uuid4()),
        purpose=CallbackPurpose(purpose),
        stage=stage,
        entity=EntityRef(kind=EntityKind(kind), id=project_id),
        due_at=at,
        reached=True,
        satisfaction=satisfaction,
        ratings=ratings or {},
        occurred_at=at,
        version=version,
        source="notifications",
    )


async def db(app: Any, sql: str, *args: Any) -> Any:
    async with app.state.pool.acquire() as conn:
        return await conn.fetchval(sql, *args)


async def test_a_lead_opens_exactly_one_project_even_when_delivered_twice(settings, js) -> None:
    app = create_app(settings)
    async with running(app) as client:
        lead_id = f"lead-{uuid.uuid4().hex[:8]}"
        event = lead(lead_id)
        await publish(js, event)
        await publish(js, event, msg_id=f"{event.event_id}-redelivered")  # past JetStream dedupe
        await publish(js, lead(lead_id))  # a second event for the same lead
        pid = project_id_for_lead(lead_id)

        async def opened() -> Any:
            r = await client.get(f"/v1/projects?lead_id={lead_id}", headers=ADMIN)
            return r.json()["items"]

        items = await eventually(opened)
        assert [i["id"] for i in items] == [pid]
        got = (await client.get(f"/v1/projects/{pid}", headers=auth(settings, "cs"))).json()
        assert got["stage"] == "consultation" and got["address"] == "杭州市西湖区 8 号"
        assert got["customer_id"] == f"cust-{lead_id}" and got["lead_id"] == lead_id

        async def all_handled() -> bool:
            info = await js.consumer_info("EVENTS", "projects-on_lead_registered")
            return info.num_pending == 0 and info.num_ack_pending == 0

        await eventually(all_handled)
        events = await eventually(lambda: published(js, "project.opened", project_id=pid))
        assert len(events) == 1 and events[0]["lead_id"] == lead_id
        assert events[0]["branch_id"] == "SH01"
        assert events[0]["causation_id"] == str(event.event_id)
        assert await db(app, "SELECT count(*) FROM projects WHERE lead_id = $1", lead_id) == 1


async def test_complaint_before_its_project_is_retried_then_counted(settings, js) -> None:
    app = create_app(settings)
    async with running(app) as client:
        lead_id = f"lead-{uuid.uuid4().hex[:8]}"
        pid = project_id_for_lead(lead_id)
        early = complaint(pid, datetime(2024, 5, 3, 10, tzinfo=SHANGHAI))
        ack = await publish(js, early)

        async def delivered() -> bool:
            info = await js.consumer_info("EVENTS", "projects-on_complaint_opened")
            return info.delivered.stream_seq >= ack.seq

        await eventually(delivered)
        count = "SELECT count(*) FROM project_complaints WHERE project_id = $1"
        assert await db(app, count, pid) == 0
        await publish(js, lead(lead_id))
        await eventually(lambda: _eq(db(app, count, pid), 1))
        # Complaints about other things are not the rating's business.
        other = complaint("WB-1", datetime(2024, 5, 3, tzinfo=SHANGHAI), kind="shipment")
        await publish(js, other)
        await eventually(lambda: _drained(js, "projects-on_complaint_opened"))
        assert (
            await db(
                app,
                "SELECT count(*) FROM project_complaints WHERE complaint_id = $1",
                other.complaint_id,
            )
            == 0
        )
        assert await db(app, "SELECT count(*) FROM dead_letters") == 0
        assert client is not None


async def _eq(coro: Any, expected: Any) -> bool:
    return (await coro) == expected


async def _drained(js: Any, durable: str) -> bool:
    info = await js.consumer_info("EVENTS", durable)
    return info.num_pending == 0 and info.num_ack_pending == 0


MARCH = datetime(2024, 3, 10, 10, tzinfo=SHANGHAI)


async def test_monthly_rating_on_a_known_data_set_and_its_monthly_report(settings, js) -> None:
    """score = mean inspection + mean satisfaction (3 if none) − 1 per complaint."""
    app = create_app(settings)
    async with running(app) as client:
        ids = []
        for n in range(5):
            pid = await open_project(client, project_manager=f"pm-r{n + 1}")
            await drive(client, pid, Stage.WORKS_STARTED)
            ids.append(pid)
        p1, p2, p3, p4, p5 = ids
        marks = {
            p1: [(5, 5, 5), (4, 4, 4)],
            p2: [(3, 4, 5)],
            p3: [(2, 2, 3)],
            p4: [(4, 4, 5)],
            p5: [(3, 3, 3)],
        }
        eng = auth(settings, "engineering", "inspector-1")
        for pid, found in marks.items():
            for q, p, t in found:
                r = await client.post(
                    f"/v1/projects/{pid}/inspections",
                    headers=eng,
                    json={
                        "quality": q,
                        "progress": p,
                        "tidiness": t,
                        "problems": ["垃圾未清"],
                        "at": MARCH.isoformat(),
                    },
                )
                assert r.status_code == 201, r.text
        for pid, score in ((p1, 5), (p1, 4), (p3, 2), (p4, 3), (p5, 4)):
            await publish(
                js, callback(pid, "stage_callback", MARCH, stage="contract", satisfaction=score)
            )
        await publish(
            js,
            callback(p2, "stage_callback", datetime(2024, 2, 28, tzinfo=SHANGHAI), satisfaction=1),
        )  # February: not this month's
        for pid in (p2, p3, p3):
            await publish(js, complaint(pid, MARCH))
        await publish(js, complaint(p1, datetime(2024, 4, 1, 0, 30, tzinfo=SHANGHAI)))  # April

        expected_best = [(p1, 9.0), (p4, 7.33), (p5, 7.0)]
        expected_worst = [(p3, 2.33), (p2, 6.0)]
        headers = auth(settings, "manager")

        async def rated() -> Any:
            r = await client.get("/v1/reports/rating/monthly?month=2024-03", headers=headers)
            body = r.json()
            got = (
                [(x["project_id"], x["score"]) for x in body["best"]],
                [(x["project_id"], x["score"]) for x in body["worst"]],
            )
            return body if got == (expected_best, expected_worst) else None

        body = await eventually(rated)
        assert body["rated"] == 5
        top = body["best"][0]
        assert top["mean_inspection"] == 4.5 and top["mean_satisfaction"] == 4.5
        assert top["complaints"] == 0 and top["inspections"] == 2
        assert top["project_manager"] == "pm-r1"
        bottom = body["worst"][0]
        assert (bottom["mean_inspection"], bottom["mean_satisfaction"], bottom["complaints"]) == (
            2.33,
            2.0,
            2,
        )
        assert body["worst"][1]["mean_satisfaction"] == 3.0  # no March callback: neutral

        r = await client.get("/v1/reports/rating/monthly?month=2024-03&format=csv", headers=headers)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert [(x["list"], x["project_id"], x["score"]) for x in rows] == [
            ("best", p1, "9.0"),
            ("best", p4, "7.33"),
            ("best", p5, "7.0"),
            ("worst", p3, "2.33"),
            ("worst", p2, "6.0"),
        ]
        r = await client.get("/v1/reports/rating/monthly?month=2024-13", headers=headers)
        assert r.status_code == 422
        r = await client.get("/v1/reports/rating/monthly", headers=auth(settings, "finance"))
        assert r.status_code == 403

        # 奖优罚劣,重奖重罚: management rewards a best project and penalises a worst one.
        awards = "/v1/reports/rating/monthly/awards"
        mgr = auth(settings, "manager", "mgr-1")
        reward = {
            "month": "2024-03",
            "project_id": p1,
            "kind": "reward",
            "amount_fen": 200_000,
            "reason": "工地整洁",
        }
        r = await client.post(awards, json=reward, headers=mgr)
        assert r.status_code == 201, r.text
        assert (r.json()["person"], r.json()["decided_by"]) == ("pm-r1", "mgr-1")
        again = await client.post(awards, json=reward, headers=mgr)
        assert again.status_code == 409 and again.json()["code"] == "award_exists"
        wrong = await client.post(awards, json={**reward, "project_id": p3}, headers=mgr)
        assert wrong.status_code == 409 and wrong.json()["code"] == "not_best"
        penalty = {"month": "2024-03", "project_id": p3, "kind": "penalty", "amount_fen": 50_000}
        assert (await client.post(awards, json=penalty, headers=mgr)).status_code == 201
        r = await client.post(awards, json=penalty, headers=auth(settings, "engineering"))
        assert r.status_code == 403
        this_month = datetime.now(SHANGHAI).strftime("%Y-%m")
        r = await client.post(awards, json={**reward, "month": this_month}, headers=mgr)
        assert r.status_code == 409 and r.json()["code"] == "month_not_over"
        r = await client.post(awards, json={**reward, "month": "2024-3"}, headers=mgr)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "month"
        decided = (
            await client.get("/v1/reports/rating/monthly?month=2024-03", headers=headers)
        ).json()["awards"]
        assert [(a["project_id"], a["kind"], a["amount_fen"]) for a in decided] == [
            (p1, "reward", 200_000),
            (p3, "penalty", 50_000),
        ]

        # The monthly timer (seeded at start) publishes the month before its due day.
        async with app.state.pool.acquire() as conn:
            await conn.execute(
                "UPDATE timers SET due_at = $1 WHERE kind = 'report.rating_monthly'",
                datetime(2024, 4, 1, 8, tzinfo=SHANGHAI),
            )
        report = (
            await eventually(
                lambda: published(js, "report.published", period="2024-03", kind="rating_monthly")
            )
        )[0]
        assert report["audience"] == "manager"
        assert [x["project_id"] for x in report["summary"]["best"]] == [p1, p4, p5]
        assert report["csv"].splitlines()[1].startswith(f"2024-03,best,1,{p1},pm-r1,9.0")
        next_due = await db(app, "SELECT due_at FROM timers WHERE kind = 'report.rating_monthly'")
        local = next_due.astimezone(SHANGHAI)
        assert next_due > datetime.now(SHANGHAI) and (local.day, local.hour) == (1, 8)


async def test_care_compliance_on_a_known_data_set(settings, js) -> None:
    """Owed: 3 front-desk calls once works start, a weekly call per full week of works, each
    required stage callback; extra calls of one kind do not make up for another."""
    app = create_app(settings)
    async with running(app) as client:
        pm = f"pm-care-{uuid.uuid4().hex[:6]}"
        now = datetime.now(SHANGHAI)
        a = await open_project(client, project_manager=pm, at=now - timedelta(days=29))
        await drive(client, a, Stage.WORKS_STARTED, Clock(now - timedelta(days=28, hours=2)))
        b = await open_project(client, project_manager=pm)
        await drive(client, b, Stage.DESIGN)
        await open_project(client, project_manager=pm)  # consultation: nothing owed yet

        sent = [callback(a, "frontdesk_call", now) for _ in range(2)]
        sent += [callback(a, "weekly_works", now) for _ in range(5)]  # 4 owed: 1 extra
        sent += [
            callback(a, "stage_callback", now, stage="design_agreement"),
            callback(a, "payment_reminder", now),  # not a care call
            callback(b, "stage_callback", now, stage="design_agreement"),
            callback("R-1", "repair_followup", now, kind="repair"),
        ]
        for event in sent:
            await publish(js, event)
        pending = CallbackScheduled(
            callback_id="cb-pending-" + a,
            purpose=CallbackPurpose.FRONTDESK_CALL,
            entity=EntityRef(kind=EntityKind.PROJECT, id=a),
            due_at=now,
            version=1,
            source="notifications",
        )
        await publish(js, pending)
        # A stale `scheduled` arriving after the outcome does not reopen the call.
        done = sent[0]
        await eventually(lambda: _drained(js, "projects-on_callback_completed"))
        stale = CallbackScheduled(
            callback_id=done.callback_id,
            purpose=CallbackPurpose.FRONTDESK_CALL,
            entity=EntityRef(kind=EntityKind.PROJECT, id=a),
            due_at=now,
            version=1,
            source="notifications",
        )
        await publish(js, stale)
        await eventually(lambda: _drained(js, "projects-on_callback_scheduled"))
        assert (
            await db(
                app,
                "SELECT completed FROM project_callbacks WHERE callback_id = $1",
                done.callback_id,
            )
            is True
        )

        r = await client.get(
            f"/v1/reports/care-compliance?project_manager={pm}", headers=auth(settings, "manager")
        )
        assert r.status_code == 200, r.text
        assert r.json()["rows"] == [
            {
                "project_manager": pm,
                "projects": 2,
                "required_calls": 3 + 4 + 2 + 1,
                "made_calls": 2 + 4 + 1 + 1,
                "compliance_pct": 80.0,
                "pending_calls": 1,
            }
        ]
        r = await client.get(
            f"/v1/reports/care-compliance?project_manager={pm}&format=csv",
            headers=auth(settings, "cs"),
        )
        assert r.text.splitlines() == [
            "project_manager,projects,required_calls,made_calls,compliance_pct,pending_calls",
            f"{pm},2,10,8,80.0,1",
        ]

        async with app.state.pool.acquire() as conn:
            await conn.execute(
                "UPDATE timers SET due_at = $1 WHERE kind = 'report.care_compliance_monthly'",
                datetime(2026, 11, 1, 8, tzinfo=SHANGHAI),
            )
        report = (
            await eventually(
                lambda: published(js, "report.published", kind="care_compliance_monthly")
            )
        )[0]
        assert report["period"] == "2026-10" and report["audience"] == "manager"
        mine = [row for row in report["summary"]["rows"] if row["project_manager"] == pm]
        assert mine[0]["compliance_pct"] == 80.0 and mine[0]["required_calls"] == 10
        assert f"{pm},2,10,8,80.0,1" in report["csv"].splitlines()


async def test_duty_satisfaction_by_role_and_person_on_a_known_data_set(settings, js) -> None:
    """设计师、巡检、工长、工程部经理满意度跟踪: the ratings the completion survey collects are
    reported per role and per person who held it on the project (巡检: the supervisor; the
    engineering manager: the project manager), only the month's, lowest mean first."""
    app = create_app(settings)
    async with running(app) as client:
        people = [
            {
                "designer": "des-a",
                "supervisor": "sup-a",
                "foreman": "fm-a",
                "project_manager": "pm-a",
            },
            {
                "designer": "des-a",
                "supervisor": "sup-b",
                "foreman": "fm-b",
                "project_manager": "pm-a",
            },
            {"designer": "des-b", "foreman": "fm-b", "project_manager": "pm-b"},
        ]
        ids = []
        for roster in people:
            pid = await open_project(client)
            r = await client.patch(f"/v1/projects/{pid}", json=roster, headers=ADMIN)
            assert r.status_code == 200, r.text
            ids.append(pid)
        p1, p2, p3 = ids
        rated = (
            (p1, {"designer": 5, "inspector": 4, "foreman": 3, "engineering_manager": 4}),
            (p2, {"designer": 3, "inspector": 2, "foreman": 5, "engineering_manager": 5}),
            (p3, {"designer": 2, "inspector": 3, "foreman": 4}),
        )
        for pid, ratings in rated:
            await publish(js, callback(pid, "completion_survey", MARCH, ratings=ratings))
        # Another month's survey and a call with no ratings count nowhere.
        april = datetime(2024, 4, 2, 10, tzinfo=SHANGHAI)
        await publish(js, callback(p1, "completion_survey", april, ratings={"designer": 1}))
        await publish(js, callback(p1, "stage_callback", MARCH, stage="contract", satisfaction=2))

        async def report() -> Any:
            r = await client.get(
                "/v1/reports/satisfaction", params={"month": "2024-03"}, headers=ADMIN
            )
            assert r.status_code == 200, r.text
            return r.json() if r.json()["calls"] == 3 else None

        got = await eventually(report)
        r = await client.get(
            "/v1/reports/satisfaction",
            params={"month": "2024-03", "format": "csv"},
            headers=auth(settings, "manager"),
        )
        bad = await client.get("/v1/reports/satisfaction?month=2024-13", headers=ADMIN)
        finance = await client.get("/v1/reports/satisfaction", headers=auth(settings, "finance"))
        # The monthly timer (seeded at start) publishes the month before its due day.
        async with app.state.pool.acquire() as conn:
            await conn.execute(
                "UPDATE timers SET due_at = $1 WHERE kind = 'report.satisfaction_monthly'",
                datetime(2024, 4, 1, 8, tzinfo=SHANGHAI),
            )
        [monthly] = await eventually(
            lambda: published(js, "report.published", period="2024-03", kind="satisfaction_monthly")
        )
    rows = [
        (x["role"], x["person"], x["ratings"], x["projects"], x["mean"], x["lowest"])
        for x in got["rows"]
    ]
    assert rows == [
        ("designer", "des-b", 1, 1, 2.0, 2),
        ("designer", "des-a", 2, 2, 4.0, 3),
        ("inspector", "sup-b", 1, 1, 2.0, 2),
        ("inspector", None, 1, 1, 3.0, 3),
        ("inspector", "sup-a", 1, 1, 4.0, 4),
        ("foreman", "fm-a", 1, 1, 3.0, 3),
        ("foreman", "fm-b", 2, 2, 4.5, 4),
        ("engineering_manager", "pm-a", 2, 2, 4.5, 4),
    ]
    lines = list(csv.reader(io.StringIO(r.text)))
    assert lines[0] == ["month", "role", "person", "ratings", "projects", "mean", "lowest"]
    assert lines[1] == ["2024-03", "designer", "des-b", "1", "1", "2.0", "2"]
    assert lines[4] == ["2024-03", "inspector", "", "1", "1", "3.0", "3"]
    assert bad.status_code == 422 and finance.status_code == 403
    assert monthly["audience"] == "manager" and monthly["summary"]["rows"] == got["rows"]
    assert monthly["csv"].splitlines()[1] == "2024-03,designer,des-b,1,1,2.0,2"


async def test_duty_engineering_manager_spot_check_picks_one_project_a_week(settings, js) -> None:
    """工程部经理每周抽查走访一次客户: the weekly timer picks one project under construction —
    never picked first, then the longest under construction — and publishes it once a week."""
    app = create_app(settings)
    async with running(app) as client:
        # Backdated to the earliest business times, so no other test's project comes first.
        first = await open_project(
            client, project_manager="pm-spot1", at=datetime(2000, 1, 2, tzinfo=SHANGHAI)
        )
        await drive(
            client, first, Stage.WORKS_STARTED, Clock(datetime(2000, 1, 3, tzinfo=SHANGHAI))
        )
        second = await open_project(
            client, project_manager="pm-spot2", at=datetime(2000, 1, 2, tzinfo=SHANGHAI)
        )
        await drive(
            client, second, Stage.WORKS_STARTED, Clock(datetime(2000, 1, 4, tzinfo=SHANGHAI))
        )
        seeded = await db(app, "SELECT due_at FROM timers WHERE kind = 'spot_check.weekly'")
        local = seeded.astimezone(SHANGHAI)
        assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)
        async with app.state.pool.acquire() as conn:
            await conn.execute("DELETE FROM spot_checks")
            await conn.execute("UPDATE timers SET due_at = now() WHERE kind = 'spot_check.weekly'")
        [picked] = await eventually(
            lambda: published(js, "project.spot_check.due", project_id=first)
        )
        after = await db(app, "SELECT due_at FROM timers WHERE kind = 'spot_check.weekly'")
        # The same week again picks nothing more; the next week picks the other project.
        now = datetime.now(SHANGHAI)
        async with app.state.pool.acquire() as conn, transaction(conn):
            ctx = app.state.runtime.context(conn)
            await workflow.pick_spot_check(ctx, now)
            await workflow.pick_spot_check(ctx, now + timedelta(days=7))
        [following] = await eventually(
            lambda: published(js, "project.spot_check.due", project_id=second)
        )
        weeks = await db(app, "SELECT count(*) FROM spot_checks")
    this_week = spot_week(now)
    assert (picked["week"], picked["due_on"]) == (this_week.week, this_week.last_day.isoformat())
    assert picked["project_manager"] == "pm-spot1" and picked["customer_id"].startswith("cust-")
    assert following["week"] == spot_week(now + timedelta(days=7)).week
    assert await published(js, "project.spot_check.due", project_id=first) == [picked]
    assert after.astimezone(SHANGHAI).weekday() == 0 and after > now - timedelta(minutes=1)
    assert weeks == 2
