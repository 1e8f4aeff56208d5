"""Routes of the project itself: open, list, read, assign people, stages, the customer's
approvals, sign-offs, the facts that meet deadlines and the design acceptance on site."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request

from services.projects import workflow
from services.projects.api.models import (
    FACTS,
    ApprovalIn,
    AssignIn,
    DesignAcceptanceIn,
    DesignResultIn,
    FactIn,
    ProjectIn,
    SignoffIn,
    TransitionIn,
    if_match,
    project_body,
)
from services.projects.api.roles import ENGINEERING, MONEY, ORGANISERS, READERS
from shared.contracts.values import Role, Stage
from shared.validation import Code, Cursor
from shared.web.auth import Principal, require
from shared.web.deps import change, view
from shared.web.pagination import after, limit_param, page

router = APIRouter(prefix="/v1", tags=["projects"])


@router.post("/projects", status_code=201)
async def open_one(
    body: ProjectIn, request: Request, who: Principal = require(*ORGANISERS)
) -> dict[str, Any]:
    """Open a project in `consultation` (projects are also opened from leads)."""
    async with change(request) as ctx:
        project = await workflow.open_project(
            ctx,
            customer_id=body.customer_id,
            address=body.address,
            at=body.at,
            branch_id=who.branch,
            designer=body.designer,
            project_manager=body.project_manager,
        )
    return {"id": project.id, "stage": project.stage.value, "version": project.version}


@router.get("/projects")
async def list_all(
    request: Request,
    customer_id: Code | None = None,
    lead_id: Code | None = None,
    stage: Stage | None = None,
    project_manager: Code | None = None,
    branch_id: Code | None = None,
    order: Literal["oldest", "newest"] = "oldest",
    limit: int = Depends(limit_param),
    cursor: Cursor | None = None,
    who: Principal = require(*READERS),
) -> dict[str, Any]:
    """Projects in the order they were opened (or newest first), filtered by customer, lead,
    stage, project manager or branch; keyset pagination."""
    key = after(cursor, datetime, str)
    filters = {
        "customer_id": customer_id,
        "lead_id": lead_id,
        "stage": stage.value if stage else None,
        "project_manager": project_manager,
        "branch_id": branch_id,
    }
    async with view(request) as ctx:
        items = await workflow.list_projects(
            ctx, filters=filters, newest_first=order == "newest", after=key, limit=limit + 1
        )
    return page(items, limit, key=("created_at", "id"))


@router.get("/projects/{project_id}")
async def get_one(
    project_id: str, request: Request, who: Principal = require(*READERS)
) -> dict[str, Any]:
    """The project: stage, version, contract, plan, payments, sign-offs, deadlines, warranty."""
    async with view(request) as ctx:
        return project_body(await workflow.project_file(ctx, project_id, if_match(request)))


@router.get("/projects/{project_id}/next")
async def next_step(
    project_id: str, request: Request, who: Principal = require(*READERS)
) -> dict[str, Any]:
    """The next stage and every rule not met for it now, in words (what a transition would
    refuse with); `automatic` when the system moves it (warranty), `next` null at the end."""
    async with view(request) as ctx:
        return await workflow.next_step(ctx, project_id)


@router.patch("/projects/{project_id}")
async def assign_people(
    project_id: str, body: AssignIn, request: Request, who: Principal = require(*ORGANISERS)
) -> dict[str, Any]:
    """Assign the designer, project manager, supervisor and foreman."""
    async with change(request) as ctx:
        f = await workflow.assign(ctx, project_id, body.model_dump(), if_match(request))
        return project_body(f)


@router.post("/projects/{project_id}/transitions")
async def transition(
    project_id: str, body: TransitionIn, request: Request, who: Principal = require(*ENGINEERING)
) -> dict[str, Any]:
    """Move to the next stage, or 409 naming every rule not met."""
    async with change(request) as ctx:
        f = await workflow.transition(
            ctx, project_id, body.to, body.at, who.sub, body.note, if_match(request)
        )
        return project_body(f)


@router.post("/projects/{project_id}/approvals")
async def approval(
    project_id: str, body: ApprovalIn, request: Request, who: Principal = require(*ENGINEERING)
) -> dict[str, Any]:
    """The customer's approval of the scheme and quote, or signature on the drawings."""
    async with change(request) as ctx:
        f = await workflow.approve(ctx, project_id, body.what, body.at, if_match(request))
        return project_body(f)


@router.post("/projects/{project_id}/signoffs")
async def signoff(
    project_id: str, body: SignoffIn, request: Request, who: Principal = require(*ENGINEERING)
) -> dict[str, Any]:
    """A party's signature on a coming stage's handover or acceptance."""
    async with change(request) as ctx:
        f = await workflow.sign_off(
            ctx, project_id, body.stage, body.party, body.name, body.signed_at, if_match(request)
        )
        return project_body(f)


@router.post("/projects/{project_id}/facts")
async def fact(
    project_id: str, body: FactIn, request: Request, who: Principal = require(*MONEY)
) -> dict[str, Any]:
    """A fact that meets a deadline (renderings delivered, contract handed to finance)."""
    async with change(request) as ctx:
        f = await workflow.record_fact(
            ctx, project_id, FACTS[body.fact], body.at, if_match(request)
        )
        return project_body(f)


@router.post("/projects/{project_id}/design-acceptance")
async def design_acceptance(
    project_id: str,
    body: DesignAcceptanceIn,
    request: Request,
    who: Principal = require(*ENGINEERING),
) -> dict[str, Any]:
    """The designer invites the customer to a design acceptance on site (设计验收)."""
    async with change(request) as ctx:
        f = await workflow.book_design_acceptance(
            ctx,
            project_id,
            body.on,
            who.sub,
            body.at,
            if_match(request),
            on_behalf=who.role is Role.ADMIN,
        )
        return project_body(f)


@router.post("/projects/{project_id}/design-acceptance/result")
async def design_result(
    project_id: str, body: DesignResultIn, request: Request, who: Principal = require(*ENGINEERING)
) -> dict[str, Any]:
    """What the customer said at the design acceptance, signed by the customer."""
    async with change(request) as ctx:
        f = await workflow.record_design_acceptance(
            ctx,
            project_id,
            accepted=body.accepted,
            notes=body.notes,
            customer_name=body.customer_name,
            by=who.sub,
            at=body.at,
            if_match=if_match(request),
        )
        return project_body(f)
