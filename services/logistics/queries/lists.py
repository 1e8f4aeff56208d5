"""SQL of the desk's lists: shipments by any of their filters and receipts by due day, each
keyset-paged on an index (migration 0004)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import asyncpg
from asyncpg import Record as Row

# The statuses of a shipment not yet signed for, and the subsets the desk asks for.
UNSIGNED = ("created", "in_transit", "partially_arrived", "arrived")
ON_THE_WAY = ("created", "in_transit", "partially_arrived")
AT_DESTINATION = ("partially_arrived", "arrived")

# Each leg of a route has its own index ordered by (dispatched_at, waybill); a station's list
# is the merge of its legs, so every part is an ordered index scan that stops at the page size.
# The transfer legs' predicates are repeated literally so the partial indexes apply.
_LEGS = (
    "origin_branch = {b}",
    "destination_branch = {b}",
    "transfers >= 1 AND transfer_branches[1] = {b}",
    "transfers = 2 AND transfer_branches[2] = {b}",
)
# On its way and late: the missed deadline was reported, or a station confirmed a later time.
_LATE = "(delay_reported_for IS NOT NULL OR coalesce(eta > promised_arrival_at, false))"
_ORDER = "ORDER BY dispatched_at DESC, waybill DESC"
# Left the stop before the station and not arrived there: the stop after the last departure.
_ROUTE = "(ARRAY[origin_branch] || transfer_branches || ARRAY[destination_branch])"
_NEXT_STOP = f"{_ROUTE}[array_position({_ROUTE}, last_station) + 1]"


@dataclass(frozen=True, slots=True)
class ShipmentFilter:
    """What a shipment list asks for; every field narrows it (None: no condition)."""

    station: str | None = None  # on the route: origin, a transfer or the destination
    origin_branch: str | None = None
    destination_branch: str | None = None
    region: str | None = None
    statuses: tuple[str, ...] | None = None
    consignee_phone: str | None = None
    shipper_phone: str | None = None
    dispatched_from: datetime | None = None
    dispatched_before: datetime | None = None
    delayed: bool | None = None
    awaiting_release: bool | None = None
    heading_to: str | None = None  # in transit to this station (车辆跟踪 / 外发跟踪)


def _conditions(f: ShipmentFilter, args: list[object]) -> list[str]:
    """The WHERE terms of a filter, its values appended to args as $n."""

    def arg(value: object) -> str:
        args.append(value)
        return f"${len(args)}"

    terms: list[str] = []
    for column, value in (
        ("origin_branch", f.origin_branch),
        ("destination_branch", f.destination_branch),
        ("region", f.region),
        ("consignee_phone", f.consignee_phone),
        ("shipper_phone", f.shipper_phone),
    ):
        if value is not None:
            terms.append(f"{column} = {arg(value)}")
    statuses = set(f.statuses) if f.statuses else None
    if f.awaiting_release:
        statuses = (statuses or set(AT_DESTINATION)) & set(AT_DESTINATION)
    if f.delayed:
        statuses = (statuses or set(ON_THE_WAY)) & set(ON_THE_WAY)
        terms.append(_LATE)
    elif f.delayed is False:
        terms.append(f"NOT (status = ANY({arg(list(ON_THE_WAY))}::text[]) AND {_LATE})")
    if statuses is not None:
        if statuses <= set(UNSIGNED):
            # Said literally, so the partial indexes of unsigned shipments apply.
            terms.append("status <> 'signed'")
        terms.append(f"status = ANY({arg(sorted(statuses))}::text[])")
    if f.heading_to is not None:
        terms.append("status <> 'signed'")
        terms.append(f"last_scan_kind = 'departed' AND {_NEXT_STOP} = {arg(f.heading_to)}")
    if f.dispatched_from is not None:
        terms.append(f"dispatched_at >= {arg(f.dispatched_from)}")
    if f.dispatched_before is not None:
        terms.append(f"dispatched_at < {arg(f.dispatched_before)}")
    return terms


async def list_shipments(
    conn: asyncpg.Connection,
    *,
    where: ShipmentFilter,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Row]:
    """A page of shipments, newest dispatched first (keyset on (dispatched_at, waybill))."""
    args: list[object] = []
    terms = _conditions(where, args)
    if after is not None:
        args.extend(after)
        terms.append(f"(dispatched_at, waybill) < (${len(args) - 1}, ${len(args)})")
    args.append(limit)
    top = f"${len(args)}"
    station_of = where.station or where.heading_to  # heading to a station: on its route
    if station_of is None:
        cond = " AND ".join(terms) or "true"
        return await conn.fetch(
            f"SELECT * FROM logistics.shipments WHERE {cond} {_ORDER} LIMIT {top}", *args
        )
    args.append(station_of)
    station = f"${len(args)}"
    parts = [
        f"(SELECT * FROM logistics.shipments WHERE {' AND '.join([leg.format(b=station), *terms])}"
        f" {_ORDER} LIMIT {top})"
        for leg in _LEGS
    ]
    # UNION, not UNION ALL: a station that is both origin and destination is listed once.
    return await conn.fetch(
        f"SELECT * FROM ({' UNION '.join(parts)}) AS legs {_ORDER} LIMIT {top}", *args
    )


async def list_receipts(
    conn: asyncpg.Connection,
    *,
    branch: str | None,
    region: str | None,
    due_before: date | None,
    after: tuple[date, str] | None,
    limit: int,
) -> list[Row]:
    """Receipts not yet back at the origin, soonest due first (keyset on (due_on, waybill));
    `branch`: those whose origin or destination it is (the parties of a receipt's steps)."""
    return await conn.fetch(
        "SELECT r.waybill, r.region, r.origin_branch, s.destination_branch, r.transfers,"
        " r.state, r.arrival_at, r.due_on, r.hard_limit_on, r.steps"
        " FROM logistics.receipts r JOIN logistics.shipments s ON s.waybill = r.waybill"
        " WHERE r.received_at IS NULL AND r.lost_at IS NULL AND r.closed_at IS NULL"
        "   AND r.due_on IS NOT NULL"
        "   AND ($1::text IS NULL OR r.origin_branch = $1 OR s.destination_branch = $1)"
        "   AND ($2::text IS NULL OR r.region = $2)"
        "   AND ($3::date IS NULL OR r.due_on < $3)"
        "   AND ($4::date IS NULL OR (r.due_on, r.waybill) > ($4, $5))"
        " ORDER BY r.due_on, r.waybill LIMIT $6",
        branch,
        region,
        due_before,
        after[0] if after else None,
        after[1] if after else "",
        limit,
    )


async def consignee_changes(conn: asyncpg.Connection, *, waybill: str) -> list[Row]:
    """The shipper's recorded consignee changes of a waybill, oldest first."""
    return await conn.fetch(
        "SELECT new_name, note, at FROM logistics.consignee_changes WHERE waybill = $1"
        " ORDER BY at, id",
        waybill,
    )
