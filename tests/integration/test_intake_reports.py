"""The weekly complaint report (DOMAIN.md §1.2 "Weekly"): figures on a known week, CSV, and
the Monday 08:00 timer that publishes it to the manager."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.intake import handlers
from services.intake.config import IntakeSettings
from services.intake.domain import CATEGORIES, CAUSES
from shared.contracts.notifications import CallbackCompleted
from tests.support.harness import eventually
from tests.support.intake import (
    ADMIN,
    auth,
    complaint_body,
    db,
    intake,
    publish,
    wait_for,
)

pytestmark = pytest.mark.quick
CST = ZoneInfo("Asia/Shanghai")
# Nothing escalates by itself here: the figures come from the data set alone.
NO_AUTO = IntakeSettings(
    escalation_hours_urgent=1e6,
    escalation_hours_high=1e6,
    escalation_hours_normal=1e6,
    escalation_hours_low=1e6,
)


def at(day: str, hh_mm: str) -> str:
    """A Shanghai time in 2025 (week 2025-W10 runs Mon 3 March .. Sun 9 March)."""
    return f"2025-{day}T{hh_mm}:00+08:00"


def confirmation(
    complaint_id: str, satisfied: bool, when: datetime | None = None
) -> CallbackCompleted:
    return CallbackCompleted.model_validate(
        dict(
            callback_id=str(uuid.uuid4()),
            purpose="complaint_confirmation",
            entity={"kind": "complaint", "id": complaint_id},
            due_at=datetime.now(UTC),
            reached=True,
            satisfied=satisfied,
            source="notifications",
            occurred_at=when or datetime.now(UTC),
        )
    )


async def test_weekly_report_figures_on_a_known_week(settings, js) -> None:
    cs = auth(settings, "cs", sub="cs-li")
    async with intake(settings, NO_AUTO) as (client, _):

        async def complaint(
            department: str, opened: str, *steps: tuple[str, dict], category: str = "quality"
        ) -> str:
            r = await client.post(
                "/v1/complaints",
                json=complaint_body(department=department, opened_at=opened, category=category),
                headers=cs,
            )
            assert r.status_code == 201, r.text
            cid = r.json()["id"]
            for path, body in steps:
                step = await client.post(f"/v1/complaints/{cid}/{path}", json=body, headers=cs)
                assert step.status_code == 200, step.text
            return cid

        def resolved(when: str) -> tuple[str, dict]:
            return "resolution", {"result": "done", "at": when}

        def escalated(when: str) -> tuple[str, dict]:
            return "escalations", {"reason": "slow", "at": when}

        def cause(value: str, when: str) -> tuple[str, dict]:
            return "cause", {"cause": value, "detail": "调查结果", "at": when}

        # engineering: opened E1 E2 E4 E5; resolved E1 (12 h) E2 (30 h) E3 (240 h);
        # escalated E2, E4 twice, E5 (reopened by the call); open at the end E4 E5.
        # Causes: E1 and E2 workmanship (E2 first thought materials: the latest counts), D2
        # design; the others not recorded yet. Categories: E2 delay, D3 service, the rest quality.
        e1 = await complaint(
            "engineering",
            at("03-03", "09:00"),
            cause("workmanship", at("03-03", "12:00")),
            resolved(at("03-03", "21:00")),
        )
        await complaint(
            "engineering",
            at("03-04", "10:00"),
            cause("materials", at("03-04", "11:00")),
            escalated(at("03-04", "14:00")),
            cause("workmanship", at("03-04", "15:00")),
            resolved(at("03-05", "16:00")),
            category="delay",
        )
        await complaint(
            "engineering",
            at("02-24", "10:00"),
            escalated(at("02-25", "10:00")),
            resolved(at("03-06", "10:00")),
        )
        await complaint(
            "engineering",
            at("03-06", "08:00"),
            escalated(at("03-06", "12:00")),
            escalated(at("03-07", "08:00")),
        )
        e5 = await complaint("engineering", at("03-05", "09:00"), resolved(at("03-05", "12:00")))
        # design: opened D2 D3; resolved D2 (5.5 h); open D1 D3; D4 belongs to the next week.
        await complaint("design", at("02-27", "09:00"))
        await complaint(
            "design",
            at("03-05", "09:00"),
            cause("design", at("03-05", "10:00")),
            resolved(at("03-05", "14:30")),
        )
        await complaint("design", at("03-09", "23:30"), category="service")
        await complaint("design", at("03-10", "00:00"))
        # finance: all in the week before, so no line.
        await complaint("finance", at("02-25", "09:00"), resolved(at("02-26", "09:00")))
        # Counted under the department it was handed to.
        await complaint(
            "logistics",
            at("03-04", "09:00"),
            (
                "handoffs",
                {"to_department": "customer_service", "note": "n", "at": at("03-04", "11:00")},
            ),
        )

        await publish(js, confirmation(e1, True))
        await publish(js, confirmation(e5, False, datetime.fromisoformat(at("03-07", "10:00"))))
        await wait_for(js, "complaint.closed")
        await wait_for(js, "complaint.reopened")

        r = await client.get("/v1/reports/complaints/weekly?week=2025-W10", headers=cs)
        assert r.status_code == 200
        assert r.json() == {
            "week": "2025-W10",
            "departments": [
                {
                    "department": "design",
                    "opened": 2,
                    "resolved": 1,
                    "escalated": 0,
                    "open": 2,
                    "median_hours_to_resolve": 5.5,
                    "by_cause": {"design": 1, "not_recorded": 1},
                    "by_category": {"quality": 1, "service": 1},
                },
                {
                    "department": "engineering",
                    "opened": 4,
                    "resolved": 3,
                    "escalated": 4,
                    "open": 2,
                    "median_hours_to_resolve": 30.0,
                    "by_cause": {"workmanship": 2, "not_recorded": 2},
                    "by_category": {"quality": 3, "delay": 1},
                },
                {
                    "department": "customer_service",
                    "opened": 1,
                    "resolved": 0,
                    "escalated": 0,
                    "open": 1,
                    "median_hours_to_resolve": None,
                    "by_cause": {"not_recorded": 1},
                    "by_category": {"quality": 1},
                },
            ],
            "by_cause": {"workmanship": 2, "design": 1, "not_recorded": 4},
            "by_category": {"quality": 5, "service": 1, "delay": 1},
        }
        r = await client.get("/v1/reports/complaints/weekly?week=2025-W10&format=csv", headers=cs)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        causes = ",".join(f"cause_{c}" for c in CAUSES)
        categories = ",".join(f"category_{c}" for c in CATEGORIES)
        assert r.text == (
            "department,opened,resolved,escalated,open,median_hours_to_resolve,"
            f"{causes},{categories}\r\n"
            "design,2,1,0,2,5.5,0,0,1,0,0,0,0,0,0,1,1,1,0,0,0,0\r\n"
            "engineering,4,3,4,2,30.0,2,0,0,0,0,0,0,0,0,2,3,0,1,0,0,0\r\n"
            "customer_service,1,0,0,1,,0,0,0,0,0,0,0,0,0,1,1,0,0,0,0,0\r\n"
        )
        # The week before: E3 and D1 were open at its end, F1 opened and resolved (24 h).
        before = (
            await client.get("/v1/reports/complaints/weekly?week=2025-W09", headers=cs)
        ).json()
        assert [
            (
                d["department"],
                d["opened"],
                d["resolved"],
                d["escalated"],
                d["open"],
                d["median_hours_to_resolve"],
            )
            for d in before["departments"]
        ] == [
            ("design", 1, 0, 0, 1, None),
            ("engineering", 1, 0, 1, 1, None),
            ("finance", 1, 1, 0, 0, 24.0),
        ]
        # A department head with a department claim gets that department's line only.
        head = auth(settings, "dept_head", department="design")
        mine = (
            await client.get("/v1/reports/complaints/weekly?week=2025-W10", headers=head)
        ).json()
        assert [d["department"] for d in mine["departments"]] == ["design"]


def next_monday_0800(now: datetime) -> datetime:
    local = now.astimezone(CST)
    monday = local.date() + timedelta(days=(7 - local.weekday()) % 7)
    due = datetime.combine(monday, time(8), tzinfo=CST)
    return due if due > local else due + timedelta(days=7)


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


async def report_timer(settings) -> datetime | None:
    conn = await db(settings)
    try:
        return await conn.fetchval(
            "SELECT due_at FROM intake.timers WHERE kind = 'report.complaints_weekly'"
        )
    finally:
        await conn.close()


async def test_monday_timer_publishes_the_last_week_to_the_manager(settings, js) -> None:
    async with intake(settings, NO_AUTO) as (client, app):
        due = await eventually(lambda: report_timer(settings))
        conn = await db(settings)
        try:
            now = await conn.fetchval("SELECT now()")
        finally:
            await conn.close()
        assert due == next_monday_0800(now)
        period = iso_week(due.astimezone(CST).date() - timedelta(days=7))
        monday = datetime.fromisocalendar(int(period[:4]), int(period[6:]), 1)
        opened = (monday.replace(tzinfo=CST) + timedelta(hours=1)).isoformat()
        r = await client.post(
            "/v1/complaints",
            json=complaint_body(department="finance", opened_at=opened),
            headers=ADMIN,
        )
        assert r.status_code == 201

        app.state.runtime.timers.clock_offset_seconds = (due - now).total_seconds() + 5
        report = (await wait_for(js, "report.published"))[0]
        assert (report["kind"], report["period"], report["audience"]) == (
            "complaints_weekly",
            period,
            "manager",
        )
        assert report["source"] == "intake"
        assert report["summary"] == {
            "week": period,
            "departments": [
                {
                    "department": "finance",
                    "opened": 1,
                    "resolved": 0,
                    "escalated": 0,
                    "open": 1,
                    "median_hours_to_resolve": None,
                    "by_cause": {"not_recorded": 1},
                    "by_category": {"quality": 1},
                },
            ],
            "by_cause": {"not_recorded": 1},
            "by_category": {"quality": 1},
        }
        rows = list(csv.reader(io.StringIO(report["csv"])))
        assert rows == [
            [
                "department",
                "opened",
                "resolved",
                "escalated",
                "open",
                "median_hours_to_resolve",
                *(f"cause_{c}" for c in CAUSES),
                *(f"category_{c}" for c in CATEGORIES),
            ],
            [
                "finance",
                *("1", "0", "0", "1", ""),
                *["0"] * (len(CAUSES) - 1),
                "1",
                "1",
                *["0"] * (len(CATEGORIES) - 1),
            ],
        ]
        assert (
            report["summary"]
            == (
                await client.get(f"/v1/reports/complaints/weekly?week={period}", headers=ADMIN)
            ).json()
        )
        await eventually(lambda: _equals(report_timer(settings), due + timedelta(days=7)))

        # A restart never moves the schedule; a missing one is seeded again.
        await handlers.seed_weekly_report(app.state.runtime)
        assert await report_timer(settings) == due + timedelta(days=7)
        conn = await db(settings)
        try:
            await conn.execute("DELETE FROM intake.timers WHERE kind = 'report.complaints_weekly'")
        finally:
            await conn.close()
        await handlers.seed_weekly_report(app.state.runtime)
        # Seeded from the service's clock, which the test moved past `due`.
        assert await report_timer(settings) == due + timedelta(days=7)


async def _equals(coro, expected) -> bool:
    return (await coro) == expected
