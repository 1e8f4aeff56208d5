"""Every SQL statement of the projects service: one async function each, keyword-only args."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import asyncpg

# ---------------------------------------------------------------------------------- projects


async def insert_project(
    conn: asyncpg.Connection,
    *,
    project_id: str,
    customer_id: str,
    lead_id: str | None,
    branch_id: str | None,
    address: str,
    stage: str,
    version: int,
    designer: str | None,
    project_manager: str | None,
    state: dict[str, Any],
) -> bool:
    """Insert a new project; False when it (or its lead's project) already exists."""
    row = await conn.fetchval(
        "INSERT INTO projects (id, customer_id, lead_id, branch_id, address, stage, version,"
        " designer, project_manager, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)"
        " ON CONFLICT DO NOTHING RETURNING 1",
        project_id,
        customer_id,
        lead_id,
        branch_id,
        address,
        stage,
        version,
        designer,
        project_manager,
        json.dumps(state),
    )
    return row is not None


async def get_project(conn: asyncpg.Connection, *, project_id: str) -> asyncpg.Record | None:
    """One project row (state as JSON text)."""
    return await conn.fetchrow(
        "SELECT id, customer_id, lead_id, branch_id, address, stage, version, designer,"
        " project_manager, state, created_at FROM projects WHERE id = $1",
        project_id,
    )


async def update_project(
    conn: asyncpg.Connection,
    *,
    project_id: str,
    expected_version: int,
    stage: str,
    version: int,
    designer: str | None,
    project_manager: str | None,
    state: dict[str, Any],
) -> bool:
    """Write a new state if nobody changed the project meanwhile (optimistic concurrency)."""
    status = await conn.execute(
        "UPDATE projects SET stage = $3, version = $4, designer = $5, project_manager = $6,"
        " state = $7::jsonb, updated_at = now() WHERE id = $1 AND version = $2",
        project_id,
        expected_version,
        stage,
        version,
        designer,
        project_manager,
        json.dumps(state),
    )
    return status == "UPDATE 1"


async def list_projects(
    conn: asyncpg.Connection,
    *,
    customer_id: str | None,
    lead_id: str | None,
    stage: str | None,
    project_manager: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """A page of projects in creation order, filtered."""
    return await conn.fetch(
        "SELECT id, customer_id, lead_id, address, stage, version, designer, project_manager,"
        " created_at FROM projects"
        " WHERE ($1::text IS NULL OR customer_id = $1) AND ($2::text IS NULL OR lead_id = $2)"
        "   AND ($3::text IS NULL OR stage = $3) AND ($4::text IS NULL OR project_manager = $4)"
        "   AND ($5::timestamptz IS NULL OR (created_at, id) > ($5, $6))"
        " ORDER BY created_at, id LIMIT $7",
        customer_id,
        lead_id,
        stage,
        project_manager,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )


async def projects_owing_care(
    conn: asyncpg.Connection, *, early: Sequence[str]
) -> list[asyncpg.Record]:
    """Projects past the early stages (they owe callbacks), with their state."""
    return await conn.fetch(
        "SELECT id, project_manager, state FROM projects WHERE NOT (stage = ANY($1::text[]))"
        " ORDER BY id",
        list(early),
    )


async def managers_of(
    conn: asyncpg.Connection, *, project_ids: Sequence[str]
) -> list[asyncpg.Record]:
    """Project manager of each given project."""
    return await conn.fetch(
        "SELECT id, project_manager FROM projects WHERE id = ANY($1::text[])", list(project_ids)
    )


async def insert_stage_log(
    conn: asyncpg.Connection,
    *,
    project_id: str,
    version: int,
    from_stage: str,
    to_stage: str,
    at: datetime,
    by: str,
    note: str | None,
) -> None:
    """Record a stage change in the audit trail."""
    await conn.execute(
        "INSERT INTO stage_log (project_id, version, from_stage, to_stage, at, by, note)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        project_id,
        version,
        from_stage,
        to_stage,
        at,
        by,
        note,
    )


async def stage_log(conn: asyncpg.Connection, *, project_id: str) -> list[asyncpg.Record]:
    """The project's stage changes, oldest first."""
    return await conn.fetch(
        "SELECT version, from_stage, to_stage, at, by, note FROM stage_log"
        " WHERE project_id = $1 ORDER BY version",
        project_id,
    )


# --------------------------------------------------------------------------------- deadlines


async def upsert_deadline(
    conn: asyncpg.Connection,
    *,
    project_id: str,
    deadline: str,
    started_at: datetime,
    due_at: datetime,
    due_on: date,
) -> None:
    """Start (or restart) a deadline's clock."""
    await conn.execute(
        "INSERT INTO deadlines (project_id, deadline, started_at, due_at, due_on)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (project_id, deadline) DO UPDATE SET"
        " started_at = EXCLUDED.started_at, due_at = EXCLUDED.due_at, due_on = EXCLUDED.due_on,"
        " satisfied_at = NULL, missed_at = NULL",
        project_id,
        deadline,
        started_at,
        due_at,
        due_on,
    )


async def get_deadline(
    conn: asyncpg.Connection, *, project_id: str, deadline: str
) -> asyncpg.Record | None:
    """One deadline of a project."""
    return await conn.fetchrow(
        "SELECT deadline, started_at, due_at, due_on, satisfied_at, missed_at FROM deadlines"
        " WHERE project_id = $1 AND deadline = $2",
        project_id,
        deadline,
    )


async def satisfy_deadline(
    conn: asyncpg.Connection, *, project_id: str, deadline: str, at: datetime
) -> bool:
    """Record the fact that meets a deadline (the first one counts)."""
    status = await conn.execute(
        "UPDATE deadlines SET satisfied_at = $3 WHERE project_id = $1 AND deadline = $2"
        " AND satisfied_at IS NULL",
        project_id,
        deadline,
        at,
    )
    return status == "UPDATE 1"


async def mark_deadline_missed(
    conn: asyncpg.Connection, *, project_id: str, deadline: str, at: datetime
) -> None:
    """Record that a deadline's bound passed without its fact."""
    await conn.execute(
        "UPDATE deadlines SET missed_at = $3 WHERE project_id = $1 AND deadline = $2",
        project_id,
        deadline,
        at,
    )


async def deadlines_of(conn: asyncpg.Connection, *, project_id: str) -> list[asyncpg.Record]:
    """A project's deadlines in the order they started."""
    return await conn.fetch(
        "SELECT deadline, started_at, due_at, due_on, satisfied_at, missed_at FROM deadlines"
        " WHERE project_id = $1 ORDER BY started_at, deadline",
        project_id,
    )


# ------------------------------------------------------------------------ materials, changes


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


# ---------------------------------------------------------------------- reviews, inspections


async def insert_review(
    conn: asyncpg.Connection, *, review_id: str, project_id: str, status: str, state: dict[str, Any]
) -> None:
    """Store a submitted review."""
    await conn.execute(
        "INSERT INTO reviews (id, project_id, status, version, state)"
        " VALUES ($1, $2, $3, 1, $4::jsonb)",
        review_id,
        project_id,
        status,
        json.dumps(state),
    )


async def get_review(conn: asyncpg.Connection, *, review_id: str) -> asyncpg.Record | None:
    """One review row."""
    return await conn.fetchrow(
        "SELECT id, project_id, status, version, state FROM reviews WHERE id = $1", review_id
    )


async def update_review(
    conn: asyncpg.Connection,
    *,
    review_id: str,
    expected_version: int,
    status: str,
    state: dict[str, Any],
) -> bool:
    """Write a review's new state if nobody changed it meanwhile."""
    result = await conn.execute(
        "UPDATE reviews SET status = $3, state = $4::jsonb, version = version + 1"
        " WHERE id = $1 AND version = $2",
        review_id,
        expected_version,
        status,
        json.dumps(state),
    )
    return result == "UPDATE 1"


async def insert_inspection(
    conn: asyncpg.Connection,
    *,
    inspection_id: str,
    project_id: str,
    inspector: str,
    at: datetime,
    month: str,
    quality: int,
    progress: int,
    tidiness: int,
    problems: Sequence[str],
) -> None:
    """Store a quality inspection."""
    await conn.execute(
        "INSERT INTO inspections (id, project_id, inspector, at, month, quality, progress,"
        " tidiness, problems) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)",
        inspection_id,
        project_id,
        inspector,
        at,
        month,
        quality,
        progress,
        tidiness,
        json.dumps(list(problems)),
    )


async def inspections_in_month(conn: asyncpg.Connection, *, month: str) -> list[asyncpg.Record]:
    """Every inspection of a month (YYYY-MM, Shanghai time)."""
    return await conn.fetch(
        "SELECT project_id, inspector, at, quality, progress, tidiness, problems"
        " FROM inspections WHERE month = $1 ORDER BY project_id, at",
        month,
    )


# ------------------------------------------------------------- projections: complaints, calls


async def insert_complaint(
    conn: asyncpg.Connection, *, complaint_id: str, project_id: str, opened_at: datetime, month: str
) -> None:
    """Count a complaint about a project once."""
    await conn.execute(
        "INSERT INTO project_complaints (complaint_id, project_id, opened_at, month)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (complaint_id) DO NOTHING",
        complaint_id,
        project_id,
        opened_at,
        month,
    )


async def complaint_counts(conn: asyncpg.Connection, *, month: str) -> list[asyncpg.Record]:
    """Complaints per project opened in a month."""
    return await conn.fetch(
        "SELECT project_id, count(*) AS n FROM project_complaints WHERE month = $1"
        " GROUP BY project_id",
        month,
    )


async def upsert_callback_scheduled(
    conn: asyncpg.Connection,
    *,
    callback_id: str,
    project_id: str,
    purpose: str,
    stage: str | None,
    due_at: datetime,
    project_manager: str | None,
    version: int,
) -> None:
    """Record a scheduled callback; older versions and completed ones are not overwritten."""
    await conn.execute(
        "INSERT INTO project_callbacks (callback_id, project_id, purpose, stage, due_at,"
        " project_manager, version) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (callback_id) DO UPDATE SET purpose = EXCLUDED.purpose,"
        " stage = EXCLUDED.stage, due_at = EXCLUDED.due_at,"
        " project_manager = EXCLUDED.project_manager, version = EXCLUDED.version"
        " WHERE project_callbacks.version < EXCLUDED.version AND NOT project_callbacks.completed",
        callback_id,
        project_id,
        purpose,
        stage,
        due_at,
        project_manager,
        version,
    )


async def upsert_callback_completed(
    conn: asyncpg.Connection,
    *,
    callback_id: str,
    project_id: str,
    purpose: str,
    stage: str | None,
    due_at: datetime,
    project_manager: str | None,
    version: int,
    reached: bool,
    satisfaction: int | None,
    ratings: dict[str, int],
    completed_at: datetime,
    month: str,
) -> None:
    """Record a callback's final outcome unless a newer outcome is already held."""
    await conn.execute(
        "INSERT INTO project_callbacks (callback_id, project_id, purpose, stage, due_at,"
        " project_manager, version, completed, reached, satisfaction, ratings, completed_at, month)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, true, $8, $9, $10::jsonb, $11, $12)"
        " ON CONFLICT (callback_id) DO UPDATE SET purpose = EXCLUDED.purpose,"
        " stage = EXCLUDED.stage, due_at = EXCLUDED.due_at,"
        " project_manager = EXCLUDED.project_manager, version = EXCLUDED.version,"
        " completed = true, reached = EXCLUDED.reached, satisfaction = EXCLUDED.satisfaction,"
        " ratings = EXCLUDED.ratings, completed_at = EXCLUDED.completed_at, month = EXCLUDED.month"
        " WHERE project_callbacks.version < EXCLUDED.version OR NOT project_callbacks.completed",
        callback_id,
        project_id,
        purpose,
        stage,
        due_at,
        project_manager,
        version,
        reached,
        satisfaction,
        json.dumps(ratings),
        completed_at,
        month,
    )


async def satisfaction_in_month(conn: asyncpg.Connection, *, month: str) -> list[asyncpg.Record]:
    """Satisfaction scores (1–5) of project callbacks completed in a month."""
    return await conn.fetch(
        "SELECT project_id, array_agg(satisfaction ORDER BY completed_at, callback_id) AS scores"
        " FROM project_callbacks WHERE completed AND month = $1 AND satisfaction IS NOT NULL"
        " GROUP BY project_id",
        month,
    )


async def callbacks_of(
    conn: asyncpg.Connection, *, project_ids: Sequence[str]
) -> list[asyncpg.Record]:
    """Every known callback of the given projects (scheduled and completed)."""
    return await conn.fetch(
        "SELECT project_id, purpose, stage, completed FROM project_callbacks"
        " WHERE project_id = ANY($1::text[])",
        list(project_ids),
    )


# -------------------------------------------------------------------------------------- timers


async def seed_timer(
    conn: asyncpg.Connection, *, kind: str, key: str, due_at: datetime, payload: dict[str, Any]
) -> bool:
    """Create a timer only if it does not exist yet (self-seeding recurring timers)."""
    row = await conn.fetchval(
        "INSERT INTO timers (kind, key, due_at, payload) VALUES ($1, $2, $3, $4::jsonb)"
        " ON CONFLICT (kind, key) DO NOTHING RETURNING 1",
        kind,
        key,
        due_at,
        json.dumps(payload),
    )
    return row is not None
