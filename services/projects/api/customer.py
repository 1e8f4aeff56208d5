"""A project as its customer's link shows it (read by the console for a link's page)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from services.projects.api.models import customer_view_body
from services.projects.api.roles import CUSTOMER_VIEW
from services.projects.workflow.customer import customer_view
from shared.web.auth import Principal
from shared.web.deps import view

router = APIRouter(prefix="/v1", tags=["projects"])


@router.get("/projects/{project_id}/customer-view")
async def project_customer_view(
    project_id: str, request: Request, who: Principal = CUSTOMER_VIEW
) -> dict[str, Any]:
    """The stages with when each was reached, the next stage and what it waits for (codes), the
    payment plan with each instalment's state and what is due now, the warranty card once
    handed over; the customer's name and the address masked, no staff. The only endpoint a
    project_view token may call here, and only for its own project (404 for any other)."""
    async with view(request) as ctx:
        return customer_view_body(await customer_view(ctx, who, project_id))
