"""SQL of repair tickets, their history, photos and service-level breaches."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Final

import asyncpg

from services.aftersales.domain import Ticket
from services.aftersales.queries.records import (
    TICKET_COLUMNS,
    Stored,
    history_entry,
    stored,
    ticket_values,
)

_COLS: Final = ", ".join(TICKET_COLUMNS)
_SELECT: Final = f"SELECT {_COLS}, branch_id, source FROM aftersales.repairs"


async def insert_ticket(
    conn: asyncpg.Connection, *, ticket: Ticket, source: str | None, branch_id: str | None
) -> bool:
    """Store a new ticket; False when its source (request or complaint) already opened one."""
    params = ", ".join(f"${i}" for i in range(3, len(TICKET_COLUMNS) + 3))
    inserted = await conn.fetchval(
        f"INSERT INTO aftersales.repairs (source, branch_id, {_COLS}) VALUES ($1, $2, {params})"
        " ON CONFLICT DO NOTHING RETURNING true",
        source,
        branch_id,
        *ticket_values(ticket),
    )
    return bool(inserted)


async def update_ticket(conn: asyncpg.Connection, *, ticket: Ticket) -> None:
    """Write a ticket's new state (the caller holds its row lock)."""
    sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(TICKET_COLUMNS, start=1))
    # `id` is the dataclass's first field, so $1 is the ticket's id.
    await conn.execute(
        f"UPDATE aftersales.repairs SET {sets} WHERE id = $1",
        *ticket_values(ticket),
    )


async def get_ticket(conn: asyncpg.Connection, *, repair_id: str) -> Stored | None:
    """One ticket, or None."""
    row = await conn.fetchrow(f"{_SELECT} WHERE id = $1", repair_id)
    return None if row is None else stored(row)


async def lock_ticket(conn: asyncpg.Connection, *, repair_id: str) -> Stored | None:
    """One ticket, row-locked until the transaction ends, or None."""
    row = await conn.fetchrow(f"{_SELECT} WHERE id = $1 FOR UPDATE", repair_id)
    return None if row is None else stored(row)


async def list_tickets(
    conn: asyncpg.Connection,
    *,
    status: str | None,
    project_id: str | None,
    complaint_id: str | None,
    branch_id: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
    customer_id: str | None = None,
) -> list[Stored]:
    """Tickets in opening order matching the filters, after a keyset position."""
    rows = await conn.fetch(
        f"{_SELECT}"
        " WHERE ($1::text IS NULL OR status = $1)"
        "   AND ($2::text IS NULL OR project_id = $2)"
        "   AND ($3::text IS NULL OR complaint_id = $3)"
        "   AND ($4::text IS NULL OR branch_id = $4)"
        "   AND ($5::timestamptz IS NULL OR (opened_at, id) > ($5, $6))"
        "   AND ($8::text IS NULL OR customer_id = $8)"
        " ORDER BY opened_at, id LIMIT $7",
        status,
        project_id,
        complaint_id,
        branch_id,
        after[0] if after else None,
        after[1] if after else None,
        limit,
        customer_id,
    )
    return [stored(r) for r in rows]


async def tickets_of_project(
    conn: asyncpg.Connection, *, project_id: str, statuses: list[str], limit: int
) -> list[Stored]:
    """A project's tickets in these statuses, in opening order (its repairs_by_project index)."""
    rows = await conn.fetch(
        f"{_SELECT} WHERE project_id = $1 AND status = ANY($2::text[])"
        " ORDER BY opened_at, id LIMIT $3",
        project_id,
        statuses,
        limit,
    )
    return [stored(r) for r in rows]


async def add_history(
    conn: asyncpg.Connection,
    *,
    repair_id: str,
    at: datetime,
    action: str,
    by: str | None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one entry to a ticket's history."""
    await conn.execute(
        "INSERT INTO aftersales.repair_history (repair_id, at, action, by, details)"
        " VALUES ($1, $2, $3, $4, $5::jsonb)",
        repair_id,
        at,
        action,
        by,
        json.dumps(details or {}, default=str),
    )


async def history(conn: asyncpg.Connection, *, repair_id: str) -> list[dict[str, Any]]:
    """A ticket's history, oldest first."""
    rows = await conn.fetch(
        "SELECT at, action, by, details FROM aftersales.repair_history"
        " WHERE repair_id = $1 ORDER BY id",
        repair_id,
    )
    return [history_entry(r) for r in rows]


async def add_photo(
    conn: asyncpg.Connection,
    *,
    photo_id: str,
    repair_id: str,
    sha256: str,
    size_bytes: int,
    content_type: str,
    uploaded_by: str,
    phase: str,
) -> None:
    """Record a photo stored in the object store, with its phase."""
    await conn.execute(
        "INSERT INTO aftersales.repair_photos"
        " (photo_id, repair_id, sha256, size_bytes, content_type, uploaded_by, phase)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        photo_id,
        repair_id,
        sha256,
        size_bytes,
        content_type,
        uploaded_by,
        phase,
    )


async def count_photos(conn: asyncpg.Connection, *, repair_id: str, phase: str) -> int:
    """How many photos of a phase a ticket has."""
    n = await conn.fetchval(
        "SELECT count(*) FROM aftersales.repair_photos WHERE repair_id = $1 AND phase = $2",
        repair_id,
        phase,
    )
    return int(n)


async def photos(conn: asyncpg.Connection, *, repair_id: str) -> list[dict[str, Any]]:
    """A ticket's photos, in upload order."""
    rows = await conn.fetch(
        "SELECT photo_id, phase, sha256, size_bytes, content_type, uploaded_by, uploaded_at"
        " FROM aftersales.repair_photos WHERE repair_id = $1 ORDER BY uploaded_at, photo_id",
        repair_id,
    )
    return [dict(r) for r in rows]


async def get_photo(
    conn: asyncpg.Connection, *, repair_id: str, photo_id: str
) -> dict[str, Any] | None:
    """One photo's record, or None."""
    row = await conn.fetchrow(
        "SELECT photo_id, phase, sha256, size_bytes, content_type FROM aftersales.repair_photos"
        " WHERE repair_id = $1 AND photo_id = $2",
        repair_id,
        photo_id,
    )
    return None if row is None else dict(row)


async def record_breach(
    conn: asyncpg.Connection, *, repair_id: str, step: str, due_at: datetime, detected_at: datetime
) -> bool:
    """Record a service-level breach once; False when it was recorded before."""
    inserted = await conn.fetchval(
        "INSERT INTO aftersales.sla_breaches (repair_id, step, due_at, detected_at)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING true",
        repair_id,
        step,
        due_at,
        detected_at,
    )
    return bool(inserted)


async def count_open_by_phase(
    conn: asyncpg.Connection, *, survey_phase: list[str], closed: str
) -> list[asyncpg.Record]:
    """Tickets not closed, counted as `survey` (statuses before the survey) or `repair`."""
    return await conn.fetch(
        "SELECT CASE WHEN status = ANY($1::text[]) THEN 'survey' ELSE 'repair' END AS kind,"
        " count(*) AS n FROM aftersales.repairs WHERE status <> $2 GROUP BY 1",
        survey_phase,
        closed,
    )
