"""Staff accounts."""

from __future__ import annotations

from datetime import datetime

import asyncpg

STAFF_COLUMNS = (
    "username, password_hash, role, branch, region, department, team, disabled, created_at"
)


async def get_staff(conn: asyncpg.Connection, *, username: str) -> asyncpg.Record | None:
    """One account by name."""
    return await conn.fetchrow(f"SELECT {STAFF_COLUMNS} FROM staff WHERE username = $1", username)


async def insert_staff(
    conn: asyncpg.Connection,
    *,
    username: str,
    password_hash: str | None,
    role: str,
    branch: str | None,
    region: str | None,
    department: str | None,
    team: str | None,
    at: datetime,
) -> bool:
    """Add an account; False when the name is taken."""
    status = await conn.execute(
        "INSERT INTO staff (username, password_hash, role, branch, region, department, team,"
        " created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)"
        " ON CONFLICT (username) DO NOTHING",
        username,
        password_hash,
        role,
        branch,
        region,
        department,
        team,
        at,
    )
    return bool(status == "INSERT 0 1")


async def set_password(
    conn: asyncpg.Connection, *, username: str, password_hash: str, at: datetime
) -> bool:
    """Replace an account's password hash; False when there is no such account."""
    status = await conn.execute(
        "UPDATE staff SET password_hash = $2, updated_at = $3 WHERE username = $1",
        username,
        password_hash,
        at,
    )
    return bool(status == "UPDATE 1")
