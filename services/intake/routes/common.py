"""What every intake route shares: roles, ids, the clock, business times, the customer."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import asyncpg
from fastapi import Request

from services.intake import queries
from services.intake.routes.models import CustomerIn
from shared import timers
from shared.contracts.envelope import Event
from shared.contracts.intake import CustomerRegistered, CustomerUpdated
from shared.db import db_now
from shared.web.auth import Principal
from shared.web.errors import Problem, not_found

# API.md "Who may do what".
CREATE_LEAD = ("branch", "reception")
CREATE_COMPLAINT = ("branch", "cs", "reception", "dept_head", "manager")
HANDLE_COMPLAINT = ("cs", "dept_head", "manager")
READ_COMPLAINT = ("branch", "cs", "reception", "dept_head", "manager")
READ_CUSTOMER = ("branch", "cs", "reception", "dept_head", "manager")
CREATE_REPAIR = ("branch", "cs", "reception", "aftersales")
READ_REPAIR = ("branch", "cs", "reception", "aftersales", "dept_head", "manager")
REPORTS = ("cs", "dept_head", "manager")

# A form's business time may be given by the caller, but not from the future.
CLOCK_SKEW = timedelta(minutes=5)


def new_id() -> str:
    """A fresh record id."""
    return str(uuid.uuid4())


def parse_id(what: str, raw: str) -> str:
    """A path id; anything that is not one of ours is simply not found."""
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise not_found(what, raw) from None


def invalid(field: str, message: str) -> Problem:
    """422 naming the field, as the platform does for schema errors."""
    return Problem(
        422, "Invalid input", f"invalid field(s): {field}", [{"field": field, "message": message}]
    )


async def clock(conn: asyncpg.Connection, request: Request) -> datetime:
    """The database's now, moved by the test-only offset like the timers (in a transaction)."""
    runtime = getattr(request.app.state, "runtime", None)
    worker = getattr(runtime, "timers", None)
    await timers.apply_clock(conn, getattr(worker, "clock_offset_seconds", 0.0))
    now: datetime = await db_now(conn)
    return now


def business_time(
    given: datetime | None, now: datetime, field: str, not_before: datetime | None = None
) -> datetime:
    """The caller's business time (default now): never in the future, never before the start."""
    if given is None:
        return now
    if given > now + CLOCK_SKEW:
        raise invalid(field, "must not be in the future")
    if not_before is not None and given < not_before:
        raise invalid(field, f"must not be before the complaint was opened ({not_before})")
    return given


def visible(who: Principal, branch_id: str | None) -> bool:
    """A branch sees only its own branch's rows; staff see all."""
    return who.may_see_branch(branch_id)


async def customer_for(
    conn: asyncpg.Connection,
    who: Principal,
    customer: CustomerIn | None,
    customer_id: str | None,
    events: list[Event],
) -> str:
    """The customer a form is about: an existing id, or found/registered by phone."""
    if customer is not None and customer_id is not None:
        raise invalid("customer_id", "give either customer or customer_id, not both")
    if customer_id is not None:
        return await _known_customer(conn, who, customer_id)
    if customer is None:
        raise invalid("customer", "give customer{name, phone} or customer_id")
    created = await queries.insert_customer(
        conn, id=new_id(), name=customer.name, phone=customer.phone, branch_id=who.branch
    )
    if created is not None:
        events.append(_customer_event(CustomerRegistered, created))
        return str(created["id"])
    row = await queries.lock_customer_by_phone(conn, phone=customer.phone)
    assert row is not None  # the conflicting insert has committed
    if row["name"] != customer.name:
        row = await queries.rename_customer(conn, id=row["id"], name=customer.name)
        events.append(_customer_event(CustomerUpdated, row))
    return str(row["id"])


async def _known_customer(conn: asyncpg.Connection, who: Principal, raw: str) -> str:
    try:
        customer_id = str(uuid.UUID(raw))
    except ValueError:
        raise invalid("customer_id", "no such customer") from None
    if await queries.lock_customer(conn, id=customer_id) is None or (
        who.is_branch
        and not await queries.branch_knows_customer(
            conn, id=customer_id, branch_id=who.branch or ""
        )
    ):
        raise invalid("customer_id", "no such customer")
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
