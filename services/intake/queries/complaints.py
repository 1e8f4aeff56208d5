"""SQL for complaints and their handling trail."""

from __future__ import annotations

from datetime import datetime

import asyncpg

_COMPLAINT = (
    "id::text AS id, customer_id::text AS customer_id, branch_id, channel, category, severity,"
    " description, department, assignee, status, received_by, received_by_sub, subject_kind,"
    " subject_id, escalation_level, opened_at, resolved_at, version, created_by, created_at,"
    " confirmation_assignee"
)


async def insert_complaint(
    conn: asyncpg.Connection,
    *,
    id: str,
    customer_id: str,
    branch_id: str | None,
    channel: str,
    category: str,
    severity: str,
    description: str,
    department: str,
    assignee: str | None,
    status: str,
    received_by: str,
    received_by_sub: str,
    confirmation_assignee: str | None,
    subject_kind: str | None,
    subject_id: str | None,
    opened_at: datetime,
    version: int,
    created_by: str,
) -> None:
    """Record a newly opened complaint."""
    await conn.execute(
        "INSERT INTO intake.complaints (id, customer_id, branch_id, channel, category, severity,"
        " description, department, assignee, status, received_by, received_by_sub, subject_kind,"
        " subject_id, opened_at, version, created_by, confirmation_assignee)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,"
        " $18)",
        id,
        customer_id,
        branch_id,
        channel,
        category,
        severity,
        description,
        department,
        assignee,
        status,
        received_by,
        received_by_sub,
        subject_kind,
        subject_id,
        opened_at,
        version,
        created_by,
        confirmation_assignee,
    )


async def get_complaint(conn: asyncpg.Connection, *, id: str) -> asyncpg.Record | None:
    """A complaint by id."""
    return await conn.fetchrow(f"SELECT {_COMPLAINT} FROM intake.complaints WHERE id = $1", id)


async def lock_complaint(conn: asyncpg.Connection, *, id: str) -> asyncpg.Record | None:
    """A complaint by id, locked for the transaction."""
    return await conn.fetchrow(
        f"SELECT {_COMPLAINT} FROM intake.complaints WHERE id = $1 FOR UPDATE", id
    )


async def update_complaint(
    conn: asyncpg.Connection,
    *,
    id: str,
    expected_version: int,
    version: int,
    status: str,
    department: str,
    assignee: str | None,
    escalation_level: str | None,
    resolved_at: datetime | None,
) -> bool:
    """Store a complaint's new state if nobody changed it meanwhile (optimistic on version)."""
    status_text = await conn.execute(
        "UPDATE intake.complaints SET version = $3, status = $4, department = $5, assignee = $6,"
        " escalation_level = $7, resolved_at = $8, updated_at = now()"
        " WHERE id = $1 AND version = $2",
        id,
        expected_version,
        version,
        status,
        department,
        assignee,
        escalation_level,
        resolved_at,
    )
    return bool(status_text == "UPDATE 1")


async def insert_handoff(
    conn: asyncpg.Connection,
    *,
    complaint_id: str,
    from_department: str,
    to_department: str,
    from_assignee: str | None,
    to_assignee: str | None,
    by: str,
    at: datetime,
    note: str | None,
    version: int,
) -> None:
    """Record a handling sheet."""
    await conn.execute(
        "INSERT INTO intake.complaint_handoffs (complaint_id, from_department, to_department,"
        " from_assignee, to_assignee, by, at, note, version)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        complaint_id,
        from_department,
        to_department,
        from_assignee,
        to_assignee,
        by,
        at,
        note,
        version,
    )


async def insert_escalation(
    conn: asyncpg.Connection,
    *,
    complaint_id: str,
    level: str,
    reason: str,
    automatic: bool,
    by: str | None,
    at: datetime,
    version: int,
) -> None:
    """Record an escalation."""
    await conn.execute(
        "INSERT INTO intake.complaint_escalations"
        " (complaint_id, level, reason, automatic, by, at, version)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        complaint_id,
        level,
        reason,
        automatic,
        by,
        at,
        version,
    )


async def insert_resolution(
    conn: asyncpg.Connection,
    *,
    complaint_id: str,
    result: str,
    alternatives_offered: list[str],
    by: str,
    at: datetime,
    version: int,
) -> None:
    """Record a reported result."""
    await conn.execute(
        "INSERT INTO intake.complaint_resolutions"
        " (complaint_id, result, alternatives_offered, by, at, version)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        complaint_id,
        result,
        alternatives_offered,
        by,
        at,
        version,
    )


