"""Applying scans set-wise: the one path for branch scanners (bulk) and the HTTP API.

One call handles a whole batch in the caller's transaction: the batch's shipments are loaded and
locked in one query, `apply_scan` runs in Python, then scan rows, shipment updates, receipt clocks,
timers and outbox rows are written with one statement each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from services.logistics import queries
from services.logistics.domain import (
    OFF_ROUTE,
    Arrived,
    DomainError,
    LogisticsRules,
    ReceiptClockStarted,
    ScanRecorded,
    Shipment,
    Signed,
    apply_scan,
    arrival_complete,
    route,
    route_branches,
    start_receipt_clock,
)
from services.logistics.queries import records
from services.logistics.workflow import DELAY_CHECK, RECEIPT_DEADLINE, access, events
from shared import timers
from shared.calendar import end_of_local_day
from shared.context import Context
from shared.contracts.envelope import Event
from shared.contracts.logistics import ShipmentArrived, ShipmentSigned
from shared.contracts.values import ScanKind
from shared.web.auth import Principal


class UnknownWaybill(LookupError):
    """A scan names a waybill nobody registered."""

    def __init__(self, waybill: str) -> None:
        super().__init__(f"waybill {waybill} is not known")
        self.waybill = waybill


@dataclass(frozen=True, slots=True)
class ScanIn:
    """One scan to apply; `branch` is the sending branch (the ingest subject's), if any."""

    scan_id: str
    waybill: str
    kind: ScanKind
    station: str
    batch: int | None
    at: datetime
    branch: str | None = None


def check_branch(s: Shipment, branch: str) -> None:
    """The branch that sent a scan must be on the shipment's route."""
    if branch not in route_branches(s):
        raise DomainError(
            OFF_ROUTE,
            f"branch {branch} is not on the route of waybill {s.waybill} ({' → '.join(route(s))})",
            field="station",
        )


async def apply_scans(ctx: Context, scans: Sequence[ScanIn]) -> dict[str, Shipment]:
    """Apply a batch of scans; raise UnknownWaybill or DomainError on the first bad one."""
    if not scans:
        return {}
    conn = ctx.conn
    rows = await queries.lock_shipments(conn, waybills=sorted({sc.waybill for sc in scans}))
    before = {r["waybill"]: records.to_shipment(r) for r in rows}
    shipper = {r["waybill"]: r["shipper_id"] for r in rows}
    current = dict(before)
    scan_rows: list[tuple[object, ...]] = []
    emitted: list[Event] = []
    clocks: dict[str, datetime] = {}
    for sc in scans:
        s = current.get(sc.waybill)
        if s is None:
            raise UnknownWaybill(sc.waybill)
        if sc.branch is not None:
            check_branch(s, sc.branch)
        s, effects = apply_scan(s, sc.kind, sc.station, sc.batch, sc.at)
        current[sc.waybill] = s
        for eff in effects:
            if isinstance(eff, ScanRecorded):
                scan_rows.append(records.scan_values(sc.scan_id, sc.branch, eff))
            elif isinstance(eff, Arrived):
                emitted.append(
                    events.movement(ShipmentArrived, s, eff.at, shipper[sc.waybill], eff.batch)
                )
            elif isinstance(eff, Signed):
                emitted.append(events.movement(ShipmentSigned, s, eff.at, shipper[sc.waybill]))
            elif isinstance(eff, ReceiptClockStarted):
                clocks[sc.waybill] = eff.arrival_at
            # Dispatched: shipment.dispatched went out when the waybill was registered.
    changed = {w: s for w, s in current.items() if s.version != before[w].version}
    await queries.insert_scans(conn, rows=scan_rows)
    await queries.update_shipments(
        conn, rows=[records.shipment_values(s) for s in changed.values()]
    )
    await _start_receipt_clocks(ctx, clocks)
    done = [w for w, s in changed.items() if arrival_complete(s)]
    await queries.cancel_timers(conn, kinds=[DELAY_CHECK], keys=done)
    await ctx.emit(*emitted)
    return current


async def _start_receipt_clocks(ctx: Context, clocks: dict[str, datetime]) -> None:
    """Fix the return deadlines from the last batch's arrival and set their timers."""
    if not clocks:
        return
    rules: LogisticsRules = ctx.config.rules()
    rows = await queries.lock_receipts(ctx.conn, waybills=sorted(clocks))
    updated = [
        start_receipt_clock(records.to_receipt(row), clocks[row["waybill"]], rules) for row in rows
    ]
    await queries.update_receipts(ctx.conn, rows=[records.receipt_values(r) for r in updated])
    # Set-wise (ctx.schedule is one statement per timer).
    await timers.schedule_many(
        ctx.conn,
        [
            (RECEIPT_DEADLINE, r.waybill, end_of_local_day(r.due_on), {})
            for r in updated
            if r.due_on is not None and r.received_at is None
        ],
    )


async def scan(
    ctx: Context,
    who: Principal,
    scan_id: str,
    waybill: str,
    kind: ScanKind,
    station: str,
    batch: int | None,
    at: datetime | None,
) -> Shipment:
    """A scan from the desk, applied at once as a batch of one (its refusals come back)."""
    await access.shipment(ctx, who, waybill)
    item = ScanIn(
        scan_id,
        waybill,
        kind,
        station,
        batch,
        await ctx.business_time(at, "at"),
        branch=who.branch if who.is_branch else None,
    )
    current = await apply_scans(ctx, [item])
    return current[waybill]
