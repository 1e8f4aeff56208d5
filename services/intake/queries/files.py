"""SQL of the customer's service file: the projects projection and the archive."""

from __future__ import annotations

from datetime import date, datetime

import asyncpg


async def keep_project(
    conn: asyncpg.Connection,
    *,
    project_id: str,
    customer_id: str,
    stage: str,
    version: int,
    opened_at: datetime | None,
    contract_at: datetime | None,
    completed_on: date | None,
) -> None:
    """Upsert a customer's project; an older version never overwrites a newer one, and the
    times first seen are kept."""
    await conn.execute(
        "INSERT INTO intake.customer_projects AS p (project_id, customer_id, stage, version,"
        " opened_at, contract_at, completed_on) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (project_id) DO UPDATE SET"
        "  stage = CASE WHEN EXCLUDED.version > p.version THEN EXCLUDED.stage ELSE p.stage END,"
        "  version = GREATEST(p.version, EXCLUDED.version),"
        "  opened_at = COALESCE(p.opened_at, EXCLUDED.opened_at),"
        "  contract_at = COALESCE(p.contract_at, EXCLUDED.contract_at),"
        "  completed_on = COALESCE(EXCLUDED.completed_on, p.completed_on)",
        project_id,
        customer_id,
        stage,
        version,
        opened_at,
        contract_at,
        completed_on,
    )


async def projects_of(conn: asyncpg.Connection, *, customer_id: str) -> list[asyncpg.Record]:
    """A customer's projects, oldest first."""
    return await conn.fetch(
        "SELECT project_id, stage, opened_at, contract_at, completed_on"
        " FROM intake.customer_projects WHERE customer_id = $1"
        " ORDER BY opened_at NULLS LAST, project_id",
        customer_id,
    )


async def open_complaints(conn: asyncpg.Connection, *, customer_id: str) -> int:
    """How many of the customer's complaints are not closed."""
    n = await conn.fetchval(
        "SELECT count(*) FROM intake.complaints WHERE customer_id = $1::uuid"
        " AND status <> 'closed'",
        customer_id,
    )
    return int(n)


async def get_archive(conn: asyncpg.Connection, *, customer_id: str) -> asyncpg.Record | None:
    """The file's archive, or None."""
    return await conn.fetchrow(
        "SELECT archived_at, archived_by, note FROM intake.service_files"
        " WHERE customer_id = $1::uuid",
        customer_id,
    )


async def insert_archive(
    conn: asyncpg.Connection, *, customer_id: str, at: datetime, by: str, note: str
) -> bool:
    """Archive the file once; False when it already was."""
    status = await conn.execute(
        "INSERT INTO intake.service_files (customer_id, archived_at, archived_by, note)"
        " VALUES ($1::uuid, $2, $3, $4) ON CONFLICT (customer_id) DO NOTHING",
        customer_id,
        at,
        by,
        note,
    )
    return status == "INSERT 0 1"
