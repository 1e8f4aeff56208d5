"""Dead letters: written by the platform, listed and replayed by `kefu dlq` (ARCHITECTURE.md §4)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from uuid import uuid4

import asyncpg
from nats.js import JetStreamContext
from prometheus_client import Counter

DEAD_LETTERS = Counter(
    "kefu_dead_letters_total", "Messages moved to dead letters", ["service", "consumer", "reason"]
)


async def write(
    conn: asyncpg.Connection,
    *,
    service: str,
    consumer: str,
    subject: str,
    headers: dict[str, Any] | None,
    body: bytes,
    error: str,
    deliveries: int,
    stream_seq: int | None,
    reason: str,
) -> bool:
    """Record a dead letter once per (consumer, stream sequence); return whether it was new."""
    row = await conn.fetchval(
        "INSERT INTO dead_letters (consumer, subject, headers, body, error, deliveries, stream_seq)"
        " VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7)"
        " ON CONFLICT (consumer, stream_seq) WHERE stream_seq IS NOT NULL DO NOTHING RETURNING id",
        consumer,
        subject,
        json.dumps(headers or {}),
        body,
        error[:4000],
        deliveries,
        stream_seq,
    )
    if row is not None:
        DEAD_LETTERS.labels(service, consumer, reason).inc()
    return row is not None


async def list_(conn: asyncpg.Connection, schema: str, limit: int = 50) -> list[asyncpg.Record]:
    """The newest dead letters of one service schema."""
    return await conn.fetch(
        f"SELECT id, consumer, subject, deliveries, error, created_at, replayed_at"
        f" FROM {schema}.dead_letters ORDER BY id DESC LIMIT $1",
        limit,
    )


async def show(conn: asyncpg.Connection, schema: str, dl_id: int) -> asyncpg.Record | None:
    """One dead letter with its body and headers."""
    return await conn.fetchrow(f"SELECT * FROM {schema}.dead_letters WHERE id = $1", dl_id)


def subject_regex(pattern: str) -> str:
    """A NATS subject pattern (`complaint.*`, `repair.>`) as an anchored regular expression."""
    tokens = []
    for i, token in enumerate(pattern.split(".")):
        if token == ">" and i == len(pattern.split(".")) - 1:
            tokens.append(".+")
        elif token == "*":
            tokens.append("[^.]+")
        else:
            tokens.append(re.escape(token))
    return "^" + r"\.".join(tokens) + "$"


async def select(
    conn: asyncpg.Connection,
    schema: str,
    *,
    subject: str | None = None,
    since: datetime | None = None,
) -> list[asyncpg.Record]:
    """Dead letters not replayed yet, oldest first: all, or those of a subject pattern, or
    those written since a time."""
    return await conn.fetch(
        f"SELECT id, consumer, subject, created_at FROM {schema}.dead_letters"
        " WHERE replayed_at IS NULL AND ($1::text IS NULL OR subject ~ $1)"
        " AND ($2::timestamptz IS NULL OR created_at >= $2) ORDER BY id",
        subject_regex(subject) if subject else None,
        since,
    )


async def replay(conn: asyncpg.Connection, js: JetStreamContext, schema: str, dl_id: int) -> str:
    """Publish a dead letter again to its subject; consumers that handled it skip it (inbox)."""
    row = await show(conn, schema, dl_id)
    if row is None:
        raise LookupError(f"no dead letter {dl_id} in {schema}")
    headers = {k: str(v) for k, v in json.loads(row["headers"] or "{}").items()}
    original = headers.get("Kefu-Original-Msg-Id") or headers.get("Nats-Msg-Id") or ""
    headers["Kefu-Original-Msg-Id"] = original
    # A fresh Nats-Msg-Id: the original one may still be inside the duplicate window.
    headers["Nats-Msg-Id"] = f"replay-{uuid4()}"
    await js.publish(row["subject"], bytes(row["body"]), headers=headers)
    await conn.execute(f"UPDATE {schema}.dead_letters SET replayed_at = now() WHERE id = $1", dl_id)
    return str(row["subject"])
