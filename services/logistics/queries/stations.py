"""SQL of the stations' evaluation: the violations register and the monthly scorecard."""

from __future__ import annotations

from datetime import date, datetime

import asyncpg
from asyncpg import Record as Row


async def insert_violation(
    conn: asyncpg.Connection,
    *,
    violation_id: str,
    branch: str,
    region: str,
    kind: str,
    note: str,
    waybill: str | None,
    staff: str | None,
    by: str,
    at: datetime,
) -> None:
    """Register a breach of a prohibition."""
    await conn.execute(
        "INSERT INTO logistics.violations"
        " (violation_id, branch, region, kind, note, waybill, staff, by, at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        violation_id,
        branch,
        region,
        kind,
        note,
        waybill,
        staff,
        by,
        at,
    )


async def violations_between(
    conn: asyncpg.Connection,
    *,
    start: datetime,
    end: datetime,
    branch: str | None,
    region: str | None,
    after: tuple[datetime, str] | None = None,
    limit: int | None = None,
) -> list[Row]:
    """Violations in [start, end), newest first (keyset on at, violation_id when paged)."""
    return await conn.fetch(
        "SELECT * FROM logistics.violations"
        " WHERE at >= $1 AND at < $2 AND ($3::text IS NULL OR branch = $3)"
        "   AND ($4::text IS NULL OR region = $4)"
        "   AND ($5::timestamptz IS NULL OR (at, violation_id) < ($5, $6::uuid))"
        " ORDER BY at DESC, violation_id DESC LIMIT $7",
        start,
        end,
        branch,
        region,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )


# --- the monthly scorecard ------------------------------------------------------------------


async def delays_by_station(
    conn: asyncpg.Connection, *, start: datetime, end: datetime, region: str | None
) -> list[Row]:
    """Delay reports in [start, end) per station named to call."""
    return await conn.fetch(
        "SELECT l.detail->>'station' AS station, count(*) AS n"
        " FROM logistics.shipment_log l JOIN logistics.shipments s USING (waybill)"
        " WHERE l.type = 'delayed' AND l.at >= $1 AND l.at < $2"
        "   AND ($3::text IS NULL OR s.region = $3)"
        " GROUP BY 1",
        start,
        end,
        region,
    )


async def delays_by_route(
    conn: asyncpg.Connection, *, start: datetime, end: datetime, region: str | None
) -> list[Row]:
    """Shipments dispatched in [start, end) counted per route and per what decides whether one
    is delayed (domain.Lateness): all batches arrived, the last after the promise, a miss
    reported, a later arrival time confirmed."""
    return await conn.fetch(
        "SELECT origin_branch, destination_branch,"
        "   (SELECT count(*) FROM jsonb_object_keys(arrived_batches)) >= batches"
        "     AND last_arrival_at IS NOT NULL AS arrived,"
        "   coalesce(last_arrival_at > promised_arrival_at, false) AS arrived_late,"
        "   delay_reported_for IS NOT NULL AS reported,"
        "   coalesce(eta > promised_arrival_at, false) AS eta_later,"
        "   count(*) AS n"
        " FROM logistics.shipments"
        " WHERE dispatched_at >= $1 AND dispatched_at < $2 AND ($3::text IS NULL OR region = $3)"
        " GROUP BY 1, 2, 3, 4, 5, 6",
        start,
        end,
        region,
    )


async def exceptions_by_station(
    conn: asyncpg.Connection, *, start: datetime, end: datetime, region: str | None
) -> list[Row]:
    """Exceptions registered in [start, end) per station and kind (a region: its shipments')."""
    return await conn.fetch(
        "SELECT e.station, e.kind, count(*) AS n"
        " FROM logistics.exceptions e LEFT JOIN logistics.shipments s USING (waybill)"
        " WHERE e.at >= $1 AND e.at < $2 AND ($3::text IS NULL OR s.region = $3)"
        " GROUP BY 1, 2",
        start,
        end,
        region,
    )


async def truck_checks_by_station(
    conn: asyncpg.Connection, *, start: datetime, end: datetime
) -> list[Row]:
    """Truck checks in [start, end) per station, with their findings."""
    return await conn.fetch(
        "SELECT station, count(*) AS checks, sum(jsonb_array_length(findings)) AS findings"
        " FROM logistics.truck_checks WHERE at >= $1 AND at < $2 GROUP BY 1",
        start,
        end,
    )


async def receipts_due_between(
    conn: asyncpg.Connection, *, first: date, before: date, region: str | None
) -> list[Row]:
    """Receipts due on a day in [first, before), with their destination."""
    return await conn.fetch(
        "SELECT r.*, s.receipt_signature, s.receipt_stamp, s.receipt_id_number,"
        "   s.receipt_copies, s.destination_branch"
        " FROM logistics.receipts r JOIN logistics.shipments s USING (waybill)"
        " WHERE r.due_on >= $1 AND r.due_on < $2 AND ($3::text IS NULL OR r.region = $3)",
        first,
        before,
        region,
    )


async def abnormal_by_destination(
    conn: asyncpg.Connection, *, start: datetime, end: datetime, region: str | None
) -> list[Row]:
    """Abnormal receipts found in [start, end) per destination, and those found only later."""
    return await conn.fetch(
        "SELECT s.destination_branch AS station, count(*) AS n,"
        "   count(*) FILTER (WHERE a.step = 'received') AS missed"
        " FROM logistics.receipt_abnormalities a JOIN logistics.shipments s USING (waybill)"
        " WHERE a.found_at >= $1 AND a.found_at < $2 AND ($3::text IS NULL OR a.region = $3)"
        " GROUP BY 1",
        start,
        end,
        region,
    )


async def violations_by_branch(
    conn: asyncpg.Connection, *, start: datetime, end: datetime, region: str | None
) -> list[Row]:
    """Violations in [start, end) per branch."""
    return await conn.fetch(
        "SELECT branch AS station, count(*) AS n FROM logistics.violations"
        " WHERE at >= $1 AND at < $2 AND ($3::text IS NULL OR region = $3) GROUP BY 1",
        start,
        end,
        region,
    )


async def insert_complaint(
    conn: asyncpg.Connection,
    *,
    complaint_id: str,
    waybill: str,
    station: str,
    region: str,
    opened_at: datetime,
) -> None:
    """File a complaint about a shipment under its station (once per complaint)."""
    await conn.execute(
        "INSERT INTO logistics.shipment_complaints"
        " (complaint_id, waybill, station, region, opened_at) VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (complaint_id) DO NOTHING",
        complaint_id,
        waybill,
        station,
        region,
        opened_at,
    )


async def complaints_by_station(
    conn: asyncpg.Connection, *, start: datetime, end: datetime, region: str | None
) -> list[Row]:
    """Complaints opened in [start, end) per station."""
    return await conn.fetch(
        "SELECT station, count(*) AS n FROM logistics.shipment_complaints"
        " WHERE opened_at >= $1 AND opened_at < $2 AND ($3::text IS NULL OR region = $3)"
        " GROUP BY 1",
        start,
        end,
        region,
    )
