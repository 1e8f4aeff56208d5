"""SQL of shippers as customers: their files, long-term rates, return visits, data requests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from asyncpg import Record as Row


async def get_shipper(
    conn: asyncpg.Connection, *, shipper_id: str, lock: bool = False
) -> Row | None:
    """One shipper's file."""
    return await conn.fetchrow(
        "SELECT * FROM logistics.shippers WHERE shipper_id = $1" + (" FOR UPDATE" if lock else ""),
        shipper_id,
    )


async def update_file(
    conn: asyncpg.Connection, *, shipper_id: str, values: dict[str, Any], by: str, at: datetime
) -> None:
    """Write a shipper's file fields (name, key_customer, contact, address, notes, version)."""
    names = list(values)
    sets = ", ".join(f"{n} = ${i + 2}" for i, n in enumerate(names))
    await conn.execute(
        f"UPDATE logistics.shippers SET {sets}, file_updated_by = ${len(names) + 2},"
        f" file_updated_at = ${len(names) + 3}, updated_at = now() WHERE shipper_id = $1",
        shipper_id,
        *values.values(),
        by,
        at,
    )


async def insert_rate(conn: asyncpg.Connection, *, values: dict[str, Any]) -> None:
    """Record a long-term rate agreed with a shipper."""
    names = list(values)
    await conn.execute(
        f"INSERT INTO logistics.shipper_rates ({', '.join(names)})"
        f" VALUES ({', '.join(f'${i + 1}' for i in range(len(names)))})",
        *values.values(),
    )


async def rates_of(conn: asyncpg.Connection, *, shipper_id: str) -> list[Row]:
    """A shipper's long-term rates, oldest first."""
    return await conn.fetch(
        "SELECT * FROM logistics.shipper_rates WHERE shipper_id = $1"
        " ORDER BY valid_from, at, rate_id",
        shipper_id,
    )


async def visit_candidates(
    conn: asyncpg.Connection, *, new_since: datetime, new_before: datetime
) -> list[Row]:
    """The shippers a month's visit list takes from: key customers and last month's new ones."""
    return await conn.fetch(
        "SELECT shipper_id, key_customer, created_at, name, branch_id FROM logistics.shippers"
        " WHERE key_customer OR (created_at >= $1 AND created_at < $2)",
        new_since,
        new_before,
    )


async def insert_visit(conn: asyncpg.Connection, *, values: dict[str, Any]) -> None:
    """Record a return visit."""
    names = list(values)
    await conn.execute(
        f"INSERT INTO logistics.shipper_visits ({', '.join(names)})"
        f" VALUES ({', '.join(f'${i + 1}' for i in range(len(names)))})",
        *values.values(),
    )


async def visits_of(conn: asyncpg.Connection, *, month: str) -> list[Row]:
    """A month's return visits with each shipper's name and branch, in time order."""
    return await conn.fetch(
        "SELECT v.*, s.name, s.branch_id FROM logistics.shipper_visits v"
        " JOIN logistics.shippers s USING (shipper_id)"
        " WHERE v.month = $1 ORDER BY v.at, v.visit_id",
        month,
    )


async def insert_data_request(conn: asyncpg.Connection, *, values: dict[str, Any]) -> None:
    """Record a data request."""
    names = list(values)
    await conn.execute(
        f"INSERT INTO logistics.data_requests ({', '.join(names)})"
        f" VALUES ({', '.join(f'${i + 1}' for i in range(len(names)))})",
        *values.values(),
    )


async def lock_data_request(conn: asyncpg.Connection, *, request_id: UUID) -> Row | None:
    """One data request, locked."""
    return await conn.fetchrow(
        "SELECT * FROM logistics.data_requests WHERE request_id = $1 FOR UPDATE", request_id
    )


async def update_data_request(
    conn: asyncpg.Connection, *, request_id: UUID, values: dict[str, Any]
) -> None:
    """Write a data request's decision or provision."""
    names = list(values)
    sets = ", ".join(f"{n} = ${i + 2}" for i, n in enumerate(names))
    await conn.execute(
        f"UPDATE logistics.data_requests SET {sets} WHERE request_id = $1",
        request_id,
        *values.values(),
    )


async def list_data_requests(
    conn: asyncpg.Connection,
    *,
    statuses: Sequence[str] | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Row]:
    """Data requests, newest first (keyset on requested_at, request_id)."""
    return await conn.fetch(
        "SELECT * FROM logistics.data_requests"
        " WHERE ($1::text[] IS NULL OR status = ANY($1::text[]))"
        "   AND ($2::timestamptz IS NULL OR (requested_at, request_id::text) < ($2, $3))"
        " ORDER BY requested_at DESC, request_id DESC LIMIT $4",
        list(statuses) if statuses else None,
        after[0] if after else None,
        after[1] if after else "",
        limit,
    )
