"""SQL of proof-of-delivery receipts."""

from __future__ import annotations

import json
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
    "SELECT r.*, s.receipt_signature, s.receipt_stamp, s.receipt_id_number, s.receipt_copies,"
    " s.destination_branch"
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
        "   received_at, redo_count, lost_at, loss_fen, version, closed_at) ="
        " (u.state, u.arrival_at, u.due_on, u.hard_limit_on, u.steps::jsonb, u.received_at,"
        "  u.redo_count, u.lost_at, u.loss_fen, u.version, u.closed_at)"
        " FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::date[], $5::date[],"
        "   $6::text[], $7::timestamptz[], $8::int[], $9::timestamptz[], $10::bigint[],"
        "   $11::int[], $12::timestamptz[])"
        " AS u(waybill, state, arrival_at, due_on, hard_limit_on, steps, received_at,"
        "   redo_count, lost_at, loss_fen, version, closed_at)"
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
        " WHERE received_at IS NULL AND closed_at IS NULL AND due_on < $1"
        "   AND ($2::text IS NULL OR region = $2)"
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


# --- abnormal receipts ------------------------------------------------------------------------


async def insert_abnormality(
    conn: asyncpg.Connection,
    *,
    abnormality_id: str,
    waybill: str,
    region: str,
    step: str,
    defects: Sequence[str],
    found_by: str,
    found_at: datetime,
) -> None:
    """Register an abnormal receipt."""
    await conn.execute(
        "INSERT INTO logistics.receipt_abnormalities"
        " (abnormality_id, waybill, region, step, defects, found_by, found_at)"
        " VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)",
        abnormality_id,
        waybill,
        region,
        step,
        json.dumps(list(defects), ensure_ascii=False),
        found_by,
        found_at,
    )


async def resolve_abnormalities(conn: asyncpg.Connection, *, waybill: str, at: datetime) -> int:
    """Mark a waybill's open abnormalities handled (signed again); how many there were."""
    done = await conn.execute(
        "UPDATE logistics.receipt_abnormalities SET resolved_at = GREATEST($2, found_at)"
        " WHERE waybill = $1 AND resolved_at IS NULL",
        waybill,
        at,
    )
    return int(done.split()[-1])


async def abnormalities_between(
    conn: asyncpg.Connection, *, start: datetime, end: datetime, region: str | None
) -> list[Row]:
    """Abnormal receipts found in [start, end)."""
    return await conn.fetch(
        "SELECT * FROM logistics.receipt_abnormalities"
        " WHERE found_at >= $1 AND found_at < $2 AND ($3::text IS NULL OR region = $3)"
        " ORDER BY found_at, abnormality_id",
        start,
        end,
        region,
    )


async def list_abnormalities(
    conn: asyncpg.Connection,
    *,
    region: str | None,
    open_only: bool,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Row]:
    """The register, newest found first (keyset on found_at, abnormality_id)."""
    return await conn.fetch(
        "SELECT a.*, s.origin_branch, s.destination_branch"
        " FROM logistics.receipt_abnormalities a JOIN logistics.shipments s USING (waybill)"
        " WHERE ($1::text IS NULL OR a.region = $1) AND (NOT $2 OR a.resolved_at IS NULL)"
        "   AND ($3::timestamptz IS NULL OR (a.found_at, a.abnormality_id) < ($3, $4::uuid))"
        " ORDER BY a.found_at DESC, a.abnormality_id DESC LIMIT $5",
        region,
        open_only,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )


# --- explanations of late receipts --------------------------------------------------------


async def upsert_explanation(
    conn: asyncpg.Connection, *, waybill: str, cause: str, text: str, by: str, at: datetime
) -> None:
    """Record the region's explanation of a late receipt (a newer one replaces it)."""
    await conn.execute(
        "INSERT INTO logistics.receipt_explanations (waybill, cause, text, by, at)"
        " VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (waybill) DO UPDATE SET cause = EXCLUDED.cause, text = EXCLUDED.text,"
        "   by = EXCLUDED.by, at = EXCLUDED.at",
        waybill,
        cause,
        text,
        by,
        at,
    )


async def explanations_of(conn: asyncpg.Connection, *, waybills: Sequence[str]) -> list[Row]:
    """The explanations recorded for these waybills."""
    return await conn.fetch(
        "SELECT * FROM logistics.receipt_explanations WHERE waybill = ANY($1::text[])",
        list(waybills),
    )


# --- region receipt owners ----------------------------------------------------------------


async def upsert_receipt_owner(
    conn: asyncpg.Connection,
    *,
    region: str,
    owner: str,
    owner_name: str,
    superior: str,
    superior_name: str,
    by: str,
    at: datetime,
) -> None:
    """Name (or rename) a region's receipt owner and superior."""
    await conn.execute(
        "INSERT INTO logistics.receipt_owners"
        " (region, owner, owner_name, superior, superior_name, by, at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (region) DO UPDATE SET owner = EXCLUDED.owner,"
        "   owner_name = EXCLUDED.owner_name, superior = EXCLUDED.superior,"
        "   superior_name = EXCLUDED.superior_name, by = EXCLUDED.by, at = EXCLUDED.at",
        region,
        owner,
        owner_name,
        superior,
        superior_name,
        by,
        at,
    )


