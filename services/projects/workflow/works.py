"""The works' records: materials used (the customer file repairs match later), the material
acceptance sheets, the customer's material change forms, and engineering's quality
inspections."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from services.projects import domain, queries, reports
from services.projects.domain import DeliveredItem, QualityInspection
from services.projects.queries import records
from services.projects.workflow.unit import Unit
from shared.context import Context
from shared.contracts.projects import (
    MaterialItem,
    ProjectInspectionRecorded,
    ProjectMaterialsRecorded,
)


async def record_materials(
    ctx: Context,
    project_id: str,
    items: list[dict[str, Any]],
    at: datetime | None,
    by: str,
    if_match: str | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """Record materials used; emits the full list. The project's new version and the list."""
    when = await ctx.business_time(at, "at")
    unit = await Unit.fetch(ctx, project_id, if_match)
    conn = ctx.conn
    await queries.insert_materials(
        conn, project_id=project_id, items=items, recorded_at=when, recorded_by=by
    )
    full = [records.material_of(r) for r in await queries.materials_of(conn, project_id=project_id)]
    # The event carries the whole list: a new version lets consumers drop older lists.
    unit.project = replace(unit.project, version=unit.project.version + 1)
    unit.emit(
        ProjectMaterialsRecorded(
            project_id=project_id,
            items=[MaterialItem(**i) for i in full],
            version=unit.project.version,
        )
    )
    await unit.commit()
    return unit.project.version, full


async def materials(
    ctx: Context, project_id: str, if_match: str | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The materials recorded on a project, its material change forms and acceptance sheets."""
    await Unit.fetch(ctx, project_id, if_match)
    conn = ctx.conn
    items = [
        records.material_of(r) for r in await queries.materials_of(conn, project_id=project_id)
    ]
    changes = [dict(r) for r in await queries.material_changes_of(conn, project_id=project_id)]
    checks = [
        json.loads(r["sheet"]) if isinstance(r["sheet"], str) else dict(r["sheet"])
        for r in await queries.material_checks_of(conn, project_id=project_id)
    ]
    return items, changes, checks


async def check_materials(
    ctx: Context,
    project_id: str,
    delivered: list[DeliveredItem],
    at: datetime | None,
    by: str,
    if_match: str | None = None,
) -> dict[str, Any]:
    """Accept the delivered materials against the contract's, item by item (材料验收单)."""
    when = await ctx.business_time(at, "at")
    unit = await Unit.fetch(ctx, project_id, if_match)
    contracted = [
        records.contracted_of(r)
        for r in await queries.materials_of(ctx.conn, project_id=project_id)
    ]
    check = domain.check_materials(unit.project, contracted, delivered, by, when)
    sheet = records.material_check_to_json(str(uuid.uuid4()), check)
    await queries.insert_material_check(
        ctx.conn,
        check_id=sheet["id"],
        project_id=project_id,
        at=when,
        checked_by=by,
        passed=check.passed,
        sheet=sheet,
    )
    return sheet


async def record_material_change(
    ctx: Context,
    project_id: str,
    description: str,
    signed_by_customer: bool,
    at: datetime | None,
    by: str,
    if_match: str | None = None,
) -> tuple[str, datetime]:
    """A customer's material change, only with the form the customer signed: its id and time."""
    domain.check_material_change(signed_by_customer)
    when = await ctx.business_time(at, "at")
    await Unit.fetch(ctx, project_id, if_match)
    change_id = str(uuid.uuid4())
    await queries.insert_material_change(
        ctx.conn,
        change_id=change_id,
        project_id=project_id,
        description=description.strip(),
        signed_by_customer=True,
        at=when,
        recorded_by=by,
    )
    return change_id, when


async def record_inspection(
    ctx: Context,
    project_id: str,
    *,
    quality: int,
    progress: int,
    tidiness: int,
    problems: list[str],
    at: datetime | None,
    by: str,
    if_match: str | None = None,
) -> tuple[str, QualityInspection]:
    """Engineering's check of a site under construction (quality, progress, tidiness 1–5),
    published so the problems it found are handled at once (发现问题,及时处理)."""
    when = await ctx.business_time(at, "at")
    unit = await Unit.fetch(ctx, project_id, if_match)
    found = domain.inspect(
        unit.project,
        by,
        when,
        quality=quality,
        progress=progress,
        tidiness=tidiness,
        problems=problems,
    )
    inspection_id = str(uuid.uuid4())
    await queries.insert_inspection(
        ctx.conn,
        inspection_id=inspection_id,
        project_id=project_id,
        inspector=found.inspector,
        at=found.at,
        month=reports.month_of(found.at),
        quality=found.quality,
        progress=found.progress,
        tidiness=found.tidiness,
        problems=found.problems,
    )
    # A new version orders the inspections for consumers (a later clean one ends the problems).
    p = unit.project = replace(unit.project, version=unit.project.version + 1)
    unit.emit(
        ProjectInspectionRecorded(
            project_id=project_id,
            customer_id=p.customer_id,
            inspection_id=inspection_id,
            inspector=found.inspector,
            at=found.at,
            quality=found.quality,
            progress=found.progress,
            tidiness=found.tidiness,
            problems=list(found.problems),
            project_manager=p.project_manager,
            version=p.version,
        )
    )
    await unit.commit()
    return inspection_id, found
