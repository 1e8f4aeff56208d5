"""Helpers of the aftersales routes: roles, the locked ticket, saving a step."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import asyncpg
from fastapi import Request

from services.aftersales import queries
from services.aftersales.config import AftersalesSettings
from services.aftersales.domain import ApprovalLevel, Ticket
from services.aftersales.queries import Stored
from services.aftersales.views import ticket_view
from services.aftersales.workflow import SERVICE
from shared import outbox
from shared.contracts.envelope import Event
from shared.objects import ObjectStore
from shared.web.auth import Principal, require
from shared.web.deps import tx
from shared.web.errors import not_found

READ = require("aftersales", "supervision", "cs", "dept_head", "manager", "finance", "branch")
WRITE = require("aftersales")
APPROVE = require("dept_head", "manager", "finance")
# Who signs each level of the reimbursement form (admin may sign both).
APPROVERS = {ApprovalLevel.DEPT_HEAD: {"dept_head", "manager"}, ApprovalLevel.FINANCE: {"finance"}}


def now_or(at: datetime | None = None) -> datetime:
    """A business time given by the caller, or now."""
    return at or datetime.now(UTC)


def settings_of(request: Request) -> AftersalesSettings:
    """The aftersales settings this process runs with."""
    config: AftersalesSettings = request.app.state.svc.config
    return config


def photo_store(request: Request) -> ObjectStore:
    """The photo bucket, opened once per process."""
    store: ObjectStore | None = getattr(request.app.state, "photo_store", None)
    if store is None:
        config = settings_of(request)
        store = ObjectStore(
            request.app.state.runtime.js,
            config.photo_bucket,
            max_bytes=config.photo_max_bytes,
            allowed_types=config.photo_types,
        )
        request.app.state.photo_store = store
    return store


async def visible(conn: asyncpg.Connection, repair_id: str, who: Principal) -> Stored:
    """The ticket the caller may see, or 404."""
    stored = await queries.get_ticket(conn, repair_id=repair_id)
    if stored is None or not who.may_see_branch(stored.branch_id):
        raise not_found("repair", repair_id)
    return stored


async def view(conn: asyncpg.Connection, stored: Stored) -> dict[str, Any]:
    """A ticket with its history and photos."""
    repair_id = stored.ticket.id
    history = await queries.history(conn, repair_id=repair_id)
    photos = await queries.photos(conn, repair_id=repair_id)
    return ticket_view(stored, history, photos)


@asynccontextmanager
async def locked(
    request: Request, repair_id: str, who: Principal
) -> AsyncIterator[tuple[asyncpg.Connection, Stored]]:
    """A transaction holding the ticket's row lock (404 when unknown or not visible)."""
    async with tx(request) as conn:
        stored = await queries.lock_ticket(conn, repair_id=repair_id)
        if stored is None or not who.may_see_branch(stored.branch_id):
            raise not_found("repair", repair_id)
        yield conn, stored


async def save(
    conn: asyncpg.Connection,
    stored: Stored,
    ticket: Ticket,
    *,
    action: str,
    at: datetime,
    who: Principal,
    details: dict[str, Any] | None = None,
    events: Sequence[Event] = (),
) -> dict[str, Any]:
    """Write the ticket's next state, its history entry and its events; return its view."""
    await queries.update_ticket(conn, ticket=ticket)
    await queries.add_history(
        conn, repair_id=ticket.id, at=at, action=action, by=who.sub, details=details
    )
    await outbox.add(conn, *outbox.stamp(SERVICE, list(events), branch_id=stored.branch_id))
    return await view(conn, replace(stored, ticket=ticket))
