"""The message log: SMS, e-mails and webhooks with their status and rendered text."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request

from services.notifications import workflow
from services.notifications.api.models import STAFF, Channel, MessageStatusFilter
from services.notifications.queries.records import message_item
from shared.validation import Code, Cursor
from shared.web.auth import Principal, require
from shared.web.deps import view
from shared.web.pagination import after, limit_param, page

router = APIRouter(prefix="/v1", tags=["notifications"])


@router.get("/messages")
async def list_messages(
    request: Request,
    customer_id: Code | None = None,
    entity_id: Code | None = None,
    channel: Channel | None = None,
    status: MessageStatusFilter | None = None,
    template: Code | None = None,
    limit: int = Depends(limit_param),
    cursor: Cursor | None = None,
    who: Principal = require(*STAFF),
) -> dict[str, Any]:
    """The message log: SMS, e-mails and webhooks with their status and rendered text."""
    async with view(request) as ctx:
        rows = await workflow.message_log(
            ctx,
            customer_id=customer_id,
            entity_id=entity_id,
            channel=channel,
            status=status,
            template=template,
            after=after(cursor, datetime, str),
            limit=limit + 1,
        )
    return page([message_item(r) for r in rows], limit, key=("created_at", "id"))


@router.get("/messages/{message_id}")
async def get_message(
    message_id: str, request: Request, who: Principal = require(*STAFF)
) -> dict[str, Any]:
    """One message of the log."""
    async with view(request) as ctx:
        row = await workflow.message(ctx, message_id)
    return message_item(row)
