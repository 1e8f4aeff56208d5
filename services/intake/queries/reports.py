"""SQL for the weekly complaint report and the report's recurring timer."""

from __future__ import annotations

from datetime import datetime

import asyncpg


async def report_rows(
    conn: asyncpg.Connection, *, start: datetime, end: datetime
) -> list[asyncpg.Record]:
    """Complaints that can count in [start, end): opened before its end and not settled before
    its start, each with its category, the times it was escalated and its latest recorded
    cause."""
    return await conn.fetch(
        "SELECT c.department, c.category, c.status, c.opened_at, c.resolved_at,"
        "  coalesce(array_agg(e.at ORDER BY e.at) FILTER (WHERE e.at IS NOT NULL), '{}')"
        "    AS escalated_at,"
        "  (SELECT k.cause FROM intake.complaint_causes k WHERE k.complaint_id = c.id"
        "    ORDER BY k.id DESC LIMIT 1) AS cause"
        " FROM intake.complaints c"
        " LEFT JOIN intake.complaint_escalations e ON e.complaint_id = c.id"
        " WHERE c.opened_at < $2"
        "   AND (c.status NOT IN ('resolved', 'closed') OR c.resolved_at >= $1)"
        " GROUP BY c.id",
        start,
        end,
    )


async def seed_timer(conn: asyncpg.Connection, *, kind: str, key: str, due_at: datetime) -> bool:
    """Create a timer unless it exists (a recurring schedule is never moved by a restart)."""
    return bool(
        await conn.fetchval(
            "INSERT INTO intake.timers (kind, key, due_at) VALUES ($1, $2, $3)"
            " ON CONFLICT (kind, key) DO NOTHING RETURNING true",
            kind,
            key,
            due_at,
        )
    )


async def count_unclosed(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Complaints not closed, counted by severity and department."""
    return await conn.fetch(
        "SELECT severity, department, count(*) AS n FROM intake.complaints"
        " WHERE status <> 'closed' GROUP BY severity, department"
    )
