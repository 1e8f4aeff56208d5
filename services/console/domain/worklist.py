"""The worklist: whose callbacks a staff member sees, and how they are grouped by due time."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from services.console.domain.accounts import Staff
from shared.calendar import local_date
from shared.contracts.values import Role

# Roles that lead the callback work see everyone's open tasks when they belong to no team.
OVERSEERS = frozenset({Role.ADMIN, Role.MANAGER})


class Due(StrEnum):
    """The groups of the worklist, in the order they are shown."""

    OVERDUE = "overdue"
    TODAY = "today"
    LATER = "later"


@dataclass(frozen=True)
class Task:
    """One open callback as the worklist shows it."""

    id: str
    purpose: str
    due_at: datetime
    status: str
    entity_kind: str
    entity_id: str
    stage: str | None = None
    assignee: str | None = None
    team: str | None = None
    attempts: int = 0
    script: str | None = None
    customer_id: str | None = None
    customer_name: str | None = None
    customer_phone: str | None = None


@dataclass(frozen=True)
class Groups:
    """The tasks by due group, soonest first in each."""

    overdue: list[Task] = field(default_factory=list)
    today: list[Task] = field(default_factory=list)
    later: list[Task] = field(default_factory=list)

    def __iter__(self) -> Any:
        return iter(((Due.OVERDUE, self.overdue), (Due.TODAY, self.today), (Due.LATER, self.later)))

    @property
    def total(self) -> int:
        return len(self.overdue) + len(self.today) + len(self.later)


def scopes(staff: Staff) -> list[dict[str, str]]:
    """The list filters that make up a person's worklist: theirs, their team's; an overseer
    without a team sees every open task."""
    if staff.team is None and staff.role in OVERSEERS:
        return [{}]
    found = [{"assignee": staff.username}]
    if staff.team:
        found.append({"team": staff.team})
    return found


@dataclass(frozen=True)
class Audience:
    """Whose task changes a person's open page hears of (worked out once per page)."""

    everyone: bool
    assignee: str
    team: str | None

    def concerns(self, assignee: str | None, team: str | None) -> bool:
        """Whether a change to a task with this assignee and team belongs on the list."""
        return (
            self.everyone or assignee == self.assignee or (team is not None and team == self.team)
        )


def audience(staff: Staff) -> Audience:
    """The person's worklist scopes as one check (see `scopes`)."""
    found = scopes(staff)
    team = next((s["team"] for s in found if "team" in s), None)
    return Audience(everyone={} in found, assignee=staff.username, team=team)


def concerns(staff: Staff, assignee: str | None, team: str | None) -> bool:
    """Whether a change to a task with this assignee and team belongs on the person's list."""
    return audience(staff).concerns(assignee, team)


def due_group(task: Task, now: datetime) -> Due:
    """Overdue once its due time has passed (or notifications says so), today when due later
    on today's business date (Asia/Shanghai), else later."""
    if task.status == "overdue" or task.due_at <= now:
        return Due.OVERDUE
    if local_date(task.due_at) == local_date(now):
        return Due.TODAY
    return Due.LATER


def merge(lists: Iterable[Sequence[Task]], limit: int) -> list[Task]:
    """The union of several due-ordered lists without repeats, soonest first, at most limit."""
    seen: dict[str, Task] = {}
    for tasks in lists:
        for t in tasks:
            seen.setdefault(t.id, t)
    return sorted(seen.values(), key=lambda t: (t.due_at, t.id))[:limit]


def group(tasks: Iterable[Task], now: datetime) -> Groups:
    """The tasks in their due groups, keeping their order."""
    out = Groups()
    for t in tasks:
        {Due.OVERDUE: out.overdue, Due.TODAY: out.today, Due.LATER: out.later}[
            due_group(t, now)
        ].append(t)
    return out
