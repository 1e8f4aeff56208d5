"""HTTP routes: the callback worklist and outcomes, the message log, reports sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from services.notifications import queries
from services.notifications.config import NotificationsSettings
from services.notifications.domain import (
    callback_fields,
    can_record,
    completed_fields,
    next_check_at,
    record_outcome,
)
from services.notifications.metrics import CALLBACKS_OVERDUE, observe_completed
from services.notifications.records import (
    callback_item,
    callback_of,
    message_item,
    outcome_item,
)
from services.notifications.store import CHECK_TIMER, Cause
from shared import outbox, timers
from shared.contracts.envelope import Event
from shared.contracts.notifications import CallbackCompleted, CallbackOverdue
from shared.contracts.values import CallbackPurpose, Role
from shared.web.auth import Principal, require
from shared.web.deps import config, read, tx
from shared.web.errors import Problem, not_found
from shared.web.pagination import decode, limit_param, page

router = APIRouter(prefix="/v1", tags=["notifications"])
SERVICE = "notifications"
# Every staff role reads the worklist and the log; branches do not.
STAFF = tuple(r for r in Role if r is not Role.BRANCH)
CALLBACK_STATUSES = Literal["open", "scheduled", "due", "overdue", "done", "given_up", "cancelled"]


class OutcomeIn(BaseModel):
    """One call's outcome, as the agent records it."""

    model_config = ConfigDict(extra="forbid")

    reached: bool
    satisfied: bool | None = None
    satisfaction: int | None = Field(default=None, ge=1, le=5)
    ratings: dict[str, int] = Field(default_factory=dict)
    comment: str | None = Field(default=None, max_length=4000)


def clock_offset(request: Request) -> float:
    """The test-only database clock offset of this process (0 outside tests)."""
    runtime = getattr(request.app.state, "runtime", None)
    worker = getattr(runtime, "timers", None)
    return float(getattr(worker, "clock_offset_seconds", 0.0))


def after_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    """The (time, id) a cursor points after."""
    values = decode(cursor)
    if values is None:
        return None
    try:
        return datetime.fromisoformat(str(values[0])), str(values[1])
    except (ValueError, IndexError) as exc:
        raise Problem(
            422,
            "Invalid input",
            "invalid field(s): cursor",
            [{"field": "cursor", "message": "not a cursor this API returned"}],
        ) from exc


@router.get("/callbacks")
async def list_callbacks(
    request: Request,
    purpose: CallbackPurpose | None = None,
    entity_id: str | None = None,
    status: CALLBACK_STATUSES | None = None,
    assignee: str | None = None,
    team: str | None = None,
    due_before: datetime | None = None,
    lang: Literal["zh", "en"] = "zh",
    limit: int = Depends(limit_param),
    cursor: str | None = None,
    who: Principal = require(*STAFF),
) -> dict[str, Any]:
    """The worklist, soonest due first (`status=open`: scheduled, due and overdue)."""
    async with read(request) as conn:
        rows = await queries.list_callbacks(
            conn,
            purpose=purpose.value if purpose else None,
            entity_id=entity_id,
            status=status,
            assignee=assignee,
            team=team,
            due_before=due_before,
            after=after_cursor(cursor),
            limit=limit + 1,
        )
    return page([callback_item(r, lang) for r in rows], limit, key=("due_at", "id"))


@router.get("/callbacks/{callback_id}")
async def get_callback(
    callback_id: str,
    request: Request,
    lang: Literal["zh", "en"] = "zh",
    who: Principal = require(*STAFF),
) -> dict[str, Any]:
    """One callback with every call made on it."""
    async with read(request) as conn:
        row = await queries.get_callback(conn, callback_id=callback_id)
        if row is None:
            raise not_found("callback", callback_id)
        outcomes = await queries.list_outcomes(conn, callback_id=callback_id)
    return {**callback_item(row, lang), "outcomes": [outcome_item(o) for o in outcomes]}