async def receipt_owners(conn: asyncpg.Connection, *, region: str | None) -> list[Row]:
    """The regions' receipt owners (one region's, or all), by region."""
    return await conn.fetch(
        "SELECT * FROM logistics.receipt_owners WHERE ($1::text IS NULL OR region = $1)"
        " ORDER BY region",
        region,
    )


# --- custody and envelopes ----------------------------------------------------------------


async def record_custody(conn: asyncpg.Connection, *, rows: Sequence[tuple[Any, ...]]) -> None:
    """Write handovers set-wise and move each receipt to its new holder: rows of (waybill, step,
    from_holder, to_holder, envelope_id, by, at, business_owner or None to keep it)."""
    if not rows:
        return
    cols = [list(c) for c in zip(*rows, strict=True)]
    await conn.execute(
        "WITH moved AS ("
        "  INSERT INTO logistics.receipt_custody"
        "   (waybill, step, from_holder, to_holder, envelope_id, by, at)"
        "  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::uuid[],"
        "   $6::text[], $7::timestamptz[]) RETURNING waybill)"
        " UPDATE logistics.receipts r SET holder = u.to_holder, holder_since = u.at,"
        "   business_owner = COALESCE(u.business_owner, r.business_owner)"
        " FROM unnest($1::text[], $4::text[], $7::timestamptz[], $8::text[])"
        "   AS u(waybill, to_holder, at, business_owner)"
        " WHERE r.waybill = u.waybill",
        *cols,
    )


async def custody_of(conn: asyncpg.Connection, *, waybill: str) -> list[Row]:
    """A receipt's handovers, oldest first."""
    return await conn.fetch(
        "SELECT step, from_holder, to_holder, envelope_id, by, at"
        " FROM logistics.receipt_custody WHERE waybill = $1 ORDER BY at, id",
        waybill,
    )


async def list_held(
    conn: asyncpg.Connection,
    *,
    holder: str | None,
    business_owner: str | None,
    region: str | None,
    branch: str | None,
    handed_over_only: bool,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Row]:
    """Receipts not settled yet with who holds them, longest held first (keyset on
    holder_since, waybill); `handed_over_only`: handed over and waiting for finance."""
    return await conn.fetch(
        "SELECT r.waybill, r.region, r.origin_branch, s.destination_branch, r.state, r.holder,"
        "   r.holder_since, r.business_owner, r.due_on"
        " FROM logistics.receipts r JOIN logistics.shipments s USING (waybill)"
        " WHERE r.state NOT IN ('settled', 'cancelled', 'written_off') AND r.holder IS NOT NULL"
        "   AND (NOT $1 OR r.state = 'handed_over')"
        "   AND ($2::text IS NULL OR r.holder = $2)"
        "   AND ($3::text IS NULL OR r.business_owner = $3)"
        "   AND ($4::text IS NULL OR r.region = $4)"
        "   AND ($5::text IS NULL OR r.origin_branch = $5 OR s.destination_branch = $5)"
        "   AND ($6::timestamptz IS NULL OR (r.holder_since, r.waybill) > ($6, $7))"
        " ORDER BY r.holder_since, r.waybill LIMIT $8",
        handed_over_only,
        holder,
        business_owner,
        region,
        branch,
        after[0] if after else None,
        after[1] if after else "",
        limit,
    )


async def insert_envelope(
    conn: asyncpg.Connection,
    *,
    envelope_id: str,
    from_branch: str,
    to_branch: str,
    waybills: Sequence[str],
    by: str,
    at: datetime,
) -> None:
    """Record a sealed envelope and its list."""
    await conn.execute(
        "INSERT INTO logistics.receipt_envelopes"
        " (envelope_id, from_branch, to_branch, waybills, sealed_by, sealed_at)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        envelope_id,
        from_branch,
        to_branch,
        list(waybills),
        by,
        at,
    )


async def get_envelope(conn: asyncpg.Connection, *, envelope_id: str, lock: bool) -> Row | None:
    """One envelope (locked for the check when asked)."""
    return await conn.fetchrow(
        "SELECT * FROM logistics.receipt_envelopes WHERE envelope_id = $1"
        + (" FOR UPDATE" if lock else ""),
        envelope_id,
    )


async def mark_envelope_checked(
    conn: asyncpg.Connection,
    *,
    envelope_id: str,
    by: str,
    at: datetime,
    missing: Sequence[str],
    unexpected: Sequence[str],
) -> None:
    """Record the origin's check of an envelope against its list."""
    await conn.execute(
        "UPDATE logistics.receipt_envelopes SET checked_by = $2, checked_at = $3, missing = $4,"
        " unexpected = $5 WHERE envelope_id = $1",
        envelope_id,
        by,
        at,
        list(missing),
        list(unexpected),
    )
