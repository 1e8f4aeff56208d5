"""SQL of shipments: shippers, shipments, scans, the tracking log, timers, the gauges."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
from asyncpg import Record as Row

_SHIPMENT_COLUMNS = (
    "status, eta, eta_station, arrived_batches, last_arrival_at, departed_at, signed_at,"
    " last_station, last_scan_kind, last_scan_at, delay_reported_for, version"
)


# --- shippers -----------------------------------------------------------------------------


async def lock_shipper_by_phone(conn: asyncpg.Connection, *, phone: str) -> Row | None:
    """The shipper with this normalised phone, locked for the transaction."""
    return await conn.fetchrow(
        "SELECT * FROM logistics.shippers WHERE phone = $1 FOR UPDATE", phone
    )


async def insert_shipper(
    conn: asyncpg.Connection,
    *,
    shipper_id: str,
    name: str,
    phone: str,
    key_customer: bool,
    branch_id: str,
) -> bool:
    """Register a new shipper of a branch; False if it already exists."""
    row = await conn.fetchval(
        "INSERT INTO logistics.shippers (shipper_id, name, phone, key_customer, branch_id)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING 1",
        shipper_id,
        name,
        phone,
        key_customer,
        branch_id,
    )
    return row is not None


async def update_shipper(
    conn: asyncpg.Connection, *, shipper_id: str, name: str, key_customer: bool, version: int
) -> None:
    """Record a shipper's new name or key-customer flag."""
    await conn.execute(
        "UPDATE logistics.shippers SET name = $2, key_customer = $3, version = $4,"
        " updated_at = now() WHERE shipper_id = $1",
        shipper_id,
        name,
        key_customer,
        version,
    )


# --- shipments ----------------------------------------------------------------------------


async def insert_shipment(conn: asyncpg.Connection, *, values: dict[str, Any]) -> bool:
    """A new waybill; False if the waybill exists."""
    names = list(values)
    row = await conn.fetchval(
        f"INSERT INTO logistics.shipments ({', '.join(names)})"
        f" VALUES ({', '.join(f'${i + 1}' for i in range(len(names)))})"
        " ON CONFLICT (waybill) DO NOTHING RETURNING 1",
        *values.values(),
    )
    return row is not None


async def get_shipment(conn: asyncpg.Connection, *, waybill: str) -> Row | None:
    """One shipment."""
    return await conn.fetchrow("SELECT * FROM logistics.shipments WHERE waybill = $1", waybill)


async def lock_shipments(conn: asyncpg.Connection, *, waybills: Sequence[str]) -> list[Row]:
    """Load and lock shipments (in waybill order, so concurrent batches cannot deadlock)."""
    return await conn.fetch(
        "SELECT * FROM logistics.shipments WHERE waybill = ANY($1::text[])"
        " ORDER BY waybill FOR UPDATE",
        list(waybills),
    )


async def update_shipments(conn: asyncpg.Connection, *, rows: Sequence[tuple[Any, ...]]) -> None:
    """Write back shipments set-wise (tuples from `records.shipment_values`)."""
    if not rows:
        return
    cols = list(zip(*rows, strict=True))
    await conn.execute(
        f"UPDATE logistics.shipments s SET ({_SHIPMENT_COLUMNS}) = "
        " (u.status, u.eta, u.eta_station, u.arrived_batches::jsonb, u.last_arrival_at,"
        "  u.departed_at, u.signed_at, u.last_station, u.last_scan_kind, u.last_scan_at,"
        "  u.delay_reported_for, u.version)"
        " FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[],"
        "   $6::timestamptz[], $7::timestamptz[], $8::timestamptz[], $9::text[], $10::text[],"
        "   $11::timestamptz[], $12::timestamptz[], $13::int[])"
        " AS u(waybill, status, eta, eta_station, arrived_batches, last_arrival_at,"
        "   departed_at, signed_at, last_station, last_scan_kind, last_scan_at,"
        "   delay_reported_for, version)"
        " WHERE s.waybill = u.waybill",
        *(list(c) for c in cols),
    )


# --- scans and the tracking log -----------------------------------------------------------


