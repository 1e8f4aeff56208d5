"""Turning a recurring schedule into the task for each of its occurrences."""

from __future__ import annotations

from datetime import datetime

from services.notifications.domain.schedule import next_occurrence
from services.notifications.domain.specs import RecurringSpec, TaskSpec, duty_key
from shared.calendar import local_date


def next_run(spec: RecurringSpec, after: datetime) -> datetime | None:
    """The schedule's next occurrence after `after`, or None once it has stopped."""
    at = next_occurrence(spec.kind, spec.anchor, after)
    return None if spec.stops_at is not None and at >= spec.stops_at else at


def occurrence_task(spec: RecurringSpec, at: datetime, assignee: str | None = None) -> TaskSpec:
    """The callback task for the occurrence at `at`; its dedupe key names the occurrence.

    `assignee` fills in the roster's person when the schedule was started without one.
    """
    person = spec.assignee or assignee
    return TaskSpec(
        purpose=spec.purpose,
        entity=spec.entity,
        due_at=at,
        dedupe_key=f"{spec.dedupe_key}:{at.isoformat()}",
        script=spec.script,
        assignee=person,
        team=spec.team,
        customer_id=spec.customer_id,
        project_manager=person if spec.assignee_from_roster == "project_manager" else None,
        assignee_from_roster=spec.assignee_from_roster,
        # Each occurrence is its own duty: last week's unmade call stays on the list, overdue.
        duty=duty_key(spec.purpose, spec.entity, local_date(at).isoformat()),
    )
