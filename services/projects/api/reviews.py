"""Routes of the drawing and budget reviews (图纸、预算审核): panel, manager, designer."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from services.projects import workflow
from services.projects.api.models import (
    AtIn,
    DisputeIn,
    PanelIn,
    ReturnIn,
    ReviewIn,
    ScoresIn,
    if_match,
    review_body,
)
from services.projects.api.roles import (
    ENGINEERING,
    ENGINEERING_MANAGER,
    READERS,
    REVIEWERS,
    engineering_manager,
)
from shared.contracts.values import Role
from shared.web.auth import Principal, require
from shared.web.deps import change, view

router = APIRouter(prefix="/v1", tags=["reviews"])


@router.post("/projects/{project_id}/reviews", status_code=201)
async def submit(
    project_id: str, body: ReviewIn, request: Request, who: Principal = require(*ENGINEERING)
) -> dict[str, Any]:
    """The designer submits drawings or a budget to the review panel."""
    designer = body.designer or who.sub
    async with change(request) as ctx:
        review = await workflow.submit_review(
            ctx, project_id, body.kind, designer, body.at, if_match(request)
        )
    return review_body(review)


@router.get("/reviews/{review_id}")
async def get_review(
    review_id: str, request: Request, who: Principal = require(*READERS)
) -> dict[str, Any]:
    """A review with its scores and audit trail."""
    async with view(request) as ctx:
        return review_body(await workflow.get_review(ctx, review_id))


@router.post("/reviews/{review_id}/panel")
async def panel(
    review_id: str, body: PanelIn, request: Request, who: Principal = require(*ENGINEERING_MANAGER)
) -> dict[str, Any]:
    """The engineering manager forms the review panel (组成审核小组)."""
    engineering_manager(who)
    async with change(request) as ctx:
        review = await workflow.form_panel(ctx, review_id, body.members, who.sub, body.at)
    return review_body(review)


@router.post("/reviews/{review_id}/scores")
async def scores(
    review_id: str, body: ScoresIn, request: Request, who: Principal = require(*REVIEWERS)
) -> dict[str, Any]:
    """A member of the panel scores each rule (0–10) and records its details."""
    async with change(request) as ctx:
        review = await workflow.score_review(
            ctx,
            review_id,
            body.scores,
            body.details,
            who.sub,
            body.at,
            on_behalf=who.role is Role.ADMIN,
        )
    return review_body(review)


@router.post("/reviews/{review_id}/approval")
async def approval(
    review_id: str, body: AtIn, request: Request, who: Principal = require(*ENGINEERING_MANAGER)
) -> dict[str, Any]:
    """The engineering manager approves the scored work."""
    engineering_manager(who)
    async with change(request) as ctx:
        review = await workflow.approve_review(ctx, review_id, who.sub, body.at)
    return review_body(review)


@router.post("/reviews/{review_id}/return")
async def give_back(
    review_id: str, body: ReturnIn, request: Request, who: Principal = require(*ENGINEERING_MANAGER)
) -> dict[str, Any]:
    """The engineering manager returns the work to the designer to revise."""
    engineering_manager(who)
    async with change(request) as ctx:
        review = await workflow.return_review(ctx, review_id, who.sub, body.note, body.at)
    return review_body(review)


@router.post("/reviews/{review_id}/resubmission")
async def resubmission(
    review_id: str, body: AtIn, request: Request, who: Principal = require(*ENGINEERING)
) -> dict[str, Any]:
    """The designer hands in the revision (a new round); an administrator acts for them."""
    async with change(request) as ctx:
        review = await workflow.resubmit_review(
            ctx, review_id, who.sub, body.at, on_behalf=who.role is Role.ADMIN
        )
    return review_body(review)


@router.post("/reviews/{review_id}/disputes")
async def dispute(
    review_id: str, body: DisputeIn, request: Request, who: Principal = require(*ENGINEERING)
) -> dict[str, Any]:
    """The designer contests the panel's scores; an administrator acts for them."""
    async with change(request) as ctx:
        review = await workflow.dispute_review(
            ctx, review_id, who.sub, body.reason, body.at, on_behalf=who.role is Role.ADMIN
        )
    return review_body(review)
