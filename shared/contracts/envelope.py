"""The envelope every event carries (docs/ARCHITECTURE.md §5)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


class Event(BaseModel):
    """Base of every event: envelope fields plus the aggregate version."""

    model_config = ConfigDict(extra="ignore", use_enum_values=False)

    SUBJECT: ClassVar[str] = ""
    OWNER: ClassVar[str] = ""

    event_id: UUID = Field(default_factory=uuid4, description="Also the Nats-Msg-Id header")
    occurred_at: datetime = Field(default_factory=utcnow)
    schema_version: int = 1
    source: str = Field(default="", description="The service that produced the event")
    branch_id: str | None = None
    correlation_id: UUID | None = None
    causation_id: UUID | None = None
    version: int = Field(default=0, description="Monotonic per aggregate")

    def caused_by(self, cause: Event) -> Event:
        """Chain correlation and causation from the event that caused this one."""
        self.correlation_id = cause.correlation_id or cause.event_id
        self.causation_id = cause.event_id
        if self.branch_id is None:
            self.branch_id = cause.branch_id
        return self

    def from_another_branch(self, owner: str | None) -> bool:
        """Whether a branch other than the one owning a record this event names made it; a
        company-wide desk (no branch) and a record of no branch are never another branch's
        (docs/SECURITY.md, "Branches change only what they own")."""
        return self.branch_id is not None and owner is not None and self.branch_id != owner

    def to_json(self) -> bytes:
        """Serialise for the wire."""
        return self.model_dump_json().encode()

    @classmethod
    def example(cls) -> dict[str, Any]:
        """A JSON-schema view, used by the AsyncAPI document."""
        return cls.model_json_schema()
