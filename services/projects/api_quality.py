"""Routes of the works' records: materials, material change forms, quality inspections."""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal
from typing import Any

import asyncpg
from fastapi import APIRouter, Request
from pydantic import AwareDatetime, Field

from services.projects import queries
from services.projects.api_common import ENGINEERING, READERS, Body, load
from services.projects.domain import inspect
from services.projects.reports import month_of
from services.projects.workflow import utcnow
from shared.contracts.projects import MaterialItem, ProjectMaterialsRecorded
from shared.errors import DomainError
from shared.web.auth import Principal, require
from shared.web.deps import read, tx

router = APIRouter(prefix="/v1", tags=["quality"])


class MaterialIn(Body):
    category: str = Field(min_length=1)
    supplier: str | None = None
    brand: str | None = None
    model: str | None = None
    spec: str | None = None
    colour: str | None = None
    quantity: Decimal | None = Field(default=None, ge=0)


class MaterialsIn(Body):
    items: list[MaterialIn] = Field(min_length=1)
    at: AwareDatetime | None = None


class MaterialChangeIn(Body):
    description: str = Field(min_length=1)
    signed_by_customer: bool
    at: AwareDatetime | None = None


class InspectionIn(Body):
    quality: int
    progress: int
    tidiness: int
    problems: list[str] = Field(default_factory=list)
    at: AwareDatetime | None = None


def _material(r: asyncpg.Record) -> dict[str, Any]:
    item = {k: r[k] for k in ("category", "supplier", "brand", "model", "spec", "colour")}
    item["quantity"] = float(r["quantity"]) if r["quantity"] is not None else None
    return item


@router.post("/projects/{project_id}/materials", status_code=201)
async def record_materials(
    project_id: str, body: MaterialsIn, request: Request, who: Principal = require(*ENGINEERING)
) -> dict[str, Any]:
    """Record materials used (the customer file repairs match later); emits the full list."""
    async with tx(request) as conn:
        unit = await load(conn, request, project_id)
        await queries.insert_materials(
            conn,
            project_id=project_id,
            items=[i.model_dump() for i in body.items],
            recorded_at=body.at or utcnow(),
            recorded_by=who.sub,
        )
        items = [_material(r) for r in await queries.materials_of(conn, project_id=project_id)]
        # The event carries the whole list: a new version lets consumers drop older lists.
        unit.project = replace(unit.project, version=unit.project.version + 1)
        unit.emit(
            ProjectMaterialsRecorded(
                project_id=project_id,
                items=[MaterialItem(**i) for i in items],
                version=unit.project.version,
            )
        )
        await unit.commit()
    return {"project_id": project_id, "version": unit.project.version, "items": items}


@router.get("/projects/{project_id}/materials")
async def materials(
    project_id: str, request: Request, who: Principal = require(*READERS)
) -> dict[str, Any]:
    """The materials recorded on a project and its material change forms."""
    async with read(request) as conn:
        await load(conn, request, project_id)
        items = [_material(r) for r in await queries.materials_of(conn, project_id=project_id)]
        rows = await queries.material_changes_of(conn, project_id=project_id)
        changes: list[dict[str, Any]] = [dict(r) for r in rows]
    return {"project_id": project_id, "items": items, "changes": changes}


@router.post("/projects/{project_id}/material-changes", status_code=201)
async def material_change(
    project_id: str,
    body: MaterialChangeIn,
    request: Request,
    who: Principal = require(*ENGINEERING),
) -> dict[str, Any]:
    """A customer's material change: only with the change form the customer signed."""
    if not body.signed_by_customer:
        raise DomainError(
            "change_not_signed",
            "a material change needs the change form (材料增减、更改建议书) signed by the customer",
        )
    change_id = str(uuid.uuid4())
    at = body.at or utcnow()
    async with tx(request) as conn:
        await load(conn, request, project_id)
        await queries.insert_material_change(
            conn,
            change_id=change_id,
            project_id=project_id,
            description=body.description.strip(),
            signed_by_customer=True,
            at=at,
            recorded_by=who.sub,
        )
    return {
        "id": change_id,
        "project_id": project_id,
        "description": body.description.strip(),
        "signed_by_customer": True,
        "at": at,
    }


# -------------------------------------------------------------------------------- inspections


@router.post("/projects/{project_id}/inspections", status_code=201)
async def inspection(
    project_id: str, body: InspectionIn, request: Request, who: Principal = require(*ENGINEERING)
) -> dict[str, Any]:
    """Engineering's quality, progress and tidiness check of a site under construction."""
    at = body.at or utcnow()
    inspection_id = str(uuid.uuid4())
    async with tx(request) as conn:
        unit = await load(conn, request, project_id)
        found = inspect(
            unit.project,
            who.sub,
            at,
            quality=body.quality,
            progress=body.progress,
            tidiness=body.tidiness,
            problems=body.problems,
        )
        await queries.insert_inspection(
            conn,
            inspection_id=inspection_id,
            project_id=project_id,
            inspector=found.inspector,
            at=found.at,
            month=month_of(found.at),
            quality=found.quality,
            progress=found.progress,
            tidiness=found.tidiness,
            problems=found.problems,
        )
    return {
        "id": inspection_id,
        "project_id": project_id,
        "inspector": found.inspector,
        "at": found.at,
        "quality": found.quality,
        "progress": found.progress,
        "tidiness": found.tidiness,
        "problems": list(found.problems),
        "mean": round(float(found.mean), 2),
    }
