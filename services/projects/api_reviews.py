"""Routes of the drawing and budget reviews (图纸、预算审核): panel, manager, designer."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import AwareDatetime, Field

from services.projects import queries
from services.projects.api_common import ENGINEERING, READERS, Body, load
from services.projects.domain import (
    Review,
    ReviewKind,
    approve_review,
    dispute_review,
    resubmit_review,
    return_review,
    score_review,
    submit_review,
)
from services.projects.queries import records
from services.projects.workflow import utcnow
from shared.contracts.values import Role
from shared.errors import DomainError
from shared.web.auth import Principal, require
from shared.web.deps import read, tx
from shared.web.errors import not_found

router = APIRouter(prefix="/v1", tags=["reviews"])


class ReviewIn(Body):
    kind: ReviewKind
    designer: str | None = Field(default=None, description="Token `sub`; default: the caller")
    at: AwareDatetime | None = None


class ScoresIn(Body):
    scores: dict[str, int]
    details: str
    at: AwareDatetime | None = None


class AtIn(Body):
    at: AwareDatetime | None = None


class ReturnIn(Body):
    note: str = ""
    at: AwareDatetime | None = None


class DisputeIn(Body):
    reason: str
    at: AwareDatetime | None = None


@router.post("/projects/{project_id}/reviews", status_code=201)
async def submit(
    project_id: str, body: ReviewIn, request: Request, who: Principal = require(*ENGINEERING)
) -> dict[str, Any]:
    """The designer submits drawings or a budget to the review panel."""
    review = submit_review(
        str(uuid.uuid4()), project_id, body.kind, body.designer or who.sub, body.at or utcnow()
    )
    async with tx(request) as conn:
        await load(conn, request, project_id)
        await queries.insert_review(
            conn,
            review_id=review.id,
            project_id=project_id,
            status=review.status.value,
            state=records.review_to_json(review),
        )
    return records.review_to_json(review)


@router.get("/reviews/{review_id}")
async def get_review(
    review_id: str, request: Request, who: Principal = require(*READERS)
) -> dict[str, Any]:
    """A review with its scores and audit trail."""
    async with read(request) as conn:
        row = await queries.get_review(conn, review_id=review_id)
    if row is None:
        raise not_found("review", review_id)
    return json.loads(row["state"])  # type: ignore[no-any-return]


async def _step(
    request: Request, review_id: str, change: Callable[[Review], Review]
) -> dict[str, Any]:
    async with tx(request) as conn:
        row = await queries.get_review(conn, review_id=review_id)
        if row is None:
            raise not_found("review", review_id)
        review = change(records.review_of(row))
        doc = records.review_to_json(review)
        if not await queries.update_review(
            conn,
            review_id=review_id,
            expected_version=row["version"],
            status=review.status.value,
            state=doc,
        ):
            raise DomainError("stale_version", "the review changed meanwhile; reload and retry")
    return doc


def _as_designer(who: Principal, review: Review) -> str:
    # An administrator acts on the designer's behalf; anyone else acts as themselves.
    return review.designer if who.role is Role.ADMIN else who.sub


def _at(at: datetime | None) -> datetime:
    return at or utcnow()


@router.post("/reviews/{review_id}/scores")
async def scores(
    review_id: str, body: ScoresIn, request: Request, who: Principal = require(*ENGINEERING)
) -> dict[str, Any]:
    """The panel scores each rule (0–10) and records its details."""
    return await _step(
        request,
        review_id,
        lambda r: score_review(r, body.scores, body.details, who.sub, _at(body.at)),
    )


@router.post("/reviews/{review_id}/approval")
async def approval(
    review_id: str, body: AtIn, request: Request, who: Principal = require(*ENGINEERING)
) -> dict[str, Any]:
    """The engineering manager approves the scored work."""
    return await _step(request, review_id, lambda r: approve_review(r, who.sub, _at(body.at)))


@router.post("/reviews/{review_id}/return")
async def give_back(
    review_id: str, body: ReturnIn, request: Request, who: Principal = require(*ENGINEERING)
) -> dict[str, Any]:
    """The engineering manager returns the work to the designer to revise."""
    return await _step(
        request, review_id, lambda r: return_review(r, who.sub, body.note, _at(body.at))
    )


@router.post("/reviews/{review_id}/resubmission")
async def resubmission(
    review_id: str, body: AtIn, request: Request, who: Principal = require(*ENGINEERING)
) -> dict[str, Any]:
    """The designer hands in the revision (a new round)."""
    return await _step(
        request, review_id, lambda r: resubmit_review(r, _as_designer(who, r), _at(body.at))
    )


@router.post("/reviews/{review_id}/disputes")
async def dispute(
    review_id: str, body: DisputeIn, request: Request, who: Principal = require(*ENGINEERING)
) -> dict[str, Any]:
    """The designer contests the panel's scores."""
    return await _step(
        request,
        review_id,
        lambda r: dispute_review(r, _as_designer(who, r), body.reason, _at(body.at)),
    )
