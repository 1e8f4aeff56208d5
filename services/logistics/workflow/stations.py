"""The stations' evaluation: the register of violations of the prohibitions, the monthly
compliance report per branch and each station's monthly scorecard."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from services.logistics import queries
from services.logistics.domain import (
    ComplianceLine,
    DelayReport,
    StationScore,
    Violation,
    ViolationKind,
    delay_report,
    downstream_station,
    late_by_destination,
    monthly_compliance,
    parse_month,
    record_violation,
    station_scorecards,
)
from services.logistics.queries import records
from shared.calendar import local_date
from shared.context import Context
from shared.contracts.values import Role
from shared.errors import Forbidden, Invalid
from shared.web.auth import Principal


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """A YYYY-MM as its Shanghai bounds, or a 422 naming `month`."""
    try:
        return parse_month(month)
    except ValueError as exc:
        raise Invalid("month", str(exc)) from exc


def _region(who: Principal, region: str | None) -> str | None:
    """A staff token with a region sees and records that region only."""
    if who.region and who.role is not Role.ADMIN:
        if region not in (None, who.region):
            raise Forbidden(f"a token of region {who.region} cannot act for region {region}")
        return who.region
    return region


@dataclass(frozen=True, slots=True)
class ViolationReport:
    """A breach as the supervisor reports it."""

    branch: str
    region: str
    kind: ViolationKind
    note: str
    waybill: str | None = None
    staff: str | None = None
    at: datetime | None = None


async def register(ctx: Context, who: Principal, r: ViolationReport) -> Violation:
    """Record a breach of a prohibition against a branch (and the person, when known)."""
    _region(who, r.region)
    when = await ctx.business_time(r.at, "at")
    found = record_violation(
        str(uuid.uuid4()), r.branch, r.region, r.kind, r.note, when, r.waybill, r.staff
    )
    await queries.insert_violation(
        ctx.conn,
        violation_id=found.violation_id,
        branch=found.branch,
        region=found.region,
        kind=found.kind.value,
        note=found.note,
        waybill=found.waybill,
        staff=found.staff,
        by=who.sub,
        at=found.at,
    )
    return found


async def violations(
    ctx: Context,
    who: Principal,
    month: str,
    branch: str | None,
    region: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Violation]:
    """A month's violations, newest first; a branch sees its own."""
    start, end = month_bounds(month)
    if who.is_branch:
        branch = who.branch
    rows = await queries.violations_between(
        ctx.conn,
        start=start,
        end=end,
        branch=branch,
        region=_region(who, region) if not who.is_branch else None,
        after=after,
        limit=limit,
    )
    return [records.to_violation(r) for r in rows]


async def compliance(
    ctx: Context, who: Principal, month: str, region: str | None
) -> list[ComplianceLine]:
    """Per branch, the month's violations by prohibition."""
    start, end = month_bounds(month)
    rows = await queries.violations_between(
        ctx.conn, start=start, end=end, branch=None, region=_region(who, region)
    )
    return monthly_compliance([records.to_violation(r) for r in rows], start, end)


async def scorecards(
    ctx: Context, who: Principal, month: str, region: str | None
) -> list[StationScore]:
    """Each station's month: delays, exceptions by kind, truck checks, late and abnormal
    receipts of its deliveries, violations (a region token: its region's stations)."""
    start, end = month_bounds(month)
    region = _region(who, region)
    span = {"start": start, "end": end}
    delays = await queries.delays_by_station(ctx.conn, **span, region=region)
    found = await queries.exceptions_by_station(ctx.conn, **span, region=region)
    checks = await queries.truck_checks_by_station(ctx.conn, **span)
    abnormal = await queries.abnormal_by_destination(ctx.conn, **span, region=region)
    breaches = await queries.violations_by_branch(ctx.conn, **span, region=region)
    complained = await queries.complaints_by_station(ctx.conn, **span, region=region)
    # Went overdue this month: due the day before one of its days.
    due = await queries.receipts_due_between(
        ctx.conn,
        first=local_date(start) - timedelta(days=1),
        before=local_date(end) - timedelta(days=1),
        region=region,
    )
    lines = station_scorecards(
        delays={r["station"]: r["n"] for r in delays},
        exceptions=[(r["station"], r["kind"], r["n"]) for r in found],
        truck_checks={} if region else {r["station"]: (r["checks"], r["findings"]) for r in checks},
        receipts_late=late_by_destination(
            ((r["destination_branch"], records.to_receipt(r)) for r in due), start, end
        ),
        abnormal={r["station"]: (r["n"], r["missed"]) for r in abnormal},
        violations={r["station"]: r["n"] for r in breaches},
        complaints={r["station"]: r["n"] for r in complained},
    )
    if region is None:
        return lines
    # A region's stations are those with anything of the region to count; their truck checks
    # are theirs (a check has no region of its own).
    counted = {r["station"]: (r["checks"], r["findings"]) for r in checks}
    return [
        replace(
            x,
            truck_checks=counted.get(x.station, (0, 0))[0],
            truck_findings=counted.get(x.station, (0, 0))[1],
        )
        for x in lines
    ]


async def delays(
    ctx: Context, who: Principal, month: str, region: str | None
) -> tuple[str | None, DelayReport]:
    """The region read (a region token: its own) and its month's delays: per route the shipments
    dispatched and the delayed, per station the delay reports naming it."""
    start, end = month_bounds(month)
    region = _region(who, region)
    span = {"start": start, "end": end}
    routes = await queries.delays_by_route(ctx.conn, **span, region=region)
    stations = await queries.delays_by_station(ctx.conn, **span, region=region)
    found = delay_report(
        (records.to_route_count(r) for r in routes), {r["station"]: r["n"] for r in stations}
    )
    return region, found


KINDS = tuple(k.value for k in ViolationKind)


async def file_complaint(ctx: Context, complaint_id: str, waybill: str, at: datetime) -> None:
    """A complaint about a shipment counts against the station it was at or heading to when the
    complaint opened (our reading of 监督考评联盟质量运营); an unknown waybill is not counted."""
    row = await queries.get_shipment(ctx.conn, waybill=waybill)
    if row is None:
        return
    s = records.to_shipment(row)
    await queries.insert_complaint(
        ctx.conn,
        complaint_id=complaint_id,
        waybill=waybill,
        station=downstream_station(s),
        region=s.region,
        opened_at=at,
    )
