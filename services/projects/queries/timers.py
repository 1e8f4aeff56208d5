"""SQL for self-seeding recurring timers."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import asyncpg


async def seed_timer(
    conn: asyncpg.Connection, *, kind: str, key: str, due_at: datetime, payload: dict[str, Any]
) -> bool:
    """Create a timer only if it does not exist yet (self-seeding recurring timers)."""
    row = await conn.fetchval(
        "INSERT INTO timers (kind, key, due_at, payload) VALUES ($1, $2, $3, $4::jsonb)"
        " ON CONFLICT (kind, key) DO NOTHING RETURNING 1",
        kind,
        key,
        due_at,
        json.dumps(payload),
    )
    return row is not None
