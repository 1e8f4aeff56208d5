"""SQL for materials and material changes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg


async def insert_materials(
    conn: asyncpg.Connection,
    *,
    project_id: str,
    items: Sequence[dict[str, Any]],
    recorded_at: datetime,
    recorded_by: str,
) -> None:
    """Add material rows to the project's customer file."""
    cols = ("category", "supplier", "brand", "model", "spec", "colour")
    await conn.execute(
        "INSERT INTO materials (project_id, category, supplier, brand, model, spec, colour,"
        " quantity, recorded_at, recorded_by)"
        " SELECT $1, c, s, b, m, sp, co, q, $9, $10 FROM unnest($2::text[], $3::text[],"
        " $4::text[], $5::text[], $6::text[], $7::text[], $8::numeric[])"
        " AS t(c, s, b, m, sp, co, q)",
        project_id,
        *[[i.get(c) for i in items] for c in cols],
        [i.get("quantity") for i in items],
        recorded_at,
        recorded_by,
    )


async def materials_of(conn: asyncpg.Connection, *, project_id: str) -> list[asyncpg.Record]:
    """Every material recorded on a project, in order."""
    return await conn.fetch(
        "SELECT category, supplier, brand, model, spec, colour, quantity, recorded_at,"
        " recorded_by FROM materials WHERE project_id = $1 ORDER BY id",
        project_id,
    )


async def insert_material_change(
    conn: asyncpg.Connection,
    *,
    change_id: str,
    project_id: str,
    description: str,
    signed_by_customer: bool,
    at: datetime,
    recorded_by: str,
) -> None:
    """Record a signed material change form (材料增减、更改建议书)."""
    await conn.execute(
        "INSERT INTO material_changes (id, project_id, description, signed_by_customer, at,"
        " recorded_by) VALUES ($1, $2, $3, $4, $5, $6)",
        change_id,
        project_id,
        description,
        signed_by_customer,
        at,
        recorded_by,
    )


async def material_changes_of(conn: asyncpg.Connection, *, project_id: str) -> list[asyncpg.Record]:
    """A project's material change forms."""
    return await conn.fetch(
        "SELECT id, description, signed_by_customer, at, recorded_by FROM material_changes"
        " WHERE project_id = $1 ORDER BY at, id",
        project_id,
    )


async def insert_material_check(
    conn: asyncpg.Connection,
    *,
    check_id: str,
    project_id: str,
    at: datetime,
    checked_by: str,
    passed: bool,
    sheet: dict[str, Any],
) -> None:
    """Store a material acceptance sheet (材料验收单)."""
    await conn.execute(
        "INSERT INTO material_checks (id, project_id, at, checked_by, passed, sheet)"
        " VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
        check_id,
        project_id,
        at,
        checked_by,
        passed,
        json.dumps(sheet),
    )


async def material_checks_of(conn: asyncpg.Connection, *, project_id: str) -> list[asyncpg.Record]:
    """A project's material acceptance sheets, oldest first."""
    return await conn.fetch(
        "SELECT id, sheet FROM material_checks WHERE project_id = $1 ORDER BY at, id",
        project_id,
    )
