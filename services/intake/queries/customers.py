"""SQL for customers, leads and repair requests."""

from __future__ import annotations

from datetime import date

import asyncpg

_CUSTOMER = "id::text AS id, name, phone, language, branch_id, version, created_at"
# A customer as one branch sees it: the name that branch gave, where it is not the record's owner
# (customer_names); the record's own name otherwise, and for the company-wide roles ($branch NULL).
_SEEN = (
    "c.id::text AS id, COALESCE(n.name, c.name) AS name, c.phone, c.language, c.branch_id,"
    " c.version, c.created_at"
)
_SEEN_FROM = (
    "intake.customers c LEFT JOIN intake.customer_names n"
    " ON n.customer_id = c.id AND n.branch_id = {branch}"
)


async def insert_customer(
    conn: asyncpg.Connection, *, id: str, name: str, phone: str, branch_id: str | None
) -> asyncpg.Record | None:
    """A new customer, or None when the phone is already registered."""
    return await conn.fetchrow(
        "INSERT INTO intake.customers (id, name, phone, branch_id) VALUES ($1, $2, $3, $4)"
        f" ON CONFLICT (phone) DO NOTHING RETURNING {_CUSTOMER}",
        id,
        name,
        phone,
        branch_id,
    )


async def lock_customer_by_phone(conn: asyncpg.Connection, *, phone: str) -> asyncpg.Record | None:
    """The customer with this normalised phone, locked for the transaction."""
    return await conn.fetchrow(
        f"SELECT {_CUSTOMER} FROM intake.customers WHERE phone = $1 FOR UPDATE", phone
    )


async def lock_customer(conn: asyncpg.Connection, *, id: str) -> asyncpg.Record | None:
    """The customer, locked for the transaction."""
    return await conn.fetchrow(
        f"SELECT {_CUSTOMER} FROM intake.customers WHERE id = $1 FOR UPDATE", id
    )


async def get_customer(
    conn: asyncpg.Connection, *, id: str, branch_id: str | None
) -> asyncpg.Record | None:
    """The customer by id, as the branch sees it (the record itself when `branch_id` is None)."""
    return await conn.fetchrow(
        f"SELECT {_SEEN} FROM {_SEEN_FROM.format(branch='$2')} WHERE c.id = $1", id, branch_id
    )


async def rename_customer(conn: asyncpg.Connection, *, id: str, name: str) -> asyncpg.Record:
    """Take the newer name and bump the customer's version."""
    row = await conn.fetchrow(
        "UPDATE intake.customers SET name = $2, version = version + 1, updated_at = now()"
        f" WHERE id = $1 RETURNING {_CUSTOMER}",
        id,
        name,
    )
    assert row is not None
    return row


async def keep_branch_name(
    conn: asyncpg.Connection, *, customer_id: str, branch_id: str, name: str
) -> None:
    """Keep the name a branch that does not own the customer gave it, as that branch's view."""
    await conn.execute(
        "INSERT INTO intake.customer_names (customer_id, branch_id, name) VALUES ($1, $2, $3)"
        " ON CONFLICT (customer_id, branch_id) DO UPDATE SET name = EXCLUDED.name,"
        " updated_at = now() WHERE intake.customer_names.name <> EXCLUDED.name",
        customer_id,
        branch_id,
        name,
    )


async def branch_knows_customer(conn: asyncpg.Connection, *, id: str, branch_id: str) -> bool:
    """Whether a branch registered the customer or has a lead, complaint or repair request of it."""
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM intake.customers WHERE id = $1 AND branch_id = $2)"
            " OR EXISTS (SELECT 1 FROM intake.leads WHERE customer_id = $1 AND branch_id = $2)"
            " OR EXISTS (SELECT 1 FROM intake.complaints WHERE customer_id = $1 AND branch_id = $2)"
            " OR EXISTS (SELECT 1 FROM intake.repair_requests"
            "            WHERE customer_id = $1 AND branch_id = $2)",
            id,
            branch_id,
        )
    )


async def insert_lead(
    conn: asyncpg.Connection,
    *,
    id: str,
    customer_id: str,
    branch_id: str | None,
    address: str,
    area_m2: float,
    layout: str,
    requirements: str,
    budget_fen: int | None,
    expected_measure_on: date | None,
    expected_sign_on: date | None,
    source: str | None,
    created_by: str,
) -> None:
    """Record a lead."""
    await conn.execute(
        "INSERT INTO intake.leads (id, customer_id, branch_id, address, area_m2, layout,"
        " requirements, budget_fen, expected_measure_on, expected_sign_on, source, created_by)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        id,
        customer_id,
        branch_id,
        address,
        area_m2,
        layout,
        requirements,
        budget_fen,
        expected_measure_on,
        expected_sign_on,
        source,
        created_by,
    )


