"""Project calls end to end: stage callbacks, weekly works calls, the return visit and the
quarterly warranty calls, moving the database clock instead of waiting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from nats.js import JetStreamContext

from services.notifications.domain import add_months, call_time
from shared.calendar import due_within_days, local_date
from shared.contracts.projects import ProjectOpened, ProjectStageChanged
from shared.contracts.values import Stage
from shared.settings import Settings
from tests.support.harness import eventually
from tests.support.notifications import (
    Harness,
    emitted,
    harness,
    new_id,
    parse_time,
)

pytestmark = pytest.mark.quick
DAY = 86400


def stage(
    project_id: str,
    to: Stage,
    at: datetime,
    *,
    pm: str | None = "pm-7",
    version: int = 7,
    completed_on: date | None = None,
) -> ProjectStageChanged:
    return ProjectStageChanged(
        source="projects",
        branch_id="SH01",
        project_id=project_id,
        customer_id="cust-p",
        from_stage=Stage.CONTRACT,
        to_stage=to,
        at=at,
        by="eng-1",
        project_manager=pm,
        completed_on=completed_on,
        # The card's last day, as projects publishes it: the second anniversary.
        warranty_ends_on=add_months(completed_on, 24) if completed_on else None,
        version=version,
    )


async def count(coro: Any, n: int) -> Any:
    items = await coro
    return items if len(items) == n else None


async def statuses(coro: Any, expected: list[str]) -> Any:
    items = await coro
    return items if [i["status"] for i in items] == expected else None


async def schedule_rows(h: Harness, entity_id: str) -> list[dict[str, Any]]:
    """The stored schedules of a record with whether a timer still drives each."""
    async with h.apps[0].state.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT s.purpose, s.status, s.next_at, t.due_at AS timer_due FROM schedules s"
            " LEFT JOIN timers t ON t.kind = 'schedule.run' AND t.key = s.id"
            " WHERE s.entity_id = $1 ORDER BY s.created_at",
            entity_id,
        )
    return [dict(r) for r in rows]


async def test_weekly_works_calls_start_with_the_works_and_stop_at_completion(
    settings: Settings, js: JetStreamContext
) -> None:
    """Two weekly duties from the start of works to completion: the project manager's visit
    (项目经理每周定期走访) and customer service's satisfaction call (开工后每周定期回访)."""
    project = new_id("prj")
    started = datetime.now(UTC)
    anchor = call_time(local_date(started))  # 10:00 local on the day works started
    async with harness(settings, js) as h:
        await h.publish(stage(project, Stage.WORKS_STARTED, started))
        [first] = await eventually(lambda: h.callbacks(entity_id=project, purpose="weekly_works"))
        [frontdesk] = await h.callbacks(entity_id=project, purpose="frontdesk_call")
        h.move_clock(15 * DAY)
        # Three calls by now; the first late once its week's 3-day window passed, the second
        # due, the third ahead.
        weekly = await eventually(
            lambda: statuses(
                h.callbacks(entity_id=project, purpose="weekly_works"),
                ["overdue", "due", "scheduled"],
            )
        )
        satisfaction = await eventually(
            lambda: statuses(
                h.callbacks(entity_id=project, purpose="weekly_satisfaction"),
                ["overdue", "due", "scheduled"],
            )
        )
        await h.publish(
            stage(
                project,
                Stage.COMPLETED,
                started + timedelta(days=15),
                version=20,
                completed_on=local_date(started) + timedelta(days=15),
            )
        )
        stopped = await eventually(
            lambda: count(
                h.callbacks(entity_id=project, purpose="weekly_works", status="cancelled"), 3
            )
        )
        cs_stopped = await eventually(
            lambda: count(
                h.callbacks(entity_id=project, purpose="weekly_satisfaction", status="cancelled"),
                3,
            )
        )
        schedules = await schedule_rows(h, project)
        h.move_clock(60 * DAY)
        await eventually(
            lambda: count(h.callbacks(entity_id=project, purpose="warranty_quarterly"), 1)
        )
        after = await h.callbacks(entity_id=project, purpose="weekly_works")
        announced = await emitted(js, "callback.scheduled", purpose="weekly_works")

    assert parse_time(first["due_at"]) == anchor + timedelta(days=7)
    assert (first["assignee"], first["team"], first["project_manager"]) == (
        "pm-7",
        "engineering",
        "pm-7",
    )
    assert (frontdesk["team"], frontdesk["stage"]) == ("reception", "works_started")
    assert parse_time(frontdesk["due_at"]) == due_within_days(started, 1)
    assert [parse_time(c["due_at"]) for c in weekly] == [
        anchor + timedelta(days=7 * k) for k in (1, 2, 3)
    ]
    assert {c["id"] for c in stopped} == {c["id"] for c in weekly}
    assert [(c["team"], c["assignee"]) for c in satisfaction] == [("customer_service", None)] * 3
    assert [c["due_at"] for c in satisfaction] == [c["due_at"] for c in weekly]
    assert {c["id"] for c in cs_stopped} == {c["id"] for c in satisfaction}
    cs_schedule = next(s for s in schedules if s["purpose"] == "weekly_satisfaction")
    assert cs_schedule["status"] == "cancelled" and cs_schedule["timer_due"] is None
    weekly_schedule = next(s for s in schedules if s["purpose"] == "weekly_works")
    assert weekly_schedule["status"] == "cancelled" and weekly_schedule["timer_due"] is None
    # Two months on, still the same three calls: nothing runs the schedule any more.
    assert sorted(c["id"] for c in after) == sorted(c["id"] for c in weekly)
    assert len(announced) == 3