@router.post("/callbacks/{callback_id}/outcome")
async def record_callback_outcome(
    callback_id: str,
    body: OutcomeIn,
    request: Request,
    cfg: NotificationsSettings = Depends(config),
    who: Principal = require(*STAFF),
) -> dict[str, Any]:
    """Record a call: reached → done; not reached → retried later, given up after the last."""
    async with tx(request) as conn:
        await timers.apply_clock(conn, clock_offset(request))
        row = await queries.get_callback(conn, callback_id=callback_id, for_update=True)
        if row is None:
            raise not_found("callback", callback_id)
        cb = callback_of(row)
        if not can_record(cb, who.role.value, who.team or who.department, who.sub):
            raise Problem(
                403,
                "Forbidden",
                f"role {who.role.value} may not record a {cb.purpose.value} call"
                f" of team {cb.team or '-'}",
            )
        now = await queries.database_now(conn)
        after, effect = record_outcome(
            cb,
            body.reached,
            body.satisfied,
            body.satisfaction,
            body.ratings,
            body.comment,
            now,
            cfg,
        )
        await queries.save_callback(
            conn,
            callback_id=after.id,
            status=after.status.value,
            due_at=after.due_at,
            attempts=after.attempts,
            level=after.level.value if after.level else None,
            version=after.version,
            closed=effect.final,
        )
        await queries.insert_outcome(
            conn,
            callback_id=after.id,
            attempt=after.attempts,
            reached=body.reached,
            satisfied=body.satisfied,
            satisfaction=body.satisfaction,
            ratings=dict(body.ratings),
            comment=body.comment,
            recorded_by=who.sub,
        )
        check = next_check_at(after)
        if effect.final or check is None:
            await timers.cancel(conn, CHECK_TIMER, after.id)
        else:
            await timers.schedule(conn, CHECK_TIMER, after.id, check)
        events: list[Event] = []
        if effect.final:
            events.append(CallbackCompleted(**completed_fields(after, effect.outcome, who.sub)))
        if effect.escalated_to is not None:
            events.append(CallbackOverdue(**callback_fields(after)))
            CALLBACKS_OVERDUE.labels(effect.escalated_to.value).inc()
        cause = Cause(None, row["correlation_id"], row["branch_id"])
        await outbox.add(conn, *outbox.stamp(SERVICE, [cause.stamp(e) for e in events]))
        saved = await queries.get_callback(conn, callback_id=after.id)
    observe_completed(events)
    assert saved is not None
    return {
        **callback_item(saved),
        "final": effect.final,
        "retry_due_at": effect.retry_due_at,
        "escalated_to": effect.escalated_to.value if effect.escalated_to else None,
    }


@router.get("/messages")
async def list_messages(
    request: Request,
    customer_id: str | None = None,
    entity_id: str | None = None,
    channel: Literal["sms", "email", "webhook"] | None = None,
    status: Literal["queued", "sent", "failed"] | None = None,
    template: str | None = None,
    limit: int = Depends(limit_param),
    cursor: str | None = None,
    who: Principal = require(*STAFF),
) -> dict[str, Any]:
    """The message log: SMS, e-mails and webhooks with their status and rendered text."""
    async with read(request) as conn:
        rows = await queries.list_messages(
            conn,
            customer_id=customer_id,
            entity_id=entity_id,
            channel=channel,
            status=status,
            template=template,
            after=after_cursor(cursor),
            limit=limit + 1,
        )
    return page([message_item(r) for r in rows], limit, key=("created_at", "id"))


@router.get("/messages/{message_id}")
async def get_message(
    message_id: str, request: Request, who: Principal = require(*STAFF)
) -> dict[str, Any]:
    """One message of the log."""
    async with read(request) as conn:
        row = await queries.get_message(conn, message_id=message_id)
    if row is None:
        raise not_found("message", message_id)
    return message_item(row)


@router.get("/reports/sent")
async def reports_sent(
    request: Request,
    limit: int = Depends(limit_param),
    cursor: str | None = Query(default=None),
    who: Principal = require(*STAFF),
) -> dict[str, Any]:
    """The report e-mails (and their webhooks) delivered or queued, oldest first."""
    async with read(request) as conn:
        rows = await queries.list_messages(
            conn,
            customer_id=None,
            entity_id=None,
            channel=None,
            status=None,
            template="report",
            after=after_cursor(cursor),
            limit=limit + 1,
        )
    return page([message_item(r) for r in rows], limit, key=("created_at", "id"))
