"""SQL for self-seeding recurring timers and the weekly spot check's pick."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
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


async def spot_check_candidates(
    conn: asyncpg.Connection, *, stages: Sequence[str]
) -> list[asyncpg.Record]:
    """Projects at the given stages (under construction), when their works started and when
    each was last picked for a spot check."""
    return await conn.fetch(
        "SELECT p.id, p.customer_id, p.project_manager, p.branch_id, p.version,"
        "  (SELECT min(l.at) FROM stage_log l WHERE l.project_id = p.id"
        "     AND l.to_stage = 'works_started') AS started_at,"
        "  (SELECT max(s.first_day) FROM spot_checks s WHERE s.project_id = p.id) AS last_picked"
        " FROM projects p WHERE p.stage = ANY($1::text[])",
        list(stages),
    )


async def insert_spot_check(
    conn: asyncpg.Connection, *, week: str, project_id: str, first_day: date, picked_at: datetime
) -> bool:
    """Record the week's pick; False when the week already has one."""
    row = await conn.fetchval(
        "INSERT INTO spot_checks (week, project_id, first_day, picked_at) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (week) DO NOTHING RETURNING 1",
        week,
        project_id,
        first_day,
        picked_at,
    )
    return row is not None
