"""The task of each occurrence of a recurring call (services/notifications/domain/recurring.py):
its exclusive stop, its person from the schedule or the roster, and its duty named by the
occurrence's local day (midnight in Asia/Shanghai is the day after in UTC)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from services.notifications.domain import next_run, occurrence_task
from services.notifications.domain.schedule import ScheduleKind
from services.notifications.domain.specs import EntityRef, RecurringSpec, TaskSpec
from shared.calendar import BUSINESS_TZ
from shared.contracts.values import CallbackPurpose as P

pytestmark = pytest.mark.quick


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=BUSINESS_TZ)


WEEKLY = RecurringSpec(
    purpose=P.WEEKLY_WORKS,
    kind=ScheduleKind.WEEKLY,
    entity=EntityRef("project", "p-1"),
    anchor=local(2026, 3, 9, 10),
    first_at=local(2026, 3, 16, 10),
    stops_at=None,
    stops_when="completed",
    dedupe_key="ev-1:weekly_works:p-1",
    script="weekly_works",
    team="engineering",
    customer_id="c-1",
    assignee_from_roster="project_manager",
)


def test_the_next_run_is_strictly_after_and_before_the_exclusive_stop() -> None:
    assert next_run(WEEKLY, local(2026, 3, 9, 10)) == local(2026, 3, 16, 10)
    assert next_run(WEEKLY, local(2026, 3, 16, 10)) == local(2026, 3, 23, 10)
    stops = replace(WEEKLY, stops_at=local(2026, 3, 23, 10))
    assert next_run(stops, local(2026, 3, 9, 10)) == local(2026, 3, 16, 10)
    assert next_run(stops, local(2026, 3, 16, 10)) is None  # the stop itself is not a call
    just_after = replace(WEEKLY, stops_at=local(2026, 3, 23, 10, 1))
    assert next_run(just_after, local(2026, 3, 16, 10)) == local(2026, 3, 23, 10)
    assert next_run(stops, local(2026, 4, 1)) is None


def test_an_occurrences_task_names_the_occurrence_and_takes_the_rosters_person() -> None:
    at = local(2026, 3, 16, 10)
    assert occurrence_task(WEEKLY, at, "pm-9") == TaskSpec(
        purpose=P.WEEKLY_WORKS,
        entity=EntityRef("project", "p-1"),
        due_at=at,
        dedupe_key="ev-1:weekly_works:p-1:2026-03-16T10:00:00+08:00",
        script="weekly_works",
        assignee="pm-9",
        team="engineering",
        customer_id="c-1",
        project_manager="pm-9",
        assignee_from_roster="project_manager",
        duty="weekly_works:project:p-1:2026-03-16",
    )


def test_the_schedules_own_person_wins_over_the_roster() -> None:
    own = replace(WEEKLY, assignee="pm-1")
    task = occurrence_task(own, local(2026, 3, 16, 10), "pm-9")
    assert (task.assignee, task.project_manager) == ("pm-1", "pm-1")
    nobody = occurrence_task(WEEKLY, local(2026, 3, 16, 10))
    assert (nobody.assignee, nobody.project_manager) == (None, None)


def test_only_a_project_manager_from_the_roster_is_the_tasks_project_manager() -> None:
    desk = replace(WEEKLY, purpose=P.WEEKLY_SATISFACTION, assignee_from_roster=None)
    task = occurrence_task(desk, local(2026, 3, 16, 10), "cs-1")
    assert (task.assignee, task.project_manager, task.assignee_from_roster) == ("cs-1", None, None)
    other = replace(WEEKLY, assignee_from_roster="designer", assignee="d-1")
    task = occurrence_task(other, local(2026, 3, 16, 10))
    assert (task.project_manager, task.assignee_from_roster) == (None, "designer")


def test_an_occurrences_duty_is_its_local_day_even_at_midnight() -> None:
    midnight = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)  # 00:00 on Apr 1 in Shanghai
    task = occurrence_task(WEEKLY, midnight)
    assert task.duty == "weekly_works:project:p-1:2026-04-01"
    assert task.dedupe_key == "ev-1:weekly_works:p-1:2026-03-31T16:00:00+00:00"
    before = occurrence_task(WEEKLY, datetime(2026, 3, 31, 15, 59, tzinfo=UTC))
    assert before.duty == "weekly_works:project:p-1:2026-03-31"
