"""The contact book and project rosters."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from services.notifications.queries.common import OPEN_STATUSES


# --- contact book and rosters ----------------------------------------------------------------
async def upsert_contact(
    conn: asyncpg.Connection,
    *,
    kind: str,
    contact_id: str,
    name: str | None,
    phone: str | None,
    language: str,
    version: int,
) -> bool:
    """Store a contact unless a newer version is already held; True when written."""
    written = await conn.fetchval(
        "INSERT INTO contacts AS c (kind, contact_id, name, phone, language, version)"
        " VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (kind, contact_id) DO UPDATE SET name = coalesce(EXCLUDED.name, c.name),"
        "   phone = coalesce(EXCLUDED.phone, c.phone), language = EXCLUDED.language,"
        "   version = EXCLUDED.version, updated_at = now()"
        " WHERE c.version <= EXCLUDED.version"
        " RETURNING true",
        kind,
        contact_id,
        name,
        phone,
        language,
        version,
    )
    return bool(written)


async def get_contacts(
    conn: asyncpg.Connection, *, kind: str, contact_ids: Sequence[str]
) -> dict[str, asyncpg.Record]:
    """Contacts of one kind by id."""
    rows = await conn.fetch(
        "SELECT contact_id, name, phone, language FROM contacts"
        " WHERE kind = $1 AND contact_id = ANY($2::text[])",
        kind,
        list(contact_ids),
    )
    return {r["contact_id"]: r for r in rows}


async def upsert_roster(
    conn: asyncpg.Connection,
    *,
    project_id: str,
    customer_id: str | None,
    designer: str | None,
    project_manager: str | None,
    version: int,
) -> bool:
    """Remember who works on a project; None leaves a field as is; older versions are skipped."""
    written = await conn.fetchval(
        "INSERT INTO projects AS p (project_id, customer_id, designer, project_manager, version)"
        " VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (project_id) DO UPDATE SET"
        "   customer_id = coalesce(EXCLUDED.customer_id, p.customer_id),"
        "   designer = coalesce(EXCLUDED.designer, p.designer),"
        "   project_manager = coalesce(EXCLUDED.project_manager, p.project_manager),"
        "   version = greatest(EXCLUDED.version, p.version), updated_at = now()"
        " WHERE p.version <= EXCLUDED.version"
        " RETURNING true",
        project_id,
        customer_id,
        designer,
        project_manager,
        version,
    )
    return bool(written)


async def get_roster(conn: asyncpg.Connection, *, project_id: str) -> asyncpg.Record | None:
    """Who works on a project, if known."""
    return await conn.fetchrow(
        "SELECT project_id, customer_id, designer, project_manager FROM projects"
        " WHERE project_id = $1",
        project_id,
    )


async def fill_callback_assignees(
    conn: asyncpg.Connection, *, project_id: str, field: str, person: str
) -> int:
    """Give a project's open, unassigned calls waiting for a roster person (`field`) to them."""
    status = await conn.execute(
        "UPDATE callbacks SET assignee = $3,"
        "   project_manager = CASE WHEN $2 = 'project_manager'"
        "     THEN coalesce(project_manager, $3) ELSE project_manager END,"
        "   version = version + 1, updated_at = kefu_now()"
        " WHERE entity_kind = 'project' AND entity_id = $1 AND assignee IS NULL"
        "   AND assignee_from_roster = $2 AND status = ANY($4::text[])",
        project_id,
        field,
        person,
        OPEN_STATUSES,
    )
    return int(status.split()[-1])


async def fill_schedule_assignees(
    conn: asyncpg.Connection, *, project_id: str, field: str, person: str
) -> int:
    """Give a project's active schedules waiting for a roster person (`field`) to them."""
    status = await conn.execute(
        "UPDATE schedules SET assignee = $3, updated_at = kefu_now()"
        " WHERE entity_kind = 'project' AND entity_id = $1 AND assignee IS NULL"
        "   AND assignee_from_roster = $2 AND status = 'active'",
        project_id,
        field,
        person,
    )
    return int(status.split()[-1])
