"""Checks every rule shares: business times carry their offset, money is positive whole fen.

Rules raise the platform's `shared.errors.DomainError` (refused in the current state, 409) and
`Invalid` (a value no state could accept, 422 naming the field)."""

from __future__ import annotations

from datetime import datetime

from shared.errors import Invalid


def require_aware(at: datetime, field: str) -> datetime:
    """Refuse naive datetimes: business times must carry their offset."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise Invalid(field, "a time must carry its UTC offset")
    return at


def require_positive(amount_fen: int, field: str = "amount_fen") -> int:
    """Refuse zero, negative or non-integer money amounts."""
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise Invalid(field, f"must be a positive whole number of fen, got {amount_fen!r}")
    return amount_fen
