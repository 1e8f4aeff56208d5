"""Keyset pagination: `limit`, `cursor` → `next_cursor`."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime
from typing import Any

from fastapi import Query

from shared.web.errors import Problem

MAX_LIMIT = 500


def encode(values: list[Any]) -> str:
    """Opaque cursor from the last row's sort key."""
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode().rstrip("=")


def decode(cursor: str | None) -> list[Any] | None:
    """The sort key a cursor carries, or a 422 naming the field."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded))
        if not isinstance(values, list):
            raise ValueError
        return values
    except ValueError as exc:
        raise Problem(
            422,
            "Invalid input",
            "invalid field(s): cursor",
            [{"field": "cursor", "message": "not a cursor this API returned"}],
        ) from exc


def after(cursor: str | None, *kinds: type) -> tuple[Any, ...] | None:
    """The sort key a cursor carries, each value as its kind (str, int, datetime or date), or a
    422 naming the field when the cursor is not one this list returned."""
    values = decode(cursor)
    if values is None:
        return None
    try:
        if len(values) != len(kinds):
            raise ValueError(f"{len(values)} values, expected {len(kinds)}")
        return tuple(_as(kind, v) for kind, v in zip(kinds, values, strict=True))
    except (TypeError, ValueError) as exc:
        raise Problem(
            422,
            "Invalid input",
            "invalid field(s): cursor",
            [{"field": "cursor", "message": "not a cursor this API returned"}],
        ) from exc


def _as(kind: type, value: Any) -> Any:
    if kind is datetime:
        return datetime.fromisoformat(str(value))
    if kind is date:
        return date.fromisoformat(str(value))
    if kind is int and isinstance(value, bool):
        raise TypeError("not a number")
    if not isinstance(value, kind):
        raise TypeError(f"not a {kind.__name__}")
    return value


async def limit_param(limit: int = Query(50, ge=1, le=MAX_LIMIT)) -> int:
    """The page size (default 50, max 500)."""
    return limit


def page(items: list[dict[str, Any]], limit: int, key: tuple[str, ...] = ("id",)) -> dict[str, Any]:
    """The list body; callers fetch limit + 1 rows so the next cursor is known exactly."""
    more = len(items) > limit
    items = items[:limit]
    next_cursor = encode([items[-1][k] for k in key]) if more and items else None
    return {"items": items, "next_cursor": next_cursor}
