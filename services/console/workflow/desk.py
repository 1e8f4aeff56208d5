"""The branch desk through logistics' API: the desk's lists, a shipment's record, scans,
what a release requires, the release itself and the receipt's steps."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from services.console.domain import Staff
from services.console.domain.desk import ARRIVING
from services.console.workflow.services import Services


@dataclass(frozen=True)
class Listing:
    """One list of the desk: its first items and whether more follow."""

    items: list[dict[str, Any]]
    more: bool


@dataclass(frozen=True)
class Desk:
    """A branch's day: shipments arriving, late, awaiting release; receipts overdue and due."""

    branch: str | None
    arriving: Listing
    delayed: Listing
    awaiting: Listing
    overdue: list[dict[str, Any]]
    due: list[dict[str, Any]]
    receipts_more: bool


def _path(waybill: str, tail: str = "") -> str:
    return f"/v1/shipments/{quote(waybill, safe='')}{tail}"


def _listing(answer: dict[str, Any]) -> Listing:
    return Listing(list(answer["items"]), bool(answer.get("next_cursor")))


async def desk(
    services: Services, staff: Staff, *, branch: str | None, size: int, receipt_days: int
) -> Desk:
    """The desk's lists, read at once: shipments coming to the branch (not late), late ones on
    its route, those at the branch not yet released, and receipts it owes or awaits that are
    overdue or due within `receipt_days` (a branch token sees its own route whatever it asks)."""
    to_me = {"destination_branch": branch} if branch else {}
    on_route = {"station": branch} if branch else {}
    arriving, delayed, awaiting, receipts = await asyncio.gather(
        services.get(
            staff,
            "logistics",
            "/v1/shipments",
            status=list(ARRIVING),
            delayed="false",
            limit=size,
            **to_me,
        ),
        services.get(staff, "logistics", "/v1/shipments", delayed="true", limit=size, **on_route),
        services.get(
            staff, "logistics", "/v1/shipments", awaiting_release="true", limit=size, **to_me
        ),
        services.get(
            staff,
            "logistics",
            "/v1/receipts",
            branch=branch,
            within_days=receipt_days,
            limit=size,
        ),
    )
    items = receipts["items"]
    return Desk(
        branch=branch,
        arriving=_listing(arriving),
        delayed=_listing(delayed),
        awaiting=_listing(awaiting),
        overdue=[r for r in items if r.get("overdue")],
        due=[r for r in items if not r.get("overdue")],
        receipts_more=bool(receipts.get("next_cursor")),
    )


async def shipment(services: Services, staff: Staff, waybill: str) -> dict[str, Any]:
    """A shipment's whole record as this person may read it (404 off a branch's route)."""
    found: dict[str, Any] = await services.get(staff, "logistics", _path(waybill))
    return found


async def scan(services: Services, staff: Staff, waybill: str, body: dict[str, Any]) -> str:
    """A scan applied at once; the shipment's status after it."""
    answer = await services.post(staff, "logistics", _path(waybill, "/scans"), body)
    return str(answer.get("status", ""))


async def requirements(services: Services, staff: Staff, waybill: str) -> dict[str, Any]:
    """What the release rules require for this consignee, before any ID is asked for."""
    needs: dict[str, Any] = await services.get(
        staff, "logistics", _path(waybill, "/release-requirements")
    )
    return needs


async def release(
    services: Services, staff: Staff, waybill: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Hand the goods over; a refusal comes back as ServiceError 409 with a code per reason."""
    done: dict[str, Any] = await services.post(staff, "logistics", _path(waybill, "/release"), body)
    return done


async def receipt_step(
    services: Services, staff: Staff, waybill: str, step: str, compliant: bool
) -> dict[str, Any]:
    """The receipt's next step as its party; where the receipt stands after it."""
    path = _path(waybill, f"/receipt/{quote(step, safe='')}")
    done: dict[str, Any] = await services.post(staff, "logistics", path, {"compliant": compliant})
    return done
