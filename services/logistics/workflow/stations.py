"""The stations' evaluation: the register of violations of the prohibitions and the monthly
compliance report per branch."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from services.logistics import queries
from services.logistics.domain import (
    ComplianceLine,
    Violation,
    ViolationKind,
    monthly_compliance,
    parse_month,
    record_violation,
)
from services.logistics.queries import records
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


KINDS = tuple(k.value for k in ViolationKind)
