"""Applying scans set-wise: the one path for branch scanners (bulk) and the HTTP API.

One call handles a whole batch in the caller's transaction: the batch's shipments are loaded and
locked in one query, `apply_scan` runs in Python, then scan rows, shipment updates, receipt clocks,
timers and outbox rows are written with one statement each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.logistics import queries, state
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
from shared import outbox, timers
from shared.calendar import end_of_local_day
from shared.contracts.envelope import Event
from shared.contracts.logistics import ShipmentArrived, ShipmentSigned
from shared.contracts.values import ScanKind

DELAY_CHECK = "shipment.delay_check"
LOADING_CHECK = "shipment.loading_check"
RECEIPT_DEADLINE = "receipt.deadline"


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


async def apply_scans(
    conn: asyncpg.Connection, scans: Sequence[ScanIn], rules: LogisticsRules
) -> dict[str, Shipment]:
    """Apply a batch of scans; raise UnknownWaybill or DomainError on the first bad one."""
    if not scans:
        return {}
    rows = await queries.lock_shipments(conn, waybills=sorted({sc.waybill for sc in scans}))
    before = {r["waybill"]: state.to_shipment(r) for r in rows}
    shipper = {r["waybill"]: r["shipper_id"] for r in rows}
    current = dict(before)
    scan_rows: list[tuple[object, ...]] = []
    events: list[Event] = []
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
                scan_rows.append(
                    (
                        sc.scan_id,
                        sc.waybill,
                        sc.branch,
                        sc.kind.value,
                        sc.station,
                        eff.batch,
                        sc.at,
                        eff.applied,
                    )
                )
            elif isinstance(eff, Arrived):
                events.append(
                    state.movement(ShipmentArrived, s, eff.at, shipper[sc.waybill], eff.batch)
                )
            elif isinstance(eff, Signed):
                events.append(state.movement(ShipmentSigned, s, eff.at, shipper[sc.waybill]))
            elif isinstance(eff, ReceiptClockStarted):
                clocks[sc.waybill] = eff.arrival_at
            # Dispatched: shipment.dispatched went out when the waybill was registered.
    changed = {w: s for w, s in current.items() if s.version != before[w].version}
    await queries.insert_scans(conn, rows=scan_rows)
    await queries.update_shipments(conn, rows=[state.shipment_values(s) for s in changed.values()])
    await _start_receipt_clocks(conn, clocks, rules)
    done = [w for w, s in changed.items() if arrival_complete(s)]
    await queries.cancel_timers(conn, kinds=[DELAY_CHECK], keys=done)
    await outbox.add(conn, *events)
    return current


async def _start_receipt_clocks(
    conn: asyncpg.Connection, clocks: dict[str, datetime], rules: LogisticsRules
) -> None:
    """Fix the return deadlines from the last batch's arrival and set their timers."""
    if not clocks:
        return
    rows = await queries.lock_receipts(conn, waybills=sorted(clocks))
    updated = []
    for row in rows:
        r = start_receipt_clock(
            state.to_receipt(row, state.requirements_of(row)), clocks[row["waybill"]], rules
        )
        updated.append(r)
    await queries.update_receipts(conn, rows=[state.receipt_values(r) for r in updated])
    await timers.schedule_many(
        conn,
        [
            (RECEIPT_DEADLINE, r.waybill, end_of_local_day(r.due_on), {})
            for r in updated
            if r.due_on is not None and r.received_at is None
        ],
    )
