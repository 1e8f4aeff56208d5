"""Reading repair tickets: the list (keyset pagination) and one ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request

from services.aftersales import workflow
from services.aftersales.api.models import summary_view, ticket_view
from services.aftersales.api.roles import READ
from services.aftersales.domain import Status
from shared.validation import Code, Cursor
from shared.web.auth import Principal
from shared.web.deps import view
from shared.web.pagination import after, limit_param, page

router = APIRouter(prefix="/v1", tags=["repairs"])


@router.get("/repairs")
async def list_repairs(
    request: Request,
    status: Status | None = None,
    project_id: Code | None = None,
    complaint_id: Code | None = None,
    limit: int = Depends(limit_param),
    cursor: Cursor | None = None,
    who: Principal = READ,
    customer_id: Code | None = None,
) -> dict[str, Any]:
    """Tickets in opening order, filtered; keyset pagination."""
    position = after(cursor, datetime, str)
    async with view(request) as ctx:
        found = await workflow.tickets(
            ctx,
            who,
            status=status,
            project_id=project_id,
            complaint_id=complaint_id,
            after=(position[0], position[1]) if position else None,
            limit=limit + 1,
            customer_id=customer_id,
        )
    return page([summary_view(s) for s in found], limit, key=("opened_at", "id"))


@router.get("/repairs/{repair_id}")
async def get_repair(repair_id: str, request: Request, who: Principal = READ) -> dict[str, Any]:
    """One ticket with its warranty decision, history, photos and materials."""
    async with view(request) as ctx:
        return ticket_view(await workflow.ticket(ctx, who, repair_id))
