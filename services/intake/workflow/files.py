"""The customer's service file: its projects kept from projects' events, read with the
customer's open complaints, and archived at the end (客户资料整理入档案)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.intake import queries
from services.intake.domain.files import (
    Archive,
    CustomerProject,
    archive_file,
    file_status,
    opened_at,
)
from services.intake.queries import files as file_queries
from services.intake.workflow.customers import ident
from shared.context import Context
from shared.contracts.values import Stage
from shared.errors import DomainError, NotFound
from shared.web.auth import Principal


async def keep_project(
    ctx: Context,
    *,
    project_id: str,
    customer_id: str,
    stage: Stage,
    version: int,
    at: datetime | None,
    completed_on: Any = None,
) -> None:
    """Keep a customer's project as projects published it (the newest version wins)."""
    await file_queries.keep_project(
        ctx.conn,
        project_id=project_id,
        customer_id=customer_id,
        stage=stage.value,
        version=version,
        opened_at=at if stage is Stage.CONSULTATION else None,
        contract_at=at if stage is Stage.CONTRACT else None,
        completed_on=completed_on,
    )


async def _file(ctx: Context, customer_id: str) -> tuple[list[CustomerProject], Archive | None]:
    if await queries.get_customer(ctx.conn, id=customer_id, branch_id=None) is None:
        raise NotFound("customer", customer_id)
    projects = [
        CustomerProject(
            r["project_id"], Stage(r["stage"]), r["opened_at"], r["contract_at"], r["completed_on"]
        )
        for r in await file_queries.projects_of(ctx.conn, customer_id=customer_id)
    ]
    row = await file_queries.get_archive(ctx.conn, customer_id=customer_id)
    archive = Archive(row["archived_at"], row["archived_by"], row["note"]) if row else None
    return projects, archive


def _body(
    customer_id: str, projects: list[CustomerProject], archive: Archive | None, complaints: int
) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "status": file_status(projects, archive).value,
        "opened_at": opened_at(projects),
        "projects": [
            {
                "project_id": p.project_id,
                "stage": p.stage.value,
                "opened_at": p.opened_at,
                "contract_at": p.contract_at,
                "completed_on": p.completed_on,
            }
            for p in projects
        ],
        "open_complaints": complaints,
        "archived": (
            {"at": archive.at, "by": archive.by, "note": archive.note} if archive else None
        ),
    }


async def service_file(ctx: Context, who: Principal, customer_id: str) -> dict[str, Any]:
    """The customer's service file: when it opened, their projects, open complaints, archive."""
    key = ident("customer", customer_id)
    projects, archive = await _file(ctx, key)
    complaints = await file_queries.open_complaints(ctx.conn, customer_id=key)
    return _body(key, projects, archive, complaints)


async def archive(
    ctx: Context, who: Principal, customer_id: str, *, note: str, at: datetime | None
) -> dict[str, Any]:
    """Archive the customer's service file once their works are finished and no complaint is
    open (客户资料整理入档案)."""
    key = ident("customer", customer_id)
    when = await ctx.business_time(at, "at")
    projects, current = await _file(ctx, key)
    complaints = await file_queries.open_complaints(ctx.conn, customer_id=key)
    done = archive_file(
        projects, current, open_complaints=complaints, by=who.sub, at=when, note=note
    )
    if not await file_queries.insert_archive(
        ctx.conn, customer_id=key, at=done.at, by=done.by, note=done.note
    ):
        raise DomainError("file_archived", "the service file is already archived")
    return _body(key, projects, done, complaints)
