"""Leads, customers and repair requests."""

from __future__ import annotations

from typing import Any

import asyncpg
from fastapi import APIRouter, Depends, Query, Request

from services.intake import workflow
from services.intake.api.models import (
    Created,
    CustomerOut,
    LeadCreated,
    LeadIn,
    LeadOut,
    RepairRequestIn,
    RepairRequestOut,
)
from services.intake.api.roles import (
    CREATE_LEAD,
    CREATE_REPAIR,
    DIAL_CUSTOMER,
    READ_COMPLAINT,
    READ_CUSTOMER,
    READ_REPAIR,
)
from services.intake.domain import mask_phone
from shared.contracts.intake import House
from shared.validation import Cursor, Name, Phone
from shared.web.auth import Principal, require
from shared.web.deps import change, view
from shared.web.pagination import after, limit_param, page

router = APIRouter(prefix="/v1")


@router.post("/leads", status_code=201, response_model=LeadCreated, tags=["leads"])
async def register_lead(
    body: LeadIn, request: Request, who: Principal = require(*CREATE_LEAD)
) -> dict[str, Any]:
    """Register a lead; a customer with the same phone is reused, not created twice."""
    async with change(request, branch_id=who.branch) as ctx:
        lead_id, customer_id = await workflow.register_lead(
            ctx,
            who,
            customer=body.customer,
            house=House(**body.house.model_dump()),
            requirements=body.requirements,
            budget_fen=body.budget_fen,
            expected_measure_on=body.expected_measure_on,
            expected_sign_on=body.expected_sign_on,
            source=body.source,
            registered_at=body.registered_at,
        )
    return {"id": lead_id, "customer_id": customer_id}


@router.get("/leads/{lead_id}", response_model=LeadOut, tags=["leads"])
async def get_lead(
    lead_id: str, request: Request, who: Principal = require(*CREATE_LEAD, *READ_CUSTOMER)
) -> dict[str, Any]:
    """One lead as registered."""
    async with view(request) as ctx:
        row = await workflow.lead(ctx, who, lead_id)
    house = {k: row[k] for k in ("address", "area_m2", "layout")}
    return {**dict(row), "house": house}


@router.get("/customers/{customer_id}", response_model=CustomerOut, tags=["customers"])
async def get_customer(
    customer_id: str, request: Request, who: Principal = require(*READ_CUSTOMER)
) -> dict[str, Any]:
    """The customer with a masked phone and the timeline of everything registered for them."""
    async with view(request) as ctx:
        row, entries = await workflow.customer(ctx, who, customer_id)
    return {**_customer(row, who), "timeline": [entry(e) for e in entries]}


def _customer(row: asyncpg.Record, who: Principal) -> dict[str, Any]:
    """A customer's name and masked phone; the whole number for the roles that call."""
    full = who.role.value in DIAL_CUSTOMER
    return {
        "id": row["id"],
        "name": row["name"],
        "phone": mask_phone(row["phone"]),
        "phone_full": row["phone"] if full else None,
    }


@router.get("/customers", tags=["customers"])
async def find_customers(
    request: Request,
    phone: Phone | None = Query(None, description="The whole number, as typed"),
    phone_last4: str | None = Query(
        None, max_length=4, pattern=r"^\d{4}$", description="Its last four digits"
    ),
    name: Name | None = Query(None, description="With phone_last4: the exact name"),
    limit: int = Depends(limit_param),
    cursor: Cursor | None = None,
    who: Principal = require(*READ_CUSTOMER),
) -> dict[str, Any]:
    """Customers on an inbound call: by the whole phone, or by its last four digits and the
    name; a branch finds only the customers it has records of (keyset on id)."""
    key = after(cursor, str)
    async with view(request) as ctx:
        rows = await workflow.find_customers(
            ctx,
            who,
            phone=phone,
            last4=phone_last4,
            name=name,
            after=key[0] if key else None,
            limit=limit + 1,
        )
    return page([_customer(r, who) for r in rows], limit)


def entry(e: asyncpg.Record) -> dict[str, Any]:
    """One timeline entry with the records it refers to."""
    refs = []
    if e["subject_kind"]:
        refs.append({"kind": e["subject_kind"], "id": e["subject_id"]})
    if e["project_id"]:
        refs.append({"kind": "project", "id": e["project_id"]})
    if e["complaint_id"]:
        refs.append({"kind": "complaint", "id": e["complaint_id"]})
    return {
        "kind": e["kind"],
        "id": e["id"],
        "at": e["at"],
        "status": e["status"],
        "detail": e["detail"],
        "refers_to": refs,
    }


@router.post("/repair-requests", status_code=201, response_model=Created, tags=["repair requests"])
async def request_repair(
    body: RepairRequestIn, request: Request, who: Principal = require(*CREATE_REPAIR)
) -> dict[str, str]:
    """Record a repair request (报修); aftersales opens a ticket from its event."""
    async with change(request, branch_id=who.branch) as ctx:
        request_id = await workflow.request_repair(
            ctx,
            who,
            customer=body.customer,
            customer_id=body.customer_id,
            project_id=body.project_id,
            complaint_id=body.complaint_id,
            address=body.address,
            problem=body.problem,
        )
    return {"id": request_id}


@router.get(
    "/repair-requests/{request_id}", response_model=RepairRequestOut, tags=["repair requests"]
)
async def get_repair_request(
    request_id: str, request: Request, who: Principal = require(*READ_REPAIR, *READ_COMPLAINT)
) -> dict[str, Any]:
    """One repair request as recorded."""
    async with view(request) as ctx:
        return dict(await workflow.repair_request(ctx, who, request_id))
