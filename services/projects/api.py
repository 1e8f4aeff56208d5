"""HTTP API of the projects service (API.md § projects): thin routes over the domain.

This module holds the project's own routes (open, read, assign, stages, approvals, sign-offs,
facts) and assembles the others: money (`api_money`), works' records (`api_quality`), reviews
(`api_reviews`) and reports (`api_reports`) into `router`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import AwareDatetime, Field

from services.projects import api_money, api_quality, api_reports, api_reviews, queries
from services.projects.api_common import (
    ENGINEERING,
    MONEY,
    ORGANISERS,
    READERS,
    Body,
    load,
    settings_of,
    view,
)
from services.projects.domain import (
    Approval,
    approve,
    assign,
    open_project,
    record_signoff,
    unmet_rules,
)
from services.projects.queries import records
from services.projects.workflow import utcnow
from shared import outbox
from shared.contracts.projects import ProjectOpened
from shared.contracts.values import Deadline, SignoffParty, Stage
from shared.errors import DomainError
from shared.web.auth import Principal, require
from shared.web.deps import read, tx
from shared.web.pagination import decode, limit_param, page

projects_router = APIRouter(prefix="/v1", tags=["projects"])

FACTS: dict[str, Deadline] = {
    "renderings_delivered": Deadline.RENDERINGS,
    "contract_to_finance": Deadline.CONTRACT_TO_FINANCE,
    "contract_handed_to_finance": Deadline.CONTRACT_TO_FINANCE,
}


class ProjectIn(Body):
    customer_id: str = Field(min_length=1)
    address: str = Field(min_length=1)
    designer: str | None = None
    project_manager: str | None = None
    at: AwareDatetime | None = None


class AssignIn(Body):
    designer: str | None = None
    project_manager: str | None = None
    supervisor: str | None = None
    foreman: str | None = None


class TransitionIn(Body):
    to: Stage
    at: AwareDatetime | None = None
    note: str | None = None


class ApprovalIn(Body):
    what: Approval
    at: AwareDatetime | None = None


class SignoffIn(Body):
    stage: Stage
    party: SignoffParty
    name: str
    signed_at: AwareDatetime | None = None


class FactIn(Body):
    fact: Literal["renderings_delivered", "contract_to_finance", "contract_handed_to_finance"]
    at: AwareDatetime | None = None


@projects_router.post("/projects", status_code=201)
async def open_one(
    body: ProjectIn, request: Request, who: Principal = require(*ORGANISERS)
) -> dict[str, Any]:
    """Open a project in `consultation` (projects are also opened from leads)."""
    project = open_project(
        str(uuid.uuid4()),
        body.customer_id,
        body.at or utcnow(),
        designer=body.designer,
        project_manager=body.project_manager,
    )
    async with tx(request) as conn:
        await queries.insert_project(
            conn,
            project_id=project.id,
            customer_id=project.customer_id,
            lead_id=None,
            branch_id=who.branch,
            address=body.address,
            stage=project.stage.value,
            version=project.version,
            designer=project.designer,
            project_manager=project.project_manager,
            state=records.project_to_json(project),
        )
        event = ProjectOpened(
            project_id=project.id,
            customer_id=project.customer_id,
            address=body.address,
            designer=project.designer,
            project_manager=project.project_manager,
            version=project.version,
        )
        await outbox.add(conn, *outbox.stamp("projects", [event], who.branch))
    return {"id": project.id, "stage": project.stage.value, "version": project.version}


@projects_router.get("/projects")
async def list_all(
    request: Request,
    customer_id: str | None = None,
    lead_id: str | None = None,
    stage: Stage | None = None,
    project_manager: str | None = None,
    limit: int = Depends(limit_param),
    cursor: str | None = None,
    who: Principal = require(*READERS),
) -> dict[str, Any]:
    """Projects in the order they were opened, filtered."""
    key = decode(cursor)
    after = (datetime.fromisoformat(key[0]), str(key[1])) if key else None
    async with read(request) as conn:
        rows = await queries.list_projects(
            conn,
            customer_id=customer_id,
            lead_id=lead_id,
            stage=stage.value if stage else None,
            project_manager=project_manager,
            after=after,
            limit=limit + 1,
        )
    return page([dict(r) for r in rows], limit, key=("created_at", "id"))


@projects_router.get("/projects/{project_id}")
async def get_one(
    project_id: str, request: Request, who: Principal = require(*READERS)
) -> dict[str, Any]:
    """The project: stage, version, contract, plan, payments, sign-offs, deadlines, warranty."""
    async with read(request) as conn:
        return await view(await load(conn, request, project_id))


@projects_router.patch("/projects/{project_id}")
async def assign_people(
    project_id: str, body: AssignIn, request: Request, who: Principal = require(*ORGANISERS)
) -> dict[str, Any]:
    """Assign the designer, project manager, supervisor and foreman."""
    async with tx(request) as conn:
        unit = await load(conn, request, project_id)
        unit.project = assign(unit.project, **body.model_dump())
        await unit.commit()
        return await view(unit)


@projects_router.post("/projects/{project_id}/transitions")
async def transition(
    project_id: str, body: TransitionIn, request: Request, who: Principal = require(*ENGINEERING)
) -> dict[str, Any]:
    """Move to the next stage, or 409 naming every rule not met."""
    at = body.at or utcnow()
    async with tx(request) as conn:
        unit = await load(conn, request, project_id)
        try:
            await unit.transition(body.to, at, who.sub, body.note)
        except DomainError as exc:
            cfg = settings_of(request)
            rules = unmet_rules(unit.project, body.to, at, deposit_min_fen=cfg.deposit_min_fen)
            if not rules or rules[0][0] != exc.code:
                raise
            unmet = [{"code": c, "rule": t} for c, t in rules]
            raise DomainError(exc.code, exc.detail, extra={"rules": unmet}) from exc
        await unit.commit()
        return await view(unit)


@projects_router.post("/projects/{project_id}/approvals")
async def approval(
    project_id: str, body: ApprovalIn, request: Request, who: Principal = require(*ENGINEERING)
) -> dict[str, Any]:
    """The customer's approval of the scheme and quote, or signature on the drawings."""
    async with tx(request) as conn:
        unit = await load(conn, request, project_id)
        unit.project = approve(unit.project, body.what, body.at or utcnow())
        await unit.commit()
        return await view(unit)


@projects_router.post("/projects/{project_id}/signoffs")
async def signoff(
    project_id: str, body: SignoffIn, request: Request, who: Principal = require(*ENGINEERING)
) -> dict[str, Any]:
    """A party's signature on a coming stage's handover or acceptance."""
    async with tx(request) as conn:
        unit = await load(conn, request, project_id)
        unit.project = record_signoff(
            unit.project, body.stage, body.party, body.name, body.signed_at or utcnow()
        )
        await unit.commit()
        return await view(unit)


@projects_router.post("/projects/{project_id}/facts")
async def fact(
    project_id: str, body: FactIn, request: Request, who: Principal = require(*MONEY)
) -> dict[str, Any]:
    """A fact that meets a deadline (renderings delivered, contract handed to finance)."""
    kind = FACTS[body.fact]
    async with tx(request) as conn:
        unit = await load(conn, request, project_id)
        if not await unit.satisfy(kind, body.at or utcnow()):
            raise DomainError(
                "no_deadline",
                f"no `{kind}` deadline is running on this project (stage `{unit.project.stage}`)",
            )
        await unit.commit()
        return await view(unit)


router = APIRouter()
router.include_router(projects_router)
router.include_router(api_money.router)
router.include_router(api_quality.router)
router.include_router(api_reviews.router)
router.include_router(api_reports.router)
