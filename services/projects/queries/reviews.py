"""SQL for reviews, inspections and the rating's rewards and penalties."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg


async def insert_review(
    conn: asyncpg.Connection, *, review_id: str, project_id: str, status: str, state: dict[str, Any]
) -> None:
    """Store a submitted review."""
    await conn.execute(
        "INSERT INTO reviews (id, project_id, status, version, state)"
        " VALUES ($1, $2, $3, 1, $4::jsonb)",
        review_id,
        project_id,
        status,
        json.dumps(state),
    )


async def get_review(conn: asyncpg.Connection, *, review_id: str) -> asyncpg.Record | None:
    """One review row."""
    return await conn.fetchrow(
        "SELECT id, project_id, status, version, state FROM reviews WHERE id = $1", review_id
    )


async def update_review(
    conn: asyncpg.Connection,
    *,
    review_id: str,
    expected_version: int,
    status: str,
    state: dict[str, Any],
) -> bool:
    """Write a review's new state if nobody changed it meanwhile."""
    result = await conn.execute(
        "UPDATE reviews SET status = $3, state = $4::jsonb, version = version + 1"
        " WHERE id = $1 AND version = $2",
        review_id,
        expected_version,
        status,
        json.dumps(state),
    )
    return result == "UPDATE 1"


async def insert_inspection(
    conn: asyncpg.Connection,
    *,
    inspection_id: str,
    project_id: str,
    inspector: str,
    at: datetime,
    month: str,
    quality: int,
    progress: int,
    tidiness: int,
    problems: Sequence[str],
) -> None:
    """Store a quality inspection."""
    await conn.execute(
        "INSERT INTO inspections (id, project_id, inspector, at, month, quality, progress,"
        " tidiness, problems) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)",
        inspection_id,
        project_id,
        inspector,
        at,
        month,
        quality,
        progress,
        tidiness,
        json.dumps(list(problems)),
    )


async def inspections_in_month(conn: asyncpg.Connection, *, month: str) -> list[asyncpg.Record]:
    """Every inspection of a month (YYYY-MM, Shanghai time)."""
    return await conn.fetch(
        "SELECT project_id, inspector, at, quality, progress, tidiness, problems"
        " FROM inspections WHERE month = $1 ORDER BY project_id, at",
        month,
    )


async def insert_award(
    conn: asyncpg.Connection,
    *,
    month: str,
    project_id: str,
    kind: str,
    amount_fen: int,
    person: str | None,
    reason: str,
    decided_by: str,
    at: datetime,
) -> bool:
    """Record a reward or penalty; False when the project already has one for the month."""
    status = await conn.execute(
        "INSERT INTO rating_awards (month, project_id, kind, amount_fen, person, reason,"
        " decided_by, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT (month, project_id) DO NOTHING",
        month,
        project_id,
        kind,
        amount_fen,
        person,
        reason,
        decided_by,
        at,
    )
    return status == "INSERT 0 1"


async def awards_in_month(conn: asyncpg.Connection, *, month: str) -> list[asyncpg.Record]:
    """The month's rewards and penalties, in the order decided."""
    return await conn.fetch(
        "SELECT month, project_id, kind, amount_fen, person, reason, decided_by, at"
        " FROM rating_awards WHERE month = $1 ORDER BY at, project_id",
        month,
    )
