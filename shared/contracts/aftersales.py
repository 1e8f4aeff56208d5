"""Events aftersales publishes: the repair ticket's life cycle (docs/EVENTS.md)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import AwareDatetime, Field

from shared.contracts.envelope import Event
from shared.contracts.values import ProblemKind, RepairKind


class RepairEvent(Event):
    """Base of repair.*: the ticket as it stands when the event happened."""

    OWNER: ClassVar[str] = "aftersales"

    repair_id: str
    customer_id: str
    project_id: str | None = None
    complaint_id: str | None = Field(
        default=None, description="The complaint it came from; repair.completed resolves it"
    )
    parent_id: str | None = Field(
        default=None, description="The ticket whose repair found this new problem"
    )
    kind: RepairKind | None = Field(default=None, description="The visit concerned, if any")
    at: AwareDatetime | None = Field(
        default=None, description="Business time of the fact, or the appointment when scheduled"
    )
    staff: str | None = Field(default=None, description="Token `sub` of the assigned staff")
    covered: bool | None = Field(
        default=None, description="Warranty decision; None until the survey"
    )
    fee_fen: int | None = Field(
        default=None, ge=0, description="Fee quoted (or paid) if not covered"
    )
    evaluation_score: int | None = Field(
        default=None, ge=1, le=5, description="The customer's evaluation form score"
    )


class RepairOpened(RepairEvent):
    """A repair ticket was opened (request, quality complaint or a finding)."""

    SUBJECT: ClassVar[str] = "repair.opened"


class RepairScheduled(RepairEvent):
    """A survey or repair visit was booked with the customer (`kind` says which)."""

    SUBJECT: ClassVar[str] = "repair.scheduled"

    on: date | None = Field(default=None, description="The repair date, when booked by day")
    duration_days: int | None = Field(default=None, ge=1, description="How long the repair takes")


class RepairCompleted(RepairEvent):
    """The repair was done and the customer filled the evaluation form."""

    SUBJECT: ClassVar[str] = "repair.completed"

    problem_kind: ProblemKind | None = Field(
        default=None,
        description="The problem the survey found: the care tips the customer is given follow it",
    )


class RepairClosed(RepairEvent):
    """The ticket was closed with a repair summary."""

    SUBJECT: ClassVar[str] = "repair.closed"


class RepairSlaBreached(RepairEvent):
    """A service-level step of a ticket was not done in time."""

    SUBJECT: ClassVar[str] = "repair.sla.breached"

    step: str = Field(description="The late step, e.g. first_contact, survey, repair")
    due_at: AwareDatetime | None = Field(default=None, description="The bound that passed")
