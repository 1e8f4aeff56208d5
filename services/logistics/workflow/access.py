"""Who may see which shipment: branches on its route, staff of its region, a customer link
its own waybill, everyone else."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from asyncpg import Record

from services.logistics import queries
from shared.context import Context
from shared.contracts.values import Role
from shared.errors import NotFound
from shared.web.auth import Principal


def may_see(who: Principal, row: Mapping[str, Any]) -> bool:
    """Branches see shipments on their route; staff with a region see that region's; a
    customer link's token (role tracking) its one waybill."""
    if who.role is Role.TRACKING:
        return who.waybill is not None and row["waybill"] == who.waybill
    if who.is_branch:
        route = {row["origin_branch"], row["destination_branch"], *row["transfer_branches"]}
        return who.branch in route
    if who.region and who.role is not Role.ADMIN:
        return bool(row["region"] == who.region)
    return True


def visible(who: Principal, row: Record | None, waybill: str) -> Record:
    """The row, or 404 when unknown or not the caller's to see (the same answer on purpose)."""
    if row is None or not may_see(who, row):
        raise NotFound("waybill", waybill)
    return row


async def route_of(ctx: Context, waybill: str) -> frozenset[str] | None:
    """The branches on a shipment's route (origin, transfers, destination); None if unknown."""
    row = await queries.get_shipment(ctx.conn, waybill=waybill)
    if row is None:
        return None
    return frozenset((row["origin_branch"], row["destination_branch"], *row["transfer_branches"]))


async def shipment(ctx: Context, who: Principal, waybill: str) -> Record:
    """A shipment the caller may see (404 otherwise)."""
    return visible(who, await queries.get_shipment(ctx.conn, waybill=waybill), waybill)


async def locked_shipment(ctx: Context, who: Principal, waybill: str) -> Record:
    """A shipment the caller may see, locked for this transaction (404 otherwise)."""
    rows = await queries.lock_shipments(ctx.conn, waybills=[waybill])
    return visible(who, rows[0] if rows else None, waybill)
