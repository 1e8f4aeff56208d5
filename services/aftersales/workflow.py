"""Writes shared by routes, bus handlers and timers: opening tickets, SLA timers, repair events."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final, TypeVar

import asyncpg

from services.aftersales import queries
from services.aftersales.config import AftersalesSettings
from services.aftersales.domain import SlaStep, Ticket, sla_deadlines
from shared import timers
from shared.contracts.aftersales import RepairEvent, RepairOpened

SERVICE: Final = "aftersales"
SLA_TIMER: Final = "repair.sla"

E = TypeVar("E", bound=RepairEvent)


def repair_event(cls: type[E], ticket: Ticket, *, at: datetime | None, **extra: Any) -> E:
    """A repair.* event carrying the ticket as it stands (its version orders them)."""
    fee = ticket.fee_paid_fen if ticket.fee_paid_fen is not None else ticket.fee_quote_fen
    return cls(
        source=SERVICE,
        repair_id=ticket.id,
        customer_id=ticket.customer_id,
        project_id=ticket.project_id,
        complaint_id=ticket.complaint_id,
        parent_id=ticket.parent_id,
        staff=ticket.staff,
        covered=ticket.covered,
        fee_fen=fee,
        evaluation_score=ticket.evaluation_score,
        version=ticket.version,
        at=at,
        **extra,
    )


def sla_key(repair_id: str, step: SlaStep) -> str:
    """The timer key of one ticket's service-level step."""
    return f"{repair_id}:{step.value}"


async def schedule_sla(
    conn: asyncpg.Connection,
    ticket: Ticket,
    config: AftersalesSettings,
    steps: Iterable[SlaStep] | None = None,
) -> None:
    """Create (or move) the service-level timers of a ticket, all of them or only `steps`."""
    wanted = set(steps) if steps is not None else None
    rows = [
        (SLA_TIMER, sla_key(ticket.id, step), due, {"repair_id": ticket.id, "step": step.value})
        for step, due in sla_deadlines(ticket, config)
        if wanted is None or step in wanted
    ]
    await timers.schedule_many(conn, rows)


async def cancel_sla(conn: asyncpg.Connection, repair_id: str) -> None:
    """Drop the service-level timers of a ticket whose repair is done."""
    await timers.cancel_prefix(conn, SLA_TIMER, f"{repair_id}:")


async def open_ticket(
    conn: asyncpg.Connection,
    *,
    ticket: Ticket,
    source: str | None,
    branch_id: str | None,
    by: str | None,
    config: AftersalesSettings,
) -> RepairOpened | None:
    """Store a new ticket with its history and SLA timers; None when its source opened one."""
    inserted = await queries.insert_ticket(conn, ticket=ticket, source=source, branch_id=branch_id)
    if not inserted:
        return None
    details: dict[str, Any] = {"problem": ticket.problem}
    if source is not None:
        details["source"] = source
    if ticket.parent_id is not None:
        details["parent_id"] = ticket.parent_id
    await queries.add_history(
        conn, repair_id=ticket.id, at=ticket.opened_at, action="opened", by=by, details=details
    )
    await schedule_sla(conn, ticket, config)
    event = repair_event(RepairOpened, ticket, at=ticket.opened_at)
    event.branch_id = branch_id
    return event