async def insert_confirmation(
    conn: asyncpg.Connection,
    *,
    complaint_id: str,
    callback_id: str,
    satisfied: bool,
    by: str | None,
    comment: str | None,
    at: datetime,
    version: int,
) -> None:
    """Record the confirmation call's outcome."""
    await conn.execute(
        "INSERT INTO intake.complaint_confirmations"
        " (complaint_id, callback_id, satisfied, by, comment, at, version)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        complaint_id,
        callback_id,
        satisfied,
        by,
        comment,
        at,
        version,
    )


async def claim_fact(
    conn: asyncpg.Connection, *, complaint_id: str, fact: str, version: int
) -> bool:
    """Mark an outside fact as applied to the complaint; False if it already was."""
    return bool(
        await conn.fetchval(
            "INSERT INTO intake.complaint_facts (complaint_id, fact, version) VALUES ($1, $2, $3)"
            " ON CONFLICT DO NOTHING RETURNING true",
            complaint_id,
            fact,
            version,
        )
    )


async def list_handoffs(conn: asyncpg.Connection, *, complaint_id: str) -> list[asyncpg.Record]:
    """The complaint's handling sheets, oldest first."""
    return await conn.fetch(
        "SELECT from_department, to_department, from_assignee, to_assignee, by, at, note"
        " FROM intake.complaint_handoffs WHERE complaint_id = $1 ORDER BY id",
        complaint_id,
    )


async def list_escalations(conn: asyncpg.Connection, *, complaint_id: str) -> list[asyncpg.Record]:
    """The complaint's escalations, oldest first."""
    return await conn.fetch(
        "SELECT level, reason, automatic, by, at FROM intake.complaint_escalations"
        " WHERE complaint_id = $1 ORDER BY id",
        complaint_id,
    )


async def latest_resolution(
    conn: asyncpg.Connection, *, complaint_id: str
) -> asyncpg.Record | None:
    """The most recent reported result."""
    return await conn.fetchrow(
        "SELECT result, alternatives_offered, by, at FROM intake.complaint_resolutions"
        " WHERE complaint_id = $1 ORDER BY id DESC LIMIT 1",
        complaint_id,
    )


async def insert_cause(
    conn: asyncpg.Connection,
    *,
    complaint_id: str,
    cause: str,
    detail: str,
    by: str,
    at: datetime,
    version: int,
) -> None:
    """Record an investigated cause."""
    await conn.execute(
        "INSERT INTO intake.complaint_causes (complaint_id, cause, detail, by, at, version)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        complaint_id,
        cause,
        detail,
        by,
        at,
        version,
    )


async def list_causes(conn: asyncpg.Connection, *, complaint_id: str) -> list[asyncpg.Record]:
    """The causes recorded for a complaint, oldest first (the last one counts)."""
    return await conn.fetch(
        "SELECT cause, detail, by, at FROM intake.complaint_causes"
        " WHERE complaint_id = $1 ORDER BY id",
        complaint_id,
    )


async def latest_confirmation(
    conn: asyncpg.Connection, *, complaint_id: str
) -> asyncpg.Record | None:
    """The most recent confirmation call's outcome."""
    return await conn.fetchrow(
        "SELECT callback_id, satisfied, by, comment, at FROM intake.complaint_confirmations"
        " WHERE complaint_id = $1 ORDER BY id DESC LIMIT 1",
        complaint_id,
    )


async def list_complaints(
    conn: asyncpg.Connection,
    *,
    status: str | None,
    department: str | None,
    branch_id: str | None,
    customer_id: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """One page of complaints in registration order, filtered; `after` is the cursor's key.
    Only the given filters are in the statement, so a customer's page reads its own index."""
    given = {
        "status": status,
        "department": department,
        "branch_id": branch_id,
        "customer_id": customer_id,
    }
    where: list[str] = []
    args: list[object] = []
    for column, value in given.items():
        if value is not None:
            args.append(value)
            cast = "::uuid" if column == "customer_id" else ""
            where.append(f"{column} = ${len(args)}{cast}")
    if after:
        args += [after[0], after[1]]
        where.append(f"(created_at, id) > (${len(args) - 1}, ${len(args)}::text::uuid)")
    args.append(limit)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    return await conn.fetch(
        # The table's uuid, not the text the select names `id`, so the index gives the order.
        f"SELECT {_COMPLAINT} FROM intake.complaints c{clause}"
        f" ORDER BY c.created_at, c.id LIMIT ${len(args)}",
        *args,
    )
