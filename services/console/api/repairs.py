"""Repairs: the list of tickets, a ticket's page (steps, photos, fee quote, schedule,
completion), its photos fetched from aftersales with the person's token, and the steps
after-sales staff and the approvers take on it."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.responses import Response

from services.console.api import guard
from services.console.api.models import STEP_FORMS, STEP_PATHS, invalid_fields
from services.console.api.pages import redirect, render
from services.console.api.projects import PAGE_SIZE, failure, served
from services.console.domain.projects import (
    PROJECT_READERS,
    REPAIR_STATUSES,
    approval_level,
    repair_filters,
    repair_steps,
)
from services.console.workflow import projects as work
from services.console.workflow.services import ServiceError
from services.console.workflow.sessions import Visit
from shared.contracts.values import PhotoPhase, ProblemKind, Role

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


async def repair_page(
    request: Request,
    visit: Visit,
    repair_id: str,
    *,
    status: int = 200,
    failed: str = "",
    errors: dict[str, str] | None = None,
) -> Response:
    """The ticket as this person may read it, with the step forms their role may take now (a
    refused step open with aftersales' reasons)."""
    try:
        found = await work.repair(request.app.state.services, visit.staff, repair_id)
    except ServiceError as exc:
        return failure(request, visit, exc)
    role = visit.staff.role
    return render(
        request,
        "repair.html",
        visit=visit,
        status=status,
        r=found,
        may_read_projects=role in PROJECT_READERS or role is Role.ADMIN,
        steps=repair_steps(found, role),
        level=approval_level(str(found["status"])),
        kinds=[k.value for k in ProblemKind],
        phases=[p.value for p in PhotoPhase],
        done=request.query_params.get("done", ""),
        failed=failed,
        errors=errors or {},
    )


@router.get("/repairs/{repair_id}")
async def repair(request: Request, repair_id: str) -> Response:
    """One repair ticket."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    return await repair_page(request, visit, repair_id)


@router.post("/repairs/{repair_id}/steps/{step}")
async def take_step(request: Request, repair_id: str, step: str) -> Response:
    """One step of the ticket through aftersales; back to the ticket saying it is done, or the
    form again with what aftersales refused and why."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    raw = dict(await request.form())
    if not guard.form_ok(request, visit, str(raw.get("csrf_token") or "")):
        return render(request, "refused.html", visit=visit, status=403)
    form_of = STEP_FORMS.get(step)
    if form_of is None:
        return render(request, "notfound.html", visit=visit, status=404)
    try:
        form = form_of.model_validate(raw)
        await work.repair_step(
            request.app.state.services,
            visit.staff,
            repair_id,
            STEP_PATHS.get(step, step),
            form.body(),
        )
    except ValidationError as exc:
        return await repair_page(
            request, visit, repair_id, status=422, failed=step, errors=invalid_fields(exc)
        )
    except ServiceError as exc:
        if exc.status in (403, 404):
            return failure(request, visit, exc)
        errors = exc.field_errors() or {"form": exc.detail or exc.title}
        return await repair_page(
            request, visit, repair_id, status=exc.status, failed=step, errors=errors
        )
    return redirect(f"/repairs/{quote(repair_id, safe='')}?done={quote(step)}")


@router.post("/repairs/{repair_id}/photos")
async def add_photo(request: Request, repair_id: str) -> Response:
    """A photo uploaded to the ticket, passed on to aftersales as the person."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    form = await request.form()
    if not guard.form_ok(request, visit, str(form.get("csrf_token") or "")):
        return render(request, "refused.html", visit=visit, status=403)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors = {"file": "—"}
        return await repair_page(
            request, visit, repair_id, status=422, failed="photos", errors=errors
        )
    phase = str(form.get("phase") or "")
    if phase and phase not in {p.value for p in PhotoPhase}:
        errors = {"phase": "—"}
        return await repair_page(
            request, visit, repair_id, status=422, failed="photos", errors=errors
        )
    content = await upload.read()
    kind = (upload.content_type or "application/octet-stream").split(";", 1)[0]
    try:
        await work.add_repair_photo(
            request.app.state.services,
            visit.staff,
            repair_id,
            upload.filename,
            content,
            kind,
            phase or None,
        )
    except ServiceError as exc:
        if exc.status in (403, 404):
            return failure(request, visit, exc)
        errors = exc.field_errors() or {"file": exc.detail or exc.title}
        return await repair_page(
            request, visit, repair_id, status=exc.status, failed="photos", errors=errors
        )
    return redirect(f"/repairs/{quote(repair_id, safe='')}?done=photos")


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
