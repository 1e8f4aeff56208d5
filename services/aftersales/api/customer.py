"""A project's open repairs as its customer's link shows them (read by the console)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from services.aftersales.api.models import customer_repair_view
from services.aftersales.api.roles import CUSTOMER_VIEW
from services.aftersales.workflow.customer import open_repairs
from shared.web.auth import Principal
from shared.web.deps import view

router = APIRouter(prefix="/v1", tags=["repairs"])


@router.get("/projects/{project_id}/open-repairs")
async def project_open_repairs(
    project_id: str, request: Request, who: Principal = CUSTOMER_VIEW
) -> dict[str, Any]:
    """The project's tickets not yet repaired, oldest first, each with the customer's next step
    (a call to book the survey, the survey's time, the fee to accept, the repair's day); no
    staff, findings or address. The only endpoint a project_view token may call here, and only
    for its own project (404 for any other)."""
    async with view(request) as ctx:
        found = await open_repairs(ctx, who, project_id)
    return {"project_id": project_id, "items": [customer_repair_view(t) for t in found]}
