"""Errors of the projects domain: a refused action (HTTP 409) or an invalid value (HTTP 422)."""

from __future__ import annotations

from datetime import datetime


class DomainError(Exception):
    """An action the rules refuse in the project's current state (409); `detail` says why."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class InvalidValue(ValueError):
    """A value no state could accept (422); `field` names the offending input."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.field = field
        self.detail = detail


def require_aware(at: datetime, field: str) -> datetime:
    """Refuse naive datetimes: business times must carry their offset."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidValue(field, "a time must carry its UTC offset")
    return at


def require_positive(amount_fen: int, field: str = "amount_fen") -> int:
    """Refuse zero, negative or non-integer money amounts."""
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise InvalidValue(field, f"must be a positive whole number of fen, got {amount_fen!r}")
    return amount_fen
