"""Sessions, found by the hash of their cookie value."""

from __future__ import annotations

from datetime import datetime

import asyncpg


async def insert_session(
    conn: asyncpg.Connection,
    *,
    token_hash: bytes,
    username: str,
    csrf_token: str,
    address: str,
    user_agent: str,
    at: datetime,
    expires_at: datetime,
) -> None:
    """Open a session."""
    await conn.execute(
        "INSERT INTO sessions (token_hash, username, csrf_token, address, user_agent,"
        " created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $6, $7)",
        token_hash,
        username,
        csrf_token,
        address,
        user_agent,
        at,
        expires_at,
    )


async def get_session(conn: asyncpg.Connection, *, token_hash: bytes) -> asyncpg.Record | None:
    """An open session with its account (ended sessions and disabled accounts are not found)."""
    return await conn.fetchrow(
        "SELECT s.csrf_token, s.created_at, s.last_seen_at, s.expires_at,"
        " a.username, a.role, a.branch, a.region, a.department, a.team"
        " FROM sessions s JOIN staff a USING (username)"
        " WHERE s.token_hash = $1 AND s.ended_at IS NULL AND NOT a.disabled",
        token_hash,
    )


async def touch_session(
    conn: asyncpg.Connection, *, token_hash: bytes, at: datetime, expires_at: datetime
) -> None:
    """Record a use of the session and its new expiry."""
    await conn.execute(
        "UPDATE sessions SET last_seen_at = $2, expires_at = $3"
        " WHERE token_hash = $1 AND ended_at IS NULL",
        token_hash,
        at,
        expires_at,
    )


async def end_session(
    conn: asyncpg.Connection, *, token_hash: bytes, at: datetime, reason: str
) -> bool:
    """End a session (signed out or expired); False when it was already over."""
    status = await conn.execute(
        "UPDATE sessions SET ended_at = $2, ended_by = $3"
        " WHERE token_hash = $1 AND ended_at IS NULL",
        token_hash,
        at,
        reason,
    )
    return bool(status == "UPDATE 1")


async def prune_sessions(conn: asyncpg.Connection, *, before: datetime) -> int:
    """Forget sessions that ended or expired before a time; how many."""
    status = await conn.execute(
        "DELETE FROM sessions WHERE coalesce(ended_at, expires_at) < $1",
        before,
    )
    return int(status.split()[-1])
