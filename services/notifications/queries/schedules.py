"""Recurring call schedules and the timers the service removes in bulk."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg


# --- schedules -------------------------------------------------------------------------------
async def insert_schedule(
    conn: asyncpg.Connection,
    *,
    id: str,
    dedupe_key: str,
    purpose: str,
    kind: str,
    entity_kind: str,
    entity_id: str,
    anchor: datetime,
    stops_at: datetime | None,
    stops_when: str,
    script: str,
    team: str | None,
    assignee: str | None,
    customer_id: str | None,
    assignee_from_roster: str | None,
    status: str,
    next_at: datetime | None,
    branch_id: str | None,
    correlation_id: UUID | None,
) -> bool:
    """Store a schedule; False when its dedupe key or an active one for the record exists."""
    inserted = await conn.fetchval(
        "INSERT INTO schedules (id, dedupe_key, purpose, kind, entity_kind, entity_id, anchor,"
        "   stops_at, stops_when, script, team, assignee, customer_id, assignee_from_roster,"
        "   status, next_at, branch_id, correlation_id, created_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,"
        "   $18, kefu_now(), kefu_now())"
        " ON CONFLICT DO NOTHING RETURNING true",
        id,
        dedupe_key,
        purpose,
        kind,
        entity_kind,
        entity_id,
        anchor,
        stops_at,
        stops_when,
        script,
        team,
        assignee,
        customer_id,
        assignee_from_roster,
        status,
        next_at,
        branch_id,
        correlation_id,
    )
    return bool(inserted)


async def get_schedule(conn: asyncpg.Connection, *, schedule_id: str) -> asyncpg.Record | None:
    """One schedule, locked for the caller's transaction."""
    return await conn.fetchrow("SELECT * FROM schedules WHERE id = $1 FOR UPDATE", schedule_id)


async def advance_schedule(
    conn: asyncpg.Connection, *, schedule_id: str, next_at: datetime | None
) -> None:
    """Move a schedule to its next occurrence, or end it."""
    await conn.execute(
        "UPDATE schedules SET next_at = $2, updated_at = kefu_now(),"
        "   status = CASE WHEN $2::timestamptz IS NULL THEN 'ended' ELSE status END"
        " WHERE id = $1",
        schedule_id,
        next_at,
    )


async def cancel_schedules(
    conn: asyncpg.Connection, *, entity_kind: str, entity_id: str, purposes: Sequence[str]
) -> list[str]:
    """Stop the active schedules of these purposes for a record; returns their ids."""
    rows = await conn.fetch(
        "UPDATE schedules SET status = 'cancelled', next_at = NULL, updated_at = kefu_now()"
        " WHERE entity_kind = $1 AND entity_id = $2 AND purpose = ANY($3::text[])"
        "   AND status = 'active' RETURNING id",
        entity_kind,
        entity_id,
        list(purposes),
    )
    return [r["id"] for r in rows]


async def list_schedules(conn: asyncpg.Connection, *, entity_id: str) -> list[asyncpg.Record]:
    """The schedules of a record, oldest first."""
    return await conn.fetch(
        "SELECT id, purpose, kind, entity_kind, entity_id, anchor, stops_at, stops_when, team,"
        "   assignee, status, next_at, created_at FROM schedules"
        " WHERE entity_id = $1 ORDER BY created_at, id",
        entity_id,
    )


# --- timers the service owns, in bulk ----------------------------------------------------------
async def cancel_timers(conn: asyncpg.Connection, *, kind: str, keys: Sequence[str]) -> int:
    """Remove the timers of these keys (tasks cancelled, schedules stopped)."""
    if not keys:
        return 0
    status = await conn.execute(
        "DELETE FROM timers WHERE kind = $1 AND key = ANY($2::text[])", kind, list(keys)
    )
    return int(status.split()[-1])
