"""Complaint cases: open, list, read, hand off, escalate, resolve."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
from fastapi import APIRouter, Depends, Query, Request

from services.intake import workflow
from services.intake.api.models import (
    CauseIn,
    ComplaintCreated,
    ComplaintIn,
    ComplaintOut,
    ComplaintPage,
    EscalationIn,
    HandoffIn,
    ResolutionIn,
)
from services.intake.api.roles import CREATE_COMPLAINT, HANDLE_COMPLAINT, READ_COMPLAINT
from services.intake.workflow import ComplaintFile
from shared.contracts.intake import SubjectRef
from shared.contracts.values import ComplaintStatus, Department
from shared.validation import Cursor, Uuid
from shared.web.auth import Principal, require
from shared.web.deps import change, view
from shared.web.pagination import after, limit_param, page

router = APIRouter(prefix="/v1/complaints", tags=["complaints"])


@router.post("", status_code=201, response_model=ComplaintCreated)
async def open_(
    body: ComplaintIn, request: Request, who: Principal = require(*CREATE_COMPLAINT)
) -> dict[str, str]:
    """Register a complaint; the department head escalation is scheduled from its severity."""
    async with change(request, branch_id=who.branch) as ctx:
        c = await workflow.open_complaint(
            ctx,
            who,
            customer=body.customer,
            customer_id=body.customer_id,
            channel=body.channel,
            category=body.category,
            severity=body.severity,
            description=body.description,
            department=body.department,
            subject=SubjectRef(**body.subject.model_dump()) if body.subject else None,
            assignee=body.assignee,
            opened_at=body.opened_at,
        )
    return {"id": c.id, "status": c.status.value}


@router.get("", response_model=ComplaintPage)
async def list_(
    request: Request,
    status: ComplaintStatus | None = None,
    department: Department | None = None,
    customer_id: Uuid | None = Query(None, description="One customer's complaints"),
    cursor: Cursor | None = None,
    limit: int = Depends(limit_param),
    who: Principal = require(*READ_COMPLAINT),
) -> dict[str, Any]:
    """Complaints in registration order, by status, department and customer (keyset
    pagination)."""
    position = after(cursor, datetime, str)
    async with view(request) as ctx:
        rows = await workflow.complaints(
            ctx,
            who,
            status=status,
            department=department,
            after=(position[0], position[1]) if position else None,
            limit=limit + 1,
            customer_id=customer_id,
        )
    return page([summary(r) for r in rows], limit, key=("created_at", "id"))


@router.get("/{complaint_id}", response_model=ComplaintOut)
async def get(
    complaint_id: str, request: Request, who: Principal = require(*READ_COMPLAINT)
) -> dict[str, Any]:
    """The complaint with its hand-off trail, escalations, resolution and confirmation."""
    async with view(request) as ctx:
        return shaped(await workflow.complaint(ctx, who, complaint_id))


@router.post("/{complaint_id}/handoffs", response_model=ComplaintOut)
async def hand_off_(
    complaint_id: str,
    body: HandoffIn,
    request: Request,
    who: Principal = require(*HANDLE_COMPLAINT),
) -> dict[str, Any]:
    """Hand the complaint to another department; the handling sheet names both sides."""
    async with change(request) as ctx:
        done = await workflow.hand_off(
            ctx,
            who,
            complaint_id,
            to_department=body.to_department,
            to_assignee=body.to_assignee,
            note=body.note,
            at=body.at,
        )
    return shaped(done)


@router.post("/{complaint_id}/escalations", response_model=ComplaintOut)
async def escalate_(
    complaint_id: str,
    body: EscalationIn,
    request: Request,
    who: Principal = require(*HANDLE_COMPLAINT),
) -> dict[str, Any]:
    """Escalate by hand to the next level (department head, then the manager)."""
    async with change(request) as ctx:
        done = await workflow.escalate(ctx, who, complaint_id, reason=body.reason, at=body.at)
    return shaped(done)


@router.post("/{complaint_id}/cause", response_model=ComplaintOut)
async def record_cause_(
    complaint_id: str,
    body: CauseIn,
    request: Request,
    who: Principal = require(*HANDLE_COMPLAINT),
) -> dict[str, Any]:
    """Record why the complaint arose (调查出现投诉原因); a later finding corrects it."""
    async with change(request) as ctx:
        done = await workflow.record_cause(
            ctx, who, complaint_id, cause=body.cause, detail=body.detail, at=body.at
        )
    return shaped(done)


@router.post("/{complaint_id}/resolution", response_model=ComplaintOut)
async def resolve_(
    complaint_id: str,
    body: ResolutionIn,
    request: Request,
    who: Principal = require(*HANDLE_COMPLAINT),
) -> dict[str, Any]:
    """Record the result; the complaint is resolved and waits for the confirmation call."""
    async with change(request) as ctx:
        done = await workflow.resolve(
            ctx,
            who,
            complaint_id,
            result=body.result,
            alternatives_offered=body.alternatives_offered,
            at=body.at,
        )
    return shaped(done)


def summary(row: asyncpg.Record) -> dict[str, Any]:
    """A complaint in a list: its subject as `{kind, id}`."""
    fields = dict(row)
    kind, ident = fields.pop("subject_kind"), fields.pop("subject_id")
    fields["subject"] = {"kind": kind, "id": ident} if kind else None
    return fields


def shaped(file: ComplaintFile) -> dict[str, Any]:
    """A complaint with its trail."""
    return {
        **summary(file.complaint),
        "handoffs": [dict(r) for r in file.handoffs],
        "escalations": [dict(r) for r in file.escalations],
        "resolution": dict(file.resolution) if file.resolution else None,
        "confirmation": dict(file.confirmation) if file.confirmation else None,
        "cause": dict(file.causes[-1]) if file.causes else None,
        "causes": [dict(r) for r in file.causes],
    }
