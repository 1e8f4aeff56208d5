"""Revoked customer links: written by `kefu link revoke`, read on every opening of a link."""

from __future__ import annotations

from datetime import datetime

import asyncpg


async def revoked_at(conn: asyncpg.Connection, *, subject: str, audience: str) -> datetime | None:
    """When this record's links for this audience were last revoked (None: never)."""
    found: datetime | None = await conn.fetchval(
        "SELECT revoked_at FROM link_revocations WHERE subject = $1 AND audience = $2",
        subject,
        audience,
    )
    return found


async def revoke(
    conn: asyncpg.Connection,
    *,
    subject: str,
    audience: str,
    at: datetime,
    by: str,
    reason: str,
) -> None:
    """Revoke every link to the record for the audience issued until `at`."""
    await conn.execute(
        "INSERT INTO link_revocations (subject, audience, revoked_at, revoked_by, reason)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subject, audience) DO UPDATE"
        " SET revoked_at = excluded.revoked_at, revoked_by = excluded.revoked_by,"
        "     reason = excluded.reason",
        subject,
        audience,
        at,
        by,
        reason,
    )
