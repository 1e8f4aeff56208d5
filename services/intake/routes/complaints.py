"""Complaint cases (API.md § intake, DOMAIN.md §1.2): open, hand off, escalate, resolve."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import asyncpg
from fastapi import APIRouter, Depends, Request

from services.intake import metrics, queries, store
from services.intake.config import IntakeSettings
from services.intake.domain import Complaint, escalate, hand_off, open_complaint, resolve
from services.intake.routes.common import (
    CREATE_COMPLAINT,
    HANDLE_COMPLAINT,
    READ_COMPLAINT,
    business_time,
    clock,
    customer_for,
    invalid,
    new_id,
    parse_id,
)
from services.intake.routes.models import ComplaintIn, EscalationIn, HandoffIn, ResolutionIn
from services.intake.routes.responses import ComplaintCreated, ComplaintOut, ComplaintPage
from shared.contracts.envelope import Event
from shared.contracts.intake import ComplaintOpened, SubjectRef
from shared.contracts.values import ComplaintStatus, Department, Role
from shared.web.auth import Principal, require
from shared.web.deps import config, read, tx
from shared.web.errors import not_found
from shared.web.pagination import decode, limit_param, page

router = APIRouter(prefix="/v1/complaints", tags=["complaints"])
Step = Callable[[asyncpg.Connection, Complaint, datetime], Awaitable[tuple[Complaint, list[Event]]]]


def _may_see(who: Principal, row: asyncpg.Record) -> bool:
    """Branches see their own; a department head with a department claim sees that one's."""
    if not who.may_see_branch(row["branch_id"]):
        return False
    if who.role is Role.DEPT_HEAD and who.department:
        return bool(row["department"] == who.department)
    return True


@router.post("", status_code=201, response_model=ComplaintCreated)
async def open_(
    body: ComplaintIn,
    request: Request,
    who: Principal = require(*CREATE_COMPLAINT),
    cfg: IntakeSettings = Depends(config),
) -> dict[str, str]:
    """Register a complaint; the department head escalation is scheduled from its severity."""
    events: list[Event] = []
    async with tx(request) as conn:
        now = await clock(conn, request)
        opened_at = business_time(body.opened_at, now, "opened_at")
        customer_id = await customer_for(conn, who, body.customer, body.customer_id, events)
        c = open_complaint(
            complaint_id=new_id(),
            customer_id=customer_id,
            channel=body.channel,
            category=body.category,
            severity=body.severity,
            department=body.department,
            now=opened_at,
            assignee=body.assignee,
            received_by_sub=who.sub,
        )
        await queries.insert_complaint(
            conn,
            id=c.id,
            customer_id=c.customer_id,
            branch_id=who.branch,
            channel=c.channel.value,
            category=c.category.value,
            severity=c.severity.value,
            description=body.description,
            department=c.department.value,
            assignee=c.assignee,
            status=c.status.value,
            received_by=c.received_by.value,
            received_by_sub=who.sub,
            subject_kind=body.subject.kind.value if body.subject else None,
            subject_id=body.subject.id if body.subject else None,
            opened_at=c.opened_at,
            version=c.version,
            created_by=who.sub,
        )
        await store.sync_escalation_timer(conn, c, cfg)
        events.append(
            ComplaintOpened(
                complaint_id=c.id,
                customer_id=c.customer_id,
                department=c.department,
                channel=c.channel,
                category=c.category,
                severity=c.severity,
                subject=SubjectRef(**body.subject.model_dump()) if body.subject else None,
                description=body.description,
                received_by=c.received_by,
                received_by_sub=who.sub,
                version=c.version,
                occurred_at=c.opened_at,
            )
        )
        await store.emit(conn, who.branch, events)
    metrics.observe(events, c.opened_at)
    return {"id": c.id, "status": c.status.value}


@router.get("", response_model=ComplaintPage)
async def list_(
    request: Request,
    status: ComplaintStatus | None = None,
    department: Department | None = None,
    cursor: str | None = None,
    limit: int = Depends(limit_param),
    who: Principal = require(*READ_COMPLAINT),
) -> dict[str, Any]:
    """Complaints in registration order, by status and department (keyset pagination)."""
    after = decode(cursor)
    if after is not None and (len(after) != 2 or not all(isinstance(v, str) for v in after)):
        raise invalid("cursor", "not a cursor this API returned")
    own_department = who.department if who.role is Role.DEPT_HEAD else None
    if own_department and department and department.value != own_department:
        return {"items": [], "next_cursor": None}
    async with read(request) as conn:
        rows = await queries.list_complaints(
            conn,
            status=status.value if status else None,
            department=department.value if department else own_department,
            branch_id=who.branch if who.is_branch else None,
            after=(after[0], after[1]) if after else None,
            limit=limit + 1,
        )
    return page([_summary(r) for r in rows], limit, key=("created_at", "id"))


