"""What projects keeps of other services' events: complaints about a project (the monthly
rating) and the project's callbacks (satisfaction for the rating, care calls for compliance).

Each returns False while the project is unknown here (its lead may not have arrived yet)."""

from __future__ import annotations

from datetime import datetime

from services.projects import queries, reports
from services.projects.workflow.unit import aware
from shared.context import Context


async def _known(ctx: Context, project_id: str) -> bool:
    return await queries.get_project(ctx.conn, project_id=project_id) is not None


async def project_branch(ctx: Context, project_id: str) -> str | None:
    """The branch a project belongs to; None for a project of no branch or one unknown here."""
    row = await queries.get_project(ctx.conn, project_id=project_id)
    return None if row is None else row["branch_id"]


async def count_complaint(
    ctx: Context, *, complaint_id: str, project_id: str, opened_at: datetime
) -> bool:
    """Count a complaint about a project once, by the month it was opened."""
    if not await _known(ctx, project_id):
        return False
    at = aware(opened_at)
    await queries.insert_complaint(
        ctx.conn,
        complaint_id=complaint_id,
        project_id=project_id,
        opened_at=at,
        month=reports.month_of(at),
    )
    return True


async def keep_callback_scheduled(
    ctx: Context,
    *,
    callback_id: str,
    project_id: str,
    purpose: str,
    stage: str | None,
    due_at: datetime,
    project_manager: str | None,
    version: int,
) -> bool:
    """Keep a scheduled callback (care compliance counts it as pending); an older version or
    a completed call is not overwritten."""
    if not await _known(ctx, project_id):
        return False
    await queries.upsert_callback_scheduled(
        ctx.conn,
        callback_id=callback_id,
        project_id=project_id,
        purpose=purpose,
        stage=stage,
        due_at=due_at,
        project_manager=project_manager,
        version=version,
    )
    return True


async def keep_callback_completed(
    ctx: Context,
    *,
    callback_id: str,
    project_id: str,
    purpose: str,
    stage: str | None,
    due_at: datetime,
    project_manager: str | None,
    version: int,
    reached: bool,
    satisfaction: int | None,
    ratings: dict[str, int],
    completed_at: datetime,
) -> bool:
    """Keep a callback's outcome (satisfaction for the rating, a made care call), unless a
    newer outcome is already held."""
    if not await _known(ctx, project_id):
        return False
    at = aware(completed_at)
    await queries.upsert_callback_completed(
        ctx.conn,
        callback_id=callback_id,
        project_id=project_id,
        purpose=purpose,
        stage=stage,
        due_at=due_at,
        project_manager=project_manager,
        version=version,
        reached=reached,
        satisfaction=satisfaction,
        ratings=ratings,
        completed_at=at,
        month=reports.month_of(at),
    )
    return True
