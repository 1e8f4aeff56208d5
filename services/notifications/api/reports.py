"""Reports: the report e-mails sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from services.notifications import workflow
from services.notifications.api.models import STAFF
from services.notifications.queries.records import message_item
from shared.web.auth import Principal, require
from shared.web.deps import view
from shared.web.pagination import after, limit_param, page

router = APIRouter(prefix="/v1", tags=["notifications"])


@router.get("/reports/sent")
async def reports_sent(
    request: Request,
    limit: int = Depends(limit_param),
    cursor: str | None = Query(default=None),
    who: Principal = require(*STAFF),
) -> dict[str, Any]:
    """The report e-mails (and their webhooks) delivered or queued, oldest first."""
    async with view(request) as ctx:
        rows = await workflow.message_log(
            ctx,
            customer_id=None,
            entity_id=None,
            channel=None,
            status=None,
            template="report",
            after=after(cursor, datetime, str),
            limit=limit + 1,
        )
    return page([message_item(r) for r in rows], limit, key=("created_at", "id"))
