"""Sign-in attempts: written for every try, read by the throttle."""

from __future__ import annotations

from datetime import datetime

import asyncpg

FAILED = ("bad_password", "unknown_user", "disabled")


async def insert_attempt(
    conn: asyncpg.Connection, *, username: str, address: str, at: datetime, outcome: str
) -> None:
    """Record one sign-in attempt and how it ended."""
    await conn.execute(
        "INSERT INTO login_attempts (username, address, at, outcome) VALUES ($1, $2, $3, $4)",
        username,
        address,
        at,
        outcome,
    )


async def user_failures(
    conn: asyncpg.Connection, *, username: str, since: datetime, limit: int
) -> list[datetime]:
    """The user's latest failed attempts since `since` and since their last success."""
    rows = await conn.fetch(
        "SELECT at FROM login_attempts"
        " WHERE username = $1 AND at > $2 AND outcome = ANY($3::text[])"
        "   AND at > coalesce((SELECT max(at) FROM login_attempts"
        "                      WHERE username = $1 AND outcome = 'ok' AND at > $2), $2)"
        " ORDER BY at DESC LIMIT $4",
        username,
        since,
        list(FAILED),
        limit,
    )
    return [r["at"] for r in rows]


async def address_failures(
    conn: asyncpg.Connection, *, address: str, since: datetime, limit: int
) -> list[datetime]:
    """The latest failed attempts from an address since `since` (any account)."""
    rows = await conn.fetch(
        "SELECT at FROM login_attempts"
        " WHERE address = $1 AND at > $2 AND outcome = ANY($3::text[])"
        " ORDER BY at DESC LIMIT $4",
        address,
        since,
        list(FAILED),
        limit,
    )
    return [r["at"] for r in rows]


async def lock_username(conn: asyncpg.Connection, *, username: str) -> None:
    """Serialise sign-ins of one account across replicas until the transaction ends, so two
    concurrent guesses cannot both slip under the throttle."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('console.sign_in:' || $1))", username)


async def prune_attempts(conn: asyncpg.Connection, *, before: datetime) -> int:
    """Forget sign-in attempts older than a time (the throttle and the audit are done with
    them); how many."""
    status = await conn.execute("DELETE FROM login_attempts WHERE at < $1", before)
    return int(status.split()[-1])
