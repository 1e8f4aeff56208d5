"""Customers (one per phone), leads and repair requests: found or registered, recorded, emitted."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Protocol

import asyncpg

from services.intake import queries
from shared.context import Context
from shared.contracts.envelope import Event
from shared.contracts.intake import (
    CustomerRegistered,
    CustomerUpdated,
    House,
    LeadRegistered,
    RepairRequested,
)
from shared.errors import Invalid, NotFound
from shared.validation import normalise_phone
from shared.web.auth import Principal

TIMELINE_LIMIT = 200


class NewCustomer(Protocol):
    """A customer as a form gives it (the phone already normalised)."""

    @property
    def name(self) -> str: ...

    @property
    def phone(self) -> str: ...


def new_id() -> str:
    """A fresh record id."""
    return str(uuid.uuid4())


def ident(what: str, raw: str) -> str:
    """A path id; anything that is not one of ours is simply not found."""
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise NotFound(what, raw) from None


async def customer_for(
    ctx: Context, who: Principal, customer: NewCustomer | None, customer_id: str | None
) -> tuple[str, list[Event]]:
    """The customer a form is about (an existing id, or found/registered by phone), and the
    customer.* event a registration or a new name makes; a new name from a branch that does
    not own the customer is kept as that branch's name for it, never on the record."""
    if customer is not None and customer_id is not None:
        raise Invalid("customer_id", "give either customer or customer_id, not both")
    if customer_id is not None:
        return await _known_customer(ctx, who, customer_id), []
    if customer is None:
        raise Invalid("customer", "give customer{name, phone} or customer_id")
    created = await queries.insert_customer(
        ctx.conn, id=new_id(), name=customer.name, phone=customer.phone, branch_id=who.branch
    )
    if created is not None:
        return str(created["id"]), [_customer_event(CustomerRegistered, created)]
    row = await queries.lock_customer_by_phone(ctx.conn, phone=customer.phone)
    assert row is not None  # the conflicting insert has committed
    if not owns(who, row["branch_id"]):
        await queries.keep_branch_name(
            ctx.conn, customer_id=row["id"], branch_id=who.branch or "", name=customer.name
        )
        return str(row["id"]), []
    if row["name"] == customer.name:
        return str(row["id"]), []
    row = await queries.rename_customer(ctx.conn, id=row["id"], name=customer.name)
    return str(row["id"]), [_customer_event(CustomerUpdated, row)]


def owns(who: Principal, owner: str | None) -> bool:
    """Whether the caller may change a customer's record: the branch that registered it, or a
    company-wide role; any other branch keeps its own name for the customer instead."""
    return not who.is_branch or (owner is not None and owner == who.branch)


async def _known_customer(ctx: Context, who: Principal, raw: str) -> str:
    try:
        customer_id = str(uuid.UUID(raw))
    except ValueError:
        raise Invalid("customer_id", "no such customer") from None
    if await queries.lock_customer(ctx.conn, id=customer_id) is None or (
        who.is_branch
        and not await queries.branch_knows_customer(
            ctx.conn, id=customer_id, branch_id=who.branch or ""
        )
    ):
        raise Invalid("customer_id", "no such customer")
    return customer_id


def _customer_event(
    model: type[CustomerRegistered] | type[CustomerUpdated], row: asyncpg.Record
) -> Event:
    return model(
        customer_id=row["id"],
        name=row["name"],
        phone=row["phone"],
        language=row["language"],
        version=row["version"],
    )


async def register_lead(
    ctx: Context,
    who: Principal,
    *,
    customer: NewCustomer,
    house: House,
    requirements: str,
    budget_fen: int | None,
    expected_measure_on: date | None,
    expected_sign_on: date | None,
    source: str | None,
    registered_at: datetime | None,
) -> tuple[str, str]:
    """Register a lead (reusing the customer with the same phone); its id and the customer's."""
    if (
        expected_measure_on is not None
        and expected_sign_on is not None
        and expected_sign_on < expected_measure_on
    ):
        raise Invalid("expected_sign_on", "signing is expected after the measurement")
    lead_id = new_id()
    at = await ctx.business_time(registered_at, "registered_at")
    customer_id, events = await customer_for(ctx, who, customer, None)
    await queries.insert_lead(
        ctx.conn,
        id=lead_id,
        customer_id=customer_id,
        branch_id=who.branch,
        address=house.address,
        area_m2=house.area_m2,
        layout=house.layout,
        requirements=requirements,
        budget_fen=budget_fen,
        expected_measure_on=expected_measure_on,
        expected_sign_on=expected_sign_on,
        source=source,
        created_by=who.sub,
    )
    lead = LeadRegistered(
        lead_id=lead_id,
        customer_id=customer_id,
        house=house,
        requirements=requirements,
        budget_fen=budget_fen,
        expected_measure_on=expected_measure_on,
        expected_sign_on=expected_sign_on,
        lead_source=source,
        registered_at=at,
        version=1,
    )
    await ctx.emit(*events, lead)
    return lead_id, customer_id


