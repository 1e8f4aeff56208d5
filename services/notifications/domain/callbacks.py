"""Callback tasks: outcomes, retries of unreached calls, overdue escalation, who may record.

Status: `scheduled` (due_at ahead) → `due` (due_at reached, still within its grace) →
`overdue` (past due_at + grace; escalates) ; final: `done`, `given_up`, `cancelled`.
`due_at` is when the call must be made; most tasks are late at once after it, but calls that
are due "now" or in a window (return visit 1–3 months) get a grace (OVERDUE_GRACE).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from services.notifications.domain.event import (
    CALLBACK_CLOSED,
    INVALID_OUTCOME,
    SATISFIED_REQUIRED,
    DomainError,
)
from services.notifications.domain.retry import RetrySettings, retry_at
from services.notifications.domain.specs import EntityRef, TaskSpec
from shared.contracts.values import (
    CallbackPurpose,
    EscalationLevel,
    RatingRole,
    Role,
    Team,
)

# Once overdue at department-head level, the manager is told this much later.
MANAGER_ESCALATION_AFTER: Final = timedelta(hours=24)
OVERDUE_GRACE: Final[dict[CallbackPurpose, timedelta]] = {
    # Due "now": an urgent work item, not one already late.
    CallbackPurpose.SLA_TASK: timedelta(hours=4),
    CallbackPurpose.ALERT: timedelta(hours=4),
    # Recurring calls may be made on any day of their week / month / quarter window.
    CallbackPurpose.WEEKLY_WORKS: timedelta(days=3),
    CallbackPurpose.WEEKLY_SATISFACTION: timedelta(days=3),
    CallbackPurpose.KEY_CUSTOMER_MONTHLY: timedelta(days=7),
    CallbackPurpose.WARRANTY_QUARTERLY: timedelta(days=14),
    # "A return visit 1–3 months after completion": due at +1 month, late after ~+3.
    CallbackPurpose.RETURN_VISIT: timedelta(days=61),
}
SCORE_RANGE: Final = range(1, 6)


class CallbackStatus(StrEnum):
    SCHEDULED = "scheduled"
    DUE = "due"
    DONE = "done"
    OVERDUE = "overdue"
    CANCELLED = "cancelled"
    GIVEN_UP = "given_up"


OPEN: Final = frozenset({CallbackStatus.SCHEDULED, CallbackStatus.DUE, CallbackStatus.OVERDUE})


@dataclass(frozen=True)
class Callback:
    """A stored callback task."""

    id: str
    purpose: CallbackPurpose
    entity_kind: str
    entity_id: str
    due_at: datetime
    script: str
    stage: str | None = None
    customer_id: str | None = None
    assignee: str | None = None
    team: str | None = None
    status: CallbackStatus = CallbackStatus.SCHEDULED
    attempts: int = 0
    level: EscalationLevel | None = None
    version: int = 1
    project_manager: str | None = None

    @property
    def is_open(self) -> bool:
        """Still waiting for a call."""
        return self.status in OPEN

    @property
    def overdue_at(self) -> datetime:
        """When the task becomes late: due_at plus its purpose's grace."""
        return self.due_at + OVERDUE_GRACE.get(self.purpose, timedelta(0))


@dataclass(frozen=True)
class Outcome:
    """What an agent recorded for one call."""

    reached: bool
    satisfied: bool | None = None
    satisfaction: int | None = None
    ratings: Mapping[str, int] = field(default_factory=dict)
    comment: str | None = None


@dataclass(frozen=True)
class OutcomeEffect:
    """What follows from an outcome: publish callback.completed, retry, escalate."""

    outcome: Outcome
    final: bool  # done or given up: emit callback.completed
    retry_due_at: datetime | None  # not reached and attempts left
    escalated_to: EscalationLevel | None  # given up: the level told about it


def new_callback(spec: TaskSpec, callback_id: str) -> Callback:
    """The stored form of a planned task."""
    return Callback(
        id=callback_id,
        purpose=spec.purpose,
        entity_kind=spec.entity.kind,
        entity_id=spec.entity.id,
        due_at=spec.due_at,
        script=spec.script,
        stage=spec.stage,
        customer_id=spec.customer_id,
        assignee=spec.assignee,
        team=spec.team,
        level=spec.level,
        project_manager=spec.project_manager,
    )


def next_level(level: EscalationLevel | None) -> EscalationLevel:
    """One step up: nobody → department head → manager (the top)."""
    return EscalationLevel.DEPT_HEAD if level is None else EscalationLevel.MANAGER


def validate_outcome(cb: Callback, outcome: Outcome) -> None:
    """Refuse scores outside 1–5, unknown rating roles, and a confirmation without `satisfied`."""
    if outcome.satisfaction is not None and outcome.satisfaction not in SCORE_RANGE:
        raise DomainError(INVALID_OUTCOME, "satisfaction must be 1–5", "satisfaction")
    roles = {r.value for r in RatingRole}
    for role, score in outcome.ratings.items():
        if role not in roles:
            raise DomainError(INVALID_OUTCOME, f"unknown rating role {role!r}", "ratings")
        if isinstance(score, bool) or not isinstance(score, int) or score not in SCORE_RANGE:
            raise DomainError(INVALID_OUTCOME, f"rating for {role} must be 1–5", "ratings")
    if not outcome.reached and (
        outcome.satisfied is not None or outcome.satisfaction is not None or outcome.ratings
    ):
        raise DomainError(
            INVALID_OUTCOME, "an unreached customer gave no satisfaction or ratings", "reached"
        )
    if (
        cb.purpose is CallbackPurpose.COMPLAINT_CONFIRMATION
        and outcome.reached
        and outcome.satisfied is None
    ):
        raise DomainError(
            SATISFIED_REQUIRED, "a complaint confirmation must say if satisfied", "satisfied"
        )


