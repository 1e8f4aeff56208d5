"""Leads, customers and repair requests (API.md § intake, DOMAIN.md §1.1, §1.3)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
from fastapi import APIRouter, Request

from services.intake import queries, store
from services.intake.domain import mask_phone
from services.intake.routes.common import (
    CREATE_LEAD,
    CREATE_REPAIR,
    READ_COMPLAINT,
    READ_CUSTOMER,
    READ_REPAIR,
    business_time,
    clock,
    customer_for,
    invalid,
    new_id,
    parse_id,
    visible,
)
from services.intake.routes.models import LeadIn, RepairRequestIn
from services.intake.routes.responses import (
    Created,
    CustomerOut,
    LeadCreated,
    LeadOut,
    RepairRequestOut,
)
from shared.contracts.envelope import Event
from shared.contracts.intake import House, LeadRegistered, RepairRequested
from shared.web.auth import Principal, require
from shared.web.deps import read, tx
from shared.web.errors import not_found

router = APIRouter(prefix="/v1")
TIMELINE_LIMIT = 200


@router.post("/leads", status_code=201, response_model=LeadCreated, tags=["leads"])
async def register_lead(
    body: LeadIn, request: Request, who: Principal = require(*CREATE_LEAD)
) -> dict[str, Any]:
    """Register a lead; a customer with the same phone is reused, not created twice."""
    if (
        body.expected_measure_on is not None
        and body.expected_sign_on is not None
        and body.expected_sign_on < body.expected_measure_on
    ):
        raise invalid("expected_sign_on", "signing is expected after the measurement")
    lead_id = new_id()
    events: list[Event] = []
    async with tx(request) as conn:
        registered_at = business_time(
            body.registered_at, await clock(conn, request), "registered_at"
        )
        customer_id = await customer_for(conn, who, body.customer, None, events)
        await queries.insert_lead(
            conn,
            id=lead_id,
            customer_id=customer_id,
            branch_id=who.branch,
            address=body.house.address,
            area_m2=body.house.area_m2,
            layout=body.house.layout,
            requirements=body.requirements,
            budget_fen=body.budget_fen,
            expected_measure_on=body.expected_measure_on,
            expected_sign_on=body.expected_sign_on,
            source=body.source,
            created_by=who.sub,
        )
        events.append(
            LeadRegistered(
                lead_id=lead_id,
                customer_id=customer_id,
                house=House(**body.house.model_dump()),
                requirements=body.requirements,
                budget_fen=body.budget_fen,
                expected_measure_on=body.expected_measure_on,
                expected_sign_on=body.expected_sign_on,
                lead_source=body.source,
                registered_at=registered_at,
                version=1,
            )
        )
        await store.emit(conn, who.branch, events)
    return {"id": lead_id, "customer_id": customer_id}


@router.get("/leads/{lead_id}", response_model=LeadOut, tags=["leads"])
async def get_lead(
    lead_id: str, request: Request, who: Principal = require(*CREATE_LEAD, *READ_CUSTOMER)
) -> dict[str, Any]:
    """One lead as registered."""
    async with read(request) as conn:
        row = await queries.get_lead(conn, id=parse_id("lead", lead_id))
    if row is None or not visible(who, row["branch_id"]):
        raise not_found("lead", lead_id)
    house = {k: row[k] for k in ("address", "area_m2", "layout")}
    return {**dict(row), "house": house}


@router.get("/customers/{customer_id}", response_model=CustomerOut, tags=["customers"])
async def get_customer(
    customer_id: str, request: Request, who: Principal = require(*READ_CUSTOMER)
) -> dict[str, Any]:
    """The customer with a masked phone and the timeline of everything registered for them."""
    ident = parse_id("customer", customer_id)
    async with read(request) as conn:
        row = await queries.get_customer(conn, id=ident)
        if row is None or (
            who.is_branch
            and not await queries.branch_knows_customer(conn, id=ident, branch_id=who.branch or "")
        ):
            raise not_found("customer", customer_id)
        entries = await queries.customer_timeline(
            conn,
            customer_id=ident,
            branch_id=who.branch if who.is_branch else None,
            limit=TIMELINE_LIMIT,
        )
    return {
        "id": row["id"],
        "name": row["name"],
        "phone": mask_phone(row["phone"]),
        "timeline": [_entry(e) for e in entries],
    }


def _entry(e: asyncpg.Record) -> dict[str, Any]:
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
    request_id = new_id()
    events: list[Event] = []
    async with tx(request) as conn:
        complaint_id, complaint_customer = await _complaint_ref(conn, who, body.complaint_id)
        if body.customer is None and body.customer_id is None and complaint_customer:
            customer_id = complaint_customer
        else:
            customer_id = await customer_for(conn, who, body.customer, body.customer_id, events)
        await queries.insert_repair_request(
            conn,
            id=request_id,
            customer_id=customer_id,
            branch_id=who.branch,
            project_id=body.project_id,
            complaint_id=complaint_id,
            address=body.address,
            problem=body.problem,
            created_by=who.sub,
        )
        events.append(
            RepairRequested(
                request_id=request_id,
                customer_id=customer_id,
                project_id=body.project_id,
                complaint_id=complaint_id,
                address=body.address,
                problem=body.problem,
                version=1,
            )
        )
        await store.emit(conn, who.branch, events)
    return {"id": request_id}


async def _complaint_ref(
    conn: asyncpg.Connection, who: Principal, raw: str | None
) -> tuple[str | None, str | None]:
    """The complaint a repair request comes from (id, its customer), if named and visible."""
    if raw is None:
        return None, None
    try:
        ident = str(uuid.UUID(raw))
    except ValueError:
        raise invalid("complaint_id", "no such complaint") from None
    row = await queries.get_complaint(conn, id=ident)
    if row is None or not visible(who, row["branch_id"]):
        raise invalid("complaint_id", "no such complaint")
    return ident, row["customer_id"]


@router.get(
    "/repair-requests/{request_id}", response_model=RepairRequestOut, tags=["repair requests"]
)
async def get_repair_request(
    request_id: str, request: Request, who: Principal = require(*READ_REPAIR, *READ_COMPLAINT)
) -> dict[str, Any]:
    """One repair request as recorded."""
    async with read(request) as conn:
        row = await queries.get_repair_request(conn, id=parse_id("repair request", request_id))
    if row is None or not visible(who, row["branch_id"]):
        raise not_found("repair request", request_id)
    return dict(row)
