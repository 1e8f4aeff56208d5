"""The sign-in audit: failures per user and per address, open sessions."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.console.queries.attempts import FAILED


async def failures_by_user(
    conn: asyncpg.Connection, *, since: datetime, limit: int
) -> list[asyncpg.Record]:
    """Failed attempts per account name since a time, most first."""
    return await conn.fetch(
        "SELECT username, count(*) AS failures, count(DISTINCT address) AS addresses,"
        " max(at) AS last_at FROM login_attempts"
        " WHERE at >= $1 AND outcome = ANY($2::text[])"
        " GROUP BY username ORDER BY failures DESC, username LIMIT $3",
        since,
        list(FAILED),
        limit,
    )


async def failures_by_address(
    conn: asyncpg.Connection, *, since: datetime, limit: int
) -> list[asyncpg.Record]:
    """Failed attempts per address since a time, most first."""
    return await conn.fetch(
        "SELECT address, count(*) AS failures, count(DISTINCT username) AS usernames,"
        " max(at) AS last_at FROM login_attempts"
        " WHERE at >= $1 AND outcome = ANY($2::text[])"
        " GROUP BY address ORDER BY failures DESC, address LIMIT $3",
        since,
        list(FAILED),
        limit,
    )


async def open_sessions(
    conn: asyncpg.Connection, *, now: datetime, limit: int
) -> list[asyncpg.Record]:
    """Sessions not ended nor expired, most recently used first."""
    return await conn.fetch(
        "SELECT s.username, a.role, s.address, s.user_agent, s.created_at, s.last_seen_at,"
        " s.expires_at FROM sessions s JOIN staff a USING (username)"
        " WHERE s.ended_at IS NULL AND s.expires_at > $1"
        " ORDER BY s.last_seen_at DESC LIMIT $2",
        now,
        limit,
    )
