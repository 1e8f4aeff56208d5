"""SQL of photos, cargo exceptions, truck checks, releases and consignee changes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from asyncpg import Record as Row

# --- photos, exceptions, truck checks -------------------------------------------------------


async def insert_photo(
    conn: asyncpg.Connection,
    *,
    photo_id: str,
    waybill: str,
    sha256: str,
    size: int,
    content_type: str,
    by: str,
) -> None:
    """Record a stored photo against its waybill."""
    await conn.execute(
        "INSERT INTO logistics.photos (photo_id, waybill, sha256, size, content_type, by)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        photo_id,
        waybill,
        sha256,
        size,
        content_type,
        by,
    )


async def get_photo(conn: asyncpg.Connection, *, waybill: str, photo_id: str) -> Row | None:
    """One photo of a waybill."""
    return await conn.fetchrow(
        "SELECT * FROM logistics.photos WHERE waybill = $1 AND photo_id = $2", waybill, photo_id
    )


async def photos_of(
    conn: asyncpg.Connection, *, waybill: str, photo_ids: Sequence[str]
) -> set[str]:
    """Which of these photos belong to the waybill."""
    rows = await conn.fetch(
        "SELECT photo_id FROM logistics.photos WHERE waybill = $1 AND photo_id = ANY($2::text[])",
        waybill,
        list(photo_ids),
    )
    return {r["photo_id"] for r in rows}


async def insert_exceptions(conn: asyncpg.Connection, *, rows: Sequence[tuple[Any, ...]]) -> None:
    """Register exceptions set-wise:
    (exception_id, waybill, kind, station, note, photo_ids_json, at, by, truck_check_id)."""
    if not rows:
        return
    cols = list(zip(*rows, strict=True))
    await conn.execute(
        "INSERT INTO logistics.exceptions"
        " (exception_id, waybill, kind, station, note, photo_ids, at, by, truck_check_id)"
        " SELECT u.id, u.waybill, u.kind, u.station, u.note,"
        "   ARRAY(SELECT jsonb_array_elements_text(u.photos::jsonb)), u.at, u.by, u.tc"
        " FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],"
        "   $7::timestamptz[], $8::text[], $9::uuid[])"
        " AS u(id, waybill, kind, station, note, photos, at, by, tc)",
        *(list(c) for c in cols),
    )


async def list_exceptions(conn: asyncpg.Connection, *, waybill: str) -> list[Row]:
    """A waybill's exceptions."""
    return await conn.fetch(
        "SELECT exception_id, kind, station, note, photo_ids, at, by, truck_check_id"
        " FROM logistics.exceptions WHERE waybill = $1 ORDER BY at, exception_id",
        waybill,
    )


async def exceptions_between(
    conn: asyncpg.Connection, *, start: datetime, end: datetime
) -> list[Row]:
    """Exceptions registered in [start, end)."""
    return await conn.fetch(
        "SELECT exception_id, waybill, kind, station, note, photo_ids, at"
        " FROM logistics.exceptions WHERE at >= $1 AND at < $2",
        start,
        end,
    )


async def insert_truck_check(
    conn: asyncpg.Connection,
    *,
    check_id: UUID,
    station: str,
    truck: str,
    handover: list[dict[str, Any]],
    received: list[dict[str, Any]],
    findings: list[dict[str, Any]],
    by: str,
    at: datetime,
) -> None:
    """Record a truck check and what it found."""
    await conn.execute(
        "INSERT INTO logistics.truck_checks"
        " (id, station, truck, handover, received, findings, by, at)"
        " VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6::jsonb, $7, $8)",
        check_id,
        station,
        truck,
        json.dumps(handover),
        json.dumps(received),
        json.dumps(findings, ensure_ascii=False),
        by,
        at,
    )


# --- releases and consignee changes ---------------------------------------------------------


async def insert_release(conn: asyncpg.Connection, *, values: dict[str, Any]) -> None:
    """Record a release decision (ID numbers only as HMAC + last 4)."""
    names = list(values)
    await conn.execute(
        f"INSERT INTO logistics.releases ({', '.join(names)})"
        f" VALUES ({', '.join(f'${i + 1}' for i in range(len(names)))})",
        *values.values(),
    )


async def insert_consignee_change(
    conn: asyncpg.Connection,
    *,
    change_id: UUID,
    waybill: str,
    new_name: str,
    note: str,
    by: str,
    at: datetime,
) -> None:
    """Record the shipper's proof that the goods go to someone else."""
    await conn.execute(
        "INSERT INTO logistics.consignee_changes (id, waybill, new_name, note, by, at)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        change_id,
        waybill,
        new_name,
        note,
        by,
        at,
    )


async def find_consignee_change(
    conn: asyncpg.Connection, *, waybill: str, name: str
) -> UUID | None:
    """The latest change proof naming this person, if any."""
    value: UUID | None = await conn.fetchval(
        "SELECT id FROM logistics.consignee_changes WHERE waybill = $1 AND new_name = $2"
        " ORDER BY at DESC LIMIT 1",
        waybill,
        name,
    )
    return value


async def exceptions_at_station(
    conn: asyncpg.Connection, *, station: str, start: datetime, end: datetime
) -> list[Row]:
    """A station's exceptions registered in [start, end), in time order (a tie by waybill)."""
    return await conn.fetch(
        "SELECT exception_id, waybill, kind, station, note, photo_ids, at, by, truck_check_id"
        " FROM logistics.exceptions WHERE at >= $1 AND at < $2 AND station = $3"
        " ORDER BY at, waybill, exception_id",
        start,
        end,
        station,
    )
