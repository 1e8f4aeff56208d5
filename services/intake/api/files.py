"""Routes of the customer's service file (客户资料/服务档案) and its archiving."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from services.intake.api.models import ArchiveIn
from services.intake.api.roles import ARCHIVE_FILE, READ_FILE
from services.intake.workflow import files
from shared.web.auth import Principal, require
from shared.web.deps import change, view

router = APIRouter(prefix="/v1", tags=["customers"])


@router.get("/customers/{customer_id}/file")
async def service_file(
    customer_id: str, request: Request, who: Principal = require(*READ_FILE)
) -> dict[str, Any]:
    """The customer's service file: status, when it opened, projects, open complaints, archive."""
    async with view(request) as ctx:
        return await files.service_file(ctx, who, customer_id)


@router.post("/customers/{customer_id}/file/archive")
async def archive(
    customer_id: str, body: ArchiveIn, request: Request, who: Principal = require(*ARCHIVE_FILE)
) -> dict[str, Any]:
    """Archive the file once the customer's works are finished and no complaint is open."""
    async with change(request) as ctx:
        return await files.archive(ctx, who, customer_id, note=body.note, at=body.at)
