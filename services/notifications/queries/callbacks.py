"""Callback tasks and the calls made on them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from services.notifications.queries.common import CALLBACK_COLUMNS, OPEN_STATUSES


# --- callbacks -------------------------------------------------------------------------------
async def insert_callback(
    conn: asyncpg.Connection,
    *,
    id: str,
    dedupe_key: str,
    purpose: str,
    stage: str | None,
    entity_kind: str,
    entity_id: str,
    customer_id: str | None,
    due_at: datetime,
    assignee: str | None,
    team: str | None,
    level: str | None,
    script: str,
    project_manager: str | None,
    assignee_from_roster: str | None,
    schedule_id: str | None,
    branch_id: str | None,
    correlation_id: UUID | None,
    cause_event_id: UUID | None,
) -> bool:
    """Store a new callback task; False when its dedupe key already made one."""
    inserted = await conn.fetchval(
        "INSERT INTO callbacks (id, dedupe_key, purpose, stage, entity_kind, entity_id,"
        "   customer_id, due_at, status, assignee, team, level, script, project_manager,"
        "   assignee_from_roster, schedule_id, branch_id, correlation_id, cause_event_id,"
        "   created_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'scheduled', $9, $10, $11, $12, $13, $14,"
        "   $15, $16, $17, $18, kefu_now(), kefu_now())"
        " ON CONFLICT (dedupe_key) DO NOTHING RETURNING true",
        id,
        dedupe_key,
        purpose,
        stage,
        entity_kind,
        entity_id,
        customer_id,
        due_at,
        assignee,
        team,
        level,
        script,
        project_manager,
        assignee_from_roster,
        schedule_id,
        branch_id,
        correlation_id,
        cause_event_id,
    )
    return bool(inserted)


async def get_callback(
    conn: asyncpg.Connection, *, callback_id: str, for_update: bool = False
) -> asyncpg.Record | None:
    """One callback task (locked for the caller's transaction when asked)."""
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(
        f"SELECT {CALLBACK_COLUMNS} FROM callbacks WHERE id = $1{lock}", callback_id
    )


async def get_callback_card(conn: asyncpg.Connection, *, callback_id: str) -> asyncpg.Record | None:
    """One callback task with its customer from the contact book."""
    return await conn.fetchrow(
        f"SELECT c.*, k.name AS customer_name, k.phone AS customer_phone"
        f" FROM (SELECT {CALLBACK_COLUMNS} FROM callbacks WHERE id = $1) c"
        " LEFT JOIN contacts k ON k.kind = 'customer' AND k.contact_id = c.customer_id",
        callback_id,
    )


async def save_callback(
    conn: asyncpg.Connection,
    *,
    callback_id: str,
    status: str,
    due_at: datetime,
    attempts: int,
    level: str | None,
    version: int,
    closed: bool,
) -> None:
    """Write what a rule changed on a callback (status, due time, attempts, level)."""
    await conn.execute(
        "UPDATE callbacks SET status = $2, due_at = $3, attempts = $4, level = $5,"
        "   version = $6, updated_at = kefu_now(),"
        "   closed_at = CASE WHEN $7 THEN kefu_now() ELSE NULL END"
        " WHERE id = $1",
        callback_id,
        status,
        due_at,
        attempts,
        level,
        version,
        closed,
    )


async def cancel_callbacks(
    conn: asyncpg.Connection, *, entity_kind: str, entity_id: str, purposes: Sequence[str]
) -> list[str]:
    """Cancel the open tasks of these purposes for a record; returns their ids."""
    rows = await conn.fetch(
        "UPDATE callbacks SET status = 'cancelled', version = version + 1,"
        "   updated_at = kefu_now(), closed_at = kefu_now()"
        " WHERE entity_kind = $1 AND entity_id = $2 AND purpose = ANY($3::text[])"
        "   AND status = ANY($4::text[])"
        " RETURNING id",
        entity_kind,
        entity_id,
        list(purposes),
        OPEN_STATUSES,
    )
    return [r["id"] for r in rows]


async def insert_outcome(
    conn: asyncpg.Connection,
    *,
    callback_id: str,
    attempt: int,
    reached: bool,
    satisfied: bool | None,
    satisfaction: int | None,
    ratings: dict[str, int],
    comment: str | None,
    recorded_by: str | None,
) -> None:
    """Record one call made on a callback."""
    await conn.execute(
        "INSERT INTO callback_outcomes (callback_id, attempt, reached, satisfied, satisfaction,"
        "   ratings, comment, recorded_by, at)"
        " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, kefu_now())",
        callback_id,
        attempt,
        reached,
        satisfied,
        satisfaction,
        json.dumps(ratings),
        comment,
        recorded_by,
    )


async def list_outcomes(conn: asyncpg.Connection, *, callback_id: str) -> list[asyncpg.Record]:
    """The calls made on a callback, in order."""
    return await conn.fetch(
        "SELECT attempt, reached, satisfied, satisfaction, ratings, comment, recorded_by, at"
        " FROM callback_outcomes WHERE callback_id = $1 ORDER BY attempt",
        callback_id,
    )


async def list_callbacks(
    conn: asyncpg.Connection,
    *,
    purpose: str | None,
    entity_id: str | None,
    status: str | None,
    assignee: str | None,
    team: str | None,
    due_before: datetime | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """A worklist page ordered by (due_at, id); `status=open` means scheduled, due or overdue."""
    statuses = OPEN_STATUSES if status == "open" else ([status] if status else None)
    # The page first (keyset on the indexes), then the customer of each row from the book.
    return await conn.fetch(
        f"SELECT page.*, k.name AS customer_name, k.phone AS customer_phone FROM ("
        f" SELECT {CALLBACK_COLUMNS} FROM callbacks"
        " WHERE ($1::text IS NULL OR purpose = $1)"
        "   AND ($2::text IS NULL OR entity_id = $2)"
        "   AND ($3::text[] IS NULL OR status = ANY($3::text[]))"
        "   AND ($4::text IS NULL OR assignee = $4)"
        "   AND ($5::text IS NULL OR team = $5)"
        "   AND ($6::timestamptz IS NULL OR due_at < $6)"
        "   AND ($7::timestamptz IS NULL OR (due_at, id) > ($7::timestamptz, $8::text))"
        " ORDER BY due_at, id LIMIT $9) page"
        " LEFT JOIN contacts k ON k.kind = 'customer' AND k.contact_id = page.customer_id"
        " ORDER BY page.due_at, page.id",
        purpose,
        entity_id,
        statuses,
        assignee,
        team,
        due_before,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )


async def count_open_callbacks(conn: asyncpg.Connection) -> dict[str, int]:
    """Open callbacks by status (for the gauges)."""
    rows = await conn.fetch(
        "SELECT status, count(*) AS n FROM callbacks WHERE status = ANY($1::text[])"
        " GROUP BY status",
        OPEN_STATUSES,
    )
    return {r["status"]: int(r["n"]) for r in rows}
