"""Receipt custody: envelopes sealed and checked, who holds each receipt, the unsettled list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from asyncpg import Record
from fastapi import APIRouter, Depends, Query, Request

from services.logistics.api.models import EnvelopeCheckIn, EnvelopeIn
from services.logistics.api.roles import READERS
from services.logistics.domain import Envelope
from services.logistics.workflow import custody
from shared.validation import Code, Cursor
from shared.web.auth import Principal, require
from shared.web.deps import change, view
from shared.web.pagination import after, limit_param, page

router = APIRouter(prefix="/v1", tags=["receipts"])


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def envelope_json(e: Envelope) -> dict[str, Any]:
    """An envelope's list, and its check once the origin opened it."""
    return {
        "envelope_id": e.envelope_id,
        "from_branch": e.from_branch,
        "to_branch": e.to_branch,
        "count": e.count,
        "waybills": list(e.waybills),
        "sealed_at": e.sealed_at.isoformat(),
        "checked_at": _iso(e.checked_at),
        "missing": list(e.missing),
        "unexpected": list(e.unexpected),
    }


def _held(row: Record) -> dict[str, Any]:
    return {
        "waybill": row["waybill"],
        "region": row["region"],
        "origin_branch": row["origin_branch"],
        "destination_branch": row["destination_branch"],
        "status": row["state"],
        "holder": row["holder"],
        "holder_since": row["holder_since"].isoformat(),
        "business_owner": row["business_owner"],
        "due_on": row["due_on"].isoformat() if row["due_on"] else None,
    }


@router.post("/receipt-envelopes", status_code=201)
async def seal_envelope(
    body: EnvelopeIn, request: Request, who: Principal = require("branch", "logistics")
) -> dict[str, Any]:
    """The destination seals signed receipts for their origin with the number and the list on
    the envelope; each receipt is sent."""
    async with change(request) as ctx:
        env = await custody.seal(ctx, who, body.from_branch, body.to_branch, body.waybills, body.at)
    return envelope_json(env)


@router.get("/receipt-envelopes/{envelope_id}")
async def get_envelope(
    envelope_id: str, request: Request, who: Principal = require(*READERS)
) -> dict[str, Any]:
    """An envelope's list and check (its two branches and staff)."""
    async with view(request) as ctx:
        env = await custody.envelope(ctx, who, envelope_id)
    return envelope_json(env)


@router.post("/receipt-envelopes/{envelope_id}/check")
async def check_envelope(
    envelope_id: str,
    body: EnvelopeCheckIn,
    request: Request,
    who: Principal = require("branch", "logistics"),
) -> dict[str, Any]:
    """The origin checks the envelope against its list: the receipts there are received, the
    missing and the unlisted ones are named for the call to the destination."""
    async with change(request) as ctx:
        env = await custody.check(ctx, who, envelope_id, body.found, body.at)
    return envelope_json(env)


def held_filter(
    holder: Code | None = Query(None, description="Held by: a branch, finance, a person"),
    business_owner: Code | None = Query(None, description="Filed under this salesperson"),
    region: Code | None = Query(None, description="Of this region"),
    branch: Code | None = Query(None, description="Sent or received by this branch"),
) -> custody.HeldFilter:
    """The custody register's filters."""
    return custody.HeldFilter(
        holder=holder, business_owner=business_owner, region=region, branch=branch
    )


async def _held_page(
    request: Request, who: Principal, f: custody.HeldFilter, cursor: str | None, limit: int
) -> dict[str, Any]:
    key = after(cursor, datetime, str)
    async with view(request) as ctx:
        rows = await custody.held(ctx, who, f, key, limit + 1)
    return page([_held(r) for r in rows], limit, key=("holder_since", "waybill"))


@router.get("/receipts/custody")
async def custody_register(
    request: Request,
    f: custody.HeldFilter = Depends(held_filter),
    limit: int = Depends(limit_param),
    cursor: Cursor | None = None,
    who: Principal = require(*READERS),
) -> dict[str, Any]:
    """Every receipt not settled yet and who holds it since when, longest held first."""
    return await _held_page(request, who, f, cursor, limit)


@router.get("/receipts/unsettled")
async def unsettled_receipts(
    request: Request,
    f: custody.HeldFilter = Depends(held_filter),
    limit: int = Depends(limit_param),
    cursor: Cursor | None = None,
    who: Principal = require(*READERS),
) -> dict[str, Any]:
    """Receipts handed over but not settled (未结账回单核查), longest waiting first."""
    f = custody.HeldFilter(
        holder=f.holder,
        business_owner=f.business_owner,
        region=f.region,
        branch=f.branch,
        handed_over_only=True,
    )
    return await _held_page(request, who, f, cursor, limit)


@router.get("/shipments/{waybill}/receipt/custody")
async def receipt_custody(
    waybill: str, request: Request, who: Principal = require(*READERS)
) -> dict[str, Any]:
    """Who holds the receipt now and every handover, oldest first."""
    async with view(request) as ctx:
        row, moves = await custody.handovers(ctx, who, waybill)
    return {
        "waybill": waybill,
        "status": row["state"],
        "holder": row["holder"],
        "holder_since": _iso(row["holder_since"]),
        "business_owner": row["business_owner"],
        "handovers": [
            {
                "step": m["step"],
                "from": m["from_holder"],
                "to": m["to_holder"],
                "envelope_id": str(m["envelope_id"]) if m["envelope_id"] else None,
                "by": m["by"],
                "at": m["at"].isoformat(),
            }
            for m in moves
        ],
    }
