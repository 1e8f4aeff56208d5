"""Bus and timer entry points: branch scans (bulk), complaints naming a shipment, delay and
loading checks, receipt deadlines, the weekly/monthly reports, and seeding the report timers
at start-up."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from services.logistics import metrics
from services.logistics.domain import DomainError
from services.logistics.workflow import (
    DELAY_CHECK,
    EXCEPTIONS_WEEKLY,
    LOADING_CHECK,
    RECEIPT_DEADLINE,
    RECEIPTS_MONTHLY,
    access,
    receipts,
    reporting,
    scans,
    shipments,
    stations,
)
from shared.bus import HandlerContext, Item, Reject
from shared.context import Context
from shared.contracts.ingest import branch_of
from shared.contracts.intake import ComplaintOpened
from shared.contracts.values import SubjectKind
from shared.db import transaction
from shared.service import Runtime
from shared.timers import FireFn, Timer


async def on_shipment_scanned(ctx: Context, items: Sequence[Item]) -> None:
    """Apply a fetched batch of branch scans in one transaction; dead-letter bad scans."""
    batch = [
        scans.ScanIn(
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
        await scans.apply_scans(ctx, batch)
    except scans.UnknownWaybill as exc:
        raise Reject(str(exc)) from exc
    except DomainError as exc:
        # The platform re-runs each message of the batch alone: only this one dead-letters.
        raise Reject(exc.detail) from exc
    metrics.count_scans(sc.kind for sc in batch)


async def on_complaint_opened(event: ComplaintOpened, ctx: HandlerContext) -> None:
    """A branch's complaint about a shipment off its route is refused: dead-lettered with the
    reason (a branch refers only to shipments on its route; company-wide desks to any); any
    other complaint about a known shipment counts on its station's scorecard."""
    subject = event.subject
    if subject is None or subject.kind is not SubjectKind.SHIPMENT:
        return
    route = await access.route_of(ctx, subject.id)
    if route is not None and event.branch_id is not None and event.branch_id not in route:
        raise Reject(
            f"complaint {event.complaint_id} from branch {event.branch_id} names waybill"
            f" {subject.id}, whose route does not pass that branch: a branch refers only to"
            " shipments on its route"
        )
    await stations.file_complaint(ctx, event.complaint_id, subject.id, event.occurred_at)


async def fire_delay_check(ctx: Context, timer: Timer) -> datetime | None:
    """Not arrived by the deadline in force → shipment.delayed once; look again later."""
    return await shipments.check_delay(ctx, timer.key)


async def fire_loading_check(ctx: Context, timer: Timer) -> datetime | None:
    """Urgent cargo not seen departing on its dispatch day → shipment.loading.unconfirmed."""
    await shipments.check_loading(ctx, timer.key)
    return None


async def fire_receipt_deadline(ctx: Context, timer: Timer) -> datetime | None:
    """A receipt past due and not back → receipt.overdue (once a day while it stays out)."""
    return await receipts.check_deadline(ctx, timer.key)


async def fire_exceptions_weekly(ctx: Context, timer: Timer) -> datetime | None:
    """Publish last week's exception summary to customer service; recur weekly."""
    return await reporting.publish_exceptions_weekly(ctx)


async def fire_receipts_monthly(ctx: Context, timer: Timer) -> datetime | None:
    """Publish last month's receipts report: one per region, and all regions to the manager."""
    return await reporting.publish_receipts_monthly(ctx)


TIMERS: dict[str, FireFn] = {
    DELAY_CHECK: fire_delay_check,
    LOADING_CHECK: fire_loading_check,
    RECEIPT_DEADLINE: fire_receipt_deadline,
    EXCEPTIONS_WEEKLY: fire_exceptions_weekly,
    RECEIPTS_MONTHLY: fire_receipts_monthly,
}


async def seed_reports(runtime: Runtime) -> None:
    """Background task at start-up: make sure the recurring report timers exist."""
    if runtime.pool is None:
        return
    async with runtime.pool.acquire() as conn, transaction(conn):
        await runtime.clock.apply(conn)
        await reporting.seed_reports(runtime.context(conn))
