"""The inbox: one effect per (consumer, message) however often it is delivered (§4.2)."""

from __future__ import annotations

import asyncpg

from shared.db import text_literal

CLAIMED = "INSERT 0 1"  # the status of claim_sql when the message is new


async def claim(conn: asyncpg.Connection, consumer: str, key: str) -> bool:
    """Claim a message in the caller's transaction; False means it was handled before."""
    row = await conn.fetchval(
        "INSERT INTO inbox (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1",
        consumer,
        key,
    )
    return row is not None


async def claim_many(conn: asyncpg.Connection, consumer: str, keys: list[str]) -> set[str]:
    """Claim a batch set-wise; return the keys that were new."""
    rows = await conn.fetch(
        "INSERT INTO inbox (consumer, event_id) SELECT $1, k FROM unnest($2::text[]) AS k"
        " ON CONFLICT DO NOTHING RETURNING event_id",
        consumer,
        keys,
    )
    return {r["event_id"] for r in rows}


def claim_sql(consumer: str, key: str) -> str:
    """The claim as one simple-protocol statement, to be sent with BEGIN in one round trip."""
    return (
        f"INSERT INTO inbox (consumer, event_id) VALUES ({text_literal(consumer)},"
        f" {text_literal(key)}) ON CONFLICT DO NOTHING"
    )