@router.get("/{complaint_id}", response_model=ComplaintOut)
async def get(
    complaint_id: str, request: Request, who: Principal = require(*READ_COMPLAINT)
) -> dict[str, Any]:
    """The complaint with its hand-off trail, escalations, resolution and confirmation."""
    async with read(request) as conn:
        row = await queries.get_complaint(conn, id=parse_id("complaint", complaint_id))
        if row is None or not _may_see(who, row):
            raise not_found("complaint", complaint_id)
        return await _view(conn, row)


@router.post("/{complaint_id}/handoffs", response_model=ComplaintOut)
async def hand_off_(
    complaint_id: str,
    body: HandoffIn,
    request: Request,
    who: Principal = require(*HANDLE_COMPLAINT),
    cfg: IntakeSettings = Depends(config),
) -> dict[str, Any]:
    """Hand the complaint to another department; the handling sheet names both sides."""

    async def step(
        conn: asyncpg.Connection, old: Complaint, now: datetime
    ) -> tuple[Complaint, list[Event]]:
        at = business_time(body.at, now, "at", old.opened_at)
        new, sheet = hand_off(old, body.to_department, body.to_assignee, who.sub, at, body.note)
        return new, [await store.handed_off(conn, new, sheet)]

    return await _act(request, who, cfg, complaint_id, step)


@router.post("/{complaint_id}/escalations", response_model=ComplaintOut)
async def escalate_(
    complaint_id: str,
    body: EscalationIn,
    request: Request,
    who: Principal = require(*HANDLE_COMPLAINT),
    cfg: IntakeSettings = Depends(config),
) -> dict[str, Any]:
    """Escalate by hand to the next level (department head, then the manager)."""

    async def step(
        conn: asyncpg.Connection, old: Complaint, now: datetime
    ) -> tuple[Complaint, list[Event]]:
        at = business_time(body.at, now, "at", old.opened_at)
        new, record = escalate(old, None, body.reason, False, at, by=who.sub)
        return new, [await store.escalated(conn, new, record)]

    return await _act(request, who, cfg, complaint_id, step)


@router.post("/{complaint_id}/resolution", response_model=ComplaintOut)
async def resolve_(
    complaint_id: str,
    body: ResolutionIn,
    request: Request,
    who: Principal = require(*HANDLE_COMPLAINT),
    cfg: IntakeSettings = Depends(config),
) -> dict[str, Any]:
    """Record the result; the complaint is resolved and waits for the confirmation call."""

    async def step(
        conn: asyncpg.Connection, old: Complaint, now: datetime
    ) -> tuple[Complaint, list[Event]]:
        at = business_time(body.at, now, "at", old.opened_at)
        new, record = resolve(old, body.result, body.alternatives_offered, who.sub, at)
        return new, [await store.resolved(conn, new, record)]

    return await _act(request, who, cfg, complaint_id, step)


async def _act(
    request: Request, who: Principal, cfg: IntakeSettings, complaint_id: str, step: Step
) -> dict[str, Any]:
    """Lock, apply one domain step, save, move the escalation timer, emit; the new view."""
    async with tx(request) as conn:
        now = await clock(conn, request)
        ident = parse_id("complaint", complaint_id)
        row = await queries.lock_complaint(conn, id=ident)
        if row is None or not _may_see(who, row):
            raise not_found("complaint", complaint_id)
        old = store.to_domain(row)
        new, events = await step(conn, old, now)
        await store.save(conn, old, new)
        await store.sync_escalation_timer(conn, new, cfg)
        await store.emit(conn, row["branch_id"], events)
        fresh = await queries.get_complaint(conn, id=ident)
        assert fresh is not None
        view = await _view(conn, fresh)
    metrics.observe(events, old.opened_at)
    return view


def _summary(row: asyncpg.Record) -> dict[str, Any]:
    fields = dict(row)
    kind, ident = fields.pop("subject_kind"), fields.pop("subject_id")
    fields["subject"] = {"kind": kind, "id": ident} if kind else None
    return fields


async def _view(conn: asyncpg.Connection, row: asyncpg.Record) -> dict[str, Any]:
    ident = row["id"]
    resolution = await queries.latest_resolution(conn, complaint_id=ident)
    confirmation = await queries.latest_confirmation(conn, complaint_id=ident)
    return {
        **_summary(row),
        "handoffs": [dict(r) for r in await queries.list_handoffs(conn, complaint_id=ident)],
        "escalations": [dict(r) for r in await queries.list_escalations(conn, complaint_id=ident)],
        "resolution": dict(resolution) if resolution else None,
        "confirmation": dict(confirmation) if confirmation else None,
    }