async def test_completion_gives_survey_return_visit_and_quarterly_calls_for_two_years(
    settings: Settings, js: JetStreamContext
) -> None:
    project = new_id("prj")
    now = datetime.now(UTC)
    done_on = local_date(now)
    async with harness(settings, js) as h:
        await h.publish(stage(project, Stage.COMPLETED, now, completed_on=done_on))
        await eventually(lambda: count(h.callbacks(entity_id=project), 3))
        [survey] = await h.callbacks(entity_id=project, purpose="completion_survey")
        [visit] = await h.callbacks(entity_id=project, purpose="return_visit")
        [quarter] = await h.callbacks(entity_id=project, purpose="warranty_quarterly")
        unknown = await h.outcome(survey["id"], {"reached": True, "ratings": {"plumber": 5}})
        ratings = {"designer": 5, "inspector": 4, "foreman": 3, "engineering_manager": 4}
        rated = await h.outcome(
            survey["id"], {"reached": True, "satisfaction": 4, "ratings": ratings}
        )
        [completed] = await eventually(
            lambda: emitted(js, "callback.completed", callback_id=survey["id"])
        )
        h.move_clock(25 * 31 * DAY)
        calls = await eventually(
            lambda: count(h.callbacks(entity_id=project, purpose="warranty_quarterly"), 8)
        )
        schedules = await eventually(lambda: _ended(schedule_rows(h, project)))
        announced = await eventually(
            lambda: count(emitted(js, "callback.scheduled", purpose="warranty_quarterly"), 8)
        )

    assert (survey["stage"], survey["team"]) == ("completed", "customer_service")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "ratings"
    assert rated.status_code == 200 and rated.json()["status"] == "done"
    assert completed["ratings"] == ratings and completed["satisfaction"] == 4
    assert (completed["purpose"], completed["stage"], completed["project_manager"]) == (
        "completion_survey",
        "completed",
        "pm-7",
    )
    assert completed["satisfied"] is None  # only a complaint confirmation must say
    assert parse_time(survey["due_at"]) == due_within_days(now, 3)
    assert parse_time(visit["due_at"]) == call_time(add_months(done_on, 1))
    assert parse_time(quarter["due_at"]) == call_time(add_months(done_on, 3))
    # Every quarter of the 2-year warranty, the last on the card's last day of cover (24 months
    # after completion), none after it.
    assert [parse_time(c["due_at"]) for c in calls] == [
        call_time(add_months(done_on, 3 * k)) for k in range(1, 9)
    ]
    assert [(s["purpose"], s["status"], s["timer_due"]) for s in schedules] == [
        ("warranty_quarterly", "ended", None)
    ]
    assert {a["callback_id"] for a in announced} == {c["id"] for c in calls}


async def _ended(coro: Any) -> Any:
    rows = await coro
    return rows if rows and all(r["status"] == "ended" for r in rows) else None


async def test_calls_wait_for_the_project_manager_named_later(
    settings: Settings, js: JetStreamContext
) -> None:
    project = new_id("prj")
    async with harness(settings, js) as h:
        # The stage change arrived before project.opened named the project manager.
        await h.publish(stage(project, Stage.WORKS_STARTED, datetime.now(UTC), pm=None))
        [waiting] = await eventually(lambda: h.callbacks(entity_id=project, purpose="weekly_works"))
        await h.publish(
            ProjectOpened(
                source="projects",
                project_id=project,
                customer_id="cust-p",
                address="徐汇区 1 号",
                project_manager="pm-late",
                version=1,
            )
        )
        [assigned] = await eventually(lambda: h.callbacks(entity_id=project, assignee="pm-late"))
        h.move_clock(8 * DAY)
        nxt = await eventually(
            lambda: count(
                h.callbacks(entity_id=project, assignee="pm-late", purpose="weekly_works"), 2
            )
        )

    assert waiting["assignee"] is None and waiting["project_manager"] is None
    assert assigned["id"] == waiting["id"] and assigned["project_manager"] == "pm-late"
    assert all(c["project_manager"] == "pm-late" for c in nxt)
