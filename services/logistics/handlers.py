"""Bus and timer handlers: branch scans (bulk), delay and loading checks, receipt deadlines,
and the weekly/monthly reports."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from services.logistics import metrics, queries, reports, scanning, state
from services.logistics.config import LogisticsSettings
from services.logistics.domain import (
    DomainError,
    Shipment,
    delay_check,
    loading_day,
    loading_unconfirmed,
    mark_delay_reported,
    receipt_next_check_at,
    receipt_status,
    report_csv,
)
from shared import outbox, timers
from shared.bus import Item, Reject
from shared.calendar import BUSINESS_TZ, local_date, next_occurrence
from shared.context import Context
from shared.contracts.envelope import Event
from shared.contracts.ingest import branch_of
from shared.contracts.logistics import (
    ReceiptOverdue,
    ShipmentDelayed,
    ShipmentLoadingUnconfirmed,
)
from shared.contracts.reports import ReportPublished
from shared.contracts.values import ReportKind
from shared.db import db_now, transaction

log = logging.getLogger("kefu.logistics")

EXCEPTIONS_WEEKLY = "report.exceptions_weekly"
RECEIPTS_MONTHLY = "report.receipts_monthly"
# Reports go out on Monday / the 1st at 08:00 Shanghai time, for the period just ended.
WEEKLY_ANCHOR = datetime(2026, 1, 5, 8, tzinfo=BUSINESS_TZ)
MONTHLY_ANCHOR = datetime(2026, 1, 1, 8, tzinfo=BUSINESS_TZ)


class Handlers:
    """The logistics service's handlers, bound to its settings."""

    def __init__(self, config: LogisticsSettings) -> None:
        self.config = config
        self.rules = config.rules()

    async def on_shipment_scanned(self, ctx: Context, items: Sequence[Item]) -> None:
        """Apply a fetched batch of branch scans in one transaction; dead-letter bad scans."""
        conn = ctx.conn
        scans = [
            scanning.ScanIn(
                scan_id=i.key,
                waybill=i.event.waybill,
                kind=i.event.kind,
                station=i.event.station,
                batch=i.event.batch,
                at=i.event.at,
                branch=branch_of(i.msg.subject),
            )
            for i in items
        ]
        try:
            await scanning.apply_scans(conn, scans, self.rules)
        except scanning.UnknownWaybill as exc:
            raise Reject(str(exc)) from exc
        except DomainError as exc:
            # The platform re-runs each message of the batch alone: only this one dead-letters.
            raise Reject(exc.detail) from exc
        metrics.count_scans(sc.kind for sc in scans)

    async def fire_delay_check(self, ctx: Context, timer: timers.Timer) -> datetime | None:
        """Not arrived by the deadline in force → shipment.delayed once; look again later."""
        conn = ctx.conn
        rows = await queries.lock_shipments(conn, waybills=[timer.key])
        if not rows:
            return None
        s = state.to_shipment(rows[0])
        now: datetime = await db_now(conn)
        verdict = delay_check(s, now, self.rules)
        if verdict.report and verdict.due_at is not None and verdict.station is not None:
            s = mark_delay_reported(s, verdict.due_at)
            await queries.update_shipments(conn, rows=[state.shipment_values(s)])
            await queries.add_log(
                conn,
                waybill=s.waybill,
                type_="delayed",
                at=now,
                by=None,
                detail={"due_at": verdict.due_at.isoformat(), "station": verdict.station},
            )
            new_eta = s.eta if s.eta is not None and s.eta > now else None
            await outbox.add(conn, delayed_event(s, verdict.station, new_eta))
        return verdict.next_check_at

    async def fire_loading_check(self, ctx: Context, timer: timers.Timer) -> datetime | None:
        """Urgent cargo not seen departing on its dispatch day → shipment.loading.unconfirmed."""
        conn = ctx.conn
        rows = await queries.lock_shipments(conn, waybills=[timer.key])
        if not rows:
            return None
        s = state.to_shipment(rows[0])
        now: datetime = await db_now(conn)
        if loading_unconfirmed(s, now):
            day = loading_day(s)
            await queries.add_log(
                conn,
                waybill=s.waybill,
                type_="loading_unconfirmed",
                at=now,
                by=None,
                detail={"day": day.isoformat(), "station": s.origin_branch},
            )
            await outbox.add(
                conn,
                ShipmentLoadingUnconfirmed(
                    source=state.SOURCE,
                    branch_id=s.origin_branch,
                    version=s.version,
                    waybill=s.waybill,
                    station=s.origin_branch,
                    day=day,
                ),
            )
        return None

    async def fire_receipt_deadline(self, ctx: Context, timer: timers.Timer) -> datetime | None:
        """A receipt past due and not back → receipt.overdue (once a day while it stays out)."""
        conn = ctx.conn
        rows = await queries.lock_receipts(conn, waybills=[timer.key])
        if not rows:
            return None
        row = rows[0]
        r = state.to_receipt(row, state.requirements_of(row))
        now: datetime = await db_now(conn)
        status = receipt_status(r, now)
        today = local_date(now)
        if status.overdue and r.due_on is not None and row["overdue_reported_on"] != today:
            # Each day's report is a new fact: a newer version, so no consumer takes it as stale.
            version = r.version + 1
            await queries.mark_overdue_reported(conn, waybill=r.waybill, on=today, version=version)
            await outbox.add(
                conn,
                ReceiptOverdue(
                    source=state.SOURCE,
                    branch_id=r.origin_branch,
                    version=version,
                    waybill=r.waybill,
                    region=r.region,
                    origin_branch=r.origin_branch,
                    due_on=r.due_on,
                    days_overdue=status.days_overdue,
                    hard_breach=status.hard_breach,
                ),
            )
        return receipt_next_check_at(r, now)

    async def fire_exceptions_weekly(self, ctx: Context, timer: timers.Timer) -> datetime | None:
        """Publish last week's exception summary to customer service; recur weekly."""
        conn = ctx.conn
        now: datetime = await db_now(conn)
        week = reports.previous_week(local_date(now))
        summary, csv_text = await reports.exceptions_week(conn, week)
        await outbox.add(
            conn,
            ReportPublished(
                source=state.SOURCE,
                kind=ReportKind.EXCEPTIONS_WEEKLY,
                period=week,
                audience="customer_service",
                summary=summary,
                csv=csv_text,
            ),
        )
        return next_occurrence("weekly", WEEKLY_ANCHOR, now)

    async def fire_receipts_monthly(self, ctx: Context, timer: timers.Timer) -> datetime | None:
        """Publish last month's receipts report: one per region, and all regions to the manager."""
        conn = ctx.conn
        now: datetime = await db_now(conn)
        month = reports.previous_month(local_date(now))
        lines = await reports.receipts_month(conn, month, None, self.rules)
        events: list[Event] = [
            ReportPublished(
                source=state.SOURCE,
                kind=ReportKind.RECEIPTS_MONTHLY,
                period=month,
                audience=f"region:{line.region}",
                summary={"month": month, "regions": [reports.region_line_json(line)]},
                csv=report_csv([line]),
            )
            for line in lines
        ]
        events.append(
            ReportPublished(
                source=state.SOURCE,
                kind=ReportKind.RECEIPTS_MONTHLY,
                period=month,
                audience="manager",
                summary={"month": month, "regions": [reports.region_line_json(x) for x in lines]},
                csv=report_csv(lines),
            )
        )
        await outbox.add(conn, *events)
        return next_occurrence("monthly", MONTHLY_ANCHOR, now)

    def timers(self) -> dict[str, timers.FireFn]:
        """Timer kind → fire function."""
        return {
            scanning.DELAY_CHECK: self.fire_delay_check,
            scanning.LOADING_CHECK: self.fire_loading_check,
            scanning.RECEIPT_DEADLINE: self.fire_receipt_deadline,
            EXCEPTIONS_WEEKLY: self.fire_exceptions_weekly,
            RECEIPTS_MONTHLY: self.fire_receipts_monthly,
        }


def delayed_event(s: Shipment, station: str, new_eta: datetime | None) -> ShipmentDelayed:
    """shipment.delayed for a shipment as it now stands (the customer and the station are told)."""
    return ShipmentDelayed(
        source=state.SOURCE,
        branch_id=s.origin_branch,
        version=s.version,
        waybill=s.waybill,
        promised_arrival_at=s.promised_arrival_at,
        new_eta=new_eta,
        station=station,
        contacts=state.contacts(s),
        region=s.region,
    )


async def seed_reports(runtime: object) -> None:
    """Make sure the recurring report timers exist (self-seeding; an existing one is kept)."""
    pool = getattr(runtime, "pool", None)
    if pool is None:
        return
    async with pool.acquire() as conn, transaction(conn):
        now: datetime = await db_now(conn)
        await queries.seed_timer(
            conn,
            kind=EXCEPTIONS_WEEKLY,
            key="weekly",
            due_at=next_occurrence("weekly", WEEKLY_ANCHOR, now),
        )
        await queries.seed_timer(
            conn,
            kind=RECEIPTS_MONTHLY,
            key="monthly",
            due_at=next_occurrence("monthly", MONTHLY_ANCHOR, now),
        )
