"""The callback worklist, one callback with its calls, and recording a call's outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request

from services.notifications import workflow
from services.notifications.api.models import (
    DIALLERS,
    STAFF,
    CallbackStatusFilter,
    Language,
    OutcomeIn,
)
from services.notifications.queries.records import callback_item, outcome_item
from shared.contracts.values import CallbackPurpose
from shared.validation import Code, Cursor, Moment
from shared.web.auth import Principal, require
from shared.web.deps import change, view
from shared.web.pagination import after, limit_param, page

router = APIRouter(prefix="/v1", tags=["notifications"])


@router.get("/callbacks")
async def list_callbacks(
    request: Request,
    purpose: CallbackPurpose | None = None,
    entity_id: Code | None = None,
    status: CallbackStatusFilter | None = None,
    assignee: Code | None = None,
    team: Code | None = None,
    due_before: Moment | None = None,
    lang: Language = "zh",
    limit: int = Depends(limit_param),
    cursor: Cursor | None = None,
    who: Principal = require(*STAFF),
    customer_id: Code | None = None,
) -> dict[str, Any]:
    """The worklist, soonest due first (`status=open`: scheduled, due and overdue)."""
    async with view(request) as ctx:
        rows = await workflow.worklist(
            ctx,
            purpose=purpose.value if purpose else None,
            entity_id=entity_id,
            status=status,
            assignee=assignee,
            team=team,
            due_before=due_before,
            after=after(cursor, datetime, str),
            limit=limit + 1,
            customer_id=customer_id,
        )
    full = who.role in DIALLERS
    items = [callback_item(r, lang, full_phone=full) for r in rows]
    return page(items, limit, key=("due_at", "id"))


@router.get("/callbacks/{callback_id}")
async def get_callback(
    callback_id: str,
    request: Request,
    lang: Language = "zh",
    who: Principal = require(*STAFF),
) -> dict[str, Any]:
    """One callback with every call made on it."""
    async with view(request) as ctx:
        row, outcomes = await workflow.callback_with_calls(ctx, callback_id)
    item = callback_item(row, lang, full_phone=who.role in DIALLERS)
    return {**item, "outcomes": [outcome_item(o) for o in outcomes]}


@router.post("/callbacks/{callback_id}/outcome")
async def record_callback_outcome(
    callback_id: str,
    body: OutcomeIn,
    request: Request,
    who: Principal = require(*STAFF),
) -> dict[str, Any]:
    """Record a call: reached → done; not reached → retried later, given up after the last."""
    async with change(request) as ctx:
        done = await workflow.record_call(
            ctx,
            callback_id,
            body.outcome(),
            role=who.role.value,
            team=who.team or who.department,
            by=who.sub,
        )
    effect = done.effect
    return {
        **callback_item(done.row),
        "final": effect.final,
        "retry_due_at": effect.retry_due_at,
        "escalated_to": effect.escalated_to.value if effect.escalated_to else None,
    }
