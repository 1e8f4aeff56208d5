"""The one error the notification rules raise, and a typed view of an incoming event."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final

from shared.calendar import BUSINESS_TZ
from shared.errors import DomainError as BaseDomainError

INVALID_EVENT: Final = "invalid_event"
INVALID_OUTCOME: Final = "invalid_outcome"
SATISFIED_REQUIRED: Final = "satisfied_required"
CALLBACK_CLOSED: Final = "callback_closed"

# How the HTTP layer reports each code (API.md common rules: 409 state, 422 input).
HTTP_STATUS: Final[dict[str, int]] = {
    INVALID_EVENT: 422,
    INVALID_OUTCOME: 422,
    SATISFIED_REQUIRED: 422,
    CALLBACK_CLOSED: 409,
}


class DomainError(BaseDomainError):
    """A rule refused an event or a request; `detail` says why in plain words."""

    STATUS = HTTP_STATUS


def to_datetime(value: Any, name: str) -> datetime:
    """An aware instant from a datetime or ISO 8601 text; naive values are taken as UTC."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as exc:
            raise DomainError(INVALID_EVENT, f"{name} is not an ISO 8601 time", name) from exc
    else:
        raise DomainError(INVALID_EVENT, f"{name} is not a time", name)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def to_date(value: Any, name: str) -> date:
    """A calendar date from a date, a datetime (its business-calendar day) or ISO text."""
    if isinstance(value, datetime):
        return value.astimezone(BUSINESS_TZ).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError as exc:
            raise DomainError(INVALID_EVENT, f"{name} is not a YYYY-MM-DD date", name) from exc
    raise DomainError(INVALID_EVENT, f"{name} is not a date", name)


def text_of(value: Any) -> str:
    """Enum members, UUIDs and numbers as the text they stand for on the wire."""
    return str(value.value) if hasattr(value, "value") else str(value)


@dataclass(frozen=True)
class EventView:
    """One consumed event (envelope + payload as JSON) with the clock it is planned on."""

    subject: str
    payload: Mapping[str, Any]
    now: datetime

    @property
    def event_id(self) -> str:
        """The envelope's event id: the root of every dedupe key."""
        return self.text("event_id")

    @property
    def occurred_at(self) -> datetime:
        """When the producer recorded the fact (the envelope time), else now."""
        value = self.payload.get("occurred_at")
        return self.now if value is None else to_datetime(value, "occurred_at")

    @property
    def fact_at(self) -> datetime:
        """The business time of the fact (`at`, may be backdated), else the envelope time."""
        return self.time("at") or self.occurred_at

    def opt(self, name: str) -> str | None:
        """A text field, or None when absent or empty."""
        value = self.payload.get(name)
        if value is None or value == "":
            return None
        return text_of(value)

    def text(self, name: str) -> str:
        """A required text field."""
        value = self.opt(name)
        if value is None:
            raise DomainError(INVALID_EVENT, f"{self.subject} needs `{name}`", name)
        return value

    def flag(self, name: str) -> bool:
        """A boolean field; absent is False."""
        return bool(self.payload.get(name))

    def number(self, name: str) -> int:
        """An integer field; absent is 0."""
        value = self.payload.get(name)
        return 0 if value is None else int(value)

    def time(self, name: str) -> datetime | None:
        """An optional instant field."""
        value = self.payload.get(name)
        return None if value is None or value == "" else to_datetime(value, name)

    def day(self, name: str) -> date | None:
        """An optional date field."""
        value = self.payload.get(name)
        return None if value is None or value == "" else to_date(value, name)

    def required_day(self, name: str) -> date:
        """A required date field."""
        value = self.day(name)
        if value is None:
            raise DomainError(INVALID_EVENT, f"{self.subject} needs `{name}`", name)
        return value

    def nested(self, name: str, key: str) -> str | None:
        """A text field inside an object field (e.g. contacts.shipper_phone)."""
        inner = self.payload.get(name)
        if not isinstance(inner, Mapping):
            return None
        value = inner.get(key)
        return None if value is None or value == "" else text_of(value)


def local_text(at: datetime) -> str:
    """An instant as customers read it: business-calendar 'YYYY-MM-DD HH:MM'."""
    return at.astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M")
