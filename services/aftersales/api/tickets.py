"""Reading repair tickets: the list (keyset pagination) and one ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request

from services.aftersales import queries
from services.aftersales.api.common import (
    READ,
    view,
    visible,
)
from services.aftersales.domain import Status
from services.aftersales.views import summary_view
from shared.web.auth import Principal
from shared.web.deps import read
from shared.web.errors import Problem
from shared.web.pagination import decode, limit_param, page

router = APIRouter(prefix="/v1", tags=["repairs"])


@router.get("/repairs")
async def list_repairs(
    request: Request,
    status: Status | None = None,
    project_id: str | None = None,
    complaint_id: str | None = None,
    limit: int = Depends(limit_param),
    cursor: str | None = None,
    who: Principal = READ,
) -> dict[str, Any]:
    """Tickets in opening order, filtered; keyset pagination."""
    after: tuple[datetime, str] | None = None
    position = decode(cursor)
    if position is not None:
        try:
            after = (datetime.fromisoformat(str(position[0])), str(position[1]))
        except (ValueError, IndexError) as exc:
            raise Problem(
                422,
                "Invalid input",
                "invalid field(s): cursor",
                [{"field": "cursor", "message": "not a cursor this API returned"}],
            ) from exc
    async with read(request) as conn:
        rows = await queries.list_tickets(
            conn,
            status=status.value if status else None,
            project_id=project_id,
            complaint_id=complaint_id,
            branch_id=who.branch if who.is_branch else None,
            after=after,
            limit=limit + 1,
        )
    return page([summary_view(r) for r in rows], limit, key=("opened_at", "id"))


@router.get("/repairs/{repair_id}")
async def get_repair(repair_id: str, request: Request, who: Principal = READ) -> dict[str, Any]:
    """One ticket with its warranty decision, history, photos and materials."""
    async with read(request) as conn:
        return await view(conn, await visible(conn, repair_id, who))