def record_outcome(
    cb: Callback,
    reached: bool,
    satisfied: bool | None,
    satisfaction: int | None,
    ratings: Mapping[str, int] | None,
    comment: str | None,
    now: datetime,
    settings: RetrySettings,
) -> tuple[Callback, OutcomeEffect]:
    """Reached → done; not reached → retried on the schedule, given up after the last attempt."""
    if not cb.is_open:
        raise DomainError(CALLBACK_CLOSED, f"the callback is already {cb.status.value}")
    outcome = Outcome(reached, satisfied, satisfaction, dict(ratings or {}), comment)
    validate_outcome(cb, outcome)
    attempts = cb.attempts + 1
    if reached:
        done = replace(cb, status=CallbackStatus.DONE, attempts=attempts, version=cb.version + 1)
        return done, OutcomeEffect(outcome, final=True, retry_due_at=None, escalated_to=None)
    if attempts >= settings.callback_max_attempts:
        level = next_level(cb.level)
        gone = replace(
            cb,
            status=CallbackStatus.GIVEN_UP,
            attempts=attempts,
            level=level,
            version=cb.version + 1,
        )
        return gone, OutcomeEffect(outcome, final=True, retry_due_at=None, escalated_to=level)
    due = retry_at(settings, attempts, now)
    again = replace(
        cb,
        status=CallbackStatus.SCHEDULED,
        attempts=attempts,
        due_at=due,
        version=cb.version + 1,
    )
    return again, OutcomeEffect(outcome, final=False, retry_due_at=due, escalated_to=None)


def mark_due(cb: Callback, now: datetime) -> tuple[Callback, bool]:
    """A scheduled call whose time has come is due; returns whether it changed."""
    if cb.status is CallbackStatus.SCHEDULED and now >= cb.due_at:
        return replace(cb, status=CallbackStatus.DUE, version=cb.version + 1), True
    return cb, False


def mark_overdue(cb: Callback, now: datetime) -> tuple[Callback, bool]:
    """Late and not done → overdue, one level up; a day later still → manager.

    Returns whether to emit callback.overdue (only when the status or level changed).
    """
    if cb.status in (CallbackStatus.SCHEDULED, CallbackStatus.DUE) and now >= cb.overdue_at:
        late = replace(
            cb, status=CallbackStatus.OVERDUE, level=next_level(cb.level), version=cb.version + 1
        )
        return late, True
    if (
        cb.status is CallbackStatus.OVERDUE
        and cb.level is EscalationLevel.DEPT_HEAD
        and now >= cb.overdue_at + MANAGER_ESCALATION_AFTER
    ):
        return replace(cb, level=EscalationLevel.MANAGER, version=cb.version + 1), True
    return cb, False


def next_check_at(cb: Callback) -> datetime | None:
    """When the callback timer should look at this task again (None: nothing left to do)."""
    if cb.status is CallbackStatus.SCHEDULED:
        return cb.due_at  # mark_due, then mark_overdue (the same instant when no grace)
    if cb.status is CallbackStatus.DUE:
        return cb.overdue_at
    if cb.status is CallbackStatus.OVERDUE and cb.level is EscalationLevel.DEPT_HEAD:
        return cb.overdue_at + MANAGER_ESCALATION_AFTER
    return None


def cancel(cb: Callback) -> tuple[Callback, bool]:
    """Cancel an open task (its reason ended); returns whether it changed."""
    if not cb.is_open:
        return cb, False
    return replace(cb, status=CallbackStatus.CANCELLED, version=cb.version + 1), True


def can_record(cb: Callback, role: str, team: str | None, sub: str | None = None) -> bool:
    """Whether a staff token may record this callback's outcome.

    cs, admin and manager: any; reception: team reception; supervision: team supervision;
    other staff: their own team's tasks, or tasks assigned to them (`sub`).
    """
    if role in (Role.CS, Role.ADMIN, Role.MANAGER):
        return True
    if role == Role.RECEPTION:
        return cb.team == Team.RECEPTION
    if role == Role.SUPERVISION:
        return cb.team == Team.SUPERVISION
    if role == Role.BRANCH:
        return False
    if sub is not None and cb.assignee == sub:
        return True
    return cb.team is not None and cb.team in (team, role)


def callback_fields(cb: Callback) -> dict[str, Any]:
    """The callback.* event fields every one of them carries (docs/EVENTS.md)."""
    return {
        "callback_id": cb.id,
        "purpose": cb.purpose.value,
        "stage": cb.stage,
        "entity": {"kind": cb.entity_kind, "id": cb.entity_id},
        "customer_id": cb.customer_id,
        "due_at": cb.due_at,
        "assignee": cb.assignee,
        "team": cb.team,
        "project_manager": cb.project_manager,
        "level": cb.level.value if cb.level else None,
        "attempts": cb.attempts,
    }


def completed_fields(cb: Callback, outcome: Outcome, by: str | None = None) -> dict[str, Any]:
    """callback.completed: the final outcome (reached, or given up after the retries).

    `satisfied` is always set for a complaint confirmation: a customer never reached has not
    confirmed the result, so it counts as not satisfied (intake escalates; `reached` says why).
    """
    satisfied = outcome.satisfied
    if cb.purpose is CallbackPurpose.COMPLAINT_CONFIRMATION and satisfied is None:
        satisfied = False
    return {
        **callback_fields(cb),
        "reached": outcome.reached,
        "satisfied": satisfied,
        "satisfaction": outcome.satisfaction,
        "ratings": dict(outcome.ratings),
        "comment": outcome.comment,
        "by": by,
    }


def entity_of(cb: Callback) -> EntityRef:
    """The record the callback concerns."""
    return EntityRef(cb.entity_kind, cb.entity_id)
