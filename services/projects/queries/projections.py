"""SQL for the projections of other services' events: complaints, callbacks."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import asyncpg


async def insert_complaint(
    conn: asyncpg.Connection, *, complaint_id: str, project_id: str, opened_at: datetime, month: str
) -> None:
    """Count a complaint about a project once."""
    await conn.execute(
        "INSERT INTO project_complaints (complaint_id, project_id, opened_at, month)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (complaint_id) DO NOTHING",
        complaint_id,
        project_id,
        opened_at,
        month,
    )


async def complaint_counts(conn: asyncpg.Connection, *, month: str) -> list[asyncpg.Record]:
    """Complaints per project opened in a month."""
    return await conn.fetch(
        "SELECT project_id, count(*) AS n FROM project_complaints WHERE month = $1"
        " GROUP BY project_id",
        month,
    )


async def upsert_callback_scheduled(
    conn: asyncpg.Connection,
    *,
    callback_id: str,
    project_id: str,
    purpose: str,
    stage: str | None,
    due_at: datetime,
    project_manager: str | None,
    version: int,
) -> None:
    """Record a scheduled callback; older versions and completed ones are not overwritten."""
    await conn.execute(
        "INSERT INTO project_callbacks (callback_id, project_id, purpose, stage, due_at,"
        " project_manager, version) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (callback_id) DO UPDATE SET purpose = EXCLUDED.purpose,"
        " stage = EXCLUDED.stage, due_at = EXCLUDED.due_at,"
        " project_manager = EXCLUDED.project_manager, version = EXCLUDED.version"
        " WHERE project_callbacks.version < EXCLUDED.version AND NOT project_callbacks.completed",
        callback_id,
        project_id,
        purpose,
        stage,
        due_at,
        project_manager,
        version,
    )


async def upsert_callback_completed(
    conn: asyncpg.Connection,
    *,
    callback_id: str,
    project_id: str,
    purpose: str,
    stage: str | None,
    due_at: datetime,
    project_manager: str | None,
    version: int,
    reached: bool,
    satisfaction: int | None,
    ratings: dict[str, int],
    completed_at: datetime,
    month: str,
) -> None:
    """Record a callback's final outcome unless a newer outcome is already held."""
    await conn.execute(
        "INSERT INTO project_callbacks (callback_id, project_id, purpose, stage, due_at,"
        " project_manager, version, completed, reached, satisfaction, ratings, completed_at, month)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, true, $8, $9, $10::jsonb, $11, $12)"
        " ON CONFLICT (callback_id) DO UPDATE SET purpose = EXCLUDED.purpose,"
        " stage = EXCLUDED.stage, due_at = EXCLUDED.due_at,"
        " project_manager = EXCLUDED.project_manager, version = EXCLUDED.version,"
        " completed = true, reached = EXCLUDED.reached, satisfaction = EXCLUDED.satisfaction,"
        " ratings = EXCLUDED.ratings, completed_at = EXCLUDED.completed_at, month = EXCLUDED.month"
        " WHERE project_callbacks.version < EXCLUDED.version OR NOT project_callbacks.completed",
        callback_id,
        project_id,
        purpose,
        stage,
        due_at,
        project_manager,
        version,
        reached,
        satisfaction,
        json.dumps(ratings),
        completed_at,
        month,
    )


async def satisfaction_in_month(conn: asyncpg.Connection, *, month: str) -> list[asyncpg.Record]:
    """Satisfaction scores (1–5) of project callbacks completed in a month."""
    return await conn.fetch(
        "SELECT project_id, array_agg(satisfaction ORDER BY completed_at, callback_id) AS scores"
        " FROM project_callbacks WHERE completed AND month = $1 AND satisfaction IS NOT NULL"
        " GROUP BY project_id",
        month,
    )


async def ratings_in_month(conn: asyncpg.Connection, *, month: str) -> list[asyncpg.Record]:
    """Ratings by role of project callbacks completed in a month, with who holds each role."""
    return await conn.fetch(
        "SELECT c.project_id, c.ratings, p.designer, p.project_manager,"
        "  p.state->>'supervisor' AS supervisor, p.state->>'foreman' AS foreman"
        " FROM project_callbacks c JOIN projects p ON p.id = c.project_id"
        " WHERE c.completed AND c.month = $1 AND c.ratings <> '{}'::jsonb"
        " ORDER BY c.completed_at, c.callback_id",
        month,
    )


async def callbacks_of(
    conn: asyncpg.Connection, *, project_ids: Sequence[str]
) -> list[asyncpg.Record]:
    """Every known callback of the given projects (scheduled and completed)."""
    return await conn.fetch(
        "SELECT project_id, purpose, stage, completed FROM project_callbacks"
        " WHERE project_id = ANY($1::text[])",
        list(project_ids),
    )
