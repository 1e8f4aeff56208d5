"""The desk's lists and what a release needs: shipments by filter, receipts by due day, the
release requirements for a consignee; each narrowed to what the caller may see."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from asyncpg import Record

from services.logistics.domain import (
    Requirement,
    Shipment,
    is_delayed,
    release_requirements,
)
from services.logistics.queries import lists, records
from services.logistics.workflow import access
from shared.calendar import local_date, start_of_local_day
from shared.context import Context
from shared.contracts.values import Role
from shared.errors import Invalid
from shared.validation import normalise_phone
from shared.web.auth import Principal


@dataclass(frozen=True, slots=True)
class Listed:
    """A shipment as a list shows it: the rules' view and whether it is late."""

    shipment: Shipment
    delayed: bool


@dataclass(frozen=True, slots=True)
class DueReceipt:
    """A receipt not yet back, with how its due day stands today."""

    row: Record
    days_left: int
    overdue: bool
    hard_breach: bool


def scoped(who: Principal, f: lists.ShipmentFilter) -> lists.ShipmentFilter | None:
    """The filter narrowed to what the caller may see: a branch its route (its own station),
    a staff token with a region that region; None when it asks for another branch's list."""
    if who.is_branch:
        if f.station not in (None, who.branch):
            return None
        return replace(f, station=who.branch)
    if who.region and who.role is not Role.ADMIN:
        if f.region not in (None, who.region):
            return None
        return replace(f, region=who.region)
    return f


def day_range(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """Local business days (inclusive) as the instants that bound them."""
    return (
        start_of_local_day(start) if start else None,
        start_of_local_day(end + timedelta(days=1)) if end else None,
    )


def phone(value: str | None, field: str) -> str | None:
    """A phone as the shipments store it (the registration normalises it alike), or a 422
    naming the field."""
    if not value:
        return None
    try:
        return normalise_phone(value)
    except ValueError as exc:
        raise Invalid(field, str(exc)) from None


async def shipments(
    ctx: Context,
    who: Principal,
    f: lists.ShipmentFilter,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Listed]:
    """A page of the shipments the caller may see, newest dispatched first."""
    where = scoped(who, f)
    if where is None:
        return []
    rows = await lists.list_shipments(ctx.conn, where=where, after=after, limit=limit)
    found = [records.to_shipment(r) for r in rows]
    return [Listed(s, is_delayed(s)) for s in found]


async def receipts_due(
    ctx: Context,
    who: Principal,
    *,
    branch: str | None,
    region: str | None,
    within_days: int | None,
    after: tuple[date, str] | None,
    limit: int,
) -> list[DueReceipt]:
    """Receipts not yet back, soonest due first: a branch's (as origin or destination), a
    region's, or all; `within_days`: due before that many days from today (overdue included)."""
    if who.is_branch:
        if branch not in (None, who.branch):
            return []
        branch = who.branch
    elif who.region and who.role is not Role.ADMIN:
        if region not in (None, who.region):
            return []
        region = who.region
    today = local_date(await ctx.now())
    before = today + timedelta(days=within_days + 1) if within_days is not None else None
    rows = await lists.list_receipts(
        ctx.conn, branch=branch, region=region, due_before=before, after=after, limit=limit
    )
    out = []
    for r in rows:
        days = (r["due_on"] - today).days
        hard = r["hard_limit_on"] is not None and today > r["hard_limit_on"]
        out.append(DueReceipt(r, days, days < 0, hard))
    return out


@dataclass(frozen=True, slots=True)
class ReleaseNeeds:
    """What the counter must see before the goods go, and the names proven by the shipper."""

    shipment: Shipment
    requirements: list[Requirement]
    proven_names: list[str]


async def release_needs(ctx: Context, who: Principal, waybill: str) -> ReleaseNeeds:
    """The release requirements for this waybill's consignee: every branch that sees the
    shipment may read them (the origin tells the shipper what the consignee must bring)."""
    row = await access.shipment(ctx, who, waybill)
    s = records.to_shipment(row)
    changes = await lists.consignee_changes(ctx.conn, waybill=waybill)
    names = list(dict.fromkeys(str(c["new_name"]) for c in changes))
    return ReleaseNeeds(s, release_requirements(s, names), names)
