"""Routes of the works' records: materials, material change forms, quality inspections."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from services.projects import workflow
from services.projects.api.models import (
    InspectionIn,
    MaterialChangeIn,
    MaterialCheckIn,
    MaterialsIn,
    if_match,
    inspection_body,
)
from services.projects.api.roles import ENGINEERING, READERS
from services.projects.domain import DeliveredItem
from shared.web.auth import Principal, require
from shared.web.deps import change, view

router = APIRouter(prefix="/v1", tags=["quality"])


@router.post("/projects/{project_id}/materials", status_code=201)
async def record_materials(
    project_id: str, body: MaterialsIn, request: Request, who: Principal = require(*ENGINEERING)
) -> dict[str, Any]:
    """Record materials used (the customer file repairs match later); emits the full list."""
    items = [i.model_dump() for i in body.items]
    async with change(request) as ctx:
        version, recorded = await workflow.record_materials(
            ctx, project_id, items, body.at, who.sub, if_match(request)
        )
    return {"project_id": project_id, "version": version, "items": recorded}


@router.get("/projects/{project_id}/materials")
async def materials(
    project_id: str, request: Request, who: Principal = require(*READERS)
) -> dict[str, Any]:
    """The materials recorded on a project and its material change forms."""
    async with view(request) as ctx:
        items, changes, checks = await workflow.materials(ctx, project_id, if_match(request))
    return {"project_id": project_id, "items": items, "changes": changes, "checks": checks}


@router.post("/projects/{project_id}/material-checks", status_code=201)
async def material_check(
    project_id: str, body: MaterialCheckIn, request: Request, who: Principal = require(*ENGINEERING)
) -> dict[str, Any]:
    """The material acceptance sheet: the delivery checked item by item against the contract."""
    delivered = [DeliveredItem(**i.model_dump()) for i in body.items]
    async with change(request) as ctx:
        return await workflow.check_materials(
            ctx, project_id, delivered, body.at, who.sub, if_match(request)
        )


@router.post("/projects/{project_id}/material-changes", status_code=201)
async def material_change(
    project_id: str,
    body: MaterialChangeIn,
    request: Request,
    who: Principal = require(*ENGINEERING),
) -> dict[str, Any]:
    """A customer's material change: only with the change form the customer signed."""
    description = body.description.strip()
    async with change(request) as ctx:
        change_id, at = await workflow.record_material_change(
            ctx,
            project_id,
            description,
            body.signed_by_customer,
            body.at,
            who.sub,
            if_match(request),
        )
    return {
        "id": change_id,
        "project_id": project_id,
        "description": description,
        "signed_by_customer": True,
        "at": at,
    }


@router.post("/projects/{project_id}/inspections", status_code=201)
async def inspection(
    project_id: str, body: InspectionIn, request: Request, who: Principal = require(*ENGINEERING)
) -> dict[str, Any]:
    """Engineering's quality, progress and tidiness check of a site under construction."""
    async with change(request) as ctx:
        inspection_id, found = await workflow.record_inspection(
            ctx,
            project_id,
            quality=body.quality,
            progress=body.progress,
            tidiness=body.tidiness,
            problems=body.problems,
            at=body.at,
            by=who.sub,
            if_match=if_match(request),
        )
    return inspection_body(inspection_id, found)