async def get_lead(conn: asyncpg.Connection, *, id: str) -> asyncpg.Record | None:
    """A lead by id."""
    return await conn.fetchrow(
        "SELECT id::text AS id, customer_id::text AS customer_id, branch_id, address, area_m2,"
        " layout, requirements, budget_fen, expected_measure_on, expected_sign_on, source,"
        " created_by, created_at FROM intake.leads WHERE id = $1",
        id,
    )


async def insert_repair_request(
    conn: asyncpg.Connection,
    *,
    id: str,
    customer_id: str,
    branch_id: str | None,
    project_id: str | None,
    complaint_id: str | None,
    address: str,
    problem: str,
    created_by: str,
) -> None:
    """Record a repair request."""
    await conn.execute(
        "INSERT INTO intake.repair_requests (id, customer_id, branch_id, project_id,"
        " complaint_id, address, problem, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        id,
        customer_id,
        branch_id,
        project_id,
        complaint_id,
        address,
        problem,
        created_by,
    )


async def get_repair_request(conn: asyncpg.Connection, *, id: str) -> asyncpg.Record | None:
    """A repair request by id."""
    return await conn.fetchrow(
        "SELECT id::text AS id, customer_id::text AS customer_id, branch_id, project_id,"
        " complaint_id::text AS complaint_id, address, problem, created_by, created_at"
        " FROM intake.repair_requests WHERE id = $1",
        id,
    )


async def customer_timeline(
    conn: asyncpg.Connection, *, customer_id: str, branch_id: str | None, limit: int
) -> list[asyncpg.Record]:
    """The customer's leads, complaints and repair requests, newest first (one branch's only
    when `branch_id` is given)."""
    return await conn.fetch(
        "SELECT * FROM ("
        "  SELECT 'lead' AS kind, id::text AS id, created_at AS at, NULL AS status,"
        "         source AS detail, NULL AS subject_kind, NULL AS subject_id,"
        "         NULL AS project_id, NULL AS complaint_id, branch_id"
        "  FROM intake.leads WHERE customer_id = $1"
        "  UNION ALL"
        "  SELECT 'complaint', id::text, opened_at, status, category, subject_kind, subject_id,"
        "         NULL, NULL, branch_id"
        "  FROM intake.complaints WHERE customer_id = $1"
        "  UNION ALL"
        "  SELECT 'repair_request', id::text, created_at, NULL, problem, NULL, NULL,"
        "         project_id, complaint_id::text, branch_id"
        "  FROM intake.repair_requests WHERE customer_id = $1"
        ") t WHERE $2::text IS NULL OR branch_id = $2"
        " ORDER BY at DESC, id LIMIT $3",
        customer_id,
        branch_id,
        limit,
    )


async def find_customers(
    conn: asyncpg.Connection,
    *,
    phone: str | None,
    last4: str | None,
    name: str | None,
    branch_id: str | None,
    after: str | None,
    limit: int,
) -> list[asyncpg.Record]:
    """Customers by their whole phone, or by its last four digits and the exact name (a
    branch: the name as it sees it); a branch's only when it registered them or has a record
    of them (keyset on id)."""
    return await conn.fetch(
        f"SELECT {_SEEN} FROM {_SEEN_FROM.format(branch='$4')}"
        " WHERE ($1::text IS NULL OR c.phone = $1)"
        "   AND ($2::text IS NULL OR (right(c.phone, 4) = $2 AND COALESCE(n.name, c.name) = $3))"
        "   AND ($4::text IS NULL OR c.branch_id = $4"
        "     OR EXISTS (SELECT 1 FROM intake.leads l"
        "                WHERE l.customer_id = c.id AND l.branch_id = $4)"
        "     OR EXISTS (SELECT 1 FROM intake.complaints x"
        "                WHERE x.customer_id = c.id AND x.branch_id = $4)"
        "     OR EXISTS (SELECT 1 FROM intake.repair_requests r"
        "                WHERE r.customer_id = c.id AND r.branch_id = $4))"
        "   AND ($5::text IS NULL OR c.id > $5::uuid)"
        " ORDER BY c.id LIMIT $6",
        phone,
        last4,
        name,
        branch_id,
        after,
        limit,
    )
