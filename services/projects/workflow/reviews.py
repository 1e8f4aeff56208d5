"""The drawing and budget reviews (图纸、预算审核): the designer submits, the engineering manager
forms the panel, the panel scores, the engineering manager approves or returns, the designer
resubmits or disputes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from services.projects import domain, queries
from services.projects.domain import Review, ReviewKind
from services.projects.queries import records
from services.projects.workflow.unit import StaleVersion, Unit
from shared.context import Context
from shared.errors import NotFound


async def submit_review(
    ctx: Context,
    project_id: str,
    kind: ReviewKind,
    designer: str,
    at: datetime | None,
    if_match: str | None = None,
) -> Review:
    """The designer submits drawings or a budget to the review panel."""
    when = await ctx.business_time(at, "at")
    review = domain.submit_review(str(uuid.uuid4()), project_id, kind, designer, when)
    await Unit.fetch(ctx, project_id, if_match)
    await queries.insert_review(
        ctx.conn,
        review_id=review.id,
        project_id=project_id,
        status=review.status.value,
        state=records.review_to_json(review),
    )
    return review


async def get_review(ctx: Context, review_id: str) -> Review:
    """A review with its scores and audit trail (404 if unknown)."""
    row = await queries.get_review(ctx.conn, review_id=review_id)
    if row is None:
        raise NotFound("review", review_id)
    return records.review_of(row)


async def _step(ctx: Context, review_id: str, change: Callable[[Review], Review]) -> Review:
    row = await queries.get_review(ctx.conn, review_id=review_id)
    if row is None:
        raise NotFound("review", review_id)
    changed = change(records.review_of(row))
    if not await queries.update_review(
        ctx.conn,
        review_id=review_id,
        expected_version=row["version"],
        status=changed.status.value,
        state=records.review_to_json(changed),
    ):
        raise StaleVersion("stale_version", "the review changed meanwhile; reload and retry")
    return changed


async def form_panel(
    ctx: Context, review_id: str, members: list[str], by: str, at: datetime | None
) -> Review:
    """The engineering manager forms the review panel (组成审核小组)."""
    when = await ctx.business_time(at, "at")
    return await _step(ctx, review_id, lambda r: domain.form_panel(r, members, by, when))


async def score_review(
    ctx: Context,
    review_id: str,
    scores: dict[str, int],
    details: str,
    by: str,
    at: datetime | None,
    *,
    on_behalf: bool = False,
) -> Review:
    """A member of the panel scores each rule (0–10) and records its details."""
    when = await ctx.business_time(at, "at")
    return await _step(
        ctx,
        review_id,
        lambda r: domain.score_review(r, scores, details, by, when, on_behalf=on_behalf),
    )


async def approve_review(ctx: Context, review_id: str, by: str, at: datetime | None) -> Review:
    """The engineering manager approves the scored work."""
    when = await ctx.business_time(at, "at")
    return await _step(ctx, review_id, lambda r: domain.approve_review(r, by, when))


async def return_review(
    ctx: Context, review_id: str, by: str, note: str, at: datetime | None
) -> Review:
    """The engineering manager returns the work to the designer to revise."""
    when = await ctx.business_time(at, "at")
    return await _step(ctx, review_id, lambda r: domain.return_review(r, by, note, when))


def _designer(review: Review, by: str, on_behalf: bool) -> str:
    # An administrator acts on the designer's behalf; anyone else acts as themselves.
    return review.designer if on_behalf else by


async def resubmit_review(
    ctx: Context, review_id: str, by: str, at: datetime | None, *, on_behalf: bool = False
) -> Review:
    """The designer hands in the revision (a new round); only the review's designer may."""
    when = await ctx.business_time(at, "at")
    return await _step(
        ctx, review_id, lambda r: domain.resubmit_review(r, _designer(r, by, on_behalf), when)
    )


async def dispute_review(
    ctx: Context,
    review_id: str,
    by: str,
    reason: str,
    at: datetime | None,
    *,
    on_behalf: bool = False,
) -> Review:
    """The designer contests the panel's scores; only the review's designer may."""
    when = await ctx.business_time(at, "at")
    return await _step(
        ctx,
        review_id,
        lambda r: domain.dispute_review(r, _designer(r, by, on_behalf), reason, when),
    )
