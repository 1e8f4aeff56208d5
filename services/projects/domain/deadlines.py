"""Project deadlines: renderings, contract to finance, start of works (DOMAIN.md §2.1)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType

from shared.calendar import due_date_within_days, due_within_days
from shared.contracts.values import Deadline, Stage

from .errors import require_aware
from .model import Project

# Calendar days in Asia/Shanghai: a fact on local day D is due by the end of day D+N.
DEADLINE_DAYS: Mapping[Deadline, int] = MappingProxyType(
    {
        Deadline.RENDERINGS: 4,  # 设计师4天内做完效果图
        Deadline.CONTRACT_TO_FINANCE: 1,  # 设计师应在一日内将合同交至财务
        Deadline.WORKS_START: 3,  # 合同签订三日后开工 (a deadline, not a floor)
    }
)
# The stage whose business time starts each clock.
DEADLINES_AFTER: Mapping[Stage, tuple[Deadline, ...]] = MappingProxyType(
    {
        Stage.DESIGN_AGREEMENT: (Deadline.RENDERINGS,),
        Stage.CONTRACT: (Deadline.CONTRACT_TO_FINANCE, Deadline.WORKS_START),
    }
)


class DeadlineFact(StrEnum):
    """The recorded fact that meets a deadline."""

    RENDERINGS_DELIVERED = "renderings_delivered"
    CONTRACT_HANDED_TO_FINANCE = "contract_handed_to_finance"
    WORKS_STARTED = "works_started"  # the transition to Stage.WORKS_STARTED


SATISFIED_BY: Mapping[Deadline, DeadlineFact] = MappingProxyType(
    {
        Deadline.RENDERINGS: DeadlineFact.RENDERINGS_DELIVERED,
        Deadline.CONTRACT_TO_FINANCE: DeadlineFact.CONTRACT_HANDED_TO_FINANCE,
        Deadline.WORKS_START: DeadlineFact.WORKS_STARTED,
    }
)
# Who owes it: the designer draws and carries the contract; engineering (the project manager)
# schedules the start.
RESPONSIBLE_ROLE: Mapping[Deadline, str] = MappingProxyType(
    {
        Deadline.RENDERINGS: "designer",
        Deadline.CONTRACT_TO_FINANCE: "designer",
        Deadline.WORKS_START: "project_manager",
    }
)


@dataclass(frozen=True)
class DeadlineDue:
    """A deadline started by a stage: its kind, exclusive bound and last on-time local day."""

    kind: Deadline
    due_at: datetime
    due_on: date


@dataclass(frozen=True)
class DeadlineState:
    """A deadline a project has started: its bound and what became of it."""

    kind: Deadline
    started_at: datetime
    due_at: datetime
    due_on: date
    satisfied_at: datetime | None = None
    missed_at: datetime | None = None

    @property
    def met(self) -> bool:
        """Its fact came before the bound."""
        return self.satisfied_at is not None and self.satisfied_at < self.due_at

    @property
    def status(self) -> str:
        """`met`, `missed` (the bound passed without the fact, or the fact came late) or `open`."""
        if self.met:
            return "met"
        if self.missed_at is not None or self.satisfied_at is not None:
            return "missed"
        return "open"


def deadlines_for(
    event: Stage, at: datetime, days: Mapping[Deadline, int] = DEADLINE_DAYS
) -> list[DeadlineDue]:
    """The deadlines that reaching `event` at business time `at` starts (often none)."""
    require_aware(at, "at")
    return [
        DeadlineDue(kind, due_within_days(at, days[kind]), due_date_within_days(at, days[kind]))
        for kind in DEADLINES_AFTER.get(event, ())
    ]


_MET_BY: Mapping[DeadlineFact, Deadline] = MappingProxyType(
    {fact: kind for kind, fact in SATISFIED_BY.items()}
)


def deadline_met_by(fact: DeadlineFact) -> Deadline:
    """The deadline a recorded fact satisfies."""
    return _MET_BY[fact]


def is_missed(due: DeadlineDue, satisfied_at: datetime | None, now: datetime) -> bool:
    """Missed once `now` reaches the bound without the fact having happened before it."""
    require_aware(now, "now")
    if now < due.due_at:
        return False
    return satisfied_at is None or satisfied_at >= due.due_at


def responsible(deadline: Deadline, project: Project) -> str | None:
    """The person (token `sub`) who owes the deadline, if assigned."""
    role = RESPONSIBLE_ROLE[deadline]
    return project.designer if role == "designer" else project.project_manager
