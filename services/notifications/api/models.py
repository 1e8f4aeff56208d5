"""What the HTTP API takes and who may call it."""

from __future__ import annotations

from typing import Final, Literal

from pydantic import Field

from services.notifications.domain import Outcome
from shared.contracts.values import Role
from shared.web.models import Strict

# Every staff role reads the worklist and the log; branches do not.
STAFF: Final = tuple(r for r in Role if r is not Role.BRANCH)
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
    ratings: dict[str, int] = Field(default_factory=dict)
    comment: str | None = Field(default=None, max_length=4000)

    def outcome(self) -> Outcome:
        """The domain's view of the call."""
        return Outcome(self.reached, self.satisfied, self.satisfaction, self.ratings, self.comment)
