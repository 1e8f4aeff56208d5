"""Events notifications publishes: callback tasks and messages sent (docs/EVENTS.md)."""

from __future__ import annotations

from typing import Annotated, ClassVar, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from shared.contracts.envelope import Event
from shared.contracts.values import (
    CallbackPurpose,
    EntityKind,
    EscalationLevel,
    MessageChannel,
    MessageStatus,
    RatingRole,
    Team,
)

Score = Annotated[int, Field(ge=1, le=5)]


class EntityRef(BaseModel):
    """The record a callback or message concerns."""

    model_config = ConfigDict(extra="ignore")

    kind: EntityKind
    id: str = Field(description="The record's id (the waybill for shipments and receipts)")


class CallbackEvent(Event):
    """Base of callback.*: the callback task as it stands."""

    OWNER: ClassVar[str] = "notifications"

    callback_id: str
    purpose: CallbackPurpose
    stage: str | None = Field(
        default=None, description="The stage a stage_callback is for (StageCallback values)"
    )
    entity: EntityRef
    due_at: AwareDatetime
    assignee: str | None = Field(default=None, description="Token `sub`; None when a team's")
    team: Team | None = None
    customer_id: str | None = None
    project_manager: str | None = Field(
        default=None, description="Token `sub`, for project callbacks (care compliance)"
    )


class CallbackScheduled(CallbackEvent):
    """A callback task was created."""

    SUBJECT: ClassVar[str] = "callback.scheduled"


class CallbackCompleted(CallbackEvent):
    """A callback reached its final outcome (reached, or given up after the retries)."""

    SUBJECT: ClassVar[str] = "callback.completed"

    reached: bool
    satisfied: bool | None = Field(
        default=None, description="Always set for complaint_confirmation, even when unreached"
    )
    satisfaction: Score | None = None
    ratings: dict[RatingRole, Score] = Field(
        default_factory=dict, description="Completion survey scores per role"
    )
    comment: str | None = None
    attempts: int = Field(default=1, ge=0, description="Calls made, including this one")
    by: str | None = Field(default=None, description="Token `sub` of who recorded the outcome")

    @model_validator(mode="after")
    def _confirmation_says_satisfied(self) -> Self:
        """Intake closes or escalates a complaint on `satisfied`, so it may not be missing."""
        if self.purpose is CallbackPurpose.COMPLAINT_CONFIRMATION and self.satisfied is None:
            raise ValueError("satisfied is required for a complaint_confirmation outcome")
        return self


class CallbackOverdue(CallbackEvent):
    """A callback was not done by its due time and was escalated."""

    SUBJECT: ClassVar[str] = "callback.overdue"

    level: EscalationLevel


class NotificationSent(Event):
    """A customer message (SMS, e-mail, webhook) was handed to its provider, or failed."""

    SUBJECT: ClassVar[str] = "notification.sent"
    OWNER: ClassVar[str] = "notifications"

    message_id: str
    channel: MessageChannel
    entity: EntityRef | None = None
    status: MessageStatus
    customer_id: str | None = None
