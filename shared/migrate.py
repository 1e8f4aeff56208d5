"""A small migration runner: schema + role per service, ordered SQL files, checksums."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import asyncpg

from shared.db import role_for

LOCK_KEY = 0x6B656675  # "kefu"
PLATFORM_SQL = Path(__file__).parent / "sql"
Progress = Callable[[str, str], None]  # (service, migration file) as it is applied


class MigrationError(RuntimeError):
    """An applied migration was edited, or a migration failed."""


@dataclass(frozen=True)
class Migration:
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def service_dir(service: str) -> Path:
    """Where a service's migrations live, found by package name (no import of the service)."""
    return Path(str(resources.files("services"))) / service / "migrations"


def migrations_for(service: str) -> list[Migration]:
    """Platform migrations templated for the schema, then the service's own, in order."""
    found = [
        Migration(f"platform/{p.name}", p.read_text().replace("{schema}", service))
        for p in sorted(PLATFORM_SQL.glob("*.sql"))
    ]
    directory = service_dir(service)
    if directory.is_dir():
        found += [Migration(p.name, p.read_text()) for p in sorted(directory.glob("*.sql"))]
    return found


async def ensure_schema(conn: asyncpg.Connection, service: str) -> None:
    """Create the service's role and schema (idempotent)."""
    role = role_for(service)
    exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
    if not exists:
        try:
            await conn.execute(f"CREATE ROLE {role} NOLOGIN")
        except asyncpg.DuplicateObjectError:
            pass
    is_super = await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    if not is_super:
        await conn.execute(f"GRANT {role} TO current_user")
    await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {service} AUTHORIZATION {role}")
    await conn.execute(f"REVOKE ALL ON SCHEMA {service} FROM PUBLIC")
    await conn.execute(
        f"""CREATE TABLE IF NOT EXISTS {service}.schema_migrations (
              name text PRIMARY KEY, checksum text NOT NULL,
              applied_at timestamptz NOT NULL DEFAULT now())"""
    )
    await conn.execute(f"ALTER TABLE {service}.schema_migrations OWNER TO {role}")


async def migrate_service(
    conn: asyncpg.Connection, service: str, progress: Progress | None = None
) -> list[str]:
    """Apply pending migrations for one service under an advisory lock; return their names
    (`progress(service, name)` is told of each one as it is applied)."""
    applied_now: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", LOCK_KEY)
    try:
        await ensure_schema(conn, service)
        rows = await conn.fetch(f"SELECT name, checksum FROM {service}.schema_migrations")
        applied = {r["name"]: r["checksum"] for r in rows}
        for m in migrations_for(service):
            if m.name in applied:
                if applied[m.name] != m.checksum:
                    raise MigrationError(
                        f"{service}: applied migration {m.name} was edited (checksum differs); "
                        "add a new migration instead"
                    )
                continue
            async with conn.transaction():
                await conn.execute(f"SET LOCAL ROLE {role_for(service)}")
                await conn.execute(m.sql)
                await conn.execute(
                    f"INSERT INTO {service}.schema_migrations (name, checksum) VALUES ($1, $2)",
                    m.name,
                    m.checksum,
                )
            applied_now.append(m.name)
            if progress is not None:
                progress(service, m.name)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", LOCK_KEY)
    return applied_now


async def migrate(
    database_url: str, services: tuple[str, ...], progress: Progress | None = None
) -> dict[str, list[str]]:
    """Migrate every named service with the administrative connection."""
    conn = await asyncpg.connect(database_url)
    try:
        return {s: await migrate_service(conn, s, progress) for s in services}
    finally:
        await conn.close()


async def pending(conn: asyncpg.Connection, service: str) -> list[str]:
    """Migrations not yet applied (for /readyz)."""
    try:
        rows = await conn.fetch("SELECT name, checksum FROM schema_migrations")
    except asyncpg.UndefinedTableError:
        return [m.name for m in migrations_for(service)]
    applied = {r["name"] for r in rows}
    return [m.name for m in migrations_for(service) if m.name not in applied]
