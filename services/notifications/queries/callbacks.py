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
    duty: str,
) -> bool:
    """Store a new callback task; False when its dedupe key already made one, or a task of
    the same duty is open (callbacks_one_open_per_duty)."""
    inserted = await conn.fetchval(
        "INSERT INTO callbacks (id, dedupe_key, purpose, stage, entity_kind, entity_id,"
        "   customer_id, due_at, status, assignee, team, level, script, project_manager,"
        "   assignee_from_roster, schedule_id, branch_id, correlation_id, cause_event_id,"
        "   duty, created_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'scheduled', $9, $10, $11, $12, $13, $14,"
        "   $15, $16, $17, $18, $19, kefu_now(), kefu_now())"
        " ON CONFLICT DO NOTHING RETURNING true",
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
        duty,
    )
    return bool(inserted)


async def lock_record(conn: asyncpg.Connection, *, key: str) -> None:
    """Serialise the changes to one record's tasks until the transaction ends."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", key)


async def duty_decided_after(
    conn: asyncpg.Connection, *, duties: Sequence[str], version: int
) -> bool:
    """Whether a newer version of the record already created or ended one of these duties."""
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM duty_marks WHERE duty = ANY($1::text[])"
            "   AND version > $2)",
            list(duties),
            version,
        )
    )


async def mark_duties(conn: asyncpg.Connection, *, duties: Sequence[str], version: int) -> None:
    """Remember the record's version that decided these duties (the newest wins)."""
    await conn.execute(
        "INSERT INTO duty_marks (duty, version, updated_at)"
        " SELECT d, $2, kefu_now() FROM unnest($1::text[]) d"
        " ON CONFLICT (duty) DO UPDATE SET version = excluded.version,"
        "   updated_at = excluded.updated_at WHERE duty_marks.version < excluded.version",
        list(duties),
        version,
    )


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
    conn: asyncpg.Connection,
    *,
    entity_kind: str,
    entity_id: str,
    purposes: Sequence[str],
    duties: Sequence[str] | None = None,
    version: int = 0,
) -> list[str]:
    """Cancel the open tasks of these purposes (of these duties only, when given) for a record,
    except those a newer version of the record made; returns their ids."""
    rows = await conn.fetch(
        "UPDATE callbacks c SET status = 'cancelled', version = c.version + 1,"
        "   updated_at = kefu_now(), closed_at = kefu_now()"
        " WHERE c.entity_kind = $1 AND c.entity_id = $2 AND c.purpose = ANY($3::text[])"
        "   AND c.status = ANY($4::text[])"
        "   AND ($5::text[] IS NULL OR c.duty = ANY($5::text[]))"
        "   AND ($6 = 0 OR NOT EXISTS (SELECT 1 FROM duty_marks m"
        "                              WHERE m.duty = c.duty AND m.version > $6))"
        " RETURNING c.id",
        entity_kind,
        entity_id,
        list(purposes),
        OPEN_STATUSES,
        list(duties) if duties is not None else None,
        version,
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
    customer_id: str | None = None,
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
        "   AND ($10::text IS NULL OR customer_id = $10)"
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
        customer_id,
    )


async def count_open_callbacks(conn: asyncpg.Connection) -> dict[str, int]:
    """Open callbacks by status (for the gauges)."""
    rows = await conn.fetch(
        "SELECT status, count(*) AS n FROM callbacks WHERE status = ANY($1::text[])"
        " GROUP BY status",
        OPEN_STATUSES,
    )
    return {r["status"]: int(r["n"]) for r in rows}
