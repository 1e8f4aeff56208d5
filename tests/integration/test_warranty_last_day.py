"""One warranty, one last day (issue 17, defect 1): projects issues the card and publishes its
last day of cover; aftersales decides repairs on that day and notifications ends the quarterly
calls with it. The three services on real NATS + Postgres, on the same dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from nats.js import JetStreamContext

from services.aftersales.app import create_app as aftersales_app
from services.notifications.domain import ScheduleKind, occurrences
from services.projects.app import create_app as projects_app
from services.projects.domain import add_years, last_day_of_cover
from shared.calendar import BUSINESS_TZ, end_of_local_day, local_date
from shared.contracts.values import Stage
from shared.settings import Settings
from tests.support.aftersales import opened_ticket, surveyed, wait_drained
from tests.support.harness import eventually, running
from tests.support.notifications import Harness, harness
from tests.support.projects import (
    Clock,
    documents_for,
    drive,
    open_project,
    post,
    published,
    sign_all,
)

pytestmark = pytest.mark.quick
DAY = 86400


def completion_for(last_day: date) -> date:
    """The completion date whose card's last day of cover is `last_day` (projects' rule)."""
    near = add_years(last_day, -2)
    candidates = [near + timedelta(days=d) for d in range(-3, 4)]
    return next(c for c in candidates if last_day_of_cover(c) == last_day)


async def completed_and_paid(client: httpx.AsyncClient, on: date) -> dict[str, Any]:
    """A project completed on `on` (forms entered after the fact) with its final payment:
    the project as projects shows it, in `warranty` with its card."""
    start = datetime.combine(on, time(8), tzinfo=BUSINESS_TZ)
    pid = await open_project(client, at=start)
    clock = Clock(start)
    await drive(client, pid, Stage.PAINTING_ACCEPTED, clock)
    base = f"/v1/projects/{pid}"
    await post(
        client,
        f"{base}/payments",
        {"installment": "final", "amount_fen": 950_000, **clock.field("paid_at")},
    )
    await sign_all(client, pid, Stage.COMPLETED, clock)
    await documents_for(client, pid, Stage.COMPLETED, clock)
    done: dict[str, Any] = await post(
        client, f"{base}/transitions", {"to": "completed", **clock.next()}
    )
    assert done["stage"] == "warranty" and done["completed_on"] == on.isoformat()
    return done


async def warranty_schedule(h: Harness, project_id: str) -> dict[str, Any]:
    """The stored quarterly warranty schedule of a project."""
    async with h.apps[0].state.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT kind, anchor, stops_at, status FROM schedules"
            " WHERE entity_id = $1 AND purpose = 'warranty_quarterly'",
            project_id,
        )
    assert row is not None, f"no warranty schedule for {project_id}"
    return dict(row)


async def test_duty_warranty_one_last_day_in_projects_aftersales_and_notifications(
    settings: Settings, js: JetStreamContext
) -> None:
    """十二、工程保修: 有2年的保修期; 十三: 保修期内前台每隔一季度电话回访 — the card's 有效期至 is
    the last day a repair is covered and the last day a warranty call is made, in every service."""
    today = local_date(datetime.now(UTC))
    cases = {  # the survey (today) is on the card's last day, the day before it, the day after
        "on_the_last_day": today,
        "the_day_before": today + timedelta(days=1),
        "the_day_after": today - timedelta(days=1),
    }
    async with (
        harness(settings, js) as notes,
        running(projects_app(settings)) as projects,
        running(aftersales_app(settings)) as aftersales,
    ):
        cards = {
            case: await completed_and_paid(projects, completion_for(last))
            for case, last in cases.items()
        }
        for project in cards.values():
            await eventually(
                lambda pid=project["id"]: published(
                    js, "project.stage.changed", project_id=pid, to_stage="warranty"
                )
            )
        await wait_drained(js, "on_project_stage_changed")
        decisions = {}
        for case, project in cards.items():
            rid = await opened_ticket(aftersales, js, project["id"])
            decisions[case] = (await surveyed(aftersales, rid))["warranty"]
        await notes.wait_drained()
        schedules = {case: await warranty_schedule(notes, p["id"]) for case, p in cards.items()}
        before = {
            case: await notes.callbacks(entity_id=p["id"], purpose="warranty_quarterly")
            for case, p in cards.items()
        }
        # Two days on, the call due on the day-before case's last day (tomorrow) was the last.
        notes.move_clock(2 * DAY)
        ended = await eventually(
            lambda: _status(notes, cards["the_day_before"]["id"], "ended"), timeout=15
        )
        after = await notes.callbacks(
            entity_id=cards["the_day_before"]["id"], purpose="warranty_quarterly"
        )

    for case, last in cases.items():
        card = cards[case]["warranty"]
        assert card["ends_on"] == last.isoformat(), case
        assert decisions[case]["ends_on"] == card["ends_on"], case
        schedule = schedules[case]
        assert schedule["stops_at"] == end_of_local_day(last), case
        calls = occurrences(
            ScheduleKind(schedule["kind"]), schedule["anchor"], schedule["stops_at"]
        )
        assert len(calls) == 8 and local_date(calls[-1]) == last, case
        assert all(local_date(datetime.fromisoformat(c["due_at"])) <= last for c in before[case])
    assert decisions["on_the_last_day"]["covered"] is True
    assert decisions["the_day_before"]["covered"] is True
    assert decisions["the_day_after"]["covered"] is False
    assert before["the_day_after"] == []  # the cover ended yesterday: no call is made
    [last_call] = before["the_day_before"]
    assert datetime.fromisoformat(last_call["due_at"]) == datetime.combine(
        cases["the_day_before"], time(10), tzinfo=BUSINESS_TZ
    )
    assert ended["status"] == "ended"
    assert [c["id"] for c in after] == [last_call["id"]]


async def _status(h: Harness, project_id: str, status: str) -> dict[str, Any] | None:
    schedule = await warranty_schedule(h, project_id)
    return schedule if schedule["status"] == status else None
