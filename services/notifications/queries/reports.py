"""The service-level report's figures, counted by Postgres in one statement per subject."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import asyncpg


async def callback_levels(
    conn: asyncpg.Connection,
    *,
    start: datetime,
    end: datetime,
    grace_purposes: Sequence[str],
    graces: Sequence[timedelta],
    branch: str | None = None,
) -> list[asyncpg.Record]:
    """Callbacks created and completed (late, given up) in [start, end), open and overdue now
    (of one branch when given): one row per purpose, one per team, and the total
    (`by_purpose`/`by_team` both false)."""
    return await conn.fetch(
        "SELECT GROUPING(c.purpose) = 0 AS by_purpose, GROUPING(c.team) = 0 AS by_team,"
        "   c.purpose, c.team,"
        "   count(*) FILTER (WHERE c.created_at >= $1 AND c.created_at < $2) AS created,"
        "   count(*) FILTER (WHERE c.status IN ('scheduled', 'due', 'overdue')) AS open,"
        "   count(*) FILTER (WHERE c.status = 'overdue') AS overdue,"
        "   count(*) FILTER (WHERE c.status IN ('done', 'given_up')"
        "     AND c.closed_at >= $1 AND c.closed_at < $2) AS completed,"
        "   count(*) FILTER (WHERE c.status IN ('done', 'given_up')"
        "     AND c.closed_at >= $1 AND c.closed_at < $2"
        "     AND c.closed_at > c.due_at + coalesce(g.grace, interval '0')) AS completed_late,"
        "   count(*) FILTER (WHERE c.status = 'given_up'"
        "     AND c.closed_at >= $1 AND c.closed_at < $2) AS given_up"
        " FROM callbacks c"
        " LEFT JOIN unnest($3::text[], $4::interval[]) AS g(purpose, grace)"
        "   ON g.purpose = c.purpose"
        " WHERE ($5::text IS NULL OR c.branch_id = $5::text)"
        "   AND (c.status IN ('scheduled', 'due', 'overdue')"
        "     OR (c.status IN ('done', 'given_up') AND c.closed_at >= $1 AND c.closed_at < $2)"
        "     OR (c.created_at >= $1 AND c.created_at < $2))"
        " GROUP BY GROUPING SETS ((c.purpose), (c.team), ())"
        " ORDER BY by_purpose, by_team, c.purpose, c.team NULLS LAST",
        start,
        end,
        list(grace_purposes),
        list(graces),
        branch,
    )


async def message_levels(
    conn: asyncpg.Connection,
    *,
    start: datetime,
    end: datetime,
    late_before: datetime,
    branch: str | None = None,
) -> list[asyncpg.Record]:
    """Messages sent and failed for good in [start, end), and still queued with a send time
    before `late_before` (of one branch when given): one row per channel and the total
    (`by_channel` false)."""
    return await conn.fetch(
        "SELECT GROUPING(channel) = 0 AS by_channel, channel,"
        "   count(*) FILTER (WHERE status = 'sent' AND sent_at >= $1 AND sent_at < $2) AS sent,"
        "   count(*) FILTER (WHERE status = 'failed'"
        "     AND updated_at >= $1 AND updated_at < $2) AS failed,"
        "   count(*) FILTER (WHERE status = 'queued' AND send_at < $3) AS queued_late"
        " FROM messages"
        " WHERE ($4::text IS NULL OR branch_id = $4::text)"
        "   AND ((status = 'sent' AND sent_at >= $1 AND sent_at < $2)"
        "     OR (status = 'failed' AND updated_at >= $1 AND updated_at < $2)"
        "     OR (status = 'queued' AND send_at < $3))"
        " GROUP BY GROUPING SETS ((channel), ())"
        " ORDER BY by_channel, channel",
        start,
        end,
        late_before,
        branch,
    )
