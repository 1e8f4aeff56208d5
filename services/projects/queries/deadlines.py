"""SQL for the deadlines each stage carries."""

from __future__ import annotations

from datetime import date, datetime

import asyncpg


async def upsert_deadline(
    conn: asyncpg.Connection,
    *,
    project_id: str,
    deadline: str,
    started_at: datetime,
    due_at: datetime,
    due_on: date,
) -> None:
    """Start (or restart) a deadline's clock."""
    await conn.execute(
        "INSERT INTO deadlines (project_id, deadline, started_at, due_at, due_on)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (project_id, deadline) DO UPDATE SET"
        " started_at = EXCLUDED.started_at, due_at = EXCLUDED.due_at, due_on = EXCLUDED.due_on,"
        " satisfied_at = NULL, missed_at = NULL",
        project_id,
        deadline,
        started_at,
        due_at,
        due_on,
    )


async def get_deadline(
    conn: asyncpg.Connection, *, project_id: str, deadline: str
) -> asyncpg.Record | None:
    """One deadline of a project."""
    return await conn.fetchrow(
        "SELECT deadline, started_at, due_at, due_on, satisfied_at, missed_at FROM deadlines"
        " WHERE project_id = $1 AND deadline = $2",
        project_id,
        deadline,
    )


async def satisfy_deadline(
    conn: asyncpg.Connection, *, project_id: str, deadline: str, at: datetime
) -> bool:
    """Record the fact that meets a deadline (the first one counts)."""
    status = await conn.execute(
        "UPDATE deadlines SET satisfied_at = $3 WHERE project_id = $1 AND deadline = $2"
        " AND satisfied_at IS NULL",
        project_id,
        deadline,
        at,
    )
    return status == "UPDATE 1"


async def mark_deadline_missed(
    conn: asyncpg.Connection, *, project_id: str, deadline: str, at: datetime
) -> None:
    """Record that a deadline's bound passed without its fact."""
    await conn.execute(
        "UPDATE deadlines SET missed_at = $3 WHERE project_id = $1 AND deadline = $2",
        project_id,
        deadline,
        at,
    )


async def deadlines_of(conn: asyncpg.Connection, *, project_id: str) -> list[asyncpg.Record]:
    """A project's deadlines in the order they started."""
    return await conn.fetch(
        "SELECT deadline, started_at, due_at, due_on, satisfied_at, missed_at FROM deadlines"
        " WHERE project_id = $1 ORDER BY started_at, deadline",
        project_id,
    )


async def deadlines_due(
    conn: asyncpg.Connection, *, first: date, last: date, branch_id: str | None
) -> list[asyncpg.Record]:
    """Deadlines whose last on-time day lies in [first, last], with their project's branch and
    people (one branch's only when given)."""
    return await conn.fetch(
        "SELECT d.project_id, d.deadline, d.due_at, d.due_on, d.satisfied_at, p.branch_id,"
        " p.designer, p.project_manager FROM deadlines d JOIN projects p ON p.id = d.project_id"
        " WHERE d.due_on BETWEEN $1 AND $2 AND ($3::text IS NULL OR p.branch_id = $3)"
        " ORDER BY d.due_on, d.project_id, d.deadline",
        first,
        last,
        branch_id,
    )
