"""SQL for projects and their stage log."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg


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


# The list's filters, each an equality on a column indexed with the sort key after it.
LIST_FILTERS = ("customer_id", "lead_id", "stage", "project_manager", "branch_id")


async def list_projects(
    conn: asyncpg.Connection,
    *,
    filters: dict[str, str],
    newest_first: bool,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """A page of projects in opening order (or newest first), filtered; only the filters given
    are in the statement, so each filter's (column, created_at, id) index serves the page."""
    args: list[object] = []
    terms: list[str] = []
    for column in LIST_FILTERS:
        if (value := filters.get(column)) is not None:
            args.append(value)
            terms.append(f"{column} = ${len(args)}")
    if after is not None:
        args.extend(after)
        terms.append(
            f"(created_at, id) {'<' if newest_first else '>'} (${len(args) - 1}, ${len(args)})"
        )
    args.append(limit)
    direction = "DESC" if newest_first else "ASC"
    return await conn.fetch(
        "SELECT id, customer_id, lead_id, branch_id, address, stage, version, designer,"
        f" project_manager, created_at FROM projects WHERE {' AND '.join(terms) or 'true'}"
        f" ORDER BY created_at {direction}, id {direction} LIMIT ${len(args)}",
        *args,
    )


async def projects_owing_care(
    conn: asyncpg.Connection, *, early: Sequence[str], branch_id: str | None = None
) -> list[asyncpg.Record]:
    """Projects past the early stages (they owe callbacks), with their state (one branch's only
    when given)."""
    return await conn.fetch(
        "SELECT id, project_manager, state FROM projects WHERE NOT (stage = ANY($1::text[]))"
        " AND ($2::text IS NULL OR branch_id = $2) ORDER BY id",
        list(early),
        branch_id,
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


async def active_by_stage(conn: asyncpg.Connection, *, done: Sequence[str]) -> list[asyncpg.Record]:
    """How many projects are at each stage, leaving out the finished ones."""
    return await conn.fetch(
        "SELECT stage, count(*) AS n FROM projects WHERE stage <> ALL($1::text[]) GROUP BY stage",
        list(done),
    )


async def states_outside(
    conn: asyncpg.Connection, *, stages: Sequence[str]
) -> list[asyncpg.Record]:
    """The state of every project at a stage not listed (e.g. those that may owe a payment)."""
    return await conn.fetch(
        "SELECT state FROM projects WHERE stage <> ALL($1::text[])", list(stages)
    )


async def contracted_states(
    conn: asyncpg.Connection, *, before_contract: Sequence[str], branch_id: str | None
) -> list[asyncpg.Record]:
    """Every project past the stages before the contract (those with a payment plan), with its
    branch, project manager and state (one branch's only when given)."""
    return await conn.fetch(
        "SELECT id, branch_id, project_manager, state FROM projects"
        " WHERE stage <> ALL($1::text[]) AND ($2::text IS NULL OR branch_id = $2) ORDER BY id",
        list(before_contract),
        branch_id,
    )