async def insert_scans(conn: asyncpg.Connection, *, rows: Sequence[tuple[Any, ...]]) -> None:
    """Record scans set-wise: (scan_id, waybill, branch, kind, station, batch, at, applied)."""
    if not rows:
        return
    cols = list(zip(*rows, strict=True))
    await conn.execute(
        "INSERT INTO logistics.scans (scan_id, waybill, branch, kind, station, batch, at, applied)"
        " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
        "   $6::int[], $7::timestamptz[], $8::bool[])"
        " ON CONFLICT (scan_id) DO NOTHING",
        *(list(c) for c in cols),
    )


async def list_scans(conn: asyncpg.Connection, *, waybill: str) -> list[Row]:
    """A shipment's scans in business-time order."""
    return await conn.fetch(
        "SELECT scan_id, kind, station, batch, at, applied, branch FROM logistics.scans"
        " WHERE waybill = $1 ORDER BY at, recorded_at",
        waybill,
    )


async def add_log(
    conn: asyncpg.Connection,
    *,
    waybill: str,
    type_: str,
    at: datetime,
    by: str | None,
    detail: dict[str, Any],
) -> None:
    """Add one fact to a shipment's tracking history."""
    await conn.execute(
        "INSERT INTO logistics.shipment_log (waybill, type, at, by, detail)"
        " VALUES ($1, $2, $3, $4, $5::jsonb)",
        waybill,
        type_,
        at,
        by,
        json.dumps(detail, default=str, ensure_ascii=False),
    )


async def list_log(conn: asyncpg.Connection, *, waybill: str) -> list[Row]:
    """A shipment's tracking history besides scans."""
    return await conn.fetch(
        "SELECT type, at, by, detail FROM logistics.shipment_log WHERE waybill = $1"
        " ORDER BY at, id",
        waybill,
    )


# --- timers -------------------------------------------------------------------------------


async def cancel_timers(
    conn: asyncpg.Connection, *, kinds: Sequence[str], keys: Sequence[str]
) -> None:
    """Drop the timers of these kinds for these keys (set-wise)."""
    if keys:
        await conn.execute(
            "DELETE FROM logistics.timers WHERE kind = ANY($1::text[]) AND key = ANY($2::text[])",
            list(kinds),
            list(keys),
        )


async def seed_timer(conn: asyncpg.Connection, *, kind: str, key: str, due_at: datetime) -> bool:
    """Create a recurring timer unless it exists (it then keeps its own schedule)."""
    row = await conn.fetchval(
        "INSERT INTO logistics.timers (kind, key, due_at) VALUES ($1, $2, $3)"
        " ON CONFLICT (kind, key) DO NOTHING RETURNING 1",
        kind,
        key,
        due_at,
    )
    return row is not None


# --- gauges -------------------------------------------------------------------------------

# One statement for every gauge: a region appears once it has a shipment.
_GAUGES = """
WITH today AS (SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date AS d),
shipped AS (
    SELECT region,
           count(*) FILTER (WHERE status <> 'signed') AS in_transit,
           count(*) FILTER (WHERE delay_reported_for IS NOT NULL
                            AND status NOT IN ('arrived', 'signed')) AS delayed
      FROM logistics.shipments GROUP BY region
),
receipts AS (
    SELECT region,
           count(*) FILTER (WHERE due_on < today.d) AS overdue,
           count(*) FILTER (WHERE hard_limit_on < today.d) AS hard
      FROM logistics.receipts, today WHERE received_at IS NULL AND closed_at IS NULL
     GROUP BY region
)
SELECT coalesce(s.region, r.region) AS region,
       coalesce(s.in_transit, 0) AS in_transit, coalesce(s.delayed, 0) AS delayed,
       coalesce(r.overdue, 0) AS overdue, coalesce(r.hard, 0) AS hard
  FROM shipped s FULL JOIN receipts r ON r.region = s.region
"""


async def region_gauges(conn: asyncpg.Connection) -> list[Row]:
    """Per region: shipments in transit and delayed, receipts overdue and past the hard limit."""
    return await conn.fetch(_GAUGES)
