"""One schema and one role per service (docs/ARCHITECTURE.md §6): acting as `kefu_<svc>`, every table of
every other service's schema refuses SELECT, and their inbox, outbox and dead letters refuse
INSERT, UPDATE and DELETE with SQLSTATE 42501; the service's own schema works."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from shared.db import role_for
from shared.settings import SERVICES

DENIED = "42501"


@pytest.fixture
async def admin(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """The administrative connection to the session's database."""
    conn = await asyncpg.connect(database_url)
    try:
        yield conn
    finally:
        await conn.close()


async def tables(conn: asyncpg.Connection, schema: str) -> list[str]:
    """Every base table of a schema, read as the administrator."""
    rows = await conn.fetch(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name",
        schema,
    )
    return [r["table_name"] for r in rows]


def writes(schema: str) -> list[str]:
    """Statements that change another service's platform tables."""
    return [
        f"INSERT INTO {schema}.inbox (consumer, event_id) VALUES ('intruder', 'x')",
        f"INSERT INTO {schema}.outbox (event_id, subject, payload)"
        " VALUES (gen_random_uuid(), 'complaint.opened', '\\x7b7d')",
        f"UPDATE {schema}.outbox SET attempts = attempts + 1",
        f"DELETE FROM {schema}.dead_letters",
        f"SELECT {schema}.kefu_now()",
    ]


async def attempt(conn: asyncpg.Connection, role: str, sql: str) -> str:
    """Run one statement as the role in a transaction that is rolled back: 'ok' or SQLSTATE."""
    tx = conn.transaction()
    await tx.start()
    try:
        await conn.execute(f"SET LOCAL ROLE {role}")
        await conn.execute(sql)
        return "ok"
    except asyncpg.PostgresError as exc:
        return str(exc.sqlstate)
    finally:
        await tx.rollback()


async def test_each_service_role_is_confined_to_its_own_schema(
    admin: asyncpg.Connection,
) -> None:
    schemas = {s: await tables(admin, s) for s in SERVICES}
    assert all(schemas.values()), schemas
    matrix: dict[tuple[str, str], list[str]] = {}
    for svc in SERVICES:
        role = role_for(svc)
        for other in SERVICES:
            statements = [f"SELECT * FROM {other}.{t} LIMIT 1" for t in schemas[other]]
            statements += writes(other)
            matrix[(svc, other)] = [await attempt(admin, role, sql) for sql in statements]
    # Nor may a service role create schemas, or tables outside its schema.
    extra = {
        svc: [
            await attempt(admin, role_for(svc), "CREATE SCHEMA intruder"),
            await attempt(admin, role_for(svc), "CREATE TABLE public.intruder (x int)"),
        ]
        for svc in SERVICES
    }

    width = max(len(s) for s in SERVICES) + 2
    print("\nrole \\ schema".ljust(width + 6) + "".join(s.ljust(width) for s in SERVICES))
    for svc in SERVICES:
        cells = []
        for other in SERVICES:
            results = matrix[(svc, other)]
            ok = results.count("ok")
            cells.append(
                (
                    f"own {ok}/{len(results)}" if svc == other else f"{results.count(DENIED)}x42501"
                ).ljust(width)
            )
        print(f"kefu_{svc}".ljust(width + 6) + "".join(cells))
    denied = sum(r.count(DENIED) for (s, o), r in matrix.items() if s != o)
    crossed = sum(len(r) for (s, o), r in matrix.items() if s != o)
    ddl = sum(r.count(DENIED) for r in extra.values())
    print(f"cross-schema attempts: {crossed}, refused with 42501: {denied}; DDL refused: {ddl}/10")

    for (svc, other), results in matrix.items():
        if svc == other:
            assert set(results) == {"ok"}, (svc, results)
        else:
            assert set(results) == {DENIED}, (svc, other, results)
    assert denied == crossed > 0
    assert all(set(r) == {DENIED} for r in extra.values()), extra
