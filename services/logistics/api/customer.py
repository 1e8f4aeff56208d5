"""A shipment as its customer's link shows it (read by the console for a link's page)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from services.logistics.api import views
from services.logistics.api.roles import READERS
from services.logistics.workflow.customer import customer_view
from shared.web.auth import Principal, require
from shared.web.deps import view

router = APIRouter(prefix="/v1", tags=["shipments"])


@router.get("/shipments/{waybill}/tracking")
async def tracking(
    waybill: str, request: Request, who: Principal = require(*READERS, "tracking")
) -> dict[str, Any]:
    """Status, applied scans, promised and expected arrival, the release requirements' codes,
    the receipt (shipper and staff only); names and phones masked. The only endpoint a
    tracking token may call, and only for its own waybill (404 for any other)."""
    async with view(request) as ctx:
        return views.customer_json(await customer_view(ctx, who, waybill))
