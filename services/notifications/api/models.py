"""What the HTTP API takes and who may call it."""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.notifications.domain import Outcome
from shared.contracts.values import LINK_ROLES, CallbackPurpose, MessageChannel, Role
from shared.validation import Code, Comment
from shared.web.models import Strict

# Every staff role reads the worklist and the log; neither a branch's systems nor a customer
# link's token (LINK_ROLES: tracking, project_view) do.
STAFF: Final = tuple(r for r in Role if r is not Role.BRANCH and r not in LINK_ROLES)
# The roles whose work is calling customers see a task's customer phone in full; others masked.
DIALLERS: Final = frozenset(r for r in STAFF if r is not Role.FINANCE)
# The service-level report: customer service and those who manage it.
REPORTS: Final = (Role.CS, Role.DEPT_HEAD, Role.MANAGER)
CallbackStatusFilter = Literal[
    "open", "scheduled", "due", "overdue", "done", "given_up", "cancelled"
]
Channel = Literal["sms", "email", "webhook"]
MessageStatusFilter = Literal["queued", "sent", "failed"]
Language = Literal["zh", "en"]


class OutcomeIn(Strict):
    """One call's outcome, as the agent records it."""

    reached: bool
    satisfied: bool | None = None
    satisfaction: int | None = Field(default=None, ge=1, le=5)
    ratings: dict[Code, int] = Field(default_factory=dict, max_length=10)
    comment: Comment | None = None

    def outcome(self) -> Outcome:
        """The domain's view of the call."""
        return Outcome(self.reached, self.satisfied, self.satisfaction, self.ratings, self.comment)


class CallbackFigures(BaseModel):
    """Callbacks created, completed, completed late and given up in the period; open and
    overdue as of the report's time."""

    created: int
    open: int
    overdue: int
    completed: int
    completed_late: int
    given_up: int


class PurposeLine(CallbackFigures):
    purpose: CallbackPurpose


class TeamLine(CallbackFigures):
    team: str | None = Field(description="null: tasks assigned to a person, not a team")


class CallbackLevels(CallbackFigures):
    by_purpose: list[PurposeLine]
    by_team: list[TeamLine]


class MessageFigures(BaseModel):
    """Messages sent and failed for good in the period; queued more than 5 minutes past their
    send time as of the report's time."""

    sent: int
    failed: int
    queued_late: int


class ChannelLine(MessageFigures):
    channel: MessageChannel


class MessageLevels(MessageFigures):
    by_channel: list[ChannelLine]


class ServiceLevelsReport(BaseModel):
    """The service levels a manager watches: callbacks overdue, messages not delivered."""

    model_config = ConfigDict(populate_by_name=True)

    week: str | None = Field(description="the ISO week, or null for a date range")
    branch: str | None = Field(None, description="the branch asked for; null: every branch")
    from_: datetime = Field(alias="from", description="start of the period (local midnight)")
    to: datetime = Field(description="end of the period, exclusive")
    as_of: datetime = Field(description="when open, overdue and queued_late were counted")
    callbacks: CallbackLevels
    messages: MessageLevels
