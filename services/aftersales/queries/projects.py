"""SQL of the projections aftersales keeps of projects (stage, completion, materials)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import asyncpg


async def upsert_project(
    conn: asyncpg.Connection,
    *,
    project_id: str,
    customer_id: str,
    stage: str,
    completed_on: date | None,
    warranty_ends_on: date | None,
    version: int,
    changed_at: datetime,
    branch_id: str | None,
) -> bool:
    """Keep a project's stage, completion and branch; False when the event is older than what
    we hold."""
    applied = await conn.fetchval(
        "INSERT INTO aftersales.projects AS p (project_id, customer_id, stage, completed_on,"
        " warranty_ends_on, version, changed_at, branch_id)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT (project_id) DO UPDATE SET customer_id = EXCLUDED.customer_id,"
        "   stage = EXCLUDED.stage, branch_id = coalesce(p.branch_id, EXCLUDED.branch_id),"
        "   completed_on = coalesce(EXCLUDED.completed_on, p.completed_on),"
        "   warranty_ends_on = coalesce(EXCLUDED.warranty_ends_on, p.warranty_ends_on),"
        "   version = EXCLUDED.version, changed_at = EXCLUDED.changed_at, updated_at = now()"
        " WHERE p.version <= EXCLUDED.version"
        " RETURNING true",
        project_id,
        customer_id,
        stage,
        completed_on,
        warranty_ends_on,
        version,
        changed_at,
        branch_id,
    )
    return bool(applied)


async def get_project(conn: asyncpg.Connection, *, project_id: str) -> dict[str, Any] | None:
    """The projection of one project, or None when no stage change was seen."""
    row = await conn.fetchrow(
        "SELECT project_id, customer_id, stage, completed_on, warranty_ends_on, version,"
        " branch_id FROM aftersales.projects WHERE project_id = $1",
        project_id,
    )
    return None if row is None else dict(row)


async def upsert_materials(
    conn: asyncpg.Connection, *, project_id: str, items: list[dict[str, Any]], version: int
) -> bool:
    """Keep a project's materials list; False when the event is older than what we hold."""
    applied = await conn.fetchval(
        "INSERT INTO aftersales.project_materials AS m (project_id, items, version)"
        " VALUES ($1, $2::jsonb, $3)"
        " ON CONFLICT (project_id) DO UPDATE SET items = EXCLUDED.items,"
        "   version = EXCLUDED.version, updated_at = now()"
        " WHERE m.version <= EXCLUDED.version RETURNING true",
        project_id,
        json.dumps(items),
        version,
    )
    return bool(applied)


async def get_materials(conn: asyncpg.Connection, *, project_id: str) -> list[dict[str, Any]]:
    """A project's recorded materials (empty when none were recorded)."""
    items = await conn.fetchval(
        "SELECT items FROM aftersales.project_materials WHERE project_id = $1", project_id
    )
    return [] if items is None else list(json.loads(items))
