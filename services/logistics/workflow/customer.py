"""What a customer's link may read about one shipment: its progress, the arrival times, what
to bring for release and, for the shipper, the receipt; nothing about the staff behind it."""

from __future__ import annotations

from dataclasses import dataclass

from asyncpg import Record

from services.logistics import queries
from services.logistics.domain import (
    Receipt,
    ReceiptStatus,
    Requirement,
    Shipment,
    is_delayed,
    receipt_status,
    release_requirements,
)
from services.logistics.queries import lists, records
from services.logistics.workflow import access
from shared.context import Context
from shared.contracts.values import Role
from shared.web.auth import Principal


@dataclass(frozen=True, slots=True)
class CustomerView:
    """One shipment as its consignee or shipper may see it (receipt: the shipper's, else None)."""

    shipment: Shipment
    delayed: bool
    scans: list[Record]
    requirements: list[Requirement]
    shows_receipt: bool
    receipt: Receipt | None
    lateness: ReceiptStatus | None


def sees_receipt(who: Principal) -> bool:
    """The receipt is the shipper's business (and staff's), never the consignee's."""
    return who.role is not Role.TRACKING or who.audience == "shipper"


async def customer_view(ctx: Context, who: Principal, waybill: str) -> CustomerView:
    """The shipment as its link shows it; 404 for any waybill but the token's own."""
    row = await access.shipment(ctx, who, waybill)
    s = records.to_shipment(row)
    changes = await lists.consignee_changes(ctx.conn, waybill=waybill)
    names = list(dict.fromkeys(str(c["new_name"]) for c in changes))
    receipt: Receipt | None = None
    if sees_receipt(who):
        found = await queries.get_receipt(ctx.conn, waybill=waybill)
        receipt = records.to_receipt(found) if found is not None else None
    return CustomerView(
        shipment=s,
        delayed=is_delayed(s),
        scans=[r for r in await queries.list_scans(ctx.conn, waybill=waybill) if r["applied"]],
        requirements=release_requirements(s, names),
        shows_receipt=sees_receipt(who),
        receipt=receipt,
        lateness=receipt_status(receipt, await ctx.now()) if receipt is not None else None,
    )
