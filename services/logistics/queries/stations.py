"""SQL of the stations' evaluation: the violations register and the monthly scorecard."""

from __future__ import annotations

from datetime import datetime

import asyncpg
from asyncpg import Record as Row


async def insert_violation(
    conn: asyncpg.Connection,
    *,
    violation_id: str,
    branch: str,
    region: str,
    kind: str,
    note: str,
    waybill: str | None,
    staff: str | None,
    by: str,
    at: datetime,
) -> None:
    """Register a breach of a prohibition."""
    await conn.execute(
        "INSERT INTO logistics.violations"
        " (violation_id, branch, region, kind, note, waybill, staff, by, at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        violation_id,
        branch,
        region,
        kind,
        note,
        waybill,
        staff,
        by,
        at,
    )


async def violations_between(
    conn: asyncpg.Connection,
    *,
    start: datetime,
    end: datetime,
    branch: str | None,
    region: str | None,
    after: tuple[datetime, str] | None = None,
    limit: int | None = None,
) -> list[Row]:
    """Violations in [start, end), newest first (keyset on at, violation_id when paged)."""
    return await conn.fetch(
        "SELECT * FROM logistics.violations"
        " WHERE at >= $1 AND at < $2 AND ($3::text IS NULL OR branch = $3)"
        "   AND ($4::text IS NULL OR region = $4)"
        "   AND ($5::timestamptz IS NULL OR (at, violation_id) < ($5, $6::uuid))"
        " ORDER BY at DESC, violation_id DESC LIMIT $7",
        start,
        end,
        branch,
        region,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