async def lead(ctx: Context, who: Principal, lead_id: str) -> asyncpg.Record:
    """One lead as registered, if the caller may see it."""
    row = await queries.get_lead(ctx.conn, id=ident("lead", lead_id))
    if row is None or not who.may_see_branch(row["branch_id"]):
        raise NotFound("lead", lead_id)
    return row


async def customer(
    ctx: Context, who: Principal, customer_id: str
) -> tuple[asyncpg.Record, list[asyncpg.Record]]:
    """The customer and the timeline of what was registered for them (a branch: its own view
    of the customer and its own entries)."""
    key = ident("customer", customer_id)
    row = await queries.get_customer(
        ctx.conn, id=key, branch_id=who.branch if who.is_branch else None
    )
    if row is None or (
        who.is_branch
        and not await queries.branch_knows_customer(ctx.conn, id=key, branch_id=who.branch or "")
    ):
        raise NotFound("customer", customer_id)
    entries = await queries.customer_timeline(
        ctx.conn,
        customer_id=key,
        branch_id=who.branch if who.is_branch else None,
        limit=TIMELINE_LIMIT,
    )
    return row, entries


async def request_repair(
    ctx: Context,
    who: Principal,
    *,
    customer: NewCustomer | None,
    customer_id: str | None,
    project_id: str | None,
    complaint_id: str | None,
    address: str,
    problem: str,
) -> str:
    """Record a repair request (报修) for aftersales; a complaint named alone gives the customer."""
    request_id = new_id()
    complaint, complaint_customer = await _complaint_ref(ctx, who, complaint_id)
    events: list[Event] = []
    if customer is None and customer_id is None and complaint_customer:
        customer_id = complaint_customer
    else:
        customer_id, events = await customer_for(ctx, who, customer, customer_id)
    await queries.insert_repair_request(
        ctx.conn,
        id=request_id,
        customer_id=customer_id,
        branch_id=who.branch,
        project_id=project_id,
        complaint_id=complaint,
        address=address,
        problem=problem,
        created_by=who.sub,
    )
    requested = RepairRequested(
        request_id=request_id,
        customer_id=customer_id,
        project_id=project_id,
        complaint_id=complaint,
        address=address,
        problem=problem,
        version=1,
    )
    await ctx.emit(*events, requested)
    return request_id


async def _complaint_ref(
    ctx: Context, who: Principal, raw: str | None
) -> tuple[str | None, str | None]:
    """The complaint a repair request comes from (id, its customer), if named and visible."""
    if raw is None:
        return None, None
    try:
        key = str(uuid.UUID(raw))
    except ValueError:
        raise Invalid("complaint_id", "no such complaint") from None
    row = await queries.get_complaint(ctx.conn, id=key)
    if row is None or not who.may_see_branch(row["branch_id"]):
        raise Invalid("complaint_id", "no such complaint")
    return key, row["customer_id"]


async def repair_request(ctx: Context, who: Principal, request_id: str) -> asyncpg.Record:
    """One repair request as recorded, if the caller may see it."""
    row = await queries.get_repair_request(ctx.conn, id=ident("repair request", request_id))
    if row is None or not who.may_see_branch(row["branch_id"]):
        raise NotFound("repair request", request_id)
    return row


async def find_customers(
    ctx: Context,
    who: Principal,
    *,
    phone: str | None,
    last4: str | None,
    name: str | None,
    after: str | None,
    limit: int,
) -> list[asyncpg.Record]:
    """Customers on an inbound call: by the whole phone, or its last four digits and the
    exact name (never the last four alone: too many would match); a branch sees its own."""
    if phone is None and last4 is None:
        raise Invalid("phone", "give the phone, or phone_last4 with the name")
    if last4 is not None and not (name or "").strip():
        raise Invalid("name", "the last four digits find a customer only with the name")
    canonical = None
    if phone is not None:
        try:
            canonical = normalise_phone(phone)
        except ValueError as exc:
            raise Invalid("phone", str(exc)) from None
    return await queries.find_customers(
        ctx.conn,
        phone=canonical,
        last4=last4,
        name=name.strip() if last4 is not None and name else None,
        branch_id=who.branch if who.is_branch else None,
        after=after,
        limit=limit,
    )
