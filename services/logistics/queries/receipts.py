"""SQL of proof-of-delivery receipts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import asyncpg
from asyncpg import Record as Row

# --- receipts -----------------------------------------------------------------------------


async def insert_receipt(
    conn: asyncpg.Connection, *, waybill: str, region: str, origin_branch: str, transfers: int
) -> None:
    """Open the receipt a shipper asked for."""
    await conn.execute(
        "INSERT INTO logistics.receipts (waybill, region, origin_branch, transfers)"
        " VALUES ($1, $2, $3, $4)",
        waybill,
        region,
        origin_branch,
        transfers,
    )


_RECEIPT_JOIN = (
    "SELECT r.*, s.receipt_signature, s.receipt_stamp, s.receipt_id_number, s.receipt_copies"
    " FROM logistics.receipts r JOIN logistics.shipments s USING (waybill)"
)


async def get_receipt(conn: asyncpg.Connection, *, waybill: str) -> Row | None:
    """One receipt with its requirements."""
    return await conn.fetchrow(f"{_RECEIPT_JOIN} WHERE r.waybill = $1", waybill)


async def lock_receipts(conn: asyncpg.Connection, *, waybills: Sequence[str]) -> list[Row]:
    """Load and lock receipts with their requirements."""
    return await conn.fetch(
        f"{_RECEIPT_JOIN} WHERE r.waybill = ANY($1::text[]) ORDER BY r.waybill FOR UPDATE OF r",
        list(waybills),
    )


async def update_receipts(conn: asyncpg.Connection, *, rows: Sequence[tuple[Any, ...]]) -> None:
    """Write back receipts set-wise (tuples from `records.receipt_values`)."""
    if not rows:
        return
    cols = list(zip(*rows, strict=True))
    await conn.execute(
        "UPDATE logistics.receipts r SET (state, arrival_at, due_on, hard_limit_on, steps,"
        "   received_at, redo_count, lost_at, loss_fen, version) ="
        " (u.state, u.arrival_at, u.due_on, u.hard_limit_on, u.steps::jsonb, u.received_at,"
        "  u.redo_count, u.lost_at, u.loss_fen, u.version)"
        " FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::date[], $5::date[],"
        "   $6::text[], $7::timestamptz[], $8::int[], $9::timestamptz[], $10::bigint[],"
        "   $11::int[])"
        " AS u(waybill, state, arrival_at, due_on, hard_limit_on, steps, received_at,"
        "   redo_count, lost_at, loss_fen, version)"
        " WHERE r.waybill = u.waybill",
        *(list(c) for c in cols),
    )


async def mark_overdue_reported(
    conn: asyncpg.Connection, *, waybill: str, on: date, version: int
) -> None:
    """Remember the local day a receipt's lateness was last published."""
    await conn.execute(
        "UPDATE logistics.receipts SET overdue_reported_on = $2, version = $3 WHERE waybill = $1",
        waybill,
        on,
        version,
    )


async def list_overdue_receipts(
    conn: asyncpg.Connection,
    *,
    today: date,
    region: str | None,
    after: tuple[date, str] | None,
    limit: int,
) -> list[Row]:
    """Receipts past their due day and not back, oldest due first (keyset on due_on, waybill)."""
    return await conn.fetch(
        "SELECT waybill, region, origin_branch, transfers, due_on, hard_limit_on, state"
        " FROM logistics.receipts"
        " WHERE received_at IS NULL AND due_on < $1 AND ($2::text IS NULL OR region = $2)"
        "   AND ($3::date IS NULL OR (due_on, waybill) > ($3, $4))"
        " ORDER BY due_on, waybill LIMIT $5",
        today,
        region,
        after[0] if after else None,
        after[1] if after else "",
        limit,
    )


async def receipts_for_month(
    conn: asyncpg.Connection, *, start: datetime, end: datetime, region: str | None
) -> list[Row]:
    """Receipts that may count in a month's report: arrived by its end, not back before it."""
    return await conn.fetch(
        f"{_RECEIPT_JOIN} WHERE ($3::text IS NULL OR r.region = $3) AND ("
        "   (r.arrival_at < $2 AND (r.received_at IS NULL OR r.received_at >= $1))"
        "   OR (r.lost_at >= $1 AND r.lost_at < $2))",
        start,
        end,
        region,
    )
