"""Repairs: the list of tickets, a ticket's page (steps, photos, fee quote, schedule,
completion) and its photos, fetched from aftersales with the person's token."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from services.console.api import guard
from services.console.api.pages import render
from services.console.api.projects import PAGE_SIZE, failure, served
from services.console.domain.projects import PROJECT_READERS, REPAIR_STATUSES, repair_filters
from services.console.workflow import projects as work
from services.console.workflow.services import ServiceError
from shared.contracts.values import Role

router = APIRouter()


@router.get("/repairs")
async def repair_list(request: Request) -> Response:
    """Repair tickets in the order they were opened, by status (a branch: its own)."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    query = dict(request.query_params)
    filters = repair_filters(query, REPAIR_STATUSES)
    try:
        listing = await work.repairs(
            request.app.state.services, visit.staff, filters, query.get("cursor"), PAGE_SIZE
        )
    except ServiceError as exc:
        return failure(request, visit, exc)
    return render(
        request,
        "repairs.html",
        visit=visit,
        listing=listing,
        filters=filters,
        statuses=REPAIR_STATUSES,
        more=urlencode({**query, "cursor": listing.next_cursor or ""}),
    )


@router.get("/repairs/{repair_id}")
async def repair(request: Request, repair_id: str) -> Response:
    """One repair ticket."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    try:
        found = await work.repair(request.app.state.services, visit.staff, repair_id)
    except ServiceError as exc:
        return failure(request, visit, exc)
    role = visit.staff.role
    return render(
        request,
        "repair.html",
        visit=visit,
        r=found,
        may_read_projects=role in PROJECT_READERS or role is Role.ADMIN,
    )


@router.get("/repairs/{repair_id}/photos/{photo_id}")
async def photo(request: Request, repair_id: str, photo_id: str) -> Response:
    """A repair photo: aftersales checks this person may see the ticket, the console serves it."""
    visit = await guard.visit(request)
    if visit is None:
        return Response(status_code=401)
    try:
        found = await work.repair_photo(
            request.app.state.services, visit.staff, repair_id, photo_id
        )
    except ServiceError as exc:
        return failure(request, visit, exc)
    return served(found)
